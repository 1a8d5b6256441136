"""The anonymous page cache: public pages served from Django's cache, with ETag/Last-Modified.

Readers without a login get the stored copy of a public page (home, section, tag, author,
article, search, feeds, sitemaps); anyone logged in always gets the view's own answer, so
an editor never sees a reader's copy and a reader never sees an editor's "Edit post" link.

**Pages know what they show.** While a page renders, every row of a tracked model that
is loaded (``settings.PAGE_CACHE_TRACKED_MODELS``: articles, sections, authors, photos,
tags) adds a dependency key such as ``articles.article:12`` (``instance_key``), and views
add the lists they are (``depends_on("articles:list:section:3")``). The stored page is
entered in a *key index*: for each of its keys, the set of stored pages that carry it
(a Redis set with ``SADD``; elsewhere a set kept in the cache under a process lock).

**An edit purges only those pages.** The domain decides which keys a save affects
(``articles.signals``: a draft purges nothing, a published article's text change its own
key, a publish or unpublish also the lists it enters or leaves) and calls ``purge(keys)``:
the index gives the pages, which are deleted. A hit stays one round trip: the page, the
epoch and the generation are read together (one MGET), and no per-key check is needed,
since a purged page is gone. A page rendered while a purge ran is not kept: each purge
notes its time per key, and a page whose keys were purged after its render began is
deleted right after it is stored (store, then check: no interleaving keeps it). Purges run
now and again when the transaction commits, as a reader may have rendered the old rows in
between.

Two numbers live in the cache beside the pages. The *generation* is raised by every purge:
each process's copies of pages (``LocalCopies``, trusted for 0.1 s) follow it. The *epoch*
is raised by ``invalidate_pages()``, which drops every page at once (after a deploy, or a
write no key describes). Small values many pages need (``cached_value``) are indexed by
key like pages.

Time changes pages too: a scheduled article appears, an ``unpublish_at`` hides one, both
without a save. The next such moment is kept in the cache (``SCHEDULE_KEY``, read with
every hit); the first request after it purges what it changed, as a save would have
(``process_due_changes``, asking ``settings.PAGE_CACHE_DUE_CHANGES``), and notes the next
one (``settings.PAGE_CACHE_NEXT_CHANGE``). Saving a scheduled article notes its moment.

Browsers and proxies revalidate every time (``Cache-Control: public, max-age=0,
must-revalidate``) and get a 304 without a body while the page is unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models.signals import post_init
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response, get_max_age, patch_vary_headers
from django.utils.http import http_date, quote_etag, split_header_value, urlencode

from .edge import EVERY_PAGE, purge_at_edge
from .hooks import get_func

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
EPOCH_KEY = "pages:epoch"
# Dependency key -> the stored pages carrying it; dependency key -> when it was purged.
INDEX_PREFIX = "pages:index:"
PURGED_PREFIX = "pages:purged:"
# A softly purged page waits here for its one re-render (stale-while-revalidate), under
# the page's own key with this prefix; the lock says who renders it.
STALE_PREFIX = "pages:stale:"
RENDER_LOCK_PREFIX = "pages:rendering:"
# The pages a purge dropped, under the generation it made: other processes drop just
# those from their own copies (``LocalCopies``), if they missed at most this many.
DROPPED_PREFIX = "pages:dropped:"
DROPPED_GENERATIONS = 32
DROPPED_SECONDS = 120
# When the next scheduled publish or unpublish comes, and until when they were processed.
SCHEDULE_KEY = "pages:schedule"
SCHEDULE_LOCK_KEY = "pages:schedule:lock"
# Stored pages: this prefix and a hash of the URL (the entry format is part of the prefix).
PAGE_KEY_PREFIX = "pages:page:v3:"
# Headers of a stored page that are not kept: middleware outside this one adds them per
# request (the CSP header carries a nonce), or they say "miss"/are the view's own expiry.
UNSTORED_HEADERS = frozenset(
    {
        "content-length",
        "content-security-policy",
        "content-security-policy-report-only",
        "date",
        "expires",
        "set-cookie",
        "x-cache",
    }
)
# Without one of these request headers there is nothing to revalidate.
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# A Vary on anything but these would need its own key; such responses are not stored.
HANDLED_VARY = frozenset({"cookie", "accept-encoding"})
PUBLIC_CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Small cached values without keys are kept at most this long by default.
VALUE_SECONDS = 24 * 60 * 60


def page_cache() -> BaseCache:
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


# Generation -------------------------------------------------------------------------


def _current(cache: BaseCache, key: str) -> int:
    # A fresh number is random, not 1: had the key been evicted, counting again from 1
    # could bring back pages stored with an old number.
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.randbits(48), timeout=None)
        value = cache.get(key)
    return value


def current_generation(cache: BaseCache | None = None) -> int:
    """Return the pages' generation (raised by every purge), starting one when there is none."""
    return _current(cache or page_cache(), GENERATION_KEY)


