"""Template tags of the editorial workflow: an article's JSON-LD and the admin's desk box."""

from __future__ import annotations

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from articles import workflow
from articles.models import Article

register = template.Library()

# JSON inside <script>: "<", ">" and "&" written as escapes, so no "</script>" or "<!--"
# in the data can end the element (what Django's json_script does).
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def script_json(data) -> SafeString:
    """Return ``data`` as JSON safe to place inside a <script> element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


@register.simple_tag(takes_context=True)
def article_json_ld(context, article: Article, notes=()) -> SafeString:
    """Return the article's schema.org NewsArticle, with its corrections, as JSON-LD."""
    request = context["request"]
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": _iso(article.published_at),
        "dateModified": _iso(article.shown_updated_at or article.published_at),
        "author": [
            {
                "@type": "Organization" if author.is_organization else "Person",
                "name": author.name,
                "url": request.build_absolute_uri(author.get_absolute_url()),
            }
            for author in article.credited_authors
        ],
        "publisher": {"@type": "Organization", "name": settings.NEWSROOM_NAME},
        "articleSection": article.section.name,
    }
    if article.dek:
        data["description"] = article.dek
    if article.lead_photo and article.lead_photo.image:
        data["image"] = [request.build_absolute_uri(article.lead_photo.image.url)]
    if notes:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": f"{note.get_kind_display()}: {note.text}",
                "datePublished": _iso(note.noted_at),
                "url": request.build_absolute_uri(note.get_absolute_url()),
            }
            for note in notes
        ]
    return script_json(data)


@register.inclusion_tag("admin/includes/newsroom_desk.html", takes_context=True)
def newsroom_desk(context) -> dict:
    """Render the admin home's desk box: what waits for the user, and their account's security."""
    request = context["request"]
    user = request.user
    changelist = "admin:articles_article_changelist"
    links = []
    if user.has_perm("articles.change_article") or user.has_perm("articles.view_article"):
        mine = Article.objects.filter(
            pk__in=Article.objects.filter(
                Q(created_by=user) | Q(bylines__author__user=user)
            ).values("pk")
        )
        if workflow.can_publish(user):
            links.append(
                {
                    "url_name": changelist,
                    "query": "?status__exact=review",
                    "label": "Waiting for review",
                    "count": Article.objects.filter(status=Article.Status.IN_REVIEW).count(),
                }
            )
            links.append(
                {
                    "url_name": changelist,
                    "query": "?visibility=scheduled",
                    "label": "Scheduled",
                    "count": Article.objects.filter(
                        status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
                    ).count(),
                }
            )
        if user.has_perm("articles.change_article"):
            links.append(
                {
                    "url_name": changelist,
                    "query": "?mine=yes&status__exact=draft",
                    "label": "My drafts",
                    "count": mine.filter(status=Article.Status.DRAFT).count(),
                }
            )
            links.append(
                {
                    "url_name": changelist,
                    "query": "?mine=yes&status__exact=review",
                    "label": "My articles in review",
                    "count": mine.filter(status=Article.Status.IN_REVIEW).count(),
                }
            )
    return {"links": links, "user": user, "request": request}
