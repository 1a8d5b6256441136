"""Backup and restore: the demo newsroom, backed up and restored, serves the same pages.

The source newsroom is built in another process on a SQLite file (a newsroom that
started on a laptop); it is restored into this test's database, SQLite in the first pass
of the suite and PostgreSQL in the second. Every public page and feed is compared byte
for byte with the source's (CSP nonces aside).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from articles.models import Article, Author, Section
from photos.models import Photo

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent

SOURCE = r"""
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from tests.test_backup import public_urls

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
client = Client()
pages = {url: client.get(url).content.decode() for url in public_urls()}
json.dump(pages, open(sys.argv[1], "w"))
call_command("backup_newsroom", sys.argv[2], "--no-progress", verbosity=0)
"""


def public_urls() -> list[str]:
    """Every public page and feed of the newsroom in this database."""
    from django.urls import reverse
    from taggit.models import Tag

    urls = ["/", "/?page=2", reverse("articles:feed_rss"), reverse("articles:feed_atom")]
    urls += [reverse("articles:sitemap_index"), "/robots.txt"]
    urls += [article.get_absolute_url() for article in Article.objects.published()]
    for section in Section.objects.all():
        urls += [
            section.get_absolute_url(),
            reverse("articles:section_feed_rss", args=[section.slug]),
        ]
    index = Client().get(reverse("articles:sitemap_index")).content.decode()
    urls += re.findall(r"<loc>https?://[^/<]+(/[^<]*)</loc>", index)
    urls += [reverse("articles:tag", kwargs={"slug": tag.slug}) for tag in Tag.objects.all()]
    urls += [author.get_absolute_url() for author in Author.objects.all()]
    return sorted(set(urls))


def without_nonces(html: str) -> str:
    return re.sub(r' nonce="[^"]*"', "", html)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The demo newsroom on a SQLite file in another process: its pages and its backup."""
    folder = tmp_path_factory.mktemp("source")
    script = folder / "source.py"
    script.write_text(SOURCE)
    pages, backup = folder / "pages.json", folder / "newsroom.zip"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.test",
        "DATABASE_URL": f"sqlite:///{folder / 'source.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, str(script), str(pages), str(backup)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(pages.read_text()), backup


def test_a_restored_newsroom_serves_every_page_as_it_was(source):
    pages, backup = source

    call_command("restore_newsroom", str(backup), "--no-progress", verbosity=0)

    client = Client()
    restored = {url: client.get(url) for url in pages}
    assert {url: answer.status_code for url, answer in restored.items()} == dict.fromkeys(
        pages, 200
    )
    different = [
        url
        for url, answer in restored.items()
        if without_nonces(answer.content.decode()) != without_nonces(pages[url])
    ]
    assert different == [], different[:5]
    assert Photo.objects.exclude(renditions={}).count() == Photo.objects.count()


def test_a_database_with_content_is_refused_with_a_clear_message(source):
    _, backup = source
    Section.objects.create(name="World", slug="world")

    with pytest.raises(CommandError, match=r"already holds newsroom content \(1 sections\)"):
        call_command("restore_newsroom", str(backup), "--no-progress", verbosity=0)

    assert Article.objects.count() == 0


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    bogus = tmp_path / "notes.zip"
    bogus.write_bytes(b"not a zip")

    with pytest.raises(CommandError, match="is not a newsroom backup"):
        call_command("restore_newsroom", str(bogus), verbosity=0)
