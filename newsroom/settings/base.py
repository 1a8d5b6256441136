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
    "django_tasks_db",
    # Infrastructure (no models): the page cache, login security, the two-factor admin.
    "newsroom",
    "photos",
    "articles",
    "public",
    "narration",
    "newsletter",
    "comments",
    "live",
    "embeds",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy on every response (settings.PERMISSIONS_POLICY), cached or not.
    "newsroom.middleware.PermissionsPolicyMiddleware",
    # Static files, before anything that touches sessions or the database (WhiteNoise
    # answers /static/ itself; it passes through in dev and tests, serving nothing).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Addresses of a site that moved in (imports): 301 where we would answer 404, and
    # WordPress's /?p=<id> before the page cache answers it with the home page.
    "imports.middleware.LegacyRedirectMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "newsroom.middleware.AdminContentSecurityPolicyMiddleware",
    # Page-cache hits for readers with no session cookie, before sessions and users are
    # loaded (newsroom/pagecache.py); misses and everyone else go on to the page cache below.
    "newsroom.pagecache.EarlyPageCacheHitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff who must (or chose to) use two-factor authentication verify before the admin.
    "newsroom.security.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Anonymous public pages from the cache (newsroom/pagecache.py): after the user and
    # messages are known, inside the CSP/CSRF/session middleware that still run on a hit.
    "newsroom.pagecache.PublicPageCacheMiddleware",
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
                "newsroom.context_processors.site",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: page queries are short, and PostgreSQL compiled plans it costed high for
    # 1.4 s before running them in 0.1 s (make bench, article page at 100k articles).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: Redis when REDIS_URL is set (redis://host:6379/0), shared by every app
# process and server, so page caches, rate limits and the "also editing" notice agree
# across them; otherwise each process's own memory (dev, tests, a single process).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, reusing its client (newsroom/cache.py).
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A slow or gone Redis fails a cache call in seconds, not a whole request.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions in the shared cache, written through to the database: any process can
    # read them, and a Redis restart logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The anonymous page cache (newsroom/pagecache.py): public pages for readers without a login,
