"""The state of an article's narration: queued, speaking, done or failed, with progress."""

from __future__ import annotations

import hashlib

from django.db import models

from newsroom.fields import recorded_user


class Narration(models.Model):
    class Status(models.TextChoices):
        IDLE = "idle", "Not generated"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Generating"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="narration"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.IDLE)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    message = models.CharField(max_length=300, blank=True)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    text_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Digest of the text last read aloud."
    )
    regenerate_on_change = models.BooleanField(
        "regenerate when the text changes",
        default=False,
        help_text="Make the audio again whenever the headline, dek or body changes.",
    )
    requested_by = recorded_user()
    requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "narration"
        verbose_name_plural = "narrations"

    def __str__(self) -> str:
        return f"Narration of “{self.article}”: {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
