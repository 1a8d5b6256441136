"""The tag desk: usage counts, likely duplicates, merge and rename, and their log.

Who may do what:

- see tags and the likely duplicates: ``taggit.view_tag`` (or ``change_tag``);
- merge tags: ``articles.merge_tags`` (the action, the merge page and its POST);
- rename a tag (its name or slug): ``taggit.change_tag`` **and** ``articles.merge_tags``;
  with ``change_tag`` alone the name and slug are read-only, because a rename changes
  public URLs and is logged like a merge;
- add a tag: ``taggit.add_tag``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from .. import tags as tag_desk
from ..models import TagChange, TagRedirect

MERGE_PERMISSION = "articles.merge_tags"

# taggit registers its own Tag admin, which edits the generic TaggedItem table our
# articles and photos do not use; this one replaces it.
if admin.site.is_registered(Tag):
    admin.site.unregister(Tag)


def may_merge_tags(request: HttpRequest) -> bool:
    """Return whether the user may merge and rename tags."""
    return request.user.has_perm(MERGE_PERMISSION)


def merge_url(tag_ids) -> str:
    """Return the admin URL of the merge page with ``tag_ids`` selected."""
    return f"{reverse('admin:taggit_tag_merge')}?{urlencode({'tags': list(tag_ids)}, doseq=True)}"


class UsageFilter(admin.SimpleListFilter):
    title = "usage"
    parameter_name = "usage"

    def lookups(self, request, model_admin):
        return (("unused", "Unused"), ("articles", "On articles"), ("photos", "On photos"))

    def queryset(self, request, queryset):
        match self.value():
            case "unused":
                return queryset.filter(usage_count=0)
            case "articles":
                return queryset.filter(article_count__gt=0)
            case "photos":
                return queryset.filter(photo_count__gt=0)
        return queryset


class MergeTagsForm(forms.Form):
    """The tags to merge and the one of them to keep."""

    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "invalid_choice": "A tag you selected no longer exists: someone merged or deleted "
            "it after you opened this page. The tags below are the ones left.",
            "invalid_pk_value": "“%(pk)s” is not a tag.",
            "required": "Select at least two tags to merge.",
        },
    )
    keep = forms.ModelChoiceField(
        queryset=Tag.objects.all(),
        label="Tag to keep",
        error_messages={
            "required": "Pick the tag to keep.",
            "invalid_choice": "That tag no longer exists; pick another one.",
        },
    )

    def clean(self):
        cleaned = super().clean()
        tags, keep = cleaned.get("tags"), cleaned.get("keep")
        if tags is None and "tags" in self.errors:
            # Some are gone: still say when too few are left to merge.
            ids = [i for i in self.data.getlist(self.add_prefix("tags")) if str(i).isdigit()]
            if Tag.objects.filter(pk__in=ids).count() < 2:
                self.add_error("tags", "Select at least two tags to merge.")
        if tags is not None and len(tags) < 2:
            raise forms.ValidationError("Select at least two tags to merge.")
        if tags is not None and keep is not None and keep not in tags:
            self.add_error("keep", "The tag to keep must be one of the tags being merged.")
        return cleaned


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "article_count", "photo_count", "usage_count")
    list_filter = (UsageFilter,)
    ordering = (Lower("name"), "pk")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    actions = ("merge_selected",)
    readonly_fields = ("old_slugs",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return tag_desk.with_usage(super().get_queryset(request))

    def get_urls(self):
        return [
            path(
                "duplicates/",
                self.admin_site.admin_view(self.duplicates_view),
                name="taggit_tag_duplicates",
            ),
            path("merge/", self.admin_site.admin_view(self.merge_view), name="taggit_tag_merge"),
            *super().get_urls(),
        ]

    # ------------------------------------------------------------ columns

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, tag: Tag) -> int:
        return tag.article_count

    @admin.display(description="photos", ordering="photo_count")
    def photo_count(self, tag: Tag) -> int:
        return tag.photo_count

    @admin.display(description="total uses", ordering="usage_count")
    def usage_count(self, tag: Tag) -> int:
        return tag.usage_count

    @admin.display(description="old slugs that redirect here")
    def old_slugs(self, tag: Tag):
        slugs = [r.old_slug for r in tag.redirects.all()] if tag.pk else []
        if not slugs:
            return "—"
        return format_html_join(", ", "<code>{}</code>", ((s,) for s in slugs))

    # ------------------------------------------------------------ rename

    def has_merge_tags_permission(self, request: HttpRequest) -> bool:
        return may_merge_tags(request)

    def get_fieldsets(self, request: HttpRequest, obj: Tag | None = None):
        if obj is None:
            return ((None, {"fields": ("name", "slug")}),)
        description = (
            None
            if may_merge_tags(request)
            else "Renaming a tag changes its public URL, so the name and slug can only be "
            "changed with the “Can merge and rename tags” permission."
        )
        return ((None, {"fields": ("name", "slug", "old_slugs"), "description": description}),)

    def get_readonly_fields(self, request: HttpRequest, obj: Tag | None = None):
        if obj is not None and not may_merge_tags(request):
            return ("name", "slug", "old_slugs")
        return self.readonly_fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Tag | None = None):
        return {} if obj is not None else self.prepopulated_fields

    def save_model(self, request: HttpRequest, obj: Tag, form, change: bool) -> None:
        if change and {"name", "slug"} & set(form.changed_data):
            if not may_merge_tags(request):  # read-only fields make this unreachable
                raise PermissionDenied
            tag_desk.rename_tag(obj, obj.name, obj.slug, request.user)
        else:
            super().save_model(request, obj, form, change)

    # ------------------------------------------------------------ duplicates and merge

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        extra_context = {
            "duplicates_url": reverse("admin:taggit_tag_duplicates"),
            "tag_log_url": (
                reverse("admin:articles_tagchange_changelist")
                if request.user.has_perm("articles.view_tagchange")
                else None
            ),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description="Merge selected tags…", permissions=("merge_tags",))
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Tag]):
        ids = sorted(queryset.values_list("pk", flat=True))
        if len(ids) < 2:
            self.message_user(request, "Select at least two tags to merge.", messages.WARNING)
            return None
        return HttpResponseRedirect(merge_url(ids))

    def duplicates_view(self, request: HttpRequest) -> HttpResponse:
        """List groups of tags whose names differ only in case, spacing, accents or plural."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        tags = self.get_queryset(request).order_by("-usage_count", "name")
        can_merge = may_merge_tags(request)
        groups = [
            {"tags": group, "merge_url": merge_url(t.pk for t in group) if can_merge else None}
            for group in tag_desk.find_duplicate_groups(tags)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Likely duplicate tags",
            "groups": groups,
            "can_merge": can_merge,
        }
        return TemplateResponse(request, "admin/taggit/tag/duplicates.html", context)

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        """Show the tags to merge, let the editor pick the one to keep, and merge them."""
        if not may_merge_tags(request):
            raise PermissionDenied
        changelist = reverse("admin:taggit_tag_changelist")
        if request.method == "POST":
            form = MergeTagsForm(request.POST)
            ids = request.POST.getlist("tags")
        else:
            form = MergeTagsForm()
            ids = request.GET.getlist("tags")
        tags = list(
            self.get_queryset(request)
            .filter(pk__in=[i for i in ids if i.isdigit()])
            .order_by("-usage_count", "name")
        )
        if len(tags) < 2 and not form.is_bound:
            self.message_user(request, "Select at least two tags to merge.", messages.WARNING)
            return HttpResponseRedirect(changelist)

        if form.is_bound and form.is_valid():
            keep = form.cleaned_data["keep"]
            others = [t for t in form.cleaned_data["tags"] if t.pk != keep.pk]
            change = tag_desk.merge_tags(keep, others, request.user)
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">Edit “{}”</a> to rename it.',
                    change.summary,
                    reverse("admin:taggit_tag_change", args=[keep.pk]),
                    keep.name,
                ),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(changelist)

        # Preselect the most used tag; after an error, what the editor picked.
        keep_id = form.data.get("keep") if form.is_bound else str(tags[0].pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Merge tags",
            "tags": tags,
            "form": form,
            "keep_id": keep_id,
            "changelist_url": changelist,
        }
        return TemplateResponse(request, "admin/taggit/tag/merge.html", context)


class TagRedirectForm(forms.ModelForm):
    class Meta:
        model = TagRedirect
        fields = ("old_slug", "tag")

    def clean_old_slug(self) -> str:
        old_slug = self.cleaned_data["old_slug"]
        if Tag.objects.filter(slug=old_slug).exists():
            raise forms.ValidationError(
                "A tag has this slug: its page is shown, never redirected. Merge or rename it."
            )
        return old_slug


@admin.register(TagRedirect)
class TagRedirectAdmin(admin.ModelAdmin):
    form = TagRedirectForm
    list_display = ("old_slug", "tag", "created_at")
    list_select_related = ("tag",)
    search_fields = ("old_slug", "tag__name")
    autocomplete_fields = ("tag",)
    readonly_fields = ("created_at",)


@admin.register(TagChange)
class TagChangeAdmin(admin.ModelAdmin):
    """The merge and rename log: read-only, written by the tag desk's services."""

    list_display = ("changed_at", "action", "summary", "changed_by")
    list_select_related = ("changed_by",)
    list_filter = ("action", "changed_at")
    search_fields = ("summary",)
    date_hierarchy = "changed_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
