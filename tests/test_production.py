"""The production configuration: services from the environment, static files, media storage.

Settings are read once, at import, so each configuration is loaded in a fresh Python
with a cleaned environment. Media behaviour is tested in this process with a storage
that has no filesystem path (S3 mocked by moto, and Django's InMemoryStorage).
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from moto import mock_aws

from photos import images, services
from photos.models import Photo
from tests.factories import ArticleFactory, PhotoFactory, UserFactory, image_bytes
from tests.test_settings import assert_deploy_check_clean

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET = "k3!" + "a1B2c3D4e5F6g7H8" * 3
BUCKET = "newsroom-media"
CK_TOKEN = "c" * 20 + "D" * 20


def prod_env(**env: str) -> dict[str, str]:
    """Return a minimal environment for the prod settings, plus ``env``."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.prod",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "news.example.org",
        **env,
    }


def run_python(code: str, env: dict[str, str], timeout: int = 60) -> dict:
    """Run ``code`` (which prints one JSON object last) in a fresh Python; return that object."""
    prelude = "import json, django; from django.conf import settings; django.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


# ------------------------------------------------------------------ deploy checks


def test_deploy_check_is_clean_with_every_service_configured():
    """check --deploy says nothing when PostgreSQL, Redis and S3 are all configured."""
    env = prod_env(
        DATABASE_URL="postgres://newsroom@db.internal:5432/newsroom",
        REDIS_URL="redis://cache.internal:6379/0",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_REGION_NAME="eu-central-1",
    )
    assert_deploy_check_clean(env)


def test_make_serve_refuses_to_start_without_its_secrets():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    # -o: take the venv as installed; only serve's own check runs.
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "serve", "PORT=8099"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "needs: DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS" in result.stderr
    assert "collectstatic" not in result.stdout  # stopped before doing anything


# ------------------------------------------------------------------ database


PRINT_DATABASE = (
    "db = settings.DATABASES['default']\n"
    "print(json.dumps({'conn_max_age': db['CONN_MAX_AGE'], "
    "'pool': db.get('OPTIONS', {}).get('pool')}))"
)


def test_prod_pools_postgresql_connections_with_sizes_from_the_environment():
    db = run_python(
        PRINT_DATABASE,
        prod_env(
            DATABASE_URL="postgres://u@h:5432/db",
            DATABASE_CONN_MAX_AGE="60",
            DATABASE_POOL_MAX_SIZE="8",
        ),
    )
    assert db["pool"] == {"min_size": 1, "max_size": 8, "timeout": 2.0, "reconnect_timeout": 5.0}
    assert db["conn_max_age"] == 0  # Django refuses a pool with persistent connections


def test_the_pool_can_be_turned_off_for_a_pgbouncer_in_front():
    db = run_python(
        PRINT_DATABASE,
        prod_env(
            DATABASE_URL="postgres://u@h:5432/db", DATABASE_POOL="false", DATABASE_CONN_MAX_AGE="60"
        ),
    )
    assert db == {"conn_max_age": 60, "pool": None}


def test_sqlite_gets_no_pool():
    assert run_python(PRINT_DATABASE, prod_env())["pool"] is None


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL)",
)
def test_the_pool_serves_queries_on_postgresql():
    """Request after request reuses the pool's few server connections instead of new ones."""
    code = (
        "from django.db import connection\n"
        "pids = []\n"
        "for _ in range(6):\n"
        "    with connection.cursor() as c:\n"
        "        c.execute('SELECT pg_backend_pid()'); pids.append(c.fetchone()[0])\n"
        "    connection.close()  # end of a request: back to the pool\n"
        "print(json.dumps({'pool': connection.pool is not None, 'servers': len(set(pids))}))"
    )
    # The server's maintenance database: DATABASE_URL's own may not exist (tests use test_*).
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    out = run_python(code, prod_env(DATABASE_URL=url, DATABASE_POOL_MAX_SIZE="2"))
    assert out["pool"] is True
    assert out["servers"] <= 2  # without the pool: 6 connections, one per request


# ------------------------------------------------------------------ cache and sessions


PRINT_CACHE = (
    "print(json.dumps({'cache': settings.CACHES['default']['BACKEND'], "
    "'session': settings.SESSION_ENGINE}))"
)


def test_redis_url_gives_a_shared_cache_and_sessions_in_it():
    out = run_python(PRINT_CACHE, prod_env(REDIS_URL="redis://127.0.0.1:6379/3"))
    assert out == {
        "cache": "newsroom.cache.RedisCache",
        "session": "django.contrib.sessions.backends.cached_db",
    }


