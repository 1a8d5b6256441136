"""Asking for a narration: one place for the admin action, the command and the signal."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from articles.models import Article

from .models import Narration
from .tasks import generate_narration


def request_narration(article: Article, user=None) -> Narration:
    """Queue a narration of ``article`` (once the current transaction commits)."""
    narration, _ = Narration.objects.update_or_create(
        article=article,
        defaults={
            "status": Narration.Status.QUEUED,
            "progress": 0,
            "message": "Waiting for a worker",
            "requested_by": user if user and user.is_authenticated else None,
            "requested_at": timezone.now(),
            "finished_at": None,
        },
    )

    def enqueue() -> None:
        result = generate_narration.enqueue(narration.pk)
        Narration.objects.filter(pk=narration.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    return narration
