"""Send confirmed subscribers the day's published articles; resumable without double-sending."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.mail import mailers
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from newsletter import services
from newsletter.models import DigestDelivery
from newsroom.progress import ProgressStream


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "E-mail confirmed subscribers the articles published on a day (today by default, in "
        "the newsroom's time zone), in batches over one mail connection each. Every "
        "delivery is claimed before it is sent, so a run that stopped half-way (error, "
        "Ctrl-C, killed) continues with the subscribers not yet served when started "
        "again, two runs at once share the work, and no digest is ever sent twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date", type=_parse_date, metavar="YYYY-MM-DD", help="The day (default: today)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=settings.NEWSLETTER_DIGEST_BATCH_SIZE,
            metavar="N",
            help=f"Messages per mail connection [{settings.NEWSLETTER_DIGEST_BATCH_SIZE}].",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show the progress bar."
        )

    def handle(self, *args, date: date | None, batch_size: int, no_progress: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        day = date or timezone.localdate()
        articles = services.digest_articles(day)
        if not articles:
            self.stdout.write(f"No articles published on {day:%Y-%m-%d}: no digest sent.")
            return
        pks = list(services.digest_recipients(day).values_list("pk", flat=True))
        if not pks:
            self.stdout.write(
                f"Every confirmed subscriber already has the digest of {day:%Y-%m-%d}."
            )
            return
        progress = tqdm(
            total=len(pks),
            desc="Digest",
            unit="mail",
            file=ProgressStream(self.stderr),
            disable=no_progress or options["verbosity"] == 0,
        )
        sent = 0
        try:
            for start in range(0, len(pks), batch_size):
                sent += self.send_batch(day, articles, pks[start : start + batch_size], progress)
        except KeyboardInterrupt:
            progress.close()
            raise CommandError(
                f"Interrupted after {sent} digest(s). Those are recorded: run the command "
                "again to send the rest.",
                returncode=130,
            ) from None
        except Exception as error:
            progress.close()
            raise CommandError(
                f"Sending failed after {sent} digest(s) ({error}). Those are recorded: run "
                "the command again to send the rest."
            ) from error
        progress.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent the digest of {day:%Y-%m-%d} ({len(articles)} article(s)) "
                f"to {sent} subscriber(s)."
            )
        )

    def send_batch(self, day: date, articles: list, pks: list[int], progress: tqdm) -> int:
        """Send one batch over one connection; claim each digest before sending it.

        Each message is claimed first (``claim_digest``: another run that has it is left
        to it), then sent through the open connection, and the claims are confirmed with
        their time at the end of the batch. A message the server refused is unclaimed,
        so the next run sends it; one that went out is never sent again.
        """
        # Re-read the batch: someone may have unsubscribed since the run started.
        subscribers = list(services.digest_recipients(day).filter(pk__in=pks))
        sent: list[int] = []
        try:
            with mailers.default as connection:
                for subscriber in subscribers:
                    claim = services.claim_digest(subscriber, day)
                    if claim is not None:
                        try:
                            message = services.build_digest(subscriber, day, articles)
                            connection.send_messages([message])
                        except BaseException:
                            claim.delete()  # not sent: the next run sends it
                            raise
                        sent.append(claim.pk)
                    progress.update()
        finally:
            DigestDelivery.objects.filter(pk__in=sent).update(sent_at=timezone.now())
        progress.update(len(pks) - len(subscribers))
        return len(sent)
