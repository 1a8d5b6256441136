"""Template helpers of live coverage pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def update_time(value: datetime | None) -> str:
    """24-hour time in the newsroom's zone, "14:32"; with the date before it when not today."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    if local.year == timezone.localdate().year:
        return f"{date_format(local, 'j M')} {local:%H:%M}"
    return f"{date_format(local, 'j M Y')} {local:%H:%M}"
