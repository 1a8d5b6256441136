"""Snapshots of embedded posts: a careful HTTP client, the oEmbed answer, the thumbnail.

What is fetched: the provider's oEmbed answer (its endpoint is a setting,
``EMBEDS_OEMBED_ENDPOINTS``; JSON only) and the thumbnail it names. Every request has a
connect and a total time limit (``EMBEDS_FETCH_TIMEOUT``) and a size limit checked
while the answer streams in (``EMBEDS_MAX_BYTES``); redirects are followed by hand, to
http(s) only, at most ``MAX_REDIRECTS``; a URL a provider gives (the thumbnail, a
redirect) may not point at this network's own addresses. Of the answer only the title,
author, upload date, duration and thumbnail URL are kept: never its ``html``, which is
never even read. The thumbnail becomes a library ``Photo`` through the photo pipeline's
checks (``validate_image_file``, then ``Photo.save()`` re-encodes it without metadata).

Failures raise ``FetchError`` with a sentence for the desk; ``take_snapshot`` turns them
into ``status=failed`` and never raises.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from photos.images import EXTENSION_OF_FORMAT, open_image, validate_image_file
from photos.models import Photo

from . import providers
from .models import Embed

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
CHUNK = 16 * 1024
USER_AGENT = "NewsroomEmbeds/1.0 (+oEmbed snapshot)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

# One pool for the process: connections are kept between fetches; no retries, no
# automatic redirects (followed below, checked one by one).
_http = urllib3.PoolManager(
    retries=False, headers={"User-Agent": USER_AGENT}, num_pools=10, maxsize=2
)


class FetchError(Exception):
    """A snapshot could not be taken; ``str()`` is what the desk reads."""


@dataclass(frozen=True)
class OEmbed:
    """What we keep of a provider's oEmbed answer (never its ``html``)."""

    title: str = ""
    author_name: str = ""
    author_url: str = ""
    published_at: datetime | None = None
    duration: int | None = None
    thumbnail_url: str = ""


# HTTP ------------------------------------------------------------------------------


def _timeout() -> float:
    return float(settings.EMBEDS_FETCH_TIMEOUT)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MB"
    return f"{count / 1024:g} KB"


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.username


def _check_public(url: str) -> None:
    """Refuse a URL whose host is, or resolves to, one of this network's own addresses."""
    if settings.EMBEDS_ALLOW_PRIVATE_ADDRESSES:
        return
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"The address {parts.hostname} could not be found.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise FetchError(f"The address {parts.hostname} is not on the public internet.")


def get(url: str, *, kind: str, trusted: bool = False) -> tuple[bytes, str]:
    """Return the body and content type of a GET of ``url``, within the limits of ``kind``.

    ``kind`` is "json" or "image" (a key of ``EMBEDS_MAX_BYTES``). ``trusted`` skips the
    address check for ``url`` itself (an endpoint from the settings), not for redirects.
    """
    limit = settings.EMBEDS_MAX_BYTES[kind]
    timeout = _timeout()
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        if not _is_web_url(url):
            raise FetchError("The provider sent us to an address that is not a web page.")
        if not trusted:
            _check_public(url)
        left = max(deadline - time.monotonic(), 0.01)
        try:
            response = _http.request(
                "GET",
                url,
                redirect=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=min(timeout, left), read=left),
            )
        except urllib3.exceptions.NameResolutionError as exc:
            host = urlsplit(url).hostname
            raise FetchError(f"The address {host} could not be found.") from exc
        except urllib3.exceptions.NewConnectionError as exc:  # before: it is a TimeoutError
            raise FetchError("The provider could not be reached.") from exc
        except urllib3.exceptions.TimeoutError as exc:
            raise FetchError(f"The provider did not answer in {_seconds(timeout)}.") from exc
        except urllib3.exceptions.SSLError as exc:
            raise FetchError("The provider's secure connection could not be checked.") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError("The provider could not be reached.") from exc
        try:
            if response.status in _REDIRECTS:
                location = response.headers.get("Location", "")
                url, trusted = urljoin(url, location), False
                continue
            status = response.status
            if status >= 400:
                raise FetchError(f"The provider answered with an error (HTTP {status}).")
            if status != 200:
                raise FetchError(f"The provider gave an unexpected answer (HTTP {status}).")
            return _read(response, limit, deadline, timeout), response.headers.get(
                "Content-Type", ""
            )
        finally:
            # Closed, not put back: an answer cut off or not read must not be reused.
            response.close()
            response.release_conn()
    raise FetchError("The provider redirected us too many times.")


def _read(response, limit: int, deadline: float, timeout: float) -> bytes:
    """Read the answer in chunks, stopping past ``limit`` bytes or at the deadline."""
    too_big = FetchError(f"The answer was larger than {_size(limit)}; it was cut off.")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_big
            if time.monotonic() > deadline:
                raise FetchError(f"The provider did not answer in {_seconds(timeout)}.")
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError as exc:
        raise FetchError(f"The provider did not answer in {_seconds(timeout)}.") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise FetchError(f"The provider's answer broke off ({type(exc).__name__}).") from exc
    return b"".join(chunks)


# oEmbed ----------------------------------------------------------------------------


def _text(value, length: int) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:length]


