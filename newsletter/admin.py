"""Subscribers in the admin: read-only (only the reader's own confirmation subscribes),
filterable by status, searchable, exported as CSV."""

import csv

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import DigestDelivery, Subscriber

CSV_FIELDS = (
    "email",
    "status",
    "created_at",
    "confirmation_sent_at",
    "confirmed_at",
    "unsubscribed_at",
)


def csv_cell(value: object) -> str:
    """Return ``value`` for a CSV cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "created_at", "confirmed_at", "unsubscribed_at")
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("email",)
    date_hierarchy = "created_at"
    readonly_fields = CSV_FIELDS
    fields = CSV_FIELDS
    actions = ("export_csv",)
    show_full_result_count = False

    # Double opt-in: an address becomes a subscriber only by confirming it itself, so
    # nobody adds or edits one here. Deleting (an erasure request) stays possible.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Subscriber | None = None) -> bool:
        return False

    @admin.action(description="Export selected as CSV", permissions=("view",))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> HttpResponse:
        """Return the selected subscribers (use "Select all" for every one) as a CSV file."""
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_FIELDS)
        for row in queryset.order_by("email").values_list(*CSV_FIELDS).iterator(2000):
            writer.writerow(
                [csv_cell(timezone.localtime(v) if hasattr(v, "tzinfo") else v) for v in row]
            )
        return response


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ("date", "subscriber", "sent_at")
    list_filter = ("date",)
    search_fields = ("subscriber__email",)
    list_select_related = ("subscriber",)
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
