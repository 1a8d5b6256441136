"""Live updates in the admin: their own list and form, and the box on the live article's page.

Who may do what is ``live.workflow``'s: contributors' updates wait as drafts (the status
field offers them nothing else), editors publish, change and delete every update. Every
save records a revision (django-reversion's VersionAdmin: history and recover) and is
refused when someone saved the update after the form was opened (lost-update protection,
as for articles).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from reversion.admin import VersionAdmin

from articles.admin.articles import (
    ArticleAuthorInline,
    VersionCheckFormMixin,
    extend_article_admin,
    save_bylines,
)
from articles.admin.revisions import clock
from articles.editing import EditConflict, claim_version

from . import admin_views, services, workflow
from .models import LiveUpdate, LiveUpdateAuthor

Status = LiveUpdate.Status


class LiveUpdateAdminForm(VersionCheckFormMixin, forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    conflict_noun = "this update"

    class Meta:
        model = LiveUpdate
        fields = (
            "article",
            "headline",
            "body",
            "photo",
            "status",
            "published_at",
            "key_event",
            "pinned",
            "correction",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_version_check()

    def clean(self):
        cleaned_data = super().clean()
        self._check_version(cleaned_data)
        status = cleaned_data.get("status")
        if (
            self.user is not None
            and status == Status.PUBLISHED
            and self.instance.status != Status.PUBLISHED
            and not workflow.can_publish(self.user)
        ):
            self.add_error("status", "An editor publishes updates: save it as a draft.")
        return cleaned_data


class LiveUpdateAuthorInline(ArticleAuthorInline):
    """An update's byline, edited like an article's (same form, order and help)."""

    model = LiveUpdateAuthor


@admin.register(LiveUpdate)
class LiveUpdateAdmin(VersionAdmin):
    form = LiveUpdateAdminForm
    inlines = (LiveUpdateAuthorInline,)
    list_display = (
        "update_title",
        "article",
        "status",
        "published_time",
        "key_event",
        "pinned",
        "byline",
    )
    list_display_links = ("update_title",)
    list_select_related = ("article",)
    list_filter = ("status", "key_event", "pinned", ("article", admin.RelatedOnlyFieldListFilter))
    search_fields = ("headline", "body", "article__headline")
    autocomplete_fields = ("article", "photo")
    readonly_fields = (
        "corrected_at",
        "version",
        "created_at",
        "created_by",
        "updated_at",
        "last_edited_by",
    )
    actions = ("publish", "unpublish")

    class Media:
        css = {"all": ("css/admin.css", "css/workflow-admin.css")}

    # Permissions ----------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[LiveUpdate]:
        return (
            super()
            .get_queryset(request)
            .select_related("article", "last_edited_by")
            .prefetch_related(
                Prefetch("bylines", queryset=LiveUpdateAuthor.objects.select_related("author"))
            )
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and workflow.can_change(
            request.user, obj
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and workflow.can_delete(
            request.user, obj
        )

    def has_publish_permission(self, request) -> bool:
        return workflow.can_publish(request.user)

    # The form ------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        update = ["article", "headline", "body", "photo"]
        if obj is not None and self.has_change_permission(request, obj):
            update.append("loaded_version")
        return (
            ("Update", {"fields": update}),
            ("Publishing", {"fields": ("status", "published_at", "key_event", "pinned")}),
            ("Correction", {"fields": ("correction", "corrected_at")}),
            (
                "History",
                {
                    "fields": (
                        "version",
                        ("created_at", "created_by"),
                        ("updated_at", "last_edited_by"),
                    )
                },
            ),
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("article")  # an update stays on its article
        if not workflow.can_publish(request.user):
            fields += ["published_at", "pinned"]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        if "status" in form.base_fields:
            if workflow.can_publish(request.user):
                form.base_fields["status"].help_text = "Published updates show at once."
            else:
                form.base_fields["status"].choices = [(Status.DRAFT, Status.DRAFT.label)]
                form.base_fields["status"].help_text = "An editor publishes your update."
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Saved by someone between the check and the save: everything was rolled back;
            # showing the form again reports the conflict.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            claim_version(obj, form.cleaned_data.get("loaded_version") or obj.version)
        else:
            obj.created_by = request.user
        if not workflow.can_publish(request.user):
            obj.status = Status.DRAFT  # the form offers nothing else; a forged POST neither
        if "correction" in form.changed_data:
            obj.corrected_at = timezone.now() if obj.correction.strip() else None
        obj.last_edited_by = request.user
        super().save_model(request, obj, form, change)
        if obj.pinned and obj.status == Status.PUBLISHED:
            services.unpin_others(obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is LiveUpdateAuthor:
            return save_bylines(formset)
        return super().save_formset(request, form, formset, change)

    def _back_to_article(self, request, article_id: int) -> HttpResponseRedirect | None:
        if request.GET.get("from") != "article":
            return None
        return HttpResponseRedirect(admin_views.article_page(article_id))

    def response_add(self, request, obj, post_url_continue=None):
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            back = self._back_to_article(request, obj.article_id)
            if back is not None:
                self.message_user(request, f"“{obj}” was added.", messages.SUCCESS)
                return back
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            back = self._back_to_article(request, obj.article_id)
            if back is not None:
                self.message_user(request, f"“{obj}” was changed.", messages.SUCCESS)
                return back
        return super().response_change(request, obj)

    def delete_model(self, request, obj):
        request._live_article_id = obj.article_id
        super().delete_model(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        article_id = getattr(request, "_live_article_id", None)
        back = self._back_to_article(request, article_id) if article_id else None
        if back is not None:
            self.message_user(request, f"“{obj_display}” was deleted.", messages.SUCCESS)
            return back
        return super().response_delete(request, obj_display, obj_id)

    def delete_queryset(self, request, queryset):
        """Delete the selected updates the user may delete; say which were kept."""
        refused = 0
        for update in queryset:
            if workflow.can_delete(request.user, update):
                update.delete()
            else:
                refused += 1
        if refused:
            self.message_user(
                request,
                f"{refused} update(s) were not deleted: only editors delete others' updates "
                "and published ones.",
                messages.WARNING,
            )

    # URLs -----------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "post/<int:article_id>/",
                view(admin_views.post_update_view),
                name="live_liveupdate_post",
            ),
            path(
                "<int:update_id>/status/",
                view(admin_views.status_view),
                name="live_liveupdate_status",
            ),
            *super().get_urls(),
        ]

    # Columns --------------------------------------------------------------------------

    @admin.display(description="update")
    def update_title(self, update: LiveUpdate) -> str:
        return update.title

    @admin.display(description="published", ordering="published_at")
    def published_time(self, update: LiveUpdate) -> str:
        return clock(update.published_at) if update.published_at else "—"

    @admin.display(description="authors")
    def byline(self, update: LiveUpdate) -> str:
        return ", ".join(author.name for author in update.credited_authors) or "—"

    # Actions --------------------------------------------------------------------------

    def _set_status(self, request, queryset, status: str) -> int:
        done = 0
        for update in queryset.select_related("photo"):
            if not workflow.can_change(request.user, update):
                continue
            try:
                before = update.status
                services.set_status(update, status, request.user)
                done += before != status
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"“{update}” was not published: {' '.join(exc.messages)}",
                    messages.ERROR,
                )
        return done

    @admin.action(description="Publish selected updates", permissions=("publish",))
    def publish(self, request: HttpRequest, queryset: QuerySet[LiveUpdate]) -> None:
        done = self._set_status(request, queryset, Status.PUBLISHED)
        self.message_user(request, f"Published {done} update(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected updates", permissions=("publish",))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[LiveUpdate]) -> None:
        done = self._set_status(request, queryset, Status.DRAFT)
        self.message_user(request, f"Unpublished {done} update(s).", messages.SUCCESS)


extend_article_admin(panel=admin_views.live_panel)
