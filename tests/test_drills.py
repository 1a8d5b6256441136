"""Reliability drills: the newsroom keeps working while its services fail.

Redis goes away under readers and an editor: pages are rendered instead of served from
the cache (200s, never a 5xx), saves succeed, sessions come from the database, the
sign-up limit fails open; and when Redis comes back holding pages from before the
outage, none older than the last save is served. Uses a private ``redis-server`` (Debian's
``redis-server``; the test skips with a message where it is missing).
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
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


# PostgreSQL restarts under load ---------------------------------------------------------

PG_BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
PG_CTL = PG_BINARIES[-1] if PG_BINARIES else shutil.which("pg_ctl")

# An editor's desk in its own long-lived process, under the production settings (the
# connection pool): every 0.1 s one save, like the admin's, in one transaction with a
# revision: headline, byline and tags all carry the save's number. It never restarts; it
# logs each attempt and, at the end, what the database holds.
DESK = r"""
import json, sys, time
from pathlib import Path
import django
django.setup()
import reversion
from django.db import transaction
from django.utils import timezone
from reversion.models import Version
from articles.models import Article, ArticleAuthor, Author, Section

stop, log = Path(sys.argv[1]), []
section = Section.objects.create(name="World", slug="world")
authors = [Author.objects.create(name=name, slug=name.lower()) for name in ("Olha", "Taras")]
article = Article.objects.create(
    headline="Save 0", slug="drill", dek="The drill.", body="<p>Before the drill.</p>",
    section=section, status=Article.Status.PUBLISHED, published_at=timezone.now(),
)
ArticleAuthor.objects.create(article=article, author=authors[0], position=1)
print("READY " + article.get_absolute_url(), flush=True)
n = 0
while not stop.exists():
    n += 1
    started = time.time()
    try:
        with transaction.atomic(), reversion.create_revision():
            article = Article.objects.get(slug="drill")
            article.headline = f"Save {n}"
            article.save()
            article.bylines.all().delete()
            ArticleAuthor.objects.create(article=article, author=authors[n % 2], position=1)
            article.tags.set([f"round-{n % 3}"])
        log.append([started, time.time(), n, "ok"])
    except Exception as error:
        log.append([started, time.time(), n, type(error).__name__])
    time.sleep(0.1)
