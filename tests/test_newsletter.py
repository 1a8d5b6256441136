"""Newsletter: double opt-in sign-up, one-click unsubscribe, the daily digest, the admin."""

import csv
import html
import io
import re
from datetime import datetime, timedelta
from email.policy import SMTP as SMTP_POLICY
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.template import engines
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from newsletter import services
from newsletter.models import DigestDelivery, Subscriber
from newsletter.views import THANK_YOU
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")
NOON = datetime(2025, 5, 14, 12, 0, tzinfo=KYIV)
SIGNUP = "/newsletter/"


@pytest.fixture(autouse=True)
def clean_cache():
    """Rate-limit counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def sign_up(client, email, data=None, **meta):
    """Post the sign-up form; ``meta`` goes to the request (REMOTE_ADDR=...)."""
    return client.post(SIGNUP, {"email": email, "website": "", **(data or {})}, **meta)


def text_of(response) -> str:
    """Return the page as a reader reads it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


def link_in(message, name: str) -> str:
    """Return the path of the newsletter link ``name`` (confirm/unsubscribe) in ``message``."""
    match = re.search(rf"http://127\.0\.0\.1:8000(/newsletter/{name}/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def html_of(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def confirmed(email: str) -> Subscriber:
    subscriber = Subscriber.objects.create(email=email)
    subscriber.confirm()
    return subscriber


# Sign-up and confirmation


def test_sign_up_sends_one_confirmation_whose_link_subscribes(client, mailoutbox):
    response = sign_up(client, "Reader@Example.org ", {"next": "/articles/some-story/"})

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert THANK_YOU in text_of(page)
    assert 'href="/articles/some-story/"' in text_of(page)
    [message] = mailoutbox
    assert message.to == ["reader@example.org"]
    assert "Confirm" in message.subject
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "reader@example.org"
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.confirmation_sent_at is not None
    confirm_path = link_in(message, "confirm")
    assert confirm_path in html_of(message)

    # Opening the link (as a mail scanner would) changes nothing: it shows a button.
    shown = client.get(confirm_path)
    assert shown.status_code == 200
    assert "Yes, subscribe me" in shown.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING

    done = client.post(confirm_path, follow=True)
    assert "You're subscribed" in done.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.confirmed_at is not None


def test_the_same_address_in_other_case_is_the_same_subscriber(client, mailoutbox):
    sign_up(client, "ann@example.org")
    sign_up(client, "ANN@Example.ORG")
    assert Subscriber.objects.count() == 1
    assert len(mailoutbox) == 2  # both get a link; either one works


def test_expired_confirmation_link_shows_a_friendly_page_and_does_not_subscribe(
    client, mailoutbox, settings
):
    sign_up(client, "late@example.org")
    path = link_in(mailoutbox[0], "confirm")

    later = settings.NEWSLETTER_CONFIRM_MAX_AGE + timedelta(minutes=1)
    with time_machine.travel(datetime.now(tz=KYIV) + later):
        response = client.post(path)
        shown = client.get(path)

    for answer in (response, shown):
        assert answer.status_code == 410
        text = answer.content.decode()
        assert "This link has expired" in text
        assert 'action="/newsletter/"' in text  # a way to sign up again
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "not-a-token",
        lambda token: "%00%FF",
    ],
)
def test_tampered_confirmation_link_is_refused_kindly(client, mailoutbox, mangle):
    sign_up(client, "eve@example.org")
    token = link_in(mailoutbox[0], "confirm").split("/")[3]

    response = client.post(f"/newsletter/confirm/{mangle(token)}/")

    assert response.status_code == 400
    assert "This link doesn't work" in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_a_confirmation_link_sent_before_unsubscribing_cannot_resubscribe(client, mailoutbox):
    sign_up(client, "gone@example.org")
    path = link_in(mailoutbox[0], "confirm")
    with time_machine.travel(datetime.now(tz=KYIV) + timedelta(minutes=5)):
        client.post(link_in(mailoutbox[0], "unsubscribe"))
        response = client.post(path)

    assert response.status_code == 410
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED


def final_page(client, email) -> tuple[str, bytes]:
    response = sign_up(client, email)
    assert response.status_code == 302
    return response["Location"], client.get(response["Location"]).content


