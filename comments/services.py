"""What happens to comments: posting, rate limits, moderation, closing, notifying editors.

Views and admin actions call these functions; the models only hold data.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from newsroom.clients import client_address
from newsroom.pagecache import cached_value, purge

from .models import ArticleCommentState, Comment

logger = logging.getLogger(__name__)

USER_AGENT_MAX = Comment._meta.get_field("user_agent").max_length


# --- Open or closed ---------------------------------------------------------------------


def comments_enabled() -> bool:
    """Return whether the site takes comments at all (settings.COMMENTS_ENABLED)."""
    return settings.COMMENTS_ENABLED


# The page-cache key of the list of articles with comments closed.
CLOSED_KEY = "comments:closed"


def page_key(article_id: int) -> str:
    """Return the page-cache key of an article's comments (its page carries it)."""
    return f"comments:article:{article_id}"


def comments_open(article: Article) -> bool:
    """Return whether ``article`` takes new comments: public, site open, article not closed."""
    if not comments_enabled() or not article.is_public:
        return False
    return article.pk not in closed_article_ids()


def closed_article_ids() -> frozenset[int]:
    """Return the ids of the articles with comments closed (one query until one changes).

    Closing or reopening purges ``CLOSED_KEY`` and the article's page (which carries its
    own key, not this one: closing one article leaves the others' pages).
    """
    return cached_value(
        "comments-closed",
        lambda: frozenset(
            ArticleCommentState.objects.filter(closed=True).values_list("article_id", flat=True)
        ),
        keys=(CLOSED_KEY,),
        page_depends=False,
    )


def set_comments_closed(articles: Iterable[Article], closed: bool, user) -> int:
    """Close (or reopen) comments on ``articles``; return how many articles changed."""
    changed = 0
    for article in articles:
        state, created = ArticleCommentState.objects.get_or_create(
            article=article, defaults={"closed": closed, "changed_by": user}
        )
        if created:
            changed += closed
        elif state.closed != closed:
            state.closed = closed
            state.changed_by = user
            state.save(update_fields=("closed", "changed_by", "changed_at"))
            changed += 1
    return changed


# --- What readers see -------------------------------------------------------------------


@dataclass
class Thread:
    """A top-level comment and its approved replies."""

    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def approved_threads(article: Article) -> tuple[list[Thread], int]:
    """Return ``article``'s approved comments as threads (oldest first) and how many are shown.

    One query whatever the number of comments. A reply whose top-level comment is not
    approved (any more) is left out: it answers something readers cannot see.
    """
    threads: dict[int, Thread] = {}
    replies: list[Comment] = []
    for comment in Comment.objects.approved().filter(article=article).order_by("created_at", "id"):
        comment.article = article  # get_absolute_url() without a query per comment
        if comment.parent_id is None:
            threads[comment.pk] = Thread(comment)
        else:
            replies.append(comment)
    for reply in replies:
        if reply.parent_id in threads:
            threads[reply.parent_id].replies.append(reply)
    shown = len(threads) + sum(len(thread.replies) for thread in threads.values())
    return list(threads.values()), shown


# --- Abuse: rate limits ----------------------------------------------------------------


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"comments:rate:{kind}:{digest}"


def _hit(key: str) -> int:
    """Count one more event under ``key`` in the current window; return the count."""
    window = settings.COMMENTS_RATE_LIMIT_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def _minutes() -> int:
    return max(1, round(settings.COMMENTS_RATE_LIMIT_WINDOW / 60))


def count_attempt(ip: str | None) -> str | None:
    """Count a comment post from ``ip``; return the refusal message when it is one too many."""
    if not ip:
        return None
    if _hit(_key("ip", ip)) > settings.COMMENTS_RATE_LIMIT_IP:
        return (
            "You have sent a lot of comments in a short time. Please wait "
            f"{_minutes()} minutes and send this one again; your text is kept below."
        )
    return None


def email_limit_reached(email: str) -> str | None:
    """Return the refusal message when ``email`` has posted the most comments a window allows."""
    used = cache.get(_key("email", email), 0)
    if used >= settings.COMMENTS_RATE_LIMIT_EMAIL:
        return (
            "This e-mail address has posted several comments in a short time. Please wait "
            f"{_minutes()} minutes and send this one again; your text is kept below."
        )
    return None


# --- Posting ---------------------------------------------------------------------------


def post_comment(
    *,
    article: Article,
    parent: Comment | None,
    name: str,
    email: str,
    text: str,
    request: HttpRequest,
) -> Comment:
    """Save a reader's comment: pending, or approved at once when moderation is "post"."""
    approved_at_once = settings.COMMENTS_MODERATION == "post"
    comment = Comment.objects.create(
        article=article,
        parent=parent,
        name=name,
        email=email,
        text=text,
        status=Comment.Status.APPROVED if approved_at_once else Comment.Status.PENDING,
        ip_address=client_address(request),
        user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX],
    )
    _hit(_key("email", email))
    notify_editors(comment, request)
    return comment


def notify_editors(comment: Comment, request: HttpRequest) -> bool:
    """E-mail settings.COMMENTS_NOTIFY_EMAILS about a new comment; return whether one was sent.

    A mail server that fails is logged, never shown to the reader as an error.
    """
    recipients = list(settings.COMMENTS_NOTIFY_EMAILS)
    if not recipients:
        return False
    context = {
        "comment": comment,
        "article": comment.article,
        "review_url": request.build_absolute_uri(
            reverse("admin:comments_comment_change", args=[comment.pk])
        ),
        "queue_url": request.build_absolute_uri(reverse("admin:comments_comment_changelist")),
        "article_url": request.build_absolute_uri(comment.article.get_absolute_url()),
    }
    subject = f"New comment on “{comment.article.headline}”"
    body = render_to_string("comments/notification_email.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not notify editors of comment %s", comment.pk)
        return False
    return True


# --- Moderation ------------------------------------------------------------------------


def moderate(comments: QuerySet[Comment], status: str, user) -> int:
    """Give ``comments`` the moderation ``status``, recording who did it; return how many."""
    changed = comments.exclude(status=status)
    if status == Comment.Status.APPROVED:
        shown_on = set(changed.values_list("article_id", flat=True))
    else:
        shown_on = set(changed.approved().values_list("article_id", flat=True))
    count = changed.update(status=status, moderated_by=user, moderated_at=timezone.now())
    if count and shown_on:
        # .update() sends no signal; a comment taken off the page goes at once.
        purge({page_key(pk) for pk in shown_on}, hard=status != Comment.Status.APPROVED)
    return count
