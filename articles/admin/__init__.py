"""The editors' admin, one module per desk; importing them registers the ModelAdmins."""

from . import articles, people, photos, tags

__all__ = ["articles", "people", "photos", "tags"]
