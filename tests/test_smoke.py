import pytest

from tests.factories import ArticleFactory, AuthorFactory


@pytest.mark.django_db
def test_factory_article_has_ordered_byline():
    a, b = AuthorFactory(name="Zed"), AuthorFactory(name="Amy")
    article = ArticleFactory(authors=[a, b], tags=["war", "ukraine"])
    assert article.credited_authors == [a, b]
    assert sorted(article.tags.names()) == ["ukraine", "war"]
