"""Embeds of primary sources: made on the server from allowlisted URLs, private until asked."""

from __future__ import annotations

import re
import time
from datetime import UTC

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.sanitize import clean_html
from embeds import bodies, providers
from embeds.models import Embed
from tests.factories import ArticleFactory, PhotoFactory

pytestmark = pytest.mark.django_db

# URL as pasted -> (provider, canonical URL, iframe source built from its parts)
GOOD = {
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s": (
        "youtube",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
    ),
    "https://youtu.be/dQw4w9WgXcQ": (
        "youtube",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
    ),
    "https://www.youtube.com/shorts/dQw4w9WgXcQ": (
        "youtube",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
    ),
    "https://vimeo.com/76979871": (
        "vimeo",
        "https://vimeo.com/76979871",
        "https://player.vimeo.com/video/76979871?dnt=1",
    ),
    "https://twitter.com/KyivIndependent/status/1600000000000000000": (
        "x",
        "https://x.com/KyivIndependent/status/1600000000000000000",
        "https://platform.twitter.com/embed/Tweet.html?id=1600000000000000000&dnt=true",
    ),
    "https://x.com/KyivIndependent/status/1600000000000000000?s=20": (
        "x",
        "https://x.com/KyivIndependent/status/1600000000000000000",
        "https://platform.twitter.com/embed/Tweet.html?id=1600000000000000000&dnt=true",
    ),
    "https://t.me/kharkiv_oda/12345": (
        "telegram",
        "https://t.me/kharkiv_oda/12345",
        "https://t.me/kharkiv_oda/12345?embed=1",
    ),
    "https://www.instagram.com/reel/C1a2B3c4D5e/": (
        "instagram",
        "https://www.instagram.com/reel/C1a2B3c4D5e/",
        "https://www.instagram.com/reel/C1a2B3c4D5e/embed/",
    ),
    "https://www.facebook.com/zelenskyy.official/videos/123456789012345/": (
        "facebook",
        "https://www.facebook.com/zelenskyy.official/videos/123456789012345/",
        "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com"
        "%2Fzelenskyy.official%2Fvideos%2F123456789012345%2F&show_text=false",
    ),
    "https://www.tiktok.com/@ukraine/video/7212345678901234567": (
        "tiktok",
        "https://www.tiktok.com/@ukraine/video/7212345678901234567",
        "https://www.tiktok.com/embed/v2/7212345678901234567",
    ),
    "https://datawrapper.dwcdn.net/AbC12/4/": (
        "datawrapper",
        "https://datawrapper.dwcdn.net/AbC12/",
        "https://datawrapper.dwcdn.net/AbC12/",
    ),
    "https://public.flourish.studio/visualisation/1234567/": (
        "flourish",
        "https://public.flourish.studio/visualisation/1234567/",
        "https://flo.uri.sh/visualisation/1234567/embed",
    ),
    "https://soundcloud.com/kyiv-sounds/air-raid-siren": (
        "soundcloud",
        "https://soundcloud.com/kyiv-sounds/air-raid-siren",
        "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fkyiv-sounds"
        "%2Fair-raid-siren&visual=true",
    ),
}

HOSTILE = [
    "https://youtube.com.evil.net/watch?v=dQw4w9WgXcQ",
    "https://evil.net/youtube.com/watch?v=dQw4w9WgXcQ",
    "https://t.me@evil.net/kharkiv_oda/12345",
    "https://user:password@x.com/a/status/1",
    "https://x.com:8443/a/status/1",
    "javascript:alert(1)//https://youtu.be/dQw4w9WgXcQ",
    "data:text/html,https://youtu.be/dQw4w9WgXcQ",
    "https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ",
    "https://youtu.be/%64Qw4w9WgXcQ",
    "https://xn--yutube-wqa.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ&v=aaaaaaaaaaa",
    "https://www.youtube.com/watch?v=<script>",
    "https://t.me/kharkiv_oda/12345\nhttps://evil.net",
    "https://x.com/a/status/1" + "1" * 3000,
    "ftp://t.me/kharkiv_oda/12345",
    "//t.me/kharkiv_oda/12345",
]


@pytest.mark.parametrize("url", GOOD)
def test_each_provider_builds_its_frame_from_the_matched_parts(url):
    slug, canonical, frame = GOOD[url]
    found = providers.match(url)
    assert found is not None
    assert (found.provider.slug, found.url, found.frame_src) == (slug, canonical, frame)


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_never_embeds(url):
    assert providers.match(url) is None
    assert 'class="embed"' not in clean_html(f"<p>{url}</p>")
    assert 'class="embed"' not in clean_html(f'<p><a href="{url}">{url}</a></p>')