# kept at most PAGE_CACHE_SECONDS and dropped at once by any edit they show. Paths under
# these prefixes are never cached.
PAGE_CACHE_ENABLED = True
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_SECONDS = 600
# The domain's answer to "when does a page next change by itself?" (a scheduled article
# appears, an unpublish time passes): no stored page outlives that moment.
PAGE_CACHE_NEXT_CHANGE = "articles.querysets.next_visibility_change"
# ... and "what did the moments between two times change?": the keys to purge then.
PAGE_CACHE_DUE_CHANGES = "articles.cachekeys.due_changes"
# Rows of these models a page loads become its dependency keys ("articles.article:12"):
# saving one purges the pages that showed it, and only those (newsroom.pagecache).
PAGE_CACHE_TRACKED_MODELS = (
    "articles.Article",
    "articles.Section",
    "articles.Author",
    "photos.Photo",
    "taggit.Tag",
    "live.LiveUpdate",
)
# With a shared cache (REDIS_URL), each process also keeps the pages it served lately
# and answers them without a round trip while the generation it last read is younger
# than PAGE_CACHE_LOCAL_SECONDS: an edit made through another process shows there
# within that time (newsroom.pagecache.LocalCopies). At most PAGE_CACHE_LOCAL_BYTES a process.
PAGE_CACHE_LOCAL_SECONDS = (
    float(os.environ.get("PAGE_CACHE_LOCAL_SECONDS", "0.1")) if REDIS_URL else 0.0
)
PAGE_CACHE_LOCAL_BYTES = 32 * 1024 * 1024
# After an edit, readers may get the page as it was for at most this long while one
# request renders it again (no stampede on a hot page). Removals (an unpublish, a delete,
# a rejected comment) are never served stale.
PAGE_CACHE_STALE_SECONDS = float(os.environ.get("PAGE_CACHE_STALE_SECONDS", "2"))
# An edge cache in front (Varnish with deploy/varnish/newsroom.vcl, or a CDN): the header
# that carries each page's keys ("xkey" for Varnish, "Surrogate-Key" for Fastly, "Cache-Tag"
# for Cloudflare; empty: none), and the Varnish addresses purges are sent to
# (newsroom.edge; a CDN purger is configured as PAGE_CACHE_EDGE in a settings module).
PAGE_CACHE_KEY_HEADER = os.environ.get("PAGE_CACHE_KEY_HEADER", "")
PAGE_CACHE_EDGE = (
    {
        "BACKEND": "newsroom.edge.VarnishPurger",
        "OPTIONS": {"urls": env_list("PAGE_CACHE_EDGE_PURGE_URLS")},
    }
    if env_list("PAGE_CACHE_EDGE_PURGE_URLS")
    else None
)
# An open live page asks for new updates this often (seconds; live/static/live/follow.js).
LIVE_POLL_SECONDS = 20
# An open article form tells the server every this many seconds that its editor is still
# there (and whether they typed), and learns who else is (articles/admin/presence.py).
ARTICLE_PRESENCE_SECONDS = 15
# The query parameters public pages read (the page of a list, the search, the
# sitemap's page, a reply's form, the newest update a live page's reader has): each
# value is a page of its own. Any other parameter (utm_source, fbclid…) is answered
# from the page without it, never stored apart.
PAGE_CACHE_QUERY_PARAMETERS = frozenset({"page", "q", "p", "reply_to", "after"})
PAGE_CACHE_EXCLUDED_PREFIXES = (
    "/admin/",
    "/ckeditor/",
    "/preview/",  # signed links for one reader
    "/newsletter/",  # per-subscriber links and forms
    "/static/",
    "/media/",
)

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
# The public site's address, for absolute links in e-mail (a digest has no request to
# read the host from). No trailing slash.
NEWSROOM_BASE_URL = os.environ.get("NEWSROOM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Newsletter (double opt-in, newsletter/): how long a confirmation link works, sign-ups
# allowed per address and per client address in each window (counted in the cache),
# and how many digests go through one mail connection.
NEWSLETTER_CONFIRM_MAX_AGE = timedelta(days=3)
NEWSLETTER_RATE_LIMIT_WINDOW = timedelta(hours=1)
NEWSLETTER_RATE_LIMIT_PER_ADDRESS = 5
NEWSLETTER_RATE_LIMIT_PER_CLIENT = 20
NEWSLETTER_DIGEST_BATCH_SIZE = 100

# Comments (comments/): COMMENTS_ENABLED off closes them on every article (approved ones
# stay visible). COMMENTS_MODERATION "pre" holds new comments for an editor's approval,
# "post" publishes them at once and editors remove what breaks the rules. Limits per
# comment, and comments per client address (attempts) and per e-mail address (posted) in
# each window, counted in the cache. COMMENTS_NOTIFY_EMAILS get an e-mail per new comment.
COMMENTS_ENABLED = env_bool("COMMENTS_ENABLED", True)
COMMENTS_MODERATION = os.environ.get("COMMENTS_MODERATION", "pre").strip().lower()
if COMMENTS_MODERATION not in {"pre", "post"}:
    raise ValueError('COMMENTS_MODERATION must be "pre" or "post".')
COMMENTS_NOTIFY_EMAILS = env_list("COMMENTS_NOTIFY_EMAILS")
COMMENTS_MAX_LENGTH = 3000
COMMENTS_MAX_LINKS = 2
COMMENTS_RATE_LIMIT_WINDOW = 10 * 60  # seconds
COMMENTS_RATE_LIMIT_IP = 10
COMMENTS_RATE_LIMIT_EMAIL = 5
# urlize (links in comments): "www.example.org" links to https://, as Django 2028 will.
URLIZE_ASSUME_HTTPS = True

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
AXES_LOCKOUT_CALLABLE = "newsroom.security.lockout_response"
AXES_COOLOFF_MESSAGE = (
    f"Too many failed logins. Try again in {int(AXES_COOLOFF_TIME.total_seconds() // 60)} minutes."
)
# How many reverse proxies the newsroom runs in front of Django (nginx: 1). Login
# throttling, the newsletter's and the comments' limits read the client's address from
# X-Forwarded-For through exactly that many (newsroom.clients); 0 ignores the header,
# which any client can forge. AXES_PROXY_COUNT is the earlier name of the variable.
NEWSROOM_PROXY_COUNT = int(
    os.environ.get("NEWSROOM_PROXY_COUNT") or os.environ.get("AXES_PROXY_COUNT") or "0"
)
AXES_CLIENT_IP_CALLABLE = "newsroom.clients.client_address"

# Two-factor authentication (django-otp, TOTP apps). Open to every staff user; required
# for Editors and Administrators (whoever may publish) when this is on.
NEWSROOM_REQUIRE_2FA = env_bool("NEWSROOM_REQUIRE_2FA", False)
# Who "may publish" is the domain's rule (the roles); the login gate asks it through this.
NEWSROOM_TWO_FACTOR_REQUIRED = "articles.workflow.two_factor_required"
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
# looser policy (newsroom.middleware), still same-origin only.
ADMIN_CSP = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.SELF],
}
ADMIN_CSP_PATH_PREFIXES = ("/admin/", "/ckeditor/")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# Permissions-Policy (newsroom.middleware): browser features no page of ours uses are
# switched off for it and anything it embeds. Feature -> allowlist ("" = nobody).
PERMISSIONS_POLICY = {
    "accelerometer": "",
    "browsing-topics": "",
    "camera": "",
    "display-capture": "",
    "geolocation": "",
    "gyroscope": "",
    "magnetometer": "",
    "microphone": "",
    "payment": "",
    "usb": "",
}
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
            ["Image", "Table", "EmbedUrl"],
            ["RemoveFormat", "Source"],
        ],
        # The Embed button (static/ckeditor-plugins/embedurl): asks for a URL and inserts
        # it as its own paragraph; the server makes it an embed on save (embeds.bodies).
        "extraPlugins": "embedurl",
        "external_plugin_resources": [
            ("embedurl", f"{STATIC_URL}ckeditor-plugins/embedurl/", "plugin.js"),
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
            "figure(embed)[data-embed-url];"
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
# The article form's body: the writing screen's main column, taller than a live update's.
CKEDITOR_CONFIGS["article"] = {**CKEDITOR_CONFIGS["default"], "height": 680}
# ckeditor.W001: django-ckeditor bundles CKEditor 4.22.1, which has known unfixed
# issues. Mitigations: every body is sanitized on save by one nh3 allowlist
# (articles/sanitize.py) whatever sent it; the upload view accepts images only, is
# staff-only and validated like the photo library; public pages send a strict CSP
# with no inline script. See docs in README ("Rich text safety").
SILENCED_SYSTEM_CHECKS = ["ckeditor.W001"]

TAGGIT_CASE_INSENSITIVE = True

# Background work (Django's tasks framework): run at once unless TASKS_BACKEND says
# "database", where `manage.py db_worker` (django-tasks-db) runs queued tasks.
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[os.environ.get("TASKS_BACKEND", "immediate")],
    }
}

