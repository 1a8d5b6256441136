"""Photo library admin: the photo desk's tools (credits, rights, uses, focal point)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from .. import images, services
from ..cache import invalidate_pages
from ..models import Article, Author, Photo
from .common import BLANK, LIST_THUMB_SIZE, PREVIEW_SIZE, photo_img


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


class UseFilter(admin.SimpleListFilter):
    """Photos used by an article (lead or inline) or as an author's photo, or by nothing."""

    title = "use"
    parameter_name = "use"

    def lookups(self, request, model_admin):
        return (("unused", "Unused"), ("used", "Used"))

    def queryset(self, request, queryset):
        used = (
            Exists(Article.objects.filter(lead_photo=OuterRef("pk")))
            | services.used_inline()
            | Exists(Author.objects.filter(avatar=OuterRef("pk")))
        )
        if self.value() == "unused":
            return queryset.exclude(used)
        if self.value() == "used":
            return queryset.filter(used)
        return queryset


class UsedInPublishedFilter(admin.SimpleListFilter):
    """Photos shown (as lead or inline) by an article published in a period up to now.

    With the agency filter it answers "every AFP photo used this month". Published means
    ``Article.objects.published()``: an article taken down since then no longer counts.
    """

    title = "used in articles published"
    parameter_name = "used_published"

    def lookups(self, request, model_admin):
        return (("month", "This month"), ("30days", "In the last 30 days"), ("year", "This year"))

    def since(self) -> datetime | None:
        """Return the start of the chosen period (local midnight of the 1st for a month)."""
        now = timezone.localtime()
        midnight = {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}
        if self.value() == "month":
            return now.replace(day=1, **midnight)
        if self.value() == "30days":
            return now - timedelta(days=30)
        if self.value() == "year":
            return now.replace(month=1, day=1, **midnight)
        return None

    def queryset(self, request, queryset):
        since = self.since()
        if since is None:
            return queryset
        articles = Article.objects.published().filter(published_at__gte=since)
        return queryset.filter(services.used_by(articles))


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


class PhotoChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # One query for the whole page: which articles show these photos in their body.
        # Iterating fills the page queryset's cache, which the list and its forms reuse.
        uses = services.inline_uses(self.result_list)
        for photo in self.result_list:
            photo.inline_articles = uses.get(photo.pk, [])


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "caption", "credit", "alt_text", "agency", "rights", "uses")
    list_display_links = ("thumbnail",)
    list_editable = ("caption", "credit", "alt_text")
    list_filter = (
        MissingCreditFilter,
        MissingAltTextFilter,
        UseFilter,
        UsedInPublishedFilter,
        RightsFilter,
        ("agency", ValueFilter),
        ("source", ValueFilter),
        "syndication_allowed",
    )
    ordering = ("-uploaded_at", "-id")  # explicit: Meta.ordering is dropped by the annotation
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
        "used_in",
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
        ("Used in", {"fields": ("used_in",)}),
        ("Record", {"fields": ("uploaded_by", "uploaded_at", "updated_at")}),
    )
    actions = ("set_credit",)

    class Media:
        css = {"all": ("admin-newsroom/photo-admin.css",)}
        js = ("admin-newsroom/focal-point.js",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Photo]:
        return super().get_queryset(request).annotate(lead_count=Count("lead_of"))

    def get_changelist(self, request, **kwargs):
        return PhotoChangeList

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

    @admin.display(description="used in", ordering="lead_count")
    def uses(self, photo: Photo) -> str:
        inline = getattr(photo, "inline_articles", [])
        count = photo.lead_count + len(inline)
        return f"{count} article{'s' if count != 1 else ''}" if count else "—"

    @admin.display(description="used in")
    def used_in(self, photo: Photo) -> SafeString | str:
        """Return every article using the photo (lead or inline) and author boxes, linked."""
        if photo.pk is None:
            return "—"
        rows = [
            (
                reverse("admin:articles_article_change", args=(article.pk,)),
                article.headline,
                f"{' and '.join(roles)} · {article.get_status_display().lower()}",
            )
            for article, roles in services.articles_using_photo(photo)
        ]
        rows += [
            (
                reverse("admin:articles_author_change", args=(author.pk,)),
                author.name,
                "author photo",
            )
            for author in Author.objects.filter(avatar=photo).only("name")
        ]
        if not rows:
            return "Not used by any article or author."
        return format_html(
            '<ul class="photo-uses">{}</ul>',
            format_html_join("", '<li><a href="{}">{}</a> <span>({})</span></li>', rows),
        )

    # ------------------------------------------------------------ saving and deleting

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def get_deleted_objects(self, objs, request):
        """Refuse to delete photos shown in an article body, as Django does for lead photos."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        photos = list(objs)
        uses = services.inline_uses(photos)
        may_open = request.user.has_perm("articles.change_article") or request.user.has_perm(
            "articles.view_article"
        )
        for photo in photos:
            for article in uses.get(photo.pk, []):
                title = (
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("admin:articles_article_change", args=(article.pk,)),
                        article.headline,
                    )
                    if may_open
                    else article.headline
                )
                protected.append(
                    format_html("Article: {} — shows the photo “{}” in its body", title, photo)
                )
        return deleted, model_count, perms_needed, protected

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
            invalidate_pages()  # .update() sends no signal; pages show the credits
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
        return TemplateResponse(request, "admin/articles/photo/set_credit.html", context)
