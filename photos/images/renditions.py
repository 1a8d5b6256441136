"""Renditions: resized WebP and JPEG copies and focal-point crops, made once per photo.

``build_renditions`` stores them through the photo's storage (never a filesystem
path) and records them in ``Photo.renditions`` with one UPDATE; ``Photo.save()``
schedules that for when the transaction commits. Readers (``rendition_sources``,
the ``photo_img`` tag) only read the record: nothing is built during a request.
Deleting a photo deletes its original and renditions once the deletion commits.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models.signals import post_delete
from PIL import ExifTags, Image, ImageOps

from newsroom.pagecache import instance_key, purge

from .checks import PhotoRecord, format_of, is_animation, open_image
from .originals import to_srgb

if TYPE_CHECKING:
    from django.core.files.storage import Storage


logger = logging.getLogger(__name__)

RENDITIONS_VERSION = 1
RENDITIONS_DIR = "renditions"
WIDTHS = (320, 640, 960, 1280, 1920)
THUMB_WIDTHS = (480, 960, 1440)
THUMB_RATIO = (3, 2)
CARD_SIZE = (1200, 630)
# The static file a page without a photo shares (the same 1200×630 size).
DEFAULT_CARD = "img/og-default.png"
WEBP_QUALITY = 80
# libwebp effort, 0 fastest … 6 smallest: its default, 4. Made once, served often: 2 was
# a third faster here but up to 8% bigger.
WEBP_METHOD = 4
JPEG_QUALITY = 82


@dataclass(frozen=True)
class Rendition:
    key: str
    data: bytes
    width: int
    height: int


@dataclass
class RenditionSet:
    width: int
    height: int
    animated: bool
    items: list[Rendition] = field(default_factory=list)


def rendition_widths(width: int) -> list[int]:
    """Return the widths to make of a picture ``width`` pixels wide: never upscaled.

    The picture's own width (up to the largest standard width) closes the list; a
    standard width within 10% of it would be a near copy and is skipped.
    """
    top = min(width, WIDTHS[-1])
    return [w for w in WIDTHS if w < top * 0.9] + [top]


def focal_crop_box(
    size: tuple[int, int], ratio: tuple[int, int], focal: tuple[float, float]
) -> tuple[int, int, int, int]:
    """Return the largest box of aspect ``ratio`` in ``size``, centred on the focal point.

    The focal point is given as fractions (0 = left/top, 1 = right/bottom); the box
    is pushed back inside the picture when the point lies near an edge.
    """
    width, height = size
    fx, fy = (min(max(float(value), 0.0), 1.0) for value in focal)
    aspect = ratio[0] / ratio[1]
    if width / height > aspect:
        box_width, box_height = max(1, min(width, round(height * aspect))), height
    else:
        box_width, box_height = width, max(1, min(height, round(width / aspect)))
    left = min(max(round(fx * width - box_width / 2), 0), width - box_width)
    top = min(max(round(fy * height - box_height / 2), 0), height - box_height)
    return left, top, left + box_width, top + box_height


def _fitted(box_width: int, target: tuple[int, int]) -> tuple[int, int]:
    """Return ``target`` or, when the crop is narrower, the crop's own size (no upscaling)."""
    if box_width >= target[0]:
        return target
    return box_width, max(1, round(box_width * target[1] / target[0]))


def _crop_plan(
    size: tuple[int, int], focal: tuple[float, float]
) -> list[tuple[str, tuple[int, int, int, int], tuple[int, int], tuple[str, ...]]]:
    """Return (key stem, box in ``size``, output size, formats) of every crop to make."""
    plan = []
    thumb_box = focal_crop_box(size, THUMB_RATIO, focal)
    seen = set()
    for width in THUMB_WIDTHS:
        height = round(width * THUMB_RATIO[1] / THUMB_RATIO[0])
        out = _fitted(thumb_box[2] - thumb_box[0], (width, height))
        if out not in seen:
            seen.add(out)
            plan.append((f"thumb-{out[0]}", thumb_box, out, ("webp", "jpg")))
    card_box = focal_crop_box(size, CARD_SIZE, focal)
    plan.append(("card", card_box, _fitted(card_box[2] - card_box[0], CARD_SIZE), ("jpg",)))
    return plan


