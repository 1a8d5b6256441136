"""Safe originals: every upload is stored upright, re-encoded without any metadata.

EXIF (with the GPS position), XMP, IPTC, comments and bytes after the picture stay
behind, so no file the public can download tells where a source was.
"""

from __future__ import annotations

import io
import logging
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import ExifTags, Image, ImageCms, ImageOps, ImageSequence

from .checks import EXTENSION_OF_FORMAT, PhotoRecord, format_of, is_animation, open_image
from .metadata import apply_metadata, read_metadata

logger = logging.getLogger(__name__)

ORIGINAL_JPEG_QUALITY = 90
ORIGINAL_WEBP_QUALITY = 90
# AVIF uploads are stored as JPEG (PNG when translucent), not re-encoded as AVIF: for a
# 6000 × 4000 photo on two cores, libaom took 1.4–3.7 s at speed 8–10 depending on the
# grain (44 s at Pillow's default speed 6); JPEG takes 0.1 s. Renditions are WebP and JPEG.
STORED_FORMAT = {"AVIF": "JPEG"}

# Image.info keys that describe pixels, not people or places.
_TECHNICAL_INFO = frozenset(
    [
        "adobe",
        "adobe_transform",
        "aspect",
        "background",
        "blend",
        "chromaticity",
        "default_image",
        "disposal",
        "dpi",
        "duration",
        "gamma",
        "icc_profile",
        "interlace",
        "jfif",
        "jfif_density",
        "jfif_unit",
        "jfif_version",
        "loop",
        "progression",
        "progressive",
        "srgb",
        "timestamp",
        "transparency",
        "version",
    ]
)
_SAFE_JPEG_SEGMENTS = (("APP0", b"JFIF\x00"), ("APP2", b"ICC_PROFILE\x00"), ("APP14", b"Adobe"))


def carries_metadata(image: Image.Image) -> bool:
    """Return whether a file holds more than its pixels and colour profile (EXIF, XMP, IPTC…)."""
    if any(not isinstance(key, str) or key not in _TECHNICAL_INFO for key in image.info):
        return True
    for marker, data in getattr(image, "applist", ()):
        if not any(marker == m and data.startswith(prefix) for m, prefix in _SAFE_JPEG_SEGMENTS):
            return True
    return False


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return ``image`` in RGB(A) converted from its embedded colour profile to sRGB."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    target = "RGBA" if has_alpha else "RGB"
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            if "srgb" not in (ImageCms.getProfileDescription(profile) or "").lower():
                return ImageCms.profileToProfile(
                    image, profile, ImageCms.createProfile("sRGB"), outputMode=target
                )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            logger.info("Colour profile ignored: it could not be read or applied.")
    return image if image.mode == target else image.convert(target)


def _webp_is_lossless(head: bytes) -> bool:
    chunk = head[12:16]
    return chunk == b"VP8L" or (chunk == b"VP8X" and b"VP8L" in head and b"VP8 " not in head)


def _encode_still(image: Image.Image, fmt: str, *, lossless: bool) -> bytes:
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    image.info = {}  # nothing of the source's metadata may follow into the new file
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):  # CMYK from print workflows, RGBA from AVIF
            image = to_srgb(image, icc_profile)
            if image.mode == "RGBA":  # opaque: stored_format sends translucent AVIF to PNG
                image = image.convert("RGB")
            image.info = {}
            icc_profile = None
        options = {"quality": ORIGINAL_JPEG_QUALITY}
    elif fmt == "WEBP":
        options = {"quality": ORIGINAL_WEBP_QUALITY, "lossless": lossless}
    elif transparency is not None:  # PNG, GIF
        options["transparency"] = transparency
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(out, fmt, **options)
    return out.getvalue()


_TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _encode_animation(image: Image.Image, fmt: str, *, lossless: bool) -> bytes:
    turn = _TRANSPOSE_FOR_ORIENTATION.get(image.getexif().get(ExifTags.Base.Orientation, 1))
    loop = image.info.get("loop")
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration") or 100)
        still = frame.convert("RGBA")
        if turn is not None:
            still = still.transpose(turn)
        still.info = {}  # frame comments and extensions stay behind
        frames.append(still)
    options: dict[str, Any] = {} if loop is None else {"loop": loop}
    if fmt == "WEBP":
        options.update(quality=ORIGINAL_WEBP_QUALITY, lossless=lossless)
    elif fmt == "GIF":
        options["disposal"] = 2
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=durations, **options)
    return out.getvalue()


def stored_format(image: Image.Image) -> str:
    """Return the format an upload is stored in: its own, except AVIF (see STORED_FORMAT).

    A translucent AVIF becomes a PNG, which keeps its transparency (a JPEG cannot).
    """
    fmt = format_of(image)
    if fmt not in STORED_FORMAT:
        return fmt
    if "A" in image.getbands() and image.getchannel("A").getextrema()[0] < 255:
        return "PNG"
    return STORED_FORMAT[fmt]


def prepare_upload(file: File) -> tuple[ContentFile, dict[str, Any]]:
    """Return ``file`` re-encoded for storage, and the agency metadata it carried.

    The picture is turned upright (EXIF orientation) and saved again in its own format
    (JPEG at quality 90; PNG, WebP and GIF kept as such, animations with their frames;
    AVIF as JPEG, or PNG if translucent, under the new format's extension) with its
    colour profile only: EXIF (GPS included), XMP, IPTC, comments and any bytes after
    the image are left behind. An animation too big to re-encode safely, or an animated
    AVIF, keeps its first frame. Raises ValidationError like ``validate_image_file``.
    """
    position = file.tell()
    file.seek(0)
    head = file.read(4096)
    file.seek(position)
    with open_image(file) as image:
        metadata = read_metadata(image)
        fmt = format_of(image)
        lossless = fmt == "WEBP" and _webp_is_lossless(head)
        frame_pixels = getattr(image, "n_frames", 1) * image.width * image.height
        if is_animation(image) and frame_pixels <= settings.PHOTO_MAX_PIXELS // 4:
            data = _encode_animation(image, fmt, lossless=lossless)
        else:
            fmt = stored_format(image)
            data = _encode_still(image, fmt, lossless=lossless)
    stem = PurePosixPath(file.name or "photo").stem or "photo"
    return ContentFile(data, name=f"{stem}.{EXTENSION_OF_FORMAT[fmt]}"), metadata


def prepare_photo_file(photo: PhotoRecord) -> list[str]:
    """Replace the photo's new, not yet stored file by its safe version; prefill empty fields.

    Returns the names of the fields changed (for ``save(update_fields=…)``). Width and
    height follow the upright picture (Django reads them again from the new file).
    """
    content, metadata = prepare_upload(photo.image.file)
    photo.image = content
    return ["image", "width", "height", *apply_metadata(photo, metadata)]


def sanitize_stored_file(photo: PhotoRecord) -> list[str]:
    """Make a file stored by another path than ``Photo.save()`` safe, in place if needed.

    Some code stores the file first (``photo.image.save(…)``, the demo loader): it is
    read back, re-encoded only if it carries metadata or an orientation, and its
    metadata prefills the empty fields. Returns the names of the fields changed.
    """
    storage, name = photo.image.storage, photo.image.name
    try:
        with storage.open(name, "rb") as stored:
            with open_image(stored) as image:
                dirty = carries_metadata(image)
                metadata = read_metadata(image)
            content = prepare_upload(stored)[0] if dirty else None
    except (FileNotFoundError, ValidationError) as exc:
        logger.warning("Stored photo file %s could not be checked: %s", name, exc)
        return []
    changed = apply_metadata(photo, metadata)
    if content is None:
        return changed
    # The clean copy is stored first (under a new name), then the old file is deleted.
    saved = storage.save(str(PurePosixPath(name).with_name(content.name)), content)
    if saved != name:
        storage.delete(name)
    photo.image = saved  # Django reads the new width and height from the stored file
    return ["image", "width", "height", *changed]
