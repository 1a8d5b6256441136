"""The admin home's desk box: what waits for the user, and their account's security."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from articles import workflow
from articles.models import Article, ArticleAuthor
from articles.querysets import scheduled_condition
from photos.models import Photo
from photos.services import RIGHTS_WARNING_DAYS

register = template.Library()

BLANK = r"^\s*$"
RECENT_HOURS = 24
SCHEDULED_SHOWN = 5


def _article_counts(user) -> dict[str, int]:
    """Every article count of the desk, in one query."""
    own_byline = ArticleAuthor.objects.filter(article=OuterRef("pk"), author__user=user.pk)
    mine = Q(created_by=user.pk) | Q(Exists(own_byline))
    since = timezone.now() - timedelta(hours=RECENT_HOURS)
    return Article.objects.aggregate(
        review=Count("pk", filter=Q(status=Article.Status.IN_REVIEW)),
        scheduled=Count("pk", filter=scheduled_condition()),
        recent=Count(
            "pk",
            filter=Q(
                status=Article.Status.PUBLISHED,
                published_at__gt=since,
                published_at__lte=timezone.now(),
            ),
        ),
        my_drafts=Count("pk", filter=mine & Q(status=Article.Status.DRAFT)),
        my_review=Count("pk", filter=mine & Q(status=Article.Status.IN_REVIEW)),
    )


def _photo_counts() -> dict[str, int]:
    """Every photo count of the desk, in one query."""
    soon = timezone.localdate() + timedelta(days=RIGHTS_WARNING_DAYS)
    return Photo.objects.aggregate(
        missing_credit=Count("pk", filter=Q(credit__regex=BLANK)),
        missing_alt=Count("pk", filter=Q(alt_text__regex=BLANK)),
        rights=Count("pk", filter=Q(rights_expire_on__lte=soon)),
        imported=Count("pk", filter=Q(imported_without_credit=True)),
    )


@register.inclusion_tag("admin/includes/newsroom_desk.html", takes_context=True)
def newsroom_desk(context) -> dict:
    """Render the admin home's desk box, in at most three queries whatever the newsroom's size.

    Articles: waiting for review, scheduled (the next ones with their times), published
    in the last 24 hours, the user's drafts and articles in review. Photos: missing
    credit or alt text, rights expired or expiring within a week, imported without credit.
    """
    request = context["request"]
    user = request.user
    articles = "admin:articles_article_changelist"
    photos = "admin:photos_photo_changelist"
    links, upcoming = [], []
    may_read = user.has_perm("articles.change_article") or user.has_perm("articles.view_article")
    if may_read:
        counts = _article_counts(user)
        if workflow.can_publish(user):
            links += [
                (articles, "?status__exact=review", "Waiting for review", counts["review"]),
                (articles, "?visibility=scheduled", "Scheduled", counts["scheduled"]),
                (
                    articles,
                    "?status__exact=published",
                    f"Published in the last {RECENT_HOURS} hours",
                    counts["recent"],
                ),
            ]
            if counts["scheduled"]:
                upcoming = list(
                    Article.objects.scheduled()
                    .order_by("published_at", "pk")
                    .only("pk", "headline", "published_at")[:SCHEDULED_SHOWN]
                )
        if user.has_perm("articles.change_article"):
            links += [
                (articles, "?mine=yes&status__exact=draft", "My drafts", counts["my_drafts"]),
                (
                    articles,
                    "?mine=yes&status__exact=review",
                    "My articles in review",
                    counts["my_review"],
                ),
            ]
    if user.has_perm("photos.view_photo"):
        counts = _photo_counts()
        links += [
            (photos, "?missing_credit=yes", "Photos missing a credit", counts["missing_credit"]),
            (photos, "?missing_alt=yes", "Photos missing alt text", counts["missing_alt"]),
            (
                photos,
                "?rights=problem",
                f"Photo rights expired or expiring within {RIGHTS_WARNING_DAYS} days",
                counts["rights"],
            ),
            (
                photos,
                "?imported_without_credit__exact=1",
                "Photos imported without a credit",
                counts["imported"],
            ),
        ]
    return {
        "links": [
            {"url_name": url_name, "query": query, "label": label, "count": count}
            for url_name, query, label, count in links
        ],
        "upcoming": upcoming,
        "user": user,
        "request": request,
    }
