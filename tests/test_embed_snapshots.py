"""Embed snapshots: rows remembered on save, oEmbed fetched from a local fake provider.

The fake provider is an ``http.server`` thread on 127.0.0.1; the oEmbed endpoints point
at it with ``override_settings``. No test reaches the internet.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from articles.models import Article
from embeds import bodies, fetch, services
from embeds.models import Embed
from live.models import LiveUpdate
from photos.models import Photo
from tests.factories import ArticleFactory, image_bytes

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"
TELEGRAM = "https://t.me/ukrpravda_news/123456"

JPEG = image_bytes(120, 90)
HTML = '<script src="https://evil.example/x.js"></script><iframe src="https://evil.example">'


class FakeProvider(BaseHTTPRequestHandler):
    """Answers by path: /oembed/<kind>, /thumb.jpg, /thumb.txt, /slow, /huge."""

    requests: list[str] = []

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        type(self).requests.append(self.path)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        query = parse_qs(parts.query)
        if parts.path.startswith("/oembed/"):
            kind = parts.path.removeprefix("/oembed/")
            if kind == "slow":
                time.sleep(1.5)
            if kind == "huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()  # no Content-Length: the cut happens while streaming
                chunk = b" " * 65536
                try:
                    for _ in range(20 * 1024 * 1024 // len(chunk)):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            if kind == "error":
                self._send(404, b'{"error": "not found"}', "application/json")
                return
            if kind == "badjson":
                self._send(200, b"{not json", "application/json")
                return
            answer = {
                "type": "video",
                "version": "1.0",
                "title": "  Strike on   the bridge ",
                "author_name": "Kyiv Independent",
                "author_url": "https://www.youtube.com/@KyivIndependent",
                "thumbnail_url": f"{base}/thumb.{'txt' if kind == 'notimage' else 'jpg'}",
                "html": HTML,
                "asked": query.get("url", [""])[0],
            }
            if kind == "vimeo":
                answer |= {"upload_date": "2024-03-01 10:00:00", "duration": 125}
            if kind == "javascript":
                answer |= {"author_url": "javascript:alert(1)", "thumbnail_url": "data:x"}
            self._send(200, json.dumps(answer).encode(), "application/json")
        elif parts.path == "/thumb.jpg":
            self._send(200, JPEG, "image/jpeg")
        elif parts.path == "/thumb.txt":
            self._send(200, b"<html><script>alert(1)</script></html>", "image/jpeg")
        else:
            self._send(404, b"", "text/plain")


@pytest.fixture(scope="module")
def provider_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake(provider_server):
    """Point every oEmbed endpoint at the fake provider; ``fake(kind)`` changes the answer."""
    FakeProvider.requests = []
    overrides = []

    def point(kind: str = "ok", **extra) -> None:
        endpoint = f"{provider_server}/oembed/{kind}"
        endpoints = dict.fromkeys(settings.EMBEDS_OEMBED_ENDPOINTS, endpoint)
        extra = {"EMBEDS_ALLOW_PRIVATE_ADDRESSES": True, **extra}
        override = override_settings(EMBEDS_OEMBED_ENDPOINTS=endpoints, **extra)
        override.enable()
        overrides.append(override)

    point()
    yield point
    for override in reversed(overrides):
        override.disable()


def save_article(django_capture_on_commit_callbacks, body: str):
    with django_capture_on_commit_callbacks(execute=True):
        return ArticleFactory(body=body)


def paragraph(url: str) -> str:
    return f"<p>{url}</p>"


@pytest.mark.django_db
def test_saving_an_article_with_a_youtube_url_keeps_its_snapshot(
    fake, django_capture_on_commit_callbacks
):
    article = save_article(django_capture_on_commit_callbacks, "<p>Intro.</p>" + paragraph(YOUTUBE))

    assert 'data-embed-url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in article.body
    embed = Embed.objects.get()
    assert embed.url == YOUTUBE
    assert embed.provider == "youtube"
    assert embed.status == Embed.Status.READY
    assert embed.title == "Strike on the bridge"
    assert embed.author_name == "Kyiv Independent"
    assert embed.author_url == "https://www.youtube.com/@KyivIndependent"
    assert embed.error == ""
    assert embed.fetched_at is not None
    photo = embed.thumbnail
    assert photo is not None
    assert photo.credit == "Kyiv Independent / YouTube"
    assert photo.alt_text == "Thumbnail of the video by Kyiv Independent on YouTube"
    assert photo.source == f"embed:{YOUTUBE}"
    assert (photo.width, photo.height) == (120, 90)
    # The oEmbed request asked for the canonical URL, as JSON.
    oembed = [path for path in FakeProvider.requests if path.startswith("/oembed/")]
    assert len(oembed) == 1
    assert parse_qs(urlsplit(oembed[0]).query) == {"url": [YOUTUBE], "format": ["json"]}


@pytest.mark.django_db
def test_the_providers_html_is_never_stored(fake, django_capture_on_commit_callbacks):
    save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))

    embed = Embed.objects.get()
    assert embed.status == Embed.Status.READY
    stored = json.dumps(list(Embed.objects.values()), default=str)
    assert "<script" not in stored
    assert "evil.example" not in stored
    assert not hasattr(fetch.parse_oembed(json.dumps({"html": HTML}).encode()), "html")


@pytest.mark.django_db
def test_urls_that_are_not_web_urls_are_dropped(fake, django_capture_on_commit_callbacks):
    fake("javascript")
    save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))

    embed = Embed.objects.get()
    assert embed.status == Embed.Status.READY
    assert embed.author_url == ""
    assert embed.thumbnail is None
    assert not Photo.objects.exists()


@pytest.mark.django_db
def test_a_provider_that_does_not_answer_in_time_leaves_a_failed_snapshot(
    fake, django_capture_on_commit_callbacks
):
    fake("slow", EMBEDS_FETCH_TIMEOUT=0.3)
    started = time.monotonic()
    save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))

    assert time.monotonic() - started < 1.4
    embed = Embed.objects.get()
    assert embed.status == Embed.Status.FAILED
    assert embed.error == "The provider did not answer in 0.3 s."
    assert embed.title == ""
    assert embed.thumbnail is None


@pytest.mark.django_db
def test_an_answer_of_20_mb_is_cut_off(fake, django_capture_on_commit_callbacks):
    fake("huge")
    save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))

    embed = Embed.objects.get()
    assert embed.status == Embed.Status.FAILED
    assert embed.error == "The answer was larger than 256 KB; it was cut off."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("error", "The provider answered with an error (HTTP 404)."),
        ("badjson", "The provider's answer was not valid JSON."),
    ],
)
def test_errors_and_bad_json_leave_a_failed_snapshot(
    fake, django_capture_on_commit_callbacks, kind, error
):
    fake(kind)
    save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))

    embed = Embed.objects.get()
    assert (embed.status, embed.error) == (Embed.Status.FAILED, error)


@pytest.mark.django_db
def test_a_provider_that_cannot_be_reached_leaves_a_failed_snapshot(
    fake, django_capture_on_commit_callbacks
):
    with override_settings(EMBEDS_OEMBED_ENDPOINTS={"youtube": "http://127.0.0.1:9/oembed"}):
        save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))

    embed = Embed.objects.get()
    assert embed.status == Embed.Status.FAILED
    assert embed.error == "The provider could not be reached."


@pytest.mark.django_db
def test_a_thumbnail_that_is_not_an_image_fails_and_makes_no_photo(
    fake, django_capture_on_commit_callbacks
):
    fake("notimage")
    save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))

    embed = Embed.objects.get()
    assert embed.status == Embed.Status.FAILED
    assert embed.error.startswith("The thumbnail is not a usable image: Upload a JPEG")
    assert embed.thumbnail is None
    assert not Photo.objects.exists()


@pytest.mark.django_db
def test_a_thumbnail_on_a_private_address_is_refused_by_default(
    fake, django_capture_on_commit_callbacks
):
    fake("ok", EMBEDS_ALLOW_PRIVATE_ADDRESSES=False)
    save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))

    embed = Embed.objects.get()
    assert embed.status == Embed.Status.FAILED
    assert embed.error == "The address 127.0.0.1 is not on the public internet."
    assert not any(path.startswith("/thumb") for path in FakeProvider.requests)
    assert not Photo.objects.exists()


@pytest.mark.django_db
def test_telegram_has_no_oembed_so_nothing_is_fetched(fake, django_capture_on_commit_callbacks):
    save_article(django_capture_on_commit_callbacks, paragraph(TELEGRAM))

    embed = Embed.objects.get()
    assert (embed.provider, embed.status) == ("telegram", Embed.Status.NONE)
    assert FakeProvider.requests == []


@pytest.mark.django_db
def test_saving_again_does_not_fetch_again(fake, django_capture_on_commit_callbacks):
    article = save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))
    assert len(FakeProvider.requests) == 2  # the oEmbed answer and the thumbnail

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        article.headline = "A new headline"
        article.save()
        ArticleFactory(body=paragraph(YOUTUBE))  # another article, the same post

    assert FakeProvider.requests[2:] == []
    assert not [c for c in callbacks if getattr(c, "func", None) is services._enqueue]
    assert Embed.objects.count() == 1
    assert Photo.objects.count() == 1


@pytest.mark.django_db
def test_a_body_without_embeds_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.remember("<p>Nothing embedded. https://example.com/</p>") == []


@pytest.mark.django_db
def test_a_live_update_remembers_its_embeds(fake, django_capture_on_commit_callbacks):
    article = ArticleFactory(live=True)
    with django_capture_on_commit_callbacks(execute=True):
        LiveUpdate.objects.create(
            article=article, body=paragraph(VIMEO), status=LiveUpdate.Status.PUBLISHED
        )

    embed = Embed.objects.get()
    assert (embed.provider, embed.status) == ("vimeo", Embed.Status.READY)


@pytest.mark.django_db
def test_refresh_fetches_again_and_reuses_the_thumbnail(fake, django_capture_on_commit_callbacks):
    save_article(django_capture_on_commit_callbacks, paragraph(YOUTUBE))
    embed = Embed.objects.get()
    photo = embed.thumbnail

    with django_capture_on_commit_callbacks(execute=True):
        assert services.refresh(Embed.objects.all()) == 1

    embed.refresh_from_db()
    assert embed.status == Embed.Status.READY
    assert embed.thumbnail == photo
    assert Photo.objects.count() == 1
    assert [p for p in FakeProvider.requests if p.startswith("/oembed/")].__len__() == 2


@pytest.mark.django_db
def test_the_task_never_raises(fake, monkeypatch):
    embed = Embed.objects.create(url=YOUTUBE, provider="youtube")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(fetch, "fetch_oembed", broken)
    assert fetch.take_snapshot(embed) == Embed.Status.FAILED
    embed.refresh_from_db()
    assert embed.error == "The snapshot failed because of an error on our side."


# Video objects (JSON-LD) and embeds as links (feeds, e-mail) -----------------------


@pytest.mark.django_db
def test_video_objects_need_a_name_a_thumbnail_and_an_upload_date(
    fake, django_capture_on_commit_callbacks
):
    fake("vimeo")
    save_article(django_capture_on_commit_callbacks, paragraph(VIMEO) + paragraph(YOUTUBE))
    rows = services.snapshots([VIMEO, YOUTUBE])

    objects = services.video_objects(rows.values(), absolute=lambda url: f"https://news.test{url}")

    assert len(objects) == 2  # both answers carry an upload date here
    vimeo = next(o for o in objects if o["url"] == VIMEO)
    assert vimeo["@type"] == "VideoObject"
    assert vimeo["name"] == vimeo["description"] == "Strike on the bridge"
    assert vimeo["uploadDate"] == "2024-03-01T10:00:00+00:00"
    assert vimeo["duration"] == "PT2M5S"
    assert vimeo["embedUrl"] == "https://player.vimeo.com/video/76979871?dnt=1"
    assert vimeo["thumbnailUrl"][0].startswith("https://news.test/media/")
    Embed.objects.filter(url=YOUTUBE).update(published_at=None)
    rows = services.snapshots([VIMEO, YOUTUBE])
    assert [o["url"] for o in services.video_objects(rows.values())] == [VIMEO]


@pytest.mark.django_db
def test_as_links_shows_a_linked_title_and_thumbnail(fake, django_capture_on_commit_callbacks):
    article = save_article(
        django_capture_on_commit_callbacks, paragraph(YOUTUBE) + paragraph(TELEGRAM)
    )
    rows = services.snapshots(bodies.embed_urls(article.body))

    shown = bodies.as_links(article.body, rows, absolute=lambda url: f"https://news.test{url}")

    assert "<figure" not in shown
    assert (
        f'<a href="{YOUTUBE}" rel="noopener noreferrer">Strike on the bridge</a>'
        " (YouTube video by Kyiv Independent)"
    ) in shown
    assert '<img src="https://news.test/media/' in shown
    assert 'alt="Thumbnail of the video by Kyiv Independent on YouTube"' in shown
    assert f'<a href="{TELEGRAM}" rel="noopener noreferrer">{TELEGRAM}</a> (Telegram post)' in shown
    assert bodies.as_links("<p>No embed.</p>", {}) == "<p>No embed.</p>"


@pytest.mark.django_db
def test_a_feed_summary_names_an_embed_by_its_title(
    fake, client, django_capture_on_commit_callbacks
):
    save_article(django_capture_on_commit_callbacks, "<p>Watch:</p>" + paragraph(YOUTUBE))
    Article.objects.update(dek="")

    response = client.get(reverse("articles:feed_rss"))

    content = response.content.decode()
    assert "Watch: Strike on the bridge (YouTube video by Kyiv Independent)" in content
    assert "<figure" not in content and "&lt;figure" not in content
