"""The rules on an article's photos: credit and alt text before publishing, rights warnings."""

from __future__ import annotations

from typing import Protocol

from django.utils import timezone

from photos.models import Photo
from photos.services import (
    RIGHTS_WARNING_DAYS,
    body_image_names,
    photos_by_image_name,
    rights_problem,
)


class Illustrated(Protocol):
    """What these rules read of an article (``models.py`` imports this module)."""

    pk: int | None
    body: str
    lead_photo_id: int | None
    lead_photo: Photo | None


def inline_photos(article: Illustrated) -> list[Photo]:
    """Return the library photos used in the article's body, in order of appearance."""
    names = body_image_names(article.body)
    by_name = photos_by_image_name(names)
    return [by_name[name] for name in names if name in by_name]


def _photos_of(article: Illustrated) -> list[tuple[str, Photo]]:
    """Return the article's lead photo and inline photos with their role, each photo once."""
    photos: list[tuple[str, Photo]] = []
    if article.lead_photo_id:
        photos.append(("lead photo", article.lead_photo))
    photos += [
        ("inline photo", photo)
        for photo in inline_photos(article)
        if photo.pk != article.lead_photo_id
    ]
    return photos


def missing_for_publication(photo: Photo) -> list[str]:
    """Return what ``photo`` lacks before an article may show it: "credit", "alt text"."""
    return [
        label
        for label, value in (("credit", photo.credit), ("alt text", photo.alt_text))
        if not value.strip()
    ]


def publication_problems(article: Illustrated) -> list[str]:
    """Return why ``article`` may not be published yet (photos without credit or alt text)."""
    problems = []
    for role, photo in _photos_of(article):
        if missing := missing_for_publication(photo):
            problems.append(
                f"The {role} “{photo}” (#{photo.pk}) has no {' and no '.join(missing)}. "
                "Add it in the photo library before publishing."
            )
    return problems


def rights_warnings(article: Illustrated, days: int = RIGHTS_WARNING_DAYS) -> list[str]:
    """Return a warning per photo of ``article`` whose rights expired or expire within ``days``."""
    today = timezone.localdate()
    warnings = []
    for role, photo in _photos_of(article):
        if problem := rights_problem(photo, days, today):
            warnings.append(f"Rights for the {role} “{photo}” (#{photo.pk}) {problem}.")
    return warnings
