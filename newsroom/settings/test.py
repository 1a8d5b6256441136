"""Test settings: fast hashing, media in a temporary folder, no real e-mail."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="newsroom-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# django-axes needs the request to authenticate, which Client.login() does not pass;
# tests of login throttling turn it on with override_settings(AXES_ENABLED=True).
AXES_ENABLED = False
# Each process's own memory, whatever REDIS_URL says: tests empty the cache before each
# test (tests/conftest.py), which must never flush a shared Redis. The page cache stays on.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
PAGE_CACHE_ENABLED = True
# No per-process copies in front of the cache: tests empty the cache between them.
PAGE_CACHE_LOCAL_SECONDS = 0
# Embed snapshots never reach a real provider from the tests: every oEmbed endpoint is
# a closed local port (tests that fetch point them at a fake provider of their own).
EMBEDS_OEMBED_ENDPOINTS = dict.fromkeys(EMBEDS_OEMBED_ENDPOINTS, "http://127.0.0.1:9/oembed")  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A test database in a file (in memory-backed /dev/shm where there is one), not
    # SQLite's shared in-memory database: the browser tests' live server then has its own
    # connections, and SQLite's locks (waiting up to 20 s) order its requests, the
    # beacons of closed pages and the tests' own queries, as in production.
    _shm = Path("/dev/shm")
    _test_db_dir = tempfile.mkdtemp(prefix="newsroom-test-db-", dir=_shm if _shm.is_dir() else None)
    DATABASES["default"]["TEST"] = {"NAME": str(Path(_test_db_dir) / "test.sqlite3")}  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA synchronous=OFF;",
    }
