"""``manage.py restore_newsroom IN.zip``: load a ``backup_newsroom`` copy into an empty database.

The database must be freshly migrated (what ``migrate`` alone makes, such as the role
groups, is fine); one that already holds articles, photos, users or subscribers is
refused, so nothing is ever mixed or overwritten. The media originals go back into the
media storage under their own names, the data loads in one transaction (Django's
``loaddata``), the renditions are built again from the originals, and every cached
page is dropped.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from newsroom.backup import FORMAT, VERSION, field_of
from newsroom.pagecache import invalidate_pages
from newsroom.progress import ProgressStream
from photos import images
from photos.models import Photo

# Rows that mean "this newsroom already has content" (migrate alone makes none of them).
CONTENT = (
    "articles.Article",
    "articles.Section",
    "articles.Author",
    "photos.Photo",
    "auth.User",
    "newsletter.Subscriber",
    "comments.Comment",
)


class Command(BaseCommand):
    help = (
        "Load a backup_newsroom zip into a freshly migrated database that holds no "
        "newsroom content yet, put back the media originals and rebuild the renditions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("input", help="The zip backup_newsroom wrote.")
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show the progress bar."
        )

    def handle(self, *args, input: str, no_progress: bool, **options) -> None:
        path = Path(input)
        if not path.is_file():
            raise CommandError(f"No backup at {input!r}.")
        try:
            archive = zipfile.ZipFile(path)
            manifest = json.loads(archive.read("manifest.json"))
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            raise CommandError(f"{input!r} is not a newsroom backup ({error}).") from error
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise CommandError(f"{input!r} is not a backup this version can read.")
        self.refuse_content()
        names = archive.namelist()
        fixtures = sorted(name for name in names if name.startswith("data/"))
        media = [name for name in names if name.startswith("media/") and not name.endswith("/")]
        show = not no_progress and options["verbosity"] > 0
        with archive, tempfile.TemporaryDirectory(prefix="newsroom-restore-") as folder:
            for name in fixtures:
                archive.extract(name, folder)
            self.restore_media(archive, media, manifest.get("media_fields", {}), show)
            with transaction.atomic():
                call_command(
                    "loaddata", *(str(Path(folder) / name) for name in fixtures), verbosity=0
                )
        self.rebuild_renditions(show)
        invalidate_pages()
        counts = ", ".join(f"{n} {label}" for label, n in manifest["counts"].items() if n)
        self.stdout.write(self.style.SUCCESS(f"Restored {path}: {counts}; {len(media)} files."))

    def refuse_content(self) -> None:
        models = [apps.get_model(label) for label in CONTENT]
        held = {model._meta.verbose_name_plural: model._default_manager.count() for model in models}
        held = {name: count for name, count in held.items() if count}
        if held:
            listed = ", ".join(f"{count} {name}" for name, count in held.items())
            raise CommandError(
                f"This database already holds newsroom content ({listed}). Restore into a "
                "freshly migrated database: create an empty one, run `manage.py migrate`, "
                "then restore_newsroom."
            )

    def restore_media(
        self, archive: zipfile.ZipFile, media: list[str], fields: dict[str, str], show: bool
    ) -> None:
        """Put each original back into its field's storage, under its own name."""
        for name in tqdm(media, desc="Media", unit="file", disable=not show,
                         file=ProgressStream(self.stderr)):  # fmt: skip
            stored_name = name.removeprefix("media/")
            storage = field_of(fields[stored_name]).storage
            if storage.exists(stored_name):
                storage.delete(stored_name)
            saved = storage.save(stored_name, ContentFile(archive.read(name)))
            if saved != stored_name:
                raise CommandError(f"The media storage renamed {stored_name!r} to {saved!r}.")

    def rebuild_renditions(self, show: bool) -> None:
        photos = list(Photo.objects.exclude(image=""))
        for photo in tqdm(photos, desc="Renditions", unit="photo", disable=not show,
                          file=ProgressStream(self.stderr)):  # fmt: skip
            images.ensure_renditions(photo, force=True)
