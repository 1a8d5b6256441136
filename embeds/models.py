"""What the newsroom knows of each embedded post: its snapshot, fetched once, kept here.

A body stores an embed as ``<figure class="embed" data-embed-url="…">`` (the canonical
URL of ``embeds.providers``); this row, keyed by that URL, holds what the facade shows
before a reader asks for the real embed: title, author, time and a thumbnail copied
into our storage. Pages read every embed of a body in one query.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from photos.models import Photo

from . import providers


class Embed(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for its snapshot"
        READY = "ready", "Snapshot kept"
        FAILED = "failed", "No snapshot (a plain facade)"
        NONE = "none", "Nothing to fetch (the provider has no oEmbed)"

    url = models.URLField(max_length=providers.MAX_URL_LENGTH, unique=True)
    provider = models.CharField(max_length=30)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    title = models.CharField(max_length=300, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(
        "duration (seconds)", null=True, blank=True, help_text="Videos: their length."
    )
    thumbnail = models.ForeignKey(
        Photo,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Copied into the photo library, credited to the provider and author.",
    )
    error = models.TextField(blank=True, help_text="Why the last fetch failed, for the desk.")
    fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=("pending", "ready", "failed", "none")),
                name="embed_status_valid",
            ),
        )
        verbose_name = "embed"
        verbose_name_plural = "embeds"

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def match(self) -> providers.Match | None:
        return providers.match(self.url)