def current_epoch(cache: BaseCache | None = None) -> int:
    """Return the pages' epoch (raised by ``invalidate_pages``), starting one when there is none."""
    return _current(cache or page_cache(), EPOCH_KEY)


VALUE_PREFIX = "pages:value:v2:"  # (epoch, value, keys)


def cached_value(
    name: str,
    compute: Callable[[], Any],
    *,
    keys: Iterable[str] = (),
    seconds: int = VALUE_SECONDS,
    page_depends: bool = True,
) -> Any:
    """Return ``compute()``, kept in the page cache until one of ``keys`` is purged.

    For small things many pages need (the section navigation, which articles have
    comments closed): one query until what they show changes, not one per page
    rendered. The value is indexed under ``keys`` like a page, and the page being
    rendered depends on them, unless ``page_depends`` is false (the page carries a
    narrower key for its part of the value). Without keys it is kept ``seconds`` (an
    estimate, such as a count used to plan a query). ``invalidate_pages`` drops every
    value too.
    """
    found = cached_values(
        [name],
        lambda missing: {name: (compute(), keys)},
        seconds=seconds,
        page_depends=page_depends,
    )
    return found[name]


def cached_values(
    names: Iterable[str],
    compute: Callable[[list[str]], Mapping[str, tuple[Any, Iterable[str]]]],
    *,
    seconds: int = VALUE_SECONDS,
    page_depends: bool = True,
) -> dict[str, Any]:
    """Return the named values, computing only those missing, in one round trip.

    ``cached_value`` for many values: ``compute(missing_names)`` returns each missing
    value with its keys (``{name: (value, keys)}``), and the value is kept until one of
    its keys is purged. The keys are kept with the value, so a page using a kept value
    depends on them without loading the rows they name (a list's teasers: each under its
    article's, section's, photo's and authors' keys). A name ``compute`` leaves out is
    not returned.
    """
    names = list(dict.fromkeys(names))
    stored = {VALUE_PREFIX + name: name for name in names}
    values: dict[str, Any] = {}
    try:
        cache = page_cache()
        found = cache.get_many([EPOCH_KEY, *stored])
        epoch = found.pop(EPOCH_KEY, None)
        for key, (entry_epoch, value, keys) in found.items():
            if entry_epoch == epoch:
                values[stored[key]] = value
                if page_depends:
                    depends_on(*keys)
        epoch = epoch if epoch is not None else current_epoch(cache)
    except Exception:
        logger.exception("Could not read %s from the page cache", ", ".join(names))
        cache = None
    missing = [name for name in names if name not in values]
    if not missing:
        return values
    started = time.time()
    computed = {name: (value, frozenset(keys)) for name, (value, keys) in compute(missing).items()}
    for name, (value, keys) in computed.items():
        values[name] = value
        if page_depends:
            depends_on(*keys)
    if cache is None:
        return values
    try:
        # As a page is stored: indexed, stored, then dropped if purged meanwhile.
        keyed = {VALUE_PREFIX + name: keys for name, (_, keys) in computed.items() if keys}
        if keyed:
            key_index(cache).add_many(keyed, _index_timeout())
            # Never outliving its index entries, or a purge could no longer find it.
            seconds = min(seconds, int(settings.PAGE_CACHE_SECONDS))
        entries = {VALUE_PREFIX + name: (epoch, *entry) for name, entry in computed.items()}
        cache.set_many(entries, seconds)
        every_key = {key for keys in keyed.values() for key in keys}
        purged = cache.get_many([PURGED_PREFIX + key for key in every_key]) if every_key else {}
        late = {
            name.removeprefix(PURGED_PREFIX) for name, moment in purged.items() if moment > started
        }
        if late:
            cache.delete_many([name for name, keys in keyed.items() if keys & late])
    except Exception:
        logger.exception("Could not keep %s in the page cache", ", ".join(computed))
    return values


def _bump(cache: BaseCache, key: str) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # no number yet (or evicted): any new number will do
        fresh = secrets.randbits(48)
        return fresh if cache.add(key, fresh, timeout=None) else cache.incr(key)


