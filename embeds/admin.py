"""The desk's list of embedded posts: what each is, its snapshot, where it is used.

Nothing is edited by hand: a row is made when a body embeds its URL and its snapshot is
the provider's. The desk reads why a snapshot failed and asks for it again ("Refresh
snapshot"). "Used in" reads the bodies of the models ``EMBEDS_USED_IN`` names (this app
sits below ``articles`` and ``live``): the list counts the uses of a whole page in one
query per model, the change view links each.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from photos.admin import photo_img

from . import services
from .models import Embed

LIST_THUMB_SIZE = 64
PREVIEW_SIZE = 320


@admin.register(Embed)
class EmbedAdmin(admin.ModelAdmin):
    list_display = (
        "thumb",
        "shown_title",
        "link",
        "provider",
        "status",
        "author_name",
        "fetched_at",
        "uses",
        "short_error",
    )
    list_display_links = ("shown_title",)
    list_filter = ("provider", "status")
    search_fields = ("url", "title", "author_name")
    list_select_related = ("thumbnail",)
    list_per_page = 50
    actions = ("refresh_snapshot",)
    # Everything is read-only: the snapshot comes from the provider (refresh it instead).
    SUMMARY = ("link", "provider", "status", "error", "used_in")
    SNAPSHOT = (
        "preview",
        "title",
        "author_name",
        "author_url",
        "published_at",
        "duration",
        "thumbnail",
        "fetched_at",
        "created_at",
    )
    fieldsets = ((None, {"fields": SUMMARY}), ("Snapshot", {"fields": SNAPSHOT}))
    readonly_fields = (*SUMMARY, *SNAPSHOT)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a row is made when a body embeds its URL

    def get_changelist_instance(self, request: HttpRequest):
        """The page's rows, each with how many objects use it: one query per model."""
        changelist = super().get_changelist_instance(request)
        counts = services.use_counts([embed.url for embed in changelist.result_list])
        for embed in changelist.result_list:
            embed.use_count = counts.get(embed.url, 0)
        return changelist

    @admin.display(description="thumbnail")
    def thumb(self, embed: Embed) -> SafeString | None:
        return photo_img(embed.thumbnail, LIST_THUMB_SIZE, alt="")

    @admin.display(description="title", ordering="title")
    def shown_title(self, embed: Embed) -> str:
        return embed.title or "(no title)"

    @admin.display(description="URL", ordering="url")
    def link(self, embed: Embed) -> SafeString:
        return format_html('<a href="{0}" rel="noopener noreferrer">{0}</a>', embed.url)

    @admin.display(description="used in")
    def uses(self, embed: Embed) -> int | str:
        return getattr(embed, "use_count", "—")

    @admin.display(description="error")
    def short_error(self, embed: Embed) -> str:
        return embed.error if len(embed.error) <= 80 else embed.error[:79] + "…"

    @admin.display(description="thumbnail")
    def preview(self, embed: Embed) -> SafeString | str:
        return photo_img(embed.thumbnail, PREVIEW_SIZE) or "—"

    @admin.display(description="used in")
    def used_in(self, embed: Embed) -> SafeString | str:
        uses = services.used_in([embed.url])[embed.url]
        if not uses:
            return "Not embedded in any article or live update now."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{}: {}</li>", ((obj._meta.verbose_name, _object_link(obj)) for obj in uses)
            ),
        )

    @admin.action(description="Refresh snapshot", permissions=["change"])
    def refresh_snapshot(self, request: HttpRequest, queryset: QuerySet[Embed]) -> None:
        embeds = list(queryset)
        queued = services.refresh(embeds)
        if queued:
            self.message_user(
                request,
                f"Fetching {queued} snapshot{'s' if queued != 1 else ''} again; "
                "the list shows the result when it is done.",
                messages.SUCCESS,
            )
        if skipped := len(embeds) - queued:
            self.message_user(
                request,
                f"{skipped} embed{'s have' if skipped != 1 else ' has'} no snapshot to fetch "
                "(the provider has no oEmbed, e.g. Telegram).",
                messages.WARNING,
            )


def _object_link(obj) -> SafeString | str:
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(obj)
    return format_html('<a href="{}">{}</a>', url, str(obj))
