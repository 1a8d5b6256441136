"""The article form as a writing screen: its layout, lead photo card, share previews and
"Save and preview" (the browser side is in tests/browser/test_writing.py)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleAuthor
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.workflow_support import (
    ADD_URL,
    article_post,
    change_url,
    client_for,
    contributor,
    editor,
    photo_editor,
)

pytestmark = pytest.mark.django_db

LEAD_PHOTO_URL = reverse("admin:articles_article_lead_photo")


def region(html: str, name: str) -> str:
    """Return the HTML of the layout's ``writing__<name>`` column (the sidebar ends where
    the folded fieldsets begin)."""
    start = html.index(f'<div class="writing__{name}">')
    end = '<div class="writing__side">' if name == "main" else "<details>"
    return html[start : html.index(end, start)]


def test_the_story_is_wide_and_the_sidebar_holds_state_section_byline_tags_and_photo():
    article = ArticleFactory(authors=[AuthorFactory(name="Olena Marchenko")], tags=["Kyiv"])
    html = client_for(editor()).get(change_url(article)).content.decode()

    main, side = region(html, "main"), region(html, "side")
    for field in ("id_headline", "id_dek", "id_body"):
        assert f'id="{field}"' in main
    assert 'id="share-previews"' in main
    order = [
        side.index(marker)
        for marker in (
            'id="id_status"',  # state and the publish controls first
            'id="id_published_at_0"',
            'id="id_section"',
            'id="bylines-group"',
            'id="id_tags"',
            'id="id_lead_photo"',
        )
    ]
    assert order == sorted(order)
    assert "Olena Marchenko" in side
    # The less-used fields are folded below both columns.
    assert 'id="id_slug"' not in main + side
    assert re.search(r"<details><summary>\s*<h2[^>]*>Address, search and sharing", html)
    assert html.count('id="bylines-group"') == 1  # not again with the other inlines


def test_the_lead_photo_shows_as_a_card_with_its_credit_and_alt_text():
    photo = PhotoFactory(credit="Photo by Ivan Lysenko/Reuters", alt_text="Firefighters at dawn")
    article = ArticleFactory(lead_photo=photo)
    html = client_for(editor()).get(change_url(article)).content.decode()
    card = html[html.index('id="lead-photo-card"') :]
    card = card[: card.index("</div>")]
    assert "Photo by Ivan Lysenko/Reuters" in card
    assert 'alt="Firefighters at dawn"' in card
    assert reverse("admin:photos_photo_change", args=[photo.pk]) in card


def test_a_lead_photo_without_credit_warns_in_the_sidebar():
    photo = PhotoFactory(credit="")
    article = ArticleFactory(lead_photo=photo, status=Article.Status.DRAFT, published_at=None)
    html = client_for(editor()).get(change_url(article)).content.decode()
    assert "No credit: an article with this photo cannot be published" in html


def test_the_lead_photo_endpoint_gives_a_photos_card_for_the_form_to_show():
    soon = timezone.localdate() + timedelta(days=2)
    photo = PhotoFactory(credit="", alt_text="A bridge", rights_expire_on=soon)
    response = client_for(editor()).get(LEAD_PHOTO_URL, {"photo": photo.pk})
    assert response.status_code == 200
    card = response.json()
    assert card["id"] == photo.pk
    assert card["alt_text"] == "A bridge"
    assert card["credit"] == ""
    assert card["thumb_url"]
    assert card["card_url"]
    assert any(problem.startswith("No credit") for problem in card["problems"])
    assert any("Rights expire on" in problem for problem in card["problems"])


def test_the_lead_photo_endpoint_answers_404_for_an_unknown_photo_and_403_to_the_photo_desk():
    assert client_for(editor()).get(LEAD_PHOTO_URL, {"photo": 999999}).status_code == 404
    assert client_for(editor()).get(LEAD_PHOTO_URL, {"photo": "x"}).status_code == 404
    photo = PhotoFactory()
    # The photo desk reads articles but neither adds nor changes them.
    assert client_for(photo_editor()).get(LEAD_PHOTO_URL, {"photo": photo.pk}).status_code == 403


def test_the_share_previews_show_what_search_engines_and_social_cards_will():
    article = ArticleFactory(
        headline="Power is back in Kharkiv",
        seo_title="Kharkiv: power back in two districts",
        dek="Crews worked overnight. " * 12,  # longer than a description
        slug="power-back-kharkiv",
    )
    html = client_for(editor()).get(change_url(article)).content.decode()
    previews = html[html.index('id="share-previews"') :]
    previews = previews[: previews.index("</section>")]
    assert previews.count("Kharkiv: power back in two districts") == 2  # result and card
    assert "/articles/power-back-kharkiv/" in previews
    description = re.search(r'data-preview="description">([^<]*)<', previews)[1]
    assert len(description) == 160 and description.endswith("…")


def test_save_and_preview_saves_then_opens_the_page_as_staff_see_it():
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, slug="draft-story")
    client = client_for(editor())
    data = article_post(article, headline="Draft, saved and previewed")
    del data["_save"]
    data["_preview"] = "Save and preview"
    response = client.post(change_url(article), data)
    assert response.status_code == 302
    assert response["Location"] == "/articles/draft-story/"
    article.refresh_from_db()
    assert article.headline == "Draft, saved and previewed"
    page = client.get(response["Location"])
    assert page.status_code == 200  # a draft, shown to staff only
    assert "Draft, saved and previewed" in page.content.decode()


def test_save_and_preview_from_the_add_form_opens_the_new_article():
    section = SectionFactory()
    data = article_post(section=section, headline="A new draft", slug="a-new-draft")
    del data["_save"]
    data["_preview"] = "Save and preview"
    response = client_for(contributor()).post(ADD_URL, data)
    assert response.status_code == 302
    assert response["Location"] == "/articles/a-new-draft/"


def test_a_refused_save_and_preview_stays_on_the_form_with_the_text():
    article = ArticleFactory()
    data = article_post(article, headline="")
    del data["_save"]
    data["_preview"] = "Save and preview"
    response = client_for(editor()).post(change_url(article), data)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_the_form_offers_save_and_preview_only_to_those_who_may_change_it():
    article = ArticleFactory()
    assert 'name="_preview"' in client_for(editor()).get(change_url(article)).content.decode()
    viewer = client_for(photo_editor()).get(change_url(article)).content.decode()
    assert 'name="_preview"' not in viewer


def test_the_byline_order_given_by_the_positions_is_saved():
    first, second = AuthorFactory(name="First"), AuthorFactory(name="Second")
    article = ArticleFactory(authors=[first, second])
    rows = list(ArticleAuthor.objects.filter(article=article).order_by("position"))
    data = article_post(
        article,
        **{
            "bylines-TOTAL_FORMS": "2",
            "bylines-INITIAL_FORMS": "2",
            "bylines-0-id": str(rows[0].pk),
            "bylines-0-article": str(article.pk),
            "bylines-0-author": str(first.pk),
            "bylines-0-position": "2",  # what the drag handles write
            "bylines-1-id": str(rows[1].pk),
            "bylines-1-article": str(article.pk),
            "bylines-1-author": str(second.pk),
            "bylines-1-position": "1",
        },
    )
    response = client_for(editor()).post(change_url(article), data)
    assert response.status_code == 302
    assert [b.author.name for b in article.bylines.order_by("position")] == ["Second", "First"]


@pytest.mark.parametrize("bylines", [1, 6])
def test_the_change_form_stays_within_its_query_budget(bylines, django_assert_max_num_queries):
    """The writing screen's page: 20 queries, and one per author of the byline (the
    author picker's chosen name), whatever the size of the newsroom."""
    photo = PhotoFactory()
    article = ArticleFactory(
        lead_photo=photo,
        authors=[AuthorFactory() for _ in range(bylines)],
        tags=["Kyiv", "Energy", "Winter"],
    )
    client = client_for(editor())
    client.get(change_url(article))  # sessions, content types and permissions cached
    with django_assert_max_num_queries(CHANGE_FORM_QUERIES + bylines):
        assert client.get(change_url(article)).status_code == 200


# The change form's query budget (reported in the closing note of the writing screen).
CHANGE_FORM_QUERIES = 20
