"""Template tags and filters of the public site: bylines, machine-readable dates, navigation."""

from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from articles import cachekeys
from articles.models import Author
from newsroom.pagecache import cached_value
from photos import images
from public import body as article_body
from public import embeds
from public.teasers import LEAD, Variant, render_teasers

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


@register.simple_tag(takes_context=True)
def section_nav(context: template.Context) -> SafeString:
    """Render the navigation of every section, marking the section being shown.

    Rendered once per marked section until a section changes, not once per page; every
    page showing it depends on the sections (``cachekeys.SECTIONS``).
    """
    current = context.get("section")
    article = context.get("article")
    if current is None and article is not None:
        current = getattr(article, "section", None)
    current_id = getattr(current, "pk", None)
    on_section_page = "section" in context

    def render() -> SafeString:
        nav = {
            "sections": cachekeys.navigation_sections(),
            "current_id": current_id,
            "on_section_page": on_section_page,
        }
        return mark_safe(render_to_string("includes/section_nav.html", nav))

    name = f"section-nav:{current_id}:{int(on_section_page)}"
    return cached_value(name, render, keys=(cachekeys.SECTIONS,))


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
def teasers(articles, *, level: int = 2, compact: bool = False, hide_section: bool = False):
    """Return the teasers of ``articles`` as ``<li>`` items (includes/article_list.html)."""
    variant = Variant(level=level, compact=compact, hide_section=hide_section)
    return render_teasers(articles, variant)


@register.simple_tag
def lead_story(article):
    """Return the home page's lead story (includes/lead_story.html), kept like a teaser."""
    return render_teasers([article], LEAD)


# Inline photos fill the text column (--measure, 40rem) or the screen below it.
INLINE_PHOTO_SIZES = "(min-width: 44rem) 40rem, 100vw"


@register.filter
def render_body(body: str, snapshots: dict | None = None) -> SafeString:
    """Return a sanitized body with each library photo as a figure with its caption and credit.

    Caption, credit and alt text are read from the photo library now (one query for all
    the body's photos), so a correction there shows on every article using the photo.
    Embeds become facades that load nothing from their provider until asked (one query
    for all the body's snapshots; ``public.embeds``).
    """
    rendered = article_body.render_body(
        body,
        lambda photo: photo_img(photo, css_class="inline-photo__img", sizes=INLINE_PHOTO_SIZES),
    )
    return mark_safe(embeds.render_embeds(rendered, snapshots))


# The site's default social image (static/img/og-default.png) and its size.


def canonical_url_of(context: template.Context) -> str:
    """Return the absolute URL a page is known by: its path, plus ``?page=N`` after page 1.

    Any other query parameter (tracking, sorting…) is dropped, so a shared link with
    ``?utm_source=`` still names the one page search engines should index.
    """
    request = context.get("request")
    if request is None:
        return ""
    if context.get("canonical_path"):  # a page of its own inside another (an update's)
        return request.build_absolute_uri(context["canonical_path"])
    article = context.get("article")
    path = article.get_absolute_url() if article is not None else request.path
    url = request.build_absolute_uri(path)
    page_obj = context.get("page_obj")
    if page_obj is not None and page_obj.number > 1:
        url += f"?page={page_obj.number}"
    return url


def social_image(request, photo=None) -> dict:
    """Return the image a page shares (url, width, height, alt): a photo's 1200×630 card.

    Without a photo (or before its renditions are made: then the original is shared,
    with its own size) the site's default card stands in. Reads ``photo.renditions``
    only, like ``photo_img``.
    """
    if photo is not None and photo.image:
        url, width, height, _ = images.card_image(photo)
        return {
            "url": request.build_absolute_uri(url),
            "width": width,
            "height": height,
            "alt": photo.alt_text,
        }
    width, height = images.CARD_SIZE
    return {
        "url": request.build_absolute_uri(static(images.DEFAULT_CARD)),
        "width": width,
        "height": height,
        "alt": settings.NEWSROOM_NAME,
    }


@register.inclusion_tag("includes/seo_meta.html", takes_context=True)
def seo_meta(context: template.Context) -> dict:
    """Render a page's canonical link, OpenGraph and Twitter card from its context.

    Views set ``page_title`` and ``page_description`` (the site's name and tagline
    stand in); an ``article`` makes the page an OpenGraph article with its lead photo.
    A preview (``is_preview``) is only marked ``noindex``: it has no public URL.
    """
    request = context.get("request")
    if request is None or context.get("is_preview"):
        return {"noindex": True}
    article = context.get("article")
    title = context.get("page_title") or settings.NEWSROOM_NAME
    description = context.get("page_description") or settings.NEWSROOM_TAGLINE
    return {
        "canonical": canonical_url_of(context),
        "site_name": settings.NEWSROOM_NAME,
        "title": title,
        "description": description,
        "article": article,
        "image": social_image(
            request,
            context.get("social_photo") or (article.lead_photo if article is not None else None),
        ),
    }


@register.filter
def iso8601(value: datetime | None) -> str:
    """Return ``value`` as ISO 8601 with a colon in the offset (OpenGraph, schema.org)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


@register.simple_tag
def site_name() -> str:
    """Return the newsroom's name: for the 500 page, which has no context processors."""
    return settings.NEWSROOM_NAME
