"""Django's Redis cache backend, reusing its Redis client, and answering while Redis is down.

Django's backend builds a new ``redis.Redis`` object on every cache call, which costs
more than the round trip itself (about 0.2 ms here: it copies its table of reply
parsers). Page-cache hits, sessions and rate limits all pay it. This backend keeps one
client per connection pool: clients are thread-safe and draw connections from the pool.

A cache is an optimisation, so a Redis that is down or too slow (``socket_timeout``)
answers like an empty cache instead of failing the request: reads miss, writes do
nothing, ``incr`` raises ``ValueError`` as for a missing key. Readers get pages rendered
afresh, editors' saves succeed, sessions are read from the database (``cached_db``),
and the sign-up and comment limits count nothing until it is back: they fail open, so
readers are never refused because of our outage (login throttling is kept in the
database by django-axes and stays on). Each failure is logged (at most once every
``LOG_EVERY`` seconds) and counted in ``failures``, which the page cache reads to purge
again what it could not purge meanwhile (``newsroom.pagecache``).
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

LOG_EVERY = 10.0
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write: bool = False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


def _soft(missing):
    """Answer ``missing(*args, **kwargs)`` instead of raising while Redis is unavailable."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                self._unavailable(error)
                return missing(*args, **kwargs)

        return wrapper

    return decorate


def _key_missing(*args, **kwargs):
    raise ValueError("Redis is unavailable: the key is treated as missing.")


class RedisCache(DjangoRedisCache):
    # Counted over the process's life: the page cache compares it before and after a purge.
    failures = 0
    _logged_at = 0.0

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def _unavailable(self, error: Exception) -> None:
        type(self).failures += 1
        now = time.monotonic()
        if now - type(self)._logged_at >= LOG_EVERY:
            type(self)._logged_at = now
            logger.warning("Redis is unavailable, answering as an empty cache: %s", error)

    get = _soft(lambda key, default=None, version=None: default)(DjangoRedisCache.get)
    get_many = _soft(lambda *args, **kwargs: {})(DjangoRedisCache.get_many)
    has_key = _soft(lambda *args, **kwargs: False)(DjangoRedisCache.has_key)
    add = _soft(lambda *args, **kwargs: False)(DjangoRedisCache.add)
    set = _soft(lambda *args, **kwargs: None)(DjangoRedisCache.set)
    set_many = _soft(lambda data, *args, **kwargs: list(data))(DjangoRedisCache.set_many)
    touch = _soft(lambda *args, **kwargs: False)(DjangoRedisCache.touch)
    delete = _soft(lambda *args, **kwargs: False)(DjangoRedisCache.delete)
    delete_many = _soft(lambda *args, **kwargs: None)(DjangoRedisCache.delete_many)
    incr = _soft(_key_missing)(DjangoRedisCache.incr)
    clear = _soft(lambda *args, **kwargs: False)(DjangoRedisCache.clear)
