"""``manage.py import_ghost PATH``: a Ghost export (JSON, or a zip holding it) into the newsroom."""

from imports.command import ImportCommand
from imports.ghost import read_ghost


class Command(ImportCommand):
    help = "Import a Ghost export (1.x to 6.x JSON, or its zip with content/images)."
    source_name = "Ghost"
    reader = staticmethod(read_ghost)
