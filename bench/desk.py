"""The busy desk of the benchmark: an editor saving articles at a set rate while readers read.

Run by bench/run.py as ``python -m bench.desk KIND RATE SECONDS`` under the server's
settings (the same database and Redis): KIND ``draft`` saves drafts (nothing public
changes), ``published`` saves published articles among the newest 500 (the stories an
editor updates during breaking news). Each save goes through ``Article.save()`` as the
admin's does, so the page cache's purges run as in production. Prints one JSON line:
``DESK_JSON {"saves": N, "seconds": S}``.
"""

from __future__ import annotations

import json
import random
import sys
import time

import django
from django.apps import apps

# Run as ``python -m bench.desk``, this module is the entry point: Django is set up here,
# before the imports below that need the app registry (models).
if not apps.ready:
    django.setup()

from articles.models import Article

NEWEST_PUBLISHED = 500


def candidates(kind: str) -> list[int]:
    """Return the ids of the articles this editor saves."""
    if kind == "draft":
        ids = Article.objects.exclude(status=Article.Status.PUBLISHED).values_list("pk", flat=True)
        return list(ids[:NEWEST_PUBLISHED])
    newest = Article.objects.published().order_by("-published_at", "-id")
    return list(newest.values_list("pk", flat=True)[:NEWEST_PUBLISHED])


def run(kind: str, rate: float, seconds: float) -> dict:
    """Save one of the candidates every 1/rate seconds for ``seconds``; return the count."""
    pool = candidates(kind)
    if not pool:
        raise SystemExit(f"no {kind} articles to save")
    rng = random.Random(7)
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


def main(argv: list[str]) -> int:
    kind, rate, seconds = argv[0], float(argv[1]), float(argv[2])
    print("DESK_JSON " + json.dumps(run(kind, rate, seconds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
