"""Article admin: the editors' main tool, with the editorial workflow and its history.

Who may do what is decided in ``articles.workflow`` and enforced here on the server:
per-object change/delete permissions, the status choices a user is offered, read-only
publishing fields, actions with permissions and a queryset limited to a contributor's own
articles. Every save records a revision (django-reversion) and is refused when someone else
saved the article after the form was opened (lost-update protection).
"""

from __future__ import annotations

from itertools import chain

import reversion
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from photos.admin import LIST_THUMB_SIZE, photo_img

from .. import editing, history, workflow
from ..models import (
    Article,
    ArticleAuthor,
    ArticleNote,
    ArticleSlugRedirect,
    PreviewLink,
    TaggedArticle,
)
from ..querysets import bylines_prefetch
from . import autosave, presence, writing
from .common import ArticlePhotoRightsFilter, PhotoRightsAdminMixin, join_names
from .revisions import ArticleHistoryMixin, clock, display_name

Status = Article.Status

# Forms ------------------------------------------------------------------------------


class VersionCheckFormMixin:
    """A model form that refuses to save over a version saved after it was loaded.

    For models with a ``version`` raised on every save (articles, live updates). The form
    carries the version it was opened on in ``loaded_version``; when the row's version
    moved on, ``_check_version`` raises an error shown at the top of the form, keeps what
    was typed, and moves ``loaded_version`` on, so a second Save (after reading it)
    replaces the saved version.
    """

    conflict_noun = "this"
    user = None

    def start_version_check(self) -> None:
        """Call from ``__init__``: note the version this form opens on."""
        self.conflict = None
        if self.instance.pk:
            self.initial["loaded_version"] = self.instance.version

    def conflict_details(self) -> dict:
        """What else the form shows of the conflict (an article's differences)."""
        return {}

    def _check_version(self, cleaned_data) -> None:
        loaded = cleaned_data.get("loaded_version")
        row = self.instance
        if row.pk is None or loaded is None or loaded == row.version:
            return
        by = row.last_edited_by
        who = "You" if by is not None and by == self.user else display_name(by)
        self.conflict = {
            "who": who,
            "when": clock(row.updated_at),
            "loaded": loaded,
            "current": row.version,
            **self.conflict_details(),
        }
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = str(row.version)
        raise ValidationError(
            f"{who} saved {self.conflict_noun} at {self.conflict['when']} after you opened it, "
            "so your changes were not saved. Your text is still in the form below: nothing "
            "you typed is lost. Compare it with the saved version, then save again to "
            "replace it with yours.",
            code="edit_conflict",
        )


