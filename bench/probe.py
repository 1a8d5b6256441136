"""In-process half of the benchmark: the URL lists wrk rotates over, and queries per request.

Run by bench/run.py as ``python -m bench.probe OUT_DIR`` under the benchmark settings
(page cache off) against the benchmark database. It writes ``OUT_DIR/<kind>.txt`` (one
path a line) and ``OUT_DIR/probe.json``: per page kind, the SQL queries per request
(min and max over a sample of different URLs: the same number means the cost does not
depend on which article or tag), the response size and the status codes. A kind whose
URLs answer 404 (its pages are not built yet) is reported as skipped.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import django
from django.apps import apps

# Run as ``python -m bench.probe``, this module is the entry point: Django is set up here,
# before the imports below that need the app registry (models).
if not apps.ready:
    django.setup()

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from taggit.models import Tag

from articles.models import Article, Author, Section
from bench.fill import PLACES, TOPICS, WORDS

KINDS = ("home", "article", "section", "tag", "author", "search", "feed", "sitemap")
FLOORS = {"floor_hello": ["/bench/hello/"], "floor_template": ["/bench/template/"]}
SAMPLE = 20
HOST = "127.0.0.1"


def _reverse(name: str, **kwargs: str) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def url_lists(rng: random.Random, *, articles: int = 1000) -> dict[str, list[str]]:
    """Return the paths to load, per page kind: many different URLs of each kind."""
    published = Article.objects.published()
    total = published.count()
    # Random articles spread over the whole archive: ids sampled, then looked up.
    ids = list(published.values_list("id", flat=True))
    chosen = rng.sample(ids, min(articles, len(ids)))
    slugs = list(Article.objects.filter(id__in=chosen).values_list("slug", flat=True))
    rng.shuffle(slugs)
    sections = list(Section.objects.values_list("slug", flat=True))
    # Tags and authors with at least a full page of articles when the archive has enough
    # of them: at 1,000 articles most tags and authors have one or two, and a scaling run
    # would compare a near-empty page with a full one (its cost follows the articles
    # shown, at most a page, not the archive). At 100,000 nearly all of them qualify.
    full = settings.ARTICLES_PER_PAGE
    used_tags = list(
        Tag.objects.annotate(n=Count("articles_taggedarticle_items"))
        .filter(n__gt=0)
        .order_by("-n", "id")
        .values_list("slug", "n")
    )
    tag_slugs = [slug for slug, n in used_tags if n >= full]
    if len(tag_slugs) < 50:
        tag_slugs = [slug for slug, _ in used_tags]
    tags = tag_slugs[:50] + rng.sample(tag_slugs[50:], min(450, max(0, len(tag_slugs) - 50)))
    by_bylines = list(
        Author.objects.annotate(n=Count("bylines")).order_by("-n", "id").values_list("slug", "n")
    )
    authors = [slug for slug, n in by_bylines if n >= full] or [s for s, _ in by_bylines]
    authors = rng.sample(authors, min(500, len(authors)))
    pages = max(1, min(20, total // 12))
    lists: dict[str, list[str]] = {
        "home": ["/"] + [f"/?page={n}" for n in range(2, pages + 1)],
        "article": [_reverse("articles:detail", slug=s) for s in slugs],
        "section": [_reverse("articles:section", slug=s) for s in sections],
        "tag": [_reverse("articles:tag", slug=s) for s in tags],
        "author": [_reverse("articles:author", slug=s) for s in authors],
    }
    queries = [" ".join(rng.sample(WORDS[60:], rng.choice((1, 1, 2)))) for _ in range(150)]
    queries += [rng.choice(PLACES + TOPICS) for _ in range(50)]
    search = _reverse("articles:search") or "/search/"
    lists["search"] = [f"{search}?{urlencode({'q': q})}" for q in queries]
    feeds = [_reverse("articles:feed_rss"), _reverse("articles:feed_atom")]
    for slug in sections:
        feeds += [_reverse("articles:section_feed_rss", slug=slug)]
        feeds += [_reverse("articles:section_feed_atom", slug=slug)]
    for slug in tags[:100]:
        feeds.append(_reverse("articles:tag_feed_rss", slug=slug))
    for slug in authors[:100]:
        feeds.append(_reverse("articles:author_feed_rss", slug=slug))
    lists["feed"] = feeds
    lists["sitemap"] = sitemap_paths()
    return {kind: [p for p in paths if p] for kind, paths in lists.items()}


def sitemap_paths() -> list[str]:
    """Return the sitemap index, every page it lists, and the Google News sitemap."""
    client = Client(HTTP_HOST=HOST)
    paths = ["/sitemap.xml", "/news-sitemap.xml"]
    response = client.get("/sitemap.xml")
    if response.status_code == 200:
        for loc in re.findall(rb"<loc>([^<]+)</loc>", response.content):
            parts = urlsplit(loc.decode())
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return list(dict.fromkeys(paths))


def measure(paths: list[str], sample: int = SAMPLE, seconds: float = 15) -> dict:
    """Return queries per request, sizes and statuses over up to ``sample`` of ``paths``.

    At most about ``seconds`` per kind, so a slow page on a large archive does not hold
    the run up; ``sampled`` says how many URLs were requested.
    """
    client = Client(HTTP_HOST=HOST)
    client.get(paths[0])  # one-off work (first template load, content types) not counted
    queries, sizes, statuses = [], [], {}
    deadline = time.monotonic() + seconds
    for path in paths[:sample]:
        if time.monotonic() > deadline:  # a slow page: a few URLs are enough to count
            break
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        content = b"".join(response) if response.streaming else response.content
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        if response.status_code == 200:
            queries.append(len(captured))
            sizes.append(len(content))
    result = {"sampled": sum(statuses.values()), "statuses": statuses, "urls": len(paths)}
    if queries:
        result |= {
            "queries_min": min(queries),
            "queries_max": max(queries),
            "bytes": int(statistics.median(sizes)),
        }
    return result


def probe(out_dir: Path, seed: int = 6) -> dict:
    """Write the URL lists and return (and write) the in-process measurements."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lists = url_lists(random.Random(seed)) | FLOORS
    results = {}
    for kind, paths in lists.items():
        if not paths:
            results[kind] = {"skipped": "no URL of this kind could be built"}
            continue
        measured = measure(paths)
        if "queries_max" not in measured:
            codes = ", ".join(sorted(measured["statuses"]))
            measured["skipped"] = f"no sampled URL answered 200 (status {codes})"
        else:
            ok = [p for p in paths if p]
            (out_dir / f"{kind}.txt").write_text("\n".join(ok) + "\n")
        results[kind] = measured
    (out_dir / "probe.json").write_text(json.dumps(results, indent=2))
    return results


def main() -> None:
    results = probe(Path(sys.argv[1]))
    json.dump(results, sys.stdout, indent=2)


if __name__ == "__main__":
    main()
