"""Production settings: refuses to start without its secrets.

Everything a second app server needs to share with the first comes from the
environment: PostgreSQL (``DATABASE_URL``), the cache and sessions (``REDIS_URL``,
see base.py), media on S3-compatible storage (``AWS_STORAGE_BUCKET_NAME``). Static
files are served by WhiteNoise from ``collectstatic``'s output, under hashed names.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ADMIN_CSP, DATABASES, LOGGING, SECURE_CSP, env_bool, env_list

DEBUG = False

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random string of at least 32 characters "
        "in production (see .env.example)."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must list the site's host names, comma-separated (see .env.example)."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# HTTPS: on by default; set DJANGO_SECURE_SSL_REDIRECT=false when a proxy in
# front already redirects, and DJANGO_SECURE_PROXY_SSL_HEADER=true when that
# proxy sets X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
# No page of ours is framed by another page, ours included; CKEditor's upload and
# browse views opt back in with xframe_options_sameorigin.
X_FRAME_OPTIONS = "DENY"
# HSTS preload is a commitment to browser vendors, so it is opt-in; without it the
# deploy check would warn (security.W021) on every run.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# PostgreSQL: Django's own psycopg 3 connection pool, one per app process. A pooled
# connection is handed back after each request instead of being closed, so
# CONN_MAX_AGE must be 0 (Django refuses both). Prod only: the test settings keep
# plain connections, because pytest-django creates and drops the test database while
# a pool would still hold connections to it. DATABASE_POOL=false turns it off, for
# a server behind PgBouncer in transaction mode (which pools already).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_POOL", True
):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "1")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "4")),
        # Seconds a request waits for a connection before failing (503, newsroom.errors).
        # A sync worker needs one connection at a time, so it waits only while one is
        # being opened: milliseconds, unless PostgreSQL is unreachable; then a short wait
        # frees the worker for readers the page cache can answer (tests/test_drills.py).
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "2")),
        # Seconds the pool retries a lost connection with backoff (1, 2, 4… s) before
        # giving up; the next request then opens one at once. psycopg's 300 s default
        # meant a minute or more of errors after PostgreSQL came back from a long outage.
        "reconnect_timeout": float(os.environ.get("DATABASE_POOL_RECONNECT_TIMEOUT", "5")),
    }

# Media (photos, renditions, audio, editor uploads). With AWS_STORAGE_BUCKET_NAME set
# they live on S3-compatible storage, so every app server sees the same files; the
# access keys come from boto3's usual variables (AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY) or the machine's role. Without it: MEDIA_ROOT on disk,
# served by the proxy. Code reaches files through the storage API only.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "").rstrip("/")
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME", "")
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN", "").strip("/")
    AWS_LOCATION = os.environ.get("AWS_LOCATION", "").strip("/")
    prefix = f"{AWS_LOCATION}/" if AWS_LOCATION else ""
    # MEDIA_URL must be the prefix of every stored file's URL: the body sanitizer keeps
    # only images under it, and the services read a file's name back from it.
    if AWS_S3_CUSTOM_DOMAIN:
        MEDIA_URL = f"https://{AWS_S3_CUSTOM_DOMAIN}/{prefix}"
        addressing_style = None
    elif AWS_S3_ENDPOINT_URL:  # MinIO, Ceph, Garage...: https://endpoint/bucket/key
        MEDIA_URL = f"{AWS_S3_ENDPOINT_URL}/{AWS_STORAGE_BUCKET_NAME}/{prefix}"
        addressing_style = "path"
    else:  # AWS itself: https://bucket.s3.region.amazonaws.com/key
        region = f".{AWS_S3_REGION_NAME}" if AWS_S3_REGION_NAME else ""
        MEDIA_URL = f"https://{AWS_STORAGE_BUCKET_NAME}.s3{region}.amazonaws.com/{prefix}"
        addressing_style = "virtual"
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL or None,
            "region_name": AWS_S3_REGION_NAME or None,
            "custom_domain": AWS_S3_CUSTOM_DOMAIN or None,
            "location": AWS_LOCATION,
            "addressing_style": addressing_style,
            # Published photos are public: plain URLs, no expiring signatures (which
            # would also break the image URLs stored in article bodies).
            "querystring_auth": False,
            # Like the filesystem: a second "photo.jpg" gets a new name instead of
            # replacing the first one's file.
            "file_overwrite": False,
            # Empty: the bucket's policy decides (buckets with ACLs disabled refuse
            # any ACL); "public-read" for stores that need it per object.
            "default_acl": os.environ.get("AWS_DEFAULT_ACL") or None,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
        },
    }
    # Public pages load images and audio from the media host, and nothing else.
    media_origin = "{0.scheme}://{0.netloc}".format(urlsplit(MEDIA_URL))
    SECURE_CSP = {
        **SECURE_CSP,
        "img-src": [*SECURE_CSP["img-src"], media_origin],
        "media-src": [*SECURE_CSP["media-src"], media_origin],
    }
    ADMIN_CSP = {
        **ADMIN_CSP,
        "img-src": [*ADMIN_CSP["img-src"], media_origin],
        "media-src": [*ADMIN_CSP["media-src"], media_origin],
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# Static files: WhiteNoise serves collectstatic's output with compressed copies (gzip,
# and Brotli when installed) and content-hashed names, cached for a year as immutable.
# Dev and test keep Django's plain storage, so they need no collectstatic.
STORAGES = {
    "default": default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# CKEditor 4 loads its plugins, skins and language files by their plain names at run
# time, so those must stay reachable unhashed; collectstatic keeps both names and
# WhiteNoise serves both. A {% static %} name missing from the manifest is an error.
WHITENOISE_MANIFEST_STRICT = True

MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "use_ssl": env_bool("EMAIL_USE_SSL", False),
            # A stuck mail server must not hold a reader's sign-up request for minutes.
            "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Links in e-mail (newsletter): the first allowed host over HTTPS unless set.
NEWSROOM_BASE_URL = (
    os.environ.get("NEWSROOM_BASE_URL") or f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
).rstrip("/")
# Addresses that get an e-mail for each server error (500), comma-separated. Optional:
# the error is logged to stdout either way.
ADMINS = env_list("DJANGO_ADMINS")

# Logs go to stdout, one line each, for the process manager or container to collect.
LOGGING = {
    **LOGGING,
    "formatters": {
        "line": {"format": "{asctime} {levelname} {name} {process} {message}", "style": "{"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "loggers": {
        **LOGGING["loggers"],
        "django.request": {
            "handlers": ["mail_admins"] if ADMINS else [],
            "propagate": True,
        },
    },
}