def test_the_answer_is_the_same_for_new_pending_confirmed_and_unsubscribed(client, mailoutbox):
    Subscriber.objects.create(email="pending@example.org")
    confirmed("confirmed@example.org")
    Subscriber.objects.create(email="left@example.org").unsubscribe()

    answers = {
        email: final_page(client, email)
        for email in (
            "new@example.org",
            "pending@example.org",
            "confirmed@example.org",
            "left@example.org",
        )
    }

    assert len(set(answers.values())) == 1
    assert THANK_YOU in html.unescape(next(iter(answers.values()))[1].decode())


def test_a_confirmed_address_is_told_so_and_stays_confirmed(client, mailoutbox):
    confirmed("reader@example.org")

    sign_up(client, "reader@example.org")

    [message] = mailoutbox
    assert "already subscribed" in message.subject
    assert "/newsletter/confirm/" not in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_an_unsubscribed_address_stays_unsubscribed_until_it_confirms_again(client, mailoutbox):
    Subscriber.objects.create(email="back@example.org").unsubscribe()

    sign_up(client, "back@example.org")

    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
    client.post(link_in(mailoutbox[0], "confirm"))
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_the_honeypot_gets_the_same_answer_but_nothing_is_stored_or_sent(client, mailoutbox):
    _, human_page = final_page(client, "human@example.org")
    mailoutbox.clear()

    response = sign_up(client, "bot@example.org", {"website": "http://spam.example"})

    assert response.status_code == 302
    assert client.get(response["Location"]).content == human_page
    assert mailoutbox == []
    assert not Subscriber.objects.filter(email="bot@example.org").exists()


@pytest.mark.parametrize("typed", ["not-an-address", "ann@", "ann@example..org", " "])
def test_an_invalid_address_gets_a_message_at_the_field_and_is_kept(client, mailoutbox, typed):
    response = sign_up(client, typed)

    assert response.status_code == 200
    text = response.content.decode()
    assert re.search(
        r'<p class="newsletter__error" id="newsletter-email-error">Enter (a valid|your) e-mail',
        text,
    )
    assert 'aria-invalid="true" aria-describedby="newsletter-email-error"' in text
    if typed.strip():
        assert f'value="{typed}"' in text
    assert mailoutbox == []
    assert not Subscriber.objects.exists()


