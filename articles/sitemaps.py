"""Sitemaps for search engines: articles, sections, tags and authors, Google News, robots.txt.

``/sitemap.xml`` is an index of one sitemap per kind (``/sitemap-<kind>.xml``, paginated by
Django past 50,000 URLs) plus the Google News sitemap, each with the time it last changed.
Only published articles count: a tag or an author appears once one of their articles is
public, and their ``lastmod`` is the newest change among those articles. Every sitemap
runs the same few queries whatever the number of rows (``lastmod`` is annotated, never
read per row).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from taggit.models import Tag

from .models import Article, Author, Section

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


def latest_article_change(**filters) -> Subquery:
    """Return the last change among the published articles matching ``filters`` (OuterRef)."""
    return Subquery(
        Article.objects.published()
        .filter(**filters)
        .annotate(changed=article_lastmod())
        .order_by("-changed")
        .values("changed")[:1]
    )


class ArticleSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> QuerySet[Article]:
        return (
            Article.objects.published()
            .annotate(changed=article_lastmod())
            .only("slug")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, item: Article) -> datetime:
        return item.changed

    def get_latest_lastmod(self) -> datetime | None:
        return Article.objects.published().aggregate(latest=Max(article_lastmod()))["latest"]


class _ListPageSitemap(Sitemap):
    """Sitemap of list pages (sections, tags, authors) dated by their newest article change."""

    changefreq = "hourly"

    def lastmod(self, item) -> datetime | None:
        return item.changed

    def get_latest_lastmod(self) -> datetime | None:
        return self.items().aggregate(latest=Max("changed"))["latest"]


class SectionSitemap(_ListPageSitemap):
    def items(self) -> QuerySet[Section]:
        return Section.objects.annotate(changed=latest_article_change(section=OuterRef("pk"))).only(
            "slug"
        )


class TagSitemap(_ListPageSitemap):
    def items(self) -> QuerySet[Tag]:
        return (
            Tag.objects.annotate(changed=latest_article_change(tags=OuterRef("pk")))
            .filter(changed__isnull=False)
            .only("slug")
            .order_by("name", "pk")
        )

    def location(self, item: Tag) -> str:
        return reverse("articles:tag", kwargs={"slug": item.slug})


class AuthorSitemap(_ListPageSitemap):
    def items(self) -> QuerySet[Author]:
        return (
            Author.objects.annotate(changed=latest_article_change(bylines__author=OuterRef("pk")))
            .filter(changed__isnull=False)
            .only("slug")
            .order_by("name", "pk")
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
    return sitemap_views.sitemap(
        request, SITEMAPS, section=section, template_name="sitemaps/sitemap.xml"
    )


@require_safe
def news_sitemap(request: HttpRequest) -> HttpResponse:
    """Return the Google News sitemap of the articles published in the last 48 hours."""
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
