"""The article form as a writing screen: a story written and published with the byline
reordered by drag, counters and previews that follow the typing, Ctrl+S to save, unsaved
work given back after the tab was closed, and axe-core on the form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from articles.models import Article
from tests.browser.helpers import (
    BODY_FRAME,
    log_in,
    make_editor,
    open_admin,
    watch,
)
from tests.browser.test_accessibility import BLOCKING, describe
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

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


# ---------------------------------------------------------------- a story, start to end


@dataclass
class Effort:
    """The editor's effort besides typing text: clicks (a drag is one) and other keys."""

    page: Page
    clicks: int = 0
    keys: int = 0
    steps: list[str] = field(default_factory=list)

    def click(self, target: Locator, why: str) -> None:
        target.click()
        self.clicks += 1
        self.steps.append(f"click: {why}")

    def drag(self, source: Locator, target: Locator, why: str) -> None:
        """Drag ``source`` onto the top edge of ``target`` (to go before it)."""
        source.drag_to(target, target_position={"x": 10, "y": 3})
        self.clicks += 1
        self.steps.append(f"drag: {why}")

    def press(self, key: str, why: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1
        self.steps.append(f"key {key}: {why}")

    def type(self, text: str) -> None:
        """Typing the story's own words: not counted."""
        self.page.keyboard.type(text)

    def pick(self, select_id: str, search: str, option: str) -> None:
        """An autocomplete: a click to open it, the name typed, a click on the match."""
        self.click(self.page.locator(f"select#{select_id} + .select2 .select2-selection"), search)
        self.type(search)
        choice = self.page.locator(
            ".select2-container--open .select2-results__option", has_text=option
        ).first
        expect(choice).not_to_have_class(re.compile(r"loading-results"))
        self.click(choice, option)


# The same journey on the stock Django form before the writing screen took 19 clicks and
# 2 other keys: the dek clicked (the slug and section came between), the byline reordered
# by typing positions at the foot of the form (a click and Ctrl+A each), then "Save and
# continue editing" and "View on site". The writing screen: 16 clicks, 1 key.
CLICKS_BUDGET = 16
KEYS_BUDGET = 1


def test_an_editor_writes_and_publishes_a_story_with_the_byline_reordered_by_drag(
    new_page, live_server
):
    editor = make_editor()
    SectionFactory(name="Ukraine", slug="ukraine")
    reporter = AuthorFactory(name="Yulia Zhuk", slug="yulia-zhuk")
    desk = AuthorFactory(name="Kyiv news desk", slug="kyiv-desk", job_title="")
    photo = PhotoFactory(
        caption="Crews at the substation at dawn.",
        alt_text="Repair crews beside a burnt transformer",
        credit="Photo by Ivan Lysenko/Reuters",
    )
    page = new_page(viewport={"width": 1280, "height": 900})
    seen = watch(page)
    log_in(page, editor.username)
    open_admin(page, "/admin/articles/article/add/")
    effort = Effort(page)

    # The headline, the dek and the body, in the wide column.
    effort.click(page.locator("#id_headline"), "headline")
    effort.type("Power is back in two districts of Kharkiv")
    effort.press("Tab", "to the dek")
    effort.type("Crews reconnected 8,000 homes overnight after the strike.")
    effort.click(page.frame_locator(BODY_FRAME).locator("body"), "body")
    effort.type("Repair crews worked through the night. Trams run again on two lines.")
    expect(page.locator("#body-counter")).to_contain_text("12 words")

    # The sidebar: section, two authors (added in the wrong order, then dragged), tags,
    # the lead photo from the library, published.
    effort.pick("id_section", "Ukr", "Ukraine")
    effort.pick("id_bylines-0-author", "Kyiv", desk.name)
    effort.click(page.locator("#bylines-group .add-row a"), "add another author")
    effort.pick("id_bylines-1-author", "Yulia", reporter.name)
    rows = page.locator("#bylines-group tbody tr.form-row:not(.empty-form)")
    effort.drag(rows.nth(1).locator(".byline-handle"), rows.nth(0), "reorder")
    expect(rows.nth(0)).to_contain_text(reporter.name)
    expect(page.locator("#id_bylines-0-position")).to_have_value("2")
    expect(page.locator("#id_bylines-1-position")).to_have_value("1")
    effort.click(page.locator("#id_tags"), "tags")
    effort.type("Kharkiv, energy, Russian strikes")
    effort.pick("id_lead_photo", "substation", "Crews at the substation")
    card = page.locator("#lead-photo-card")
    expect(card).to_contain_text("Photo by Ivan Lysenko/Reuters")
    expect(card).to_contain_text("Repair crews beside a burnt transformer")
    expect(page.locator('.social-preview [data-preview="image"]')).to_have_attribute(
        "src", re.compile(r"/media/")
    )
    page.locator("#id_status").select_option("published")
    effort.clicks += 2  # open the status list, choose "Published"
    effort.steps.append("click ×2: status")
    with page.expect_navigation():
        effort.click(page.locator('input[name="_preview"]'), "Save and preview")

    article = Article.objects.with_related().get(
        headline="Power is back in two districts of Kharkiv"
    )
    assert article.is_public
    assert [a.name for a in article.credited_authors] == [reporter.name, desk.name]
    assert sorted(article.tags.names()) == ["Kharkiv", "Russian strikes", "energy"]
    assert article.lead_photo == photo
    expect(page).to_have_url(live_server.url + article.get_absolute_url())
    expect(page.locator(".story__byline")).to_have_text(f"by {reporter.name} and {desk.name}")
    print(
        f"\nwriting-screen journey: {effort.clicks} clicks, {effort.keys} keys besides typing"
        + "".join(f"\n  {step}" for step in effort.steps)
    )
    assert effort.clicks <= CLICKS_BUDGET and effort.keys <= KEYS_BUDGET, effort.steps
    assert not seen.errors, seen.errors
    assert not [text for kind, text in seen.console if kind == "warning"], seen.console


def test_the_previews_follow_the_typing_and_axe_finds_nothing_serious(new_page, live_server):
    editor = make_editor()
    article = ArticleFactory(
        headline="Grain convoy leaves Odesa",
        dek="Twelve ships left at dawn.",
        lead_photo=PhotoFactory(),
        authors=[AuthorFactory(name="Olena Marchenko")],
    )
    page = new_page(viewport={"width": 1280, "height": 900})
    seen = watch(page)
    log_in(page, editor.username)
    open_admin(page, f"/admin/articles/article/{article.pk}/change/")

    previews = page.locator("#share-previews")
    expect(previews.locator('[data-preview="title"]')).to_have_text("Grain convoy leaves Odesa")
    page.locator("#id_headline").fill("Grain convoy reaches Istanbul")
    expect(previews.locator('[data-preview="title"]')).to_have_text("Grain convoy reaches Istanbul")
    expect(previews.locator('[data-preview="card-title"]')).to_have_text(
        "Grain convoy reaches Istanbul"
    )
    page.locator("#id_dek").fill("All twelve ships arrived. " * 10)
    description = previews.locator('[data-preview="card-description"]')
    expect(description).to_have_text(re.compile(r"^All twelve ships arrived\..{100,}…$"))
    assert len(description.inner_text()) == 160

    # Everything a writer needs is beside the body at 1280 px: nothing of the sidebar
    # starts below the body's editor.
    body_bottom = page.locator("#cke_id_body").bounding_box()
    photo_card = page.locator("#lead-photo-card").bounding_box()
    assert photo_card["y"] < body_bottom["y"] + body_bottom["height"], (photo_card, body_bottom)

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)
    assert not seen.errors, seen.errors


