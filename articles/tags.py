"""The tag desk's services: usage counts, likely duplicates, merge and rename.

Every old tag URL keeps working: a merge or a slug change leaves a ``TagRedirect`` from the
old slug to the tag it became, and each merge or rename is logged as a ``TagChange``.
Abbreviations and synonyms ("N. Korea", "DPRK") cannot be told apart from different
topics by rules; editors merge those by hand.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from taggit.models import ItemBase, Tag

from newsroom.pagecache import instance_key, purge
from photos.models import TaggedPhoto

from .cachekeys import tag_list
from .models import TagChange, TaggedArticle, TagRedirect

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class Named(Protocol):
    name: str


# Marks that join the parts of one word: "Children's" reads as "childrens", not "children s".
_JOINERS = {"'", "’", "ʼ", "`"}


def _fold_char(char: str) -> str:
    """Return ``char`` without its accents when it is a Latin letter ("é" -> "e").

    Other scripts keep their marks: in Ukrainian "й" and "ї" are letters of their own.
    """
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return bare if bare.isascii() else char


def normalize_tag_name(name: str) -> str:
    """Return ``name`` compared loosely: case-folded, without accents or punctuation.

    "North-Korea", " north  korea " and "Nörth Korea" all give "north korea".
    """
    chars = []
    for char in unicodedata.normalize("NFC", name):
        if char in _JOINERS:
            continue
        category = unicodedata.category(char)
        chars.append(" " if category[0] in "PSZC" else _fold_char(char))
    return " ".join("".join(chars).casefold().split())


def _singular_forms(word: str) -> set[str]:
    """Return ``word`` and what it would be if it were a simple English plural."""
    forms = {word}
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms.add(word[:-1])  # drones -> drone, houses -> house
        if word.endswith("es"):
            forms.add(word[:-2])  # buses -> bus, churches -> church
        if word.endswith("ies"):
            forms.add(word[:-3] + "y")  # cities -> city
    return forms


def duplicate_keys(name: str) -> set[str]:
    """Return the keys under which ``name`` collides with its likely duplicates.

    Spaces are ignored ("NorthKorea" meets "North Korea") and the last word may be a
    simple plural ("Drones" meets "drone", "cities" meets "City").
    """
    words = normalize_tag_name(name).split()
    if not words:
        return set()
    head = "".join(words[:-1])
    return {head + form for form in _singular_forms(words[-1])}


def find_duplicate_groups[T: Named](tags: Iterable[T]) -> list[list[T]]:
    """Return the groups of ``tags`` (anything with a ``name``) whose names likely mean the same.

    Each group keeps the input order, and groups come in the order of their first tag, so
    a list ordered by usage puts the tag most worth keeping first.
    """
    items = list(tags)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, item in enumerate(items):
        for key in duplicate_keys(item.name):
            if key in owner:
                a, b = root(owner[key]), root(index)
                parent[max(a, b)] = min(a, b)
            else:
                owner[key] = index

    groups: dict[int, list[T]] = {}
    for index, item in enumerate(items):
        groups.setdefault(root(index), []).append(item)
    return [group for group in groups.values() if len(group) > 1]


def _count_of(through: type[ItemBase]) -> Coalesce:
    items = (
        through.objects.filter(tag=OuterRef("pk"))
        .order_by()
        .values("tag")
        .annotate(n=Count("content_object", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(items, output_field=IntegerField()), 0)


def with_usage(tags: QuerySet[Tag]) -> QuerySet[Tag]:
    """Return ``tags`` annotated with ``article_count``, ``photo_count`` and ``usage_count``.

    Subqueries rather than joins: one query whatever the number of tags, and no row
    explosion for a tag on thousands of articles and photos.
    """
    return tags.annotate(
        article_count=_count_of(TaggedArticle), photo_count=_count_of(TaggedPhoto)
    ).annotate(usage_count=F("article_count") + F("photo_count"))


def _through_models() -> list[type[ItemBase]]:
    """Return every model that tags objects with a ``Tag`` (articles, photos, taggit's own)."""
    return [
        rel.related_model
        for rel in Tag._meta.related_objects
        if issubclass(rel.related_model, ItemBase) and rel.field.name == "tag"
    ]


def _object_fields(through: type[Model]) -> tuple[str, ...]:
    """Return the fields that name the tagged object in ``through``."""
    field_names = {f.name for f in through._meta.concrete_fields}
    if "object_id" in field_names:
        return ("content_type", "object_id")
    return ("content_object",)


def _move_tagged_items(through: type[ItemBase], keep: Tag, other_ids: list[int]) -> int:
    """Retag ``through`` rows from ``other_ids`` to ``keep``, one row per object; return moved."""
    fields = _object_fields(through)
    already_kept = through.objects.filter(tag=keep, **{f: OuterRef(f) for f in fields})
    others = through.objects.filter(tag__in=other_ids)
    others.filter(Exists(already_kept)).delete()
    first_per_object = others.order_by().values(*fields).annotate(first=Min("pk")).values("first")
    others.exclude(pk__in=Subquery(first_per_object)).delete()
    return others.update(tag=keep)


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


@transaction.atomic
def merge_tags(keep: Tag, others: Sequence[Tag], user: AbstractBaseUser | None) -> TagChange:
    """Merge ``others`` into ``keep``: retag their articles and photos, delete them, redirect.

    An object tagged with several of the merged tags ends up with ``keep`` once. The old
    slugs, and every redirect that led to the removed tags, now lead to ``keep``.
    """
    others = [tag for tag in others if tag.pk != keep.pk]
    if not others:
        raise ValueError("Pick at least one tag to merge into the kept tag.")
    other_ids = [tag.pk for tag in others]
    # Lock the rows (on databases that can) so a concurrent rename or merge waits.
    locked = {t.pk: t for t in Tag.objects.select_for_update().filter(pk__in=[keep.pk, *other_ids])}
    if len(locked) != len(other_ids) + 1:
        raise Tag.DoesNotExist("A tag to merge was deleted meanwhile.")
    keep = locked[keep.pk]
    others = [locked[pk] for pk in other_ids]

    moved = {through: _move_tagged_items(through, keep, other_ids) for through in _through_models()}
    # Retagging is an .update(), which sends no signal: the pages showing any of the
    # tags, and the kept tag's list, which gains articles.
    purge({key for tag in (keep, *others) for key in (instance_key(tag), tag_list(tag.pk))})

    TagRedirect.objects.filter(tag__in=other_ids).update(tag=keep)
    for tag in others:
        TagRedirect.objects.update_or_create(old_slug=tag.slug, defaults={"tag": keep})
    TagRedirect.objects.filter(old_slug=keep.slug).delete()
    Tag.objects.filter(pk__in=other_ids).delete()

    articles, photos = moved.get(TaggedArticle, 0), moved.get(TaggedPhoto, 0)
    summary = (
        f"Merged {_quoted(t.name for t in others)} into “{keep.name}”: "
        f"{articles} article{'s' if articles != 1 else ''} and "
        f"{photos} photo{'s' if photos != 1 else ''} newly tagged “{keep.name}”; "
        f"the old slugs {_quoted(t.slug for t in others)} redirect to “{keep.slug}”."
    )
    return TagChange.objects.create(
        action=TagChange.Action.MERGE,
        tag=keep,
        summary=summary,
        old_names=[t.name for t in others],
        changed_by=user,
    )


@transaction.atomic
def rename_tag(tag: Tag, name: str, slug: str, user: AbstractBaseUser | None) -> TagChange | None:
    """Give ``tag`` a new name and slug; its old slug keeps working as a 301. Return the log.

    Raise ``ValidationError`` when another tag already has the name or slug. Renaming
    back to an old slug drops the redirect that slug had become.
    """
    current = Tag.objects.select_for_update().get(pk=tag.pk)
    old_name, old_slug = current.name, current.slug
    if (name, slug) == (old_name, old_slug):
        return None
    tag.name, tag.slug = name, slug
    tag.full_clean()
    tag.save()

    parts = []
    if name != old_name:
        parts.append(f"“{old_name}” to “{name}”")
    if slug != old_slug:
        TagRedirect.objects.filter(old_slug=slug).delete()
        TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})
        parts.append(f"slug “{old_slug}” to “{slug}” (the old URL redirects)")
    return TagChange.objects.create(
        action=TagChange.Action.RENAME,
        tag=tag,
        summary=f"Renamed {' and '.join(parts)}.",
        old_names=[old_name],
        changed_by=user,
    )
