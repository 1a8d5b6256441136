"""The server-error page: 503 with Retry-After while the database is unreachable.

Django calls ``handler500`` inside the ``except`` block of the request that failed, so
the exception is known here. A database that cannot be reached (PostgreSQL restarting,
the connection pool timing out) is a temporary outage, not a bug: readers and crawlers
get ``503 Service Unavailable`` with ``Retry-After``, which search engines treat as
"come back later" rather than as a broken page. Both answers render ``500.html``, which
needs no database.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.views import defaults

RETRY_AFTER_SECONDS = 30


# SQLSTATE classes of an outage: 08 connection exceptions, 57P operator intervention
# (the server shutting down or starting up).
OUTAGE_SQLSTATES = ("08", "57P")


def database_unreachable(error: BaseException | None) -> bool:
    """Whether ``error`` says the database could not be reached (not that a query was wrong).

    Django wraps the driver's error, keeping it as ``__cause__``: a PostgreSQL error
    without a SQLSTATE is a failed or lost connection (or the pool's timeout); one with
    a SQLSTATE counts only in the outage classes. A locked SQLite file is temporary too.
    """
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if cause is not None and cause.__class__.__module__.startswith("psycopg"):
        sqlstate = getattr(cause, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith(OUTAGE_SQLSTATES)
    return "database is locked" in str(error)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    response = defaults.server_error(request, template_name)
    if database_unreachable(sys.exc_info()[1]):
        response.status_code = 503
        response.reason_phrase = "Service Unavailable"
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
