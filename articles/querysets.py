"""Every question asked of the articles table, and the one rule of what readers may see.

**The visibility rule**, written once: an article is public when its status is
*published*, its publish time has come and its unpublish time (if any) has not.
``visible_condition`` says it in SQL and ``visibility`` in Python; ``published()``,
``Article.is_public``, the admin's filters and state labels, the desk's counts and the
page cache's next scheduled change all read one of the two.

The list, teaser, related/neighbour and lead queries live here too, as queryset methods
or functions, so views compose them and never build SQL (the UNION ALL helpers are in
``articles.sql``). This module imports no model of its own app: ``models.py`` imports it,
and the related models are reached through the article model's fields.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from newsroom.pagecache import cached_value

from .sql import newest_linked_sql, pk_in_any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Scheduled(Protocol):
    """What the visibility rule reads of an article (``models.py`` imports this module)."""

    status: str
    published_at: datetime | None
    unpublish_at: datetime | None


PUBLISHED = "published"  # Article.Status.PUBLISHED
# How many teasers each section's block on the home page shows.
SECTION_BLOCK_SIZE = 4
# How many related articles an article page offers.
RELATED_COUNT = 4
# Related articles fall back to the section's newest: only this many are considered.
RELATED_SECTION_POOL = 12
# How many of each tag's newest articles are weighed for "related".
RELATED_TAG_POOL = 40
# How long the sizes that plan a tag or author list are trusted (seconds).
PLAN_SECONDS = 300


class CurrentTime(models.Expression):
    """The current time, read each time the query is compiled to SQL, not when it is built."""

    output_field = models.DateTimeField()

    def as_sql(self, compiler, connection):
        return compiler.compile(models.Value(timezone.now(), output_field=self.output_field))


# The visibility rule ------------------------------------------------------------------


def visible_condition(now: datetime | models.Expression | None = None) -> Q:
    """Return the condition of a public article at ``now`` (default: when the query runs)."""
    now = CurrentTime() if now is None else now
    return Q(status=PUBLISHED, published_at__lte=now) & (
        Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now)
    )


def scheduled_condition(now: datetime | models.Expression | None = None) -> Q:
    """Return the condition of a published article whose publish time is still to come."""
    now = CurrentTime() if now is None else now
    return Q(status=PUBLISHED, published_at__gt=now)


class Visibility(enum.StrEnum):
    """What readers see of an article now."""

    PUBLIC = "public"
    SCHEDULED = "scheduled"  # published, publish time to come
    EXPIRED = "expired"  # published, unpublish time passed
    HIDDEN = "hidden"  # draft, in review or unpublished


def visibility(article: Scheduled, now: datetime | None = None) -> Visibility:
    """Return whether ``article`` is public now, the same rule as ``visible_condition``."""
    if article.status != PUBLISHED or article.published_at is None:
        return Visibility.HIDDEN
    now = now or timezone.now()
    if article.published_at > now:
        return Visibility.SCHEDULED
    if article.unpublish_at is not None and article.unpublish_at <= now:
        return Visibility.EXPIRED
    return Visibility.PUBLIC


def next_visibility_change(since: datetime) -> datetime | None:
    """Return the next moment after ``since`` an article appears or disappears by itself.

    The page cache asks this through ``settings.PAGE_CACHE_NEXT_CHANGE``.
    """
    article_model = apps.get_model("articles", "Article")
    moments = article_model._default_manager.filter(status=PUBLISHED).aggregate(
        publish=Min("published_at", filter=Q(published_at__gt=since)),
        unpublish=Min("unpublish_at", filter=Q(unpublish_at__gt=since)),
    )
    found = [moment for moment in moments.values() if moment is not None]
    return min(found) if found else None


# The queryset -------------------------------------------------------------------------


def bylines_prefetch(*, avatars: bool = True) -> Prefetch:
    """Return the prefetch of an article's byline in order, with each author (and avatar).

    Ordered by the byline's position: ``authors.all()`` would follow the authors' names.
    """
    byline_model = apps.get_model("articles", "ArticleAuthor")
    related = ("author", "author__avatar") if avatars else ("author",)
    return Prefetch(
        "bylines",
        queryset=byline_model.objects.select_related(*related).order_by("position", "id"),
    )


def tags_prefetch() -> Prefetch:
    """Return the prefetch of an article's tags in the order the editor gave them.

    taggit's own prefetch has no order (each database returns its own); its rows, read
    in order with their tags, are ``Article.shown_tags``.
    """
    tagged = apps.get_model("articles", "TaggedArticle")
    rows = tagged.objects.select_related("tag").order_by("pk")
    return Prefetch("taggedarticle_set", queryset=rows, to_attr="tag_rows")


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """Return the articles readers may see: published, with a publish time not in the future."""
        return self.filter(visible_condition())

    def not_public(self) -> ArticleQuerySet:
        """Return the articles readers may not see now (drafts, scheduled, expired…)."""
        return self.exclude(visible_condition())

    def scheduled(self) -> ArticleQuerySet:
        """Return the published articles whose publish time is still to come."""
        return self.filter(scheduled_condition())

    def appeared_between(self, since: datetime, until: datetime) -> ArticleQuerySet:
        """Return the published articles whose publish time came in (since, until]."""
        return self.filter(status=PUBLISHED, published_at__gt=since, published_at__lte=until)

    def disappeared_between(self, since: datetime, until: datetime) -> ArticleQuerySet:
        """Return the published articles whose unpublish time came in (since, until]."""
        return self.filter(status=PUBLISHED, unpublish_at__gt=since, unpublish_at__lte=until)

    def owned_by(self, user: AbstractBaseUser | AnonymousUser) -> ArticleQuerySet:
        """Return the articles ``user`` created or is an author of (each once)."""
        own_bylines = self.model.bylines.rel.related_model.objects.filter(
            article=OuterRef("pk"), author__user=user.pk
        )
        return self.filter(Q(created_by=user.pk) | Exists(own_bylines))

    def with_related(self) -> ArticleQuerySet:
        """Return the queryset with what a page shows, in a constant number of queries."""
        return self.select_related("section", "lead_photo").prefetch_related(
            bylines_prefetch(), tags_prefetch()
        )

    def teasers(self, *, bylines: bool = True) -> ArticleQuerySet:
        """Return the articles with what a teaser shows: section, lead photo and byline.

        Teasers never show the body or the tags: neither is fetched for a page of them.
        """
        articles = self.select_related("section", "lead_photo").defer("body", "search_vector")
        return articles.prefetch_related(bylines_prefetch()) if bylines else articles

    def listed(self) -> ArticleQuerySet:
        """Return the articles with their primary key and section only.

        What a list of teasers reads when each teaser is kept rendered (public.teasers):
        the teasers themselves are fetched, and their articles loaded only when missing.
        """
        return self.only("pk", "section_id")

    def with_notes_flag(self) -> ArticleQuerySet:
        """Return the articles marked ``has_notes`` (notes are fetched only when there are some)."""
        note_model = self.model.notes.rel.related_model
        return self.annotate(has_notes=Exists(note_model.objects.filter(article=OuterRef("pk"))))

    def linked_newest_first(
        self, links: models.QuerySet, field: str, page: int = 1
    ) -> ArticleQuerySet:
        """Return these articles that ``links`` (tag or byline rows) point to, planned by size.

        A tag on half the archive: walk the newest articles and keep those with the tag (an
        index probe each), stopping once the page is full. A rare tag: fetch its few
        articles and sort them. Either way the cost stays flat as the archive grows; the
        sizes are counted once every few minutes (``PLAN_SECONDS``).
        """
        which = hashlib.sha256(str(links.query).encode()).hexdigest()[:32]
        # Estimates for the plan: kept a few minutes, not purged by every edit.
        size = cached_value(f"links:{which}", links.count, seconds=PLAN_SECONDS)
        total = cached_value(
            "articles:total", self.model._default_manager.count, seconds=PLAN_SECONDS
        )
        # Walking costs about page × per-page × total / size probes; fetching costs size rows.
        if size * size > page * settings.ARTICLES_PER_PAGE * total:
            return self.filter(Exists(links.filter(**{field: OuterRef("pk")})))
        return self.filter(pk__in=links.values(field))

    def home_lead(self) -> models.Model | None:
        """Return the lead story among these: the newest featured article, else the newest.

        One query: both candidates are LIMIT 1 subqueries read off an index, so the cost
        does not grow with the archive.
        """
        newest = self.order_by("-published_at", "-id").values("pk")
        newest_featured = newest.filter(featured=True)[:1]
        found = (
            self.model._default_manager.filter(
                Q(pk=Subquery(newest_featured)) | Q(pk=Subquery(newest[:1]))
            )
            .listed()
            .order_by("-featured", "-published_at", "-id")
        )
        return next(iter(found), None)

    def newest_per_section(self, section_ids: list[int], exclude: list[int]) -> ArticleQuerySet:
        """Return each section's few newest of these articles, leaving out ``exclude``.

        One LIMIT subquery per section, each an index range scan, so the cost follows the
        sections, not the archive. The subqueries only yield these articles, so the outer
        query is a lookup by id.
        """
        unshown = self.exclude(pk__in=exclude).order_by("-published_at", "-id")
        newest = pk_in_any(
            [
                unshown.filter(section_id=section_id).values("pk")[:SECTION_BLOCK_SIZE]
                for section_id in section_ids
            ]
        )
        return (
            self.model._default_manager.filter(newest)
            .listed()
            .order_by("section__position", "section__name", "-published_at", "-id")
        )


def related_and_neighbours(
    article: models.Model, count: int = RELATED_COUNT
) -> tuple[list[models.Model], models.Model | None, models.Model | None]:
    """Return the related articles, and the previous (older) and next (newer) in the section.

    One query for all three. Related: among each of its tags' newest articles, those
    sharing the most tags with ``article``, newest first on ties; when too few share a
    tag, the section's newest fill the list (they share no tag, so they sort after; only
    the section's few newest are considered, so the query stays small whatever the
    section's size). Drafts among the candidates are dropped by ``published``. The
    neighbours are scalar subqueries (newest older, oldest newer), which work alike on
    PostgreSQL and SQLite, and sort first so the limit never cuts them off.
    """
    tag_ids = [tag.pk for tag in article.shown_tags]  # prefetched by with_related()
    published = type(article)._default_manager.published().exclude(pk=article.pk)
    in_section = published.filter(section_id=article.section_id)
    when, pk = article.published_at, article.pk
    # A range on published_at and no OR: with an OR, SQLite's planner took every newer
    # article of the section and sorted them (22 ms for an old article in a big section).
    older = in_section.filter(published_at__lte=when).exclude(published_at=when, pk__gt=pk)
    newer = in_section.filter(published_at__gte=when).exclude(published_at=when, pk__lt=pk)
    older_pk = Subquery(older.order_by("-published_at", "-id").values("pk")[:1])
    newer_pk = Subquery(newer.order_by("published_at", "id").values("pk")[:1])

    tagged = article.tags.through
    pools = [
        in_section.values("pk")[:RELATED_SECTION_POOL],
        older.order_by("-published_at", "-id").values("pk")[:1],
        newer.order_by("published_at", "id").values("pk")[:1],
    ]
    newest_tagged = newest_linked_sql(
        tagged._meta.db_table,
        tagged._meta.get_field("content_object").column,
        tagged._meta.get_field("tag").column,
        tag_ids,
        pk,
        RELATED_TAG_POOL,
    )
    candidates = pk_in_any(pools, [newest_tagged] if tag_ids else [])
    # A count per candidate (an index lookup each), not a GROUP BY over the joined rows.
    shared_tags = Coalesce(
        Subquery(
            tagged.objects.filter(content_object=OuterRef("pk"), tag_id__in=tag_ids)
            .values("content_object")
            .annotate(shared=Count("pk"))
            .values("shared")
        ),
        Value(0),
    )
    is_neighbour = Case(
        When(Q(pk=older_pk) | Q(pk=newer_pk), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    found = (
        published.filter(candidates)
        .teasers(bylines=False)
        .annotate(shared_tags=shared_tags, is_neighbour=is_neighbour)
        .order_by("-is_neighbour", "-shared_tags", "-published_at", "-id")[: count + 2]
    )
    previous = next_ = None
    for other in found:
        if other.is_neighbour and (other.published_at, other.pk) < (when, pk):
            previous = other
        elif other.is_neighbour:
            next_ = other
    # The neighbours are in the section too, so they may be related as well.
    related = sorted(found, key=lambda a: (-a.shared_tags, -a.published_at.timestamp(), -a.pk))
    return related[:count], previous, next_
