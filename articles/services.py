"""Rules and actions that span several models (kept out of ``save()``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from django.conf import settings

if TYPE_CHECKING:
    from .models import Article, Photo

# The sanitizer writes every attribute as name="value", so this reads its output safely.
_IMG_SRC_RE = re.compile(r'<img\b[^>]*?\ssrc="([^"]+)"')


def body_image_names(body: str) -> list[str]:
    """Return the storage names of the media images in a sanitized body, in order, once each."""
    names: list[str] = []
    for src in _IMG_SRC_RE.findall(body or ""):
        if src.startswith(settings.MEDIA_URL):
            name = unquote(src[len(settings.MEDIA_URL) :])
            if name not in names:
                names.append(name)
    return names


def inline_photos(article: Article) -> list[Photo]:
    """Return the library photos used in the article's body, in order of appearance."""
    from .models import Photo

    names = body_image_names(article.body)
    if not names:
        return []
    by_name = {photo.image.name: photo for photo in Photo.objects.filter(image__in=names)}
    return [by_name[name] for name in names if name in by_name]


def publication_problems(article: Article) -> list[str]:
    """Return why ``article`` may not be published yet (photos without credit or alt text)."""
    photos: list[tuple[str, Photo]] = []
    if article.lead_photo_id:
        photos.append(("lead photo", article.lead_photo))
    photos += [("inline photo", photo) for photo in inline_photos(article)]
    problems = []
    for role, photo in photos:
        missing = [
            label
            for label, value in (("credit", photo.credit), ("alt text", photo.alt_text))
            if not value.strip()
        ]
        if missing:
            problems.append(
                f"The {role} “{photo}” (#{photo.pk}) has no {' and no '.join(missing)}. "
                "Add it in the photo library before publishing."
            )
    return problems
