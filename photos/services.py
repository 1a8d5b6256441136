"""Where photos are used: the media names in sanitized bodies, and rights expiry.

A photo is used inline when an article body holds ``<img src="MEDIA_URL + name">``;
that is not a foreign key, so the helpers below read the sanitized bodies for it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date, timedelta
from urllib.parse import unquote

from django.conf import settings
from django.db.models import CharField, OuterRef, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.encoding import filepath_to_uri
from django.utils.formats import date_format

from .models import Photo

# The sanitizer writes every attribute as name="value", so this reads its output safely.
_IMG_SRC_RE = re.compile(r'<img\b[^>]*?\ssrc="([^"]+)"')

RIGHTS_WARNING_DAYS = 7


def media_name(src: str) -> str | None:
    """Return the storage name an ``<img src>`` of a sanitized body points at, or None."""
    src = html.unescape(src)
    if not src.startswith(settings.MEDIA_URL):
        return None
    return unquote(src[len(settings.MEDIA_URL) :]) or None


def body_image_names(body: str) -> list[str]:
    """Return the storage names of the media images in a sanitized body, in order, once each."""
    names: list[str] = []
    for src in _IMG_SRC_RE.findall(body or ""):
        name = media_name(src)
        if name and name not in names:
            names.append(name)
    return names


def body_src(name: str) -> str:
    """Return the ``src="…"`` attribute a sanitized body holds for the media file ``name``."""
    return f'src="{settings.MEDIA_URL}{filepath_to_uri(name)}"'


def body_src_expression(image: str | OuterRef) -> Concat:
    return Concat(Value(f'src="{settings.MEDIA_URL}'), image, Value('"'), output_field=CharField())


def photos_by_image_name(names: Iterable[str]) -> dict[str, Photo]:
    """Return the library photos stored under ``names``, keyed by name, in one query."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    return {photo.image.name: photo for photo in Photo.objects.filter(image__in=names)}


def photos_with_rights_problems(days: int = RIGHTS_WARNING_DAYS) -> QuerySet[Photo]:
    """Return the photos whose rights have expired or expire within ``days`` days."""
    return Photo.objects.filter(rights_expire_on__lte=timezone.localdate() + timedelta(days=days))


def rights_problem(photo: Photo, days: int = RIGHTS_WARNING_DAYS, today: date | None = None) -> str:
    """Return how ``photo``'s rights expiry reads to an editor ("expired on …"), or ""."""
    expires = photo.rights_expire_on
    today = today or timezone.localdate()
    if expires is None or expires > today + timedelta(days=days):
        return ""
    when = date_format(expires, "DATE_FORMAT")
    if expires < today:
        return f"expired on {when}"
    if expires == today:
        return "expire today"
    left = (expires - today).days
    return f"expire on {when}, in {left} day{'s' if left != 1 else ''}"
