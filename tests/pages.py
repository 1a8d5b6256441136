"""Counting the queries of a public page the way readers meet it."""

from __future__ import annotations

from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from newsroom.pagecache import _page_key

# What pages of a cache generation share, computed once per generation (after an edit):
# the section navigation, the next scheduled change, and the articles with comments
# closed (article pages) or a tag's or author's size and the archive's (their pages,
# to choose how to read them). The first page after an edit pays; no other page does.
GENERATION_QUERIES = 4
# A list whose kept teasers are gone (public.teasers) loads their articles and bylines.
TEASER_QUERIES = 2


def fresh_page_queries(client, url: str) -> int:
    """Return the queries of ``url`` rendered afresh (not from the page cache).

    A first request primes what the generation shares; the stored page alone is then
    dropped and the page asked again: a miss in the page cache but not a new generation,
    as when a reader opens a page nobody opened since the last edit. (A made-up query
    parameter no longer does it: pages are kept without the parameters they do not read.)
    """
    client.get(url)
    caches["default"].delete(_page_key(RequestFactory().get(url)))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200 and response.get("X-Cache") != "hit"
    return len(captured)


def cold_page_queries(client, url: str) -> int:
    """Return the queries of ``url`` as the very first page after an edit."""
    from newsroom.pagecache import invalidate_pages

    invalidate_pages()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)
