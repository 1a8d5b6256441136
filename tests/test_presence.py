"""Presence on the article form: who else has it open, live, from the cache alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import editing
from articles.models import Article
from tests.factories import ArticleFactory
from tests.workflow_support import change_url, client_for, contributor, editor

pytestmark = pytest.mark.django_db

# A beat's queries, all reads of what the admin checks on every request: the session (in
# the cache in production), the user, their two-factor devices (two, django-otp), then the
# article (without its body) and the user's and their groups' permissions. The presence
# itself is one cache read and one cache write.
BEAT_QUERIES = 7


def beat_url(article: Article) -> str:
    return reverse("admin:articles_article_presence", args=[article.pk])


def leave_url(article: Article) -> str:
    return reverse("admin:articles_article_presence_leave", args=[article.pk])


def beat(client: Client, article: Article, *, typing: bool = False):
    return client.post(beat_url(article), {"typing": "1" if typing else "0"})


def others(client: Client, article: Article, *, typing: bool = False) -> list[dict]:
    response = beat(client, article, typing=typing)
    assert response.status_code == 200
    return response.json()["editors"]


@pytest.fixture
def clock(monkeypatch):
    """Return presence's clock (seconds), to move on by hand."""
    now = SimpleNamespace(value=1_750_000_000.0)
    monkeypatch.setattr(editing, "time", SimpleNamespace(time=lambda: now.value))
    return now


@pytest.fixture
def olena():
    return editor(first_name="Olena", last_name="Kovalenko")


def test_a_second_editors_beat_lists_the_first_with_since_and_typing(clock, olena):
    article = ArticleFactory()
    first, second = client_for(olena), client_for(ben := editor(first_name="Ben"))

    assert first.get(change_url(article)).status_code == 200  # opened...
    clock.value += 150
    assert others(first, article, typing=True) == []  # ... beats, typing
    clock.value += 40

    assert others(second, article) == [
        {"id": olena.pk, "name": "Olena Kovalenko", "minutes": 3, "typing": True}
    ]
    clock.value += 10
    response = beat(first, article)  # no input since the last beat
    assert response.json() == {
        "editors": [{"id": ben.pk, "name": "Ben", "minutes": 0, "typing": False}],
        "interval": 15,
    }
    assert others(second, article)[0]["typing"] is False


def test_ones_own_presence_is_never_listed(olena):
    article = ArticleFactory()
    client = client_for(olena)

    client.get(change_url(article))
    assert others(client, article, typing=True) == []
    assert others(client, article) == []
    page = client.get(change_url(article)).content.decode()
    assert "Olena Kovalenko" not in page.split('id="presence"')[1].split("</div>")[0]


def test_leaving_removes_the_editor_at_once(olena):
    article = ArticleFactory()
    first, second = client_for(olena), client_for(editor())
    others(first, article)
    assert [e["name"] for e in others(second, article)] == ["Olena Kovalenko"]

    response = first.post(leave_url(article))

    assert response.status_code == 204
    assert others(second, article) == []
    assert first.post(reverse("admin:articles_article_presence_leave", args=[0])).status_code == 404


def test_an_editor_who_misses_beats_expires(clock, olena):
    article = ArticleFactory()
    first, second = client_for(olena), client_for(editor())
    others(first, article)

    clock.value += 44
    assert [e["name"] for e in others(second, article)] == ["Olena Kovalenko"]
    clock.value += 2  # 46 s without a beat: three missed
    assert others(second, article) == []


def test_the_expiry_follows_the_interval_setting(clock, olena, settings):
    settings.ARTICLE_PRESENCE_SECONDS = 2
    article = ArticleFactory()
    first, second = client_for(olena), client_for(editor())
    assert beat(first, article).json()["interval"] == 2

    clock.value += 5
    assert len(others(second, article)) == 1
    clock.value += 2  # 7 s: more than three beats of 2 s
    assert others(second, article) == []


def test_a_form_opened_without_javascript_counts_for_ten_minutes(clock, olena):
    article = ArticleFactory()
    first, second = client_for(olena), client_for(editor())
    first.get(change_url(article))  # never beats

    clock.value += editing.NO_SCRIPT_SECONDS - 1
    assert [e["name"] for e in others(second, article)] == ["Olena Kovalenko"]
    clock.value += 2
    assert others(second, article) == []


