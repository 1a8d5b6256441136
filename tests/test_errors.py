"""The server-error page: 503 with Retry-After for a database outage, 500 for a bug."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, ProgrammingError
from django.test import RequestFactory

from newsroom.errors import database_unreachable, server_error


def _answer(error: Exception):
    try:
        raise error
    except Exception:
        return server_error(RequestFactory().get("/articles/some-story/"))


def _wrapped(driver_error: Exception, django_class=OperationalError) -> Exception:
    """The error as Django raises it: its own class, the driver's error as the cause."""
    try:
        try:
            raise driver_error
        except Exception as cause:
            raise django_class(str(cause)) from cause
    except Exception as error:
        return error


def test_a_refused_connection_is_an_outage_answered_503():
    error = _wrapped(psycopg.OperationalError("connection refused"))
    response = _answer(error)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Something went wrong on our side" in response.content.decode()


def test_the_pools_timeout_is_an_outage():
    from psycopg_pool import PoolTimeout

    assert database_unreachable(_wrapped(PoolTimeout("couldn't get a connection after 2 s")))


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (psycopg.errors.AdminShutdown("terminating connection"), True),  # 57P01
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.QueryCanceled("statement timeout"), False),  # 57014: a slow query
    ],
)
def test_only_outage_sqlstates_count(error, outage):
    assert database_unreachable(_wrapped(error)) is outage


def test_a_wrong_query_stays_a_500():
    response = _answer(_wrapped(psycopg.errors.UndefinedTable("no table"), ProgrammingError))
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


def test_a_bug_stays_a_500():
    assert _answer(ValueError("a bug")).status_code == 500


def test_a_missing_sqlite_table_is_a_bug_and_a_locked_file_an_outage():
    assert not database_unreachable(OperationalError("no such table: articles_article"))
    assert database_unreachable(OperationalError("database is locked"))
