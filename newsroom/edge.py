"""Purging an edge cache by key: Varnish (xkey) built in, any CDN through the same interface.

Every cacheable public page carries its dependency keys in a response header
(``settings.PAGE_CACHE_KEY_HEADER``: ``xkey`` for Varnish, ``Surrogate-Key`` for Fastly,
``Cache-Tag`` for Cloudflare), so the edge can index the copies it keeps. When an edit
purges keys from the page cache (``newsroom.pagecache.purge``), the configured purger
(``settings.PAGE_CACHE_EDGE``) sends the same keys to the edge.

A CDN backend is a subclass of ``EdgePurger`` whose ``purge`` calls the CDN's purge-by-key
API (Fastly: ``POST /service/<id>/purge`` with a ``Surrogate-Key`` header; Cloudflare:
``POST /zones/<id>/purge_cache`` with ``{"tags": [...]}``), named in ``PAGE_CACHE_EDGE``.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Every page carries this key too, so that dropping every page reaches the edge.
EVERY_PAGE = "pages:all"


class EdgePurger(ABC):
    """Tell an edge cache to drop the copies carrying some keys."""

    @abstractmethod
    def purge(self, keys: Collection[str], *, hard: bool) -> None:
        """Drop the edge's copies carrying any of ``keys``.

        ``hard`` is a removal: never serve the copy again. Otherwise the edge may serve
        it for a short grace time while it fetches the new page once.
        """


class VarnishPurger(EdgePurger):
    """Send ``PURGE`` requests with an ``xkey-purge`` header to Varnish (deploy/varnish)."""

    def __init__(self, urls: Sequence[str], timeout: float = 2.0, batch: int = 200) -> None:
        self.urls = list(urls)
        self.timeout = timeout
        self.batch = batch

    def purge(self, keys: Collection[str], *, hard: bool) -> None:
        keys = sorted(keys)
        for start in range(0, len(keys), self.batch):
            headers = {"xkey-purge": " ".join(keys[start : start + self.batch])}
            if not hard:
                headers["xkey-soft"] = "1"
            for url in self.urls:
                request = urllib.request.Request(url, method="PURGE", headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=self.timeout) as response:
                        response.read()
                except (urllib.error.URLError, OSError):
                    # The edit is saved; the edge's copies expire by their TTL.
                    logger.exception("Could not purge %s at %s", headers["xkey-purge"], url)


@cache
def _purger(backend: str, options: tuple) -> EdgePurger:
    return import_string(backend)(**dict(options))


def edge_purger() -> EdgePurger | None:
    """Return the configured edge purger (``settings.PAGE_CACHE_EDGE``), or None."""
    config = getattr(settings, "PAGE_CACHE_EDGE", None)
    if not config:
        return None
    options = tuple(
        (name, tuple(value) if isinstance(value, list) else value)
        for name, value in sorted(config.get("OPTIONS", {}).items())
    )
    return _purger(config["BACKEND"], options)


def purge_at_edge(keys: Collection[str], *, hard: bool) -> None:
    """Send ``keys`` to the edge, if one is configured."""
    purger = edge_purger()
    if purger is not None and keys:
        purger.purge(keys, hard=hard)