def test_reopening_the_form_keeps_the_time_it_was_first_opened(clock, olena):
    article = ArticleFactory()
    first, second = client_for(olena), client_for(editor())
    first.get(change_url(article))
    clock.value += 5 * 60
    first.get(change_url(article))  # a reload
    others(first, article)

    assert others(second, article)[0]["minutes"] == 5


def test_a_user_who_may_not_change_the_article_gets_403_and_unknown_ids_404():
    article = ArticleFactory(created_by=editor())  # published, someone else's
    outsider = client_for(contributor())

    assert beat(outsider, article).status_code == 403
    assert outsider.post(leave_url(article)).status_code == 204  # only ever their own
    assert others(client_for(editor()), article) == []  # the contributor was never recorded
    insider = client_for(editor())
    assert insider.post(reverse("admin:articles_article_presence", args=[0])).status_code == 404
    assert insider.post(reverse("admin:articles_article_presence", args=["x"])).status_code == 404


def test_a_contributor_beats_on_their_own_draft():
    user = contributor(first_name="Dana")
    draft = ArticleFactory(created_by=user, status=Article.Status.DRAFT, published_at=None)

    assert others(client_for(user), draft) == []
    assert [e["name"] for e in others(client_for(editor()), draft)] == ["Dana"]


def test_a_beat_is_a_post_with_the_csrf_token_from_a_logged_in_user():
    article = ArticleFactory()
    client = client_for(editor())
    assert client.get(beat_url(article)).status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor())
    assert strict.post(beat_url(article), {"typing": "0"}).status_code == 403
    anonymous = Client().post(beat_url(article))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert others(client, article) == []  # nobody else was recorded


def test_the_change_form_shows_the_presence_box_with_the_other_editor_at_load(olena):
    article = ArticleFactory()
    others(client_for(olena), article, typing=True)
    alone = client_for(olena).get(change_url(editing_alone := ArticleFactory()))

    page = client_for(editor()).get(change_url(article)).content.decode()

    box = page[page.index('<div id="presence"') :]
    box = box[: box.index('<p class="presence__note">')]
    assert 'role="status" aria-live="polite"' in box
    assert f'data-url="{beat_url(article)}"' in box
    assert f'data-leave-url="{leave_url(article)}"' in box
    assert 'data-interval="15"' in box
    assert " hidden" not in box.split(">")[0]
    assert "Olena Kovalenko is typing now" in box
    assert "(opened just now)" in box
    alone_page = alone.content.decode()
    opening = alone_page[alone_page.index('<div id="presence"') :].split(">")[0]
    assert opening.endswith(" hidden") and f'data-url="{beat_url(editing_alone)}"' in opening


def test_the_change_form_says_who_is_editing_when_they_did_not_type(olena):
    article = ArticleFactory()
    client_for(olena).get(change_url(article))

    page = client_for(editor()).get(change_url(article)).content.decode()

    assert "Olena Kovalenko is also editing this article" in page
    assert "If you both save, the second save is refused" in page


def test_a_beat_reads_and_writes_nothing_else_in_the_database(olena, django_assert_num_queries):
    article = ArticleFactory(headline="Grain convoy leaves Odesa", body="<p>Ships left.</p>")
    url = article.get_absolute_url()
    reader = Client()
    assert reader.get(url)["X-Cache"] == "miss"
    assert reader.get(url)["X-Cache"] == "hit"
    before = Article.objects.get(pk=article.pk)
    client = client_for(olena)
    client.get("/admin/")  # the session's own first writes are not the beat's

    with django_assert_num_queries(BEAT_QUERIES), CaptureQueriesContext(connection) as seen:
        response = beat(client, article, typing=True)

    assert response.status_code == 200
    sqls = [query["sql"] for query in seen.captured_queries]
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in sqls), sqls
    assert not any('"body"' in sql for sql in sqls)
    after = Article.objects.get(pk=article.pk)
    assert (after.version, after.updated_at) == (before.version, before.updated_at)
    assert reader.get(url)["X-Cache"] == "hit"  # nothing purged


def test_presence_written_before_the_heartbeat_still_reads(clock, olena):
    article = ArticleFactory()
    # What note_editing wrote before beats existed: a name and the time it was opened.
    editing.cache.set(
        f"articles:editing:{article.pk}", {olena.pk: {"name": "Olena", "since": clock.value}}
    )

    assert others(client_for(editor()), article) == [
        {"id": olena.pk, "name": "Olena", "minutes": 0, "typing": False}
    ]
