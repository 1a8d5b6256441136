"""List pages page through the archive without counting it: newer / older links."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def section():
    section = SectionFactory(name="World", slug="world")
    for _ in range(settings.ARTICLES_PER_PAGE + 2):
        ArticleFactory(section=section)
    return section


def test_the_first_page_links_to_older_and_the_last_only_to_newer(client, section):
    first = client.get(section.get_absolute_url()).content.decode()
    last = client.get(section.get_absolute_url() + "?page=2").content.decode()

    assert 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first
    assert "Page 1</span>" in first
    assert 'rel="prev" href="?page=1"' in last and 'rel="next"' not in last
    assert last.count('class="teaser') >= 2


def test_a_page_past_the_end_or_not_a_number_is_a_404(client, section):
    assert client.get(section.get_absolute_url() + "?page=3").status_code == 404
    assert client.get(section.get_absolute_url() + "?page=abc").status_code == 404
    assert client.get(section.get_absolute_url() + "?page=0").status_code == 404


def test_no_page_counts_the_archive(client, section):
    with CaptureQueriesContext(connection) as captured:
        client.get(section.get_absolute_url() + "?page=2")
    assert not [q for q in captured if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("tagged", [25, 2])  # a tag on most articles (walked) or on few
def test_tag_pages_are_newest_first_however_large_the_tag(client, tagged):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    articles = [
        # Created in an order unlike their publish times (backdated, scheduled earlier).
        ArticleFactory(published_at=now - timedelta(hours=(n * 7) % 30 + 1))
        for n in range(30)
    ]
    for article in articles[:tagged]:
        article.tags.add("energy")
    expected = sorted(articles[:tagged], key=lambda a: (a.published_at, a.pk), reverse=True)

    page = client.get("/tag/energy/")

    shown = [a.pk for a in page.context["articles"]]
    assert shown == [a.pk for a in expected][: settings.ARTICLES_PER_PAGE]
