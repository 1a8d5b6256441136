"""Reliability drills: the newsroom keeps working while its services fail.

Redis goes away under readers and an editor: pages are rendered instead of served from
the cache (200s, never a 5xx), saves succeed, sessions come from the database, the
sign-up limit fails open; and when Redis comes back holding pages from before the
outage, none older than the last save is served. Uses a private ``redis-server`` (Debian's
``redis-server``; the test skips with a message where it is missing).
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.test import Client, override_settings
from django.urls import reverse

from newsroom import pagecache
from newsroom.cache import RedisCache
from tests.factories import ArticleFactory
from tests.workflow_support import article_post, change_url, client_for, editor

pytestmark = pytest.mark.django_db

REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test only, that keeps its data in ``folder`` when asked."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port, self.process = folder, free_port(), None

    def start(self) -> None:
        command = [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.folder), "--dbfilename", "dump.rdb"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self, *, keep_data: bool) -> None:
        if keep_data:
            redis.Redis(port=self.port).save()  # as a Redis with persistence would have
        self.process.terminate()
        self.process.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def private_redis(tmp_path):
    if REDIS is None:
        pytest.skip("redis-server is not installed (Debian's redis-server package)")
    server = PrivateRedis(tmp_path)
    server.start()
    cache = {
        "BACKEND": "newsroom.cache.RedisCache",
        "LOCATION": server.url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    settings = {
        "CACHES": {"default": cache},
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
        "PAGE_CACHE_LOCAL_SECONDS": 0,
    }
    with override_settings(**settings):
        yield server
    if server.process.poll() is None:
        server.stop(keep_data=False)
    pagecache._lost_purge.clear()


def test_redis_going_away_and_coming_back(private_redis, caplog):
    article = ArticleFactory(headline="Grain convoy leaves Odesa")
    url = article.get_absolute_url()
    reader, desk = Client(), client_for(editor())
    assert reader.get(url).status_code == 200
    assert reader.get(url)["X-Cache"] == "hit"
    failures = RedisCache.failures

    private_redis.stop(keep_data=True)  # the stored page is in its dump
    with caplog.at_level(logging.WARNING):
        while_down = [reader.get(url) for _ in range(5)]
        home = reader.get("/")
        saved = desk.post(
            change_url(article), article_post(article, headline="Grain convoy reaches Istanbul")
        )
        signup = Client().post(reverse("newsletter:signup"), {"email": "olha@example.org"})
        after_save = reader.get(url)

    assert {answer.status_code for answer in while_down} == {200}
    assert home.status_code == 200
    assert saved.status_code == 302  # the editor's save went through
    assert signup.status_code == 302  # the sign-up limit fails open
    assert "Grain convoy reaches Istanbul" in after_save.content.decode()
    assert RedisCache.failures > failures
    assert "Redis is unavailable" in caplog.text

    private_redis.start()  # with the page stored before the outage
    back = reader.get(url)

    assert back.status_code == 200
    assert "Grain convoy reaches Istanbul" in back.content.decode()
    assert "Grain convoy leaves Odesa" not in back.content.decode()
    assert reader.get(url)["X-Cache"] == "hit"  # and the cache works again


# A worker killed mid-save -------------------------------------------------------------

SAVE_AND_DIE = r"""
import os, sys, time
import django
django.setup()
from django.test import Client
from articles.models import Article, ArticleAuthor
from django.contrib.auth import get_user_model
from tests.workflow_support import article_post, change_url, management_form

article = Article.objects.get(pk=int(sys.argv[1]))
marker = sys.argv[2]
data = article_post(article, headline="Rewritten headline", tags="energy, grid")
byline = article.bylines.get()
data.update(management_form("bylines", total=1, initial=1))
data.update({
    "bylines-0-id": str(byline.pk),
    "bylines-0-article": str(article.pk),
    "bylines-0-author": sys.argv[3],
    "bylines-0-position": "1",
})
original = ArticleAuthor.save

def save_then_hang(self, *args, **kwargs):
    original(self, *args, **kwargs)
    open(marker, "w").close()  # the article row and a byline are written: kill me now
    time.sleep(60)

if sys.argv[4] == "kill":
    ArticleAuthor.save = save_then_hang
client = Client()
client.force_login(get_user_model().objects.get(pk=int(sys.argv[5])))
response = client.post(change_url(article), data)
print(response.status_code)
"""


def _database_env(tmp_path: Path) -> dict[str, str]:
    from django.db import connection

    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    import os

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.test",
        "DATABASE_URL": url,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fate", ["kill", "finish"])
def test_a_worker_killed_mid_save_leaves_the_old_version_whole(tmp_path, fate):
    import os
    import signal
    import sys

    from django.db import connection
    from reversion.models import Version

    from articles.models import Article
    from tests.factories import AuthorFactory

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: another process must see the test database")
    old_author, new_author = AuthorFactory(name="Old Author"), AuthorFactory(name="New Author")
    article = ArticleFactory(headline="Original headline", authors=[old_author], tags=["war"])
    user = editor()
    versions = Version.objects.get_for_object(article).count()
    marker = tmp_path / "written"
    script = tmp_path / "save_and_die.py"
    script.write_text(SAVE_AND_DIE)
    args = [str(article.pk), str(marker), str(new_author.pk), fate, str(user.pk)]
    worker = subprocess.Popen(
        [sys.executable, str(script), *args],
        env=_database_env(tmp_path),
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if fate == "kill":
        for _ in range(600):
            if marker.exists() or worker.poll() is not None:
                break
            time.sleep(0.05)
        assert marker.exists(), worker.communicate()[1][-3000:]
        os.kill(worker.pid, signal.SIGKILL)
    out, err = worker.communicate(timeout=120)

    article = Article.objects.get(pk=article.pk)
    names = [a.name for a in article.credited_authors]
    tags = sorted(article.tags.names())
    revisions = Version.objects.get_for_object(article).count()
    if fate == "kill":
        assert article.headline == "Original headline"
        assert names == ["Old Author"] and tags == ["war"]
        assert revisions == versions
    else:
        assert out.strip() == "302", err[-3000:]
        assert article.headline == "Rewritten headline"
        assert names == ["New Author"] and tags == ["energy", "grid"]
        assert revisions == versions + 1
