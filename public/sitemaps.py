"""Sitemaps for search engines: articles, sections, tags and authors, Google News, robots.txt.

``/sitemap.xml`` is an index of one sitemap per kind (``/sitemap-<kind>.xml``, in pages of
1,000 ids, see ``IdBlockPaginator``) plus the Google News sitemap, each with the time it
last changed.
Only published articles count: a tag or an author appears once one of their articles is
public. Every sitemap runs the same few queries whatever the number of rows, each cheap at
100,000 articles: an article's and a section's ``lastmod`` come with the rows (a section's
is its newest article's last change, an index probe), tags and authors have none (sorting
each one's articles cost seconds), and the index dates every sitemap by the newest article.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.db import connection
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe
from taggit.models import Tag

from articles import cachekeys
from articles.models import Article, Author, Section
from articles.sql import union_all_sql
from newsroom.pagecache import depends_on

# The Google News sitemap lists what was published in the last two days, at most 1,000 URLs.
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000
# Crawl traps and private pages: the admin, preview links, search results.
ROBOTS_DISALLOW = ("/admin/", "/ckeditor/", "/preview/", "/search/")


def article_lastmod() -> Greatest:
    """Return the expression of an article's last change: its last save, or its publication.

    A scheduled article saved before it went live changed for readers when it appeared.
    """
    return Greatest("updated_at", "published_at")


def latest_change() -> datetime | None:
    """Return the last change of the newest published article: one probe of an index.

    It dates the index's entries. The newest change over *all* articles would read every
    one of them (an edit can touch any), so an edit to an older article shows in that
    article's own ``lastmod`` but does not re-date the index: a newsroom publishes often.
    """
    return (
        Article.objects.published()
        .order_by("-published_at", "-id")
        .values_list(article_lastmod(), flat=True)
        .first()
    )


class SlugPaths:
    """The paths of one URL name for many slugs, as ``reverse()`` gives them, reversed once.

    A sitemap page lists up to 50,000 URLs; ``reverse()`` for each took most of its time.
    Slugs are ASCII letters, digits, hyphens and underscores: quoting leaves them as they are.
    """

    marker = "slug-marker"

    def __init__(self, url_name: str) -> None:
        path = reverse(url_name, kwargs={"slug": self.marker})
        self.before, _, self.after = path.partition(self.marker)

    def __call__(self, slug: str) -> str:
        return f"{self.before}{quote(slug)}{self.after}"


class IdBlockPaginator:
    """A sitemap's pages as blocks of primary keys: page N lists the items whose id is in
    ``(base + (N - 1) * per_page, base + N * per_page]``, ``base`` being one less than the
    lowest id among the items.

    Django's paginator counts every item (for the index) and reaches page N with an
    OFFSET, both of which cost more as the archive grows; a block of ids is one range of
    the primary key on any page, and the number of pages comes from two index probes
    (the lowest and the highest id) in one query. An item keeps its page as long as the
    oldest item stays, so a crawler finds the old pages unchanged. A block whose rows
    were all deleted or unpublished is an empty, valid ``<urlset>``.
    """

    def __init__(self, items: QuerySet, per_page: int) -> None:
        self.items = items
        self.per_page = per_page

    @cached_property
    def bounds(self) -> tuple[int, int]:
        """Return (base, highest id); (0, 0) when there is no item."""
        ids = self.items.values_list("pk", flat=True)
        sql, params = union_all_sql([ids.order_by("pk")[:1], ids.order_by("-pk")[:1]])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = [row[0] for row in cursor.fetchall()]
        return (min(found) - 1, max(found)) if found else (0, 0)

    @cached_property
    def num_pages(self) -> int:
        base, highest = self.bounds
        return max(1, math.ceil((highest - base) / self.per_page))

    def validate_number(self, number: int | str) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer.") from None
        if not 1 <= number <= self.num_pages:
            raise EmptyPage("That page contains no results.")
        return number

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        start = self.bounds[0] + (number - 1) * self.per_page
        block = self.items.filter(pk__gt=start, pk__lte=start + self.per_page).order_by("pk")
        return Page(list(block), number, self)


class BlockSitemap(Sitemap):
    """A sitemap in pages of ``limit`` ids (``IdBlockPaginator``).

    1,000 a page, not the protocol's 50,000: every page costs the same few milliseconds
    on an archive of any size, and the index lists the pages.
    """

    limit = 1000

    @cached_property
    def paginator(self) -> IdBlockPaginator:
        return IdBlockPaginator(self.items(), self.limit)


class ArticleSitemap(BlockSitemap):
    changefreq = "daily"

    def items(self) -> QuerySet:
        # (slug, last change) tuples: a page lists 1,000, and model instances cost more
        # than the query.
        published = Article.objects.published().annotate(changed=article_lastmod())
        return published.values_list("slug", "changed")

    def location(self, item: tuple[str, datetime]) -> str:
        return self.paths(item[0])

    @cached_property
    def paths(self) -> SlugPaths:
        return SlugPaths("articles:detail")

    def lastmod(self, item: tuple[str, datetime]) -> datetime:
        return item[1]

    def get_latest_lastmod(self) -> datetime | None:
        return latest_change()


class _ListPageSitemap(BlockSitemap):
    """Sitemap of list pages (sections, tags, authors), listed in a constant few queries.

    A tag's or an author's page has no ``lastmod`` of its own (optional in the protocol):
    the newest change among each one's articles is a sort of all of them, thousands for
    a popular tag. The sitemap itself is dated by the site's newest article, which is
    on one of these pages.
    """

    changefreq = "hourly"
    url_name = ""

    def location(self, item) -> str:
        return self.paths(item.slug)

    @cached_property
    def paths(self) -> SlugPaths:
        return SlugPaths(self.url_name)

    def get_latest_lastmod(self) -> datetime | None:
        return latest_change()


class SectionSitemap(_ListPageSitemap):
    """Every section, dated by the last change of its newest article (an index probe each)."""

    url_name = "articles:section"

    def items(self) -> QuerySet[Section]:
        newest = (
            Article.objects.published()
            .filter(section=OuterRef("pk"))
            .order_by("-published_at", "-id")
            .values(changed=article_lastmod())[:1]
        )
        return Section.objects.annotate(changed=Subquery(newest)).only("slug")

    def lastmod(self, item: Section) -> datetime | None:
        return item.changed

    def get_latest_lastmod(self) -> datetime | None:
        return self.items().aggregate(latest=Max("changed"))["latest"]


# Tags and authors with a public article: "its first public article is not null", a
# probe per row. As an EXISTS, PostgreSQL joined every tagging with every article first
# (190 ms a page at 100,000 articles).


class TagSitemap(_ListPageSitemap):
    url_name = "articles:tag"

    def items(self) -> QuerySet[Tag]:
        public = Article.objects.published().filter(tags=OuterRef("pk"))
        return (
            Tag.objects.alias(public=Subquery(public.order_by().values("pk")[:1]))
            .filter(public__isnull=False)
            .only("slug")
        )


class AuthorSitemap(_ListPageSitemap):
    url_name = "articles:author"

    def items(self) -> QuerySet[Author]:
        public = Article.objects.published().filter(bylines__author=OuterRef("pk"))
        return (
            Author.objects.alias(public=Subquery(public.order_by().values("pk")[:1]))
            .filter(public__isnull=False)
            .only("slug")
        )


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


def news_articles() -> QuerySet[Article]:
    """Return the articles of the Google News sitemap: recent, public, not left out by an editor."""
    return (
        Article.objects.published()
        .filter(in_news_sitemap=True, published_at__gte=timezone.now() - NEWS_WINDOW)
        .only("slug", "headline", "published_at")
        .order_by("-published_at", "-id")
    )


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Return the sitemap index: one entry per sitemap (and page), then the news sitemap."""
    depends_on(cachekeys.SITEMAPS, cachekeys.LIST_ALL)
    response = sitemap_views.index(
        request,
        SITEMAPS,
        template_name="sitemaps/sitemap_index.xml",
        sitemap_url_name="articles:sitemap",
    )
    latest_news = news_articles().aggregate(latest=Max("published_at"))["latest"]
    response.context_data["sitemaps"].append(
        sitemap_views.SitemapIndexItem(
            request.build_absolute_uri(reverse("articles:news_sitemap")), latest_news
        )
    )
    return response


