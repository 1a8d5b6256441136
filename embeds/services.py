"""Embeds for the rest of the newsroom: remember a body's embeds, refresh them, list uses.

- ``remember(body)``: called after an article or a live update is saved; makes the
  ``Embed`` row of every embed of the body and queues the snapshot of the new ones once
  the transaction commits. A body without embeds costs no query.
- ``refresh(embeds)``: the desk's "Refresh snapshot".
- ``snapshots(urls)``: the rows of many URLs in one query (feeds, the newsletter).
- ``used_in(urls)``, ``use_counts(urls)``: where each URL is embedded
  (``EMBEDS_USED_IN`` names the models, so this app, below ``articles`` and ``live``,
  does not import them).
- ``video_objects(embeds, absolute)``: schema.org ``VideoObject``s for JSON-LD.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from functools import partial

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model, Q

from photos.images import card_image

from . import bodies, providers
from .models import Embed
from .tasks import fetch_snapshot


def has_oembed(slug: str) -> bool:
    return slug in settings.EMBEDS_OEMBED_ENDPOINTS


def _enqueue(embed_id: int, force: bool = False) -> None:
    fetch_snapshot.enqueue(embed_id, force)


def remember(body: str) -> list[Embed]:
    """Get or make the ``Embed`` of each embed in a saved ``body``; queue the snapshots due.

    New rows of a provider with oEmbed are ``pending`` and their fetch is queued once the
    transaction commits (so is a row still pending); others are ``none``.
    """
    urls = bodies.embed_urls(body)
    if not urls:
        return []
    known = {embed.url: embed for embed in Embed.objects.filter(url__in=urls)}
    result = []
    for url in urls:
        embed = known.get(url)
        if embed is None:
            found = providers.match(url)
            if found is None:
                continue
            slug = found.provider.slug
            status = Embed.Status.PENDING if has_oembed(slug) else Embed.Status.NONE
            try:
                with transaction.atomic():
                    embed = Embed.objects.create(url=url, provider=slug, status=status)
            except IntegrityError:  # saved by someone else meanwhile
                embed = Embed.objects.get(url=url)
        if embed.status == Embed.Status.PENDING:
            transaction.on_commit(partial(_enqueue, embed.pk))
        result.append(embed)
    return result


def refresh(embeds: Iterable[Embed]) -> int:
    """Fetch the snapshots of ``embeds`` again (once committed); return how many are queued."""
    ids = [embed.pk for embed in embeds if has_oembed(embed.provider)]
    if ids:
        Embed.objects.filter(pk__in=ids).update(status=Embed.Status.PENDING, error="")
    for pk in ids:
        transaction.on_commit(partial(_enqueue, pk, True))
    return len(ids)


def snapshots(urls: Iterable[str]) -> dict[str, Embed]:
    """The ``Embed`` rows of ``urls`` with their thumbnails, by URL, in one query (or none)."""
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return {}
    rows = Embed.objects.filter(url__in=wanted).select_related("thumbnail")
    return {row.url: row for row in rows}


def body_marker(url: str) -> str:
    """The text a sanitized body holds where it embeds ``url``."""
    return f'data-embed-url="{html.escape(url)}"'


def _embedding(label: str, field: str, urls: list[str]):
    """The rows of model ``label`` whose ``field`` embeds one of ``urls`` (one scan)."""
    condition = Q()
    for url in urls:
        condition |= Q(**{f"{field}__contains": body_marker(url)})
    return apps.get_model(label)._default_manager.filter(condition)


def use_counts(urls: Iterable[str]) -> dict[str, int]:
    """How many objects (articles, live updates…) embed each of ``urls``: one query a model."""
    wanted = list(dict.fromkeys(urls))
    counts = dict.fromkeys(wanted, 0)
    if not wanted:
        return counts
    for label, field in settings.EMBEDS_USED_IN:
        for body in _embedding(label, field, wanted).values_list(field, flat=True):
            for url in set(bodies.embed_urls(body)).intersection(counts):
                counts[url] += 1
    return counts


def used_in(urls: Iterable[str]) -> dict[str, list[Model]]:
    """The objects (articles, live updates…) embedding each of ``urls``: one query a model.

    The models and their body fields come from ``EMBEDS_USED_IN``; only the objects'
    id, body and what ``str()`` needs are read.
    """
    wanted = list(dict.fromkeys(urls))
    uses: dict[str, list[Model]] = {url: [] for url in wanted}
    if not wanted:
        return uses
    for label, field in settings.EMBEDS_USED_IN:
        for obj in _embedding(label, field, wanted).order_by("-pk"):
            found = set(bodies.embed_urls(getattr(obj, field)))
            for url in wanted:
                if url in found:
                    uses[url].append(obj)
    return uses


def _iso_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    shown = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return f"PT{shown}{seconds}S"


def video_object(embed: Embed, absolute: Callable[[str], str] = str) -> dict | None:
    """The schema.org ``VideoObject`` of a video embed, or None if its snapshot lacks a part.

    schema.org (and Google) need a name, a thumbnail and an upload date; the description
    is the title when the provider gives none. ``absolute`` makes our URLs absolute
    (``request.build_absolute_uri``).
    """
    found = embed.match
    photo = embed.thumbnail
    if (
        found is None
        or not found.provider.video
        or embed.status != Embed.Status.READY
        or not embed.title
        or embed.published_at is None
        or photo is None
        or not photo.image
    ):
        return None
    data = {
        "@type": "VideoObject",
        "name": embed.title,
        "description": embed.title,
        "thumbnailUrl": [absolute(card_image(photo)[0])],
        "uploadDate": embed.published_at.isoformat(),
        "url": found.url,
        "embedUrl": found.frame_src,
    }
    if embed.duration:
        data["duration"] = _iso_duration(embed.duration)
    if embed.author_name:
        author = {"@type": "Person", "name": embed.author_name}
        if embed.author_url:
            author["url"] = embed.author_url
        data["author"] = author
    return data


def video_objects(embeds: Iterable[Embed], absolute: Callable[[str], str] = str) -> list[dict]:
    """The ``VideoObject``s of the video embeds whose snapshots have what schema.org needs.

    Give it the rows of one body (``snapshots(bodies.embed_urls(body)).values()``, with
    ``select_related("thumbnail")``): no further query.
    """
    return [data for embed in embeds if (data := video_object(embed, absolute)) is not None]
