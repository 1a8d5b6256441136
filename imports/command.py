"""What ``import_ghost`` and ``import_wordpress`` share: options, the run, the report."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from newsroom.progress import ProgressStream
from photos.images import renditions

from .records import Export, ExportError
from .writer import Options, Writer


def read_section_map(path: Path) -> dict[str, str]:
    """A tag/category (slug or name) → section name map: JSON, or "term = Section" lines."""
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot read the section map {path}: {error.strerror}.") from error
    if content.lstrip().startswith("{"):
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise CommandError(f"The section map {path} is not valid JSON: {error.msg}.") from error
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise CommandError(f"The section map {path} must map names to section names.")
        return {str(key): value for key, value in data.items()}
    mapping = {}
    for number, line in enumerate(content.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, sep, value = line.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise CommandError(f"{path}, line {number}: write “tag or category = Section”.")
        mapping[key.strip()] = value.strip()
    return mapping


class ImportCommand(BaseCommand):
    source_name = ""
    reader: Callable[..., Export]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The export file.")
        parser.add_argument(
            "--images", type=Path, help="A copy of the old site's uploads, to read images from."
        )
        parser.add_argument(
            "--fetch-images",
            action="store_true",
            help="Download images not found in --images from the old site.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument("--pages", action="store_true", help="Import pages too.")
        parser.add_argument(
            "--section-map", type=Path, help="Tags/categories → sections (JSON or lines)."
        )
        parser.add_argument(
            "--default-section",
            default="News",
            help="The section of articles the map does not place (created if missing) [News].",
        )
        parser.add_argument(
            "--skip-renditions",
            action="store_true",
            help="Leave the photos' resized copies to manage.py rebuild_renditions.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if options["images"] is not None and not options["images"].is_dir():
            raise CommandError(f"--images {options['images']} is not a folder.")
        started = time.monotonic()
        try:
            export = type(self).reader(path, include_pages=options["pages"])
        except ExportError as error:
            raise CommandError(str(error)) from error
        section_map = read_section_map(options["section_map"]) if options["section_map"] else {}
        writer_options = Options(
            images=options["images"],
            fetch_images=options["fetch_images"],
            dry_run=options["dry_run"],
            section_map=section_map,
            default_section=options["default_section"],
        )
        show = not options["no_progress"] and options["verbosity"] > 0

        def progress_of(items, desc: str, unit: str):
            if not show:
                return items
            return tqdm(items, desc=desc, unit=unit, file=ProgressStream(self.stderr))

        def progress(posts):
            return progress_of(posts, "Posts", "post")

        report = Writer(export, writer_options, progress).run()
        what = "Dry run (nothing written)" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{what}: {path.name}, {export.version or self.source_name}, "
            f"in {time.monotonic() - started:.1f} s"
        )
        for line in report.lines():
            self.stdout.write(line)
        due = report.renditions_due
        if due and options["skip_renditions"]:
            self.stdout.write(
                f"{len(due)} photos have no renditions yet (their originals are shown): "
                "run manage.py rebuild_renditions"
            )
        elif due:
            built = time.monotonic()
            for photo in progress_of(due, "Renditions", "photo"):
                renditions.ensure_renditions(photo)
            self.stdout.write(
                f"Renditions of {len(due)} photos built in {time.monotonic() - built:.1f} s"
            )
