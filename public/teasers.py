"""Teasers rendered once per article and kept until what they show changes.

A list page (home, a section, a tag, an author, an article's related stories) is a
row of teasers, and most of the cost of rendering it again after a purge is those
teasers, which rarely changed: one article edited purges the home page, not the
28 other teasers on it. Each teaser's HTML is kept in the page cache under its own
name (the article and the variant: heading level, compact, section label) and the
keys of every row it shows: the article, its section, its lead photo and, with a
byline, its authors. An edit to any of them purges it with the pages showing it
(``newsroom.pagecache.cached_values``); a list fetches its teasers in one round trip
and renders only those it does not find.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, Section
from newsroom.pagecache import cached_values, instance_key, row_key
from photos.models import Photo

TEASER_TEMPLATE = "includes/teaser.html"


def teaser_keys(article: Article, *, byline: bool) -> set[str]:
    """Return the dependency keys of one teaser: every row it shows."""
    keys = {instance_key(article), row_key(Section, article.section_id)}
    if article.lead_photo_id:
        keys.add(row_key(Photo, article.lead_photo_id))
    if byline:
        keys.update(instance_key(author) for author in article.credited_authors)
    return keys


def render_teasers(
    articles: Sequence[Article],
    *,
    level: int = 2,
    compact: bool = False,
    hide_section: bool = False,
) -> SafeString:
    """Return the ``<li>`` teasers of ``articles``, each rendered at most once until it changes.

    ``compact`` teasers carry no dek and no byline (their bylines are not fetched).
    """
    variant = f"{level}{'c' if compact else ''}{'h' if hide_section else ''}"
    by_name = {f"teaser:{variant}:{article.pk}": article for article in articles}
    template = get_template(TEASER_TEMPLATE)

    def render(missing: list[str]) -> dict[str, str]:
        options = {"level": level, "compact": compact, "hide_section": hide_section}
        return {name: template.render({"article": by_name[name], **options}) for name in missing}

    wanted = {name: teaser_keys(article, byline=not compact) for name, article in by_name.items()}
    rendered = cached_values(wanted, render)
    return mark_safe("".join(rendered[name] for name in by_name))
