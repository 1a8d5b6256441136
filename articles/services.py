"""Rules and actions that span several models (kept out of ``save()``).

A photo is used inline when an article body holds ``<img src="MEDIA_URL + name">``;
that is not a foreign key, so the helpers below search the sanitized bodies for it.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING
from urllib.parse import unquote

from django.conf import settings
from django.db.models import CharField, Exists, ExpressionWrapper, OuterRef, Q, TextField, Value
from django.db.models.functions import Concat
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.encoding import filepath_to_uri
from django.utils.formats import date_format

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import QuerySet

    from .models import Article, Photo

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


def _body_src_expression(image: str | OuterRef) -> Concat:
    return Concat(Value(f'src="{settings.MEDIA_URL}'), image, Value('"'), output_field=CharField())


def photos_by_image_name(names: Iterable[str]) -> dict[str, Photo]:
    """Return the library photos stored under ``names``, keyed by name, in one query."""
    from .models import Photo

    names = list(dict.fromkeys(names))
    if not names:
        return {}
    return {photo.image.name: photo for photo in Photo.objects.filter(image__in=names)}


def inline_photos(article: Article) -> list[Photo]:
    """Return the library photos used in the article's body, in order of appearance."""
    names = body_image_names(article.body)
    by_name = photos_by_image_name(names)
    return [by_name[name] for name in names if name in by_name]


def inline_uses(photos: Iterable[Photo]) -> dict[int, list[Article]]:
    """Return, per photo pk, the articles whose body shows that photo, in one query."""
    from .models import Article

    by_name = {photo.image.name: photo.pk for photo in photos if photo.image}
    uses: dict[int, list[Article]] = {pk: [] for pk in by_name.values()}
    if not by_name:
        return uses
    # LIKE finds candidates (case-insensitively on SQLite); reading the body decides.
    candidates = Article.objects.filter(
        reduce(or_, (Q(body__contains=body_src(name)) for name in by_name))
    ).only("headline", "slug", "status", "published_at", "body")
    for article in candidates:
        for name in body_image_names(article.body):
            if name in by_name:
                uses[by_name[name]].append(article)
    return uses


def articles_using_photo(photo: Photo) -> list[tuple[Article, list[str]]]:
    """Return every article using ``photo`` (as lead or inline) with its roles, in one query."""
    from .models import Article

    if photo.pk is None:
        return []
    articles = Article.objects.filter(
        Q(lead_photo=photo) | Q(body__contains=body_src(photo.image.name))
    ).only("headline", "slug", "status", "published_at", "lead_photo", "body")
    used = []
    for article in articles:
        roles = []
        if article.lead_photo_id == photo.pk:
            roles.append("lead photo")
        if photo.image.name in body_image_names(article.body):
            roles.append("inline")
        if roles:
            used.append((article, roles))
    return used


def used_inline(articles: QuerySet[Article] | None = None) -> Exists:
    """Return an expression, for a Photo queryset: a body of ``articles`` (default all) shows it."""
    from .models import Article

    articles = Article.objects.all() if articles is None else articles
    return Exists(articles.filter(body__contains=_body_src_expression(OuterRef("image"))))


def used_by(articles: QuerySet[Article]) -> Q:
    """Return a condition, for a Photo queryset: one of ``articles`` shows it as lead or inline."""
    return Exists(articles.filter(lead_photo=OuterRef("pk"))) | used_inline(articles)


def photos_with_rights_problems(days: int = RIGHTS_WARNING_DAYS) -> QuerySet[Photo]:
    """Return the photos whose rights have expired or expire within ``days`` days."""
    from .models import Photo

    return Photo.objects.filter(rights_expire_on__lte=timezone.localdate() + timedelta(days=days))


def articles_with_rights_problems(days: int = RIGHTS_WARNING_DAYS) -> QuerySet[Article]:
    """Return the articles using (as lead or inline) a photo whose rights expire within ``days``."""
    from .models import Article

    at_risk = photos_with_rights_problems(days)
    shown_in_body = Exists(
        at_risk.filter(
            Contains(
                ExpressionWrapper(OuterRef("body"), output_field=TextField()),
                _body_src_expression("image"),
            )
        )
    )
    return Article.objects.filter(Q(lead_photo__in=at_risk) | shown_in_body)


def _photos_of(article: Article) -> list[tuple[str, Photo]]:
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


def publication_problems(article: Article) -> list[str]:
    """Return why ``article`` may not be published yet (photos without credit or alt text)."""
    problems = []
    for role, photo in _photos_of(article):
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


def rights_warnings(article: Article, days: int = RIGHTS_WARNING_DAYS) -> list[str]:
    """Return a warning per photo of ``article`` whose rights expired or expire within ``days``."""
    today = timezone.localdate()
    warnings = []
    for role, photo in _photos_of(article):
        if problem := rights_problem(photo, days, today):
            warnings.append(f"Rights for the {role} “{photo}” (#{photo.pk}) {problem}.")
    return warnings