def _bump_generation(*, epoch: bool = False, dropped: list[str] | None = None) -> None:
    """Raise the generation (and the epoch); ``dropped``: the only pages that changed."""
    if dropped is None:
        local_copies.forget()
    else:
        local_copies.drop(dropped)
    cache = page_cache()
    try:
        if epoch:
            _bump(cache, EPOCH_KEY)
        generation = _bump(cache, GENERATION_KEY)
        if dropped is not None:
            cache.set(f"{DROPPED_PREFIX}{generation}", dropped, DROPPED_SECONDS)
    except Exception:
        # An edit must not fail because the cache is down; the pages then expire by time.
        logger.exception("Could not invalidate the page cache")


def _bump_after_commit() -> None:
    _bump_generation(epoch=True)
    purge_at_edge({EVERY_PAGE}, hard=True)


def invalidate_pages(using: str | None = None) -> None:
    """Make every cached page render afresh on its next request.

    For a change no dependency key describes (after deploying changed templates, or raw
    SQL); an edit of rows should ``purge`` their keys instead. It raises the epoch now,
    and again once the current transaction commits: a reader who rendered a page between
    the change and the commit saw the old rows, and that copy must not survive either.
    """
    _bump_generation(epoch=True)
    purge_at_edge({EVERY_PAGE}, hard=True)
    connection = transaction.get_connection(using or DEFAULT_DB_ALIAS)
    if not connection.in_atomic_block:
        return
    # One bump per transaction is enough, however many rows changed. (A rolled-back
    # transaction or savepoint drops its callbacks, so this never skips a needed one.)
    if any(entry[1] is _bump_after_commit for entry in connection.run_on_commit):
        return
    transaction.on_commit(_bump_after_commit, using=using, robust=True)


# Dependency keys ----------------------------------------------------------------------

_page_keys: ContextVar[set[str] | None] = ContextVar("page_keys", default=None)
_untracked: ContextVar[bool] = ContextVar("page_keys_untracked", default=False)


def row_key(model: type[models.Model], pk: object) -> str:
    """Return the dependency key of one row: "app_label.model:pk"."""
    return f"{model._meta.label_lower}:{pk}"


def instance_key(instance: models.Model) -> str:
    """Return the dependency key of ``instance``'s row."""
    return row_key(type(instance), instance.pk)


def depends_on(*keys: str) -> None:
    """Note that the page being rendered shows what ``keys`` name (outside a page: nothing)."""
    collected = _page_keys.get()
    if collected is not None:
        collected.update(keys)


def _instance_loaded(sender, instance: models.Model, **kwargs) -> None:
    if instance.pk is not None and not _untracked.get():
        collected = _page_keys.get()
        if collected is not None:
            collected.add(instance_key(instance))


@contextlib.contextmanager
def untracked() -> Iterator[None]:
    """Load rows without the page depending on their keys; the caller names what it shows.

    For rows a page shows only in part (a teaser of an article: ``depends_on`` its
    narrower key), so an edit to the rest does not purge the page.
    """
    token = _untracked.set(True)
    try:
        yield
    finally:
        _untracked.reset(token)


def track_instances() -> None:
    """Make every loaded row of ``settings.PAGE_CACHE_TRACKED_MODELS`` a key of the page.

    Called from ``NewsroomConfig.ready()``. Rows are noted through ``post_init``, so a
    teaser, an avatar or a tag a template reads is a dependency without the view listing
    it; outside a page render the receiver returns at once.
    """
    for label in getattr(settings, "PAGE_CACHE_TRACKED_MODELS", ()):
        model = apps.get_model(label)
        post_init.connect(
            _instance_loaded, sender=model, dispatch_uid=f"page-keys-{model._meta.label_lower}"
        )


class KeyIndex:
    """Dependency key -> the stored pages carrying it, kept in the cache itself.

    Sets are read and written whole, under this process's lock: right for a cache each
    process has for itself (local memory: development and tests). ``RedisKeyIndex``
    serves a shared cache.
    """

    _lock = threading.Lock()

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def add(self, page_key: str, keys: Iterable[str], timeout: int) -> None:
        names = [INDEX_PREFIX + key for key in keys]
        with self._lock:
            found = self.cache.get_many(names)
            self.cache.set_many({name: {*found.get(name, ()), page_key} for name in names}, timeout)

    def add_many(self, entries: Mapping[str, Iterable[str]], timeout: int) -> None:
        """Index each stored name of ``entries`` under its keys."""
        for page_key, keys in entries.items():
            self.add(page_key, keys, timeout)

    def pages(self, keys: Iterable[str], *, remove: bool) -> set[str]:
        """Return the pages carrying any of ``keys``; with ``remove``, forget the keys."""
        names = [INDEX_PREFIX + key for key in keys]
        with self._lock:
            found = self.cache.get_many(names)
            if remove:
                self.cache.delete_many(names)
        return {page for pages in found.values() for page in pages}


