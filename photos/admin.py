"""Photo library admin: the photo desk's tools (credits, rights, focal point, bulk credit)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from newsroom.pagecache import purge, row_key

from . import images, services
from .models import Photo

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


class BlankFieldFilter(admin.SimpleListFilter):
    """Photos whose ``field`` is empty (or blank): such a photo blocks publication."""

    field = ""

    def lookups(self, request, model_admin):
        return (("yes", "Yes — cannot be published"), ("no", "No"))

    def queryset(self, request, queryset):
        blank = {f"{self.field}__regex": BLANK}
        if self.value() == "yes":
            return queryset.filter(**blank)
        if self.value() == "no":
            return queryset.exclude(**blank)
        return queryset


class MissingCreditFilter(BlankFieldFilter):
    title = "missing credit"
    parameter_name = "missing_credit"
    field = "credit"


class MissingAltTextFilter(BlankFieldFilter):
    title = "missing alt text"
    parameter_name = "missing_alt"
    field = "alt_text"


class RightsFilter(admin.SimpleListFilter):
    title = "rights"
    parameter_name = "rights"

    def lookups(self, request, model_admin):
        return (
            ("problem", f"Expired or expiring within {services.RIGHTS_WARNING_DAYS} days"),
            ("expired", "Expired"),
            ("expiring", f"Expiring within {services.RIGHTS_WARNING_DAYS} days"),
            ("none", "No expiry date"),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon = services.photos_with_rights_problems().values("pk")
        if self.value() == "problem":
            return queryset.filter(pk__in=soon)
        if self.value() == "expired":
            return queryset.filter(rights_expire_on__lt=today)
        if self.value() == "expiring":
            return queryset.filter(pk__in=soon, rights_expire_on__gte=today)
        if self.value() == "none":
            return queryset.filter(rights_expire_on__isnull=True)
        return queryset


class ValueFilter(admin.AllValuesFieldListFilter):
    """Filter by each value of a text field (agency, source); the empty value reads "(none)"."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] == "" or choice["display"].startswith(" ("):
                choice["display"] = f"(none){choice['display']}"
            yield choice


class SetCreditForm(forms.Form):
    credit = forms.CharField(
        max_length=250,
        required=False,
        help_text="Printed exactly as written, e.g. “Photo by Name Surname/AFP via Getty Images”.",
        widget=forms.TextInput(attrs={"size": 60}),
    )
    photographer = forms.CharField(max_length=200, required=False)
    agency = forms.CharField(label="Agency / distributor", max_length=200, required=False)
    source = forms.CharField(max_length=200, required=False)
    only_empty = forms.BooleanField(
        label="Only fill in photos where the field is empty",
        required=False,
        help_text="Leave unticked to overwrite what the selected photos have.",
    )

    FIELDS = ("credit", "photographer", "agency", "source")

    def clean(self):
        cleaned_data = super().clean()
        for name in self.FIELDS:
            cleaned_data[name] = cleaned_data.get(name, "").strip()
        if not any(cleaned_data[name] for name in self.FIELDS):
            raise forms.ValidationError(
                "Fill in at least one field; empty fields leave the photos unchanged."
            )
        return cleaned_data

    def changes(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.FIELDS if self.cleaned_data[name]}


class PhotoAdmin(admin.ModelAdmin):
    """The library's own admin: files, descriptions, credits, rights, focal point.

    ``articles.admin.photos`` extends it with where each photo is used, and registers it.
    """

    list_display = ("thumbnail", "caption", "credit", "alt_text", "agency", "rights")
    list_display_links = ("thumbnail",)
    list_editable = ("caption", "credit", "alt_text")
    list_filter = (
        MissingCreditFilter,
        MissingAltTextFilter,
        RightsFilter,
        ("agency", ValueFilter),
        ("source", ValueFilter),
        "syndication_allowed",
        "imported_without_credit",
    )
    ordering = ("-uploaded_at", "-id")  # explicit: Meta.ordering is dropped by annotations
    search_fields = (
        "caption",
        "credit",
        "source",
        "agency",
        "photographer",
        "alt_text",
        "tags__name",
    )
    date_hierarchy = "uploaded_at"
    readonly_fields = (
        "preview",
        "width",
        "height",
        "rights_status",
        "uploaded_by",
        "uploaded_at",
        "updated_at",
    )
    fieldsets = (
        (
            "Image",
            {
                "fields": ("image", "preview", ("focal_x", "focal_y"), ("width", "height")),
                "description": "The focal point is the spot that fixed-ratio crops "
                "(thumbnails, the social card) keep in view.",
            },
        ),
        ("Description", {"fields": ("alt_text", "caption", "tags")}),
        ("Credit", {"fields": ("credit", ("photographer", "agency"), "source", "copyright")}),
        (
            "Rights",
            {"fields": ("usage_terms", "syndication_allowed", "rights_expire_on", "rights_status")},
        ),
        ("Record", {"fields": ("uploaded_by", "uploaded_at", "updated_at")}),
    )
    actions = ("set_credit",)

    class Media:
        css = {"all": ("admin-newsroom/photo-admin.css",)}
        js = ("admin-newsroom/focal-point.js",)

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault(
            "widgets",
            {
                "caption": forms.Textarea(attrs={"rows": 2, "cols": 24, "aria-label": "Caption"}),
                "credit": forms.TextInput(attrs={"size": 20, "aria-label": "Credit"}),
                "alt_text": forms.TextInput(attrs={"size": 20, "aria-label": "Alt text"}),
            },
        )
        return super().get_changelist_form(request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("focal_x", "focal_y"):
            edge = "left" if db_field.name == "focal_x" else "top"
            far = "right" if db_field.name == "focal_x" else "bottom"
            kwargs["help_text"] = f"0 is the {edge} edge, 1 the {far} edge."
            kwargs["widget"] = forms.NumberInput(attrs={"step": "0.001", "min": 0, "max": 1})
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "image":
            # The admin labels the file widget with a <legend> only; name the input itself.
            formfield.widget.attrs.setdefault("aria-label", "Image file")
            formfield.help_text = f"{images.format_names()}."
        return formfield

    # ------------------------------------------------------------ columns and fields

    @admin.display(description="photo")
    def thumbnail(self, photo: Photo) -> SafeString | None:
        # The thumbnail is the link to the photo: it needs a name even without alt text.
        return photo_img(photo, LIST_THUMB_SIZE, alt=photo.alt_text or f"Photo #{photo.pk}")

    @admin.display(description="preview")
    def preview(self, photo: Photo) -> SafeString | str:
        image = photo_img(photo, PREVIEW_SIZE)
        if image is None:
            return "Save the photo to see it here."
        return format_html(
            '<div class="focal-point" data-focal-point>{}'
            '<span class="focal-point__marker" aria-hidden="true" hidden></span></div>'
            '<p class="focal-point__help help" hidden>Click on the photo to set the focal point, '
            "or type it in the fields below.</p>",
            image,
        )

    @admin.display(description="rights", ordering="rights_expire_on")
    def rights(self, photo: Photo) -> SafeString | str:
        if problem := services.rights_problem(photo):
            return format_html('<strong class="rights-warning">Rights {}</strong>', problem)
        if photo.rights_expire_on:
            return f"until {date_format(photo.rights_expire_on, 'DATE_FORMAT')}"
        return "—"

    @admin.display(description="rights status")
    def rights_status(self, photo: Photo) -> SafeString | str:
        if problem := services.rights_problem(photo):
            return format_html(
                '<strong class="rights-warning">The rights {}.</strong> '
                "Articles using it are flagged in the article list.",
                problem,
            )
        if photo.rights_expire_on:
            return f"Valid until {date_format(photo.rights_expire_on, 'DATE_FORMAT')}."
        return "No expiry date."

    # ------------------------------------------------------------ saving and deleting

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    # ------------------------------------------------------------ actions

    @admin.action(description="Set credit/source for selected photos", permissions=("change",))
    def set_credit(self, request: HttpRequest, queryset: QuerySet[Photo]):
        """Ask for a credit, photographer, agency or source; give it to every selected photo."""
        form = SetCreditForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            changes = form.changes()
            photos = list(queryset.only("pk", "caption", "alt_text", "image"))
            now = timezone.now()
            updated = set()
            for name, value in changes.items():
                targets = Photo.objects.filter(pk__in=[p.pk for p in photos])
                if form.cleaned_data["only_empty"]:
                    targets = targets.filter(**{f"{name}__regex": BLANK})
                updated.update(targets.values_list("pk", flat=True))
                targets.update(**{name: value, "updated_at": now})
            # .update() sends no signal: the pages showing these photos show their credits.
            purge({row_key(Photo, pk) for pk in updated})
            labels = [capfirst(Photo._meta.get_field(name).verbose_name) for name in changes]
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=[p for p in photos if p.pk in updated],
                action_flag=CHANGE,
                change_message=[{"changed": {"fields": labels}}],
            )
            self.message_user(
                request,
                f"Set {', '.join(label.lower() for label in labels)} on {len(updated)} "
                f"photo{'s' if len(updated) != 1 else ''}.",
                messages.SUCCESS,
            )
            return None
        selected = list(queryset)
        context = {
            **self.admin_site.each_context(request),
            "title": "Set credit and source",
            "subtitle": f"{len(selected)} selected photo{'s' if len(selected) != 1 else ''}",
            "opts": self.model._meta,
            "form": form,
            "photos": [(photo, photo_img(photo, LIST_THUMB_SIZE)) for photo in selected],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "set_credit",
            "media": self.media,
        }
        return TemplateResponse(request, "admin/photos/photo/set_credit.html", context)
