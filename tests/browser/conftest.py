"""Real-browser tests: Playwright for Python driving Debian's chromium against the live server.

Nothing here downloads a browser: the tests use the ``chromium`` on PATH (or the one
named by the CHROMIUM environment variable) and are skipped, with that reason, when
there is none. ``make test`` says so in its output and deselects them (``-m "not browser"``).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
NO_CHROMIUM = "no chromium found (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"
# The apps whose rows make the demo newsroom (seed_demo creates no other rows without users).
DEMO_APPS = ("taggit", "photos", "articles")
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
FAILURES_DIR = ARTIFACTS_DIR / "failures"

# pytest-django's live server listens on 127.0.0.1 (a free port), not "localhost".
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the browser tests without a Chromium; run them last in any case.

    They are transactional with serialized rollback: after the last one the database
    is left empty (no content types or permissions), so nothing may run after them.
    """
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    if not CHROMIUM:
        for item in browser_items:
            item.add_marker(pytest.mark.skip(reason=f"Browser tests skipped: {NO_CHROMIUM}"))
    chosen = set(browser_items)
    items[:] = [item for item in items if item not in chosen] + browser_items


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Keep each phase's report on the test, so fixtures can tell that it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Return one headless Chromium for the whole session (each test opens its own contexts)."""
    if not CHROMIUM:
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, so Django would refuse
    # the tests' own ORM calls (SynchronousOnlyOperation). The tests are synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class TestServerGate:
    """Let the live server answer only while a test runs, and tell when it is idle.

    A page closed at a test's end may still send beacons (autosave, presence's "leave")
    while the database is being emptied for the next test; on PostgreSQL such a request
    deadlocked with the TRUNCATE. Between tests the server drops new requests without
    touching the database, and the teardown waits for the ones in hand.
    """

    def __init__(self) -> None:
        self.open = threading.Event()
        self.busy = 0
        self.idle = threading.Condition()

    def enter(self) -> bool:
        with self.idle:
            if not self.open.is_set():
                return False
            self.busy += 1
            return True

    def leave(self) -> None:
        with self.idle:
            self.busy -= 1
            self.idle.notify_all()

    def close(self, timeout: float = 10.0) -> None:
        """Stop taking requests; wait (at most ``timeout`` s) for those in hand."""
        with self.idle:
            self.open.clear()
            self.idle.wait_for(lambda: self.busy == 0, timeout=timeout)


GATE = TestServerGate()


@pytest.fixture(scope="session")
def live_server(request) -> Iterator:
    """Return pytest-django's live server, answering only while a test runs (GATE)."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from pytest_django.live_server_helper import LiveServer

    class GatedWSGIServer(ThreadedWSGIServer):
        def process_request(self, request, client_address):
            if GATE.enter():
                super().process_request(request, client_address)  # a thread per request
            else:
                self.shutdown_request(request)

        def process_request_thread(self, request, client_address):
            try:
                super().process_request_thread(request, client_address)
            finally:
                GATE.leave()

    address = request.config.getvalue("liveserver") or os.environ["DJANGO_LIVE_TEST_SERVER_ADDRESS"]
    server = LiveServer(address, start=False)
    server.thread.server_class = GatedWSGIServer
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _open_the_server() -> None:
    GATE.open.set()


@pytest.fixture(autouse=True)
def _serve_media(settings) -> None:
    """Let the live server answer MEDIA_URL, so uploaded photos load in the browser."""
    settings.ROOT_URLCONF = "tests.browser.urls"


@pytest.fixture
def new_context(request, browser, live_server) -> Iterator[Callable]:
    """Return a maker of fresh browser contexts (one per user) on the live server.

    When the test fails, each open page is photographed into test-artifacts/failures/.
    """
    contexts = []

    def make(**options):
        options.setdefault("base_url", live_server.url)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        FAILURES_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                page.screenshot(path=FAILURES_DIR / f"{name}-{c}-{p}.png", full_page=True)
    for context in contexts:
        context.close()
    GATE.close()  # before the database is emptied


@pytest.fixture
def new_page(new_context) -> Callable:
    """Return a maker of pages, each in its own new context (so with its own cookies)."""

    def make(**options):
        return new_context(**options).new_page()

    return make


@pytest.fixture
def page(new_page):
    """Return a page in a fresh, anonymous browser context."""
    return new_page()


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker) -> str:
    """Return the demo newsroom's rows (``seed_demo``) as JSON, made once per session.

    Seeding draws photos and their renditions, which takes seconds; loading these rows
    takes a fraction of one. The photo files stay in the test MEDIA_ROOT; the rows are
    rolled back here and loaded again by each test that asks for ``demo_newsroom``.
    """
    from django.apps import apps
    from django.core import serializers
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--no-users", stdout=io.StringIO())
        models = serializers.sort_dependencies(
            [(apps.get_app_config(label), None) for label in DEMO_APPS], allow_cycles=True
        )
        snapshot = serializers.serialize(
            "json", (obj for model in models for obj in model._base_manager.order_by("pk"))
        )
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture
def demo_newsroom(transactional_db, demo_snapshot) -> dict[str, str]:
    """Load the demo newsroom and return the paths of one public page of each kind."""
    from django.core import serializers
    from django.db import transaction

    from articles import demo_data
    from articles.models import Article

    with transaction.atomic():
        for row in serializers.deserialize("json", demo_snapshot):
            row.save()
    article = Article.objects.with_related().get(slug=demo_data.REFERENCE_SLUG)
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "section": article.section.get_absolute_url(),
        "tag": f"/tag/{article.tags.order_by('name').first().slug}/",
        "author": article.credited_authors[0].get_absolute_url(),
        "search": "/search/?q=shells",
    }