class ArticleAdminForm(VersionCheckFormMixin, forms.ModelForm):
    # The version the form was loaded with; a save on an older version is refused.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    material_update = forms.BooleanField(
        label="Material update — show readers an “Updated” time",
        required=False,
        help_text="Tick it for a change readers should know about (new facts, a changed "
        "headline or conclusion), not for typo fixes. For a correction, also add a "
        "correction note below.",
    )

    conflict_noun = "this article"
    # Set per request by ArticleAdmin.get_form.
    user = None

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
            "unpublish_at",
            "featured",
            "in_news_sitemap",
            "live",
            "coverage_started_at",
            "coverage_ended_at",
            "audio",
            "audio_ai_generated",
            "reading_time_override",
            "seo_title",
            "seo_description",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "body" in self.fields:
            # CKEditor re-indents the HTML it loaded: only a change readers see is a change.
            self.fields["body"].has_changed = editing.body_has_changed
        self.start_version_check()
        self.initial_status = self.instance.status if self.instance.pk else None
        self.was_public = bool(self.instance.pk) and self.instance.is_public

    def clean_slug(self) -> str:
        """Refuse another article's earlier slug unless the user may change that article.

        Its links answer 301 to that article; taking the slug ends the redirect (the
        model does), so links shared over the years would 404 and then open this story.
        """
        slug = self.cleaned_data.get("slug")
        taken = (
            ArticleSlugRedirect.objects.filter(old_slug=slug)
            .exclude(article_id=self.instance.pk)
            .select_related("article")
            .first()
        )
        if taken is None:
            return slug
        other = taken.article
        if self.user is not None and workflow.can_change(self.user, other):
            return slug
        raise ValidationError(
            f"“{slug}” was the address of another article, “{other.headline}”, and links "
            "to it still lead there. Choose another slug.",
            code="slug_redirects_elsewhere",
        )

    def clean(self):
        cleaned_data = super().clean()
        self._check_version(cleaned_data)
        status = cleaned_data.get("status", self.instance.status)
        if (
            self.user is not None
            and "status" in cleaned_data
            and not workflow.may_move(self.user, self.instance, status)
        ):
            self.add_error("status", "You may not give this article that status.")
        if (
            status == Status.PUBLISHED
            and "published_at" in self.fields
            and not cleaned_data.get("published_at")
            and "published_at" not in self.errors
        ):
            # Publishing without a time means "now"; filled before the model's
            # "published needs a time" constraint is validated.
            cleaned_data["published_at"] = timezone.now()
        published_at = cleaned_data.get("published_at", self.instance.published_at)
        unpublish_at = cleaned_data.get("unpublish_at")
        if unpublish_at and published_at and unpublish_at <= published_at:
            self.add_error("unpublish_at", "The unpublish time must be after the publish time.")
        return cleaned_data

    def conflict_details(self) -> dict:
        """The article's differences with the saved version, shown with the conflict."""
        return {"changes": history.form_conflict_changes(self.instance, self.data)}


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


def save_bylines(formset) -> None:
    """Save a byline formset (an article's, a live update's), numbering it 1, 2, 3… in the
    order the editor gave; empty positions go last."""
    saved = formset.save(commit=False)
    deleted_forms = formset.deleted_forms
    for byline in formset.deleted_objects:
        byline.delete()
    rows = [
        (index, f.instance)
        for index, f in enumerate(formset.forms)
        if f not in deleted_forms and (f.instance.pk is not None or f.instance in saved)
    ]
    rows.sort(key=lambda row: (row[1].position is None, row[1].position or 0, row[0]))
    for position, (_, byline) in enumerate(rows, start=1):
        if byline.position != position or byline in saved:
            byline.position = position
            byline.save()
    formset.save_m2m()


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    formset = BylineInlineFormSet
    fields = ("author", "position")
    autocomplete_fields = ("author",)
    ordering = ("position", "id")
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "byline (in this order)"

    def get_queryset(self, request):
        # A row shows its author and what it is the byline of (an article, a live update)
        # by name: with the row, not a query each.
        parent = next(
            f.name
            for f in self.model._meta.get_fields()
            if f.many_to_one and f.related_model is self.parent_model
        )
        return super().get_queryset(request).select_related("author", parent)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "position":
            kwargs["help_text"] = "1 is first. Leave empty to add at the end."
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class OptionalInlineFormSet(BaseInlineFormSet):
    """An inline a POST may leave out entirely (scripts, older forms): it then changes nothing.

    Django refuses a POST without the inline's management form; for notes and preview
    links, which are added one at a time, "not sent" simply means "unchanged".
    """

    def __init__(self, data=None, files=None, *args, **kwargs):
        prefix = kwargs.get("prefix") or self.get_default_prefix()
        self.left_out = data is not None and f"{prefix}-TOTAL_FORMS" not in data
        if self.left_out:
            data = files = None
        super().__init__(data, files, *args, **kwargs)

    def is_valid(self):
        return self.left_out or super().is_valid()

    def save(self, commit=True):
        if self.left_out:
            self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
            return []
        return super().save(commit)


