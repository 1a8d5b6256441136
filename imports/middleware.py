"""Old addresses of a site that moved in keep working: 301 to the page that replaced them.

The table (``LegacyRedirect``) is consulted only when a path would answer 404, so it
never shadows a page of ours, and for WordPress's ``/?p=<id>``, which is our home page
otherwise. Lookups (found or not) are kept in the cache; an import starts a new
generation of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase, HttpResponsePermanentRedirect
from django.urls import reverse
from taggit.models import Tag

from .models import LegacyRedirect

GENERATION_KEY = "legacy-redirects:generation"
SECONDS = 600


def new_generation() -> None:
    """Forget every kept lookup (after an import changed the table)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def url_of(target) -> str:
    """The public address of what replaced an old page (a tag has no get_absolute_url)."""
    if isinstance(target, Tag):
        return reverse("articles:tag", args=[target.slug])
    return target.get_absolute_url()


def target_of(old_path: str) -> str:
    """The URL that replaced ``old_path``, or "" (one query, then the cache)."""
    generation = cache.get(GENERATION_KEY, 0)
    key = f"legacy-redirect:{generation}:{hashlib.sha256(old_path.encode()).hexdigest()[:32]}"
    found = cache.get(key)
    if found is None:
        row = (
            LegacyRedirect.objects.filter(old_path=old_path).select_related("content_type").first()
        )
        found = url_of(row.target) if row is not None and row.target is not None else ""
        cache.set(key, found, SECONDS)
    return found


class LegacyRedirectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        post_id = request.GET.get("p", "")
        wordpress_id = post_id.isascii() and post_id.isdigit() and len(post_id) < 12
        if request.path == "/" and wordpress_id and (url := target_of(f"/?p={int(post_id)}")):
            return HttpResponsePermanentRedirect(url)
        response = self.get_response(request)
        if (
            response.status_code == 404
            and len(request.path) <= 500
            and (url := target_of(request.path))
        ):
            return HttpResponsePermanentRedirect(url)
        return response
