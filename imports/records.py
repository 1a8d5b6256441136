"""What an export holds, whatever CMS wrote it: the importers' common language.

``imports.ghost`` and ``imports.wordpress`` read an export into an ``Export`` of these
records (no database, no files written); ``imports.writer`` writes an ``Export`` into
the newsroom, the same way for both. Every record keeps the id the source gave it
(``source_id``), so a second run finds what the first one made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ExportError(Exception):
    """The file is not an export we can read; ``str()`` is the one line the user sees."""


@dataclass
class Image:
    """An image the export names: where it lives, and what the export says of it."""

    url: str  # as the export has it (absolute, or relative to the site)
    caption: str = ""  # may hold an agency credit ("Photo by Name/AFP via Getty Images")
    alt: str = ""
    title: str = ""


@dataclass
class Person:
    source_id: str
    name: str
    slug: str = ""
    email: str = ""
    bio: str = ""
    website: str = ""
    avatar: Image | None = None


@dataclass
class Term:
    """A tag or a category (WordPress) / a public tag (Ghost)."""

    source_id: str
    name: str
    slug: str = ""
    description: str = ""
    kind: str = "tag"  # "tag" or "category"


@dataclass
class Post:
    source_id: str
    title: str
    slug: str = ""
    html: str = ""  # the body as HTML (the importer sanitizes it like any write)
    excerpt: str = ""  # custom excerpt → the dek
    status: str = "draft"  # "published", "draft", "scheduled", "private"
    published_at: datetime | None = None
    updated_at: datetime | None = None
    author_ids: list[str] = field(default_factory=list)  # in byline order
    tag_ids: list[str] = field(default_factory=list)  # public tags, in order
    category_ids: list[str] = field(default_factory=list)  # WordPress categories, in order
    primary_tag_id: str = ""  # Ghost's primary tag (the section's first choice)
    feature_image: Image | None = None
    is_page: bool = False
    old_paths: list[str] = field(default_factory=list)  # site paths that showed it ("/slug/")
    warnings: list[str] = field(default_factory=list)  # e.g. "only mobiledoc: text kept"


@dataclass
class Export:
    """Everything read from one export file."""

    source: str  # "ghost" or "wordpress"
    site_url: str = ""  # the old site's address, when the export says it
    version: str = ""  # what the export says of its format ("ghost 4.1", "wxr 1.2")
    people: dict[str, Person] = field(default_factory=dict)
    terms: dict[str, Term] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    # Old archive paths: "/tag/<slug>/" → term source_id, "/author/<slug>/" → person source_id.
    term_paths: dict[str, str] = field(default_factory=dict)
    person_paths: dict[str, str] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
