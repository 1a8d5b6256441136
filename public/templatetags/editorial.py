"""Structured data of the public pages: an article's JSON-LD and its breadcrumbs.

A live article's JSON-LD is a ``LiveBlogPosting``: the NewsArticle's fields, its coverage
times and the updates the page shows as ``liveBlogUpdate`` items. The view passes those
updates (it has loaded them for the page): this module runs no query of its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from articles import text
from articles.models import Article, Author
from photos import images
from photos.models import Photo
from public.templatetags.newsroom import audio_type, social_image

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


# The publisher's logo for structured data (static/img/logo.png) and its size.
PUBLISHER_LOGO = "img/logo.png"
PUBLISHER_LOGO_SIZE = (600, 60)


def publisher(request) -> dict:
    """Return the newsroom as a schema.org Organization, with its logo."""
    width, height = PUBLISHER_LOGO_SIZE
    return {
        "@type": "Organization",
        "name": settings.NEWSROOM_NAME,
        "url": request.build_absolute_uri(reverse("articles:home")),
        "logo": {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(static(PUBLISHER_LOGO)),
            "width": width,
            "height": height,
        },
    }


def article_images(request, article: Article) -> list[str]:
    """Return absolute URLs of the article's image: the 1200×630 card, then the widest copy.

    Without a lead photo the site's default card stands in (search engines want one).
    """
    return photo_images(request, article.lead_photo) or [social_image(request)["url"]]


def photo_images(request, photo: Photo | None) -> list[str]:
    """Return absolute URLs of ``photo``: its 1200×630 card, then its widest copy (or none)."""
    if photo is None or not photo.image:
        return []
    urls = [social_image(request, photo)["url"]]
    widest = images.rendition_sources(photo, "w", "jpg")
    full = request.build_absolute_uri(widest[-1].url if widest else photo.image.url)
    return urls if full in urls else [*urls, full]


def audio_object(request, article: Article) -> dict:
    """Return the article's audio version as a schema.org AudioObject."""
    audio = {
        "@type": "AudioObject",
        "name": f"Audio version: {article.headline}",
        "contentUrl": request.build_absolute_uri(article.audio.url),
        "encodingFormat": audio_type(article.audio) or "audio/mpeg",
    }
    if article.audio_duration:
        minutes, seconds = divmod(article.audio_duration, 60)
        audio["duration"] = f"PT{minutes}M{seconds}S"
    if article.audio_ai_generated:
        audio["description"] = "This audio is created with AI assistance."
    return audio


def authors_data(request, authors: Sequence[Author]) -> list[dict]:
    """Return ``authors`` as schema.org Person (or Organization, for a desk) with their URLs."""
    return [
        {
            "@type": "Organization" if author.is_organization else "Person",
            "name": author.name,
            "url": request.build_absolute_uri(author.get_absolute_url()),
        }
        for author in authors
    ]


# An update's headline in structured data: Google shows at most 110 characters.
HEADLINE_LENGTH = 110
# An update saved again within this time of its publishing was not edited (posting,
# then pinning or adding the byline): it gets no dateModified.
EDIT_GRACE = timedelta(minutes=1)


