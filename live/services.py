"""Posting and reading live updates: the one path every writer (admin, script) takes."""

from __future__ import annotations

from collections.abc import Iterable

import reversion
from django.db import transaction
from django.utils import timezone

from articles.models import Article, Author

from . import workflow
from .models import UPDATES_PER_PAGE, LiveUpdate, LiveUpdateAuthor


def default_authors(user) -> list[Author]:
    """The poster's own byline, when their login has one."""
    profile = Author.objects.filter(user=user).first() if user.is_authenticated else None
    return [profile] if profile else []


@transaction.atomic
def post_update(
    article: Article,
    user,
    *,
    body: str,
    headline: str = "",
    key_event: bool = False,
    pinned: bool = False,
    photo=None,
    authors: Iterable[Author] | None = None,
    publish: bool = True,
) -> LiveUpdate:
    """Post an update to ``article`` as ``user``, with a revision; return it.

    Published at once when ``publish`` and the user may publish; otherwise a draft
    waiting for an editor. Validation is the model's (``full_clean``): an empty body or
    an uncredited photo raises ``ValidationError`` with field errors.
    """
    published = publish and workflow.can_publish(user)
    update = LiveUpdate(
        article=article,
        headline=headline.strip(),
        body=body,
        key_event=key_event,
        pinned=pinned and published,
        photo=photo,
        status=LiveUpdate.Status.PUBLISHED if published else LiveUpdate.Status.DRAFT,
        published_at=timezone.now() if published else None,
        created_by=user if user.is_authenticated else None,
        last_edited_by=user if user.is_authenticated else None,
    )
    update.full_clean(exclude=["authors"])
    with reversion.create_revision():
        update.save()
        chosen = list(authors) if authors is not None else default_authors(user)
        LiveUpdateAuthor.objects.bulk_create(
            LiveUpdateAuthor(update=update, author=author, position=position)
            for position, author in enumerate(chosen, start=1)
        )
        if update.pinned:
            unpin_others(update)
        if user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment("Posted")
    return update


def set_status(update: LiveUpdate, status: str, user) -> None:
    """Publish or unpublish ``update`` as ``user``, with a revision; ValidationError if refused."""
    if update.status == status:
        return
    update.status = status
    update.last_edited_by = user
    if status == LiveUpdate.Status.PUBLISHED:
        update.full_clean(exclude=["authors"])  # the photo's credit and alt text
    with reversion.create_revision():
        update.save()
        if update.pinned and status == LiveUpdate.Status.PUBLISHED:
            unpin_others(update)
        reversion.set_user(user)
        reversion.set_comment(
            "Published" if status == LiveUpdate.Status.PUBLISHED else "Unpublished"
        )


def unpin_others(update: LiveUpdate) -> None:
    """One pinned update per live article: pinning one unpins the rest (through save())."""
    for other in LiveUpdate.objects.filter(article_id=update.article_id, pinned=True).exclude(
        pk=update.pk
    ):
        other.pinned = False
        other.save(update_fields=["pinned", "updated_at"])


def page_of(update: LiveUpdate) -> int:
    """The page of the live article's updates that shows ``update`` (newest on page 1)."""
    newer = (
        LiveUpdate.objects.published()
        .filter(article_id=update.article_id)
        .filter(published_at__gt=update.published_at)
        .count()
    )
    same_time_newer = (
        LiveUpdate.objects.published()
        .filter(article_id=update.article_id, published_at=update.published_at, pk__gt=update.pk)
        .count()
    )
    return (newer + same_time_newer) // UPDATES_PER_PAGE + 1
