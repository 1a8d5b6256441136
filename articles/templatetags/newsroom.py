"""Template tags and filters of the public site: bylines, machine-readable dates, navigation."""

from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath

from django import template
from django.utils.dateformat import format as format_date
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

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


@register.simple_tag
def photo_img(photo, *, css_class: str = "", lazy: bool = True) -> SafeString:
    """Return an ``<img>`` of a library photo with its size and alt text (lazy unless told)."""
    if photo is None or not photo.image:
        return mark_safe("")
    attrs = {
        "src": photo.image.url,
        "alt": photo.alt_text,
        "width": photo.width,
        "height": photo.height,
        "class": css_class,
        "loading": "lazy" if lazy else "",
        "decoding": "async",
    }
    rendered = " ".join(
        f'{name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value not in (None, "") or name == "alt"  # alt is written even when empty
    )
    return mark_safe(f"<img {rendered}>")