@require_safe
def sitemap(request: HttpRequest, section: str) -> HttpResponse:
    """Return one page (``?p=``) of one sitemap; an unknown kind or page is a 404."""
    depends_on(cachekeys.SITEMAPS, cachekeys.LIST_ALL)
    return sitemap_views.sitemap(
        request, SITEMAPS, section=section, template_name="sitemaps/sitemap.xml"
    )


@require_safe
def news_sitemap(request: HttpRequest) -> HttpResponse:
    """Return the Google News sitemap of the articles published in the last 48 hours."""
    depends_on(cachekeys.SITEMAPS, cachekeys.LIST_ALL)
    context = {
        "entries": [
            (request.build_absolute_uri(article.get_absolute_url()), article)
            for article in news_articles()[:NEWS_LIMIT]
        ],
        "publication_name": settings.NEWSROOM_NAME,
        "language": settings.LANGUAGE_CODE.split("-")[0],
    }
    response = render(request, "sitemaps/news.xml", context, content_type="application/xml")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Return robots.txt: the site open to crawlers except its traps, and where the sitemaps are."""
    context = {
        "disallow": ROBOTS_DISALLOW,
        "sitemaps": [
            request.build_absolute_uri(reverse("articles:sitemap_index")),
            request.build_absolute_uri(reverse("articles:news_sitemap")),
        ],
    }
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")
