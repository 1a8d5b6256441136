"""The comment form's own page: it takes the posts, and shows the form again when one is refused.

The article page carries the same form (``{% article_comments article %}``) and posts here.
A refused post (too long, too many links, honeypot, rate limit, comments closed, expired
form) is answered with this page, the reader's text in the form and the reason beside it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from articles.models import Article
from newsroom import csrf
from newsroom.clients import client_address

from . import services
from .forms import CommentForm
from .models import Comment

MESSAGE_TAGS = "comments"
THANKS_PENDING = "Thank you — your comment is waiting for moderation."
THANKS_PUBLISHED = "Thank you — your comment is published."
CLOSED_ARTICLE_NOTE = "Comments are closed on this article."
CLOSED_SITE_NOTE = "Comments are switched off on the whole site for now."
CLOSED_HERE = "Comments are closed on this article, so your comment was not posted."
CLOSED_SITE = "Comments are switched off on the whole site for now, so your comment was not posted."
FORM_EXPIRED = (
    "Your browser did not confirm that this comment was sent from our site (an old "
    "browser, or blocked cookies), so it was not posted. Please check it and send it "
    "again from this page: your text is kept below."
)


def _closed_message() -> str:
    return CLOSED_SITE if not services.comments_enabled() else CLOSED_HERE


@csrf_exempt  # checked in csrf.forged(), so that a refused post still gets its text back
@require_http_methods(["GET", "HEAD", "POST"])
def comment(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the comment form (``?reply_to=<id>`` for a reply), or take a posted comment."""
    article = get_object_or_404(Article.objects.published().select_related("section"), slug=slug)
    if request.method == "POST":
        return _post(request, article)
    form = CommentForm(article=article)
    parent = None
    reply_to = request.GET.get("reply_to", "")
    if reply_to.isdigit():
        parent = (
            Comment.objects.approved().filter(article=article, pk=reply_to).select_related("parent")
        ).first()
        if parent is not None and parent.parent_id:
            parent = parent.parent
        if parent is not None:
            form.initial["reply_to"] = parent.pk
    refusal = None if services.comments_open(article) else _closed_message()
    return _page(request, article, form, parent, refusal, status=200)


def _post(request: HttpRequest, article: Article) -> HttpResponse:
    form = CommentForm(request.POST, article=article)
    refusal, status = None, 200
    if csrf.forged(request):
        refusal, status = FORM_EXPIRED, 403
    elif not services.comments_open(article):
        refusal, status = _closed_message(), 403
    elif message := services.count_attempt(client_address(request)):
        refusal, status = message, 429
    elif form.is_valid():
        data = form.cleaned_data
        if message := services.email_limit_reached(data["email"]):
            refusal, status = message, 429
        else:
            comment = services.post_comment(
                article=article,
                parent=form.parent,
                name=data["name"],
                email=data["email"],
                text=data["text"],
                request=request,
            )
            if comment.status == Comment.Status.APPROVED:
                messages.success(request, THANKS_PUBLISHED, extra_tags=MESSAGE_TAGS)
                return redirect(f"{article.get_absolute_url()}#{comment.anchor}")
            messages.success(request, THANKS_PENDING, extra_tags=MESSAGE_TAGS)
            return redirect(f"{article.get_absolute_url()}#comments")
    parent = form.parent
    if parent is None and str(request.POST.get("reply_to", "")).isdigit():
        parent = (
            Comment.objects.approved().filter(article=article, pk=request.POST["reply_to"]).first()
        )
    return _page(request, article, form, parent, refusal, status=status)


def _page(
    request: HttpRequest,
    article: Article,
    form: CommentForm,
    parent: Comment | None,
    refusal: str | None,
    *,
    status: int,
) -> HttpResponse:
    context = {
        "article": article,
        "form": form,
        "parent": parent,
        "refusal": refusal,
        "can_post": refusal not in (CLOSED_HERE, CLOSED_SITE),
        "with_token": True,
        "moderation": settings.COMMENTS_MODERATION,
    }
    response = render(request, "comments/comment_page.html", context, status=status)
    # The page holds a reader's own text and a CSRF token: never keep it in a shared cache.
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    if status == 429:
        response["Retry-After"] = str(settings.COMMENTS_RATE_LIMIT_WINDOW)
    return response
