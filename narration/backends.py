"""Text-to-speech engines. ``settings.NARRATION_BACKEND`` names the one in use.

A backend turns plain text into MP3 bytes. The default drives Debian's ``espeak-ng``
(local, no network) and encodes with LAME through ``lameenc``; a newsroom with a better
engine writes a class with the same ``synthesize`` method and names it in the setting.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

import lameenc
from django.conf import settings
from django.utils.module_loading import import_string

Progress = Callable[[int, str], None]


class NarrationError(Exception):
    """The engine could not make the audio; the message says why, for the editor."""


class BaseNarrationBackend(ABC):
    """What ``settings.NARRATION_BACKEND`` names: an engine turning text into MP3."""

    #: Shown in the admin next to the audio.
    name = "text-to-speech"

    @abstractmethod
    def synthesize(self, text: str, progress: Progress | None = None) -> bytes:
        """Return MP3 audio of ``text`` read aloud; raise NarrationError when it cannot."""


class EspeakNGBackend(BaseNarrationBackend):
    """eSpeak NG, speaking in chunks so long articles report progress as they go."""

    name = "eSpeak NG"
    chunk_chars = 2_000

    def __init__(self) -> None:
        options = settings.NARRATION_OPTIONS
        self.voice = options.get("voice", "en-us")
        self.words_per_minute = int(options.get("words_per_minute", 165))
        self.bit_rate = int(options.get("bit_rate", 48))
        self.executable = shutil.which(options.get("executable", "espeak-ng"))

    def synthesize(self, text: str, progress: Progress | None = None) -> bytes:
        if not self.executable:
            raise NarrationError(
                "espeak-ng is not installed on this server (apt install espeak-ng)."
            )
        chunks = split_text(text, self.chunk_chars)
        encoder: lameenc.Encoder | None = None
        mp3 = bytearray()
        with tempfile.TemporaryDirectory() as tmp:
            wav_path = Path(tmp) / "chunk.wav"
            for done, chunk in enumerate(chunks):
                self._speak(chunk, wav_path)
                with wave.open(str(wav_path), "rb") as wav:
                    if encoder is None:
                        encoder = self._encoder(wav)
                    mp3 += encoder.encode(wav.readframes(wav.getnframes()))
                if progress:
                    progress(int(90 * (done + 1) / len(chunks)), "Speaking")
        if encoder is None:
            raise NarrationError("There is no text to read aloud.")
        mp3 += encoder.flush()
        return bytes(mp3)

    def _speak(self, text: str, wav_path: Path) -> None:
        command = [self.executable, "-v", self.voice, "-s", str(self.words_per_minute)]
        command += ["-w", str(wav_path), "--stdin"]
        try:
            subprocess.run(
                command, input=text.encode(), check=True, capture_output=True, timeout=600
            )
        except subprocess.CalledProcessError as error:
            message = (
                error.stderr.decode(errors="replace").strip() or f"exit status {error.returncode}"
            )
            raise NarrationError(f"espeak-ng failed: {message}") from error
        except subprocess.TimeoutExpired as error:
            raise NarrationError("espeak-ng took too long.") from error

    def _encoder(self, wav: wave.Wave_read) -> lameenc.Encoder:
        if wav.getsampwidth() != 2:
            raise NarrationError("espeak-ng produced audio of an unexpected sample width.")
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(self.bit_rate)
        encoder.set_in_sample_rate(wav.getframerate())
        encoder.set_channels(wav.getnchannels())
        encoder.set_quality(5)
        return encoder


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most about ``limit`` characters, at paragraph ends."""
    pieces: list[str] = []
    current = ""
    for paragraph in (p.strip() for p in text.split("\n")):
        if not paragraph:
            continue
        if current and len(current) + len(paragraph) > limit:
            pieces.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        pieces.append(current)
    return pieces


def get_backend() -> BaseNarrationBackend:
    return import_string(settings.NARRATION_BACKEND)()
