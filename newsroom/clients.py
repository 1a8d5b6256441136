"""Who is asking: the one rule for a request's client address.

Login throttling (django-axes, through ``AXES_CLIENT_IP_CALLABLE``), the newsletter's
sign-up limit and the comments' limits all read the client's address here, so they
agree on who the client is.

``settings.NEWSROOM_PROXY_COUNT`` is the number of reverse proxies in front of Django
that the newsroom runs and trusts (nginx: 1; a CDN in front of nginx: 2). Each appends
the address it received the request from to ``X-Forwarded-For``, so the client is the
entry that many places from the end. Anything further left was written by the client
and proves nothing. With 0 (the default: Django faces the internet, or a proxy that
rewrites ``REMOTE_ADDR`` itself) ``X-Forwarded-For`` is ignored: anyone can send one.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """Return ``value`` as a normalised IP address, or None when it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.7:51234"
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """Return the address of the client that sent ``request``, by the trusted proxies.

    With ``NEWSROOM_PROXY_COUNT`` proxies, the entry of ``X-Forwarded-For`` that the
    outermost of them wrote; when the header is too short or that entry is not an
    address (the request did not come through them all), ``REMOTE_ADDR``.
    """
    remote = _address(request.META.get("REMOTE_ADDR", "")) or None
    proxies = int(getattr(settings, "NEWSROOM_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _address(forwarded[-proxies]) or remote
