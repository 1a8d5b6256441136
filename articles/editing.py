"""Rules of editing an article that every caller shares: the admin today, a command or an API.

- **Lost updates.** Every save raises ``Article.version``. A save made from a form loaded on
  an older version is refused (``claim_version``), so nobody silently overwrites a
  colleague's edit.
- **Material updates.** Readers see an "Updated" time only for a change they should know
  about, made while the article was public: a ticked "material update", or a correction or
  update note (``mark_material_update``, ``note_is_material``).
- **Presence.** Who has an article open, kept in the shared cache: an open form beats
  every ``ARTICLE_PRESENCE_SECONDS`` (``heartbeat``) and counts while its beats keep
  coming; a form that never beat (no JavaScript) counts for ``NO_SCRIPT_SECONDS`` after
  it was opened (``note_editing``, ``done_editing``). Only a notice: the lost-update
  check above stays the guard.
- **Moves.** ``move`` changes an article's status the way the form would: the workflow's
  permission, the publication checks (credits, alt text), a revision with its comment.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import reversion
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone

from . import sanitize, workflow
from .models import Article, ArticleNote

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import AbstractBaseUser

# Presence: a form whose script beats counts while it missed fewer than this many beats
# in a row (3 × ARTICLE_PRESENCE_SECONDS: 45 s by default)...
MISSED_BEATS = 3
# ... and a form that never beat (opened without JavaScript, or its script blocked) for
# this long after it was opened: its editor is probably still there, and shows again
# whenever they reload or save and continue.
NO_SCRIPT_SECONDS = 10 * 60


class EditConflict(Exception):
    """Someone saved the article after the editor loaded it."""


class MoveRefused(Exception):
    """The user may not give the article that status, or it may not be published yet."""

    def __init__(self, message: str, validation_error: ValidationError | None = None) -> None:
        super().__init__(message)
        self.validation_error = validation_error


# Lost updates ----------------------------------------------------------------------


def claim_version(row: models.Model, loaded_version: int) -> None:
    """Claim ``row`` (an article, a live update: any model with a ``version``) for a save
    from a form loaded on ``loaded_version``.

    Raise ``EditConflict`` when someone saved it since. Inside a transaction the UPDATE
    holds the row until the transaction ends, so the check and the save cannot interleave
    with another editor's.
    """
    rows = type(row)._default_manager.filter(pk=row.pk, version=loaded_version)
    claimed = rows.update(version=F("version"))
    if not claimed:
        raise EditConflict


# Material updates ------------------------------------------------------------------


def note_is_material(note: ArticleNote) -> bool:
    """Return whether a note tells readers the content changed (a correction or an update)."""
    return note.kind != ArticleNote.Kind.CLARIFICATION


def mark_material_update(
    article: Article,
    when: datetime | None = None,
    *,
    save: bool,
    was_public: bool | None = None,
) -> bool:
    """Show readers ``article`` was updated at ``when`` (now); return whether it was marked.

    Only a change made while readers could see the article counts: ``was_public`` says
    whether they could when the change was made (default: whether they can now). With
    ``save`` the time is written at once (an UPDATE of that one column, no new version);
    without, it is set on the instance for the caller's own save.
    """
    if not (article.is_public if was_public is None else was_public):
        return False
    article.content_updated_at = when or timezone.now()
    if save:
        Article.objects.filter(pk=article.pk).update(content_updated_at=article.content_updated_at)
    return True


def normal_html(html: str | None) -> str:
    """Return a body as readers see it, whitespace between tags ignored (for comparisons)."""
    cleaned = sanitize.clean_html(html or "")
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", cleaned)).strip()


def body_has_changed(initial: str | None, data: str | None) -> bool:
    """Return whether a body changed in a way readers see (CKEditor re-indents what it loads)."""
    return normal_html(initial) != normal_html(data)


# Presence --------------------------------------------------------------------------


def _presence_key(article_pk: int) -> str:
    return f"articles:editing:{article_pk}"


def presence_interval() -> int:
    """Return how often (seconds) an open form beats: ``settings.ARTICLE_PRESENCE_SECONDS``."""
    return max(1, int(settings.ARTICLE_PRESENCE_SECONDS))


def _presence_timeout() -> int:
    """Return how long the cache keeps an article's editors after the last write."""
    return max(NO_SCRIPT_SECONDS, MISSED_BEATS * presence_interval())