# Embeds (embeds.fetch): the providers' oEmbed endpoints (a provider without one, e.g.
# Telegram, gets no snapshot), the time one request may take and the most it may read.
EMBEDS_OEMBED_ENDPOINTS = {
    "youtube": "https://www.youtube.com/oembed",
    "vimeo": "https://vimeo.com/api/oembed.json",
    "x": "https://publish.twitter.com/oembed",
    "tiktok": "https://www.tiktok.com/oembed",
    "soundcloud": "https://soundcloud.com/oembed",
    "datawrapper": "https://api.datawrapper.de/v3/oembed",
    "flourish": "https://app.flourish.studio/api/v1/oembed",
}
EMBEDS_FETCH_TIMEOUT = 5  # seconds, to connect and for the whole answer
EMBEDS_MAX_BYTES = {"json": 256 * 1024, "image": 10 * 1024 * 1024}
# Thumbnails are fetched from URLs a provider gives: never from this network's own
# addresses (loopback, private, link-local) unless this says so (the tests' fake provider).
EMBEDS_ALLOW_PRIVATE_ADDRESSES = False
# Where embeds are used: (model, body field); the desk's "Used in" searches these bodies.
EMBEDS_USED_IN = (("articles.Article", "body"), ("live.LiveUpdate", "body"))

# Audio narration: the text-to-speech engine (a class with `synthesize(text) -> MP3 bytes`)
# and limits on uploaded audio.
NARRATION_BACKEND = os.environ.get("NARRATION_BACKEND", "narration.backends.EspeakNGBackend")
NARRATION_OPTIONS = {"voice": os.environ.get("NARRATION_VOICE", "en-us"), "words_per_minute": 165}
AUDIO_MAX_SECONDS = int(os.environ.get("AUDIO_MAX_SECONDS", 3 * 60 * 60))

# "warning" or "WARNING" (gunicorn.conf.py reads the same variable, in lower case).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {
            "handlers": ["console"],
            "level": LOG_LEVEL,
            "propagate": False,
        },
        "django.db.backends": {"level": "INFO"},
    },
}
