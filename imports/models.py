"""What an import remembers: where each record came from, and the old site's addresses."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class SourceRecord(models.Model):
    """One row of ours made from one record of an export (``source`` + ``source_id``).

    A second run finds the row by this, not by its slug, and knows from ``fingerprint``
    whether the export changed it since.
    """

    source = models.CharField(max_length=200, help_text="“ghost:example.org”, “wordpress:…”")
    source_id = models.CharField(max_length=200)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    fingerprint = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("source", "content_type", "source_id"), name="source_record_once"
            ),
        )
        indexes = (models.Index(fields=("content_type", "object_id"), name="source_target_idx"),)

    def __str__(self) -> str:
        return f"{self.source} {self.content_type.model} {self.source_id}"


class LegacyRedirect(models.Model):
    """An address of the old site that answers 301 to the page of ours that replaced it.

    Consulted only when a path would answer 404 (and for WordPress's ``/?p=<id>``), so
    it never shadows a page of ours (``imports.middleware``).
    """

    old_path = models.CharField(max_length=500, unique=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("old_path",)

    def __str__(self) -> str:
        return self.old_path
