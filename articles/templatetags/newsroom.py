"""Template tags and filters of the public site: bylines, machine-readable dates, navigation."""

from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath

from django import template
from django.utils.dateformat import format as format_date
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from articles import body as article_body
from articles.models import Author, Section

register = template.Library()

# An HTML "valid global date and time string": no microseconds (the Nu Html Checker
# rejects the seven-digit fractions of ``date:"c"``), offset as +HHMM.
ISO_DATETIME_FORMAT = r"Y-m-d\TH:i:sO"

AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
}


def join_and(items: Iterable[str], conjunction: str = "and") -> str:
    """Return ``items`` joined as prose: "A", "A and B", "A, B and C"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


@register.filter(needs_autoescape=True)
def byline(authors: Iterable[Author], autoescape: bool = True) -> SafeString:
    """Return the authors' names joined as prose, each linked to the author's page."""
    links = [
        format_html('<a href="{}" class="author-link">{}</a>', author.get_absolute_url(), author)
        for author in authors
    ]
    return mark_safe(join_and(links))


@register.filter
def byline_text(authors: Iterable[Author]) -> str:
    """Return the authors' names joined as prose, as plain text."""
    return join_and(str(author) for author in authors)


@register.filter(expects_localtime=True)
def iso_datetime(value: datetime | None) -> str:
    """Return ``value`` for a ``datetime`` attribute, e.g. "2024-12-23T16:54:00+0200"."""
    if not value:
        return ""
    return format_date(value, ISO_DATETIME_FORMAT)


@register.filter
def audio_type(file) -> str:
    """Return the MIME type of an audio file for ``<source type>``, by its extension."""
    name = getattr(file, "name", file) or ""
    return AUDIO_TYPES.get(PurePosixPath(str(name)).suffix.lower(), "")


@register.inclusion_tag("includes/section_nav.html", takes_context=True)
def section_nav(context: template.Context) -> dict:
    """Render the navigation of every section, in one query; mark the section being shown."""
    current = context.get("section")
    article = context.get("article")
    if current is None and article is not None:
        current = getattr(article, "section", None)
    return {
        "sections": Section.objects.all(),
        "current_id": getattr(current, "pk", None),
        "on_section_page": "section" in context,
    }


# A photo shown across the page's wide column (the lead: 60rem) or the whole screen below it.
PHOTO_SIZES = "(min-width: 60rem) 60rem, 100vw"
# The JPEG offered as ``src`` (browsers without srcset): the widest up to this width.
PHOTO_SRC_WIDTH = 960


def _html_attributes(attrs: dict) -> str:
    return " ".join(
        f'{name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value not in (None, "") or name == "alt"  # alt is written even when empty
    )


@register.simple_tag
def photo_img(
    photo,
    *,
    css_class: str = "",
    lazy: bool = True,
    sizes: str = PHOTO_SIZES,
    crop: str = "",
) -> SafeString:
    """Return a responsive image of a library photo: src, srcset, sizes, width, height, alt.

    With renditions, a ``<picture>`` offers the WebP widths and its ``<img>`` the JPEG
    ones; ``crop="thumb"`` offers the 3:2 focal-point crops instead of the whole picture.
    ``sizes`` says how wide the image is shown (default: the wide column). Only
    ``photo.renditions`` is read: no query, no storage call, and nothing is ever built
    during a request. Until the renditions exist (made once after upload, or by
    ``manage.py rebuild_renditions``) the original is the one candidate.
    """
    from articles import images

    if photo is None or not photo.image:
        return mark_safe("")
    kind = "thumb" if crop == "thumb" else "w"
    jpeg = images.rendition_sources(photo, kind, "jpg")
    common = {
        "alt": photo.alt_text,
        "class": css_class,
        "loading": "lazy" if lazy else "",
        "decoding": "async",
    }
    if not jpeg:
        url = photo.image.url
        img = {
            "src": url,
            "srcset": f"{url} {photo.width}w" if photo.width else "",
            "sizes": sizes if photo.width else "",
            "width": photo.width,
            "height": photo.height,
        }
        return mark_safe(f"<img {_html_attributes(img | common)}>")
    src = next((s for s in reversed(jpeg) if s.width <= PHOTO_SRC_WIDTH), jpeg[0])
    img = {
        "src": src.url,
        "srcset": ", ".join(f"{s.url} {s.width}w" for s in jpeg),
        "sizes": sizes,
        "width": jpeg[-1].width,
        "height": jpeg[-1].height,
    }
    html = f"<img {_html_attributes(img | common)}>"
    webp = images.rendition_sources(photo, kind, "webp")
    if not webp:
        return mark_safe(html)
    source = {
        "type": "image/webp",
        "srcset": ", ".join(f"{s.url} {s.width}w" for s in webp),
        "sizes": sizes,
    }
    return mark_safe(f"<picture><source {_html_attributes(source)}>{html}</picture>")


@register.simple_tag
def photo_url(photo, key: str = "card.jpg") -> str:
    """Return the URL of a photo's rendition, else of its original; "" without a photo.

    Keys: "card.jpg" (the 1200×630 social card), "w640.jpg", "thumb-480.webp"… (see
    articles.images). Reads ``photo.renditions`` only, like ``photo_img``.
    """
    from articles import images

    if photo is None or not photo.image:
        return ""
    return images.rendition_url(photo, key)


# Inline photos fill the text column (--measure, 40rem) or the screen below it.
INLINE_PHOTO_SIZES = "(min-width: 44rem) 40rem, 100vw"


@register.filter
def render_body(body: str) -> SafeString:
    """Return a sanitized body with each library photo as a figure with its caption and credit.

    Caption, credit and alt text are read from the photo library now (one query for all
    the body's photos), so a correction there shows on every article using the photo.
    """
    return article_body.render_body(
        body,
        lambda photo: photo_img(photo, css_class="inline-photo__img", sizes=INLINE_PHOTO_SIZES),
    )
