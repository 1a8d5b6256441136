"""The page-cache keys of the newsroom's lists, and which keys an article's edit affects.

A row a page loads is a key by itself (``newsroom.pagecache.instance_key``:
``articles.article:12``, ``photos.photo:3``…). The keys here name what no single row
does: the lists an article enters or leaves when it is published, moved or taken down.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from newsroom.pagecache import cached_value, depends_on, instance_key, untracked

from .models import Article, Section
from .querysets import Visibility, related_and_neighbours, visibility

# Home, the site's feeds, search results and the sitemaps: every public article.
LIST_ALL = "articles:list:all"
# The sitemaps list every public article with its last change.
SITEMAPS = "articles:sitemaps"
# The section navigation, on every page.
SECTIONS = "articles:sections"


# What other pages show of an article. Its card: a link to it (a compact teaser, the
# previous/next links) shows these; a full teaser adds the dek and the byline. Changing
# anything else (its text, tags, notes) purges its own page, not the pages linking to it.
# Teasers mark live coverage that is on with a badge: starting or ending it is a card change.
CARD_FIELDS = (
    "headline",
    "slug",
    "lead_photo_id",
    "section_id",
    "published_at",
    "live",
    "coverage_ended_at",
)
TEASER_FIELDS = ("dek",)
# How far an edit of an article reaches: its page; also its full teasers; also its card.
PAGE, TEASER, CARD = "page", "teaser", "card"


def card_key(article: Article) -> str:
    """Return the key of an article's card: what links and compact teasers show of it.

    Pages showing an article only so (``public.teasers``, the previous/next links) load
    it ``untracked`` and depend on this key (or ``teaser_key``); its own page depends on
    its row's key.
    """
    return f"{instance_key(article)}:card"


def teaser_key(article: Article) -> str:
    """Return the key of an article's full teaser: its card, its dek and its byline."""
    return f"{instance_key(article)}:teaser"


def shown_of(article: Article) -> tuple[tuple, tuple]:
    """Return what other pages show of ``article``: (its card's fields, its teaser's)."""
    return (
        tuple(getattr(article, name) for name in CARD_FIELDS),
        tuple(getattr(article, name) for name in TEASER_FIELDS),
    )


def reach(before: tuple[tuple, tuple] | None, after: tuple[tuple, tuple]) -> str:
    """Return how far an edit reaches, from what others showed before and show after."""
    if before is None or before[0] != after[0]:
        return CARD
    return TEASER if before[1] != after[1] else PAGE


def article_keys(article: Article, reaches: str = CARD) -> set[str]:
    """Return the keys of the pages an edit of ``article`` reaching so far changes."""
    keys = {instance_key(article)}
    if reaches in (TEASER, CARD):
        keys.add(teaser_key(article))
    if reaches == CARD:
        keys.add(card_key(article))
    return keys


def navigation_sections() -> list[Section]:
    """Return every section in order, for the navigation (one query until one changes)."""
    return cached_value("section-nav", lambda: list(Section.objects.all()), keys=(SECTIONS,))


def kept_related_and_neighbours(
    article: Article,
) -> tuple[list[Article], Article | None, Article | None]:
    """Return ``related_and_neighbours(article)``, its choice kept until a list it drew on changes.

    Choosing (a query weighing every candidate's shared tags) costs several times more
    than fetching the chosen. The choice, as primary keys, is kept per place of the
    article (section, time, tags) until an article enters or leaves its section or one
    of its tags (their list keys are purged then); the chosen teasers are fetched fresh
    each time, so an edit to one shows and one taken down drops out at once. The page
    does not depend on those lists: like the page, the choice is otherwise as old as
    ``PAGE_CACHE_SECONDS`` at most.
    """
    tag_ids = sorted(tag.pk for tag in article.shown_tags)  # prefetched by with_related()
    # Only where the article stands decides the choice, not its text: an edit to its
    # words (the busiest edit there is) keeps the choice; a new time, section or tag set
    # is another name.
    stands = f"{article.section_id}:{article.published_at.isoformat()}:{tag_ids}"
    name = f"related:{article.pk}:{hashlib.sha256(stands.encode()).hexdigest()[:16]}"
    keys = {section_list(article.section_id), *map(tag_list, tag_ids)}
    chosen: dict[str, tuple] = {}

    def choose() -> tuple[list[int], int | None, int | None]:
        related, previous, next_ = chosen["rows"] = related_and_neighbours(article)
        return (
            [other.pk for other in related],
            getattr(previous, "pk", None),
            getattr(next_, "pk", None),
        )

    with untracked():  # the page shows their cards only (the teasers add those keys)
        pks, previous_pk, next_pk = cached_value(name, choose, keys=keys, page_depends=False)
        if "rows" in chosen:
            related, previous, next_ = chosen["rows"]
        else:
            wanted = [pk for pk in (*pks, previous_pk, next_pk) if pk]
            found = Article.objects.published().teasers(bylines=False).in_bulk(wanted)
            related = [found[pk] for pk in pks if pk in found]
            previous, next_ = found.get(previous_pk), found.get(next_pk)
    depends_on(*(card_key(link) for link in (previous, next_) if link is not None))
    return related, previous, next_