def _cut(value: str, length: int) -> str:
    """Return ``value`` cut at a word to at most ``length`` characters, with an ellipsis."""
    if len(value) <= length:
        return value
    cut = value[: length - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:.") + "…"


def update_modified(update):
    """Return when a published live update was last changed, or None if it was not since.

    Its correction time when corrected, else its last save when that came more than
    ``EDIT_GRACE`` after it was posted and published (so an update posted with an
    earlier publish time is not "edited" by being written).
    """
    if update.published_at is None:
        return None
    changed = max(filter(None, (update.corrected_at, update.updated_at)), default=None)
    posted = max(filter(None, (update.published_at, update.created_at)))
    if update.corrected_at or (changed and changed - posted > EDIT_GRACE):
        return changed
    return None


def live_update_data(request, update, article: Article) -> dict:
    """Return one live update as a schema.org BlogPosting (``liveBlogUpdate`` item).

    ``update`` must come with its bylines and photo loaded (``LiveUpdate.objects
    .for_readers()``); its article is ``article`` (not read from the update).
    """
    url = request.build_absolute_uri(
        reverse("articles:live_update", kwargs={"slug": article.slug, "pk": update.pk})
    )
    data = {
        "@type": "BlogPosting",
        "@id": url,
        "headline": _cut(update.title, HEADLINE_LENGTH),
        "url": url,
        "datePublished": _iso(update.published_at),
    }
    if modified := update_modified(update):
        data["dateModified"] = _iso(modified)
    data["articleBody"] = text.html_to_text(update.body)
    data["author"] = authors_data(request, update.credited_authors) or authors_data(
        request, article.credited_authors
    )
    if not data["author"]:
        data["author"] = [{"@type": "Organization", "name": settings.NEWSROOM_NAME}]
    if image := photo_images(request, update.photo):
        data["image"] = image
    return data


def article_data(request, article: Article, notes=(), updates: Sequence | None = None) -> dict:
    """Return the article's schema.org data: a NewsArticle, or a LiveBlogPosting when live.

    ``notes`` are its corrections; ``updates`` the live updates the page shows (newest
    first, with their bylines and photos: ``LiveUpdate.objects.for_readers()``), used
    only when ``article.live``. Runs no query when the article comes from
    ``with_related()``.
    """
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.shared_summary,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "image": article_images(request, article),
        "datePublished": _iso(article.published_at),
        "dateModified": _iso(article.shown_updated_at or article.published_at),
        "author": authors_data(request, article.credited_authors),
        "publisher": publisher(request),
        "articleSection": article.section.name,
        "inLanguage": settings.LANGUAGE_CODE,
    }
    if article.audio:
        data["audio"] = audio_object(request, article)
    keywords = [tag.name for tag in article.shown_tags]
    if keywords:
        data["keywords"] = ", ".join(keywords)
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
    if article.live:
        data.update(live_blog_data(request, article, updates or ()))
    return data


def live_blog_data(request, article: Article, updates: Sequence) -> dict:
    """Return what makes the article a LiveBlogPosting: type, coverage times, updates."""
    data = {"@type": "LiveBlogPosting", "coverageStartTime": _iso(article.coverage_start)}
    if article.coverage_ended_at:
        data["coverageEndTime"] = _iso(article.coverage_ended_at)
    items = [live_update_data(request, update, article) for update in updates]
    data["liveBlogUpdate"] = items
    # The page changed when its newest update came (or an update was edited).
    times = [article.shown_updated_at or article.published_at]
    for update in updates:
        times += [update.published_at, update_modified(update)]
    data["dateModified"] = _iso(max(time for time in times if time is not None))
    return data


@register.simple_tag(takes_context=True)
def article_json_ld(context, article: Article, notes=(), updates=None) -> SafeString:
    """Return the article's schema.org NewsArticle, with its corrections, as JSON-LD.

    A live article is a LiveBlogPosting whose ``liveBlogUpdate`` are ``updates``, the
    updates its page shows (``{% article_json_ld article notes updates %}``).
    Authors are a Person, or an Organization for a desk, each with its page's URL.
    The view's ``video_objects`` (embedded videos, ``embeds.services.video_objects``)
    are its ``video``.
    The result is escaped for a <script> element (a data block: no CSP nonce needed).
    """
    data = article_data(context["request"], article, notes, updates)
    if videos := context.get("video_objects"):  # its embedded videos with a full snapshot
        data["video"] = videos
    return script_json(data)


@register.simple_tag(takes_context=True)
def breadcrumb_json_ld(context, article: Article) -> SafeString:
    """Return the article's trail (home, section, article) as a schema.org BreadcrumbList."""
    request = context["request"]
    trail = [
        (settings.NEWSROOM_NAME, reverse("articles:home")),
        (article.section.name, article.section.get_absolute_url()),
        (article.headline, article.get_absolute_url()),
    ]
    return script_json(
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": name,
                    "item": request.build_absolute_uri(path),
                }
                for position, (name, path) in enumerate(trail, start=1)
            ],
        }
    )
