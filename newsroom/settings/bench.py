"""Benchmark settings (make bench): production settings plus the two floor views.

The floor views (bench/views.py) measure what the same server does with no page work
at all; they are mounted (bench/urls.py) only under these settings. Everything else,
the page cache included, is exactly production's. Secrets, hosts and the database
come from the environment the runner (bench/run.py) sets.
"""

from .prod import *  # noqa: F403
from .prod import INSTALLED_APPS, PAGE_CACHE_EXCLUDED_PREFIXES

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
BENCH_FLOOR_VIEWS = True
# The floor is Django's least work per request: never a page cache hit.
PAGE_CACHE_EXCLUDED_PREFIXES = (*PAGE_CACHE_EXCLUDED_PREFIXES, "/bench/")
