"""Comment moderation: a queue of pending comments with approve / reject / spam bulk actions,
and the per-article "comments closed" switch."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from . import services
from .models import ArticleCommentState, Comment
from .text import count_links


class StatusFilter(admin.SimpleListFilter):
    """Filter by status; the queue (pending comments) unless another status is chosen."""

    title = "status"
    parameter_name = "status"
    default = Comment.Status.PENDING
    everything = "all"

    def lookups(self, request, model_admin):
        return [
            (Comment.Status.PENDING, "Pending (the queue)"),
            (Comment.Status.APPROVED, "Approved"),
            (Comment.Status.REJECTED, "Rejected"),
            (Comment.Status.SPAM, "Spam"),
            (self.everything, "All"),
        ]

    def value(self) -> str:
        return super().value() or self.default

    def queryset(self, request, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        value = self.value()
        if value == self.everything:
            return queryset
        return queryset.filter(status=value)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("excerpt", "article", "name", "status", "created_at", "links", "is_reply")
    list_display_links = ("excerpt",)
    list_filter = (StatusFilter, "created_at")
    list_select_related = ("article",)
    search_fields = ("name", "email", "text", "article__headline", "ip_address")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_per_page = 50
    actions = ("approve", "reject", "mark_spam", "close_comments")
    fieldsets = (
        (None, {"fields": ("article", "parent", "name", "text", "status")}),
        (
            "Private (never shown on the site)",
            {"fields": ("email", "ip_address", "user_agent")},
        ),
        ("Moderation", {"fields": ("created_at", "moderated_by", "moderated_at", "links")}),
    )
    readonly_fields = (
        "article",
        "parent",
        "email",
        "ip_address",
        "user_agent",
        "created_at",
        "moderated_by",
        "moderated_at",
        "links",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # comments come from readers

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("comments.moderate_comment")

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        fields = super().get_readonly_fields(request, obj)
        if not self.has_moderate_permission(request):
            fields = (*fields, "status")
        return fields

    def save_model(self, request: HttpRequest, obj: Comment, form, change: bool) -> None:
        if "status" in form.changed_data:
            obj.moderated_by = request.user
            obj.moderated_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.display(description="comment")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.text).chars(80)

    @admin.display(description="links")
    def links(self, comment: Comment) -> int:
        return count_links(comment.text)

    @admin.display(description="reply", boolean=True)
    def is_reply(self, comment: Comment) -> bool:
        return comment.parent_id is not None

    def _moderate(self, request: HttpRequest, queryset: QuerySet[Comment], status: str) -> None:
        count = services.moderate(queryset, status, request.user)
        label = Comment.Status(status).label.lower()
        self.message_user(request, f"{count} comment{'s' if count != 1 else ''} marked {label}.")

    @admin.action(description="Approve the selected comments", permissions=("moderate",))
    def approve(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._moderate(request, queryset, Comment.Status.APPROVED)

    @admin.action(description="Reject the selected comments", permissions=("moderate",))
    def reject(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._moderate(request, queryset, Comment.Status.REJECTED)

    @admin.action(description="Mark the selected comments as spam", permissions=("moderate",))
    def mark_spam(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        self._moderate(request, queryset, Comment.Status.SPAM)

    @admin.action(
        description="Close comments on the articles of the selected comments",
        permissions=("moderate",),
    )
    def close_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        articles = {comment.article for comment in queryset.select_related("article")}
        count = services.set_comments_closed(articles, True, request.user)
        self.message_user(
            request, f"Comments closed on {count} article{'s' if count != 1 else ''}."
        )


@admin.register(ArticleCommentState)
class ArticleCommentStateAdmin(admin.ModelAdmin):
    list_display = ("article", "closed", "changed_at", "changed_by", "view_on_site_link")
    list_filter = ("closed",)
    list_select_related = ("article", "changed_by")
    search_fields = ("article__headline",)
    autocomplete_fields = ("article",)
    fields = ("article", "closed", "changed_at", "changed_by")
    readonly_fields = ("changed_at", "changed_by")
    actions = ("close", "reopen")

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "article") if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: ArticleCommentState, form, change) -> None:
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="article page")
    def view_on_site_link(self, state: ArticleCommentState) -> str:
        return format_html('<a href="{}">View</a>', state.article.get_absolute_url())

    def _set(self, request: HttpRequest, queryset, closed: bool) -> None:
        articles = [state.article for state in queryset.select_related("article")]
        count = services.set_comments_closed(articles, closed, request.user)
        verb = "closed" if closed else "reopened"
        self.message_user(
            request, f"Comments {verb} on {count} article{'s' if count != 1 else ''}."
        )

    @admin.action(description="Close comments on the selected articles", permissions=("change",))
    def close(self, request: HttpRequest, queryset) -> None:
        self._set(request, queryset, True)

    @admin.action(description="Reopen comments on the selected articles", permissions=("change",))
    def reopen(self, request: HttpRequest, queryset) -> None:
        self._set(request, queryset, False)