def _web_url(value, length: int) -> str:
    value = value.strip() if isinstance(value, str) else ""
    return value if len(value) <= length and _is_web_url(value) else ""


def _date(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    value = value.strip()
    try:
        moment = parse_datetime(value) or parse_datetime(value.replace(" ", "T", 1))
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime(day.year, day.month, day.day)
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _duration(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = int(float(value))
    except ValueError:
        return None
    return seconds if 0 < seconds < 10**7 else None


def parse_oembed(data: bytes) -> OEmbed:
    """Keep the few fields we show from an oEmbed answer; refuse anything not a JSON object."""
    try:
        answer = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FetchError("The provider's answer was not valid JSON.") from exc
    if not isinstance(answer, dict):
        raise FetchError("The provider's answer was not an oEmbed object.")

    def length(name: str) -> int:
        return Embed._meta.get_field(name).max_length

    return OEmbed(
        title=_text(answer.get("title"), length("title")),
        author_name=_text(answer.get("author_name"), length("author_name")),
        author_url=_web_url(answer.get("author_url"), length("author_url")),
        published_at=_date(answer.get("upload_date")),
        duration=_duration(answer.get("duration")),
        thumbnail_url=_web_url(answer.get("thumbnail_url"), providers.MAX_URL_LENGTH),
    )


def fetch_oembed(slug: str, url: str) -> OEmbed:
    endpoint = settings.EMBEDS_OEMBED_ENDPOINTS[slug]
    separator = "&" if "?" in endpoint else "?"
    query = urlencode({"url": url, "format": "json"})
    data, content_type = get(f"{endpoint}{separator}{query}", kind="json", trusted=True)
    if content_type and "json" not in content_type.lower():
        raise FetchError("The provider's answer was not JSON.")
    return parse_oembed(data)


# The thumbnail ---------------------------------------------------------------------


def photo_source(url: str) -> str:
    """The ``Photo.source`` of an embed's thumbnail: ``embed:<canonical url>`` (hashed if long)."""
    source = f"embed:{url}"
    length = Photo._meta.get_field("source").max_length
    if len(source) <= length:
        return source
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return f"{source[: length - 18]}#{digest}"  # never the same as an unhashed source


def thumbnail_photo(embed: Embed, found: providers.Match, snapshot: OEmbed) -> Photo | None:
    """The library photo of the embed's thumbnail: the one kept before, else downloaded."""
    source = photo_source(embed.url)
    existing = Photo.objects.filter(source=source).order_by("id").first()
    if existing is not None or not snapshot.thumbnail_url:
        return existing
    data, _ = get(snapshot.thumbnail_url, kind="image")
    upload = ContentFile(data, name="thumbnail.jpg")
    try:
        validate_image_file(upload)
        with open_image(upload) as image:
            extension = EXTENSION_OF_FORMAT.get(image.format, "jpg")
    except ValidationError as exc:
        raise FetchError(f"The thumbnail is not a usable image: {' '.join(exc.messages)}") from exc
    provider = found.provider
    author = snapshot.author_name
    credit = f"{author} / {provider.name}" if author else provider.name
    alt = f"Thumbnail of the {provider.noun}" + (f" by {author}" if author else "")
    photo = Photo(
        image=ContentFile(data, name=f"embed-{provider.slug}.{extension}"),
        alt_text=f"{alt} on {provider.name}"[: Photo._meta.get_field("alt_text").max_length],
        credit=credit[: Photo._meta.get_field("credit").max_length],
        source=source,
    )
    try:
        photo.save()  # re-encoded without metadata, renditions once committed
    except ValidationError as exc:
        raise FetchError(f"The thumbnail is not a usable image: {' '.join(exc.messages)}") from exc
    return photo


# The snapshot ----------------------------------------------------------------------


def take_snapshot(embed: Embed) -> str:
    """Fetch and keep the embed's snapshot; return its new status. Never raises.

    A provider without an oEmbed endpoint gets status ``none`` and no request.
    """
    found = embed.match
    if found is None or found.provider.slug not in settings.EMBEDS_OEMBED_ENDPOINTS:
        Embed.objects.filter(pk=embed.pk).update(status=Embed.Status.NONE, error="")
        return Embed.Status.NONE
    try:
        snapshot = fetch_oembed(found.provider.slug, found.url)
        photo = thumbnail_photo(embed, found, snapshot)
    except FetchError as exc:
        return _failed(embed, str(exc))
    except Exception:  # a bug must not break the article's save or the worker
        logger.exception("Embed %s: the snapshot failed", embed.pk)
        return _failed(embed, "The snapshot failed because of an error on our side.")
    Embed.objects.filter(pk=embed.pk).update(
        status=Embed.Status.READY,
        title=snapshot.title,
        author_name=snapshot.author_name,
        author_url=snapshot.author_url,
        published_at=snapshot.published_at,
        duration=snapshot.duration,
        thumbnail=photo,
        error="",
        fetched_at=timezone.now(),
    )
    return Embed.Status.READY


def _failed(embed: Embed, message: str) -> str:
    logger.info("Embed %s (%s): %s", embed.pk, embed.url, message)
    Embed.objects.filter(pk=embed.pk).update(
        status=Embed.Status.FAILED, error=message, fetched_at=timezone.now()
    )
    return Embed.Status.FAILED
