"""Tag vocabulary admin."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from taggit.models import Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "article_count", "photo_count")
    ordering = ("name",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                article_count=Count("articles_taggedarticle_items", distinct=True),
                photo_count=Count("articles_taggedphoto_items", distinct=True),
            )
        )

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, tag: Tag) -> int:
        return tag.article_count

    @admin.display(description="photos", ordering="photo_count")
    def photo_count(self, tag: Tag) -> int:
        return tag.photo_count
