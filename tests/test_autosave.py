"""Autosave of the article form: unsaved work kept per user and article, never in the article."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.admin.autosave import MAX_BYTES
from articles.models import Article, UnsavedEdit
from tests.factories import ArticleFactory, SectionFactory
from tests.workflow_support import (
    ADD_URL,
    article_post,
    change_url,
    client_for,
    contributor,
    editor,
)

pytestmark = pytest.mark.django_db

NOTICE = "Restore your unsaved changes from"


def autosave_url(article: Article | None = None) -> str:
    if article is None:
        return reverse("admin:articles_article_autosave_add")
    return reverse("admin:articles_article_autosave", args=[article.pk])


def discard_url(article: Article | None = None) -> str:
    if article is None:
        return reverse("admin:articles_article_autosave_add_discard")
    return reverse("admin:articles_article_autosave_discard", args=[article.pk])


def hhmm(value) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def test_an_autosave_keeps_the_form_and_leaves_the_article_and_its_cached_page_alone():
    article = ArticleFactory(headline="Grain convoy leaves Odesa")
    url = article.get_absolute_url()
    reader = Client()
    assert reader.get(url)["X-Cache"] == "miss"
    assert reader.get(url)["X-Cache"] == "hit"
    before = Article.objects.get(pk=article.pk)
    user = editor()

    response = client_for(user).post(
        autosave_url(article),
        {
            **article_post(article, headline="Grain convoy reaches Istanbul", body="<p>New.</p>"),
            "csrfmiddlewaretoken": "token",
            "notes-__prefix__-text": "",
        },
    )

    assert response.status_code == 200
    edit = UnsavedEdit.objects.get(user=user, article=article)
    assert response.json() == {"saved_at": hhmm(edit.saved_at)}
    assert edit.data["headline"] == "Grain convoy reaches Istanbul"
    assert edit.data["body"] == "<p>New.</p>"
    assert not {"csrfmiddlewaretoken", "_save", "notes-__prefix__-text"} & set(edit.data)
    assert edit.base_version == before.version
    after = Article.objects.get(pk=article.pk)
    assert (after.version, after.updated_at, after.headline, after.body) == (
        before.version,
        before.updated_at,
        before.headline,
        before.body,
    )
    assert reader.get(url)["X-Cache"] == "hit"  # nothing purged


def test_autosaving_again_replaces_the_users_one_unsaved_edit():
    article = ArticleFactory()
    user = editor()
    client = client_for(user)
    client.post(autosave_url(article), {"headline": "First try"})
    client.post(autosave_url(article), {"headline": "Second try", "tags": ["a", "b"]})

    edit = UnsavedEdit.objects.get(user=user, article=article)
    assert edit.data == {"headline": "Second try", "tags": ["a", "b"]}
    assert UnsavedEdit.objects.count() == 1


def test_get_returns_the_users_own_unsaved_edit_and_never_another_editors():
    article = ArticleFactory()
    mine, theirs = client_for(editor()), client_for(editor())
    mine.post(autosave_url(article), {"headline": "My unsaved headline"})

    own = mine.get(autosave_url(article))
    assert own.status_code == 200
    assert own.json()["data"] == {"headline": "My unsaved headline"}
    assert theirs.get(autosave_url(article)).status_code == 404
    page = theirs.get(change_url(article)).content.decode()
    assert NOTICE not in page and "My unsaved headline" not in page


def test_the_change_form_offers_the_restore_with_the_time_and_the_differences():
    article = ArticleFactory(headline="Grain convoy leaves Odesa")
    client = client_for(editor())
    client.post(autosave_url(article), {"headline": "Grain convoy reaches Istanbul"})
    edit = UnsavedEdit.objects.get()

    page = client.get(change_url(article)).content.decode()

    assert f"{NOTICE} {hhmm(edit.saved_at)}" in page
    assert 'id="autosave-offer"' in page and "data-autosave-restore" in page
    offer = page[page.index('id="autosave-offer"') :]
    assert re.search(r"<del>\s*leaves\s+Odesa\s*</del>", offer)
    assert re.search(r"<ins>\s*reaches\s+Istanbul\s*</ins>", offer)
    assert f'data-url="{autosave_url(article)}"' in page


def test_no_offer_for_an_unsaved_edit_older_than_the_articles_last_save():
    article = ArticleFactory()
    user = editor()
    client = client_for(user)
    client.post(autosave_url(article), {"headline": "Stale"})
    UnsavedEdit.objects.update(saved_at=article.updated_at - timedelta(minutes=1))

    page = client.get(change_url(article)).content.decode()

    assert NOTICE not in page
    assert 'id="autosave"' in page  # autosaving still runs


def test_the_add_form_offers_the_users_unsaved_new_article():
    user = editor()
    client = client_for(user)
    assert client.post(autosave_url(), {"headline": "A story nobody saved"}).status_code == 200
    edit = UnsavedEdit.objects.get(user=user)
    assert edit.article is None and edit.base_version is None

    page = client.get(ADD_URL).content.decode()
    assert f"{NOTICE} {hhmm(edit.saved_at)}" in page
    assert "A story nobody saved" in page
    assert NOTICE not in client_for(editor()).get(ADD_URL).content.decode()


def test_a_successful_save_through_the_form_deletes_the_unsaved_edit():
    article = ArticleFactory()
    user = editor()
    client = client_for(user)
    client.post(autosave_url(article), {"headline": "Typed, then saved"})
    other = editor()
    client_for(other).post(autosave_url(article), {"headline": "Someone else's"})

    response = client.post(change_url(article), article_post(article, headline="Typed, then saved"))

    assert response.status_code == 302
    assert not UnsavedEdit.objects.filter(user=user).exists()
    assert UnsavedEdit.objects.filter(user=other, article=article).exists()  # theirs stays


def test_a_refused_save_keeps_the_unsaved_edit():
    article = ArticleFactory()
    user = editor()
    client = client_for(user)
    client.post(autosave_url(article), {"headline": "Kept"})

    response = client.post(change_url(article), article_post(article, headline=""))

    assert response.status_code == 200  # the form with its error
    assert UnsavedEdit.objects.filter(user=user, article=article).exists()


def test_adding_the_article_deletes_the_users_add_form_edit():
    user = editor()
    client = client_for(user)
    client.post(autosave_url(), {"headline": "A new story"})
    client_for(other := editor()).post(autosave_url(), {"headline": "Theirs"})

    response = client.post(ADD_URL, article_post(section=SectionFactory()))

    assert response.status_code == 302
    assert Article.objects.filter(slug="a-new-story").exists()
    assert not UnsavedEdit.objects.filter(user=user).exists()
    assert UnsavedEdit.objects.filter(user=other).exists()


def test_a_contributor_cannot_autosave_into_an_editors_published_article():
    article = ArticleFactory(created_by=editor())

    response = client_for(contributor()).post(autosave_url(article), {"headline": "Mine now"})

    assert response.status_code == 403
    assert not UnsavedEdit.objects.exists()


def test_a_contributor_autosaves_their_own_draft():
    user = contributor()
    draft = ArticleFactory(created_by=user, status=Article.Status.DRAFT, published_at=None)

    response = client_for(user).post(autosave_url(draft), {"headline": "Still drafting"})

    assert response.status_code == 200
    assert UnsavedEdit.objects.get(user=user, article=draft).data == {"headline": "Still drafting"}


def test_an_oversize_autosave_is_refused_with_413():
    article = ArticleFactory()
    client = client_for(editor())

    response = client.post(autosave_url(article), {"body": "x" * (MAX_BYTES + 1)})

    assert response.status_code == 413
    assert "error" in response.json()
    assert not UnsavedEdit.objects.exists()


def test_autosave_needs_the_csrf_token():
    article = ArticleFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor())

    assert client.post(autosave_url(article), {"headline": "No token"}).status_code == 403
    assert not UnsavedEdit.objects.exists()


def test_people_outside_the_admin_cannot_autosave():
    article = ArticleFactory()
    response = Client().post(autosave_url(article), {"headline": "Anonymous"})

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not UnsavedEdit.objects.exists()


def test_discard_deletes_only_the_users_own_unsaved_edit():
    article = ArticleFactory()
    user, other = editor(), editor()
    client = client_for(user)
    client.post(autosave_url(article), {"headline": "Mine"})
    client_for(other).post(autosave_url(article), {"headline": "Theirs"})
    client.post(autosave_url(), {"headline": "New one"})

    response = client.post(discard_url(article))

    assert response.status_code == 204
    assert not UnsavedEdit.objects.filter(user=user, article=article).exists()
    assert UnsavedEdit.objects.filter(user=other, article=article).exists()
    assert UnsavedEdit.objects.filter(user=user, article=None).exists()
    assert client.get(autosave_url(article)).status_code == 404
    assert NOTICE not in client.get(change_url(article)).content.decode()
    assert client.post(discard_url()).status_code == 204
    assert not UnsavedEdit.objects.filter(user=user).exists()
