"""``manage.py backup_newsroom OUT.zip``: everything a newsroom needs to come back, portable.

Content, users and roles, revisions and the admin's history, redirects, subscribers,
comments, two-factor devices, and the media originals (renditions are rebuilt by
``restore_newsroom``), as Django fixtures with natural keys, so the copy loads into any
database Django supports: a newsroom that started on SQLite moves to PostgreSQL with
it. In production, back up PostgreSQL with its own tools as well (README).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.utils import timezone
from tqdm import tqdm

from newsroom.backup import FORMAT, VERSION, backed_up_models, file_fields
from newsroom.progress import ProgressStream


class Command(BaseCommand):
    help = (
        "Write the newsroom's content, users, revisions, subscribers, comments and media "
        "originals to a zip that restore_newsroom loads into an empty database (any "
        "engine Django supports)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("output", help="The zip to write, e.g. newsroom-2026-12-04.zip.")
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show the progress bar."
        )

    def handle(self, *args, output: str, no_progress: bool, **options) -> None:
        path = Path(output)
        if path.suffix.lower() != ".zip":
            raise CommandError(f"The backup is a zip: {output!r} does not end in .zip.")
        if not path.parent.exists():
            raise CommandError(f"The folder {str(path.parent)!r} does not exist.")
        chosen = backed_up_models()
        counts = {model._meta.label: model._default_manager.count() for model in chosen}
        media = self.media_files(chosen)
        progress = tqdm(
            total=sum(counts.values()) + len(media),
            desc="Backup",
            unit="item",
            file=ProgressStream(self.stderr),
            disable=no_progress or options["verbosity"] == 0,
        )
        partial = path.with_name(path.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for number, model in enumerate(chosen):
                if not counts[model._meta.label]:
                    continue
                rows = model._default_manager.order_by("pk")
                data = serializers.serialize(
                    "json",
                    rows.iterator(chunk_size=500),
                    use_natural_foreign_keys=True,
                    # Groups by name (migrate made the role groups already); every other
                    # row keeps its id: links, revisions and file names refer to them.
                    use_natural_primary_keys=model._meta.label == "auth.Group",
                )
                archive.writestr(f"data/{number:02d}-{model._meta.label_lower}.json", data)
                progress.update(counts[model._meta.label])
            missing, fields = [], {}
            for storage, name, field in media:
                try:
                    with storage.open(name, "rb") as stored:
                        archive.writestr(f"media/{name}", stored.read())
                    fields[name] = field
                except OSError:
                    missing.append(name)
                progress.update()
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created": timezone.now().isoformat(),
                "counts": counts,
                "media": len(media) - len(missing),
                "missing_media": missing,
                "media_fields": fields,
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        progress.close()
        partial.replace(path)
        summary = ", ".join(f"{n} {label}" for label, n in counts.items() if n)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {path}: {summary}; {manifest['media']} files.")
        )
        if missing:
            self.stderr.write(f"Missing from the media storage, left out: {', '.join(missing)}")

    def media_files(self, chosen: list[type[models.Model]]) -> list[tuple]:
        """Return (storage, name, field path) of every stored original the rows point to."""
        files = []
        for model in chosen:
            for field in file_fields(model):
                names = model._default_manager.exclude(**{field.name: ""}).values_list(
                    field.name, flat=True
                )
                path = f"{model._meta.label}.{field.name}"
                files += [(field.storage, name, path) for name in names.distinct() if name]
        return files
