"""The anonymous page cache: hits without queries, 304s, invalidation on every edit a reader
would see, scheduled changes on time, and nothing private ever shared."""

import itertools
import socket
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template import engines
from django.test import Client, override_settings
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.http import http_date

from articles.models import Article, PreviewLink
from articles.tags import merge_tags, rename_tag
from newsroom import pagecache as page_cache_module
from newsroom.pagecache import EPOCH_KEY, invalidate_pages
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
)
from tests.test_views import make_editor

pytestmark = pytest.mark.django_db


# Views that do what a real page might, to check what the cache refuses to share. This
# module is also the URLconf of the tests marked with ``uses_test_views``.


def _sets_cookie(request):
    response = HttpResponse("<p>Hello</p>")
    response.set_cookie("seen", "yes")
    return response


def _uses_nonce(request):
    template = engines["django"].from_string('<script nonce="{{ csp_nonce }}"></script>')
    return HttpResponse(template.render({}, request))


def _uses_csrf_token(request):
    return HttpResponse(
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
    )


def _varies_on_language(request):
    response = HttpResponse("<p>Bonjour</p>")
    response["Vary"] = "Accept-Language"
    return response


def _short_lived(request):
    response = HttpResponse(f"<p>{timezone.now().isoformat()}</p>")
    response["Cache-Control"] = "max-age=30"
    return response


def _leaves_a_message(request):
    messages.info(request, "Thanks for reading.")
    return redirect("articles:home")


# Edits another process saves while the next /test/slow/ page renders (queued by a test).
EDITS_DURING_NEXT_RENDER = []
RENDERS = itertools.count(1)


def _slow_page(request):
    while EDITS_DURING_NEXT_RENDER:
        EDITS_DURING_NEXT_RENDER.pop()()
    return HttpResponse(f"<p>Render {next(RENDERS)}</p>")


urlpatterns = [
    path("test/cookie/", _sets_cookie),
    path("test/nonce/", _uses_nonce),
    path("test/csrf/", _uses_csrf_token),
    path("test/vary/", _varies_on_language),
    path("test/short/", _short_lived),
    path("test/message/", _leaves_a_message),
    path("test/slow/", _slow_page),
    path("", include("newsroom.urls")),
]
uses_test_views = pytest.mark.urls(__name__)


def text(response) -> str:
    return response.content.decode()


def fetch(client, url: str, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response


@pytest.fixture
def story():
    """A published article shown on every kind of public page: its URLs by name."""
    author = AuthorFactory(name="Olena Kovalenko", slug="olena-kovalenko")
    section = SectionFactory(name="World", slug="world")
    photo = PhotoFactory(credit="Photo by Jane Doe/AFP")
    article = ArticleFactory(
        headline="Bridge reopens after repairs",
        slug="bridge-reopens",
        section=section,
        lead_photo=photo,
        authors=[author],
        tags=["Infrastructure"],
    )
    return article


PAGES = {
    "home": "/",
    "section": "/section/world/",
    "tag": "/tag/infrastructure/",
    "author": "/author/olena-kovalenko/",
    "article": "/articles/bridge-reopens/",
    "feed": "/feed/",
    "section feed": "/section/world/feed/atom/",
}


# Hits, headers and 304s ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/articles/bridge-reopens/", "/tag/infrastructure/", "/feed/"]
)
def test_second_anonymous_request_is_a_hit_without_queries(
    client, story, url, django_assert_num_queries
):
    first = fetch(client, url)

    with django_assert_num_queries(0):
        second = fetch(client, url)

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_cached_pages_carry_validators_and_revalidate_every_time(client, story):
    first = fetch(client, PAGES["article"])
    second = fetch(client, PAGES["article"])

    for response in (first, second):
        assert response["ETag"].startswith('"') and len(response["ETag"]) > 20
        assert response["Last-Modified"]
        assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
        assert "Cookie" in response["Vary"]
        # The security headers of middleware outside and inside the cache are there on a hit.
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "nonce" not in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"]
    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]


def test_if_none_match_gets_304_on_hit_and_on_miss(client, story):
    etag = fetch(client, PAGES["article"])["ETag"]

    on_hit = client.get(PAGES["article"], headers={"If-None-Match": etag})
    invalidate_pages()
    on_miss = client.get(PAGES["article"], headers={"If-None-Match": etag})

    assert (on_hit.status_code, on_hit["X-Cache"]) == (304, "hit")
    assert (on_miss.status_code, on_miss["X-Cache"]) == (304, "miss")
    assert on_hit.content == on_miss.content == b""
    assert on_hit["ETag"] == etag


