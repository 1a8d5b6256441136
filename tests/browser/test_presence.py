"""Presence in a real browser: two editors on one article see each other come, type and go."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import focus_editor, log_in, make_editor, open_admin, watch
from tests.factories import ArticleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BEAT_SECONDS = 2  # a missed beat expires after 6 s
# Make the page believe its tab was hidden or shown again (headless tabs never are).
SET_VISIBILITY = """state => {
    Object.defineProperty(document, "hidden", {value: state === "hidden", configurable: true})
    Object.defineProperty(document, "visibilityState", {value: state, configurable: true})
    document.dispatchEvent(new Event("visibilitychange"))
}"""


def named_editor(username: str, first_name: str, last_name: str):
    user = make_editor(username)
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    return user


def test_two_editors_see_each_other_live_and_the_one_who_types_is_warned(
    new_page, live_server, settings
):
    settings.ARTICLE_PRESENCE_SECONDS = BEAT_SECONDS
    olena = named_editor("olena", "Olena", "Kovalenko")
    ben = named_editor("ben", "Ben", "Marchuk")
    article = ArticleFactory(headline="Grain convoy leaves Odesa", body="<p>Ships left.</p>")
    url = f"/admin/articles/article/{article.pk}/change/"

    first = new_page()
    first_seen = watch(first)
    log_in(first, olena.username)
    open_admin(first, url)
    first_box = first.locator("#presence")
    expect(first_box).to_be_hidden()  # alone

    second = new_page()
    second_seen = watch(second)
    log_in(second, ben.username)
    open_admin(second, url)
    second_box = second.locator("#presence")
    # At load, from the server; then kept by the beats.
    expect(second_box).to_be_visible()
    expect(second_box).to_contain_text("Olena Kovalenko is also editing this article")
    expect(second_box).to_contain_text("(opened just now)")
    expect(second_box).to_have_attribute("aria-live", "polite")
    # The first sees the second appear without reloading.
    expect(first_box).to_be_visible()
    expect(first_box).to_contain_text("Ben Marchuk is also editing this article")
    expect(first_box.locator(".presence__warning")).to_be_hidden()  # nobody typed yet

    # The first leaves (the beacon removes her), then comes back: the second follows live.
    first.goto("/admin/")
    expect(second_box).to_be_hidden()
    open_admin(first, url)
    expect(second_box).to_contain_text("Olena Kovalenko is also editing this article")
    expect(second_box.locator(".presence__warning")).to_be_hidden()

    # The second starts typing: warned at once, in the box; the first sees the typing.
    focus_editor(second)
    second.keyboard.type(" Twelve ships arrived.")
    warning = second_box.locator(".presence__warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Olena Kovalenko has this article open too.")
    expect(warning).to_contain_text("the second save is refused")
    expect(first_box).to_contain_text("Ben Marchuk is typing now")
    # It stays while she is there.
    second.keyboard.type(" More.")
    second.wait_for_timeout(BEAT_SECONDS * 1000)
    expect(warning).to_contain_text("Olena Kovalenko has this article open too.")
    # Typing stopped: the next beats say so.
    expect(first_box).to_contain_text("Ben Marchuk is also editing this article", timeout=10_000)

    # The first types in a plain field: she is warned too.
    first.locator("#id_dek").fill("All twelve ships arrived.")
    expect(first_box.locator(".presence__warning")).to_contain_text(
        "Ben Marchuk has this article open too."
    )

    assert not first_seen.errors and not second_seen.errors, first_seen.errors + second_seen.errors
    assert not first_seen.dialogs and not second_seen.dialogs
    article.refresh_from_db()
    assert article.headline == "Grain convoy leaves Odesa" and article.version == 1


def test_the_beats_stop_while_the_tab_is_hidden(new_page, live_server, settings):
    settings.ARTICLE_PRESENCE_SECONDS = BEAT_SECONDS
    olena = named_editor("olena", "Olena", "Kovalenko")
    article = ArticleFactory()
    url = f"/admin/articles/article/{article.pk}/change/"
    page = new_page()
    seen = watch(page)
    log_in(page, olena.username)
    open_admin(page, url)
    beats: list[str] = []
    page.on(
        "request",
        lambda request: beats.append(request.url) if "/presence/" in request.url else None,
    )
    page.wait_for_timeout(BEAT_SECONDS * 1000 + 500)
    assert beats, "no beat while visible"

    page.evaluate(SET_VISIBILITY, "hidden")
    page.wait_for_timeout(300)  # a beat already sent may still be answered
    before = len(beats)
    page.wait_for_timeout(BEAT_SECONDS * 1000 * 2)
    assert len(beats) == before, "beats went on while hidden"

    page.evaluate(SET_VISIBILITY, "visible")
    page.wait_for_timeout(500)
    assert len(beats) > before, "no beat once visible again"
    assert not seen.errors, seen.errors


def test_a_logged_out_editor_is_told_quietly_in_the_box(new_page, live_server, settings):
    settings.ARTICLE_PRESENCE_SECONDS = BEAT_SECONDS
    olena = named_editor("olena", "Olena", "Kovalenko")
    article = ArticleFactory()
    page = new_page()
    seen = watch(page)
    log_in(page, olena.username)
    open_admin(page, f"/admin/articles/article/{article.pk}/change/")
    box = page.locator("#presence")
    expect(box).to_be_hidden()

    page.context.clear_cookies(name="sessionid")  # logged out in another tab

    expect(box).to_be_visible()
    expect(box.locator(".presence__error")).to_have_text(
        "Could not check who else is editing this article: "
        "you may need to log in again in another tab."
    )
    assert not seen.errors, seen.errors
    assert not seen.dialogs
