"""The demo newsroom command: content, idempotency, files and demo users."""

import hashlib
import io
import re
import time
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import dateformat, timezone
from PIL import Image
from taggit.models import Tag

from articles import demo_data
from articles.audio import inspect_audio
from articles.management.commands import seed_demo
from articles.models import Article, ArticleAuthor, Author, Section, TaggedArticle
from photos.models import Photo, TaggedPhoto

pytestmark = pytest.mark.django_db

User = get_user_model()
MODELS = (Section, Author, Photo, Article, ArticleAuthor, Tag, TaggedArticle, TaggedPhoto)


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*MODELS, User, Group)}


def media_files(root) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def reference_article() -> Article:
    return Article.objects.with_related().get(slug=demo_data.REFERENCE_SLUG)


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed the demo newsroom once for a class of tests; roll it back afterwards.

    Each test still runs in its own savepoint inside this transaction, so what a
    test changes (a second run, demo users) is undone before the next one.
    """
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        started = time.monotonic()
        output = seed()
        seconds = time.monotonic() - started
        yield SimpleNamespace(output=output, media=media, seconds=seconds)
        transaction.set_rollback(True)


@pytest.mark.usefixtures("demo")
class TestDemoNewsroom:
    def test_it_has_sections_authors_tags_and_articles_in_every_state(self):
        now = timezone.now()
        assert Section.objects.count() >= 4
        assert Author.objects.filter(kind=Author.Kind.PERSON).count() >= 5
        assert Author.objects.filter(kind=Author.Kind.ORGANIZATION).count() >= 1
        assert Author.objects.count() >= 6
        assert Tag.objects.count() >= 20
        assert Article.objects.count() >= 30
        assert Article.objects.published().count() >= 25
        assert Article.objects.filter(status=Article.Status.DRAFT).count() >= 2
        assert Article.objects.filter(status=Article.Status.IN_REVIEW).count() == 1
        assert Article.objects.filter(status=Article.Status.UNPUBLISHED).count() == 1
        scheduled = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        assert scheduled.count() == 1
        assert not Article.objects.published().filter(pk=scheduled.get().pk).exists()

    def test_every_article_has_a_section_ordered_byline_tags_and_a_credited_photo(self):
        articles = Article.objects.with_related()
        for article in articles:
            positions = [byline.position for byline in article.bylines.all()]
            assert positions and positions == list(range(len(positions))), article.slug
            assert 3 <= len(article.tags.all()) <= 7, article.slug
            assert article.dek and article.section_id
            photo = article.lead_photo
            assert photo is not None, article.slug
            for field in ("alt_text", "caption", "credit", "photographer", "agency"):
                assert getattr(photo, field), (article.slug, field)
        for article in articles.filter(status=Article.Status.PUBLISHED):
            body = article.body
            assert body.count("<p>") >= 3, article.slug
            assert "<h2>" in body and "<blockquote>" in body and "<a href=" in body, article.slug

    def test_persons_have_job_titles_bios_and_avatars_and_the_desk_is_an_organisation(self):
        for author in Author.objects.select_related("avatar").filter(kind=Author.Kind.PERSON):
            assert author.job_title and author.bio and author.avatar, author.slug
        desk = Author.objects.get(slug="news-desk")
        assert desk.is_organization
        assert desk.name == "The Newsroom news desk"

    def test_each_photo_has_its_own_jpeg_drawn_locally(self, demo):
        photos = list(Photo.objects.all())
        assert len({photo.image.name for photo in photos}) == len(photos)
        digests = set()
        for photo in photos:
            path = demo.media / photo.image.name
            digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
            with Image.open(path) as image:
                assert image.format == "JPEG"
                assert image.size == (photo.width, photo.height)
            assert photo.source.startswith("demo:")
            assert re.fullmatch(r"Photo(:| by) [\w -]+/.+", photo.credit), photo.credit
        assert len(digests) == len(photos)
        leads = Photo.objects.filter(lead_of__isnull=False).distinct()
        assert {(p.width, p.height) for p in leads} == {seed_demo.PHOTO_SIZE}

    def test_publish_times_are_aware_and_spread_over_the_last_three_weeks(self):
        now = timezone.now()
        times = list(
            Article.objects.published()
            .exclude(slug=demo_data.REFERENCE_SLUG)
            .values_list("published_at", flat=True)
        )
        assert all(timezone.is_aware(when) for when in times)
        assert all(now - timedelta(days=22) <= when <= now for when in times)
        assert max(times) - min(times) >= timedelta(days=14)

    def test_reference_article_mirrors_the_reference_page(self, demo, settings):
        article = reference_article()
        assert article.section.name == "News Feed"
        first, desk = article.credited_authors
        assert first.kind == Author.Kind.PERSON
        assert desk.is_organization and desk.name == "The Newsroom news desk"
        assert set(article.tags.names()) == {
            "Ukraine",
            "Russia",
            "War",
            "North Korea",
            "South Korea",
            "ammunition",
            "Weapons",
        }
        assert re.fullmatch(
            r"Photo by [A-Z][\w-]+ [A-Z][\w-]+/AFP via Getty Images", article.lead_photo.credit
        )
        assert article.lead_caption
        assert article.minutes_to_read == 2
        kyiv = ZoneInfo("Europe/Kyiv")
        assert article.published_at == datetime(2024, 12, 23, 16, 54, tzinfo=kyiv)
        local = timezone.localtime(article.published_at, ZoneInfo(settings.TIME_ZONE))
        assert dateformat.format(local, "F j, Y g:i A") == "December 23, 2024 4:54 PM"
        assert article.audio_ai_generated
        audio = (demo.media / article.audio.name).read_bytes()
        info = inspect_audio(audio)  # spoken by espeak-ng when installed, else silence
        assert info is not None and info.mime_type == "audio/mpeg" and info.duration > 5
        assert article.audio_duration == info.seconds
        assert '<img src="/media/' in article.body and "<figcaption>" in article.body

    def test_second_run_adds_nothing_and_rewrites_no_file(self, demo):
        counts, files = row_counts(), media_files(demo.media)
        output = seed()
        assert row_counts() == counts
        assert media_files(demo.media) == files
        assert re.search(r"articles\s+\d+ created", demo.output)
        assert re.search(r"articles\s+0 created,\s+\d+ already there", output)

    def test_second_run_keeps_what_editors_changed(self):
        Article.objects.filter(slug=demo_data.REFERENCE_SLUG).update(headline="Edited by a human")
        seed()
        assert reference_article().headline == "Edited by a human"

    def test_a_photo_file_deleted_from_media_is_drawn_again_under_its_name(self, demo):
        photo = reference_article().lead_photo
        (demo.media / photo.image.name).unlink()
        counts = row_counts()
        output = seed()
        assert (demo.media / photo.image.name).is_file()
        assert Photo.objects.get(pk=photo.pk).image.name == photo.image.name
        assert row_counts() == counts
        assert "photo files redrawn" in output

    def test_no_demo_user_is_created_when_debug_is_off(self, demo, settings):
        assert settings.DEBUG is False
        assert not User.objects.exists()
        assert "DEBUG is off: no demo users were created" in demo.output
        assert "password" not in demo.output

    def test_demo_admin_exists_and_can_log_in_when_debug_is_on(self, settings, client, monkeypatch):
        settings.DEBUG = True
        monkeypatch.setenv("PORT", "8123")
        output = seed()
        admin = User.objects.get(username="admin")
        assert admin.is_staff and admin.is_superuser
        expected = "Demo admin: http://127.0.0.1:8123/admin/ user admin / password newsroom-demo"
        assert expected in output
        assert client.login(username="admin", password=seed_demo.DEMO_PASSWORD)
        assert client.get("/admin/").status_code == 200
        assert Author.objects.get(user=admin).kind == Author.Kind.PERSON

    def test_demo_editor_is_staff_who_may_change_articles_but_not_a_superuser(self, settings):
        settings.DEBUG = True
        seed()
        editor = User.objects.get(username="editor")
        assert editor.is_staff and not editor.is_superuser
        assert editor.has_perm("articles.change_article")
        assert editor.has_perm("photos.add_photo")
        assert editor.check_password(seed_demo.DEMO_PASSWORD)
        assert Author.objects.filter(user=editor).exists()

    def test_an_existing_admin_keeps_its_password(self, settings):
        settings.DEBUG = True
        User.objects.create_user("admin", password="my-own-password")
        seed()
        admin = User.objects.get(username="admin")
        assert admin.check_password("my-own-password")
        assert admin.is_staff and admin.is_superuser

    def test_no_users_option_skips_the_demo_users(self, settings):
        settings.DEBUG = True
        output = seed("--no-users")
        assert not User.objects.exists()
        assert "Demo users skipped" in output

    def test_seed_demo_runs_well_under_thirty_seconds(self, demo):
        assert demo.seconds < 15


def test_a_failed_run_leaves_no_rows_and_no_files(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_article = seed_demo.Command.load_article
    calls = []

    def fail_on_third(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return load_article(self, *args)

    monkeypatch.setattr(seed_demo.Command, "load_article", fail_on_third)
    with pytest.raises(RuntimeError):
        seed()
    assert Article.objects.count() == Photo.objects.count() == Author.objects.count() == 0
    assert media_files(tmp_path) == {}


def test_silent_mp3_is_a_run_of_whole_mpeg_frames():
    data = seed_demo.silent_mp3(seconds=2)
    offset, frames = 0, 0
    while offset < len(data):
        assert data[offset : offset + 2] == b"\xff\xfb"
        padded = bool(data[offset + 2] & 0x02)
        offset += 104 + padded  # 144 * 32 kbit/s / 44.1 kHz
        frames += 1
    assert offset == len(data)
    assert frames == round(2 * 44_100 / 1152)
