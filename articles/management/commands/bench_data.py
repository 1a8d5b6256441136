"""Fill an empty benchmark database with N generated articles (see bench/fill.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from articles.models import Article
from bench.fill import fill


class Command(BaseCommand):
    help = (
        "Fill the database with a generated newsroom of N articles for the benchmark "
        "(make bench): ~25 sections, ~500 authors, ~5,000 tags, shared photos. Meant for a "
        "separate database (DATABASE_URL): it refuses one that already holds other articles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, default=100_000, help="How many [100000].")
        parser.add_argument("--authors", type=int, default=500)
        parser.add_argument("--tags", type=int, default=5000)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Do nothing when the database already holds exactly N articles.",
        )

    def handle(self, *args, **options) -> None:
        wanted = options["articles"]
        if wanted < 1:
            raise CommandError("--articles must be at least 1.")
        held = Article.objects.count()
        if held and options["reuse"] and held == wanted:
            self.stdout.write(f"Reusing the benchmark database: it holds {held} articles.")
            return
        if held:
            raise CommandError(
                f"The database ({connection.settings_dict['NAME']}) holds {held} articles; "
                "a benchmark fill needs an empty, migrated database."
            )
        report = fill(
            wanted,
            authors=options["authors"],
            tags=options["tags"],
            batch_size=options["batch_size"],
            progress=options["verbosity"] > 0,
        )
        timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.timings.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Filled: {report.articles} articles, {report.sections} sections, "
                f"{report.authors} authors, {report.tags} tags, {report.photos} photos, "
                f"{report.bylines} bylines, {report.taggings} taggings ({timings})."
            )
        )
