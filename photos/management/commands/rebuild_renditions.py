"""Build the photo library's renditions: the missing ones (default), or all again (--force)."""

from __future__ import annotations

import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from newsroom.progress import ProgressStream
from photos import images
from photos.models import Photo

BATCH_SIZE = 100


class Command(BaseCommand):
    help = (
        "Make the renditions (resized WebP/JPEG copies, 3:2 thumbnails, the 1200×630 social "
        "card) of every photo that lacks them or whose file or focal point changed. "
        "Resumable: each photo is recorded as soon as it is done, so a run stopped "
        "half-way (Ctrl-C) continues where it stopped when started again."
    )

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--missing-only",
            action="store_true",
            help="Only photos without current renditions (the default).",
        )
        mode.add_argument("--force", action="store_true", help="Rebuild every photo's renditions.")
        parser.add_argument(
            "--ids", nargs="+", type=int, metavar="ID", help="Only these photos (by id)."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show the progress bar."
        )

    def handle(self, *args, force: bool, ids: list[int] | None, no_progress: bool, **options):
        photos = Photo.objects.order_by("pk")
        if ids:
            photos = photos.filter(pk__in=ids)
        pks = list(photos.values_list("pk", flat=True))
        if ids and (unknown := sorted(set(ids) - set(pks))):
            self.stderr.write(f"No photo with id {', '.join(map(str, unknown))}.")
        done: Counter[str] = Counter()
        failed: list[int] = []
        started = time.monotonic()
        progress = tqdm(
            total=len(pks),
            desc="Renditions",
            unit="photo",
            file=ProgressStream(self.stderr),
            disable=no_progress or options["verbosity"] == 0,
        )
        try:
            for start in range(0, len(pks), BATCH_SIZE):
                batch = Photo.objects.filter(pk__in=pks[start : start + BATCH_SIZE]).order_by("pk")
                for photo in batch:
                    outcome = images.ensure_renditions(photo, force=force)
                    done[outcome] += 1
                    if outcome == "failed":
                        failed.append(photo.pk)
                    progress.update()
        except KeyboardInterrupt:
            progress.close()
            self.report(done, failed, len(pks), time.monotonic() - started)
            raise CommandError(
                "Interrupted. The photos done so far are recorded: "
                "run the command again to continue.",
                returncode=130,
            ) from None
        progress.close()
        self.report(done, failed, len(pks), time.monotonic() - started)
        if failed:
            raise CommandError(
                f"{len(failed)} photo(s) could not be read (see the log): "
                f"{', '.join(map(str, failed))}."
            )

    def report(self, done: Counter[str], failed: list[int], total: int, seconds: float) -> None:
        handled = sum(done.values())
        parts = [
            f"{done['built']} built",
            f"{done['crops']} with new crops",
            f"{done['current']} already current",
            f"{done['failed']} failed",
        ]
        line = f"Renditions: {', '.join(parts)} — {handled} of {total} photos in {seconds:.1f} s."
        style = self.style.WARNING if failed or handled < total else self.style.SUCCESS
        self.stdout.write(style(line))
