"""No lost edits: two people saving the same article, versions, the “also editing” notice."""

import re

import pytest
from django.core.cache import cache

from articles.admin import articles as article_admin
from articles.models import Article
from tests.factories import ArticleFactory
from tests.workflow_support import (
    CHANGELIST,
    article_post,
    change_url,
    client_for,
    editor,
    page_messages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def loaded_version(response) -> str:
    return re.search(r'name="loaded_version" value="(\d+)"', response.content.decode())[1]


def form_post(article, response, **changes) -> dict[str, str]:
    """Return what a browser posts from the change form in ``response`` after typing ``changes``."""
    data = article_post(article, **changes)
    data["loaded_version"] = loaded_version(response)
    return data


def test_second_editor_save_is_refused_and_keeps_their_text():
    article = ArticleFactory(headline="Original headline", body="<p>Original body.</p>")
    iryna = editor(first_name="Iryna", last_name="Kovalska")
    first, second = client_for(iryna), client_for(editor())
    first_page = first.get(change_url(article))
    second_page = second.get(change_url(article))
    first_data = form_post(article, first_page, body="<p>Iryna's body.</p>")
    second_data = form_post(article, second_page, body="<p>Second editor's careful rewrite.</p>")

    saved = first.post(change_url(article), first_data)
    refused = second.post(change_url(article), second_data)

    assert saved.status_code == 302
    assert refused.status_code == 200
    article.refresh_from_db()
    assert article.body == "<p>Iryna's body.</p>"
    html = refused.content.decode()
    when = re.escape(article.updated_at.astimezone().strftime("%H:%M"))
    assert re.search(rf"Iryna Kovalska saved this article at {when} after you opened it", html)
    assert "Second editor&#x27;s careful rewrite." in html  # still in the form
    assert "<ins>Second</ins>" in html or "<ins>Second editor" in html  # the difference


def test_conflict_shows_the_difference_word_by_word():
    article = ArticleFactory(headline="Shells reach the front", body="<p>One two three.</p>")
    first, second = client_for(editor()), client_for(editor())
    first_page, second_page = first.get(change_url(article)), second.get(change_url(article))

    first.post(change_url(article), form_post(article, first_page, body="<p>One two four.</p>"))
    refused = second.post(
        change_url(article), form_post(article, second_page, body="<p>One two five.</p>")
    )

    conflict = refused.context["conflict"]
    body = next(change for change in conflict["changes"] if change.label == "Body")
    assert "<del>four</del><ins>five</ins>" in body.diff


def test_saving_again_after_reading_the_conflict_replaces_the_saved_version():
    article = ArticleFactory(body="<p>Start.</p>")
    first, second = client_for(editor()), client_for(editor())
    first_page, second_page = first.get(change_url(article)), second.get(change_url(article))
    first.post(change_url(article), form_post(article, first_page, body="<p>First.</p>"))
    refused = second.post(change_url(article), form_post(article, second_page, body="<p>Mine.</p>"))

    again = second.post(change_url(article), form_post(article, refused, body="<p>Mine.</p>"))

    assert again.status_code == 302
    article.refresh_from_db()
    assert article.body == "<p>Mine.</p>"


def test_the_same_person_in_two_tabs_is_told_it_was_them():
    article = ArticleFactory()
    client = client_for(editor())
    tab_one, tab_two = client.get(change_url(article)), client.get(change_url(article))

    client.post(change_url(article), form_post(article, tab_one, dek="From tab one"))
    refused = client.post(change_url(article), form_post(article, tab_two, dek="From tab two"))

    assert "You saved this article at" in refused.content.decode()


def test_a_save_between_the_check_and_the_write_is_still_refused(monkeypatch):
    """The version check is atomic: the row is claimed with UPDATE … WHERE version = N."""
    article = ArticleFactory(dek="Before")
    client = client_for(editor())
    page = client.get(change_url(article))
    check = article_admin.ArticleAdminForm._check_version
    calls = []

    def check_passes_before_the_other_save(self, cleaned_data):
        calls.append(1)
        # Another editor's save lands (committed) right after this form's check. In the
        # test's single transaction the refusal rolls it back too, so it lands again.
        if len(calls) == 1:
            Article.objects.filter(pk=article.pk).update(dek="Saved meanwhile", version=99)
            return None
        Article.objects.filter(pk=article.pk).update(dek="Saved meanwhile", version=99)
        self.instance.refresh_from_db()
        return check(self, cleaned_data)

    monkeypatch.setattr(
        article_admin.ArticleAdminForm, "_check_version", check_passes_before_the_other_save
    )

    response = client.post(change_url(article), form_post(article, page, dek="Mine"))

    assert response.status_code == 200
    assert response.context["conflict"]["current"] == 99
    article.refresh_from_db()
    assert article.dek == "Saved meanwhile"


def test_every_save_and_bulk_action_raises_the_version():
    article = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None)
    client = client_for(editor())
    assert article.version == 1

    page = client.get(change_url(article))
    client.post(change_url(article), form_post(article, page, dek="Edited"))
    article.refresh_from_db()
    assert article.version == 2

    client.post(CHANGELIST, {"action": "publish", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.version == 3


def test_a_form_opened_before_a_bulk_action_is_refused():
    article = ArticleFactory()
    client = client_for(editor())
    page = client.get(change_url(article))

    client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [article.pk]})
    response = client.post(change_url(article), form_post(article, page, dek="Stale"))

    assert response.status_code == 200
    assert response.context["conflict"] is not None
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED


def test_editors_see_who_else_has_the_article_open():
    article = ArticleFactory()
    first = client_for(editor(first_name="Olena", last_name="Marchenko"))
    second = client_for(editor())

    first.get(change_url(article))
    page = second.get(change_url(article))
    alone_again = first.post(
        change_url(article), form_post(article, first.get(change_url(article)))
    )

    assert "Olena Marchenko is also editing this article" in page.content.decode()
    assert alone_again.status_code == 302
    assert "is also editing" not in second.get(change_url(article)).content.decode()
    assert page_messages(alone_again) == []
