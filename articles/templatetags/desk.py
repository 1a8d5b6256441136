"""The admin home's desk box: what waits for the user, and their account's security."""

from __future__ import annotations

from django import template

from articles import workflow
from articles.models import Article

register = template.Library()


@register.inclusion_tag("admin/includes/newsroom_desk.html", takes_context=True)
def newsroom_desk(context) -> dict:
    """Render the admin home's desk box: what waits for the user, and their account's security."""
    request = context["request"]
    user = request.user
    changelist = "admin:articles_article_changelist"
    links = []
    if user.has_perm("articles.change_article") or user.has_perm("articles.view_article"):
        mine = Article.objects.owned_by(user)
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
                    "count": Article.objects.scheduled().count(),
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