def _encode(image: Image.Image, ext: str) -> bytes:
    out = io.BytesIO()
    if ext == "webp":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    else:
        if image.mode == "RGBA":  # JPEG has no transparency: lay it on white
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def render_renditions(
    data: bytes, focal: tuple[float, float] = (0.5, 0.5), *, widths: bool = True
) -> RenditionSet:
    """Return the renditions of an image file's bytes, encoded in memory (nothing stored).

    Resized copies (WebP and JPEG) at ``rendition_widths`` unless ``widths`` is false or
    the picture is an animation (its original plays instead), then the focal-point
    crops. A JPEG is decoded at the smallest DCT scale that still covers every output.
    """
    with open_image(ContentFile(data)) as image:
        animated = is_animation(image)
        raw_width, raw_height = image.size
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        full = (raw_height, raw_width) if orientation in (5, 6, 7, 8) else image.size
        width_list = rendition_widths(full[0]) if widths and not animated else []
        crops = _crop_plan(full, focal)
        scale = max(
            [w / full[0] for w in width_list]
            + [out[0] / (box[2] - box[0]) for _, box, out, _ in crops]
        )
        if format_of(image) == "JPEG" and scale < 1:
            image.draft(None, (math.ceil(raw_width * scale), math.ceil(raw_height * scale)))
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        base = to_srgb(image, image.info.get("icc_profile"))
        base.info = {}  # no metadata follows into a rendition
        factor = base.width / full[0]
        result = RenditionSet(width=full[0], height=full[1], animated=animated)
        previous = base
        for width in sorted(width_list, reverse=True):
            size = (width, max(1, round(full[1] * width / full[0])))
            if previous.size != size:
                previous = previous.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            for ext in ("webp", "jpg"):
                result.items.append(Rendition(f"w{width}.{ext}", _encode(previous, ext), *size))
        for stem, box, size, formats in crops:
            scaled = tuple(value * factor for value in box)
            picture = base.resize(size, Image.Resampling.LANCZOS, box=scaled, reducing_gap=3.0)
            for ext in formats:
                result.items.append(Rendition(f"{stem}.{ext}", _encode(picture, ext), *size))
    return result


def _focal(photo: PhotoRecord) -> list[float]:
    return [round(float(photo.focal_x), 4), round(float(photo.focal_y), 4)]


def rendition_state(photo: PhotoRecord) -> str:
    """Return "current", "crops" (focal point moved) or "missing" (none, stale or old)."""
    if not photo.image:
        return "current"
    record = photo.renditions or {}
    if record.get("version") != RENDITIONS_VERSION or record.get("source") != photo.image.name:
        return "missing"
    if record.get("focal") != _focal(photo):
        return "crops"
    return "current"


def rendition_files(photo: PhotoRecord) -> dict[str, dict[str, Any]]:
    """Return the photo's rendition files if they were made from its current image, else {}."""
    record = photo.renditions or {}
    if not photo.image or record.get("source") != photo.image.name:
        return {}
    return record.get("files") or {}


def rendition_names(record: dict | None) -> set[str]:
    return {item["name"] for item in ((record or {}).get("files") or {}).values()}


def save_file(storage: Storage, name: str, data: bytes) -> str:
    """Store ``data`` as ``name``, replacing a leftover of an interrupted run; return the name."""
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(data))


