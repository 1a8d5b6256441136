"""The import writer: an export's records into the newsroom, safely, twice if need be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles.models import Article, Author, Section
from imports.credits import parse
from imports.models import LegacyRedirect, SourceRecord
from imports.records import Export, Image, Person, Post, Term
from imports.writer import Options, Writer
from photos.models import Photo
from tests.factories import ArticleFactory, image_bytes

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
TOMORROW = timezone.now().replace(microsecond=0) + timedelta(days=1)


def an_export(**changes) -> Export:
    export = Export(source="ghost", site_url="https://old.example.org", version="ghost 5.0")
    export.people = {
        "1": Person("1", "Olha Kovalenko", slug="olha", bio="Reporter in <b>Kharkiv</b>."),
        "2": Person("2", "Taras Hnatiuk", slug="taras", website="https://taras.example.org"),
    }
    export.terms = {
        "t1": Term("t1", "War", slug="war"),
        "t2": Term("t2", "Energy", slug="energy"),
    }
    export.term_paths = {"/tag/energy-old/": "t2"}
    export.person_paths = {"/author/olha-old/": "1"}
    export.posts = [
        Post(
            "p1",
            "Grain convoy leaves Odesa",
            slug="grain-convoy",
            html='<p>Ships left at dawn.</p><p><img src="/content/images/2024/03/port.jpg"></p>',
            excerpt="Twelve ships.",
            status="published",
            published_at=PUBLISHED,
            author_ids=["2", "1"],
            tag_ids=["t2", "t1"],
            primary_tag_id="t2",
            feature_image=Image(
                "__GHOST_URL__/content/images/2024/03/lead.jpg",
                caption="Ships at dawn. Photo by Jane Doe/AFP via Getty Images",
                alt="Ships leaving the port",
            ),
            old_paths=["/grain-convoy/"],
        ),
        Post("p2", "Members only", slug="members", html="<p>Paid.</p>", status="private"),
        Post(
            "p3",
            "Tomorrow's briefing",
            html="<p>Soon.</p>",
            status="scheduled",
            published_at=TOMORROW,
        ),
    ]
    for name, value in changes.items():
        setattr(export, name, value)
    return export


@pytest.fixture
def images(tmp_path) -> Path:
    folder = tmp_path / "images" / "2024" / "03"
    folder.mkdir(parents=True)
    (folder / "lead.jpg").write_bytes(image_bytes(800, 450))
    (tmp_path / "images" / "port.jpg").write_bytes(image_bytes(640, 480, color="#224466"))
    return tmp_path / "images"


def test_an_export_comes_in_whole(images, client):
    report = Writer(an_export(), Options(images=images, default_section="World")).run()

    article = Article.objects.get(slug="grain-convoy")
    assert article.is_public and article.published_at == PUBLISHED
    assert article.dek == "Twelve ships." and article.section.name == "World"
    assert [a.name for a in article.credited_authors] == ["Taras Hnatiuk", "Olha Kovalenko"]
    assert [t.name for t in article.shown_tags] == ["Energy", "War"]
    lead = article.lead_photo
    assert (lead.credit, lead.photographer, lead.agency) == (
        "Photo by Jane Doe/AFP via Getty Images",
        "Jane Doe",
        "AFP",
    )
    assert lead.alt_text == "Ships leaving the port" and lead.caption == "Ships at dawn."
    inline = Photo.objects.get(source__endswith="/content/images/2024/03/port.jpg")
    assert inline.imported_without_credit  # no caption: flagged for the photo desk
    assert inline.image.url in article.body  # the body points at our copy
    assert Author.objects.get(slug="olha").bio == "Reporter in Kharkiv."
    assert Author.objects.get(slug="taras").website == "https://taras.example.org"
    members = Article.objects.get(slug="members")
    assert members.status == Article.Status.DRAFT and not members.is_public
    briefing = Article.objects.get(headline="Tomorrow's briefing")
    assert briefing.is_scheduled and briefing.slug == "tomorrows-briefing"
    assert report.counts["articles"]["created"] == 3
    assert report.not_public == ["“Members only”"]
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200 and "Ships left at dawn." in page.content.decode()


def test_running_it_again_changes_nothing_and_an_updated_export_updates(images):
    Writer(an_export(), Options(images=images)).run()
    again = Writer(an_export(), Options(images=images)).run()
    assert again.counts["articles"] == {"unchanged": 3}
    assert Article.objects.count() == 3 and Photo.objects.count() == 2

    changed = an_export()
    changed.posts[0].title = "Grain convoy reaches Istanbul"
    report = Writer(changed, Options(images=images)).run()

    assert report.counts["articles"]["updated"] == 1
    assert report.changed == ["“Grain convoy reaches Istanbul”"]
    assert Article.objects.get(slug="grain-convoy").headline == "Grain convoy reaches Istanbul"
    assert SourceRecord.objects.filter(source="ghost:old.example.org").count() >= 3


def test_a_slug_taken_by_another_article_gets_a_suffix_reported():
    ArticleFactory(slug="grain-convoy", headline="Ours")
    report = Writer(an_export(), Options()).run()
    assert Article.objects.get(headline="Grain convoy leaves Odesa").slug == "grain-convoy-2"
    assert report.renamed == ["“Grain convoy leaves Odesa”: /grain-convoy/ → /grain-convoy-2/"]
    assert Article.objects.get(slug="grain-convoy").headline == "Ours"


def test_missing_images_are_reported_not_fatal():
    report = Writer(an_export(), Options()).run()
    assert len(report.images_missing) == 2
    article = Article.objects.get(slug="grain-convoy")
    assert article.is_public and article.lead_photo is None
    assert "<img" not in article.body  # the sanitizer drops an image that is not ours


def test_old_addresses_answer_301_to_the_new_pages(images, client):
    Writer(an_export(), Options(images=images, section_map={"energy": "Energy desk"})).run()
    article = Article.objects.get(slug="grain-convoy")
    assert article.section.name == "Energy desk"

    old = client.get("/grain-convoy/")
    assert old.status_code == 301 and old["Location"] == article.get_absolute_url()
    tag = client.get("/tag/energy-old/")
    assert (
        tag.status_code == 301
        and tag["Location"] == Section.objects.get(name="Energy desk").get_absolute_url()
    )
    assert client.get("/author/olha-old/")["Location"] == "/author/olha/"
    assert client.get("/no-such-page/").status_code == 404


def test_wordpress_post_ids_redirect_before_the_home_page_answers(client):
    export = an_export(source="wordpress")
    export.posts[0].old_paths = ["/?p=42", "/2024/03/01/grain-convoy/"]
    Writer(export, Options()).run()
    url = Article.objects.get(slug="grain-convoy").get_absolute_url()
    client.get("/")  # the home page is in the page cache
    assert client.get("/?p=42")["Location"] == url
    assert client.get("/2024/03/01/grain-convoy/")["Location"] == url
    assert client.get("/?p=43").status_code == 200  # an unknown id is the home page


def test_a_dry_run_writes_nothing(images):
    report = Writer(an_export(), Options(images=images, dry_run=True)).run()
    assert report.counts["articles"]["created"] == 3
    assert not Article.objects.exists() and not Photo.objects.exists()
    assert not LegacyRedirect.objects.exists() and not SourceRecord.objects.exists()


@pytest.mark.parametrize(
    ("caption", "credit", "photographer", "agency", "rest"),
    [
        ("Soldiers near Bakhmut. Photo by Anatolii Stepanov/AFP via Getty Images",
         "Photo by Anatolii Stepanov/AFP via Getty Images", "Anatolii Stepanov", "AFP",
         "Soldiers near Bakhmut."),
        ("Rescuers at work (Efrem Lukatsky/AP)", "Efrem Lukatsky/AP", "Efrem Lukatsky", "AP",
         "Rescuers at work."),
        ("Photo: Olha Kovalenko/Reuters", "Photo: Olha Kovalenko/Reuters", "Olha Kovalenko",
         "Reuters", ""),
        ("Sunset over Odesa. © Ivan Petrenko", "© Ivan Petrenko", "Ivan Petrenko", "",
         "Sunset over Odesa."),
    ],
)  # fmt: skip
def test_agency_credit_lines_are_read_into_their_parts(caption, credit, photographer, agency, rest):
    found = parse(caption)
    assert (found.line, found.photographer, found.agency, found.caption) == (
        credit,
        photographer,
        agency,
        rest,
    )


@pytest.mark.parametrize("caption", ["The road Kyiv/Kharkiv was closed", "A view", ""])
def test_words_that_are_not_a_credit_are_not_read_as_one(caption):
    assert parse(caption) is None


def test_a_section_map_file_is_read_or_refused_with_its_line(tmp_path):
    from imports.command import read_section_map

    good = tmp_path / "sections.txt"
    good.write_text("# tag = section\nenergy = Energy desk\nWar: World\n")
    assert read_section_map(good) == {"energy": "Energy desk", "War": "World"}
    bad = tmp_path / "bad.txt"
    bad.write_text("energy Energy desk\n")
    with pytest.raises(CommandError, match="line 1"):
        read_section_map(bad)


def test_a_file_that_is_no_export_stops_with_one_line(tmp_path):
    broken = tmp_path / "export.json"
    broken.write_text('{"db": [')
    with pytest.raises(CommandError) as error:
        call_command("import_ghost", str(broken), "--no-progress")
    assert "\n" not in str(error.value)
    assert not Article.objects.exists()


def _ghost_export(tmp_path: Path) -> Path:
    import json

    data = {
        "db": [
            {
                "meta": {"version": "5.80.0"},
                "data": {
                    "posts": [
                        {
                            "id": "a1",
                            "title": "Power is back",
                            "slug": "power-is-back",
                            "html": "<p>Crews worked all night.</p>",
                            "status": "published",
                            "type": "post",
                            "visibility": "public",
                            "published_at": "2024-03-01T09:30:00.000Z",
                            "feature_image": "__GHOST_URL__/content/images/2024/03/lead.jpg",
                            "feature_image_caption": "Crews at work (Efrem Lukatsky/AP)",
                            "feature_image_alt": "Repair crews",
                        }
                    ],
                    "users": [{"id": "u1", "name": "Olha Kovalenko", "slug": "olha"}],
                    "posts_authors": [{"post_id": "a1", "author_id": "u1", "sort_order": 0}],
                    "tags": [],
                    "posts_tags": [],
                },
            }
        ]
    }
    path = tmp_path / "ghost.json"
    path.write_text(json.dumps(data))
    return path


def test_the_command_builds_renditions_after_the_import_or_leaves_them(tmp_path, images):
    from io import StringIO

    from photos.images.renditions import rendition_state

    out = StringIO()
    call_command(
        "import_ghost", str(_ghost_export(tmp_path)), "--images", str(images),
        "--skip-renditions", "--no-progress", stdout=out,
    )  # fmt: skip
    photo = Article.objects.get(slug="power-is-back").lead_photo
    assert photo.credit == "Efrem Lukatsky/AP" and photo.agency == "AP"
    assert rendition_state(photo) != "current"
    assert "1 photos have no renditions yet" in out.getvalue()

    out = StringIO()
    call_command("rebuild_renditions", "--no-progress", stdout=out)
    photo.refresh_from_db()
    assert rendition_state(photo) == "current"


def test_the_command_reports_what_it_did(tmp_path, images):
    from io import StringIO

    out = StringIO()
    path = str(_ghost_export(tmp_path))
    call_command("import_ghost", path, "--images", str(images), "--no-progress", stdout=out)
    text = out.getvalue()
    assert "Imported: ghost.json, ghost 5.80.0" in text
    assert "articles: 1 created, 0 updated, 0 unchanged" in text
    assert "Renditions of 1 photos built" in text
    again = StringIO()
    call_command("import_ghost", path, "--images", str(images), "--no-progress", stdout=again)
    assert "articles: 0 created, 0 updated, 1 unchanged" in again.getvalue()
