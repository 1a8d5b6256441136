"""The busy desk of the benchmark: editors at work on the site while readers read.

Run by bench/run.py as ``python -m bench.desk KIND RATE SECONDS [--base URL]`` under the
server's settings (the same database and Redis). It prints ``DESK_READY`` once set up
(the runner starts the readers then), and one JSON line at the end:
``DESK_JSON {...}``.

- ``draft``: RATE saves a second of drafts (nothing public changes).
- ``published``: RATE saves a second of published articles among the newest 500 (the
  stories an editor updates during breaking news).

  Each save goes through ``Article.save()`` as the admin's does, so the page cache's
  purges run as in production. ``{"saves": N, "seconds": S}``.
- ``autosave``: RATE editors (staff users in the "Editor" role, ``bench-editor-NN``, logged
  in by a session made here) each have one of the newest published articles open in the
  admin: the change form is requested once (its fields and the CSRF cookie), then the
  whole form is posted to the article's autosave URL every ``--every`` seconds (10, as
  the form's script does while someone types), a few more words typed in the body each
  time, the editors staggered over the interval. Over HTTP through the server at
  ``--base``, with ``http.client``. An autosave keeps an ``UnsavedEdit`` and must change
  nothing public: the JSON counts the autosaves (ok, failed, median and p99 latency), the
  page-cache purges meanwhile (``purges``: the generation every purge raises;
  ``purged_keys``: the purge times noted per key, ``newsroom.pagecache.PURGED_PREFIX``;
  None when the cache is not shared with the server), and the articles changed (a
  ``version`` or ``updated_at`` that moved, anywhere in the table).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import statistics
import sys
import threading
import time
from html.parser import HTMLParser
from importlib import import_module
from urllib.parse import urlencode, urlsplit

import django
from django.apps import apps

# Run as ``python -m bench.desk``, this module is the entry point: Django is set up here,
# before the imports below that need the app registry (models).
if not apps.ready:
    django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db.models import Count, Max, Sum
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import roles
from articles.models import Article, UnsavedEdit
from newsroom import pagecache

NEWEST_PUBLISHED = 500
# The stories an autosaving editor has open: among the newest published (the most read).
NEWEST_AUTOSAVED = 50
AUTOSAVE_EVERY = 10.0
EDITOR_USERNAME = "bench-editor-{:02d}"
TYPED = (
    "officials said the convoy reached the border before dawn and that talks would resume "
    "on Monday while aid agencies warned of shortages in the east"
)


def candidates(kind: str) -> list[int]:
    """Return the ids of the articles this editor saves."""
    if kind == "draft":
        ids = Article.objects.exclude(status=Article.Status.PUBLISHED).values_list("pk", flat=True)
        return list(ids[:NEWEST_PUBLISHED])
    newest = Article.objects.published().order_by("-published_at", "-id")
    return list(newest.values_list("pk", flat=True)[:NEWEST_PUBLISHED])


def run(kind: str, rate: float, seconds: float, ready=None) -> dict:
    """Save one of the candidates every 1/rate seconds for ``seconds``; return the count."""
    pool = candidates(kind)
    if not pool:
        raise SystemExit(f"no {kind} articles to save")
    rng = random.Random(7)
    if ready is not None:
        ready()
    saves, started = 0, time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        due = saves / rate
        if elapsed < due:
            time.sleep(due - elapsed)
            continue
        article = Article.objects.get(pk=rng.choice(pool))
        article.dek = f"{article.dek.split(' [desk ')[0]} [desk {saves}]"
        article.save()
        saves += 1
    return {"saves": saves, "seconds": round(time.monotonic() - started, 2)}


# Autosave: editors in the admin over HTTP ----------------------------------------------


def editors(count: int) -> list:
    """Return ``count`` staff users in the Editor role (made once, reused afterwards)."""
    group = Group.objects.filter(name=roles.EDITOR).first()
    if group is None:  # the data migration's groups were flushed (a transactional test)
        roles.sync_roles()
        group = Group.objects.get(name=roles.EDITOR)
    users = []
    for number in range(1, count + 1):
        user, created = get_user_model().objects.get_or_create(
            username=EDITOR_USERNAME.format(number),
            defaults={"is_staff": True, "first_name": "Desk", "last_name": f"Editor {number}"},
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(group)
        users.append(user)
    return users


def log_in(user) -> str:
    """Return the key of a new session of ``user``, as a login with its second factor makes.

    The session carries a confirmed TOTP device, so the admin counts it as verified when
    the newsroom requires two-factor authentication (``NEWSROOM_REQUIRE_2FA``).
    """
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench desk", defaults={"confirmed": True}
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key


class FormFields(HTMLParser):
    """The pairs a browser would submit from the admin's ``<form id="article_form">``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.in_form = False
        self.textarea: tuple[str, list[str]] | None = None
        # The open <select>: name, multiple, options [(value, selected)], in an <option>.
        self.select: tuple[str, bool, list[list]] | None = None
        self.option: list | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attr = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form" and attr.get("id") == "article_form":
            self.in_form = True
        if not self.in_form or "disabled" in attr:
            return
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            self.pairs.append((name, attr.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select = (name, "multiple" in attr, [])
        elif tag == "option" and self.select is not None:
            self.option = [attr.get("value"), "selected" in attr, []]
            self.select[2].append(self.option)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.option is not None:
            self.option[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.textarea[1])
            # A newline right after <textarea> is not part of the value.
            self.pairs.append((self.textarea[0], text.removeprefix("\n")))
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            name, multiple, options = self.select
            values = [o[0] if o[0] is not None else "".join(o[2]).strip() for o in options]
            chosen = [v for v, o in zip(values, options, strict=True) if o[1]]
            if not chosen and not multiple and values:
                chosen = values[:1]  # a single select submits its first option
            if not multiple:
                chosen = chosen[-1:]
            self.pairs += [(name, value) for value in chosen]
            self.select = None


def form_fields(html: str) -> list[tuple[str, str]]:
    parser = FormFields()
    parser.feed(html)
    parser.close()
    return parser.pairs


class AutosavingEditor:
    """One editor with an article's change form open, autosaving it over HTTP."""

    def __init__(self, base: str, user, article_id: int, session_key: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.user, self.article_id = user, article_id
        self.cookies = {settings.SESSION_COOKIE_NAME: session_key}
        self.form_path = reverse("admin:articles_article_change", args=(article_id,))
        self.autosave_path = reverse("admin:articles_article_autosave", args=(article_id,))
        self.fields: list[tuple[str, str]] = []
        self.latencies: list[float] = []
        self.failures: dict[str, int] = {}
        self.first_failure = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        """Return (status, text) of one request (a connection each: gunicorn closes it)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            connection.request(method, path, body, {"Cookie": cookie, **(headers or {})})
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def open_form(self) -> None:
        """GET the change form: its fields, the CSRF cookie and token."""
        status, html = self.request("GET", self.form_path)
        if status != 200:
            raise RuntimeError(f"{self.user.username}: the change form answered {status}")
        self.fields = form_fields(html)
        names = {name for name, _ in self.fields}
        if not {"headline", "body", "csrfmiddlewaretoken"} <= names:
            raise RuntimeError(f"{self.user.username}: no article form in {self.form_path}")
        self.token = dict(self.fields)["csrfmiddlewaretoken"]

    def autosave(self, count: int) -> None:
        """Post the form with ``count`` rounds of typing more in the body; note the outcome."""
        words = TYPED.split()
        typed = " ".join(words[i % len(words)] for i in range(3 * count))
        pairs = [
            (name, f"{value}<p>{typed}</p>" if name == "body" else value)
            for name, value in self.fields
        ]
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.token,
            "X-Requested-With": "XMLHttpRequest",
        }
        started = time.perf_counter()
        try:
            status, text = self.request(
                "POST", self.autosave_path, urlencode(pairs).encode(), headers
            )
            ok = status == 200 and "saved_at" in json.loads(text)
            problem = f"{status} {text[:200]}"
        except (OSError, http.client.HTTPException, ValueError) as error:
            ok, status, problem = False, type(error).__name__, repr(error)
        if ok:
            self.latencies.append((time.perf_counter() - started) * 1000)
            return
        self.failures[str(status)] = self.failures.get(str(status), 0) + 1
        self.first_failure = self.first_failure or f"{self.autosave_path}: {problem}"

    def work(self, offset: float, every: float, until: float) -> None:
        """Autosave every ``every`` seconds from ``offset`` seconds on, until ``until``."""
        due = time.monotonic() + offset
        count = 0
        while due < until:
            time.sleep(max(0.0, due - time.monotonic()))
            count += 1
            self.autosave(count)
            due += every


def purge_marks(server_in_process: bool = False) -> dict[str, float] | None:
    """Return every key's last purge time noted in the page cache, or None if unreadable.

    Readable in a cache the server shares (Redis), or in this process's memory when the
    server runs in it (a test's live server); None otherwise.
    """
    cache = pagecache.page_cache()
    prefix = cache.make_key(pagecache.PURGED_PREFIX)
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client()
        names = [
            name.decode() if isinstance(name, bytes) else name
            for name in client.scan_iter(match=prefix + "*", count=1000)
        ]
    elif isinstance(cache, LocMemCache) and server_in_process:
        names = [name for name in list(cache._cache) if name.startswith(prefix)]
    else:
        return None
    keys = [pagecache.PURGED_PREFIX + name.removeprefix(prefix) for name in names]
    return {key.removeprefix(pagecache.PURGED_PREFIX): t for key, t in cache.get_many(keys).items()}


def article_state(ids: list[int]) -> dict:
    """Return what a save of any article changes: the table's totals, the ids' rows."""
    totals = Article.objects.aggregate(
        n=Count("pk"), versions=Sum("version"), last=Max("updated_at")
    )
    rows = Article.objects.filter(pk__in=ids).values_list("pk", "version", "updated_at")
    return {"totals": totals, "rows": {pk: (version, updated) for pk, version, updated in rows}}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def run_autosave(
    base: str,
    count: int,
    seconds: float,
    every: float = AUTOSAVE_EVERY,
    ready=None,
    *,
    server_in_process: bool = False,
) -> dict:
    """Have ``count`` editors autosave their open article every ``every`` s for ``seconds``.

    ``ready`` is called once the forms are open, before the first autosave;
    ``server_in_process``: the server at ``base`` shares this process's memory (a test's
    live server), so a per-process cache is the server's too.
    """
    newest = Article.objects.published().order_by("-published_at", "-id")
    pool = list(newest.values_list("pk", flat=True)[:NEWEST_AUTOSAVED])
    if not pool:
        raise SystemExit("no published articles to autosave")
    rng = random.Random(20)
    desk = [AutosavingEditor(base, user, rng.choice(pool), log_in(user)) for user in editors(count)]
    for editor in desk:
        editor.open_form()
    ids = sorted({editor.article_id for editor in desk})
    before_state, before_marks = article_state(ids), purge_marks(server_in_process)
    generation = pagecache.page_cache().get(pagecache.GENERATION_KEY)
    if ready is not None:
        ready()
    started, wall_started_at = time.monotonic(), timezone.now()
    threads = [
        threading.Thread(
            target=editor.work,
            args=(i * every / count, every, started + seconds),
            daemon=True,
        )
        for i, editor in enumerate(desk)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    after_state, after_marks = article_state(ids), purge_marks(server_in_process)
    after_generation = pagecache.page_cache().get(pagecache.GENERATION_KEY)
    purged_keys = None
    if before_marks is not None and after_marks is not None:
        # A key purged meanwhile has a new time noted (or its first).
        purged_keys = sum(1 for key, at in after_marks.items() if before_marks.get(key) != at)
    changed = {pk for pk, row in after_state["rows"].items() if before_state["rows"].get(pk) != row}
    articles_changed = len(changed)
    if after_state["totals"] != before_state["totals"]:
        # A save elsewhere (or a row added or deleted): the rows saved since the start.
        saved = Article.objects.filter(updated_at__gte=wall_started_at)
        articles_changed = max(1, len(changed | set(saved.values_list("pk", flat=True))))
    latencies = [ms for editor in desk for ms in editor.latencies]
    failures: dict[str, int] = {}
    for editor in desk:
        for status, n in editor.failures.items():
            failures[status] = failures.get(status, 0) + n
    unsaved = UnsavedEdit.objects.filter(user__in=[editor.user for editor in desk])
    return {
        "editors": count,
        "every_s": every,
        "articles": len(ids),
        "autosaves": len(latencies),
        "failed": sum(failures.values()),
        "failures": failures,
        "first_failure": next((e.first_failure for e in desk if e.first_failure), ""),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "purges": (after_generation or 0) - (generation or 0),
        "purged_keys": purged_keys,
        "articles_changed": articles_changed,
        "unsaved_edits": unsaved.filter(article_id__in=ids).count(),
        "seconds": round(elapsed, 2),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.desk")
    parser.add_argument("kind", choices=("draft", "published", "autosave"))
    parser.add_argument("rate", type=float, help="saves a second; autosave: editors")
    parser.add_argument("seconds", type=float)
    parser.add_argument("--base", help="the server's URL (autosave), e.g. http://127.0.0.1:8000")
    parser.add_argument("--every", type=float, default=AUTOSAVE_EVERY, help="autosave interval")
    args = parser.parse_args(argv)
    if args.kind == "autosave" and not args.base:
        parser.error("autosave needs --base")

    def ready() -> None:
        print("DESK_READY", flush=True)

    if args.kind == "autosave":
        result = run_autosave(args.base, int(args.rate), args.seconds, args.every, ready)
    else:
        result = run(args.kind, args.rate, args.seconds, ready)
    print("DESK_JSON " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
