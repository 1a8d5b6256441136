"""Article admin: the editors' main tool."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..models import Article, ArticleAuthor
from .common import LIST_THUMB_SIZE, join_names, photo_img


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = (
            "headline",
            "slug",
            "section",
            "dek",
            "body",
            "lead_photo",
            "lead_photo_caption",
            "tags",
            "status",
            "published_at",
            "featured",
            "audio",
            "audio_ai_generated",
            "reading_time_override",
            "seo_title",
            "seo_description",
        )

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("status") == Article.Status.PUBLISHED and not cleaned_data.get(
            "published_at"
        ):
            # Publishing without a time means "now"; filled before the model's
            # "published needs a time" constraint is validated.
            cleaned_data["published_at"] = timezone.now()
        return cleaned_data


class BylineInlineFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None or index >= self.initial_form_count():
            # New rows: the next number for the server-rendered ones, empty for rows
            # added with "Add another" (empty means "at the end").
            kwargs["initial"] = {"position": None if index is None else index + 1}
        return kwargs

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["position"].required = False


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    formset = BylineInlineFormSet
    fields = ("author", "position")
    autocomplete_fields = ("author",)
    ordering = ("position", "id")
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "byline (in this order)"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "position":
            kwargs["help_text"] = "1 is first. Leave empty to add at the end."
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class VisibilityFilter(admin.SimpleListFilter):
    title = "visibility"
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return (
            ("live", "Live on the site"),
            ("scheduled", "Scheduled"),
            ("hidden", "Not public"),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        published = Q(status=Article.Status.PUBLISHED)
        if self.value() == "live":
            return queryset.filter(published, published_at__lte=now)
        if self.value() == "scheduled":
            return queryset.filter(published, published_at__gt=now)
        if self.value() == "hidden":
            return queryset.exclude(published)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    inlines = (ArticleAuthorInline,)
    list_display = (
        "headline",
        "section",
        "public_status",
        "byline",
        "published_at",
        "thumbnail",
    )
    list_select_related = ("section", "lead_photo")
    list_filter = ("status", VisibilityFilter, "section", "authors", "featured")
    date_hierarchy = "published_at"
    search_fields = ("headline", "dek", "body")
    autocomplete_fields = ("section", "lead_photo")
    prepopulated_fields = {"slug": ("headline",)}
    readonly_fields = (
        "public_state",
        "reading_time",
        "created_at",
        "updated_at",
        "created_by",
    )
    fieldsets = (
        ("Story", {"fields": ("headline", "slug", "section", "dek", "body")}),
        ("Photo", {"fields": ("lead_photo", "lead_photo_caption")}),
        (
            "Byline & tags",
            {
                "fields": ("tags",),
                "description": "Authors are listed in the byline table below the form.",
            },
        ),
        ("Publishing", {"fields": ("status", "published_at", "public_state", "featured")}),
        ("Audio", {"fields": ("audio", "audio_ai_generated")}),
        (
            "Reading time and SEO",
            {
                "classes": ("collapse",),
                "fields": (
                    "reading_time",
                    "reading_time_override",
                    "seo_title",
                    "seo_description",
                ),
            },
        ),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": ("created_at", "created_by", "updated_at"),
            },
        ),
    )
    actions = ("publish", "unpublish")

    class Media:
        css = {"all": ("css/admin.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "bylines",
                    queryset=ArticleAuthor.objects.select_related("author").order_by(
                        "position", "id"
                    ),
                )
            )
        )

    @admin.display(description="byline")
    def byline(self, article: Article) -> str:
        return join_names([byline.author.name for byline in article.bylines.all()])

    @admin.display(description="status", ordering="status")
    def public_status(self, article: Article) -> str:
        if article.is_scheduled:
            return "Scheduled"
        return article.get_status_display()

    @admin.display(description="lead photo")
    def thumbnail(self, article: Article) -> SafeString | None:
        return photo_img(article.lead_photo, LIST_THUMB_SIZE)

    @admin.display(description="on the site")
    def public_state(self, article: Article) -> str:
        if article.pk is None:
            return "Not saved yet."
        when = (
            date_format(timezone.localtime(article.published_at), "DATETIME_FORMAT")
            if article.published_at
            else ""
        )
        if article.is_public:
            return f"Live since {when}"
        if article.is_scheduled:
            return f"Scheduled: appears by itself on {when}"
        return f"Not public ({article.get_status_display().lower()}). Staff can preview it."

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ArticleAuthor:
            return super().save_formset(request, form, formset, change)
        saved = formset.save(commit=False)
        deleted_forms = formset.deleted_forms
        for byline in formset.deleted_objects:
            byline.delete()
        rows = [
            (index, f.instance)
            for index, f in enumerate(formset.forms)
            if f not in deleted_forms and (f.instance.pk is not None or f.instance in saved)
        ]
        # Number the byline 1, 2, 3… in the order the editor gave; empty positions go last.
        rows.sort(key=lambda row: (row[1].position is None, row[1].position or 0, row[0]))
        for position, (_, byline) in enumerate(rows, start=1):
            if byline.position != position or byline in saved:
                byline.position = position
                byline.save()
        formset.save_m2m()
        return None

    @admin.action(description="Publish selected articles", permissions=("change",))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        """Publish each article the form would let publish; report the ones it would refuse."""
        now = timezone.now()
        published = 0
        for article in queryset.select_related("lead_photo"):
            if article.status == Article.Status.PUBLISHED:
                continue
            article.status = Article.Status.PUBLISHED
            if article.published_at is None:
                article.published_at = now
            try:
                article.clean()
            except ValidationError as exc:
                self.message_user(request, self._refusal(article, exc), messages.ERROR)
                continue
            article.save(update_fields=("status", "published_at", "updated_at"))
            published += 1
        if published:
            self.message_user(
                request,
                f"Published {published} article{'s' if published != 1 else ''}.",
                messages.SUCCESS,
            )

    def _refusal(self, article: Article, exc: ValidationError) -> SafeString:
        reason = " ".join(exc.messages)
        if article.lead_photo_id:
            return format_html(
                '“{}” was not published: {} <a href="{}">Edit the photo</a>.',
                article,
                reason,
                reverse("admin:articles_photo_change", args=(article.lead_photo_id,)),
            )
        return format_html("“{}” was not published: {}", article, reason)

    @admin.action(description="Unpublish selected articles", permissions=("change",))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        """Take published (or scheduled) articles off the site; they keep their publish time."""
        unpublished = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            article.status = Article.Status.UNPUBLISHED
            article.save(update_fields=("status", "updated_at"))
            unpublished += 1
        self.message_user(
            request,
            f"Unpublished {unpublished} article{'s' if unpublished != 1 else ''}.",
            messages.SUCCESS,
        )


# ---------------------------------------------------------------- photos
