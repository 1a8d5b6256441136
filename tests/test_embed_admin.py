"""The desk's Embeds list: snapshot status, where each post is used, "Refresh snapshot"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from embeds import fetch
from embeds.models import Embed
from live.models import LiveUpdate
from tests.factories import ArticleFactory, PhotoFactory
from tests.workflow_support import client_for, contributor, editor

CHANGELIST = reverse("admin:embeds_embed_changelist")
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
TELEGRAM = "https://t.me/ukrpravda_news/123456"


def change_url(embed: Embed) -> str:
    return reverse("admin:embeds_embed_change", args=[embed.pk])


@pytest.fixture
def no_fetch(monkeypatch):
    """Snapshots answered in-process: a fetch must never leave the machine in these tests."""
    calls = []

    def answer(slug: str, url: str) -> fetch.OEmbed:
        calls.append(url)
        return fetch.OEmbed(title="Fresh title", author_name="Kyiv Independent")

    monkeypatch.setattr(fetch, "fetch_oembed", answer)
    return calls


@pytest.fixture
def embeds(db, no_fetch):
    """A YouTube video used by two articles and a live update, a Telegram post used once."""
    photo = PhotoFactory(
        alt_text="Thumbnail of the video", credit="KI / YouTube", source=f"embed:{YOUTUBE}"
    )
    youtube = Embed.objects.create(
        url=YOUTUBE,
        provider="youtube",
        status=Embed.Status.FAILED,
        title="Strike on the bridge",
        author_name="Kyiv Independent",
        thumbnail=photo,
        error="The provider did not answer in 5 s.",
    )
    first = ArticleFactory(headline="The bridge", body=f"<p>{YOUTUBE}</p>")
    ArticleFactory(headline="Again", body=f"<p>Before.</p><p>{YOUTUBE}</p><p>{TELEGRAM}</p>")
    ArticleFactory(headline="Nothing embedded", body=f'<p><a href="{YOUTUBE}">watch</a></p>')
    LiveUpdate.objects.create(
        article=ArticleFactory(live=True, headline="Live"),
        headline="Video of the strike",
        body=f"<p>{YOUTUBE}</p>",
        status=LiveUpdate.Status.PUBLISHED,
    )
    telegram = Embed.objects.get(url=TELEGRAM)  # made by the save
    return {"youtube": youtube, "telegram": telegram, "article": first}


def test_the_list_shows_status_thumbnail_error_and_uses(embeds):
    response = client_for(editor()).get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Strike on the bridge" in html
    assert f'<a href="{YOUTUBE.replace("&", "&amp;")}" rel="noopener noreferrer">' in html
    assert "The provider did not answer in 5 s." in html
    assert '<img src="/media/' in html
    rows = {embed.url: embed for embed in response.context["cl"].result_list}
    assert rows[YOUTUBE].use_count == 3  # two articles and a live update, not the plain link
    assert rows[TELEGRAM].use_count == 1
    assert embeds["telegram"].status == Embed.Status.NONE


def test_the_list_counts_uses_in_the_same_queries_for_any_number_of_rows(embeds):
    client = client_for(editor())
    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    for number in range(10):
        url = f"https://vimeo.com/{1000 + number}"
        ArticleFactory(body=f"<p>{url}</p>")
    assert Embed.objects.count() == 12
    with CaptureQueriesContext(connection) as many:
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 12
    assert len(many) == len(few)


def test_the_list_filters_by_provider_and_status(embeds):
    client = client_for(editor())

    by_provider = client.get(CHANGELIST, {"provider": "telegram"})
    by_status = client.get(CHANGELIST, {"status__exact": "failed"})

    assert [e.url for e in by_provider.context["cl"].result_list] == [TELEGRAM]
    assert [e.url for e in by_status.context["cl"].result_list] == [YOUTUBE]


def test_the_change_view_links_where_the_post_is_used_and_edits_nothing(embeds):
    response = client_for(editor()).get(change_url(embeds["youtube"]))

    assert response.status_code == 200
    html = response.content.decode()
    article_url = reverse("admin:articles_article_change", args=[embeds["article"].pk])
    assert f'<a href="{article_url}">The bridge</a>' in html
    assert "Again" in html
    assert "Video of the strike" in html
    assert "Nothing embedded" not in html
    assert 'name="title"' not in html  # read-only: nothing is edited by hand
    assert response.context["adminform"].form.fields == {}


def test_no_one_adds_an_embed_by_hand(embeds):
    assert client_for(editor()).get(reverse("admin:embeds_embed_add")).status_code == 403


def test_refresh_snapshot_fetches_the_selected_embeds_again(
    embeds, no_fetch, django_capture_on_commit_callbacks
):
    client = client_for(editor())
    selected = [embeds["youtube"].pk, embeds["telegram"].pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "refresh_snapshot", "_selected_action": selected}, follow=True
        )

    assert no_fetch == [YOUTUBE]  # Telegram has no oEmbed: nothing to fetch
    youtube = Embed.objects.get(url=YOUTUBE)
    assert (youtube.status, youtube.title, youtube.error) == ("ready", "Fresh title", "")
    assert youtube.thumbnail == embeds["youtube"].thumbnail  # the kept photo stays
    shown = [str(m) for m in response.context["messages"]]
    assert shown[0].startswith("Fetching 1 snapshot again")
    assert shown[1].startswith("1 embed has no snapshot to fetch")


def test_a_contributor_does_not_see_the_desk(embeds):
    assert client_for(contributor()).get(CHANGELIST).status_code == 403


# The Embed button in CKEditor -------------------------------------------------------


def test_ckeditor_loads_the_embed_button_from_a_static_file(settings, admin_client):
    config = settings.CKEDITOR_CONFIGS["default"]
    assert "embedurl" in config["extraPlugins"].split(",")
    assert any("EmbedUrl" in group for group in config["toolbar_newsroom"])
    [(name, path, file)] = config["external_plugin_resources"]
    assert (name, path, file) == ("embedurl", "/static/ckeditor-plugins/embedurl/", "plugin.js")
    folder = settings.BASE_DIR / "static" / "ckeditor-plugins" / "embedurl"
    assert (folder / "plugin.js").is_file()
    assert (folder / "icons" / "embedurl.png").is_file()
    assert (folder / "icons" / "hidpi" / "embedurl.png").is_file()
    assert 'CKEDITOR.plugins.add("embedurl"' in (folder / "plugin.js").read_text()

    page = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "/static/ckeditor-plugins/embedurl/" in page  # data-external-plugin-resources
    assert "&quot;extraPlugins&quot;: &quot;embedurl&quot;" in page
