"""Who may post, publish, edit and delete live updates.

Anyone with ``live.add_liveupdate`` posts to a live article; an update of someone who may
publish articles (``articles.publish_article``) is published at once, anyone else's waits
as a draft for an editor. Editors change and delete every update; the others only their
own drafts. Every admin path asks these functions.
"""

from __future__ import annotations

from articles import workflow
from articles.models import Article
from articles.workflow import User

from .models import LiveUpdate


def can_post(user: User, article: Article) -> bool:
    return bool(article.live) and user.has_perm("live.add_liveupdate")


def can_publish(user: User) -> bool:
    return workflow.can_publish(user)


def is_own_draft(user: User, update: LiveUpdate) -> bool:
    return update.status == LiveUpdate.Status.DRAFT and update.created_by_id == user.pk


def can_change(user: User, update: LiveUpdate | None = None) -> bool:
    if not user.has_perm("live.change_liveupdate"):
        return False
    if update is None or can_publish(user):
        return True
    return is_own_draft(user, update)


def can_delete(user: User, update: LiveUpdate | None = None) -> bool:
    if not user.has_perm("live.delete_liveupdate"):
        return False
    if update is None or can_publish(user):
        return True
    return is_own_draft(user, update)
