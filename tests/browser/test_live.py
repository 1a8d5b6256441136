"""Live coverage in a real browser: an editor posts, a reader's open page offers it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from live.models import LiveUpdate
from tests.browser.helpers import log_in, make_editor, watch
from tests.browser.test_accessibility import BLOCKING, describe
from tests.factories import ArticleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

POLL_SECONDS = 5  # the script's shortest interval


def test_an_editor_posts_and_a_readers_open_page_offers_the_update(new_page, live_server, settings):
    settings.LIVE_POLL_SECONDS = POLL_SECONDS
    editor = make_editor()
    article = ArticleFactory(
        headline="Live: Kharkiv under attack",
        live=True,
        published_at=timezone.now() - timedelta(hours=2),
    )
    first = LiveUpdate.objects.create(
        article=article,
        body="<p>Sirens across the city.</p>",
        status=LiveUpdate.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(minutes=30),
    )

    reader = new_page()
    reader_seen = watch(reader)
    assert reader.goto(article.get_absolute_url()).ok
    expect(reader.locator(f"#update-{first.pk}")).to_contain_text("Sirens across the city.")
    reader.evaluate("window.scrollTo(0, 300)")  # reading further down
    scrolled = reader.evaluate("window.scrollY")
    assert scrolled > 0

    desk = new_page()
    desk_seen = watch(desk)
    log_in(desk, editor.username)
    assert desk.goto(f"/admin/articles/article/{article.pk}/change/").ok
    desk.wait_for_function(
        "() => window.CKEDITOR && CKEDITOR.instances['id_live-body'] "
        "&& CKEDITOR.instances['id_live-body'].status === 'ready'"
    )
    desk.locator("#id_live-headline").fill("Power restored in two districts")
    desk.evaluate(
        "() => CKEDITOR.instances['id_live-body'].setData("
        "'<p>Repair crews reconnected 8,000 homes.</p>')"
    )
    desk.get_by_role("button", name="Post update").click()
    expect(desk.locator("[data-live-list]")).to_contain_text("Power restored in two districts")
    assert desk.url.endswith(f"/admin/articles/article/{article.pk}/change/")  # never left
    posted = LiveUpdate.objects.get(headline="Power restored in two districts")
    assert posted.is_public

    notice = reader.locator(".live__show")
    expect(notice).to_be_visible(timeout=(POLL_SECONDS * 2 + 5) * 1000)
    expect(notice).to_contain_text("1 new update")
    assert reader.evaluate("window.scrollY") == scrolled  # nothing moved by itself
    notice.click()
    inserted = reader.locator(f"#update-{posted.pk}")
    expect(inserted).to_contain_text("Repair crews reconnected 8,000 homes.")
    expect(reader.locator(".live-update").first).to_have_id(f"update-{posted.pk}")
    expect(reader.locator(".live__notice")).to_be_hidden()

    results = Axe().run(reader, options={"resultTypes": ["violations"]})
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)
    assert not reader_seen.errors, reader_seen.errors
    assert not desk_seen.errors, desk_seen.errors