class RedisKeyIndex(KeyIndex):
    """The key index as Redis sets: ``SADD`` as a page is stored, ``SMEMBERS``, ``DEL`` to purge."""

    def _client(self):
        return self.cache._cache.get_client(write=True)

    def _name(self, key: str) -> str:
        return self.cache.make_and_validate_key(INDEX_PREFIX + key)

    def add(self, page_key: str, keys: Iterable[str], timeout: int) -> None:
        self.add_many({page_key: keys}, timeout)

    def add_many(self, entries: Mapping[str, Iterable[str]], timeout: int) -> None:
        pipe = self._client().pipeline(transaction=False)
        for page_key, keys in entries.items():
            for key in keys:
                name = self._name(key)
                pipe.sadd(name, page_key)
                pipe.expire(name, timeout)
        pipe.execute()

    def pages(self, keys: Iterable[str], *, remove: bool) -> set[str]:
        names = [self._name(key) for key in keys]
        if not names:
            return set()
        pipe = self._client().pipeline(transaction=True)
        for name in names:
            pipe.smembers(name)
        if remove:
            pipe.delete(*names)
        members = pipe.execute()[: len(names)]
        return {page.decode() for pages in members for page in pages}


def key_index(cache: BaseCache) -> KeyIndex:
    return RedisKeyIndex(cache) if isinstance(cache, RedisCache) else KeyIndex(cache)


def _index_timeout() -> int:
    return int(settings.PAGE_CACHE_SECONDS) + 60


def stale_seconds() -> float:
    """Return how long a softly purged page may still be served while it renders again."""
    return float(getattr(settings, "PAGE_CACHE_STALE_SECONDS", 2) or 0)


# When a purge could not reach the cache (Redis down): pages stored before it may come
# back with Redis (one that keeps its data), so the next request that reaches the cache
# again drops every stored page (a new epoch) before answering from it.
_lost_purge: list[float] = []


def _failures(cache: BaseCache) -> int:
    """Return how often the cache has been unavailable (``newsroom.cache.RedisCache``)."""
    return getattr(cache, "failures", 0)


def _recover_lost_purges(cache: BaseCache) -> None:
    if not _lost_purge:
        return
    before = _failures(cache)
    try:
        _bump(cache, EPOCH_KEY)
        _bump(cache, GENERATION_KEY)
    except Exception:
        return  # still down: try again on the next request
    if _failures(cache) == before:
        lost_at = _lost_purge.pop()
        _lost_purge.clear()
        local_copies.forget()
        logger.warning(
            "The page cache is back: every stored page was dropped, since a purge at %s "
            "could not reach it.",
            datetime.fromtimestamp(lost_at, UTC).isoformat(timespec="seconds"),
        )


def _purge_now(keys: frozenset[str], *, hard: bool) -> None:
    cache = page_cache()
    pages: list[str] | None = None  # unknown: every process drops all its copies
    failures = _failures(cache)
    try:
        # First the time, then the pages: a render that began before this and is stored
        # after it finds the time and drops itself (see PublicPageCacheMiddleware._store).
        now = time.time()
        cache.set_many({PURGED_PREFIX + key: now for key in keys}, _index_timeout())
        # A soft purge leaves the pages indexed: a removal later must still find the
        # stale copies it made.
        pages = list(key_index(cache).pages(keys, remove=hard))
        if pages:
            seconds = stale_seconds()
            if not hard and seconds > 0:
                # Kept a moment as stale copies: readers get one while one of them renders.
                found = cache.get_many(pages)
                cache.set_many(
                    {STALE_PREFIX + page: entry for page, entry in found.items()},
                    math.ceil(seconds),
                )
            else:
                cache.delete_many([STALE_PREFIX + page for page in pages])
            cache.delete_many(pages)
    except Exception:
        logger.exception("Could not purge pages from the page cache")
        pages = None
    _bump_generation(dropped=pages)
    if pages is None or _failures(cache) != failures:
        _lost_purge.append(time.time())
    purge_at_edge(keys, hard=hard)


