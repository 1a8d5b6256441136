"""The editorial workflow: who may edit which article, and which status changes they may make.

States: draft → in review → published (shown as “Scheduled” while the publish time is in
the future) → unpublished. The rules read Django permissions, which the role groups of
``articles.roles`` hand out:

- ``articles.change_article`` lets a user edit their own articles (created by them or with
  them in the byline) while they are drafts or in review, and move them between those two
  states (“Submit for review”, “Back to draft”).
- ``articles.edit_others_article`` extends that to everyone's articles.
- ``articles.publish_article`` lets a user publish, schedule and unpublish, set publish and
  unpublish times, and edit articles that are or were published.
- ``articles.delete_article`` deletes drafts; ``articles.delete_published_article`` is also
  needed for an article that is or was published (unpublishing is the normal way).

Every admin path (the form, bulk actions, restores) asks these functions, so a rule holds
whatever sent the request.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from django.utils.formats import date_format

from . import roles
from .models import Article
from .querysets import Visibility, visibility

# Who the rules are asked about (apps above articles name it too: live.workflow).
User = AbstractBaseUser | AnonymousUser

Status = Article.Status

PUBLISH_PERMISSION = "articles.publish_article"
EDIT_OTHERS_PERMISSION = "articles.edit_others_article"
DELETE_PUBLISHED_PERMISSION = "articles.delete_published_article"

WORKING_STATES = frozenset({Status.DRAFT, Status.IN_REVIEW})

# Moves an editor who may publish can make, from each state (staying put is always allowed).
PUBLISHER_MOVES: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.IN_REVIEW, Status.PUBLISHED),
    Status.IN_REVIEW: (Status.DRAFT, Status.PUBLISHED),
    Status.PUBLISHED: (Status.UNPUBLISHED,),
    Status.UNPUBLISHED: (Status.PUBLISHED, Status.DRAFT),
}
# Moves anyone who may edit the article can make.
WRITER_MOVES: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.IN_REVIEW,),
    Status.IN_REVIEW: (Status.DRAFT,),
}

CHOICE_LABELS = {
    Status.DRAFT: "Draft",
    Status.IN_REVIEW: "In review",
    Status.PUBLISHED: "Published (scheduled when the publish time is later)",
    Status.UNPUBLISHED: "Unpublished",
}


def can_publish(user: User) -> bool:
    return user.is_active and user.has_perm(PUBLISH_PERMISSION)


def two_factor_required(user: User) -> bool:
    """Return whether ``user`` must use two-factor authentication when the newsroom requires it.

    Superusers, whoever may publish, and the members of ``roles.TWO_FACTOR_ROLES``.
    """
    if user.is_superuser or can_publish(user):
        return True
    return user.groups.filter(name__in=roles.TWO_FACTOR_ROLES).exists()


def can_edit_others(user: User) -> bool:
    return user.is_active and user.has_perm(EDIT_OTHERS_PERMISSION)


def is_own(user: User, article: Article) -> bool:
    """Return whether ``user`` created ``article`` or is one of its authors."""
    if not user.is_authenticated:
        return False
    if article.created_by_id == user.pk:
        return True
    if article.pk is None:
        return False
    return any(byline.author.user_id == user.pk for byline in article.bylines.all())


def can_change(user: User, article: Article | None = None) -> bool:
    """Return whether ``user`` may edit ``article`` (or some article, when None)."""
    if not (user.is_active and user.has_perm("articles.change_article")):
        return False
    if article is None or article.pk is None:
        return True
    if not (can_edit_others(user) or is_own(user, article)):
        return False
    return article.status in WORKING_STATES or can_publish(user)


def limited_to_own(user: User) -> bool:
    """Return whether ``user`` writes articles but may not touch anyone else's (a contributor)."""
    return user.has_perm("articles.change_article") and not (
        can_edit_others(user) or can_publish(user)
    )


def may_preview(user: User) -> bool:
    """Return whether ``user`` may see some articles before they are public."""
    if not (user.is_active and user.is_staff):
        return False
    return user.has_perm("articles.change_article") or user.has_perm("articles.view_article")


def can_view(user: User, article: Article) -> bool:
    """Return whether ``user`` may see ``article`` before it is public (admin and preview)."""
    return may_preview(user) and (not limited_to_own(user) or is_own(user, article))


def can_delete(user: User, article: Article | None = None) -> bool:
    """Return whether ``user`` may delete ``article``: published ones need a special right."""
    if not (user.is_active and user.has_perm("articles.delete_article")):
        return False
    if article is None:
        return True
    if article.was_published and not user.has_perm(DELETE_PUBLISHED_PERMISSION):
        return False
    return can_edit_others(user) or is_own(user, article)


def allowed_statuses(user: User, article: Article | None) -> list[str]:
    """Return the statuses ``user`` may give ``article`` (its current one first)."""
    current = article.status if article is not None and article.pk else Status.DRAFT
    moves = list(WRITER_MOVES.get(current, ()))
    if can_publish(user):
        moves += PUBLISHER_MOVES.get(current, ())
    if article is None or article.pk is None:
        moves = [Status.IN_REVIEW, *([Status.PUBLISHED] if can_publish(user) else [])]
    allowed = [current]
    for status in Status.values:
        if status in moves and status not in allowed:
            allowed.append(status)
    return allowed


def may_move(user: User, article: Article | None, new_status: str) -> bool:
    """Return whether ``user`` may set ``article``'s status to ``new_status``."""
    return new_status in allowed_statuses(user, article)


def state_label(article: Article) -> str:
    """Return the state as the newsroom says it: Draft, In review, Scheduled, Live, Unpublished."""
    shown = visibility(article)
    if shown == Visibility.SCHEDULED:
        return "Scheduled"
    if shown == Visibility.EXPIRED:
        return "Expired (unpublish time passed)"
    return article.get_status_display()


def state_detail(article: Article) -> str:
    """Return one sentence on what readers see of ``article`` now."""
    if article.pk is None:
        return "Not saved yet."

    def when(value) -> str:
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")

    shown = visibility(article)
    if shown == Visibility.EXPIRED:
        return f"Hidden by itself since {when(article.unpublish_at)} (unpublish time)."
    if shown in (Visibility.PUBLIC, Visibility.SCHEDULED):
        if shown == Visibility.SCHEDULED:
            detail = f"Scheduled: appears by itself on {when(article.published_at)}"
        else:
            detail = f"Live since {when(article.published_at)}"
        if article.unpublish_at:
            detail += f"; disappears by itself on {when(article.unpublish_at)}"
        return detail if detail.endswith(".") else detail + "."
    if article.status == Status.IN_REVIEW:
        return "Not public: waiting for an editor's review. Staff can preview it."
    return f"Not public ({article.get_status_display().lower()}). Staff can preview it."
