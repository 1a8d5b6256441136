"""Photo files: upload checks, safe originals, agency metadata and renditions.

- ``validate_image_file`` refuses what is not a complete JPEG, PNG, WebP or GIF (AVIF too
  where Pillow supports it) within limits.
- ``prepare_upload`` re-encodes an upload once: EXIF orientation applied, every metadata
  block (EXIF with GPS, XMP, IPTC, comments) left behind, so no public file carries a
  source's location (an AVIF is stored as JPEG, or PNG if translucent: re-encoding
  AVIF is slow). It also returns the file's agency metadata (IPTC-IIM, XMP, EXIF),
  which ``apply_metadata`` copies into a photo's empty fields only.
- ``build_renditions`` makes the resized WebP and JPEG copies (``srcset``) and the
  focal-point crops (thumbnails, the 1200×630 social card) through the photo's storage
  (never a filesystem path) and records them in ``Photo.renditions`` with one UPDATE.
  ``Photo.save()`` asks for them once the transaction commits; the public ``photo_img``
  tag only reads that record, so nothing is ever built during a page request.
- Deleting a photo deletes its original and renditions once the deletion commits
  (``delete_photo_files``, connected to ``post_delete`` in ``renditions``).

Modules: ``checks`` (validation), ``metadata`` (IPTC/XMP/EXIF), ``originals`` (the
safe stored file), ``renditions``. Everything public is importable from here.

``Photo.renditions`` holds::

    {"version": 1, "source": "photos/2025/01/x.jpg", "focal": [0.5, 0.5], "animated": false,
     "files": {"w640.webp": {"name": "renditions/12/x-w640-….webp", "width": 640,
                             "height": 427}, "w640.jpg": {…}, "thumb-480.webp": {…},
               "thumb-480.jpg": {…}, "card.jpg": {…}}}

Keys: ``w<width>.webp|jpg`` (the whole picture), ``thumb-<width>.webp|jpg`` (3:2 crops),
``card.jpg`` (1200×630). Widths are the real pixel widths (never upscaled).
"""

from .checks import (
    ALLOWED_EXTENSIONS,
    ALLOWED_FORMATS,
    AVIF_SUPPORTED,
    EXTENSION_OF_FORMAT,
    KNOWN_EXTENSIONS,
    format_names,
    open_image,
    validate_image_file,
)
from .metadata import apply_metadata, credit_line, parse_xmp, read_iptc, read_metadata
from .originals import (
    carries_metadata,
    prepare_photo_file,
    prepare_upload,
    sanitize_stored_file,
    stored_format,
)
from .renditions import (
    CARD_SIZE,
    DEFAULT_CARD,
    THUMB_WIDTHS,
    WIDTHS,
    Rendition,
    RenditionSet,
    Source,
    build_renditions,
    card_image,
    delete_files,
    delete_photo_files,
    ensure_renditions,
    focal_crop_box,
    render_renditions,
    rendition_files,
    rendition_names,
    rendition_sources,
    rendition_state,
    rendition_url,
    rendition_widths,
    save_file,
    schedule_renditions,
    thumbnail_url,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "ALLOWED_FORMATS",
    "AVIF_SUPPORTED",
    "CARD_SIZE",
    "DEFAULT_CARD",
    "EXTENSION_OF_FORMAT",
    "KNOWN_EXTENSIONS",
    "THUMB_WIDTHS",
    "WIDTHS",
    "Rendition",
    "RenditionSet",
    "Source",
    "apply_metadata",
    "build_renditions",
    "card_image",
    "carries_metadata",
    "credit_line",
    "delete_files",
    "delete_photo_files",
    "ensure_renditions",
    "focal_crop_box",
    "format_names",
    "open_image",
    "parse_xmp",
    "prepare_photo_file",
    "prepare_upload",
    "read_iptc",
    "read_metadata",
    "render_renditions",
    "rendition_files",
    "rendition_names",
    "rendition_sources",
    "rendition_state",
    "rendition_url",
    "rendition_widths",
    "sanitize_stored_file",
    "save_file",
    "schedule_renditions",
    "stored_format",
    "thumbnail_url",
    "validate_image_file",
]
