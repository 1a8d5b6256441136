"""The article form as a writing screen: counters that follow the typing, Ctrl+S to save."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, make_editor, open_admin, watch
from tests.factories import ArticleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_counters_follow_the_typing_and_ctrl_s_saves_and_continues(new_page, live_server):
    editor = make_editor()
    article = ArticleFactory(headline="Short", body="<p>One two three.</p>")
    page = new_page()
    seen = watch(page)
    log_in(page, editor.username)
    open_admin(page, f"/admin/articles/article/{article.pk}/change/")

    expect(page.locator("#body-counter")).to_contain_text("3 words")
    expect(page.locator("#id_headline-counter")).to_have_text("5 / 200 characters")
    page.locator("#id_headline").fill("Power is back in two districts of Kharkiv")
    expect(page.locator("#id_headline-counter")).to_have_text("41 / 200 characters")
    page.locator("#id_dek").fill("Crews reconnected 8,000 homes overnight.")
    expect(page.locator("#id_dek-counter")).to_have_text("40 / 600 characters")
    words = " ".join(["слово"] * 300) + " " + "汉" * 500
    page.evaluate(
        "text => { const e = CKEDITOR.instances.id_body; e.setData('<p>' + text + '</p>');"
        " e.fire('change'); }",
        words,
    )
    # 300 Ukrainian words (1.3 min) + 500 Chinese characters (1 min): 3 minutes, as the
    # public page counts them.
    expect(page.locator("#body-counter")).to_contain_text("800 words")
    expect(page.locator("#body-counter")).to_contain_text("3 min read")

    with page.expect_navigation():
        page.keyboard.press("Control+s")
    assert page.url.endswith(f"/admin/articles/article/{article.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.headline == "Power is back in two districts of Kharkiv"
    assert article.reading_time == 3
    assert not seen.errors, seen.errors


def test_closing_the_tab_unsaved_then_reopening_offers_the_exact_text_back(
    new_context, live_server
):
    from articles.models import UnsavedEdit

    editor = make_editor()
    article = ArticleFactory(headline="Grain convoy leaves Odesa", body="<p>Ships left.</p>")
    context = new_context()
    page = context.new_page()
    seen = watch(page)
    log_in(page, editor.username)
    url = f"/admin/articles/article/{article.pk}/change/"
    open_admin(page, url)
    page.locator("#id_headline").fill("Grain convoy reaches Istanbul")
    typed = "<p>All twelve ships arrived at 14:32; the crews are ashore.</p>"
    page.evaluate(
        "html => { const e = CKEDITOR.instances.id_body; e.setData(html); e.fire('change'); }",
        typed,
    )
    expect(page.locator(".autosave-status")).to_contain_text("Saved a draft at", timeout=15_000)
    page.close()  # the tab is closed: nothing was saved

    article.refresh_from_db()
    assert article.headline == "Grain convoy leaves Odesa"  # never into the article itself
    assert UnsavedEdit.objects.filter(user=editor, article=article).exists()

    again = context.new_page()
    watched = watch(again)
    open_admin(again, url)
    offer = again.locator("#autosave-offer")
    expect(offer).to_contain_text("Restore your unsaved changes from")
    offer.get_by_role("button", name="Restore").click()
    expect(again.locator("#id_headline")).to_have_value("Grain convoy reaches Istanbul")
    restored = again.evaluate("() => CKEDITOR.instances.id_body.getData()")
    assert "All twelve ships arrived at 14:32; the crews are ashore." in restored
    assert not seen.errors and not watched.errors, seen.errors + watched.errors
