"""Photo library admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from ..models import Photo
from .common import BLANK, LIST_THUMB_SIZE, PREVIEW_SIZE, photo_img


class MissingCreditFilter(admin.SimpleListFilter):
    title = "missing credit"
    parameter_name = "missing_credit"

    def lookups(self, request, model_admin):
        return (("yes", "Yes — cannot be published"), ("no", "No"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(credit__regex=BLANK)
        if self.value() == "no":
            return queryset.exclude(credit__regex=BLANK)
        return queryset


class MissingAltTextFilter(admin.SimpleListFilter):
    title = "missing alt text"
    parameter_name = "missing_alt"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(alt_text__regex=BLANK)
        if self.value() == "no":
            return queryset.exclude(alt_text__regex=BLANK)
        return queryset


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "caption", "credit", "alt_text", "agency", "uses")
    list_display_links = ("thumbnail",)
    list_editable = ("caption", "credit", "alt_text")
    list_filter = (MissingCreditFilter, MissingAltTextFilter, "agency")
    ordering = ("-uploaded_at", "-id")  # explicit: Meta.ordering is dropped by the annotation
    search_fields = ("caption", "credit", "source", "agency", "photographer", "alt_text")
    date_hierarchy = "uploaded_at"
    readonly_fields = ("preview", "width", "height", "uploaded_by", "uploaded_at", "updated_at")
    fieldsets = (
        ("Image", {"fields": ("image", "preview", ("width", "height"))}),
        ("Description", {"fields": ("alt_text", "caption", "tags")}),
        (
            "Credit and rights",
            {
                "fields": (
                    "credit",
                    ("photographer", "agency"),
                    "source",
                    "usage_terms",
                    "rights_expire_on",
                )
            },
        ),
        (
            "Focal point",
            {
                "classes": ("collapse",),
                "description": "Where crops should centre: 0 is left/top, 1 is right/bottom.",
                "fields": (("focal_x", "focal_y"),),
            },
        ),
        ("Record", {"fields": ("uploaded_by", "uploaded_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Photo]:
        return super().get_queryset(request).annotate(lead_count=Count("lead_of"))

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault(
            "widgets",
            {
                "caption": forms.Textarea(attrs={"rows": 2, "cols": 24}),
                "credit": forms.TextInput(attrs={"size": 20}),
                "alt_text": forms.TextInput(attrs={"size": 20}),
            },
        )
        return super().get_changelist_form(request, **kwargs)

    @admin.display(description="photo")
    def thumbnail(self, photo: Photo) -> SafeString | None:
        return photo_img(photo, LIST_THUMB_SIZE)

    @admin.display(description="preview")
    def preview(self, photo: Photo) -> SafeString | None:
        return photo_img(photo, PREVIEW_SIZE)

    @admin.display(description="lead of", ordering="lead_count")
    def uses(self, photo: Photo) -> str:
        count = photo.lead_count
        return f"{count} article{'s' if count != 1 else ''}" if count else "—"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


# ---------------------------------------------------------------- bylines, sections, tags
