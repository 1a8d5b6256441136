"""Image validation for the photo library and every other image upload."""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

# Formats accepted, decided by the file's content, never by its name.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ALLOWED_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "gif")


def validate_image_file(file: File) -> None:
    """Raise ValidationError unless ``file`` is a complete JPEG, PNG, WebP or GIF within limits.

    Checks, in order: size in bytes, format by content (Pillow's sniffing restricted
    to ALLOWED_FORMATS), pixel count before any decoding (decompression bombs), then
    a full decode (truncated or corrupt files).
    """
    max_bytes = settings.PHOTO_MAX_UPLOAD_BYTES
    max_pixels = settings.PHOTO_MAX_PIXELS
    size = getattr(file, "size", None)
    if size is not None and size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if size is not None and size > max_bytes:
        raise ValidationError(
            "This file is %(size)s; the limit is %(limit)s.",
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                with Image.open(file, formats=ALLOWED_FORMATS) as image:
                    width, height = image.size
                    if width * height > max_pixels:
                        raise ValidationError(
                            "This image is %(w)s × %(h)s pixels (%(mp).0f megapixels); "
                            "the limit is %(limit).0f megapixels.",
                            code="too_many_pixels",
                            params={
                                "w": width,
                                "h": height,
                                "mp": width * height / 1e6,
                                "limit": max_pixels / 1e6,
                            },
                        )
                    image.load()
            except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
                raise ValidationError(
                    "This image has too many pixels to be processed safely.",
                    code="too_many_pixels",
                ) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            "Upload a JPEG, PNG, WebP or GIF image; this file is not one of them.",
            code="invalid_format",
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "This image is damaged or incomplete and cannot be read.", code="corrupt"
        ) from exc
    finally:
        if position is not None:
            file.seek(position)
