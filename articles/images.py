"""Image validation for the photo library and every other image upload."""

import struct

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

# Formats accepted, decided by the file's content, never by its name.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ALLOWED_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "gif")


def _megapixels(pixels: int) -> str:
    return f"{round(pixels / 1e6, 1):g}"


def validate_image_file(file: File) -> None:
    """Raise ValidationError unless ``file`` is a complete JPEG, PNG, WebP or GIF within limits.

    Checks, in order: size in bytes, format by content (Pillow's sniffing restricted
    to ALLOWED_FORMATS, so EPS, BMP, TIFF, ICO, SVG or HTML never reach a decoder),
    pixel count from the header before any decoding (decompression bombs: keep
    PHOTO_MAX_PIXELS below Pillow's Image.MAX_IMAGE_PIXELS), then a full
    decode (truncated or corrupt files). Bytes after a complete image (a JPEG with
    HTML appended) are accepted: the file is only ever served as an image type.
    """
    max_bytes = settings.PHOTO_MAX_UPLOAD_BYTES
    max_pixels = settings.PHOTO_MAX_PIXELS
    try:
        size = file.size
        position = file.tell()
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
            image.load()
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            "This image has far too many pixels to be processed safely; "
            "the limit is %(limit)s megapixels.",
            code="too_many_pixels",
            params={"limit": _megapixels(max_pixels)},
        ) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            "Upload a JPEG, PNG, WebP or GIF image; this file is not one of them.",
            code="invalid_format",
        ) from exc
    # What Pillow's decoders raise on malformed or cut data.
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise ValidationError(
            "This image is damaged or incomplete and cannot be read.", code="corrupt"
        ) from exc
    finally:
        file.seek(position)