def purge(keys: Iterable[str], using: str | None = None, *, hard: bool = False) -> None:
    """Drop every stored page that showed one of ``keys``, now and when the transaction commits.

    Pages that show none of them stay: a draft saved, or a photo no page uses, purges
    nothing readers see. A soft purge (an edit) lets readers have the old page for at
    most ``PAGE_CACHE_STALE_SECONDS`` while one request renders the new one, so a hot
    page is never rendered by every worker at once; a ``hard`` purge (a removal: an
    unpublish, a delete) drops it at once, and nobody is served it after this returns.
    The keys of one transaction are purged together on commit, hard if any purge was.
    """
    keys = frozenset(keys)
    if not keys:
        return
    _purge_now(keys, hard=hard)
    connection = transaction.get_connection(using or DEFAULT_DB_ALIAS)
    if not connection.in_atomic_block:
        return
    # One purge on commit for the whole transaction: add to the callback already waiting.
    # (A rolled-back transaction or savepoint drops its callbacks, and with them the keys.)
    for entry in connection.run_on_commit:
        waiting = getattr(entry[1], "page_keys", None)
        if waiting is not None:
            waiting.update(keys)
            entry[1].hard |= hard
            return

    def purge_on_commit() -> None:
        _purge_now(frozenset(purge_on_commit.page_keys), hard=purge_on_commit.hard)

    purge_on_commit.page_keys = set(keys)
    purge_on_commit.hard = hard
    transaction.on_commit(purge_on_commit, using=using, robust=True)


# Time-based changes -------------------------------------------------------------------


def _compute_next_change(since: datetime) -> datetime | None:
    """Ask the domain (``settings.PAGE_CACHE_NEXT_CHANGE``) when a page next changes by itself."""
    return get_func("PAGE_CACHE_NEXT_CHANGE", _no_scheduled_changes)(since)


def _no_scheduled_changes(since: datetime) -> None:
    return None


def _no_due_changes(since: datetime, until: datetime) -> list:
    return []


# The next scheduled moment as last read from the cache (this process), or None.
_schedule_seen: dict[str, float | None] = {"at": None}


def process_due_changes(cache: BaseCache, schedule: dict | None) -> None:
    """Purge what passed scheduled moments changed, and note when the next one comes.

    Run by the request that first finds the noted moment passed (one at a time, under a
    lock): the domain (``settings.PAGE_CACHE_DUE_CHANGES``) lists the keys each article
    that appeared or disappeared since the last run affects, and they are purged (hard
    for a disappearance), exactly as if it had been saved then. Pages are otherwise not
    bounded by the next scheduled moment.
    """
    if not cache.add(SCHEDULE_LOCK_KEY, 1, 30):
        return  # another request is at it
    try:
        now = timezone.now()
        if schedule is not None:
            since = datetime.fromtimestamp(schedule["since"], tz=UTC)
            due = get_func("PAGE_CACHE_DUE_CHANGES", _no_due_changes)(since, now)
            for keys, hard in due:
                purge(keys, hard=hard)
        moment = _compute_next_change(now)
        at = moment.timestamp() if moment else None
        cache.set(SCHEDULE_KEY, {"since": now.timestamp(), "at": at}, None)
        _schedule_seen["at"] = at
    finally:
        cache.delete(SCHEDULE_LOCK_KEY)


def schedule_changed(moment: datetime) -> None:
    """Note that a page will change by itself at ``moment`` (an article was scheduled)."""
    cache = page_cache()
    try:
        schedule = cache.get(SCHEDULE_KEY)
        if schedule is not None and (schedule["at"] is None or moment.timestamp() < schedule["at"]):
            cache.set(SCHEDULE_KEY, {**schedule, "at": moment.timestamp()}, None)
    except Exception:
        logger.exception("Could not note a scheduled change in the page cache")


# The middleware -----------------------------------------------------------------------
#
# A stored page is one tuple, read together with the epoch in a single round trip:
#   (epoch, valid_until, etag, last_modified, content, headers, csp_attributes)
# ``headers`` are the answer's own headers, validators and Vary included, ready to set;
# ``last_modified`` is a whole-second timestamp; ``csp_attributes`` is () or pairs of a
# per-view CSP (django.views.decorators.csp) that must travel with the page.


def _page_key(request: HttpRequest) -> str:
    # Method-independent (HEAD shares GET's copy); the scheme and host are part of the
    # page (canonical links, feed URLs are absolute). No epoch in the key: the entry
    # carries its own, so one read fetches both, and a newer copy replaces an older one.
    # Only the query parameters a page reads are part of it (page_path): ?utm_source=1,
    # =2, … answer the one copy, instead of each rendering and storing a page of its own.
    url = f"{request.scheme}://{request.get_host()}{page_path(request)}"
    return f"{PAGE_KEY_PREFIX}{hashlib.sha256(url.encode()).hexdigest()}"


