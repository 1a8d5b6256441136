"""Narration in the admin: the state beside each article, an action to generate, a list."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from articles import workflow
from articles.admin.articles import OptionalInlineFormSet, extend_article_admin
from articles.models import Article

from .models import Narration
from .services import request_narration


def narration_state(narration: Narration) -> str:
    if narration.pk is None or narration.status == Narration.Status.IDLE:
        return "No narration generated yet. Use the “Generate audio narration” action."
    finished = narration.finished_at.strftime("%Y-%m-%d %H:%M") if narration.finished_at else ""
    return format_html(
        '<progress max="100" value="{}">{} %</progress> <strong>{}</strong> {} {}',
        narration.progress,
        narration.progress,
        narration.get_status_display(),
        narration.message,
        f"({finished})" if finished else "",
    )


class NarrationInline(admin.StackedInline):
    model = Narration
    fields = ("regenerate_on_change", "state")
    readonly_fields = ("state",)
    can_delete = False
    max_num = 1
    extra = 1
    verbose_name_plural = "AI narration"

    @admin.display(description="State")
    def state(self, obj: Narration) -> str:
        return narration_state(obj)


@admin.action(description="Generate audio narration (AI) for selected articles")
def generate_narration(modeladmin, request: HttpRequest, queryset: QuerySet[Article]) -> None:
    """Queue a text-to-speech narration for each article the user may edit."""
    if not request.user.has_perm("narration.add_narration"):
        modeladmin.message_user(
            request, "You may not generate narrations; ask an editor.", messages.ERROR
        )
        return
    allowed = [a for a in queryset if workflow.can_change(request.user, a)]
    if skipped := len(queryset) - len(allowed):
        modeladmin.message_user(
            request, f"Skipped {skipped} article(s) you may not edit.", messages.WARNING
        )
    for article in allowed:
        request_narration(article, request.user)
    if allowed:
        modeladmin.message_user(
            request,
            f"Narration requested for {len(allowed)} article(s). Its progress shows in each "
            "article's “AI narration” box and in the Narrations list.",
            messages.SUCCESS,
        )


class ArticleNarrationInline(NarrationInline):
    formset = OptionalInlineFormSet


extend_article_admin(inline=ArticleNarrationInline, action=generate_narration)


@admin.register(Narration)
class NarrationAdmin(admin.ModelAdmin):
    list_display = ("article", "status", "progress", "message", "requested_by", "finished_at")
    list_filter = ("status",)
    list_select_related = ("article", "requested_by")
    search_fields = ("article__headline",)
    fields = ("article", "regenerate_on_change", "state", "requested_by", "requested_at")
    readonly_fields = ("article", "state", "requested_by", "requested_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # narrations are asked for from the article list or form

    @admin.display(description="State")
    def state(self, obj: Narration) -> str:
        return narration_state(obj)
