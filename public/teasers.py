"""Teasers rendered once per article and kept until what they show changes.

A list page (home, a section, a tag, an author, an article's related stories) is a
row of teasers, and most of the cost of rendering it again after a purge is those
teasers, which rarely changed: one article edited purges the home page, not the
28 other teasers on it. Each teaser's HTML is kept in the page cache under its own
name (the article and the variant: template, heading level, compact, section label)
with the keys of every row it shows: the article, its section, its lead photo and,
with a byline, its authors. An edit to any of them purges it with the pages showing
it (``newsroom.pagecache.cached_values``). Of the article, a teaser shows its card
(``articles.cachekeys.card_key``, ``teaser_key`` with the dek and byline): an edit to
its text purges its own page, not the lists showing it. So lists load their articles
``untracked``.

So a list needs only its articles' primary keys (``ArticleQuerySet.listed``): the kept teasers come
in one cache round trip, and the articles whose teaser is missing are loaded in one
query (two with bylines) and rendered. ``prefetch_teasers`` does that for all the
lists of a page at once, as ``prefetch_related_objects`` does for relations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from articles.cachekeys import card_key, teaser_key
from articles.models import Article, Section
from newsroom.pagecache import cached_values, instance_key, row_key, untracked
from photos.models import Photo


@dataclass(frozen=True)
class Variant:
    """How a teaser is shown: its template and the arguments it takes."""

    template: str = "includes/teaser.html"
    level: int = 2
    compact: bool = False  # headline, section and date only: no dek, no byline
    hide_section: bool = False

    @property
    def name(self) -> str:
        kind = PurePosixPath(self.template).stem  # "teaser", "lead_story"
        return f"{kind}:{self.level}{'c' if self.compact else ''}{'h' if self.hide_section else ''}"

    @property
    def byline(self) -> bool:
        return not self.compact


# The home page's lead story, large (includes/lead_story.html).
LEAD = Variant(template="includes/lead_story.html")


def teaser_keys(article: Article, variant: Variant) -> set[str]:
    """Return the dependency keys of one teaser: every row it shows (of the article, its
    card for a compact teaser, else its full teaser)."""
    shown = card_key(article) if variant.compact else teaser_key(article)
    keys = {shown, row_key(Section, article.section_id)}
    if article.lead_photo_id:
        keys.add(row_key(Photo, article.lead_photo_id))
    if variant.byline:
        keys.update(instance_key(author) for author in article.credited_authors)
    return keys


def _is_loaded(article: Article, variant: Variant) -> bool:
    """Return whether ``article`` holds all its teaser shows (else it is loaded again)."""
    if "headline" in article.get_deferred_fields() or not Article.section.is_cached(article):
        return False
    if article.lead_photo_id and not Article.lead_photo.is_cached(article):
        return False
    return not variant.byline or "bylines" in getattr(article, "_prefetched_objects_cache", {})


def prefetch_teasers(lists: Iterable[tuple[Sequence[Article], Variant]]) -> None:
    """Attach to each article its teaser's HTML for the variant of its list.

    One cache round trip for every list; the missing teasers' articles are loaded in one
    query (with their bylines where a variant shows them) and rendered. An article no
    longer public by then gets no teaser.
    """
    wanted: dict[str, tuple[Article, Variant]] = {}
    for articles, variant in lists:
        for article in articles:
            if variant.name not in getattr(article, "_teasers", {}):
                wanted[f"{variant.name}:{article.pk}"] = (article, variant)
    if not wanted:
        return

    def render(missing: list[str]) -> dict[str, tuple[str, set[str]]]:
        rows = _load([wanted[name] for name in missing])
        rendered = {}
        for name in missing:
            article, variant = wanted[name]
            row = rows.get(article.pk)
            if row is not None:
                context = {
                    "article": row,
                    "level": variant.level,
                    "compact": variant.compact,
                    "hide_section": variant.hide_section,
                }
                html = get_template(variant.template).render(context)
                rendered[name] = (html, teaser_keys(row, variant))
        return rendered

    found = cached_values(wanted, render)
    for name, (article, variant) in wanted.items():
        if not hasattr(article, "_teasers"):
            article._teasers = {}
        article._teasers[variant.name] = found.get(name)


def _load(needed: list[tuple[Article, Variant]]) -> dict[int, Article]:
    """Return the articles of ``needed`` with what their teasers show, by primary key."""
    rows = {article.pk: article for article, _ in needed}
    to_load = {article.pk for article, variant in needed if not _is_loaded(article, variant)}
    if to_load:
        bylines = any(variant.byline for article, variant in needed if article.pk in to_load)
        with untracked():  # the page depends on the teasers' keys, not on whole rows
            loaded = Article.objects.published().teasers(bylines=bylines).in_bulk(to_load)
        rows = {pk: loaded.get(pk) if pk in to_load else row for pk, row in rows.items()}
    return {pk: row for pk, row in rows.items() if row is not None}


def render_teasers(articles: Sequence[Article], variant: Variant) -> SafeString:
    """Return the teasers of ``articles`` in order (those prefetched, and the rest now)."""
    prefetch_teasers([(articles, variant)])
    return mark_safe("".join(article._teasers[variant.name] or "" for article in articles))