def page_path(request: HttpRequest) -> str:
    """Return the request's path with only the query parameters public pages read.

    ``settings.PAGE_CACHE_QUERY_PARAMETERS`` (``page``, ``q``…), sorted: the page a
    shared copy is kept as. A page must not show the others (a tracking parameter in a
    form's return address would be served to every reader of the copy).
    """
    read = settings.PAGE_CACHE_QUERY_PARAMETERS
    kept = sorted((name, values) for name, values in request.GET.lists() if name in read)
    return f"{request.path}?{urlencode(kept, doseq=True)}" if kept else request.path


def _read_many(cache: BaseCache, keys: list[str]) -> dict[str, Any]:
    # One round trip on every backend that talks to a server (MGET on Redis).
    return cache.get_many(keys)


class LocalCopies:
    """This process's copies of the pages it served lately, in front of a shared cache.

    With Redis, the round trip of a hit was a third of its time. A copy kept here is
    served without one while the generation this process last read is younger than
    ``PAGE_CACHE_LOCAL_SECONDS``: an edit made through another process shows here at
    most that long after (0.1 s by default), one made through this one at once
    (``purge`` drops the copies of the pages it purged). A new generation drops the
    copies of the pages purged since (``saw``), or every copy when that is not known
    (``invalidate_pages``, or more than ``DROPPED_GENERATIONS`` purges missed). Copies are
    kept newest-used first up to ``PAGE_CACHE_LOCAL_BYTES``.
    Off (0 s) without a shared cache: local memory is the page cache itself then.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple] = OrderedDict()
        self._bytes = 0
        self._generation: int | None = None
        self._read_at = 0.0

    @staticmethod
    def seconds() -> float:
        return float(getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 0) or 0)

    def get(self, key: str) -> tuple | None:
        """Return the copy of ``key`` if the generation was read recently."""
        seconds = self.seconds()
        if seconds <= 0 or time.monotonic() - self._read_at >= seconds:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry

    def saw(self, generation: int | None, key: str, entry: tuple | None, cache: BaseCache) -> None:
        """Note the generation just read from the shared cache, and keep ``entry``.

        A new generation drops the copies of the pages purged since the one read before
        (the purges list them, ``DROPPED_PREFIX``); every copy when a list is missing.
        """
        if self.seconds() <= 0 or generation is None:
            return
        dropped = None
        known = self._generation
        if known is not None and generation != known:
            missed = generation - known
            if 0 < missed <= DROPPED_GENERATIONS:
                names = [f"{DROPPED_PREFIX}{known + step}" for step in range(1, missed + 1)]
                with contextlib.suppress(Exception):
                    lists = cache.get_many(names)
                    if len(lists) == len(names):
                        dropped = [page for pages in lists.values() for page in pages]
        with self._lock:
            if generation != self._generation:
                if dropped is not None and self._generation == known:
                    self._drop(dropped)
                else:
                    self._entries.clear()
                    self._bytes = 0
                self._generation = generation
            self._read_at = time.monotonic()
            if entry is None:
                return
            limit = int(getattr(settings, "PAGE_CACHE_LOCAL_BYTES", 32 * 1024 * 1024))
            size = len(entry[4])
            if size > limit // 4:
                return  # a page this large would push out many others
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[4])
            while self._entries and self._bytes + size > limit:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped[4])
            self._entries[key] = entry
            self._bytes += size

    def _drop(self, keys: list[str]) -> None:
        for key in keys:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[4])

    def drop(self, keys: list[str]) -> None:
        """Drop the copies of ``keys`` (purged by an edit made in this process)."""
        with self._lock:
            self._drop(keys)

    def forget(self) -> None:
        """Drop every copy and the generation (after every page was invalidated)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._generation = None
            self._read_at = 0.0


local_copies = LocalCopies()