def test_a_paragraph_holding_only_a_url_becomes_one_sanitized_element():
    body = clean_html(
        "<p>Intro.</p><p>https://t.me/kharkiv_oda/12345</p>"
        '<p><a href="https://youtu.be/dQw4w9WgXcQ">https://youtu.be/dQw4w9WgXcQ</a></p>'
        '<p>See <a href="https://x.com/a/status/1">this post</a>.</p>'
        '<p><a href="https://x.com/a/status/1">What the mayor said</a></p>'
    )
    assert bodies.embed_urls(body) == [
        "https://t.me/kharkiv_oda/12345",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ]
    assert body.count('<figure class="embed"') == 2
    assert '<a href="https://x.com/a/status/1" rel="noopener noreferrer">this post</a>' in body
    assert "What the mayor said</a></p>" in body  # a link with its own words stays a link
    assert clean_html(body) == body  # idempotent


def test_a_forged_embed_element_loses_what_the_allowlist_does_not_vouch_for():
    body = clean_html(
        '<figure class="embed evil" data-embed-url="https://evil.net/x" onclick="steal()">'
        '<iframe src="https://evil.net"></iframe><script>x()</script></figure>'
        '<figure class="embed" data-embed-url="https://youtu.be/dQw4w9WgXcQ"></figure>'
    )
    assert "evil" not in body and "iframe" not in body and "script" not in body
    # Not the canonical form: dropped, so every stored embed URL is a canonical one.
    assert "data-embed-url" not in body


def test_ten_thousand_embeds_in_one_body_are_capped_fast():
    body = "".join(f"<p>https://t.me/kharkiv_oda/{n}</p>" for n in range(10_000))
    started = time.monotonic()
    cleaned = clean_html(body)
    assert time.monotonic() - started < 10
    assert cleaned.count('<figure class="embed"') == bodies.MAX_EMBEDS
    assert "<p>https://t.me/kharkiv_oda/9999</p>" in cleaned  # the rest stay links


def test_saving_through_the_model_makes_embeds_whatever_sent_the_body():
    article = ArticleFactory(body="<p>Context.</p><p>https://youtu.be/dQw4w9WgXcQ</p>")
    article.refresh_from_db()
    assert bodies.embed_urls(article.body) == ["https://www.youtube.com/watch?v=dQw4w9WgXcQ"]


# The page ----------------------------------------------------------------------------------

TEN = [
    "https://youtu.be/dQw4w9WgXcQ",
    "https://vimeo.com/76979871",
    "https://x.com/KyivIndependent/status/1600000000000000000",
    "https://t.me/kharkiv_oda/12345",
    "https://www.instagram.com/p/C1a2B3c4D5e/",
    "https://www.facebook.com/zelenskyy.official/posts/pfbid02abc/",
    "https://www.tiktok.com/@ukraine/video/7212345678901234567",
    "https://datawrapper.dwcdn.net/AbC12/",
    "https://public.flourish.studio/visualisation/1234567/",
    "https://soundcloud.com/kyiv-sounds/air-raid-siren",
]


def embed_article(urls=TEN, **kwargs):
    body = "<p>What the sources said.</p>" + "".join(f"<p>{url}</p>" for url in urls)
    return ArticleFactory(body=body, **kwargs)


def third_party_sources(html: str) -> list[str]:
    """Addresses the page would load by itself (src/srcset/data of loading elements)."""
    found = re.findall(r"<(?:img|iframe|script|source|video|audio|embed|object)\b[^>]*>", html)
    return [tag for tag in found if re.search(r'(?:src|srcset|data)="https?://', tag)]


def test_a_page_with_ten_embeds_loads_nothing_from_a_provider(client):
    article = embed_article()
    response = client.get(article.get_absolute_url())
    page = response.content.decode()

    assert page.count('class="embed embed--') == 10
    assert "<iframe" not in page
    assert third_party_sources(page) == []
    assert "Show the post from Telegram" in page and "Show the video from YouTube" in page
    assert 'data-embed-src="https://t.me/kharkiv_oda/12345?embed=1"' in page
    assert 'href="https://t.me/kharkiv_oda/12345"' in page  # the original, as a link
    assert "embeds/embeds.js" in page


