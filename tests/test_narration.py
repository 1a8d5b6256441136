"""Audio on articles: files checked by content, AI narration made with espeak-ng."""

from __future__ import annotations

import array
import math
import shutil
from xml.etree import ElementTree

import lameenc
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from articles.audio import inspect_audio
from articles.models import Article
from narration.models import Narration
from narration.services import request_narration
from narration.text import narration_text
from tests.factories import ArticleFactory, image_bytes
from tests.workflow_support import (
    CHANGELIST,
    article_post,
    change_url,
    client_for,
    contributor,
    editor,
    page_messages,
)

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (apt-get install espeak-ng)",
)


def mp3_bytes(seconds: float = 2.0, rate: int = 22050) -> bytes:
    """Return a real MP3 of a quiet 440 Hz tone lasting ``seconds``."""
    samples = array.array(
        "h",
        (int(3000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate))),
    )
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    return bytes(encoder.encode(samples.tobytes()) + encoder.flush())


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what waits for the transaction's commit (the queued narration) at once."""
    return django_capture_on_commit_callbacks


@pytest.fixture(autouse=True)
def in_memory_media(settings):
    """Narration and audio go through the storage API: a filesystem path would fail here."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


# Uploaded audio --------------------------------------------------------------------------


def test_an_mp3_is_recognised_and_its_length_read():
    info = inspect_audio(mp3_bytes(3.0))
    assert info is not None
    assert info.mime_type == "audio/mpeg"
    assert info.seconds == 3


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("speech.mp3", b"just some text pretending to be audio" * 40),
        ("speech.mp3", image_bytes(fmt="PNG")),
        ("speech.ogg", b""),
        ("speech.m4a", b"<?php system($_GET['c']); ?>"),
    ],
)
def test_a_file_that_is_not_audio_is_refused_with_a_message(db, name, content):
    article = ArticleFactory(audio=SimpleUploadedFile(name, content))
    with pytest.raises(Exception) as caught:
        article.full_clean()
    assert "not audio we can play" in str(caught.value) or "empty" in str(caught.value)


def test_saving_an_article_with_audio_records_its_duration(db):
    article = ArticleFactory(audio=SimpleUploadedFile("talk.mp3", mp3_bytes(4.0)))
    article.full_clean()
    article.save()
    article.refresh_from_db()
    assert article.audio_duration == 4
    assert article.audio_length_text == "4 s"


def test_the_article_page_shows_the_player_duration_and_ai_note(client, db):
    article = ArticleFactory(
        audio=SimpleUploadedFile("talk.mp3", mp3_bytes(2.0)), audio_ai_generated=True
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<audio controls" in page
    assert 'type="audio/mpeg"' in page
    assert "This audio is created with AI assistance" in page
    assert 'Listen to this article <span class="story__audio-length">· 2 s</span>' in page


def test_the_admin_refuses_a_fake_audio_upload_at_the_field(db):
    article = ArticleFactory()
    post = article_post(article, audio=SimpleUploadedFile("x.mp3", b"not audio at all" * 10))
    response = client_for(editor()).post(change_url(article), post)
    assert response.status_code == 200  # the form again, with the message at the field
    assert response.context["adminform"].form.errors["audio"] == [
        "This file is not audio we can play. Upload MP3, Ogg (Opus or Vorbis) or M4A."
    ]
    article.refresh_from_db()
    assert not article.audio


# Narration --------------------------------------------------------------------------------


def test_the_narration_text_is_headline_dek_and_body_without_markup(db):
    article = ArticleFactory(
        headline="Rain &amp; wind",
        dek="A storm arrives.",
        body="<p>First <strong>bold</strong> words.</p><p>Second &amp; last.</p>",
    )
    text = narration_text(article)
    assert text.splitlines()[1:] == ["A storm arrives.", "First bold words.", "Second & last."]
    assert "<" not in text


@needs_espeak
def test_generating_narration_stores_real_speech_and_flags_it_ai_made(db, run_on_commit):
    article = ArticleFactory(
        headline="Council backs the river park",
        dek="The vote was close.",
        body="<p>The city council approved the plan on Tuesday evening.</p>",
    )
    with run_on_commit(execute=True):
        narration = request_narration(article)
    narration.refresh_from_db()
    assert narration.status == Narration.Status.DONE, narration.message
    assert narration.progress == 100
    article.refresh_from_db()
    assert article.audio_ai_generated is True
    assert article.audio.name.endswith(".mp3")
    with article.audio.open("rb") as stored:
        info = inspect_audio(stored.read())
    assert info is not None and info.mime_type == "audio/mpeg"
    # About twenty words at 165 words a minute: several seconds, not zero, not minutes.
    assert 3 <= info.duration <= 20
    assert article.audio_duration == info.seconds


@needs_espeak
def test_the_admin_action_generates_and_reports(db, run_on_commit):
    article = ArticleFactory(headline="Short", body="<p>Two words.</p>")
    client = client_for(editor())
    with run_on_commit(execute=True):
        client.post(CHANGELIST, {"action": "generate_narration", "_selected_action": [article.pk]})
    assert "Narration requested for 1 article(s)" in page_messages(client.get(CHANGELIST))[0]
    listing = client.get(reverse("admin:narration_narration_changelist")).content.decode()
    assert "Done" in listing
    assert "s of audio" in listing
    article.refresh_from_db()
    assert article.audio and article.audio_ai_generated


def test_a_contributor_cannot_generate_narration(db):
    author = contributor()
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, created_by=author)
    response = client_for(author).post(
        CHANGELIST, {"action": "generate_narration", "_selected_action": [article.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not Narration.objects.filter(status=Narration.Status.DONE).exists()
    article.refresh_from_db()
    assert not article.audio


def test_a_failing_engine_is_reported_in_the_admin_not_a_500(db, settings, run_on_commit):
    settings.NARRATION_OPTIONS = {"executable": "no-such-tts-engine"}
    article = ArticleFactory()
    client = client_for(editor())
    with run_on_commit(execute=True):
        response = client.post(
            CHANGELIST, {"action": "generate_narration", "_selected_action": [article.pk]}
        )
    assert response.status_code == 302
    state = client.get(change_url(article)).content.decode()
    assert "Failed" in state
    assert "espeak-ng is not installed" in state
    narration = Narration.objects.get(article=article)
    assert narration.status == Narration.Status.FAILED
    article.refresh_from_db()
    assert not article.audio


@needs_espeak
def test_narration_is_regenerated_when_the_text_changes_if_asked(db, run_on_commit):
    article = ArticleFactory(headline="First version", body="<p>One.</p>")
    with run_on_commit(execute=True):
        narration = request_narration(article)
    narration.refresh_from_db()
    first = Article.objects.get(pk=article.pk).audio.name

    article.refresh_from_db()
    article.save()  # nothing changed: nothing regenerated
    assert Article.objects.get(pk=article.pk).audio.name == first

    Narration.objects.filter(pk=narration.pk).update(regenerate_on_change=True)
    article.refresh_from_db()
    article.body = "<p>A longer, corrected body.</p>"
    with run_on_commit(execute=True):
        article.save()
    assert Article.objects.get(pk=article.pk).audio.name != first


@needs_espeak
def test_the_narrate_command(db, capsys):
    article = ArticleFactory(headline="Command line", body="<p>Spoken.</p>")
    call_command("narrate", "--now", article.slug)
    assert f"{article.slug}: Done" in capsys.readouterr().out


def test_the_audio_is_the_rss_enclosure_and_atom_keeps_the_image_too(client, db):
    from tests.factories import PhotoFactory

    audio = mp3_bytes(2.0)
    article = ArticleFactory(
        audio=SimpleUploadedFile("talk.mp3", audio), lead_photo=PhotoFactory(), headline="Heard"
    )
    rss = ElementTree.fromstring(client.get(reverse("articles:feed_rss")).content)
    item = rss.find("channel/item")
    enclosure = item.find("enclosure")
    assert enclosure.get("type") == "audio/mpeg"
    assert enclosure.get("length") == str(len(audio))
    assert enclosure.get("url").startswith("http://testserver/") and article.audio.name in (
        enclosure.get("url")
    )
    assert item.find("{http://search.yahoo.com/mrss/}content").get("medium") == "image"

    atom = ElementTree.fromstring(client.get(reverse("articles:feed_atom")).content)
    links = atom.findall("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}link")
    kinds = sorted(link.get("type") for link in links if link.get("rel") == "enclosure")
    assert kinds == ["audio/mpeg", "image/jpeg"]


def test_json_ld_describes_the_audio_as_an_audio_object(client, db):
    import json
    import re

    article = ArticleFactory(
        audio=SimpleUploadedFile("talk.mp3", mp3_bytes(65.0)), audio_ai_generated=True
    )
    html = client.get(article.get_absolute_url()).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    news = next(b for b in map(json.loads, blocks) if b["@type"] == "NewsArticle")
    audio = news["audio"]
    assert audio["@type"] == "AudioObject"
    assert audio["encodingFormat"] == "audio/mpeg"
    assert audio["duration"] == "PT1M5S"
    assert audio["contentUrl"].startswith("http://testserver/")
    assert "AI" in audio["description"]
