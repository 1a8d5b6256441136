"""Model fields and mixins every app shares: who did it, and slugs made from names."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import slugify


def unique_slug(instance: models.Model, value: str, field: str = "slug") -> str:
    """Return a slug of ``value`` unique among ``instance``'s model rows ("name", "name-2", …)."""
    max_length = instance._meta.get_field(field).max_length
    base = slugify(value, allow_unicode=False)[:max_length].strip("-") or "item"
    candidate, n = base, 2
    others = type(instance)._default_manager.exclude(pk=instance.pk)
    while others.filter(**{field: candidate}).exists():
        suffix = f"-{n}"
        candidate = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return candidate


def recorded_user(*, editable: bool = False) -> models.ForeignKey:
    """Return a field recording which user did something; it outlives the user (SET_NULL)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=editable,
    )


class SlugFromNameMixin:
    """Fill an empty ``slug`` from ``name`` on save, unique among the model's rows."""

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        super().save(*args, **kwargs)
