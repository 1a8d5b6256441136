"""Settings shared by every environment; secrets and hosts come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    """Return an environment variable read as a boolean ("1", "true", "yes", "on")."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # full-text search on PostgreSQL; inert on SQLite
    "django.contrib.sitemaps",
    "taggit",
    "reversion",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ckeditor",
    "ckeditor_uploader",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "articles.middleware.AdminContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff who must (or chose to) use two-factor authentication verify before the admin.
    "articles.security.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into its answer.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out username or address before the
# password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"
ASGI_APPLICATION = "newsroom.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Kyiv")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

LOGIN_URL = "admin:login"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")

# Site identity, used in page titles, the footer and (later) structured data.
NEWSROOM_NAME = os.environ.get("NEWSROOM_NAME", "The Newsroom")
NEWSROOM_TAGLINE = os.environ.get("NEWSROOM_TAGLINE", "Independent news, checked and credited.")
ARTICLES_PER_PAGE = 12

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username,
# or from one address (each counted on its own), logging in is refused for
# AXES_COOLOFF_MINUTES; the pause ends by itself. Administrators lift it sooner in the
# admin (Axes › Access attempts: delete the row) or with `manage.py axes_reset_username
# NAME` / `axes_reset_ip ADDRESS` / `axes_reset`.
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A lockout lasts AXES_COOLOFF_TIME from the last counted failure; more tries while
# locked out do not make it longer, so the page's "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "articles.security.lockout_response"
AXES_COOLOFF_MESSAGE = (
    f"Too many failed logins. Try again in {int(AXES_COOLOFF_TIME.total_seconds() // 60)} minutes."
)
# Behind a reverse proxy, set AXES_PROXY_COUNT to the number of proxies in front of Django
# so the client's address is read from X-Forwarded-For (else every login shares one IP).
if os.environ.get("AXES_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["AXES_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Two-factor authentication (django-otp, TOTP apps). Open to every staff user; required
# for Editors and Administrators (whoever may publish) when this is on.
NEWSROOM_REQUIRE_2FA = env_bool("NEWSROOM_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = NEWSROOM_NAME
# Administrators manage devices in the admin but never see someone's secret key or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Photo library limits: refused with a message at the field, never a 500.
PHOTO_MAX_UPLOAD_BYTES = int(os.environ.get("PHOTO_MAX_UPLOAD_BYTES", 40 * 1024 * 1024))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", 60_000_000))
AUDIO_MAX_UPLOAD_BYTES = int(os.environ.get("AUDIO_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Content-Security-Policy (Django's built-in CSP). Public pages: no inline script,
# nothing loaded from another host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The admin runs CKEditor 4, which needs inline handlers and styles; it gets this
# looser policy (articles.middleware), still same-origin only.
ADMIN_CSP = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.SELF],
}
ADMIN_CSP_PATH_PREFIXES = ("/admin/", "/ckeditor/")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"

# Rich text: django-ckeditor (CKEditor 4). Its output is sanitized on save by the
# one nh3 allowlist in articles/sanitize.py, so the toolbar below only offers what
# that allowlist keeps: what the editor shows is what the page shows.
CKEDITOR_UPLOAD_PATH = "uploads/"
CKEDITOR_ALLOW_NONIMAGE_FILES = False
CKEDITOR_IMAGE_BACKEND = "ckeditor_uploader.backends.PillowBackend"
CKEDITOR_RESTRICT_BY_USER = False
CKEDITOR_BROWSE_SHOW_DIRS = False
CKEDITOR_CONFIGS = {
    "default": {
        "versionCheck": False,
        "toolbar": "newsroom",
        "toolbar_newsroom": [
            ["Format"],
            ["Bold", "Italic"],
            ["NumberedList", "BulletedList", "Blockquote"],
            ["Link", "Unlink"],
            ["Image", "Table"],
            ["RemoveFormat", "Source"],
        ],
        "format_tags": "p;h2;h3;h4",
        "height": 420,
        "width": "100%",
        "removePlugins": "exportpdf",
        # Pasted or dropped images go through the same validated upload as the image
        # dialog, so they become library photos too (the path of newsroom/urls.py).
        "uploadUrl": "/ckeditor/upload/?responseType=json",
        "clipboard_handleImages": False,  # the uploadimage plugin handles pasted images
        "disableNativeSpellChecker": False,
        # Keep CKEditor's own filter in step with articles/sanitize.py.
        "allowedContent": (
            "p h2 h3 h4 strong em b i u s sub sup br hr cite code pre ul ol li dl dt dd "
            "figure figcaption table caption thead tbody tfoot tr;"
            "blockquote q[cite];"
            "abbr[title];"
            "time[datetime];"
            "a[!href,title];"
            "img[!src,alt,width,height,title];"
            "th[colspan,rowspan,scope];"
            "td[colspan,rowspan]"
        ),
        "image_prefillDimensions": False,
        "linkShowAdvancedTab": False,
        "linkShowTargetTab": False,
        "image2_disableResizer": True,
        "tabSpaces": 4,
    },
}
# ckeditor.W001: django-ckeditor bundles CKEditor 4.22.1, which has known unfixed
# issues. Mitigations: every body is sanitized on save by one nh3 allowlist
# (articles/sanitize.py) whatever sent it; the upload view accepts images only, is
# staff-only and validated like the photo library; public pages send a strict CSP
# with no inline script. See docs in README ("Rich text safety").
SILENCED_SYSTEM_CHECKS = ["ckeditor.W001"]

TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {
            "handlers": ["console"],
            "level": os.environ.get("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "django.db.backends": {"level": "INFO"},
    },
}
