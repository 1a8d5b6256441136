"""Live coverage for readers: the live page, update permalinks and following without reloading."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from live import services
from live.models import LiveUpdate, LiveUpdateAuthor
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.workflow_support import editor

pytestmark = pytest.mark.django_db


def live_article(**kwargs):
    kwargs.setdefault("headline", "Strikes on Kharkiv: live")
    kwargs.setdefault("published_at", timezone.now() - timedelta(hours=3))
    return ArticleFactory(live=True, **kwargs)


def add_update(article, text="Sirens across the city.", *, minutes_ago=0, **kwargs):
    update = LiveUpdate.objects.create(
        article=article,
        body=f"<p>{text}</p>",
        status=kwargs.pop("status", LiveUpdate.Status.PUBLISHED),
        published_at=kwargs.pop("published_at", timezone.now() - timedelta(minutes=minutes_ago)),
        **kwargs,
    )
    return update


def updates_url(article, after=None) -> str:
    url = reverse("articles:live_updates", args=[article.slug])
    return url if after is None else f"{url}?after={after}"


def shown_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="update-(\d+)"', html)]


def test_the_live_page_shows_pinned_key_events_then_updates_newest_first(client):
    article = live_article()
    olha = AuthorFactory(name="Olha Kovalenko")
    first = add_update(article, "Explosions heard in the north.", minutes_ago=50, key_event=True)
    pinned = add_update(article, "Shelter addresses are listed here.", minutes_ago=40, pinned=True)
    newest = add_update(
        article, "Power is back in two districts.", minutes_ago=5, headline="Power back"
    )
    LiveUpdateAuthor.objects.create(update=newest, author=olha, position=1)

    page = client.get(article.get_absolute_url()).content.decode()

    assert shown_ids(page) == [newest.pk, pinned.pk, first.pk]
    assert (
        page.index('id="pinned-update"')
        < page.index("Key events")
        < page.index(f'id="update-{newest.pk}"')
    )
    assert f'href="#update-{first.pk}"' in page  # the key event links to its update
    assert "Power back" in page and "Olha Kovalenko" in page
    local = timezone.localtime(newest.published_at)
    assert f">{local:%H:%M}</time>" in page  # today: the 24-hour time alone
    assert 'data-updates-url="' in page and "live/follow.js" in page


def test_an_update_from_another_day_shows_its_date(client):
    article = live_article(published_at=timezone.now() - timedelta(days=3))
    add_update(article, "Yesterday's talks ended.", minutes_ago=60 * 48)
    page = client.get(article.get_absolute_url()).content.decode()
    day = timezone.localtime(timezone.now() - timedelta(days=2))
    assert re.search(rf">{day.day} \w{{3}}( \d{{4}})? \d\d:\d\d</time>", page)


def test_drafts_are_not_public(client):
    article = live_article()
    add_update(article, "Unconfirmed: a second strike.", status=LiveUpdate.Status.DRAFT,
               published_at=None)  # fmt: skip
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Unconfirmed" not in page
    assert "No updates yet." in page


def test_long_coverage_shows_the_newest_twenty_and_pages_the_rest(client):
    article = live_article()
    updates = [add_update(article, f"Update number {n}.", minutes_ago=200 - n) for n in range(45)]
    url = article.get_absolute_url()

    first, second, third = (client.get(f"{url}?page={n}") for n in (1, 2, 3))

    assert shown_ids(first.content.decode()) == [u.pk for u in reversed(updates[25:])]
    assert shown_ids(second.content.decode()) == [u.pk for u in reversed(updates[5:25])]
    assert shown_ids(third.content.decode()) == [u.pk for u in reversed(updates[:5])]
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert f'<link rel="canonical" href="http://testserver{url}?page=2">' in second.content.decode()
    assert "data-updates-url" not in second.content.decode()  # only the newest page follows
    assert client.get(f"{url}?page=4").status_code == 404
    assert client.get(f"{url}?page=abc").status_code == 404


def test_a_permalink_opens_the_page_holding_the_update_with_its_own_title(client):
    article = live_article()
    updates = [add_update(article, f"Update number {n}.", minutes_ago=100 - n) for n in range(30)]
    old = updates[3]
    old.headline = "Bridge reopened to traffic"
    old.photo = PhotoFactory(credit="Olha Kovalenko/Reuters", alt_text="A bridge")
    old.save()

    response = client.get(old.get_absolute_url())
    page = response.content.decode()

    assert response.status_code == 200
    assert old.pk in shown_ids(page)  # page 2 holds it
    assert "live-update--focus" in page
    assert "<title>Bridge reopened to traffic — Strikes on Kharkiv: live" in page
    assert f'<link rel="canonical" href="http://testserver{old.get_absolute_url()}">' in page
    assert f'href="#update-{old.pk}"' in page  # the jump link works without JavaScript


def test_permalinks_of_drafts_or_of_other_articles_are_404(client):
    article, other = live_article(), live_article(headline="Another live page")
    draft = add_update(article, status=LiveUpdate.Status.DRAFT, published_at=None)
    elsewhere = add_update(other)
    assert client.get(draft.get_absolute_url()).status_code == 404
    wrong = reverse("articles:live_update", args=[article.slug, elsewhere.pk])
    assert client.get(wrong).status_code == 404


def test_ended_coverage_says_so_and_stops_following(client):
    ended_at = timezone.now() - timedelta(minutes=30)
    article = live_article(coverage_ended_at=ended_at)
    add_update(article, minutes_ago=40)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "This live coverage has ended" in page
    assert f"{timezone.localtime(ended_at):%H:%M}</time>" in page
    assert "data-updates-url" not in page


# Following without reloading ------------------------------------------------------------


def test_following_returns_only_what_the_reader_has_not_seen(client):
    article = live_article()
    seen = add_update(article, "Seen already.", minutes_ago=10)
    new = add_update(article, "Air defence active.", minutes_ago=1)
    add_update(article, "A draft.", status=LiveUpdate.Status.DRAFT, published_at=None)

    data = client.get(updates_url(article, seen.pk)).json()

    assert [item["id"] for item in data["updates"]] == [new.pk]
    assert "Air defence active." in data["updates"][0]["html"]
    assert f'id="update-{new.pk}"' in data["updates"][0]["html"]
    assert data["latest"] == new.pk
    assert [item["id"] for item in data["recent"]] == [new.pk, seen.pk]
    assert client.get(updates_url(article, new.pk)).json()["updates"] == []


def test_an_update_approved_later_is_new_although_its_number_is_older(client):
    article = live_article()
    waiting = add_update(article, "Contributor's report.", status=LiveUpdate.Status.DRAFT,
                         published_at=None)  # fmt: skip
    seen = add_update(article, "Seen already.", minutes_ago=5)
    waiting.status, waiting.published_at = LiveUpdate.Status.PUBLISHED, timezone.now()
    waiting.save()

    data = client.get(updates_url(article, seen.pk)).json()

    assert [item["id"] for item in data["updates"]] == [waiting.pk]


def test_edits_are_sent_with_their_new_text(client):
    article = live_article()
    update = add_update(article, "Three injured.", minutes_ago=5)
    update.body = "<p>Five injured, the governor says.</p>"
    update.save()

    data = client.get(updates_url(article, update.pk)).json()

    assert data["recent"][0]["version"] == 2
    assert "Five injured" in data["edited"][0]["html"]


@pytest.mark.parametrize("after", ["abc", "-1", "1e3", "١٢", "9" * 30])
def test_an_after_that_is_not_a_number_is_a_clear_400(client, after):
    article = live_article()
    response = client.get(updates_url(article, after))
    assert response.status_code == 400
    assert "must be the number of an update" in response.json()["error"]


def test_an_after_that_was_deleted_answers_what_came_after_it(client):
    article = live_article()
    gone = add_update(article, "Retracted.", minutes_ago=6)
    newer = add_update(article, "Newer.", minutes_ago=2)
    gone_pk = gone.pk
    gone.delete()

    data = client.get(updates_url(article, gone_pk)).json()

    assert [item["id"] for item in data["updates"]] == [newer.pk]
    assert client.get(updates_url(article, 10**9)).json()["updates"] == []


def test_only_public_live_articles_can_be_followed(client):
    assert client.get(updates_url(ArticleFactory(), 1)).status_code == 404
    draft = live_article(status="draft", published_at=None)
    assert client.get(updates_url(draft, 1)).status_code == 404


def test_a_poll_with_nothing_new_is_a_304_without_a_query_or_a_render(client):
    article = live_article()
    update = add_update(article, minutes_ago=3)
    url = updates_url(article, update.pk)
    first = client.get(url)
    etag = first["ETag"]

    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200 and first["X-Cache"] == "miss"
    assert again.status_code == 304
    assert len(queries) == 0
    assert again.templates == []


# What an update purges -------------------------------------------------------------------


def test_posting_an_update_purges_the_live_page_and_fragments_and_nothing_else(client):
    article = live_article()
    other = ArticleFactory(headline="Unrelated story")
    seen = add_update(article, minutes_ago=3)
    pages = {
        "live": article.get_absolute_url(),
        "fragment": updates_url(article, seen.pk),
        "feed": reverse("articles:feed_rss"),
        "home": "/",
        "other": other.get_absolute_url(),
        "section": other.section.get_absolute_url(),
    }
    for url in pages.values():
        client.get(url)

    posted = services.post_update(article, editor(), body="<p>Curfew from 22:00.</p>")
    answers = {name: client.get(url) for name, url in pages.items()}

    assert answers["live"]["X-Cache"] != "hit"
    assert "Curfew from 22:00." in answers["live"].content.decode()
    assert answers["fragment"].json()["updates"][0]["id"] == posted.pk
    assert answers["feed"]["X-Cache"] != "hit"  # it shows the latest update time
    assert {answers[name]["X-Cache"] for name in ("home", "other", "section")} == {"hit"}


def test_a_draft_update_purges_nothing(client):
    article = live_article()
    url = article.get_absolute_url()
    client.get(url)
    add_update(article, "Waiting.", status=LiveUpdate.Status.DRAFT, published_at=None)
    assert client.get(url)["X-Cache"] == "hit"


def test_the_fragment_is_json_of_sanitized_html(client):
    article = live_article()
    seen = add_update(article, minutes_ago=3)
    services.post_update(
        article, editor(), body='<p onclick="x()">Calm night.</p><script>alert(1)</script>'
    )
    response = client.get(updates_url(article, seen.pk))
    html = json.loads(response.content)["updates"][0]["html"]
    assert response["Content-Type"] == "application/json"
    assert "Calm night." in html and "<script" not in html and "onclick" not in html


def test_the_live_page_costs_the_same_queries_with_25_or_80_updates(client):
    from tests.pages import fresh_page_queries

    few, many = live_article(), live_article(headline="Long coverage")
    for article, count in ((few, 25), (many, 80)):
        for n in range(count):
            update = add_update(
                article, f"Update {n}.", minutes_ago=count - n, key_event=n % 7 == 0
            )
            LiveUpdateAuthor.objects.create(update=update, author=AuthorFactory(), position=1)
        add_update(article, "Pinned.", minutes_ago=count + 5, pinned=True)  # not on page 1

    queries = fresh_page_queries(client, few.get_absolute_url())
    assert fresh_page_queries(client, many.get_absolute_url()) == queries
    assert queries <= 9  # the article's own, the page, bylines, the pinned one, key events