class ArticleNoteInline(admin.TabularInline):
    model = ArticleNote
    formset = OptionalInlineFormSet
    fields = ("kind", "text", "noted_at")
    extra = 0
    verbose_name = "correction or update note"
    verbose_name_plural = "corrections and update notes (readers see them at the article's foot)"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "text":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 60})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class PreviewLinkForm(forms.ModelForm):
    share_url = forms.CharField(
        label="link to send",
        required=False,
        widget=forms.TextInput(attrs={"readonly": True, "size": 34, "class": "preview-url"}),
    )
    revoke = forms.BooleanField(label="revoke", required=False)

    base_url = ""  # set per request by PreviewLinkInline.get_formset

    class Meta:
        model = PreviewLink
        fields = ("recipient", "expires_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].required = True
        link = self.instance
        if link.pk:
            self.initial["share_url"] = self.base_url + link.get_absolute_url()
            if not link.is_active:
                self.fields["revoke"].disabled = True

    def has_changed(self):
        return bool(set(self.changed_data) - {"share_url"})


class PreviewLinkInline(admin.TabularInline):
    model = PreviewLink
    form = PreviewLinkForm
    formset = OptionalInlineFormSet
    fields = ("recipient", "expires_at", "share_url", "state", "revoke")
    readonly_fields = ("state",)
    extra = 0
    can_delete = False
    verbose_name = "preview link"
    verbose_name_plural = (
        "preview links (signed, expiring links to this article for people without an account)"
    )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(
            "PreviewLinkForm", (formset.form,), {"base_url": request.build_absolute_uri("/")[:-1]}
        )
        return formset

    @admin.display(description="state")
    def state(self, link: PreviewLink) -> str:
        if link.pk is None:
            return "New"
        if link.revoked_at:
            return f"Revoked {clock(link.revoked_at)}"
        return link.state


# Changelist filters ------------------------------------------------------------------


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
        if self.value() == "live":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "hidden":
            return queryset.not_public()
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = "whose"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return (("yes", "My articles"),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            user = request.user
            return queryset.owned_by(user)
        return queryset


def waiting_for_review_url() -> str:
    return reverse("admin:articles_article_changelist") + f"?status__exact={Status.IN_REVIEW}"


# The admin -------------------------------------------------------------------------


@admin.register(Article)
class ArticleAdmin(PhotoRightsAdminMixin, ArticleHistoryMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    # Apps above articles add theirs with extend_article_admin() (narration does).
    inlines = (ArticleAuthorInline, ArticleNoteInline, PreviewLinkInline)
    list_display = (
        "headline",
        "section",
        "public_status",
        "byline",
        "published_at",
        "last_edit",
        "thumbnail",
    )
    list_select_related = ("section", "lead_photo", "last_edited_by")
    list_filter = (
        "status",
        VisibilityFilter,
        MineFilter,
        ArticlePhotoRightsFilter,
        "section",
        "authors",
        "featured",
    )
    date_hierarchy = "published_at"
    search_fields = ("headline", "dek", "body")
    autocomplete_fields = ("section", "lead_photo")
    prepopulated_fields = {"slug": ("headline",)}
    readonly_fields = (
        "workflow_state",
        "shown_updated",
        "reading_time",
        "created_at",
        "updated_at",
        "created_by",
        "last_edited_by",
        "version",
        "revision_history",
        "photo_rights",
        "lead_photo_card",
        "audio_length",
    )
    # Fields only users who may publish can set (scheduling is publishing).
    publisher_fields = ("published_at", "unpublish_at", "featured", "in_news_sitemap")
    actions = ("submit_for_review", "publish", "unpublish")
    change_form_template = "admin/articles/article/change_form.html"
    # Apps above articles add boxes above the change form with extend_article_admin()
    # (live coverage does): callables (request, article) -> None or HTML with a ``media``.
    top_panels: tuple = ()
    object_history_template = "admin/articles/article/object_history.html"

    class Media:
        css = {
            "all": (
                "css/admin.css",
                "css/workflow-admin.css",
                "admin-newsroom/writing.css",
                "admin-newsroom/presence.css",
            )
        }
        # The writing screen (counters, previews, byline order, keyboard shortcuts),
        # autosave of unsaved work, and who else has the article open (presence).
        js = (
            "admin-newsroom/admin-form.js",
            "admin-newsroom/writing.js",
            "admin-newsroom/autosave.js",
            "admin-newsroom/presence.js",
        )

    def get_urls(self):
        return [
            *autosave.urls(self),
            *presence.urls(self),
            *writing.urls(self),
            *super().get_urls(),
        ]

    # Permissions ----------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        queryset = super().get_queryset(request).prefetch_related(bylines_prefetch(avatars=False))
        user = request.user
        if workflow.limited_to_own(user):
            own = Article.objects.owned_by(user)
            queryset = queryset.filter(pk__in=own.values("pk"))
        return queryset

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and workflow.can_change(
            request.user, obj
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and workflow.can_delete(
            request.user, obj
        )

    def has_view_permission(self, request, obj=None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or workflow.can_view(request.user, obj)

    def has_publish_permission(self, request) -> bool:
        return workflow.can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            fields += self.publisher_fields
        return fields

    # The form ------------------------------------------------------------------------

    def get_inlines(self, request, obj):
        if obj is None:
            return (ArticleAuthorInline,)  # notes and preview links need a saved article
        return self.inlines

    def get_fieldsets(self, request, obj=None):
        """The writing screen's fieldsets (change_form.html places them by class).

        ``writing-main``: the story, wide; ``writing-side``: the sidebar, with the byline
        table after ``writing-bylines``; the rest, folded, below both.
        """
        editable = obj is None or self.has_change_permission(request, obj)
        story = ["headline", "dek", "body"]
        publishing = ["workflow_state", "status", "published_at"]
        if editable and obj is not None:
            story.append("loaded_version")
            if obj.is_public and workflow.can_publish(request.user):
                publishing.append("material_update")
        publishing.append("featured")
        return (
            ("Story", {"classes": ("writing-main",), "fields": story}),
            ("Publishing", {"classes": ("writing-side",), "fields": publishing}),
            (
                "Section and byline",
                {"classes": ("writing-side", "writing-bylines"), "fields": ("section",)},
            ),
            ("Tags", {"classes": ("writing-side",), "fields": ("tags",)}),
            (
                "Lead photo",
                {
                    "classes": ("writing-side",),
                    "fields": (
                        "lead_photo",
                        "lead_photo_card",
                        "lead_photo_caption",
                        "photo_rights",  # the body's photos too
                    ),
                },
            ),
            (
                "Address, search and sharing",
                {
                    "classes": ("collapse",),
                    "fields": ("slug", "seo_title", "seo_description", "in_news_sitemap"),
                },
            ),
            (
                "Time limit and “Updated” time",
                {"classes": ("collapse",), "fields": ("unpublish_at", "shown_updated")},
            ),
            (
                "Live coverage",
                {
                    "classes": ("collapse",),
                    "fields": ("live", "coverage_started_at", "coverage_ended_at"),
                    "description": "A live article gets short, timestamped updates, posted "
                    "from the “Post an update” box at the top of this page once it is saved.",
                },
            ),
            (
                "Audio",
                {
                    "classes": ("collapse",),
                    "fields": ("audio", "audio_ai_generated", "audio_length"),
                    "description": "Upload a recording, or generate an AI narration with the "
                    "“Generate audio narration” action in the article list.",
                },
            ),
            (
                "Reading time and history",
                {
                    "classes": ("collapse",),
                    "fields": (
                        "reading_time",
                        "reading_time_override",
                        "revision_history",
                        "version",
                        ("created_at", "created_by"),
                        ("updated_at", "last_edited_by"),
                    ),
                },
            ),
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["config_name"] = "article"  # the writing screen's taller editor
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        if "status" in form.base_fields:
            form.base_fields["status"].choices = [
                (status, workflow.CHOICE_LABELS[status])
                for status in workflow.allowed_statuses(request.user, obj)
            ]
            form.base_fields["status"].help_text = (
                "Only the moves you may make are listed."
                if workflow.can_publish(request.user)
                else "An editor publishes the article after review."
            )
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_submit_for_review" in request.POST:
            request.POST = request.POST.copy()
            request.POST["status"] = Status.IN_REVIEW
        try:
            return self._changeform_with_revision(request, object_id, form_url, extra_context)
        except editing.EditConflict:
            # Someone saved between this request's check and its save; everything was
            # rolled back. Showing the form again now reports the conflict with their data.
            return self._changeform_with_revision(request, object_id, form_url, extra_context)

    def _changeform_with_revision(self, request, object_id, form_url, extra_context):
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        user = request.user
        can_change = obj is None or self.has_change_permission(request, obj)
        context.update(
            conflict=getattr(form, "conflict", None),
            also_editing=(
                editing.note_editing(obj.pk, user, display_name(user))
                if obj is not None and can_change
                else []
            ),
            show_submit_for_review=(
                can_change
                and "status" in form.base_fields
                and not workflow.can_publish(user)
                and (obj is None or obj.status == Status.DRAFT)
            ),
            waiting_for_review_url=waiting_for_review_url(),
            show_save_and_preview=can_change and not context.get("is_popup"),
            # The writing screen has the width to itself (the app list stays on Home).
            is_nav_sidebar_enabled=False,
        )
        if can_change and not context.get("is_popup"):
            context["share_previews"] = writing.previews_context(request, obj)
            context["autosave"] = autosave.settings_for(obj)
            if obj is not None:
                context["presence"] = presence.settings_for(obj)
            if request.method == "GET":
                context["unsaved_edit"] = autosave.offer(request, obj)
        panels = [
            shown
            for panel in (self.top_panels if obj is not None else ())
            if (shown := panel(request, obj)) is not None
        ]
        for shown in panels:
            context["media"] = context["media"] + shown.media
        context["top_panels"] = panels
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        now = timezone.now()
        if change:
            # Nobody saved since the form was checked; the admin's transaction holds the row.
            editing.claim_version(obj, form.cleaned_data.get("loaded_version") or obj.version)
            if form.cleaned_data.get("material_update"):
                editing.mark_material_update(obj, now, save=False, was_public=form.was_public)
        else:
            obj.created_by = request.user
        obj.last_edited_by = request.user
        obj._workflow_from = form.initial_status
        super().save_model(request, obj, form, change)
        if change:
            editing.done_editing(obj.pk, request.user)
        autosave.clear(request.user, obj if change else None)  # saved: nothing left unsaved
        self._announce_state(request, obj, form.initial_status)

    def response_add(self, request, obj, post_url_continue=None):
        if "_preview" in request.POST:
            return redirect(obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_preview" in request.POST:
            # "Save and preview": the public page, as staff see it (a draft too).
            return redirect(obj)
        return super().response_change(request, obj)

    def _announce_state(self, request, article: Article, before: str | None) -> None:
        if article.status == before:
            return
        if article.status == Status.IN_REVIEW:
            message = f"“{article}” was submitted for review; an editor will publish it."
        elif article.is_scheduled:
            message = format_html(
                "“{}” is scheduled: it appears by itself on {}.",
                article,
                date_format(timezone.localtime(article.published_at), "DATETIME_FORMAT"),
            )
        elif article.status == Status.PUBLISHED:
            message = f"“{article}” is published."
        else:
            message = f"“{article}” is now {article.get_status_display().lower()}."
        self.message_user(request, message, messages.INFO)

    def save_formset(self, request, form, formset, change):
        if formset.model is ArticleAuthor:
            return save_bylines(formset)
        if formset.model is ArticleNote:
            notes = formset.save(commit=False)
            for note in notes:
                if note.pk is None:
                    note.created_by = request.user
                note.save()
            for note in formset.deleted_objects:
                note.delete()
            if any(editing.note_is_material(note) for note in formset.new_objects):
                # A correction or update note is a material change by definition.
                editing.mark_material_update(form.instance, save=True)
            return None
        if formset.model is PreviewLink:
            now = timezone.now()
            saved = formset.save(commit=False)
            for link_form in formset.forms:
                link = link_form.instance
                if link not in saved:
                    continue
                if link.pk is None:
                    link.created_by = request.user
                    link.article = form.instance
                if link_form.cleaned_data.get("revoke") and link.revoked_at is None:
                    link.revoked_at = now
                link.save()
            return None
        return super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if reversion.is_active():
            # The revision holds the article as saved, with its byline, tags and notes as
            # they are now (tags are added in bulk, without signals).
            article = form.instance
            reversion.add_to_revision(article)
            for row in chain(
                ArticleAuthor.objects.filter(article=article),
                TaggedArticle.objects.filter(content_object=article),
                ArticleNote.objects.filter(article=article),
            ):
                reversion.add_to_revision(row)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(f"Created ({obj.get_status_display().lower()}).")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            parts = []
            before = getattr(obj, "_workflow_from", obj.status)
            if before and before != obj.status:
                labels = dict(Status.choices)
                parts.append(f"Status: {labels[before]} → {labels[obj.status]}.")
            parts.append(entry.get_change_message() or "No fields changed.")
            reversion.set_comment(" ".join(parts))
        return entry

    # Deleting -------------------------------------------------------------------------

    def _record_before_deleting(self, request, articles) -> None:
        """Keep a last revision of each article, so the deleted version can be found."""
        for article in articles:
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment(f"Deleted by {display_name(request.user)}.")
                reversion.add_to_revision(article)

    def delete_model(self, request, obj):
        self._record_before_deleting(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._record_before_deleting(request, queryset)
        super().delete_queryset(request, queryset)

    # Changelist columns ---------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        context = dict(extra_context or {})
        if workflow.can_publish(request.user):
            context["waiting_for_review_url"] = waiting_for_review_url()
            context["waiting_for_review_count"] = Article.objects.filter(
                status=Status.IN_REVIEW
            ).count()
        return super().changelist_view(request, context)

    @admin.display(description="byline")
    def byline(self, article: Article) -> str:
        return join_names([byline.author.name for byline in article.bylines.all()])

    @admin.display(description="status", ordering="status")
    def public_status(self, article: Article) -> str:
        return workflow.state_label(article)

    @admin.display(description="last edit", ordering="updated_at")
    def last_edit(self, article: Article) -> str:
        if article.last_edited_by is None:
            return clock(article.updated_at)
        return f"{display_name(article.last_edited_by)}, {clock(article.updated_at)}"

    @admin.display(description="lead photo")
    def thumbnail(self, article: Article) -> SafeString | None:
        return photo_img(article.lead_photo, LIST_THUMB_SIZE)

    # Read-only fields of the form -----------------------------------------------------

    @admin.display(description="state")
    def workflow_state(self, article: Article) -> SafeString:
        if article.pk is None:
            return format_html('<span class="state state--draft">{}</span>', "New draft")
        return format_html(
            '<span class="state state--{}">{}</span> {}',
            "scheduled" if article.is_scheduled else article.status,
            workflow.state_label(article),
            workflow.state_detail(article),
        )

    @admin.display(description="“Updated” shown to readers")
    def shown_updated(self, article: Article) -> str:
        when = article.shown_updated_at
        if when is None:
            return "No — readers see only the publish time."
        return f"Updated {date_format(timezone.localtime(when), 'DATETIME_FORMAT')}"

    @admin.display(description="the photo")
    def lead_photo_card(self, article: Article) -> SafeString:
        return writing.lead_photo_panel(article)

    @admin.display(description="Audio length")
    def audio_length(self, article: Article) -> str:
        return article.audio_length_text or "—"

    # Actions ---------------------------------------------------------------------------

    def _bulk_move(self, request, queryset, new_status: str, verb: str, comment: str) -> int:
        """Move each article the user may move to ``new_status``; return how many moved."""
        moved = 0
        for article in queryset.select_related("lead_photo"):
            try:
                moved += editing.move(article, new_status, request.user, comment=comment)
            except editing.MoveRefused as refused:
                if refused.validation_error is not None:
                    message = self._refusal(article, refused.validation_error)
                else:
                    message = f"“{article}” was not {verb}: {refused}."
                self.message_user(request, message, messages.ERROR)
        return moved

    @staticmethod
    def _count(n: int) -> str:
        return f"{n} article{'s' if n != 1 else ''}"

    @admin.action(description="Submit selected articles for review", permissions=("change",))
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        moved = self._bulk_move(
            request, queryset, Status.IN_REVIEW, "submitted", "Submitted for review (action)."
        )
        if moved:
            self.message_user(
                request, f"Submitted {self._count(moved)} for review.", messages.SUCCESS
            )

    @admin.action(description="Publish selected articles", permissions=("publish",))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        """Publish each article the form would let publish; report the ones it would refuse."""
        moved = self._bulk_move(
            request, queryset, Status.PUBLISHED, "published", "Published (action)."
        )
        if moved:
            self.message_user(request, f"Published {self._count(moved)}.", messages.SUCCESS)

    def _refusal(self, article: Article, exc: ValidationError) -> SafeString:
        reason = " ".join(exc.messages)
        if article.lead_photo_id:
            return format_html(
                '“{}” was not published: {} <a href="{}">Edit the photo</a>.',
                article,
                reason,
                reverse("admin:photos_photo_change", args=(article.lead_photo_id,)),
            )
        return format_html("“{}” was not published: {}", article, reason)

    @admin.action(description="Unpublish selected articles", permissions=("publish",))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        """Take published (or scheduled) articles off the site; they keep their publish time."""
        moved = self._bulk_move(
            request,
            queryset.filter(status=Status.PUBLISHED),
            Status.UNPUBLISHED,
            "unpublished",
            "Unpublished (action).",
        )
        self.message_user(request, f"Unpublished {self._count(moved)}.", messages.SUCCESS)


@admin.register(PreviewLink)
class PreviewLinkAdmin(admin.ModelAdmin):
    """Every preview link in one list, to see which drafts are out and revoke links."""

    list_display = ("article", "recipient", "link_state", "expires_at", "created_by", "created_at")
    list_select_related = ("article", "created_by")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("article__headline", "recipient")
    fields = ("article", "recipient", "expires_at", "link_state", "created_by", "created_at")
    readonly_fields = ("article", "link_state", "created_by", "created_at")
    actions = ("revoke",)

    def has_add_permission(self, request) -> bool:
        return False  # links are made on the article's page

    @admin.display(description="state")
    def link_state(self, link: PreviewLink) -> str:
        return link.state

    @admin.action(description="Revoke selected preview links", permissions=("change",))
    def revoke(self, request: HttpRequest, queryset: QuerySet[PreviewLink]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request, f"Revoked {count} link{'s' if count != 1 else ''}.", messages.SUCCESS
        )


def extend_article_admin(*, inline: type | None = None, action=None, panel=None) -> None:
    """Add an app's inline (after the article's own), action or top panel to the article admin.

    Apps built on articles (narration, live) register theirs here from their own ``admin``
    module, so the article admin never imports them.
    """
    if inline is not None and inline not in ArticleAdmin.inlines:
        ArticleAdmin.inlines = (*ArticleAdmin.inlines, inline)
    if action is not None and action not in ArticleAdmin.actions:
        ArticleAdmin.actions = (*ArticleAdmin.actions, action)
    if panel is not None and panel not in ArticleAdmin.top_panels:
        ArticleAdmin.top_panels = (*ArticleAdmin.top_panels, panel)
