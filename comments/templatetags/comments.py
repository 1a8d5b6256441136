"""``{% article_comments article %}`` (the comments block at the end of an article page) and
``comment_html`` (a comment's text as safe HTML)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article
from newsroom.pagecache import depends_on

from .. import services
from ..forms import CommentForm
from ..text import comment_html as _comment_html
from ..views import CLOSED_ARTICLE_NOTE, CLOSED_SITE_NOTE, MESSAGE_TAGS

register = template.Library()


@register.filter
def comment_html(text: str) -> SafeString:
    """Return a comment's plain text as HTML: escaped, paragraphs, links with rel="nofollow ugc"."""
    return _comment_html(text)


def comment_messages(request: HttpRequest | None) -> list[str]:
    """Return the comment messages waiting for ``request`` ("Thank you — …"), others kept.

    Reading the message store marks every message read; the ones that are not about
    comments are queued again, so a page that shows messages elsewhere still gets them.
    """
    if request is None or not hasattr(request, "_messages"):
        return []
    store = messages.get_messages(request)
    waiting = list(store)
    if not waiting:
        return []
    ours = [message for message in waiting if MESSAGE_TAGS in message.extra_tags.split()]
    for message in waiting:
        if message not in ours:
            store.add(message.level, message.message, message.extra_tags)
    return [str(message) for message in ours]


@lru_cache(maxsize=4096)
def _blank_form(slug: str, moderation: str, max_length: int, max_links: int) -> SafeString:
    form = CommentForm(article=None)
    context = {"form": form, "article": {"slug": slug}, "moderation": moderation, "can_post": True}
    return mark_safe(render_to_string("comments/form.html", context))


def blank_form(article: Article) -> SafeString:
    """Return the empty comment form of ``article``, rendered once per article and settings.

    Every reader gets the same empty form (no CSRF token on a cacheable page), and its
    five field groups were a quarter of an article page's template time.
    """
    return _blank_form(
        article.slug,
        settings.COMMENTS_MODERATION,
        settings.COMMENTS_MAX_LENGTH,
        settings.COMMENTS_MAX_LINKS,
    )


@register.inclusion_tag("comments/comments.html", takes_context=True)
def article_comments(context: template.Context, article: Article) -> dict[str, Any]:
    """Render the approved comments (oldest first, replies one level), their count and the form.

    Two queries whatever the number of comments: the comments, and whether the article is
    closed. Nothing is shown on an article readers cannot see (a preview).
    """
    if not article.is_public:
        return {}
    depends_on(services.page_key(article.pk))
    threads, count = services.approved_threads(article)
    is_open = services.comments_open(article)
    return {
        "article": article,
        "threads": threads,
        "count": count,
        "is_open": is_open,
        "closed_message": (
            CLOSED_ARTICLE_NOTE if services.comments_enabled() else CLOSED_SITE_NOTE
        ),
        "form_html": blank_form(article) if is_open else "",
        "moderation": settings.COMMENTS_MODERATION,
        "comment_messages": comment_messages(context.get("request")),
        "request": context.get("request"),
        "refusal": None,
    }
