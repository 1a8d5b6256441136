"""Rules of editing an article that every caller shares: the admin today, a command or an API.

- **Lost updates.** Every save raises ``Article.version``. A save made from a form loaded on
  an older version is refused (``claim_version``), so nobody silently overwrites a
  colleague's edit.
- **Material updates.** Readers see an "Updated" time only for a change they should know
  about, made while the article was public: a ticked "material update", or a correction or
  update note (``mark_material_update``, ``note_is_material``).
- **Presence.** Who has an article open, kept in the shared cache for ``PRESENCE_SECONDS``
  (``note_editing``, ``done_editing``).
- **Moves.** ``move`` changes an article's status the way the form would: the workflow's
  permission, the publication checks (credits, alt text), a revision with its comment.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import reversion
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

# How long an opened change form counts as "being edited" for the presence notice.
PRESENCE_SECONDS = 30 * 60


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


def note_editing(article_pk: int, user: AbstractBaseUser, name: str) -> list[dict]:
    """Record that ``user`` (shown as ``name``) opened the article; return the others."""
    now = time.time()
    key = _presence_key(article_pk)
    editors = {
        uid: entry
        for uid, entry in (cache.get(key) or {}).items()
        if now - entry["since"] < PRESENCE_SECONDS
    }
    others = [
        {**entry, "minutes": int((now - entry["since"]) // 60)}
        for uid, entry in editors.items()
        if uid != user.pk
    ]
    editors[user.pk] = {"name": name, "since": now}
    cache.set(key, editors, PRESENCE_SECONDS)
    return others


def done_editing(article_pk: int, user: AbstractBaseUser) -> None:
    """Record that ``user`` saved and left the article."""
    key = _presence_key(article_pk)
    editors = cache.get(key) or {}
    if editors.pop(user.pk, None) is not None:
        cache.set(key, editors, PRESENCE_SECONDS)


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