article = Article.objects.get(slug="drill")
latest = Version.objects.get_for_object(article).first()
print("DESK_JSON " + json.dumps({
    "log": log,
    "headline": article.headline,
    "byline": [b.author.name for b in article.bylines.all()],
    "tags": sorted(article.tags.names()),
    "revision_headline": json.loads(latest.serialized_data)[0]["fields"]["headline"],
    "revisions": Version.objects.get_for_object(article).count(),
    "names": [a.name for a in authors],
}), flush=True)
"""


class PrivatePostgres:
    """A PostgreSQL cluster of this test only, in a temporary folder, on a free port.

    As root (CI), the server runs as the ``postgres`` user: PostgreSQL refuses root.
    """

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-pg-drill-"))
        self.data, self.port = self.folder / "data", free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.bin = Path(PG_CTL).parent

    def run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--locale", "C", "--no-sync")  # fmt: skip
        self.start()
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE newsroom")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                 "-o", options, "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "newsroom") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of the suite (make test with DATABASE_URL)")
    if PG_CTL is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    server = PrivatePostgres()
    try:
        server.create()
        yield server
    finally:
        server.remove()


def _app_env(server: PrivatePostgres, media: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "tests.drill_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": server.url(),
        "MEDIA_ROOT": str(media),
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "PYTHONPATH": str(ROOT),
    }


ROOT = Path(__file__).resolve().parent.parent


def _read(base: str, path: str) -> int:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # no answer at all: the worst outcome


DOWN_SECONDS = 12


@pytest.mark.django_db(transaction=True)
def test_postgresql_restarting_under_load(private_postgres, tmp_path):
    """Readers and a desk keep going while PostgreSQL stops for 12 s and starts again.

    Readers read the article (a page-cache hit after the first read) and search (a
    database query each time). 12 s is longer than the pool's wait for a connection
    (DATABASE_POOL_TIMEOUT, 10 s), so both failures show: connections broken by the
    shutdown, and no connection to be had. Errors come only while the server is down, as 503 with
    Retry-After; after it is back, gunicorn's workers and the desk process answer again
    without a restart (the pool replaces its broken connections); no save is half-written.
    """
    env = _app_env(private_postgres, tmp_path / "media")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    stop_desk = tmp_path / "stop"
    (tmp_path / "desk.py").write_text(DESK)
    desk = subprocess.Popen(
        [sys.executable, str(tmp_path / "desk.py"), str(stop_desk)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    ready = desk.stdout.readline()
    assert ready.startswith("READY "), desk.communicate()[1][-3000:]
    article_path = ready.split()[1]

    port = free_port()
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "newsroom.wsgi", "--config",
         "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if _read(base, article_path) == 200:
                break
            time.sleep(0.1)
        answers: list[tuple[float, float, str, int]] = []  # started, answered, kind, status
        finish = threading.Event()

        def reader(number: int) -> None:
            count = 0
            while not finish.is_set():
                count += 1
                for kind, path in (
                    ("article", article_path),
                    ("search", f"/search/?q=drill{number}x{count}"),
                ):
                    started = time.time()
                    status = _read(base, path)
                    answers.append((started, time.time(), kind, status))

        readers = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
        for thread in readers:
            thread.start()
        time.sleep(4)
        down_from = time.time()
        private_postgres.stop()
        time.sleep(DOWN_SECONDS)
        private_postgres.start()
        up_at = time.time()
        time.sleep(6)
        finish.set()
        for thread in readers:
            thread.join(60)
        stop_desk.touch()
        out, err = desk.communicate(timeout=60)
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        if desk.poll() is None:
            desk.kill()

    assert "DESK_JSON " in out, err[-3000:]
    report = json.loads(out.split("DESK_JSON ", 1)[1])
    # Before: answered before the stop began. A read in flight when it began counts as
    # during the outage (it may fail: its connection was cut).
    before = [status for _, end, _, status in answers if end < down_from]
    outage = [entry for entry in answers if entry[0] < up_at and entry[1] >= down_from]
    during = [(kind, status) for _, _, kind, status in outage]
    after = [(at, kind, status) for at, _, kind, status in answers if at >= up_at]
    errors_after = [
        (round(at - up_at, 2), kind, status) for at, kind, status in after if status != 200
    ]
    saves_after = [entry for entry in report["log"] if entry[0] >= up_at]
    print(
        f"PG restart drill: {len(answers)} reads; before {len(before)}: "
        f"{sorted(Counter(before).items())}; while down {len(during)}: "
        f"{sorted(Counter(during).items())}; after {len(after)}, errors {errors_after}; "
        f"desk saves {Counter(entry[3] for entry in report['log'])}; longest read while down "
        f"{max(end - at for at, end, _, _ in outage):.1f} s, "
        f"after {max(end - at for at, end, _, _ in answers if at >= up_at):.2f} s"
    )
    assert set(before) == {200}
    assert {status for _, status in during} <= {200, 503}  # never a 500, never no answer
    assert ("article", 200) in during  # the page cache answers without the database
    assert ("search", 503) in during  # the outage showed
    assert not errors_after  # recovered at once, without restarting gunicorn
    assert after and {kind for _, kind, _ in after} == {"article", "search"}
    assert saves_after and all(entry[3] == "ok" for entry in saves_after)  # the desk too
    # Nothing half-written: the headline, byline, tags and latest revision are one save's.
    number = int(report["headline"].split()[1])
    assert report["byline"] == [report["names"][number % 2]]
    assert report["tags"] == [f"round-{number % 3}"]
    assert report["revision_headline"] == report["headline"]
    assert report["revisions"] == sum(entry[3] == "ok" for entry in report["log"])
