"""Cross-site request checks for the reader forms embedded in cached pages.

The newsletter sign-up and the comment form sit on article pages (and the home page),
which carry no CSRF token: a token would make each copy personal and the page could not
be served from the page cache. Browsers send ``Sec-Fetch-Site`` (or at least ``Origin``)
with every form post, and that vouches for the post instead. A form page of their own
does carry a token, which Django's CSRF middleware code checks as usual.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware


def same_origin(request: HttpRequest) -> bool:
    """Return whether the browser says the form was sent from one of this site's pages."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def forged(request: HttpRequest) -> bool:
    """Return whether a post may come from another site: not same-origin, no valid token."""
    if same_origin(request):
        return False
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    return check.process_view(request, None, (), {}) is not None
