"""Upload checks: only complete JPEG, PNG, WebP, GIF (or AVIF) files within the size limits."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models.fields.files import ImageFieldFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError, features

# Whether this machine's Pillow reads and writes AVIF (it needs libavif).
AVIF_SUPPORTED = features.check("avif")
# Formats accepted, decided by the file's content, never by its name: AVIF only where
# Pillow supports it.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", *(("AVIF",) if AVIF_SUPPORTED else ()))
ALLOWED_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "gif", *(("avif",) if AVIF_SUPPORTED else ()))
# Every extension the library may accept on any machine, for the model field's validator:
# the migration state must not depend on the machine's Pillow. Where AVIF is not
# supported, validate_image_file refuses an .avif by its content.
KNOWN_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "gif", "avif")
EXTENSION_OF_FORMAT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}
_FORMAT_LABELS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "AVIF": "AVIF"}


class PhotoRecord(Protocol):
    """What the file pipeline reads and writes of a library photo (``photos.models.Photo``).

    The pipeline is below the model (``Photo.save()`` calls it), so it names this shape
    rather than importing the model.
    """

    pk: Any
    image: ImageFieldFile
    width: int | None
    height: int | None
    focal_x: float
    focal_y: float
    renditions: dict[str, Any]
    _meta: Any


# What Pillow's decoders raise on malformed or cut data.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)


def format_names() -> str:
    """Return the accepted formats as editors read them: "JPEG, PNG, WebP, GIF or AVIF"."""
    labels = [_FORMAT_LABELS[fmt] for fmt in ALLOWED_FORMATS]
    return f"{', '.join(labels[:-1])} or {labels[-1]}"


def _is_avif(head: bytes) -> bool:
    """Return whether a file starts as an AVIF (an ISO-BMFF ``ftyp`` box of brand avif/avis)."""
    return head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis")


def _megapixels(pixels: int) -> str:
    return f"{round(pixels / 1e6, 1):g}"


@contextmanager
def open_image(file: File) -> Iterator[Image.Image]:
    """Yield ``file`` opened by Pillow once its size, format and pixel count are within limits.

    Checks, in order: size in bytes, format by content (Pillow's sniffing restricted
    to ALLOWED_FORMATS, so EPS, BMP, TIFF, ICO, SVG or HTML never reach a decoder),
    pixel count from the header before any decoding (decompression bombs: keep
    PHOTO_MAX_PIXELS below Pillow's Image.MAX_IMAGE_PIXELS). Decoding errors raised
    inside the block become a ValidationError too. The file position is restored.
    """
    max_bytes = settings.PHOTO_MAX_UPLOAD_BYTES
    max_pixels = settings.PHOTO_MAX_PIXELS
    try:
        size = file.size
    except FileNotFoundError as exc:  # a stored file that has gone from storage
        raise ValidationError(
            "The image file is missing from storage; upload it again.", code="missing"
        ) from exc
    if not size:
        raise ValidationError("The file is empty.", code="empty")
    if size > max_bytes:
        raise ValidationError(
            "This file is %(size)s; the limit is %(limit)s.",
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    # A stored file Django already read (for its dimensions) is closed: open it again.
    reopened = bool(getattr(file, "closed", False))
    if reopened:
        file.open("rb")
    position = file.tell()
    file.seek(0)
    try:
        # Pillow itself raises DecompressionBombError past 2 × Image.MAX_IMAGE_PIXELS
        # while reading the header; below that, our own limit is checked before load().
        with Image.open(file, formats=ALLOWED_FORMATS) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    "This image is %(w)s × %(h)s pixels (%(mp)s megapixels); "
                    "the limit is %(limit)s megapixels.",
                    code="too_many_pixels",
                    params={
                        "w": width,
                        "h": height,
                        "mp": _megapixels(width * height),
                        "limit": _megapixels(max_pixels),
                    },
                )
            yield image
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            "This image has far too many pixels to be processed safely; "
            "the limit is %(limit)s megapixels.",
            code="too_many_pixels",
            params={"limit": _megapixels(max_pixels)},
        ) from exc
    except UnidentifiedImageError as exc:
        file.seek(0)
        if _is_avif(file.read(12)):
            # libavif parses the whole file when it is opened: a cut AVIF fails there.
            if "AVIF" in ALLOWED_FORMATS:
                raise ValidationError(
                    "This image is damaged or incomplete and cannot be read.", code="corrupt"
                ) from exc
            raise ValidationError(
                "AVIF images cannot be read on this server; upload a %(formats)s image.",
                code="unsupported_format",
                params={"formats": format_names()},
            ) from exc
        raise ValidationError(
            "Upload a %(formats)s image; this file is not one of them.",
            code="invalid_format",
            params={"formats": format_names()},
        ) from exc
    except DECODE_ERRORS as exc:
        raise ValidationError(
            "This image is damaged or incomplete and cannot be read.", code="corrupt"
        ) from exc
    finally:
        file.seek(position)
        if reopened:
            file.close()


def validate_image_file(file: File) -> None:
    """Raise ValidationError unless ``file`` is a complete image of ALLOWED_FORMATS within limits.

    See ``open_image`` for the checks; the image is then fully decoded, so truncated or
    corrupt files are refused. Bytes after a complete image (a JPEG with HTML appended)
    pass here; ``prepare_upload`` re-encodes the picture, so they are never stored.
    """
    with open_image(file) as image:
        image.load()


def format_of(image: Image.Image) -> str:
    """Return the image's format; a multi-picture JPEG (MPO, some cameras) counts as JPEG."""
    return "JPEG" if image.format == "MPO" else image.format


def is_animation(image: Image.Image) -> bool:
    return format_of(image) in ("GIF", "WEBP", "PNG") and getattr(image, "n_frames", 1) > 1