def _is_present(entry: dict, now: float) -> bool:
    """Return whether an entry still counts: its beats keep coming, or it never beat."""
    seen = entry.get("seen", entry["since"])  # entries written before the heartbeat
    if entry.get("beating"):
        return now - seen < MISSED_BEATS * presence_interval()
    return now - seen < NO_SCRIPT_SECONDS


def _record(
    article_pk: int, user: AbstractBaseUser, name: str, *, beating: bool, typing: bool
) -> list[dict]:
    """Record ``user`` on the article now; return the others present, first opened first.

    One cache read and one write, no lock: of two writes at the same moment one is lost.
    The next beat mends it (a lost leave waits for the expiry instead).
    """
    now = time.time()
    key = _presence_key(article_pk)
    editors = {
        uid: entry for uid, entry in (cache.get(key) or {}).items() if _is_present(entry, now)
    }
    mine = editors.get(user.pk)
    editors[user.pk] = {
        "name": name,
        "since": mine["since"] if mine else now,
        "seen": now,
        "beating": beating,
        "typing": typing,
    }
    cache.set(key, editors, _presence_timeout())
    others = sorted(
        ((uid, entry) for uid, entry in editors.items() if uid != user.pk),
        key=lambda item: item[1]["since"],
    )
    return [
        {
            "id": uid,
            "name": entry["name"],
            "minutes": int((now - entry["since"]) // 60),
            "typing": bool(entry.get("typing")),
        }
        for uid, entry in others
    ]


def note_editing(article_pk: int, user: AbstractBaseUser, name: str) -> list[dict]:
    """Record that ``user`` (shown as ``name``) opened the article; return the others.

    Each other editor: ``{"id", "name", "minutes"`` (since they opened it), ``"typing"}``.
    The form counts as open for ``NO_SCRIPT_SECONDS`` unless its script beats
    (``heartbeat``); reopening it keeps the time it was first opened.
    """
    return _record(article_pk, user, name, beating=False, typing=False)


def heartbeat(article_pk: int, user: AbstractBaseUser, name: str, *, typing: bool) -> list[dict]:
    """Record a beat of ``user``'s open form (``typing``: input since the last); return the others.

    From the first beat on, the form counts while its beats keep coming: it is gone once
    it missed ``MISSED_BEATS`` (a closed tab, a hidden one, a lost connection).
    """
    return _record(article_pk, user, name, beating=True, typing=typing)


def done_editing(article_pk: int, user: AbstractBaseUser) -> None:
    """Record that ``user`` saved the article or left its form."""
    key = _presence_key(article_pk)
    editors = cache.get(key) or {}
    if editors.pop(user.pk, None) is not None:
        cache.set(key, editors, _presence_timeout())


# Moves -----------------------------------------------------------------------------


def move(article: Article, new_status: str, user: AbstractBaseUser, *, comment: str) -> bool:
    """Give ``article`` ``new_status`` as ``user``, with a revision; return False if it had it.

    Raise ``MoveRefused`` when the workflow does not let ``user`` make the move, or when
    the article may not be published yet (a photo without credit or alt text).
    """
    if article.status == new_status:
        return False
    if not (workflow.can_change(user, article) and workflow.may_move(user, article, new_status)):
        raise MoveRefused("you may not do that")
    article.status = new_status
    if new_status == Article.Status.PUBLISHED:
        try:
            article.clean()
        except ValidationError as exc:
            raise MoveRefused(" ".join(exc.messages), exc) from exc
    article.last_edited_by = user
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        # save() fills an empty publish time ("publish now") and adds it to the fields.
        article.save(update_fields=["status", "updated_at", "last_edited_by", "published_at"])
    return True
