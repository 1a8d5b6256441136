"""An article's history: its revisions (django-reversion), differences between two, restores.

Each revision holds the article and, following it, its byline rows, tag rows and notes
(see the ``reversion.register`` calls in ``articles.models``). A version is numbered by the
article's own ``version`` counter at that save, the number the edit form shows.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from reversion.models import Version
from taggit.models import Tag

from newsroom.pagecache import purge
from photos.models import Photo

from . import cachekeys, sanitize
from .cachekeys import ListPlace
from .models import Article, ArticleAuthor, ArticleNote, Author, Section, TaggedArticle

if TYPE_CHECKING:
    from collections.abc import Iterable


class RestoreError(Exception):
    """The version cannot be restored; the message says why, for the editor."""


# Article fields shown in a comparison, in form order, with their labels.
COMPARED_FIELDS = (
    ("headline", "Headline"),
    ("slug", "Slug"),
    ("section_id", "Section"),
    ("dek", "Standfirst (dek)"),
    ("body", "Body"),
    ("lead_photo_id", "Lead photo"),
    ("lead_photo_caption", "Caption for this article"),
    ("status", "Status"),
    ("published_at", "Publish time"),
    ("unpublish_at", "Unpublish time"),
    ("content_updated_at", "Updated time shown to readers"),
    ("featured", "Featured"),
    ("audio", "Audio"),
    ("audio_ai_generated", "Audio made with AI"),
    ("reading_time_override", "Reading time override"),
    ("seo_title", "SEO title"),
    ("seo_description", "SEO description"),
)
TEXT_FIELDS = {"headline", "dek", "lead_photo_caption", "seo_title", "seo_description"}


# Versions ------------------------------------------------------------------------


def article_versions(article: Article) -> list[Version]:
    """Return the article's versions, newest first, with their revision and its user."""
    return list(
        Version.objects.get_for_object(article)
        .select_related("revision", "revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def version_number(version: Version) -> int:
    """Return the article's version counter stored in ``version``."""
    return version.field_dict.get("version") or 0


def get_version(article: Article, version_id: int) -> Version | None:
    return (
        Version.objects.get_for_object(article)
        .select_related("revision", "revision__user")
        .filter(pk=version_id)
        .first()
    )


def _related_versions(version: Version, model) -> list[Version]:
    """Return the versions of ``model`` rows belonging to the article in the same revision."""
    content_type = ContentType.objects.get_for_model(model)
    article_id = int(version.object_id)
    return [
        related
        for related in version.revision.version_set.filter(content_type=content_type)
        if related.field_dict.get("article_id", related.field_dict.get("content_object_id"))
        == article_id
    ]


@dataclass
class Snapshot:
    """One version of an article, with its byline, tags and notes, ready to show."""

    version: Version | None
    fields: dict
    byline: list[str]
    tags: list[str]
    notes: list[str]

    @property
    def number(self) -> int:
        return self.fields.get("version") or 0


def snapshot(version: Version) -> Snapshot:
    bylines = sorted(
        (v.field_dict for v in _related_versions(version, ArticleAuthor)),
        key=lambda row: (row["position"], row["id"]),
    )
    authors = Author.objects.in_bulk([row["author_id"] for row in bylines])
    tag_ids = [v.field_dict["tag_id"] for v in _related_versions(version, TaggedArticle)]
    tags = Tag.objects.in_bulk(tag_ids)
    notes = sorted(
        (v.field_dict for v in _related_versions(version, ArticleNote)),
        key=lambda row: (row["noted_at"], row["id"]),
    )
    return Snapshot(
        version=version,
        fields=version.field_dict,
        byline=[
            str(authors.get(row["author_id"], f"author #{row['author_id']} (deleted)"))
            for row in bylines
        ],
        tags=sorted(str(tags.get(pk, f"tag #{pk} (deleted)")) for pk in tag_ids),
        notes=[
            f"{dict(ArticleNote.Kind.choices).get(row['kind'], row['kind'])} "
            f"({_when(row['noted_at'])}): {row['text']}"
            for row in notes
        ],
    )


def current_snapshot(article: Article) -> Snapshot:
    """Return the article as it is in the database now, in the shape of a snapshot."""
    fields = {
        field.attname: getattr(article, field.attname) for field in Article._meta.concrete_fields
    }
    bylines = article.bylines.select_related("author").order_by("position", "id")
    return Snapshot(
        version=None,
        fields=fields,
        byline=[str(byline.author) for byline in bylines],
        tags=sorted(article.tags.names()),
        notes=[
            f"{note.get_kind_display()} ({_when(note.noted_at)}): {note.text}"
            for note in article.notes.all()
        ],
    )


# Differences ---------------------------------------------------------------------


@dataclass
class Change:
    label: str
    old: SafeString
    new: SafeString
    diff: SafeString | None = None


def _when(value) -> str:
    if not value:
        return "—"
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _display(name: str, value, lookups: dict) -> str:
    if value in (None, ""):
        return "—"
    if name == "section_id":
        return str(lookups["sections"].get(value, f"section #{value} (deleted)"))
    if name == "lead_photo_id":
        photo = lookups["photos"].get(value)
        return f"{photo} (#{value})" if photo else f"photo #{value} (deleted)"
    if name == "status":
        return dict(Article.Status.choices).get(value, value)
    if name.endswith("_at"):
        return _when(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


# Words with the spaces after them, and punctuation on its own.
_TOKENS = re.compile(r"\w+\s*|[^\w\s]+\s*|\s+")
# Unchanged runs shorter than this between two changes are shown as part of the change,
# so a rewritten sentence reads as one removal and one addition, not a patchwork.
_SHORT_EQUAL = 4


def _chunks(a: list[str], b: list[str]) -> list[tuple[bool, str, str]]:
    """Return (changed, old text, new text) runs between token lists ``a`` and ``b``."""
    chunks: list[tuple[bool, str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        between_changes = 0 < index < len(opcodes) - 1
        changed = op != "equal" or (between_changes and len(old.strip()) < _SHORT_EQUAL)
        if chunks and changed and chunks[-1][0]:
            _, old_before, new_before = chunks.pop()
            old, new = old_before + old, new_before + new
        chunks.append((changed, old, new))
    return chunks


def inline_diff(old: str, new: str) -> SafeString:
    """Return ``new`` with the words removed from ``old`` in <del> and the added ones in <ins>."""
    parts = []
    for changed, removed, added in _chunks(_TOKENS.findall(old or ""), _TOKENS.findall(new or "")):
        if not changed:
            parts.append(escape(added))
            continue
        if removed:
            parts.append(format_html("<del>{}</del>", removed))
        if added:
            parts.append(format_html("<ins>{}</ins>", added))
    return mark_safe("".join(parts))


_BLOCK_END = re.compile(
    r"(?i)</(?:p|h[1-6]|li|blockquote|figcaption|figure|tr|pre|dd|dt)>|<br\s*/?>"
)
_IMG = re.compile(r'(?i)<img\b[^>]*?\balt="([^"]*)"[^>]*>|<img\b[^>]*>')


def body_paragraphs(body: str) -> list[str]:
    """Return the body's text, one item per paragraph, images as “[Image: alt]”."""
    text = _IMG.sub(lambda m: f"\n[Image: {m[1] or 'no alt text'}]\n", body or "")
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", text)))
    return [line.strip() for line in text.splitlines() if line.strip()]


def body_diff(old: str, new: str) -> SafeString:
    """Return the paragraphs of two bodies with the changes marked, paragraph by paragraph."""
    a, b = body_paragraphs(old), body_paragraphs(new)
    rows = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [format_html("<p>{}</p>", para) for para in a[i1:i2]]
        elif op == "replace" and i2 - i1 == j2 - j1:
            rows += [
                format_html('<p class="changed">{}</p>', inline_diff(old_para, new_para))
                for old_para, new_para in zip(a[i1:i2], b[j1:j2], strict=True)
            ]
        else:
            rows += [format_html('<p class="removed"><del>{}</del></p>', p) for p in a[i1:i2]]
            rows += [format_html('<p class="added"><ins>{}</ins></p>', p) for p in b[j1:j2]]
    return mark_safe("\n".join(rows))


def compare(old: Snapshot, new: Snapshot) -> list[Change]:
    """Return the differences between two snapshots, field by field (unchanged ones left out)."""
    ids = {"section_id": set(), "lead_photo_id": set()}
    for snap in (old, new):
        for name in ids:
            if snap.fields.get(name):
                ids[name].add(snap.fields[name])
    lookups = {
        "sections": Section.objects.in_bulk(ids["section_id"]),
        "photos": Photo.objects.in_bulk(ids["lead_photo_id"]),
    }
    changes = []
    for name, label in COMPARED_FIELDS:
        before, after = old.fields.get(name), new.fields.get(name)
        if isinstance(before, datetime) and isinstance(after, datetime):
            before, after = before.replace(microsecond=0), after.replace(microsecond=0)
        if before == after or (not before and not after):
            continue
        if name == "body":
            changes.append(
                Change(label, mark_safe(""), mark_safe(""), body_diff(before or "", after or ""))
            )
            continue
        shown_before = _display(name, before, lookups)
        shown_after = _display(name, after, lookups)
        diff = inline_diff(before or "", after or "") if name in TEXT_FIELDS else None
        changes.append(Change(label, escape(shown_before), escape(shown_after), diff))
    for label, before, after in (
        ("Byline", old.byline, new.byline),
        ("Tags", old.tags, new.tags),
        ("Corrections and notes", old.notes, new.notes),
    ):
        if before != after:
            changes.append(Change(label, _lines(before), _lines(after)))
    return changes


def _lines(items: Iterable[str]) -> SafeString:
    items = list(items)
    if not items:
        return mark_safe("—")
    return mark_safe("<br>".join(escape(item) for item in items))


def form_conflict_changes(saved: Article, data: dict[str, str]) -> list[Change]:
    """Return how the text someone typed (``data``) differs from the ``saved`` article."""
    changes = []
    for name, label in (("headline", "Headline"), ("dek", "Standfirst (dek)")):
        theirs, yours = getattr(saved, name) or "", data.get(name, "")
        if theirs.strip() != yours.strip():
            changes.append(Change(label, escape(theirs), escape(yours), inline_diff(theirs, yours)))
    theirs, yours = saved.body or "", data.get("body", "")
    if body_paragraphs(theirs) != body_paragraphs(yours):
        changes.append(Change("Body", mark_safe(""), mark_safe(""), body_diff(theirs, yours)))
    return changes


# Restore -------------------------------------------------------------------------


def _purge_restored(restored: Article, before: ListPlace, lists_before: set[str]) -> None:
    """Purge the pages that showed the article before a restore or show it after."""
    after = ListPlace.of(restored)
    keys = cachekeys.article_change(restored, before, after)
    if keys:
        keys |= lists_before | cachekeys.lists_of(restored, {restored.section_id})
    purge(keys, hard=cachekeys.is_removal(before, after))


def restore(article: Article, version: Version, user) -> tuple[Article, list[str]]:
    """Bring ``article`` back to ``version`` as a new revision; return it and what was skipped.

    Restores the article's fields, byline and tags; correction notes stay as they are (they
    are a public record). The article gets a new version number. Raises RestoreError when
    the version cannot be restored (a section or photo it used is gone, or it would publish
    an article the publishing rules refuse); nothing is changed then.
    """
    old = version.field_dict
    if not Section.objects.filter(pk=old.get("section_id")).exists():
        raise RestoreError("The section that version used no longer exists.")
    if old.get("lead_photo_id") and not Photo.objects.filter(pk=old["lead_photo_id"]).exists():
        raise RestoreError("The lead photo that version used is no longer in the library.")
    if Article.objects.filter(slug=old.get("slug")).exclude(pk=article.pk).exists():
        raise RestoreError(f"Another article now uses the slug “{old.get('slug')}”.")
    number = version_number(version)
    bylines = _related_versions(version, ArticleAuthor)
    tagged = _related_versions(version, TaggedArticle)
    skipped = []
    with transaction.atomic(), reversion.create_revision():
        current = Article.objects.select_for_update().get(pk=article.pk)
        # Reverting saves raw (no save(), no signals): what pages showed before is purged here.
        shown_before = (ListPlace.of(current), cachekeys.lists_of(current, {current.section_id}))
        live_authors = set(
            Author.objects.filter(pk__in=[v.field_dict["author_id"] for v in bylines]).values_list(
                "pk", flat=True
            )
        )
        live_tags = set(
            Tag.objects.filter(pk__in=[v.field_dict["tag_id"] for v in tagged]).values_list(
                "pk", flat=True
            )
        )
        keep_bylines = [v for v in bylines if v.field_dict["author_id"] in live_authors]
        keep_tags = [v for v in tagged if v.field_dict["tag_id"] in live_tags]
        skipped += [v.object_repr for v in bylines if v not in keep_bylines]
        skipped += [f"tag #{v.field_dict['tag_id']}" for v in tagged if v not in keep_tags]
        ArticleAuthor.objects.filter(article=current).exclude(
            pk__in=[int(v.object_id) for v in keep_bylines]
        ).delete()
        TaggedArticle.objects.filter(content_object=current).exclude(
            pk__in=[int(v.object_id) for v in keep_tags]
        ).delete()
        # Old byline rows may hold an author that is now on another row of the article.
        ArticleAuthor.objects.filter(
            article=current, author_id__in=[v.field_dict["author_id"] for v in keep_bylines]
        ).exclude(pk__in=[int(v.object_id) for v in keep_bylines]).delete()
        version.revert()
        for related in (*keep_bylines, *keep_tags):
            related.revert()
        Article.objects.filter(pk=current.pk).update(
            version=current.version + 1, last_edited_by=user, updated_at=timezone.now()
        )
        restored = Article.objects.select_related("lead_photo").get(pk=current.pk)
        # An old version was cleaned by the allowlist of its day: clean it by today's.
        body = sanitize.clean_html(restored.body)
        if body != restored.body:
            Article.objects.filter(pk=restored.pk).update(body=body)
            restored.body = body
        _purge_restored(restored, *shown_before)
        if restored.status == Article.Status.PUBLISHED:
            try:
                restored.clean()
            except ValidationError as exc:
                raise RestoreError(" ".join(exc.messages)) from exc
        reversion.set_user(user)
        reversion.set_comment(f"Restored version {number}")
        reversion.add_to_revision(restored)
        tagged_now = TaggedArticle.objects.filter(content_object=restored)
        for row in (*restored.bylines.all(), *tagged_now):
            reversion.add_to_revision(row)
    return restored, skipped
