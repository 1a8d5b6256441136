"""One rule for who the client is (newsroom.clients), behind the proxies the newsroom runs.

Before it, django-axes read REMOTE_ADDR (the proxy's) whatever AXES_PROXY_COUNT said, so
behind nginx every visitor shared one address: five wrong guesses from anyone locked
every editor out, and twenty sign-ups from anyone stopped the newsletter for all.
"""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from comments.models import Comment
from newsroom.clients import client_address
from tests.factories import ArticleFactory
from tests.workflow_support import editor

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
NGINX = "127.0.0.1"


def from_client(address: str | None, *, proxy: str = NGINX, forwarded: str = "") -> dict:
    """Return the request META of a request that came through one proxy from ``address``."""
    chain = ", ".join(part for part in (forwarded, address) if part)
    return {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": chain} if chain else {}


def log_in(username: str, password: str, address: str, **extra):
    data = {"username": username, "password": password, "next": "/admin/"}
    return Client().post(LOGIN, data, **from_client(address, **extra))


@pytest.mark.parametrize(
    ("count", "forwarded", "remote", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1", "10.0.0.1"),  # no proxy: the header is anyone's
        (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "10.0.0.1", "203.0.113.9"),  # first one forged
        (2, "198.51.100.1, 203.0.113.9, 10.1.1.1", "10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1", "10.0.0.1"),  # did not come through both
        (1, "not-an-address", "10.0.0.1", "10.0.0.1"),
        (1, "[2001:db8::7]:443", "10.0.0.1", "2001:db8::7"),
        (1, "192.0.2.7:51234", "10.0.0.1", "192.0.2.7"),
    ],
)
def test_the_client_is_the_address_the_outermost_trusted_proxy_saw(
    count, forwarded, remote, expected
):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(NEWSROOM_PROXY_COUNT=count):
        assert client_address(request) == expected


@override_settings(AXES_ENABLED=True, NEWSROOM_PROXY_COUNT=1)
def test_behind_the_proxy_someone_elses_guesses_do_not_lock_an_editor_out():
    editor(username="iryna")
    for n in range(5):
        assert log_in(f"guess{n}", "wrong", "203.0.113.66").status_code in (200, 429)

    attacker = log_in("iryna", PASSWORD, "203.0.113.66")
    the_editor = log_in("iryna", PASSWORD, "198.51.100.20")

    assert attacker.status_code == 429
    assert the_editor.status_code == 302


@override_settings(AXES_ENABLED=True, NEWSROOM_PROXY_COUNT=0)
def test_without_a_proxy_a_forged_header_does_not_dodge_the_lockout():
    editor(username="iryna")
    for n in range(5):
        log_in(f"guess{n}", "wrong", f"203.0.113.{n}", proxy="192.0.2.50")

    response = log_in("iryna", PASSWORD, "203.0.113.99", proxy="192.0.2.50")

    assert response.status_code == 429


@override_settings(NEWSROOM_PROXY_COUNT=1, NEWSLETTER_RATE_LIMIT_PER_CLIENT=20)
def test_behind_the_proxy_the_sign_up_limit_counts_each_reader_on_their_own(mailoutbox):
    signup = reverse("newsletter:signup")
    for n in range(20):
        meta = from_client(f"203.0.113.{n}")
        response = Client().post(signup, {"email": f"reader{n}@example.org"}, **meta)
        assert response.status_code == 302

    twenty_first = Client().post(
        signup, {"email": "late@example.org"}, **from_client("198.51.100.7")
    )

    assert twenty_first.status_code == 302
    assert len(mailoutbox) == 21


@override_settings(NEWSROOM_PROXY_COUNT=1, COMMENTS_MODERATION="pre")
def test_a_comment_records_the_readers_address_not_the_proxys():
    article = ArticleFactory()
    data = {"name": "Olha", "email": "olha@example.org", "text": "Thank you for this."}

    Client().post(reverse("comments:post", args=[article.slug]), data, **from_client("203.0.113.5"))

    assert Comment.objects.get().ip_address == "203.0.113.5"
