"""Template tags of distribution: feed autodiscovery links and W3C dates for sitemaps."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from articles.models import Author, Section

register = template.Library()

FEED_TYPES = (("RSS", "application/rss+xml", "rss"), ("Atom", "application/atom+xml", "atom"))


def _page_feeds(context: template.Context) -> list[tuple[str, str, dict]]:
    """Return (title, url-name prefix, kwargs) for the site and the page's section, tag, author."""
    feeds = [(settings.NEWSROOM_NAME, "articles:feed", {})]
    for name, model in (("section", Section), ("tag", Tag), ("author", Author)):
        obj = context.get(name)
        if isinstance(obj, model):
            feeds.append(
                (f"{obj} — {settings.NEWSROOM_NAME}", f"articles:{name}_feed", {"slug": obj.slug})
            )
    return feeds


@register.simple_tag(takes_context=True)
def alternate_feeds(context: template.Context) -> SafeString:
    """Return ``<link rel="alternate">`` to the RSS and Atom feeds readers can subscribe to here.

    Always the whole site's; on a section, tag or author page also that page's own.
    Makes no query, so it is safe in the 500 page too.
    """
    request = context.get("request")
    links = []
    for title, prefix, kwargs in _page_feeds(context):
        for label, mime_type, suffix in FEED_TYPES:
            url = reverse(f"{prefix}_{suffix}", kwargs=kwargs)
            if request is not None:
                url = request.build_absolute_uri(url)
            links.append((mime_type, f"{title} ({label})", url))
    return format_html_join("\n  ", '<link rel="alternate" type="{}" title="{}" href="{}">', links)


@register.filter
def w3c_datetime(value: datetime | None) -> str:
    """Return ``value`` as a W3C datetime in the site's time zone: "2025-01-31T09:30:00+02:00"."""
    if not value:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    return value.isoformat()


@register.simple_tag
def urlset_entries(urlset: list[dict]) -> SafeString:
    """Return the ``<url>`` elements of a sitemap page (the dicts Django's sitemap view makes).

    One Python loop instead of a template loop: a page lists 1,000 URLs, and the template
    loop was most of its time. Locations are escaped; dates are W3C datetimes.
    """
    parts = []
    for url in urlset:
        parts.append(f"  <url>\n    <loc>{escape(url['location'])}</loc>")
        if url["lastmod"]:
            parts.append(f"\n    <lastmod>{w3c_datetime(url['lastmod'])}</lastmod>")
        if url["changefreq"]:
            parts.append(f"\n    <changefreq>{escape(url['changefreq'])}</changefreq>")
        if url["priority"]:
            parts.append(f"\n    <priority>{escape(url['priority'])}</priority>")
        parts.append("\n  </url>\n")
    return mark_safe("".join(parts))  # every value above is escaped
