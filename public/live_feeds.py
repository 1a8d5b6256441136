"""RSS 2.0 and Atom feeds of one live article's updates, newest first.

Each item is a published update: its title (its headline, else the first words of its
text), its permalink, its sanitized body as the description, its bylines, its photo as
``media:content`` and enclosure (as the article feeds offer a lead photo), its publish
time and, once edited, its update time. Key events carry the category "Key event".
Only a public live article has this feed; any other slug is a 404.

A feed depends on the article's row and on ``updates_key(article)``, which every
published, edited or withdrawn update purges (``live.signals``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from articles.models import Article
from embeds import bodies, services
from live.models import LiveUpdate
from live.signals import updates_key
from newsroom.pagecache import depends_on, instance_key
from public.feeds import AtomFeedMixin, NewsFeed, feed_image
from public.templatetags.editorial import update_modified

# How many of the newest updates a live article's feed lists.
LIVE_FEED_LENGTH = 50
KEY_EVENT = "Key event"


class LiveUpdatesFeed(NewsFeed):
    """A public live article's newest published updates (RSS 2.0)."""

    def get_object(self, request: HttpRequest, slug: str) -> Article:
        articles = Article.objects.published().filter(live=True).select_related("section")
        article = get_object_or_404(articles, slug=slug)
        depends_on(instance_key(article), updates_key(article.pk))
        # Per request, on the article (the feed object is shared between requests).
        article.absolute_url_of = request.build_absolute_uri
        return article

    def title(self, obj: Article) -> str:
        return f"{obj.headline}: live updates — {settings.NEWSROOM_NAME}"

    def description(self, obj: Article) -> str:
        return obj.dek or f"Live updates from {settings.NEWSROOM_NAME}: {obj.headline}"

    def link(self, obj: Article) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Article) -> list[LiveUpdate]:
        updates = list(LiveUpdate.objects.for_readers().filter(article=obj)[:LIVE_FEED_LENGTH])
        for update in updates:
            update.article = obj  # its permalink names the article: no query per item
        # Embeds show as a linked title and thumbnail: their snapshots in one query.
        obj.embed_snapshots = services.snapshots(
            url for update in updates for url in bodies.embed_urls(update.body)
        )
        return updates

    def item_title(self, item: LiveUpdate) -> str:
        return item.title

    def item_description(self, item: LiveUpdate) -> str:
        # Sanitized on save (articles.sanitize); an embed as a link, never a frame.
        article = item.article
        return bodies.as_links(item.body, article.embed_snapshots, article.absolute_url_of)

    def item_pubdate(self, item: LiveUpdate):
        return item.published_at

    def item_updateddate(self, item: LiveUpdate):
        return update_modified(item) or item.published_at

    def item_categories(self, item: LiveUpdate) -> list[str]:
        return [KEY_EVENT] if item.key_event else []

    def item_extra_kwargs(self, item: LiveUpdate) -> dict[str, Any]:
        return {
            "authors": [
                (author.name, author.get_absolute_url()) for author in item.credited_authors
            ],
            "image": feed_image(item.photo),
        }


class LiveUpdatesAtomFeed(AtomFeedMixin, LiveUpdatesFeed):
    pass
