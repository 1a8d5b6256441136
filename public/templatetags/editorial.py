"""Structured data of the public pages: an article's JSON-LD and its breadcrumbs."""

from __future__ import annotations

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article
from photos import images
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
    photo = article.lead_photo
    if photo is None or not photo.image:
        return [social_image(request)["url"]]
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


@register.simple_tag(takes_context=True)
def article_json_ld(context, article: Article, notes=()) -> SafeString:
    """Return the article's schema.org NewsArticle, with its corrections, as JSON-LD.

    Authors are a Person, or an Organization for a desk, each with its page's URL.
    The result is escaped for a <script> element (a data block: no CSP nonce needed).
    """
    request = context["request"]
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.seo_description or article.dek or article.headline,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "image": article_images(request, article),
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