def test_the_csp_admits_only_the_embedded_providers_and_only_on_that_page(client):
    article = embed_article(urls=TEN[:1] + TEN[3:4])
    plain = ArticleFactory()
    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]
    frame_src = re.search(r"frame-src ([^;]*)", policy)[1].split()
    assert frame_src == ["'self'", "https://t.me", "https://www.youtube-nocookie.com"]
    assert "script-src 'self'" in policy  # no provider script, ever
    assert "frame-src" not in client.get(plain.get_absolute_url())["Content-Security-Policy"]
    # A cached copy keeps its own policy.
    again = client.get(article.get_absolute_url())
    assert again["X-Cache"] == "hit" and again["Content-Security-Policy"] == policy


def test_the_facade_shows_the_kept_snapshot_in_one_query_for_all(client):
    from tests.pages import fresh_page_queries

    thumb = PhotoFactory(credit="Kyiv Independent / X", alt_text="Thumbnail")
    Embed.objects.create(
        url="https://x.com/KyivIndependent/status/1600000000000000000",
        provider="x",
        status=Embed.Status.READY,
        title="Air defence over Kyiv",
        author_name="The Kyiv Independent",
        thumbnail=thumb,
    )
    one, ten = embed_article(urls=TEN[2:3]), embed_article()

    page = client.get(ten.get_absolute_url()).content.decode()

    assert "Air defence over Kyiv" in page and "The Kyiv Independent" in page
    assert f'src="{thumb.image.url}"' in page  # from our storage
    assert fresh_page_queries(client, ten.get_absolute_url()) == fresh_page_queries(
        client, one.get_absolute_url()
    )


def test_a_caption_written_in_the_embed_is_kept():
    from public.embeds import render_embeds

    body = clean_html(
        '<figure class="embed" data-embed-url="https://t.me/kharkiv_oda/12345">'
        '<a href="https://t.me/kharkiv_oda/12345">https://t.me/kharkiv_oda/12345</a>'
        "<figcaption>The regional administration's post at 06:10.</figcaption></figure>"
    )
    rendered = render_embeds(body)
    assert re.search(
        r"<figcaption>The regional administration.{0,8}s post at 06:10\.</figcaption>", rendered
    )
    assert 'class="embed embed--telegram"' in rendered


def test_all_the_snapshots_of_a_page_come_in_one_query(client):
    article = embed_article()
    client.get(article.get_absolute_url())
    from django.core.cache import caches

    caches["default"].clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(article.get_absolute_url()).status_code == 200
    assert sum("embeds_embed" in q["sql"] for q in queries.captured_queries) == 1


def _json_ld(page: str) -> list[dict]:
    import json

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    return [json.loads(block) for block in blocks]


def test_a_video_with_a_full_snapshot_is_a_videoobject_in_the_json_ld(client):
    from datetime import datetime

    Embed.objects.create(
        url="https://vimeo.com/76979871",
        provider="vimeo",
        status=Embed.Status.READY,
        title="Drone footage of the dam",
        author_name="Ukrainska Pravda",
        published_at=datetime(2026, 11, 30, 9, 15, tzinfo=UTC),
        duration=95,
        thumbnail=PhotoFactory(credit="Ukrainska Pravda / Vimeo", alt_text="Thumbnail"),
    )
    article = embed_article(urls=["https://vimeo.com/76979871", TEN[3]])

    data = _json_ld(client.get(article.get_absolute_url()).content.decode())[0]

    (video,) = data["video"]
    assert video["@type"] == "VideoObject" and video["name"] == "Drone footage of the dam"
    assert video["uploadDate"].startswith("2026-11-30T09:15")
    assert video["embedUrl"] == "https://player.vimeo.com/video/76979871?dnt=1"
    assert video["thumbnailUrl"][0].startswith("http://testserver/")


def test_without_a_snapshot_there_is_no_videoobject(client):
    article = embed_article(urls=["https://vimeo.com/76979871"])
    data = _json_ld(client.get(article.get_absolute_url()).content.decode())[0]
    assert "video" not in data


def test_a_live_updates_feed_shows_an_embed_as_a_link_never_a_frame(client):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from live.models import LiveUpdate

    article = ArticleFactory(live=True)
    LiveUpdate.objects.create(
        article=article,
        body="<p>The governor posted:</p><p>https://t.me/kharkiv_oda/12345</p>",
        status=LiveUpdate.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(minutes=1),
    )
    feed = client.get(reverse("articles:live_feed_rss", args=[article.slug])).content.decode()
    assert "https://t.me/kharkiv_oda/12345" in feed
    assert "data-embed-url" not in feed and "iframe" not in feed
