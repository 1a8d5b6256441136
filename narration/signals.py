"""Regenerate a narration when the article's text changes, if the editor asked for that."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from articles.models import Article

from .models import Narration, text_digest
from .services import request_narration
from .text import narration_text


@receiver(post_save, sender=Article, dispatch_uid="narration-regenerate-on-change")
def regenerate_when_text_changes(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    narration = (
        Narration.objects.filter(article=instance, regenerate_on_change=True)
        .exclude(status__in=(Narration.Status.QUEUED, Narration.Status.RUNNING))
        .first()
    )
    if narration and narration.text_digest != text_digest(narration_text(instance)):
        request_narration(instance, narration.requested_by)
