"""The live-coverage scenario of the benchmark: a live article with 500 updates, and a desk
posting to it while readers read and poll.

Run by bench/run.py under the server's settings:

- ``python -m bench.live setup``: make (once) the live article and its 500 updates;
  prints ``LIVE_JSON {"page": path, "poll": path}`` (the poll asks for what came after
  the newest update at that moment, as an open page does).
- ``python -m bench.live post RATE SECONDS``: post one update every 1/RATE seconds
  through ``live.services.post_update`` (purges as in production); prints
  ``LIVE_JSON {"posts": N, "seconds": S}``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

import django
from django.apps import apps

if not apps.ready:
    django.setup()

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Section
from live.models import LiveUpdate
from live.services import post_update

SLUG = "bench-live-coverage"
UPDATES = 500


def setup() -> dict:
    article = Article.objects.filter(slug=SLUG).first()
    if article is None:
        now = timezone.now()
        article = Article.objects.create(
            headline="Live: the benchmark's coverage",
            slug=SLUG,
            dek="Five hundred updates and counting.",
            body="<p>A live page of the benchmark.</p>",
            section=Section.objects.order_by("pk").first(),
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(hours=UPDATES),
            live=True,
        )
        LiveUpdate.objects.bulk_create(
            LiveUpdate(
                article=article,
                headline=f"Key event number {n}" if n % 25 == 0 else "",
                body=f"<p>Update number {n}: what happened, in two or three sentences of "
                "reporting, with a <a href='https://example.org/source'>source</a>.</p>",
                key_event=n % 25 == 0,
                status=LiveUpdate.Status.PUBLISHED,
                published_at=now - timedelta(minutes=UPDATES - n),
            )
            for n in range(UPDATES)
        )
    latest = LiveUpdate.objects.published().filter(article=article).first()
    page = article.get_absolute_url()
    return {"page": page, "poll": f"{page}updates/?after={latest.pk}"}


def post(rate: float, seconds: float) -> dict:
    article = Article.objects.get(slug=SLUG)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-live-desk", defaults={"is_staff": True, "is_superuser": True}
    )  # an editor: the updates are published as they are posted
    posts, started = 0, time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        due = posts / rate
        if elapsed < due:
            time.sleep(min(due - elapsed, seconds - elapsed))
            continue
        post_update(article, user, body=f"<p>Posted during the benchmark, number {posts}.</p>")
        posts += 1
    return {"posts": posts, "seconds": round(time.monotonic() - started, 2)}


def main(argv: list[str]) -> int:
    result = setup() if argv[0] == "setup" else post(float(argv[1]), float(argv[2]))
    print("LIVE_JSON " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
