"""``manage.py import_wordpress PATH``: a WordPress WXR export into the newsroom."""

from imports.command import ImportCommand
from imports.wordpress import read_wordpress


class Command(ImportCommand):
    help = "Import a WordPress export (WXR 1.0 to 1.2)."
    source_name = "WordPress"
    reader = staticmethod(read_wordpress)
