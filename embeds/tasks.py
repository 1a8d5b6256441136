"""The background task that takes an embed's snapshot (Django's tasks framework).

Development and tests run it at once (ImmediateBackend); production queues it in the
database (django-tasks-db) for ``manage.py db_worker``. It never raises: a failure is
the embed's ``status=failed`` and ``error``.
"""

from __future__ import annotations

from django.tasks import task

from .fetch import take_snapshot
from .models import Embed


@task()
def fetch_snapshot(embed_id: int, force: bool = False) -> str:
    """Take the snapshot of embed ``embed_id`` if it still waits for one (or ``force``)."""
    embed = Embed.objects.filter(pk=embed_id).first()
    if embed is None:
        return "gone"
    if not force and embed.status != Embed.Status.PENDING:
        return embed.status  # taken meanwhile (a second save queued it again)
    return take_snapshot(embed)
