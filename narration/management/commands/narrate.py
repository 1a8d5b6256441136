"""Read articles aloud from the command line: ``manage.py narrate <slug> …``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from narration.models import Narration
from narration.services import request_narration
from narration.tasks import generate_narration


class Command(BaseCommand):
    help = "Generate AI narration (text-to-speech) for articles and flag it as AI-made."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slugs", nargs="*", help="Slugs of the articles to narrate.")
        parser.add_argument(
            "--now",
            action="store_true",
            help="Speak here and wait, instead of queueing a background task.",
        )
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Narrate every published article that has no audio yet.",
        )

    def handle(self, *args, slugs: list[str], missing: bool, now: bool, **options) -> None:
        if not slugs and not missing:
            raise CommandError("Name articles by slug, or pass --missing.")
        articles = list(Article.objects.filter(slug__in=slugs)) if slugs else []
        if unknown := set(slugs) - {a.slug for a in articles}:
            raise CommandError(f"No article with the slug: {', '.join(sorted(unknown))}")
        if missing:
            articles += Article.objects.published().filter(audio="")
        for article in articles:
            if now:
                narration = Narration.objects.update_or_create(article=article)[0]
                generate_narration.call(narration.pk)
            else:
                narration = request_narration(article)
            narration.refresh_from_db()
            state = narration.get_status_display()
            line = f"{article.slug}: {state}" + (
                f" ({narration.message})" if narration.message else ""
            )
            if narration.status == Narration.Status.FAILED:
                self.stderr.write(line)
            else:
                self.stdout.write(line)
