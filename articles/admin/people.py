"""Author and section admin."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from ..models import Author, Section


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "job_title", "user")
    list_select_related = ("user",)
    list_filter = ("kind",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("avatar", "user")
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "job_title")}),
        ("Author box", {"fields": ("bio", "avatar")}),
        ("Login", {"fields": ("user",)}),
    )


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position", "article_count")
    list_display_links = ("name",)
    list_editable = ("position",)
    ordering = ("position", "name")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, section: Section) -> int:
        return section.article_count