def test_too_many_sign_ups_for_one_address_are_refused_with_429(client, mailoutbox, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_ADDRESS = 2
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert sign_up(client, "target@example.org", REMOTE_ADDR=ip).status_code == 302

    response = client.post(SIGNUP, {"email": "Target@example.org"}, REMOTE_ADDR="10.0.0.3")

    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many sign-up attempts" in text
    assert 'value="Target@example.org"' in text
    assert len(mailoutbox) == 2
    # Another address is not affected.
    assert sign_up(client, "other@example.org").status_code == 302


def test_too_many_sign_ups_from_one_client_are_refused_with_429(client, mailoutbox, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_CLIENT = 3
    for n in range(3):
        assert sign_up(client, f"a{n}@example.org", REMOTE_ADDR="192.0.2.7").status_code == 302

    response = client.post(SIGNUP, {"email": "a9@example.org"}, REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 429
    assert "Too many sign-up attempts" in response.content.decode()
    assert 'value="a9@example.org"' in response.content.decode()
    assert len(mailoutbox) == 3
    assert sign_up(client, "a9@example.org", REMOTE_ADDR="192.0.2.8").status_code == 302


def test_the_limit_ends_after_its_window(client, mailoutbox, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_ADDRESS = 1
    with time_machine.travel(NOON, tick=False):
        assert sign_up(client, "patient@example.org").status_code == 302
    with time_machine.travel(NOON + timedelta(minutes=59), tick=False):
        assert sign_up(client, "patient@example.org").status_code == 429
    with time_machine.travel(NOON + timedelta(minutes=61), tick=False):
        assert sign_up(client, "patient@example.org").status_code == 302
    assert len(mailoutbox) == 2


def test_the_sign_up_page_and_the_template_tag_render_the_form(client):
    page = text_of(client.get(SIGNUP))
    request = RequestFactory().get("/articles/a-story/")
    tag = engines["django"].from_string("{% load newsletter %}{% newsletter_signup %}")
    embedded = tag.render({}, request)
    for text in (page, embedded):
        assert 'method="post" action="/newsletter/"' in text
        assert '<label for="newsletter-email">Your e-mail address</label>' in text
        hp = re.search(r'<div class="newsletter__hp" aria-hidden="true">.*?</div>', text, re.S)
        assert hp and 'tabindex="-1" autocomplete="off"' in hp.group(0)
    assert '<input type="hidden" name="next" value="/articles/a-story/">' in embedded
    # The page of its own has a CSRF token; the form on (cacheable) pages has none.
    assert 'name="csrfmiddlewaretoken"' in page
    assert "csrfmiddlewaretoken" not in embedded
    assert "csrf" not in str(request.META)  # nothing would make the page personal


def test_a_cross_site_post_without_a_token_is_refused_and_keeps_the_text(mailoutbox):
    client = Client(enforce_csrf_checks=True)

    forged = client.post(
        SIGNUP, {"email": "ann@example.org"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 403
    assert "did not confirm that this form was sent from our site" in text_of(forged)
    assert 'value="ann@example.org"' in text_of(forged)
    assert mailoutbox == []

    # The embedded form (no token) from one of our pages: the browser says same-origin.
    ok = client.post(
        SIGNUP, {"email": "ann@example.org"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert ok.status_code == 302
    ok = client.post(SIGNUP, {"email": "ann@example.org"}, headers={"Origin": "http://testserver"})
    assert ok.status_code == 302
    # The sign-up page's own form (with its token), from a browser sending no such header.
    client.get(SIGNUP)
    token = client.cookies["csrftoken"].value
    ok = client.post(SIGNUP, {"email": "ann@example.org", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302
    assert len(mailoutbox) == 3


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": ""},
        {"email": "a" * 100_000 + "@example.org"},
        {"email": "ann\x00@example.org"},
        {"email": "ann@example.org", "website": "\x00"},
        {"email": ["a@example.org", "b@example.org"]},
        {"email": "ann@example.org", "next": "https://evil.example/"},
        {"email": "ann@example.org", "next": "//evil.example/\x00"},
        {"email": "ann@éxample.org"},
    ],
)
def test_garbage_never_gets_a_500(client, data):
    response = client.post(SIGNUP, data)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert "evil" not in response["Location"]
        assert "evil" not in client.get(response["Location"]).content.decode()


def test_garbage_links_never_get_a_500(client):
    for path in (
        "/newsletter/confirm/%00/",
        "/newsletter/confirm/" + "A" * 5000 + "/",
        "/newsletter/unsubscribe/%00/",
        "/newsletter/unsubscribe/abc:def/",
        "/newsletter/unsubscribe/99999:xyz/",
    ):
        assert client.get(path).status_code == 400
        assert client.post(path).status_code == 400
    assert client.put(SIGNUP).status_code == 405


# Unsubscribing


def test_unsubscribe_get_shows_a_button_and_post_unsubscribes(client):
    subscriber = confirmed("reader@example.org")
    path = reverse("newsletter:unsubscribe", args=[services.unsubscribe_token(subscriber)])

    shown = client.get(path)
    assert shown.status_code == 200
    assert '<button type="submit" class="newsletter__button">Unsubscribe</button>' in (
        shown.content.decode()
    )
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED

    done = client.post(path)
    assert done.status_code == 200
    assert "You're unsubscribed" in done.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None
    # It stays so: a second press or an old link changes nothing.
    assert "already unsubscribed" in client.get(path).content.decode()


def test_rfc_8058_one_click_post_works_without_a_csrf_token():
    subscriber = confirmed("reader@example.org")
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("newsletter:unsubscribe", args=[services.unsubscribe_token(subscriber)]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_an_unsubscribe_token_of_another_kind_is_refused(client, mailoutbox):
    sign_up(client, "ann@example.org")
    confirm_token = link_in(mailoutbox[0], "confirm").split("/")[3]
    assert client.post(f"/newsletter/unsubscribe/{confirm_token}/").status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def assert_list_unsubscribe(message, subscriber):
    token = services.unsubscribe_token(subscriber)
    url = f"http://127.0.0.1:8000/newsletter/unsubscribe/{token}/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body
    assert url in html_of(message)
    # On the wire, as the SMTP backend writes it: the URL itself, not RFC 2047 words.
    raw = message.message(policy=SMTP_POLICY).as_bytes()
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw


def test_the_confirmation_mail_has_list_unsubscribe_headers(client, mailoutbox):
    sign_up(client, "ann@example.org")
    assert_list_unsubscribe(mailoutbox[0], Subscriber.objects.get())


# The digest


@pytest.fixture
def news_day():
    """Noon in Kyiv on a fixed day, with that day's articles and some that must not go out."""
    with time_machine.travel(NOON, tick=False):
        author = AuthorFactory(name="Olena Petrenko")
        today = ArticleFactory(
            headline="Bridge reopens after repairs",
            dek="Traffic returns to the river crossing.",
            published_at=NOON - timedelta(hours=3),
            authors=[author],
        )
        late_local = ArticleFactory(
            headline="Late-night council vote",
            published_at=datetime(2025, 5, 14, 0, 30, tzinfo=KYIV),  # 21:30 UTC the day before
        )
        ArticleFactory(
            headline="Draft about the budget", status=Article.Status.DRAFT, published_at=None
        )
        ArticleFactory(headline="Scheduled for tonight", published_at=NOON + timedelta(hours=6))
        ArticleFactory(headline="Yesterday's story", published_at=NOON - timedelta(days=1))
        yield {"today": today, "late_local": late_local}


def test_the_digest_goes_to_confirmed_subscribers_with_the_days_articles(news_day, mailoutbox):
    reader = confirmed("reader@example.org")
    Subscriber.objects.create(email="pending@example.org")
    Subscriber.objects.create(email="left@example.org").unsubscribe()

    out = io.StringIO()
    call_command("send_digest", stdout=out, stderr=io.StringIO())

    [message] = mailoutbox
    assert message.to == ["reader@example.org"]
    html = html_of(message)
    for text in (message.body, html):
        assert "Bridge reopens after repairs" in text
        assert "Traffic returns to the river crossing." in text
        assert "Olena Petrenko" in text
        assert "Late-night council vote" in text
        assert "http://127.0.0.1:8000/articles/" + news_day["today"].slug + "/" in text
        for absent in ("Draft about the budget", "Scheduled for tonight", "Yesterday's story"):
            assert absent not in text
    assert_list_unsubscribe(message, reader)
    assert "to 1 subscriber(s)" in out.getvalue()
    assert DigestDelivery.objects.get().subscriber == reader


def test_running_the_digest_again_sends_nothing_more(news_day, mailoutbox):
    confirmed("a@example.org")
    confirmed("b@example.org")
    call_command("send_digest", stdout=io.StringIO(), stderr=io.StringIO())
    assert len(mailoutbox) == 2

    out = io.StringIO()
    call_command("send_digest", stdout=out, stderr=io.StringIO())

    assert len(mailoutbox) == 2
    assert "already has the digest" in out.getvalue()


def test_a_digest_for_another_date(news_day, mailoutbox):
    confirmed("a@example.org")
    with time_machine.travel(NOON, tick=False):
        call_command(
            "send_digest", "--date", "2025-05-13", stdout=io.StringIO(), stderr=io.StringIO()
        )
    [message] = mailoutbox
    assert "Yesterday's story" in message.body
    assert "Bridge reopens" not in message.body


def test_no_articles_no_digest(mailoutbox):
    confirmed("a@example.org")
    out = io.StringIO()
    call_command("send_digest", "--date", "2001-01-01", stdout=out, stderr=io.StringIO())
    assert mailoutbox == []
    assert "No articles published on 2001-01-01" in out.getvalue()


def test_a_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_digest", "--date", "14/05/2025")


class FlakyBackend(LocmemBackend):
    """Accepts messages until it meets the address in ``fail_for``, then fails."""

    fail_for = "c@example.org"
    connections_opened = 0

    def open(self):
        type(self).connections_opened += 1
        return super().open()

    def send_messages(self, messages):
        if any(self.fail_for in m.to for m in messages):
            raise OSError("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_the_digest_goes_in_batches_and_resumes_after_a_failure(news_day, settings):
    mail.outbox = []
    emails = [f"{letter}@example.org" for letter in "abcde"]
    for email in emails:
        confirmed(email)
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    FlakyBackend.connections_opened = 0

    with pytest.raises(CommandError, match=r"after 2 digest\(s\)"):
        call_command("send_digest", "--batch-size", "2", stdout=io.StringIO(), stderr=io.StringIO())

    assert [m.to[0] for m in mail.outbox] == emails[:2]
    assert set(DigestDelivery.objects.values_list("subscriber__email", flat=True)) == set(
        emails[:2]
    )

    FlakyBackend.fail_for = "nobody"
    try:
        call_command("send_digest", "--batch-size", "2", stdout=io.StringIO(), stderr=io.StringIO())
    finally:
        FlakyBackend.fail_for = "c@example.org"

    assert sorted(m.to[0] for m in mail.outbox) == emails  # each exactly once
    assert DigestDelivery.objects.count() == 5
    assert FlakyBackend.connections_opened == 2 + 2  # one per batch: [ab][c✗] then [cd][e]


def test_the_digest_reads_articles_in_constant_queries(news_day):
    with time_machine.travel(NOON, tick=False):
        day = NOON.date()
        with CaptureQueriesContext(connection) as few:
            assert len(services.digest_articles(day)) == 2
        for n in range(6):
            ArticleFactory(
                published_at=NOON - timedelta(minutes=n + 1),
                authors=[AuthorFactory(), AuthorFactory()],
            )
        with CaptureQueriesContext(connection) as many:
            assert len(services.digest_articles(day)) == 8
    assert len(few) == len(many)


# Admin


def export(client, *subscribers):
    return client.post(
        reverse("admin:newsletter_subscriber_changelist"),
        {"action": "export_csv", "_selected_action": [s.pk for s in subscribers]},
    )


def test_admin_lists_subscribers_and_exports_them_as_csv(admin_client):
    ann = confirmed("ann@example.org")
    bob = Subscriber.objects.create(email="=cmd()@example.org")
    Subscriber.objects.create(email="not-exported@example.org")

    listing = admin_client.get(
        reverse("admin:newsletter_subscriber_changelist"), {"status__exact": "confirmed"}
    )
    assert "ann@example.org" in listing.content.decode()
    assert "=cmd()@example.org" not in listing.content.decode()

    response = export(admin_client, ann, bob)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "email",
        "status",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    assert [row[:2] for row in rows[1:]] == [
        ["'=cmd()@example.org", "pending"],  # never run as a spreadsheet formula
        ["ann@example.org", "confirmed"],
    ]
    assert rows[2][4].startswith(ann.confirmed_at.astimezone(KYIV).strftime("%Y-%m-%dT%H:%M"))


def test_exporting_needs_the_view_permission(client):
    ann = confirmed("ann@example.org")
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert export(client, ann).status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="view_subscriber"))
    response = export(client, ann)
    assert response.status_code == 200
    assert "ann@example.org" in response.content.decode()


def test_subscribers_cannot_be_added_or_edited_in_the_admin(admin_client):
    ann = confirmed("ann@example.org")
    assert admin_client.get(reverse("admin:newsletter_subscriber_add")).status_code == 403
    page = admin_client.get(reverse("admin:newsletter_subscriber_change", args=[ann.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    admin_client.post(
        reverse("admin:newsletter_subscriber_change", args=[ann.pk]), {"status": "pending"}
    )
    ann.refresh_from_db()
    assert ann.status == Subscriber.Status.CONFIRMED


def test_two_runs_at_once_never_send_a_digest_twice(news_day, monkeypatch):
    """A second run starts while the first is sending its first message."""
    mail.outbox = []
    emails = [f"{letter}@example.org" for letter in "abcd"]
    for email in emails:
        confirmed(email)
    build = services.build_digest
    overlapping = []

    def build_and_start_another_run(subscriber, day, articles):
        if not overlapping:
            overlapping.append(True)
            call_command("send_digest", stdout=io.StringIO(), stderr=io.StringIO())
        return build(subscriber, day, articles)

    monkeypatch.setattr(services, "build_digest", build_and_start_another_run)

    call_command("send_digest", stdout=io.StringIO(), stderr=io.StringIO())

    assert sorted(m.to[0] for m in mail.outbox) == emails  # each exactly once
    assert DigestDelivery.objects.filter(sent_at__isnull=False).count() == 4


def test_a_digest_claimed_by_a_killed_run_is_not_sent_again(news_day):
    """Killed after claiming (the message may have gone out): never sent a second time."""
    mail.outbox = []
    reader = confirmed("a@example.org")
    confirmed("b@example.org")
    DigestDelivery.objects.create(date=NOON.date(), subscriber=reader)  # claimed, not confirmed

    call_command("send_digest", stdout=io.StringIO(), stderr=io.StringIO())

    assert [m.to[0] for m in mail.outbox] == ["b@example.org"]
