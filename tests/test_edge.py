"""A real Varnish in front of the live test server: pages cached at the edge, purged by key.

Runs Debian's varnishd with the project's VCL (deploy/varnish/newsroom.vcl, vmod xkey from
varnish-modules); skipped with a message where Varnish is not installed (.ci/run installs
it).
"""

import shutil
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, SectionFactory

VCL = Path(__file__).resolve().parents[1] / "deploy" / "varnish" / "newsroom.vcl"
VARNISHD = shutil.which("varnishd") or next(
    (path for path in ("/usr/sbin/varnishd",) if Path(path).exists()), None
)

pytestmark = [
    pytest.mark.skipif(
        VARNISHD is None,
        reason="Varnish is not installed (apt-get install varnish varnish-modules)",
    ),
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def edge(live_server, tmp_path, settings):
    """Start Varnish in front of ``live_server``; return its base URL. Purges go to it."""
    backend_port = int(live_server.url.rsplit(":", 1)[1])
    port = free_port()
    vcl = tmp_path / "newsroom.vcl"
    vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";'))
    process = subprocess.Popen(
        [
            VARNISHD,
            "-F",
            "-j",
            "none",
            "-n",
            str(tmp_path / "varnish"),
            "-a",
            f"127.0.0.1:{port}",
            "-f",
            str(vcl),
            "-s",
            "malloc,32m",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"varnishd stopped: {process.stdout.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("varnishd did not start listening")
        settings.PAGE_CACHE_KEY_HEADER = "xkey"
        settings.PAGE_CACHE_EDGE = {
            "BACKEND": "newsroom.edge.VarnishPurger",
            "OPTIONS": {"urls": [f"{base}/"]},
        }
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def stories():
    world, city = SectionFactory(name="World", slug="world"), SectionFactory(name="City")
    return {
        "war": ArticleFactory(headline="Front line holds", section=world),
        "works": ArticleFactory(headline="Bridge reopens", section=city),
        "draft": ArticleFactory(
            headline="Draft on the talks",
            section=world,
            status=Article.Status.DRAFT,
            published_at=None,
        ),
        "world": world,
        "city": city,
    }


def paths(stories) -> dict[str, str]:
    return {
        "war": stories["war"].get_absolute_url(),
        "works": stories["works"].get_absolute_url(),
        "world": stories["world"].get_absolute_url(),
        "city": stories["city"].get_absolute_url(),
    }


def fetch(base: str, path: str) -> requests.Response:
    return requests.get(base + path, timeout=10)


def warm(base: str, urls: dict[str, str]) -> None:
    for name, path in urls.items():
        fetch(base, path)
        response = fetch(base, path)
        assert response.headers.get("X-Edge") == "HIT", (name, response.headers)
        assert "xkey" not in {header.lower() for header in response.headers}


def edge_hits(base: str, urls: dict[str, str]) -> set[str]:
    return {name for name, path in urls.items() if fetch(base, path).headers["X-Edge"] == "HIT"}


def until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_edge_keeps_pages_and_a_draft_save_purges_nothing_there(edge, stories):
    urls = paths(stories)
    warm(edge, urls)

    stories["draft"].body = "<p>New paragraph on the talks.</p>"
    stories["draft"].save()

    assert edge_hits(edge, urls) == set(urls)


def test_an_edit_purges_exactly_the_pages_showing_it_at_the_edge(edge, stories):
    urls = paths(stories)
    warm(edge, urls)

    stories["works"].headline = "Bridge reopens to traffic"
    stories["works"].save()

    # A soft purge: the edge may answer from its copy for its 2 s grace while it fetches.
    assert until(lambda: "Bridge reopens to traffic" in fetch(edge, urls["works"]).text)
    assert until(lambda: "Bridge reopens to traffic" in fetch(edge, urls["city"]).text)
    assert edge_hits(edge, {"war": urls["war"], "world": urls["world"]}) == {"war", "world"}


def test_an_unpublished_story_is_gone_from_the_edge_at_once(edge, stories):
    urls = paths(stories)
    warm(edge, urls)

    stories["works"].status = Article.Status.UNPUBLISHED
    stories["works"].save()

    assert fetch(edge, urls["works"]).status_code == 404
    assert "Bridge reopens" not in fetch(edge, urls["city"]).text
    assert edge_hits(edge, {"war": urls["war"], "world": urls["world"]}) == {"war", "world"}


def test_a_scheduled_story_appears_at_the_edge_at_its_time(edge, stories):
    urls = paths(stories)
    ArticleFactory(
        headline="Embargoed report",
        section=stories["city"],
        published_at=timezone.now() + timedelta(seconds=3),
    )
    warm(edge, {"city": urls["city"]})
    assert "Embargoed report" not in fetch(edge, urls["city"]).text

    # The edge keeps the page no longer than the scheduled moment, then asks again.
    assert until(lambda: "Embargoed report" in fetch(edge, urls["city"]).text, seconds=8)


def test_tracking_parameters_share_one_copy_at_the_edge(edge, stories):
    path = stories["works"].get_absolute_url()
    fetch(edge, f"{path}?utm_source=a")

    answers = [fetch(edge, f"{path}?utm_source={n}&fbclid=x{n}") for n in range(20)]
    section = stories["city"].get_absolute_url()
    fetch(edge, f"{section}?page=1&utm_medium=b")
    same_page = fetch(edge, f"{section}?utm_medium=c&page=1")

    assert {answer.headers["X-Edge"] for answer in answers} == {"HIT"}
    assert all("Bridge reopens" in answer.text for answer in answers)
    assert same_page.headers["X-Edge"] == "HIT"
