"""Helpers shared by the admin modules."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from photos.services import RIGHTS_WARNING_DAYS

from .. import credits, services
from ..models import Article


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
                f"Photo rights expired or expiring within {RIGHTS_WARNING_DAYS} days",
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
        warnings = credits.rights_warnings(article)
        if not warnings:
            return (
                "No photo of this article has rights expired or expiring within "
                f"{RIGHTS_WARNING_DAYS} days."
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