def _lookup(
    request: HttpRequest, cache: BaseCache, key: str
) -> tuple[HttpResponseBase | None, int | None]:
    """Return the stored answer to ``request`` (or None), and the current epoch if read.

    A copy in this process (``LocalCopies``) answers without a round trip; otherwise
    one round trip reads the generation, the epoch, the page and its stale copy. A page
    is served only if it was rendered in the current epoch and is not past the next
    scheduled change (a purged page is gone from the cache). Without a page, a stale
    copy (``purge``) is served unless this request is the one that renders it again:
    the first to take the page's render lock.
    """
    _recover_lost_purges(cache)
    entry = local_copies.get(key)
    if entry is not None and entry[1] > time.time():
        return _conditional(request, _from_entry(entry), entry[2], entry[3]), None
    stale_key = STALE_PREFIX + key
    names = [GENERATION_KEY, EPOCH_KEY, key, stale_key, SCHEDULE_KEY]
    found = _read_many(cache, names)
    schedule = found.get(SCHEDULE_KEY)
    _schedule_seen["at"] = schedule["at"] if schedule is not None else None
    if schedule is None:
        request._page_schedule_missing = True  # noted when a page is stored
    elif schedule["at"] is not None and schedule["at"] <= time.time():
        # A scheduled article appeared or went: purge what it changed, then read again.
        process_due_changes(cache, schedule)
        found = _read_many(cache, names)
        schedule = found.get(SCHEDULE_KEY)
        _schedule_seen["at"] = schedule["at"] if schedule is not None else None
    generation, epoch, entry = found.get(GENERATION_KEY), found.get(EPOCH_KEY), found.get(key)
    if entry is not None and epoch is not None and entry[0] == epoch and entry[1] > time.time():
        local_copies.saw(generation, key, entry, cache)
        return _conditional(request, _from_entry(entry), entry[2], entry[3]), epoch
    local_copies.saw(generation, key, None, cache)
    stale = found.get(stale_key)
    if (
        stale is not None
        and epoch is not None
        and stale[0] == epoch
        and not getattr(request, "_renders_page", False)
    ):
        if cache.add(RENDER_LOCK_PREFIX + key, 1, max(1, math.ceil(stale_seconds()))):
            request._renders_page = True  # this request renders it; the others get the copy
        else:
            response = _from_entry(stale, state="stale")
            return _conditional(request, response, stale[2], stale[3]), epoch
    return None, epoch


def _has_messages(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _is_candidate(request: HttpRequest) -> bool:
    """Return whether ``request`` may be answered from, and stored in, the page cache."""
    if not getattr(settings, "PAGE_CACHE_ENABLED", True):
        return False
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(tuple(settings.PAGE_CACHE_EXCLUDED_PREFIXES)):
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    return not _has_messages(request)


def _vary_is_handled(response: HttpResponseBase) -> bool:
    if not response.has_header("Vary"):
        return True
    varies = {value.lower() for value in split_header_value(response["Vary"])}
    return varies <= HANDLED_VARY


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Return whether ``response`` is the same for every anonymous reader, so it may be shared."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = {
        value.split("=")[0].strip().lower()
        for value in split_header_value(response.get("Cache-Control", ""))
    }
    if cache_control & {"private", "no-store", "no-cache"}:
        return False
    if not _vary_is_handled(response):
        return False
    # Something per reader went into the page, or a cookie is about to be set by the
    # middleware outside this one: a used CSP nonce, a CSRF token, a changed session.
    if getattr(request, "_csp_nonce", None):  # LazyNonce is true once generated
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _conditional(
    request: HttpRequest, response: HttpResponseBase, etag: str, last_modified: int
) -> HttpResponseBase:
    """Answer 304 (or 412) when the request's validators say so, else ``response``."""
    meta = request.META
    if not any(header in meta for header in CONDITIONAL_HEADERS):
        return response
    answer = get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
    )
    if answer is not response:
        answer["X-Cache"] = response["X-Cache"]
    return answer


def _from_entry(entry: tuple, state: str = "hit") -> HttpResponse:
    """Rebuild a stored page: the body and its ready headers, nothing computed again."""
    response = HttpResponse(entry[4])
    headers = response.headers
    for name, value in entry[5]:
        headers[name] = value
    for attribute, value in entry[6]:
        setattr(response, attribute, value)
    headers["X-Cache"] = state
    if "Surrogate-Control" in headers:
        _set_edge_lifetime(response, entry[1])
    return response


def _set_edge_lifetime(response: HttpResponseBase, valid_until: float) -> None:
    """Tell an edge cache how long it may keep the page: until it would expire here, and
    no later than the next scheduled moment (the edge's copies are not purged then: no
    request may reach Django to notice it)."""
    at = _schedule_seen["at"]
    until = valid_until if at is None else min(valid_until, at)
    response["Surrogate-Control"] = f"max-age={max(0, int(until - time.time()))}"


