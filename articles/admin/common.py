"""Helpers shared by the admin modules."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..models import Photo

LIST_THUMB_SIZE = 64
PREVIEW_SIZE = 480
BLANK = r"^\s*$"


def photo_img(photo: Photo | None, max_size: int) -> SafeString | None:
    """Return an ``<img>`` of ``photo`` fitted in a ``max_size`` square, or None without one."""
    if photo is None or not photo.image:
        return None
    width, height = photo.width or max_size, photo.height or max_size
    scale = min(max_size / width, max_size / height, 1)
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" loading="lazy" decoding="async">',
        photo.image.url,
        max(1, round(width * scale)),
        max(1, round(height * scale)),
        photo.alt_text,
    )


def join_names(names: list[str]) -> str:
    """Return names as a byline reads them: "A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


# ---------------------------------------------------------------- articles
