"""Benchmark settings with the page cache off: every request renders its page.

The "uncached" half of make bench (and the in-process query counts) uses these.
"""

from .bench import *  # noqa: F403
from .bench import MIDDLEWARE

PAGE_CACHE_ENABLED = False
# Whatever the page cache middleware is called, it is not in the chain.
MIDDLEWARE = [
    name
    for name in MIDDLEWARE
    if not name.startswith("newsroom.pagecache")
    and name
    not in (
        "django.middleware.cache.UpdateCacheMiddleware",
        "django.middleware.cache.FetchFromCacheMiddleware",
    )
]
