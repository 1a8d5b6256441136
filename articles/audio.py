"""Audio files checked by their content, not their name: what they are and how long they last."""

from __future__ import annotations

import io
from dataclasses import dataclass

import mutagen
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

# The containers readers' browsers play, and the type each is served as.
ACCEPTED = {MP3: "audio/mpeg", OggOpus: "audio/ogg", OggVorbis: "audio/ogg", MP4: "audio/mp4"}
FORMAT_NAMES = "MP3, Ogg (Opus or Vorbis) or M4A"


@dataclass(frozen=True)
class AudioInfo:
    mime_type: str
    duration: float  # seconds

    @property
    def seconds(self) -> int:
        return max(1, round(self.duration))


def inspect_audio(data: bytes) -> AudioInfo | None:
    """Return what ``data`` is, when it is audio in a format we accept, else None."""
    try:
        found = mutagen.File(io.BytesIO(data), options=list(ACCEPTED))
    except Exception:  # mutagen raises many kinds of errors on hostile input
        return None
    if found is None or found.info is None:
        return None
    duration = float(getattr(found.info, "length", 0) or 0)
    if isinstance(found, MP4) and not getattr(found.info, "codec", "").startswith("mp4a"):
        return None  # an M4A must carry audio (AAC), not a video track
    return AudioInfo(ACCEPTED[type(found)], duration)


def read_file(file: File) -> bytes:
    """Return the whole content of an uploaded or stored file, leaving it rewound."""
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def validate_audio_file(file: File) -> None:
    """Refuse a file that is not playable audio of a format we serve, with a clear message."""
    limit = settings.AUDIO_MAX_UPLOAD_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            "This audio file is %(size)s; the limit is %(limit)s.",
            code="too_big",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
        )
    info = inspect_audio(read_file(file))
    if info is None:
        raise ValidationError(
            f"This file is not audio we can play. Upload {FORMAT_NAMES}.", code="not_audio"
        )
    if info.duration <= 0:
        raise ValidationError("This audio file has no length: is it empty?", code="empty")
    if info.duration > settings.AUDIO_MAX_SECONDS:
        raise ValidationError(
            "This audio lasts %(minutes)d minutes; the limit is %(limit)d.",
            code="too_long",
            params={
                "minutes": info.duration // 60,
                "limit": settings.AUDIO_MAX_SECONDS // 60,
            },
        )