def test_without_redis_each_process_has_its_own_memory_cache_and_database_sessions():
    out = run_python(PRINT_CACHE, prod_env())
    assert out == {
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "session": "django.contrib.sessions.backends.db",
    }


@pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379")
def test_two_processes_share_the_cache_through_redis():
    """What one app process writes (a page-cache generation, a session) the other reads."""
    env = prod_env(REDIS_URL="redis://127.0.0.1:6379/15")
    writer = (
        "from django.core.cache import cache\n"
        "from django.contrib.sessions.backends.cache import KEY_PREFIX\n"
        "cache.set('test-production:generation', 42, 60)\n"
        "cache.set(KEY_PREFIX + 'test-production-session', {'_auth_user_id': '7'}, 60)\n"
        "print(json.dumps({'pid': __import__('os').getpid()}))"
    )
    reader = (
        "from django.core.cache import cache\n"
        "from django.contrib.sessions.backends.cache import KEY_PREFIX\n"
        "session = cache.get(KEY_PREFIX + 'test-production-session')\n"
        "print(json.dumps({'pid': __import__('os').getpid(), "
        "'generation': cache.get('test-production:generation'), 'session': session}))\n"
        "cache.delete_many(['test-production:generation', "
        "KEY_PREFIX + 'test-production-session'])"
    )
    first = run_python(writer, env)
    second = run_python(reader, env)
    assert first["pid"] != second["pid"]
    assert second["generation"] == 42
    assert second["session"] == {"_auth_user_id": "7"}


# ------------------------------------------------------------------ media storage


PRINT_STORAGE = (
    "from django.core.files.storage import storages\n"
    "storage = storages['default']\n"
    "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'], "
    "'class': type(storage).__name__, "
    "'media_url': settings.MEDIA_URL, 'url': storage.url('photos/2026/a b.jpg'), "
    "'img_src': settings.SECURE_CSP['img-src'], "
    "'admin_img_src': settings.ADMIN_CSP['img-src']}))"
)


@pytest.mark.parametrize(
    ("env", "media_url"),
    [
        (
            {"AWS_S3_REGION_NAME": "eu-central-1"},
            f"https://{BUCKET}.s3.eu-central-1.amazonaws.com/",
        ),
        (
            {"AWS_S3_ENDPOINT_URL": "https://minio.internal:9000/"},
            f"https://minio.internal:9000/{BUCKET}/",
        ),
        (
            {"AWS_S3_CUSTOM_DOMAIN": "media.news.example.org", "AWS_LOCATION": "newsroom"},
            "https://media.news.example.org/newsroom/",
        ),
    ],
    ids=["aws", "endpoint", "custom-domain"],
)
def test_a_bucket_puts_media_on_s3_at_media_url(env, media_url):
    """MEDIA_URL is the prefix of every stored file's URL, and pages may load from it."""
    out = run_python(
        PRINT_STORAGE,
        prod_env(AWS_STORAGE_BUCKET_NAME=BUCKET, AWS_ACCESS_KEY_ID="k", **env),
    )
    assert out["backend"] == "storages.backends.s3.S3Storage"
    assert out["class"] == "S3Storage"
    assert out["media_url"] == media_url
    assert out["url"] == media_url + "photos/2026/a%20b.jpg"  # plain, unsigned
    origin = media_url.split("/", 3)[:3]
    assert "/".join(origin) in out["img_src"]
    assert "/".join(origin) in out["admin_img_src"]


def test_without_a_bucket_media_stay_on_disk_and_same_origin():
    out = run_python(PRINT_STORAGE, prod_env())
    assert out["class"] == "FileSystemStorage"
    assert out["url"] == "/media/photos/2026/a%20b.jpg"
    assert out["img_src"] == ["'self'", "data:"]