def test_at_375_px_the_form_stacks_in_one_column(new_page, live_server):
    editor = make_editor()
    article = ArticleFactory()
    page = new_page(viewport={"width": 375, "height": 740})
    seen = watch(page)
    log_in(page, editor.username)
    open_admin(page, f"/admin/articles/article/{article.pk}/change/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    headline = page.locator("#id_headline").bounding_box()
    status = page.locator("#id_status").bounding_box()
    assert status["y"] > headline["y"]  # the sidebar under the story, not beside it
    assert headline["x"] + headline["width"] <= 375
    assert not seen.errors, seen.errors


def test_ctrl_shift_p_saves_and_opens_the_draft_as_staff_see_it(new_page, live_server):
    editor = make_editor()
    article = ArticleFactory(
        headline="Draft headline",
        slug="draft-story",
        status=Article.Status.DRAFT,
        published_at=None,
    )
    page = new_page()
    seen = watch(page)
    log_in(page, editor.username)
    open_admin(page, f"/admin/articles/article/{article.pk}/change/")
    page.locator("#id_headline").fill("Trams run again on two lines")
    with page.expect_navigation():
        page.keyboard.press("Control+Shift+P")
    expect(page).to_have_url(live_server.url + "/articles/draft-story/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trams run again on two lines")
    article.refresh_from_db()
    assert article.headline == "Trams run again on two lines"
    assert not article.is_public  # saved, still a draft: the page is staff's preview
    assert not seen.errors, seen.errors