def test_if_modified_since_gets_304_until_the_page_changes(client, story):
    last_modified = fetch(client, PAGES["home"])["Last-Modified"]

    unchanged = client.get(PAGES["home"], headers={"If-Modified-Since": last_modified})
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        story.headline = "Bridge reopens to traffic"
        story.save()
        changed = client.get(PAGES["home"], headers={"If-Modified-Since": last_modified})

    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert "Bridge reopens to traffic" in text(changed)


def test_a_changed_page_gets_a_new_etag_so_the_browser_refetches(client, story):
    etag = fetch(client, PAGES["article"])["ETag"]

    story.headline = "Bridge reopens to traffic"
    story.save()
    response = client.get(PAGES["article"], headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Bridge reopens to traffic" in text(response)


def test_head_request_shares_the_get_copy(client, story):
    fetch(client, PAGES["home"])

    response = client.head(PAGES["home"])

    assert (response.status_code, response["X-Cache"]) == (200, "hit")


def test_query_string_is_part_of_the_key(client, story):
    ArticleFactory.create_batch(12, section=story.section)
    first_page = fetch(client, "/")

    second_page = fetch(client, "/?page=2")

    assert second_page["X-Cache"] == "miss"
    assert second_page.content != first_page.content


def test_disabled_page_cache_always_renders(client, story, settings):
    settings.PAGE_CACHE_ENABLED = False
    fetch(client, PAGES["home"])

    response = fetch(client, PAGES["home"])

    assert "X-Cache" not in response


# Invalidation -------------------------------------------------------------------------


def warm(client, urls) -> None:
    for url in urls:
        fetch(client, url)
        assert fetch(client, url)["X-Cache"] == "hit", url


@pytest.mark.parametrize("page", PAGES)
def test_editing_an_article_shows_on_every_page_it_appears_on(client, story, page):
    warm(client, [PAGES[page]])

    story.headline = "Bridge reopens to traffic"
    story.save()

    assert "Bridge reopens to traffic" in text(fetch(client, PAGES[page]))


@pytest.mark.parametrize("page", ["home", "section", "tag", "author", "feed"])
def test_publishing_an_article_shows_at_once(client, story, page):
    draft = ArticleFactory(
        headline="Ferry service resumes",
        section=story.section,
        authors=[story.credited_authors[0]],
        tags=["Infrastructure"],
        status=Article.Status.DRAFT,
        published_at=None,
    )
    warm(client, [PAGES[page]])

    draft.status = Article.Status.PUBLISHED
    draft.save()

    assert "Ferry service resumes" in text(fetch(client, PAGES[page]))


def test_unpublishing_an_article_removes_it_everywhere(client, story):
    warm(client, PAGES.values())

    story.status = Article.Status.UNPUBLISHED
    story.save()

    assert client.get(PAGES["article"]).status_code == 404
    for page in ("home", "section", "feed"):
        assert "Bridge reopens after repairs" not in text(fetch(client, PAGES[page])), page


def test_editing_a_photo_credit_shows_on_the_article(client, story):
    warm(client, [PAGES["article"]])

    story.lead_photo.credit = "Photo by John Roe/Reuters"
    story.lead_photo.save()

    assert "Photo by John Roe/Reuters" in text(fetch(client, PAGES["article"]))


def test_bulk_setting_a_photo_credit_in_the_admin_shows_on_the_article(client, story, superuser):
    warm(client, [PAGES["article"]])
    editor = Client()
    editor.force_login(superuser)

    applied = editor.post(
        reverse("admin:photos_photo_changelist"),
        {
            "action": "set_credit",
            "_selected_action": [str(story.lead_photo_id)],
            "apply": "Apply",
            "credit": "Photo by John Roe/Reuters",
        },
    )

    assert applied.status_code == 302
    assert "Photo by John Roe/Reuters" in text(fetch(client, PAGES["article"]))


@pytest.mark.parametrize("page", ["home", "author", "article"])
def test_renaming_an_author_shows_on_their_articles(client, story, page):
    warm(client, [PAGES[page]])

    author = story.credited_authors[0]
    author.name = "Olena Kovalenko-Shevchenko"
    author.save()

    assert "Olena Kovalenko-Shevchenko" in text(fetch(client, PAGES[page]))


@pytest.mark.parametrize("page", ["tag", "article"])
def test_renaming_a_tag_shows_on_its_pages(client, story, page):
    warm(client, [PAGES[page]])

    rename_tag(story.tags.get(), "Roads and bridges", "infrastructure", user=None)

    assert "Roads and bridges" in text(fetch(client, PAGES[page]))


def test_merging_tags_shows_on_the_article(client, story):
    other = ArticleFactory(tags=["Transport"])
    warm(client, [PAGES["article"], other.get_absolute_url()])

    keep = other.tags.get()
    merge_tags(keep, [story.tags.get()], user=None)

    assert "Transport" in text(fetch(client, PAGES["article"]))


def test_adding_a_tag_shows_on_the_article(client, story):
    warm(client, [PAGES["article"]])

    story.tags.add("Kyiv")

    assert "Kyiv" in text(fetch(client, PAGES["article"]))


def test_an_edit_also_invalidates_pages_once_its_transaction_commits(
    client, story, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        story.headline = "Bridge reopens to traffic"
        story.save()
        story.lead_photo.save()
        # Stands for a reader on another connection, who still saw the old rows.
        fetch(client, PAGES["home"])
        assert fetch(client, PAGES["home"])["X-Cache"] == "hit"

    assert len(callbacks) == 1  # one bump per transaction, however many rows changed
    assert fetch(client, PAGES["home"])["X-Cache"] == "miss"


# Time ---------------------------------------------------------------------------------


def test_scheduled_article_appears_at_its_time_without_a_save(client, story):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        ArticleFactory(headline="Embargoed report", published_at=start + timedelta(minutes=5))
        warm(client, [PAGES["home"], PAGES["feed"]])

        traveller.shift(timedelta(minutes=4))
        assert fetch(client, PAGES["home"])["X-Cache"] == "hit"  # kept until the moment
        traveller.shift(timedelta(minutes=1, seconds=1))

        assert "Embargoed report" in text(fetch(client, PAGES["home"]))
        assert "Embargoed report" in text(fetch(client, PAGES["feed"]))


def test_article_disappears_at_its_unpublish_time_without_a_save(client, story):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        story.unpublish_at = start + timedelta(minutes=3)
        story.save()
        warm(client, [PAGES["home"], PAGES["article"]])

        traveller.shift(timedelta(minutes=3, seconds=1))

        assert "Bridge reopens after repairs" not in text(fetch(client, PAGES["home"]))
        assert client.get(PAGES["article"]).status_code == 404


def test_pages_expire_after_the_configured_time(client, story, settings):
    settings.PAGE_CACHE_SECONDS = 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        warm(client, [PAGES["home"]])

        traveller.shift(timedelta(seconds=61))

        assert fetch(client, PAGES["home"])["X-Cache"] == "miss"


@uses_test_views
def test_a_views_own_max_age_bounds_how_long_it_is_kept(client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        warm(client, ["/test/short/"])

        traveller.shift(timedelta(seconds=31))

        assert fetch(client, "/test/short/")["X-Cache"] == "miss"


# What is never shared -----------------------------------------------------------------


def test_logged_in_editor_gets_a_fresh_page_with_the_edit_link(client, story):
    warm(client, [PAGES["article"]])
    editor = Client()
    editor.force_login(make_editor())

    staff_page = fetch(editor, PAGES["article"])
    reader_page = fetch(client, PAGES["article"])

    assert "Edit post" in text(staff_page)
    assert "no-store" in staff_page["Cache-Control"] and "private" in staff_page["Cache-Control"]
    assert "X-Cache" not in staff_page
    assert "Edit post" not in text(reader_page)
    assert reader_page["X-Cache"] == "hit"


def test_an_editors_page_is_never_given_to_a_reader(client, story):
    editor = Client()
    editor.force_login(make_editor())
    fetch(editor, PAGES["article"])
    fetch(editor, PAGES["home"])

    reader_page = fetch(client, PAGES["article"])

    assert reader_page["X-Cache"] == "miss"
    assert "Edit post" not in text(reader_page)


@pytest.mark.parametrize("url", ["/admin/login/", "/preview/{token}/"])
def test_admin_and_preview_pages_are_never_cached(client, story, url):
    link = PreviewLink.objects.create(article=story)
    url = url.format(token=link.signed_token())

    responses = [client.get(url), client.get(url)]

    assert [r.status_code for r in responses] == [200, 200]
    assert all("X-Cache" not in r for r in responses)


def test_a_revoked_preview_link_stops_at_once(client, story):
    link = PreviewLink.objects.create(article=story)
    url = link.get_absolute_url()
    assert client.get(url).status_code == 200

    PreviewLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())

    assert client.get(url).status_code == 410


def test_not_found_pages_are_not_cached(client, django_assert_max_num_queries):
    first = client.get("/section/no-such-section/")
    with django_assert_max_num_queries(10) as queries:
        second = client.get("/section/no-such-section/")

    assert (first.status_code, second.status_code) == (404, 404)
    assert "X-Cache" not in second
    assert len(queries) > 0  # the view ran again


@uses_test_views
@pytest.mark.parametrize("url", ["/test/cookie/", "/test/nonce/", "/test/csrf/", "/test/vary/"])
def test_pages_made_for_one_reader_are_not_cached(client, url):
    first = fetch(client, url)
    second = fetch(client, url)

    assert "X-Cache" not in first and "X-Cache" not in second


@uses_test_views
def test_a_reader_with_a_message_waiting_gets_a_fresh_page(client, story):
    warm(client, [PAGES["home"]])

    client.get("/test/message/")
    with_message = fetch(client, PAGES["home"])

    assert "X-Cache" not in with_message


def test_an_expired_session_cookie_still_gets_the_shared_page(client, story):
    warm(client, [PAGES["home"]])
    client.cookies["sessionid"] = "no-such-session"

    response = fetch(client, PAGES["home"])

    assert response["X-Cache"] == "hit"


def test_the_cache_is_shared_between_clients_of_the_same_host(story):
    fetch(Client(), PAGES["home"])

    assert fetch(Client(), PAGES["home"])["X-Cache"] == "hit"
    assert fetch(Client(HTTP_HOST="localhost"), PAGES["home"])["X-Cache"] == "miss"


def test_last_modified_is_when_the_page_was_rendered(client, story):
    moment = timezone.now().replace(microsecond=0) + timedelta(seconds=3)
    with time_machine.travel(moment, tick=False):
        response = fetch(client, PAGES["home"])

    assert response["Last-Modified"] == http_date(moment.timestamp())


# One round trip ------------------------------------------------------------------------


class CountingCache:
    """The page cache, noting the name of every call made to it."""

    def __init__(self, cache):
        self.cache = cache
        self.calls = []

    def __getattr__(self, name):
        attribute = getattr(self.cache, name)
        if not callable(attribute):
            return attribute

        def counted(*args, **kwargs):
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return counted


def test_a_hit_is_one_cache_round_trip_and_no_query(
    client, story, monkeypatch, django_assert_num_queries
):
    counting = CountingCache(caches["default"])
    monkeypatch.setattr(page_cache_module, "page_cache", lambda: counting)
    warm(client, [PAGES["article"]])
    counting.calls.clear()

    with django_assert_num_queries(0):
        response = fetch(client, PAGES["article"])

    assert response["X-Cache"] == "hit"
    assert counting.calls == ["get_many"]  # the generation and the page, together


@uses_test_views
def test_a_page_rendered_while_an_edit_was_saved_is_not_served_after_it(client):
    EDITS_DURING_NEXT_RENDER.append(invalidate_pages)
    during = fetch(client, "/test/slow/")  # rendered from the rows before the edit

    after = fetch(client, "/test/slow/")
    again = fetch(client, "/test/slow/")

    assert [r["X-Cache"] for r in (during, after, again)] == ["miss", "miss", "hit"]
    assert after.content != during.content
    assert again.content == after.content


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_page_cache():
    """The page cache in a real Redis, under keys of this test only (removed afterwards)."""
    prefix = f"test-page-cache-{uuid.uuid4().hex}"
    config = {
        "BACKEND": "newsroom.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/13",
        "KEY_PREFIX": prefix,
    }
    with override_settings(CACHES={"default": config}):
        yield
        server = caches["default"]._cache.get_client(write=True)
        keys = list(server.scan_iter(f"{prefix}:*"))
        if keys:
            server.delete(*keys)


@pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379")
def test_with_redis_a_hit_follows_an_edit_made_by_another_process(client, story, redis_page_cache):
    warm(client, [PAGES["article"]])
    # Another app process: its own connection to the same Redis.
    other_process = caches.create_connection("default")

    other_process.incr(EPOCH_KEY)  # invalidate_pages() there: every page renders again

    assert fetch(client, PAGES["article"])["X-Cache"] == "miss"
    assert fetch(client, PAGES["article"])["X-Cache"] == "hit"
    story.headline = "Bridge reopens to traffic"
    story.save()
    assert "Bridge reopens to traffic" in text(fetch(client, PAGES["article"]))


# Per-process copies in front of a shared cache (PAGE_CACHE_LOCAL_SECONDS) -------------


@pytest.fixture
def local_copies(settings):
    """Copies on, as with Redis in production, and none left over from another test."""
    settings.PAGE_CACHE_LOCAL_SECONDS = 0.1
    page_cache_module.local_copies.forget()
    yield page_cache_module.local_copies
    page_cache_module.local_copies.forget()


def test_a_repeated_hit_is_answered_by_this_process_without_a_round_trip(
    client, story, monkeypatch, local_copies, django_assert_num_queries
):
    counting = CountingCache(caches["default"])
    monkeypatch.setattr(page_cache_module, "page_cache", lambda: counting)
    warm(client, [PAGES["article"]])
    fetch(client, PAGES["article"])  # a hit through the shared cache, kept here
    counting.calls.clear()

    with django_assert_num_queries(0):
        response = fetch(client, PAGES["article"])

    assert response["X-Cache"] == "hit"
    assert counting.calls == []
    assert response["ETag"] and "Bridge reopens" in text(response)


def test_an_edit_made_in_this_process_shows_at_once(client, story, local_copies):
    warm(client, [PAGES["article"]])
    fetch(client, PAGES["article"])

    story.headline = "Bridge reopens to traffic"
    story.save()

    assert "Bridge reopens to traffic" in text(fetch(client, PAGES["article"]))


def test_an_edit_made_through_another_process_shows_within_the_window(
    client, story, local_copies, monkeypatch
):
    warm(client, [PAGES["article"]])
    fetch(client, PAGES["article"])
    # Another process's edit: the page leaves the shared cache, the generation is raised,
    # and this process's copies are not told (no local drop()).
    monkeypatch.setattr(local_copies, "drop", lambda keys: None)
    page_cache_module.purge({page_cache_module.instance_key(story)})
    clock = itertools.count(1000.0, 0.0)
    monkeypatch.setattr(page_cache_module.time, "monotonic", lambda: next(clock))
    local_copies._read_at = 1000.0  # the generation was read just now

    assert fetch(client, PAGES["article"])["X-Cache"] == "hit"  # within 0.1 s: the copy

    clock = itertools.count(1000.2, 0.0)  # 0.2 s later: the generation is read again
    assert fetch(client, PAGES["article"])["X-Cache"] == "miss"


def test_copies_are_bounded_in_bytes_newest_used_kept(settings, local_copies):
    settings.PAGE_CACHE_LOCAL_BYTES = 4000
    page = b"x" * 900
    for n in range(6):
        local_copies.saw(7, f"page-{n}", (7, 0, "", 0, page, (), ()), caches["default"])
    local_copies._read_at = page_cache_module.time.monotonic()

    kept = [n for n in range(6) if local_copies.get(f"page-{n}") is not None]

    assert kept == [2, 3, 4, 5]
    assert local_copies._bytes <= 4000
    # A new generation whose purges are not listed drops every copy.
    local_copies.saw(8, "page-6", None, caches["default"])
    assert local_copies.get("page-5") is None


def test_another_processs_edit_drops_only_the_copies_of_the_pages_it_purged(
    client, story, local_copies, monkeypatch
):
    other = ArticleFactory(headline="Ferry timetable changes", section=SectionFactory())
    pages = [PAGES["article"], other.get_absolute_url()]
    warm(client, pages)
    for url in pages:
        fetch(client, url)  # kept here
    kept = set(local_copies._entries)
    monkeypatch.setattr(local_copies, "drop", lambda keys: None)  # the edit is elsewhere
    page_cache_module.purge({page_cache_module.instance_key(other)})
    local_copies._read_at = 0.0  # the window is over: the next request reads the generation

    changed = fetch(client, other.get_absolute_url())

    assert changed["X-Cache"] == "miss" and "Ferry timetable changes" in text(changed)
    assert len(kept) == 2
    assert len(set(local_copies._entries) & kept) == 1  # the story's copy stayed
