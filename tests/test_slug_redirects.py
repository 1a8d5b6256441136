"""An article's earlier slug keeps answering 301 to it; nobody else's draft may take it.

Before, saving a draft whose slug was a live article's old slug deleted that article's
redirect (Article._remember_old_slug): links shared for years answered 404, and later
opened the contributor's story.
"""

import pytest
from django.urls import reverse

from articles.models import Article, ArticleSlugRedirect
from tests.factories import ArticleFactory, SectionFactory
from tests.test_admin import article_form_data
from tests.workflow_support import client_for, contributor, editor

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")


@pytest.fixture
def renamed():
    """A live article first published as /articles/ceasefire-talks/, since renamed."""
    article = ArticleFactory(headline="Ceasefire talks resume", slug="ceasefire-talks")
    article.slug = "ceasefire-talks-resume-in-geneva"
    article.save()
    return article


def test_a_contributor_cannot_take_another_articles_old_slug(client, renamed):
    user = contributor()
    data = article_form_data(SectionFactory(), headline="My story", slug="ceasefire-talks")

    response = client_for(user).post(ADD, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "was the address of another article, “Ceasefire talks resume”" in html
    assert 'value="My story"' in html  # nothing typed is lost
    assert not Article.objects.filter(headline="My story").exists()
    assert ArticleSlugRedirect.objects.filter(old_slug="ceasefire-talks").exists()
    follow = client.get("/articles/ceasefire-talks/")
    assert follow.status_code == 301
    assert follow["Location"] == renamed.get_absolute_url()


def test_an_editor_who_may_change_the_other_article_may_reuse_its_old_slug(renamed):
    data = article_form_data(SectionFactory(), headline="New story", slug="ceasefire-talks")

    response = client_for(editor()).post(ADD, data)

    assert response.status_code == 302
    assert Article.objects.filter(headline="New story", slug="ceasefire-talks").exists()


def test_an_article_may_take_back_its_own_old_slug(renamed):
    change = reverse("admin:articles_article_change", args=[renamed.pk])
    client = client_for(editor())
    data = article_form_data(
        renamed.section,
        headline=renamed.headline,
        slug="ceasefire-talks",
        status=Article.Status.PUBLISHED,
        loaded_version=str(renamed.version),
    )

    response = client.post(change, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    renamed.refresh_from_db()
    assert renamed.slug == "ceasefire-talks"
