"""Embeds in a real browser: nothing leaves for a provider until the reader clicks."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.helpers import watch
from tests.browser.test_accessibility import BLOCKING, describe
from tests.test_embeds import TEN, embed_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_ten_embeds_load_nothing_until_a_click_then_the_frame_appears(new_page, live_server):
    article = embed_article()
    page = new_page()
    seen = watch(page)
    foreign: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:  # providers are unreachable in tests: record and refuse
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    assert page.goto(article.get_absolute_url()).ok
    page.wait_for_load_state("networkidle")

    facades = page.locator("figure.embed")
    expect(facades).to_have_count(10)
    assert foreign == []  # zero third-party requests with the page
    assert not seen.errors, seen.errors
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)

    telegram = page.locator("figure.embed--telegram")
    telegram.get_by_role("button", name="Show the post from Telegram").click()
    frame = telegram.locator("iframe")
    expect(frame).to_have_attribute("src", "https://t.me/kharkiv_oda/12345?embed=1")
    expect(frame).to_have_attribute("title", "Telegram post: https://t.me/kharkiv_oda/12345")
    expect(telegram.get_by_role("link", name="Open the original")).to_have_attribute(
        "href", "https://t.me/kharkiv_oda/12345"
    )
    assert page.locator("iframe").count() == 1  # the others wait for their own click
    assert all(url.startswith("https://t.me/") for url in foreign)


def test_always_show_is_remembered_in_the_browser_only(new_page, live_server):
    article = embed_article(urls=[TEN[0], "https://youtu.be/aaaaaaaaaaa", TEN[3]])
    page = new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    page.goto(article.get_absolute_url())
    youtube = page.locator("figure.embed--youtube").first
    youtube.get_by_label("Always show YouTube videos").check()
    youtube.get_by_role("button", name="Show the video from YouTube").click()
    expect(page.locator("figure.embed--youtube iframe")).to_have_count(2)  # both YouTube ones

    page.reload()
    expect(page.locator("figure.embed--youtube iframe")).to_have_count(2)  # at once, remembered
    expect(page.locator("figure.embed--telegram iframe")).to_have_count(0)
