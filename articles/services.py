"""Queries from photos to the articles that use them (lead or inline), kept out of ``save()``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Exists, ExpressionWrapper, OuterRef, Q, QuerySet, TextField
from django.db.models.lookups import Contains

from photos.models import Photo
from photos.services import (
    RIGHTS_WARNING_DAYS,
    body_image_names,
    body_src,
    body_src_expression,
    photos_with_rights_problems,
)

from .models import Article


def inline_uses(photos: Iterable[Photo]) -> dict[int, list[Article]]:
    """Return, per photo pk, the articles whose body shows that photo, in one query."""
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
    articles = Article.objects.all() if articles is None else articles
    return Exists(articles.filter(body__contains=body_src_expression(OuterRef("image"))))


def used_by(articles: QuerySet[Article]) -> Q:
    """Return a condition, for a Photo queryset: one of ``articles`` shows it as lead or inline."""
    return Exists(articles.filter(lead_photo=OuterRef("pk"))) | used_inline(articles)


def articles_with_rights_problems(days: int = RIGHTS_WARNING_DAYS) -> QuerySet[Article]:
    """Return the articles using (as lead or inline) a photo whose rights expire within ``days``."""
    at_risk = photos_with_rights_problems(days)
    shown_in_body = Exists(
        at_risk.filter(
            Contains(
                ExpressionWrapper(OuterRef("body"), output_field=TextField()),
                body_src_expression("image"),
            )
        )
    )
    return Article.objects.filter(Q(lead_photo__in=at_risk) | shown_in_body)