class PublicPageCacheMiddleware:
    """Serve anonymous GET/HEAD requests of public pages from the page cache.

    Sits after AuthenticationMiddleware and MessageMiddleware (it asks who the user is
    and whether messages wait) and inside the CSP, CSRF and session middleware, which
    still run on a stored page, so its CSP header carries no stale nonce. Pages whose
    content depends on the reader (a used nonce or CSRF token, a cookie, messages, a
    private Cache-Control) are never stored. ``X-Cache: hit|miss`` tells which it was.
    If the cache cannot be reached, pages are rendered as if there were no cache.

    A hit is one cache round trip (the generation, the epoch and the page together).
    A miss renders with a collector of dependency keys open (``depends_on``), and the
    page is stored under those keys, so an edit purges exactly the pages that show it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _is_candidate(request):
            return self.get_response(request)
        cache = page_cache()
        try:
            key = _page_key(request)
            hit, epoch = _lookup(request, cache, key)
            if hit is not None:
                return hit
            if epoch is None:
                epoch = current_epoch(cache)
        except Exception:
            logger.exception("Page cache unavailable; rendering without it")
            return self.get_response(request)

        started = timezone.now()
        token = _page_keys.set(set())
        try:
            response = self.get_response(request)
            keys = frozenset(_page_keys.get())
        finally:
            _page_keys.reset(token)
        if not _storable(request, response):
            return response
        etag, last_modified = self._store(request, cache, key, epoch, keys, started, response)
        response["X-Cache"] = "miss"
        return _conditional(request, response, etag, last_modified)

    def _store(
        self,
        request: HttpRequest,
        cache: BaseCache,
        key: str,
        epoch: int,
        keys: frozenset[str],
        started: datetime,
        response: HttpResponseBase,
    ) -> tuple[str, int]:
        """Give ``response`` its validators and store it under its dependency ``keys``
        until the earlier of: the TTL, its own max-age (scheduled moments purge it).
        Return its ETag and Last-Modified (also when it is not kept)."""
        rendered_at = started.timestamp()
        limits = [rendered_at + settings.PAGE_CACHE_SECONDS]
        max_age = get_max_age(response)
        if max_age is not None:
            limits.append(rendered_at + max_age)
        valid_until = min(limits)

        if getattr(request, "_page_schedule_missing", False):
            try:
                process_due_changes(cache, None)  # from now on, scheduled moments are watched
            except Exception:
                logger.exception("Page cache unavailable; scheduled moments not watched")
        header = getattr(settings, "PAGE_CACHE_KEY_HEADER", "")
        if header:
            # For an edge cache in front (newsroom.edge): the keys to purge this page by,
            # and how long it may keep it (Surrogate-Control, set again on each hit).
            response[header] = " ".join(sorted({EVERY_PAGE, *keys}))
            _set_edge_lifetime(response, valid_until)
        content = response.content
        etag = quote_etag(hashlib.sha256(content).hexdigest()[:40])
        last_modified = int(rendered_at)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        response["Cache-Control"] = PUBLIC_CACHE_CONTROL
        patch_vary_headers(response, ["Cookie"])

        timeout = valid_until - time.time()
        if timeout <= 0:
            return etag, last_modified
        entry = (
            epoch,
            valid_until,
            etag,
            last_modified,
            content,
            tuple(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in UNSTORED_HEADERS
            ),
            tuple(
                (name, getattr(response, name))
                for name in ("_csp_config", "_csp_ro_config")
                if hasattr(response, name)
            ),
        )
        try:
            # Indexed first, then stored, then checked: a purge of one of the keys that
            # began after the render did either finds the page in the index, or has
            # noted its time, which the check below sees.
            key_index(cache).add(key, keys, _index_timeout())
            cache.set(key, entry, math.ceil(timeout))
            purged = cache.get_many([PURGED_PREFIX + name for name in keys])
            if any(moment > rendered_at for moment in purged.values()):
                cache.delete(key)
            elif getattr(request, "_renders_page", False):
                cache.delete(RENDER_LOCK_PREFIX + key)
        except Exception:
            logger.exception("Page cache unavailable; page not stored")
        return etag, last_modified


class EarlyPageCacheHitMiddleware:
    """Answer page-cache hits for readers without a session before the session middleware.

    A request with no session cookie and no messages cookie comes from someone not
    logged in with nothing waiting for them: what ``PublicPageCacheMiddleware`` would
    serve it is known without loading a session or a user, so a hit is answered here
    and skips the session, CSRF, authentication, two-factor, message and lockout
    middleware. Everything else (misses, storing, logged-in users) passes through to
    ``PublicPageCacheMiddleware`` further in, which stays the only one that stores.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            not getattr(settings, "PAGE_CACHE_ENABLED", True)
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or CookieStorage.cookie_name in request.COOKIES
            or request.path.startswith(tuple(settings.PAGE_CACHE_EXCLUDED_PREFIXES))
        ):
            return self.get_response(request)
        try:
            hit, _ = _lookup(request, page_cache(), _page_key(request))
        except Exception:
            return self.get_response(request)  # the inner middleware logs it
        return hit if hit is not None else self.get_response(request)
