"""Helpers shared by the admin modules."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .. import images, services
from ..models import Article, Photo

LIST_THUMB_SIZE = 64
PREVIEW_SIZE = 720
BLANK = r"^\s*$"


def preview_url(photo: Photo, width: int) -> str:
    """Return the URL of the photo's narrowest uncropped rendition at least ``width`` wide.

    Falls back to the widest rendition, then to the original (renditions not made yet).
    """
    sources = images.rendition_sources(photo)
    for source in sources:
        if source.width >= width:
            return source.url
    return sources[-1].url if sources else photo.image.url


def photo_img(photo: Photo | None, max_size: int, alt: str | None = None) -> SafeString | None:
    """Return an ``<img>`` of ``photo`` fitted in a ``max_size`` square, or None without one.

    ``alt`` replaces the photo's alt text (e.g. when the image is a link's only content).
    """
    if photo is None or not photo.image:
        return None
    width, height = photo.width or max_size, photo.height or max_size
    scale = min(max_size / width, max_size / height, 1)
    shown_width = max(1, round(width * scale))
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" loading="lazy" decoding="async">',
        preview_url(photo, shown_width * 2),  # sharp on high-density screens
        shown_width,
        max(1, round(height * scale)),
        photo.alt_text if alt is None else alt,
    )


def join_names(names: list[str]) -> str:
    """Return names as a byline reads them: "A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


class ArticlePhotoRightsFilter(admin.SimpleListFilter):
    """Article list filter: articles using a photo whose rights expired or expire soon."""

    title = "photo rights"
    parameter_name = "photo_rights"

    def lookups(self, request, model_admin):
        return (
            (
                "problem",
                f"Photo rights expired or expiring within {services.RIGHTS_WARNING_DAYS} days",
            ),
        )

    def queryset(self, request, queryset):
        if self.value() == "problem":
            return queryset.filter(pk__in=services.articles_with_rights_problems().values("pk"))
        return queryset


class PhotoRightsAdminMixin:
    """Give an article ModelAdmin the read-only field ``photo_rights`` (rights warnings)."""

    @admin.display(description="photo rights")
    def photo_rights(self, article: Article) -> SafeString | str:
        if article.pk is None and not article.lead_photo_id and not article.body:
            return "—"
        warnings = services.rights_warnings(article)
        if not warnings:
            return (
                "No photo of this article has rights expired or expiring within "
                f"{services.RIGHTS_WARNING_DAYS} days."
            )
        return format_html(
            '<ul class="rights-warnings">{}</ul>',
            format_html_join(
                "",
                '<li><strong class="rights-warning">{}</strong></li>',
                ((warning,) for warning in warnings),
            ),
        )


# ---------------------------------------------------------------- articles