@pytest.fixture
def s3(settings, monkeypatch):
    """Store media in a (mocked) S3 bucket, configured like the prod settings do."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        settings.MEDIA_URL = f"https://{BUCKET}.s3.amazonaws.com/"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "addressing_style": "virtual",
                    "querystring_auth": False,
                    "file_overwrite": False,
                },
            },
        }
        yield default_storage


def bucket_keys() -> set[str]:
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listed.get("Contents", [])}


def ck_upload(client, name: str, content: bytes):
    client.cookies["ckCsrfToken"] = CK_TOKEN
    data = {"upload": ContentFile(content, name=name), "ckCsrfToken": CK_TOKEN}
    url = reverse("ckeditor_upload") + "?responseType=json"
    return client.post(url, data, HTTP_SEC_FETCH_SITE="same-origin")  # as a browser says


@pytest.mark.django_db
def test_photos_renditions_and_audio_live_in_the_bucket_and_pages_link_there(
    s3, client, django_capture_on_commit_callbacks
):
    """Upload through CKEditor, build renditions, show the page, delete: all on S3."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        answer = ck_upload(client, "kyiv.jpg", image_bytes(900, 600)).json()
        lead = PhotoFactory(image=ContentFile(image_bytes(900, 600), name="lead.jpg"))
    assert answer["uploaded"] == 1, answer
    inline = Photo.objects.exclude(pk=lead.pk).get()
    assert answer["url"] == s3.url(inline.image.name)
    assert answer["url"].startswith(f"https://{BUCKET}.s3.amazonaws.com/")

    stored = bucket_keys()
    for photo in (inline, lead):
        assert photo.image.name in stored
        assert images.rendition_files(photo), "renditions were built"
        assert images.rendition_names(photo.renditions) <= stored

    body = f'<p>Before.</p><p><img src="{answer["url"]}" alt="x"></p>'
    article = ArticleFactory(body=body, lead_photo=lead)
    assert services.body_image_names(article.body) == [inline.image.name]
    article.audio.save("story.mp3", ContentFile(b"ID3" + b"\0" * 64), save=True)
    assert article.audio.name in bucket_keys()

    page = client.get(article.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert s3.url(article.audio.name) in html
    rendition_urls = [s3.url(name) for name in images.rendition_names(lead.renditions)]
    assert any(url in html for url in rendition_urls)
    assert "/media/" not in html  # nothing points at a filesystem path

    browse = client.get(reverse("ckeditor_browse"), {"CKEditorFuncNum": "1"})
    assert browse.status_code == 200
    assert f"https://{BUCKET}.s3.amazonaws.com/" in browse.content.decode()

    names = {inline.image.name, *images.rendition_names(inline.renditions)}
    with django_capture_on_commit_callbacks(execute=True):
        inline.delete()
    assert not names & bucket_keys()


@pytest.mark.django_db
def test_ckeditor_upload_and_browse_work_on_a_storage_without_paths(settings, admin_client):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    answer = ck_upload(admin_client, "street.png", image_bytes(800, 600, fmt="PNG")).json()
    photo = Photo.objects.get()

    assert answer["uploaded"] == 1, answer
    assert default_storage.exists(photo.image.name)
    browse = admin_client.get(reverse("ckeditor_browse"))
    assert browse.status_code == 200
    assert photo.alt_text in browse.content.decode() or photo.image.url in browse.content.decode()


# ------------------------------------------------------------------ static files


def test_whitenoise_serves_hashed_compressed_static_files_cached_for_a_year(tmp_path):
    """collectstatic's hashed names are what pages link to, and they are cached long."""
    code = f"""
settings.STATIC_ROOT = {str(tmp_path)!r}
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
call_command("collectstatic", "--noinput", "--verbosity", "0",
             "--ignore", "ckeditor", "--ignore", "admin")
client = Client()
hashed = static("css/site.css")
served = client.get(hashed, secure=True, HTTP_ACCEPT_ENCODING="gzip")
plain = client.get("/static/css/site.css", secure=True)
print(json.dumps({{
    "hashed": hashed, "status": served.status_code,
    "cache": served.headers.get("Cache-Control"),
    "encoding": served.headers.get("Content-Encoding"),
    "plain_status": plain.status_code, "plain_cache": plain.headers.get("Cache-Control"),
}}))
"""
    out = run_python(code, prod_env(), timeout=120)
    assert out["hashed"].startswith("/static/css/site.")
    assert out["hashed"] != "/static/css/site.css"
    assert out["status"] == 200
    assert "max-age=315360000" in out["cache"]
    assert "immutable" in out["cache"]
    assert out["encoding"] == "gzip"
    # An unhashed name may change at the next deploy: a short cache only.
    assert out["plain_status"] == 200
    assert out["plain_cache"] == "max-age=60, public"


def test_gunicorn_workers_freeze_long_lived_objects_out_of_the_collector(monkeypatch):
    import gc
    import importlib.util
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("gunicorn_conf", BASE_DIR / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append("freeze"))

    conf.post_worker_init(SimpleNamespace(nr=0))
    assert frozen == ["freeze"]  # once the app is loaded
    for nr in range(1, conf.GC_FREEZE_AFTER_REQUESTS + 50):
        conf.post_request(SimpleNamespace(nr=nr), None, {}, None)
    assert frozen == ["freeze", "freeze"]  # and once after the first requests, only once
