"""The page cache keys a page on the query parameters it reads, and no others.

Before, the whole URL was the key: ?utm_source=1, =2, … each rendered and stored a copy
of the same page (200 requests, 200 entries), a cheap way to fill the cache and make
every request a miss.
"""

import pytest
from django.core.cache import caches
from django.urls import reverse

from newsroom.pagecache import PAGE_KEY_PREFIX
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def stored_pages() -> int:
    return sum(1 for key in caches["default"]._cache if PAGE_KEY_PREFIX in key)


def test_tracking_parameters_are_answered_from_one_copy(client):
    article = ArticleFactory(headline="Talks resume")
    url = article.get_absolute_url()
    first = client.get(url)

    answers = [client.get(f"{url}?utm_source={n}&fbclid=x{n}") for n in range(200)]

    assert first["X-Cache"] == "miss"
    assert {answer["X-Cache"] for answer in answers} == {"hit"}
    assert stored_pages() == 1


def test_a_flood_of_made_up_parameters_stores_one_page(client):
    ArticleFactory()
    for n in range(200):
        assert client.get(f"/?utm_source={n}").status_code == 200

    assert stored_pages() == 1


def test_the_parameters_a_page_reads_still_make_their_own_pages(client):
    for n in range(14):
        ArticleFactory(headline=f"Story number {n}")
    search = reverse("articles:search")

    client.get("/")
    page_two = client.get("/?page=2&utm_source=x")
    client.get(f"{search}?q=number+3")
    other_search = client.get(f"{search}?q=number+7&utm_medium=y")

    assert page_two["X-Cache"] == "miss"
    assert "page 2" in page_two.content.decode()
    assert other_search["X-Cache"] == "miss"
    assert stored_pages() == 4
    # The same parameters in another order are the same page.
    assert client.get(f"{search}?utm_medium=z&q=number+7")["X-Cache"] == "hit"


def test_a_shared_copy_never_carries_a_readers_tracking_parameters(client):
    article = ArticleFactory()

    html = client.get(f"{article.get_absolute_url()}?utm_source=someone").content.decode()

    assert "utm_source" not in html
    assert f'name="next" value="{article.get_absolute_url()}"' in html
