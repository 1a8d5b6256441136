"""The background task that reads an article aloud (Django's tasks framework).

Development and tests run it at once (ImmediateBackend); production queues it in the
database (django-tasks-db) for ``manage.py db_worker``.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from articles.audio import inspect_audio
from articles.models import Article
from newsroom.pagecache import instance_key, purge

from .backends import NarrationError, get_backend
from .models import Narration, text_digest
from .text import narration_text


def _report(narration_id: int, **fields) -> None:
    Narration.objects.filter(pk=narration_id).update(**fields)


@task()
def generate_narration(narration_id: int) -> str:
    """Speak the article, store the MP3 through the storage API and flag it AI-made."""
    narration = Narration.objects.select_related("article").get(pk=narration_id)
    article = narration.article
    _report(narration_id, status=Narration.Status.RUNNING, progress=0, message="Starting")
    text = narration_text(article)
    try:
        mp3 = get_backend().synthesize(
            text, progress=lambda pct, msg: _report(narration_id, progress=pct, message=msg)
        )
        info = inspect_audio(mp3)
        if info is None:
            raise NarrationError("The engine's output is not playable audio.")
    except NarrationError as error:
        _report(
            narration_id,
            status=Narration.Status.FAILED,
            message=str(error)[:300],
            finished_at=timezone.now(),
        )
        return "failed"
    _report(narration_id, progress=95, message="Storing")
    field = Article._meta.get_field("audio")
    name = field.storage.save(
        field.generate_filename(article, f"narration-{article.slug}.mp3"), ContentFile(mp3)
    )
    # An UPDATE, not save(): the editor may have the article open. Raising the version
    # still makes their form warn before it could put back the old audio settings.
    Article.objects.filter(pk=article.pk).update(
        audio=name,
        audio_ai_generated=True,
        audio_duration=info.seconds,
        version=F("version") + 1,
    )
    purge({instance_key(article)})  # the article's page offers the audio
    _report(
        narration_id,
        status=Narration.Status.DONE,
        progress=100,
        message=f"{info.seconds} s of audio",
        text_digest=text_digest(text),
        finished_at=timezone.now(),
    )
    return name