def delete_files(storage: Storage, names: Iterable[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("Could not delete %s: %s", name, exc)


def _rendition_name(photo: PhotoRecord, key: str, token: str) -> str:
    stem = re.sub(r"[^\w-]+", "-", PurePosixPath(photo.image.name).stem)[:40].strip("-")
    key_stem, ext = key.rsplit(".", 1)
    return f"{RENDITIONS_DIR}/{photo.pk}/{stem or 'photo'}-{key_stem}-{token}.{ext}"


def build_renditions(photo: PhotoRecord, *, crops_only: bool = False) -> dict[str, Any]:
    """Make and store the photo's renditions, record them with one UPDATE, return the record.

    ``crops_only`` keeps the resized copies and remakes the crops (the focal point
    moved). Files of the previous record that are not reused are deleted once the
    transaction commits. Raises ValidationError or OSError when the file cannot be read.
    """
    storage = photo.image.storage
    source = photo.image.name
    with storage.open(source, "rb") as stored:
        data = stored.read()
    focal = _focal(photo)
    previous = photo.renditions or {}
    kept = {}
    if crops_only and previous.get("source") == source:
        kept = {k: v for k, v in (previous.get("files") or {}).items() if k.startswith("w")}
    rendered = render_renditions(data, tuple(focal), widths=not kept)
    digest = hashlib.sha256(data).hexdigest()[:10]
    crop_token = hashlib.sha256(f"{digest}:{focal}".encode()).hexdigest()[:10]
    files = dict(kept)
    for item in rendered.items:
        token = digest if item.key.startswith("w") else crop_token
        name = save_file(storage, _rendition_name(photo, item.key, token), item.data)
        files[item.key] = {"name": name, "width": item.width, "height": item.height}
    record = {
        "version": RENDITIONS_VERSION,
        "source": source,
        "focal": focal,
        "animated": rendered.animated,
        "files": files,
    }
    stale = rendition_names(previous) - rendition_names(record)
    updated = type(photo)._default_manager.filter(pk=photo.pk).update(renditions=record)
    photo.renditions = record
    purge({instance_key(photo)})  # pages now offer the new sizes (.update() sends no signal)
    if not updated:  # the photo was deleted meanwhile: leave nothing behind
        stale |= rendition_names(record)
    if stale:
        transaction.on_commit(partial(delete_files, storage, stale))
    return record


def ensure_renditions(photo: PhotoRecord, *, force: bool = False) -> str:
    """Build the photo's renditions if missing or stale; return what was done.

    "current" (nothing to do), "built", "crops" (only the crops were remade) or
    "failed" (the file is missing or unreadable: logged, the photo keeps its original).
    """
    state = "missing" if force else rendition_state(photo)
    if state == "current" or not photo.image:
        return "current"
    try:
        build_renditions(photo, crops_only=state == "crops")
    except (ValidationError, OSError) as exc:
        logger.warning("Renditions of photo #%s could not be made: %s", photo.pk, exc)
        return "failed"
    return "crops" if state == "crops" else "built"


_deferred: ContextVar[list | None] = ContextVar("renditions_deferred", default=None)


@contextmanager
def deferred() -> Iterator[list]:
    """Collect the photos whose renditions are due instead of building them on commit.

    For bulk work (an import of thousands of photos): the caller builds them after its
    transaction, with a progress bar, or leaves them to ``manage.py rebuild_renditions``.
    """
    waiting: list = []
    token = _deferred.set(waiting)
    try:
        yield waiting
    finally:
        _deferred.reset(token)


def schedule_renditions(photo: PhotoRecord, using: str | None = None) -> None:
    """Build the photo's missing or stale renditions once the current transaction commits."""
    if rendition_state(photo) != "current":
        waiting = _deferred.get()
        if waiting is not None:
            waiting.append(photo)
            return
        transaction.on_commit(partial(ensure_renditions, photo), using=using)


@lru_cache(maxsize=16384)
def _filesystem_url(storage: FileSystemStorage, base_url: str, name: str) -> str:
    return storage.url(name)


def file_url(storage: Storage, name: str) -> str:
    """Return ``storage.url(name)``, remembered when the storage's URLs are fixed.

    A file system storage's URL is its base URL joined with the name: the same answer
    every time, so it is computed once per name (a home page asks for a few hundred).
    Other storages may sign or expire their URLs, so they are always asked.
    """
    if getattr(storage.url, "__func__", None) is FileSystemStorage.url:
        return _filesystem_url(storage, storage.base_url, name)
    return storage.url(name)


@dataclass(frozen=True)
class Source:
    url: str
    width: int
    height: int


def rendition_sources(photo: PhotoRecord, kind: str = "w", ext: str = "webp") -> list[Source]:
    """Return the photo's renditions of a kind ("w" resized, "thumb" crops), narrowest first.

    Reads ``photo.renditions`` only: no query, no storage call.
    """
    storage = photo.image.storage
    prefix = f"{kind}-" if kind != "w" else "w"
    sources = []
    for key, item in rendition_files(photo).items():
        stem, _, extension = key.rpartition(".")
        if extension == ext and stem.startswith(prefix) and stem[len(prefix) :].isdigit():
            sources.append(Source(file_url(storage, item["name"]), item["width"], item["height"]))
    return sorted(sources, key=lambda source: source.width)


def rendition_url(photo: PhotoRecord, key: str) -> str:
    """Return the URL of one rendition ("card.jpg", "w640.webp"…), else of the original."""
    item = rendition_files(photo).get(key)
    return file_url(photo.image.storage, item["name"]) if item else photo.image.url


def card_image(photo: PhotoRecord) -> tuple[str, int | None, int | None, bool]:
    """Return the image a shared link or a feed shows: (url, width, height, is_card).

    The 1200×630 social card, else (renditions not made yet) the original with its own
    size. Reads ``photo.renditions`` only: no query and no storage call.
    """
    card = rendition_files(photo).get("card.jpg")
    if card:
        return file_url(photo.image.storage, card["name"]), card["width"], card["height"], True
    return photo.image.url, photo.width, photo.height, False


def thumbnail_url(photo: PhotoRecord, width: int = 480) -> str:
    """Return the URL of the narrowest 3:2 JPEG crop at least ``width`` wide, else the original."""
    thumbs = rendition_sources(photo, "thumb", "jpg")
    for thumb in thumbs:
        if thumb.width >= width:
            return thumb.url
    return thumbs[-1].url if thumbs else photo.image.url


def delete_photo_files(sender, instance: PhotoRecord, using: str | None = None, **kwargs) -> None:
    """Delete a deleted photo's original and renditions once the deletion commits.

    The original stays if another photo row still points at the same file.
    """
    storage = sender._meta.get_field("image").storage
    names = rendition_names(instance.renditions)
    original = instance.image.name if instance.image else ""

    def delete() -> None:
        shared = sender._default_manager.using(using).filter(image=original).exists()
        delete_files(storage, names | ({original} if original and not shared else set()))

    transaction.on_commit(delete, using=using)


def connect() -> None:
    """Connect ``delete_photo_files`` to photo deletions (called from ``PhotosConfig.ready``)."""
    post_delete.connect(
        delete_photo_files, sender="photos.Photo", dispatch_uid="photos.images.delete_photo_files"
    )