def section_list(pk: int) -> str:
    return f"articles:list:section:{pk}"


def tag_list(pk: int) -> str:
    return f"articles:list:tag:{pk}"


def author_list(pk: int) -> str:
    return f"articles:list:author:{pk}"


@dataclass(frozen=True)
class ListPlace:
    """Where an article stands for readers: what decides the lists it is in, and where."""

    shown: Visibility
    section_id: int | None
    published_at: datetime | None
    unpublish_at: datetime | None
    featured: bool

    @classmethod
    def of(cls, article: Article) -> ListPlace:
        return cls(
            visibility(article),
            article.section_id,
            article.published_at,
            article.unpublish_at,
            article.featured,
        )

    @property
    def concerns_readers(self) -> bool:
        """Public now. (A scheduled article changes pages when its time comes:
        ``due_changes``.)"""
        return self.shown == Visibility.PUBLIC


def lists_of(article: Article, section_ids: set[int]) -> set[str]:
    """Return the list keys of ``article``'s lists: all, its sections, its tags, its authors."""
    return {*_lists_of_many([article])[article.pk], *map(section_list, section_ids - {None})}


def _lists_of_many(articles: list[Article]) -> dict[int, set[str]]:
    """Return each article's keys of the site's, its section's, tags' and authors' lists.

    Two queries whatever the number of articles: their tags, and their bylines.
    """
    lists = {article.pk: {LIST_ALL, section_list(article.section_id)} for article in articles}
    if not articles:
        return lists
    tagged = Article.tags.through.objects.filter(content_object__in=list(lists))
    for article_id, tag_id in tagged.values_list("content_object", "tag_id"):
        lists[article_id].add(tag_list(tag_id))
    bylines = Article.bylines.rel.related_model.objects.filter(article__in=list(lists))
    for article_id, author_id in bylines.values_list("article", "author_id"):
        lists[article_id].add(author_list(author_id))
    return lists


def article_change(
    article: Article,
    before: ListPlace | None,
    after: ListPlace | None,
    *,
    reaches: str = CARD,
) -> set[str]:
    """Return the keys a save (``after``) or delete (``after`` None) of ``article`` affects.

    - Not public before nor after: nothing (a draft, a piece in review, one scheduled
      for later: its time purges its lists then, ``due_changes``).
    - A public article edited in place: its page and the sitemaps, and as far as the edit
      ``reaches`` (``reach``): its full teasers (a new dek), every link to it (a new
      headline).
    - Published, unpublished, deleted, moved to another section or time, (un)featured:
      every page showing it, and the lists it enters or leaves.
    """
    places = [place for place in (before, after) if place is not None]
    if not any(place.concerns_readers for place in places):
        return set()
    moved = before is None or after is None or before != after
    keys = {*article_keys(article, CARD if moved else reaches), SITEMAPS}
    if moved:
        keys |= lists_of(article, {place.section_id for place in places})
    return keys


def scheduled_moment(place: ListPlace) -> datetime | None:
    """Return when a published article next appears or disappears by itself, if it will."""
    if place.shown == Visibility.SCHEDULED:
        return place.published_at
    if place.shown == Visibility.PUBLIC and place.unpublish_at is not None:
        return place.unpublish_at
    return None


def due_changes(since: datetime, until: datetime) -> list[tuple[set[str], bool]]:
    """Return the keys each article that appeared or went by itself in (since, until] affects.

    The page cache asks this (``settings.PAGE_CACHE_DUE_CHANGES``) once a scheduled
    moment has passed: an appearance purges the lists it enters, a disappearance (hard)
    every page showing it.
    """
    changes = []
    for articles, hard in (
        (Article.objects.appeared_between(since, until), False),
        (Article.objects.disappeared_between(since, until), True),
    ):
        articles = list(articles)
        lists = _lists_of_many(articles)
        for article in articles:
            changes.append(({*article_keys(article), SITEMAPS, *lists[article.pk]}, hard))
    return changes


def is_removal(before: ListPlace | None, after: ListPlace | None) -> bool:
    """Return whether readers could see the article and now cannot (unpublished, deleted)."""
    was_public = before is not None and before.shown == Visibility.PUBLIC
    return was_public and (after is None or after.shown != Visibility.PUBLIC)
