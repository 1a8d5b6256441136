"""Admin hardening: login throttling (django-axes) and two-factor authentication (django-otp)."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.workflow_support import administrator, client_for, contributor, editor, photo_editor

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
SETUP = reverse("admin:two_factor_setup")
VERIFY = reverse("admin:two_factor_verify")


def log_in(client, username, password, ip="10.0.0.1"):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def fail(client, username, times, ip="10.0.0.1"):
    for _ in range(times):
        response = log_in(client, username, "wrong password", ip=ip)
        assert response.status_code in (200, 429)
    return response


# Login throttling -------------------------------------------------------------------------

axes_on = override_settings(AXES_ENABLED=True)


@axes_on
def test_five_failed_logins_lock_the_username_with_a_clear_message():
    user = editor(username="iryna")
    client = Client()

    fifth = fail(client, "iryna", 5)
    locked = log_in(client, "iryna", PASSWORD)

    assert fifth.status_code == 429
    assert locked.status_code == 429
    assert "Too many failed logins. Try again in 15 minutes." in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert user.username == "iryna"


@axes_on
def test_four_failures_still_let_the_right_password_in():
    editor(username="iryna")
    client = Client()

    fail(client, "iryna", 4)
    response = log_in(client, "iryna", PASSWORD)

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@axes_on
def test_username_is_locked_whatever_the_address():
    editor(username="iryna")
    for n in range(5):
        fail(Client(), "iryna", 1, ip=f"10.0.1.{n}")

    response = log_in(Client(), "iryna", PASSWORD, ip="10.0.9.9")

    assert response.status_code == 429


@axes_on
def test_address_is_locked_whatever_the_username():
    editor(username="iryna")
    for n in range(5):
        fail(Client(), f"guess{n}", 1, ip="192.0.2.7")

    from_there = log_in(Client(), "iryna", PASSWORD, ip="192.0.2.7")
    from_elsewhere = log_in(Client(), "iryna", PASSWORD, ip="192.0.2.8")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


@axes_on
def test_lockout_ends_by_itself_after_the_cool_off():
    editor(username="iryna")
    fail(Client(), "iryna", 5)

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = log_in(Client(), "iryna", PASSWORD)

    assert response.status_code == 302


@axes_on
def test_administrator_lifts_a_lockout_in_the_admin():
    editor(username="iryna")
    fail(Client(), "iryna", 5)
    attempts = AccessAttempt.objects.filter(username="iryna")
    assert attempts.exists()
    chief = client_for(administrator())

    listing = chief.get(reverse("admin:axes_accessattempt_changelist"))
    chief.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(attempts.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert listing.status_code == 200
    assert not attempts.exists()
    assert log_in(Client(), "iryna", PASSWORD).status_code == 302


@axes_on
def test_axes_reset_username_command_lifts_a_lockout():
    editor(username="iryna")
    fail(Client(), "iryna", 5)

    call_command("axes_reset_username", "iryna")

    assert log_in(Client(), "iryna", PASSWORD).status_code == 302


def test_tests_log_in_with_the_client_because_axes_is_off_there(client, settings):
    user = editor()

    assert settings.AXES_ENABLED is False
    assert client.login(username=user.username, password=PASSWORD)


# Two-factor authentication -----------------------------------------------------------------


def code_for(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(
        device.digits
    )


def test_every_staff_user_can_set_up_an_authenticator_app():
    user = photo_editor()
    client = client_for(user)

    page = client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    wrong = client.post(SETUP, {"token": "000000" if code_for(device) != "000000" else "111111"})
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # past the throttle
        right = client.post(SETUP, {"token": code_for(device), "next": "/admin/"})

    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<img class="two-factor-qr" src="data:image/svg\+xml', html)
    assert "data:" in " ".join(page["Content-Security-Policy"].split("img-src")[1:2])
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert right.status_code == 302 and right["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    status = client.get(SETUP).content.decode()
    assert "Two-factor authentication is on for your account" in status
    assert "This session is verified" in status


def test_the_admin_home_links_to_two_factor_set_up():
    html = client_for(contributor()).get(reverse("admin:index")).content.decode()

    assert f'href="{SETUP}"' in html


def test_a_user_with_a_device_enters_a_code_after_the_password():
    user = contributor()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = client_for(user)

    asked = client.get("/admin/")
    wrong = client.post(VERIFY, {"token": "12345x"})
    refused = client.post(VERIFY, {"token": "000000" if code_for(device) != "000000" else "111111"})
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # past the throttle
        right = client.post(VERIFY, {"token": code_for(device), "next": "/admin/"})

    assert asked.status_code == 302
    assert asked["Location"].startswith(VERIFY)
    assert "The code is made of digits only." in wrong.content.decode()
    assert "That code is not right" in refused.content.decode()
    assert right.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_two_factor_is_optional_when_not_required(settings):
    settings.NEWSROOM_REQUIRE_2FA = False

    assert client_for(editor()).get("/admin/").status_code == 200


@pytest.mark.parametrize("make", [editor, administrator], ids=["editor", "administrator"])
def test_editors_and_administrators_must_set_it_up_when_required(settings, make):
    settings.NEWSROOM_REQUIRE_2FA = True
    user = make()
    client = client_for(user)

    response = client.get(reverse("admin:articles_article_changelist"))
    post = client.post(reverse("admin:articles_article_add"), {})
    setup = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    assert post.status_code == 302
    assert setup.status_code == 200
    assert "requires two-factor authentication for your role" in setup.content.decode()
    device = TOTPDevice.objects.get(user=user)
    client.post(SETUP, {"token": code_for(device)})
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200


@pytest.mark.parametrize("make", [contributor, photo_editor], ids=["contributor", "photo-editor"])
def test_other_roles_are_not_forced_when_required(settings, make):
    settings.NEWSROOM_REQUIRE_2FA = True

    assert client_for(make()).get("/admin/").status_code == 200


def test_a_required_user_is_asked_again_after_logging_in_again(settings):
    settings.NEWSROOM_REQUIRE_2FA = True
    user = editor()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    response = client_for(user).get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_public_pages_are_never_redirected(settings):
    settings.NEWSROOM_REQUIRE_2FA = True

    assert client_for(editor()).get("/").status_code == 200


# Two-factor for previews on the public site ----------------------------------------------


def draft_by(user):
    from articles.models import Article
    from tests.factories import ArticleFactory

    return ArticleFactory(
        headline="Embargoed: talks resume",
        status=Article.Status.DRAFT,
        published_at=None,
        authors=[],
        created_by=user,
    )


def test_a_password_alone_never_shows_a_draft_on_the_public_site():
    user = editor()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = client_for(user)  # the password only: the code is not entered yet
    draft = draft_by(user)

    asked = client.get(draft.get_absolute_url())
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        client.post(VERIFY, {"token": code_for(device), "next": draft.get_absolute_url()})
    shown = client.get(draft.get_absolute_url())

    assert asked.status_code == 302
    assert asked["Location"].startswith(VERIFY)
    assert "next=%2Farticles%2F" in asked["Location"]
    assert "no-store" in asked["Cache-Control"]
    assert "Embargoed" not in asked.content.decode()
    assert shown.status_code == 200
    assert "Embargoed: talks resume" in shown.content.decode()


def test_a_public_article_needs_no_code(settings):
    from tests.factories import ArticleFactory

    user = editor()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    article = ArticleFactory(headline="Talks resume")

    assert client_for(user).get(article.get_absolute_url()).status_code == 200


def test_a_draft_preview_asks_for_the_set_up_where_the_admin_requires_it(settings):
    settings.NEWSROOM_REQUIRE_2FA = True
    user = editor()
    draft = draft_by(user)

    response = client_for(user).get(draft.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_without_a_device_or_a_requirement_previews_are_unchanged(settings):
    settings.NEWSROOM_REQUIRE_2FA = False
    user = editor()
    draft = draft_by(user)

    response = client_for(user).get(draft.get_absolute_url())

    assert response.status_code == 200
    assert "Draft preview — not public" in response.content.decode()
