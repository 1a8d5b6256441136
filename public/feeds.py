"""RSS 2.0 and Atom feeds of the published articles: the whole site, a section, a tag, an author.

Each item carries the headline, the link, a summary (the dek, else the start of the body),
every byline (one ``dc:creator`` or Atom ``<author>`` each), the tags as categories, the
publish and update times, the audio version as an enclosure (RSS allows one: else the lead
image), and the lead image as Media RSS
``media:content`` with its size, alt text and credit. A feed runs the same few queries
whatever the number of articles; an unknown slug is a 404 and a merged or renamed tag's
feed answers 301 to the feed of the tag it became.

A live article is listed once, as an article, with the time of its newest update as the
item's update time (Atom ``<updated>``; RSS the channel's ``lastBuildDate``), read in the
same query as the articles. Its own feed of updates is ``public.live_feeds``.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from articles import cachekeys, text
from articles.models import Article, ArticleAuthor, Author, Section, TaggedArticle
from embeds import bodies, services
from live.models import LiveUpdate
from newsroom.pagecache import depends_on
from photos.images import card_image
from photos.models import Photo
from public.templatetags.newsroom import audio_type

FEED_LENGTH = 20
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True)
class FeedImage:
    """The lead image of an item; ``url`` is made absolute once the request is known."""

    url: str
    mime_type: str
    width: int | None
    height: int | None
    alt: str
    credit: str


def feed_image(photo: Photo | None) -> FeedImage | None:
    """Return the image a feed offers for ``photo``: the social card, else the original.

    Reads ``photo.renditions`` only: no query and no storage call (so no file size,
    which is why enclosures say length 0, as the RSS Profile asks when it is unknown).
    """
    if photo is None or not photo.image:
        return None
    url, width, height, is_card = card_image(photo)
    if is_card:
        mime_type = "image/jpeg"
    else:
        mime_type = mimetypes.guess_type(photo.image.name)[0] or "image/jpeg"
    return FeedImage(url, mime_type, width, height, photo.alt_text, photo.credit)


def feed_audio(article: Article) -> tuple[str, str, int] | None:
    """Return the URL, type and size in bytes of the article's audio version, if any."""
    if not article.audio:
        return None
    try:
        size = article.audio.size  # a stat, or one HEAD on object storage; feeds are cached
    except OSError:
        size = 0  # the RSS Profile's "unknown"
    return article.audio.url, audio_type(article.audio) or "audio/mpeg", size


class NewsRssFeed(Rss201rev2Feed):
    """RSS 2.0 with one ``dc:creator`` per byline and the lead image as ``media:content``."""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:dc": DC_NS, "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        # The bylines are written below, one element per author, not as one joined name.
        super().add_item_elements(handler, {**item, "author_name": None})
        for name, _url in item.get("authors", ()):
            handler.addQuickElement("dc:creator", name)
        add_media_content(handler, item.get("image"))


class NewsAtomFeed(Atom1Feed):
    """Atom with one ``<author>`` per byline and the lead image as ``media:content``."""

    def root_attributes(self) -> dict[str, str]:
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "author_name": None})
        for name, url in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", url)
            handler.endElement("author")
        add_media_content(handler, item.get("image"))


def add_media_content(handler, image: FeedImage | None) -> None:
    """Write ``image`` as a Media RSS ``media:content`` with its alt text and credit."""
    if image is None:
        return
    attrs = {"url": image.url, "medium": "image", "type": image.mime_type}
    if image.width and image.height:
        attrs |= {"width": str(image.width), "height": str(image.height)}
    handler.startElement("media:content", attrs)
    if image.alt:
        handler.addQuickElement("media:description", image.alt, {"type": "plain"})
    if image.credit:
        handler.addQuickElement("media:credit", image.credit)
    handler.endElement("media:content")


def latest_update_time() -> Subquery:
    """Return, for each article of a query, the publish time of its newest public live update.

    NULL for an article without one (any article not live). An index probe per article
    (``live_update_recent_idx``), in the articles' own query.
    """
    newest = (
        LiveUpdate.objects.published()
        .filter(article=OuterRef("pk"))
        .order_by("-published_at")
        .values("published_at")[:1]
    )
    return Subquery(newest)


class NewsFeed(Feed):
    """The newsroom's feeds: its name, language, and items with bylines and images.

    Items give ``authors`` (name, URL), ``image`` (a ``FeedImage`` or None) and ``audio``
    (``feed_audio`` or None) in ``item_extra_kwargs``; their URLs are made absolute here.
    """

    feed_type = NewsRssFeed
    language = settings.LANGUAGE_CODE.split("-")[0]

    # Atom needs an author for the feed when an entry has none.
    def author_name(self, obj) -> str:
        return settings.NEWSROOM_NAME

    def get_feed(self, obj, request: HttpRequest):
        """Return the feed, with image and author URLs made absolute from the request."""
        feed = super().get_feed(obj, request)
        absolute = request.build_absolute_uri
        for item in feed.items:
            item["authors"] = [(name, absolute(url)) for name, url in item.get("authors", ())]
            enclosures = []
            if audio := item.get("audio"):
                url, mime_type, length = audio
                enclosures.append(Enclosure(absolute(url), str(length), mime_type))
            if image := item.get("image"):
                image = item["image"] = replace(image, url=absolute(image.url))
                enclosures.append(Enclosure(image.url, "0", image.mime_type))
            # RSS allows one enclosure: the audio version when there is one (podcast apps
            # play it), the image otherwise; the image is in media:content either way.
            item["enclosures"] = enclosures if self.feed_type is NewsAtomFeed else enclosures[:1]
        return feed


class ArticleFeed(NewsFeed):
    """The newest published articles, newest first; subclasses narrow them to one object."""

    def title(self, obj) -> str:
        return settings.NEWSROOM_NAME

    def description(self, obj) -> str:
        return settings.NEWSROOM_TAGLINE

    def link(self, obj) -> str:
        return reverse("articles:home")

    def articles(self, obj) -> QuerySet[Article]:
        return Article.objects.published()

    def list_key(self, obj) -> str:
        """Return the page-cache key of the list this feed is (the site's: every article)."""
        return cachekeys.LIST_ALL

    def items(self, obj) -> list[Article]:
        depends_on(self.list_key(obj))
        articles = (
            self.articles(obj)
            .with_related()
            .annotate(latest_update_at=latest_update_time())
            .order_by("-published_at", "-id")
        )
        items = list(articles[:FEED_LENGTH])
        # The summaries made from a body show its embeds by title: one query for all.
        excerpted = [item.body for item in items if not item.dek]
        snapshots = services.snapshots(url for body in excerpted for url in bodies.embed_urls(body))
        for item in items:
            item.embed_snapshots = snapshots
        return items

    def item_title(self, item: Article) -> str:
        return item.headline

    def item_description(self, item: Article) -> str:
        # Readers take an item's summary as HTML: the plain text is escaped once.
        if item.dek:
            return escape(item.dek)
        # An embed reads as its title and provider, not as its bare URL.
        body = bodies.as_links(item.body, getattr(item, "embed_snapshots", {}))
        return escape(text.excerpt(body))

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        """The article's own update time, or its newest live update's when that is later."""
        updated = item.shown_updated_at or item.published_at
        latest = getattr(item, "latest_update_at", None)
        return max(updated, latest) if latest and updated else latest or updated

    def item_categories(self, item: Article) -> list[str]:
        return [tag.name for tag in item.shown_tags]

    def item_extra_kwargs(self, item: Article) -> dict[str, Any]:
        return {
            "authors": [
                (author.name, author.get_absolute_url()) for author in item.credited_authors
            ],
            "image": feed_image(item.lead_photo),
            "audio": feed_audio(item),
        }


class AtomFeedMixin:
    feed_type = NewsAtomFeed

    def subtitle(self, obj) -> str:
        return self.description(obj)


class LatestArticlesFeed(ArticleFeed):
    pass


class LatestArticlesAtomFeed(AtomFeedMixin, LatestArticlesFeed):
    pass


class SectionFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Section:
        return get_object_or_404(Section, slug=slug)

    def title(self, obj: Section) -> str:
        return f"{obj.name} — {settings.NEWSROOM_NAME}"

    def description(self, obj: Section) -> str:
        return obj.description or f"The latest {obj.name} articles from {settings.NEWSROOM_NAME}."

    def link(self, obj: Section) -> str:
        return obj.get_absolute_url()

    def list_key(self, obj: Section) -> str:
        return cachekeys.section_list(obj.pk)

    def articles(self, obj: Section) -> QuerySet[Article]:
        return super().articles(obj).filter(section=obj)


class SectionAtomFeed(AtomFeedMixin, SectionFeed):
    pass


class TagFeed(ArticleFeed):
    """A tag's articles; the slug of a merged or renamed tag answers 301 to its tag's feed."""

    url_name = "articles:tag_feed_rss"

    def __call__(self, request: HttpRequest, slug: str) -> HttpResponse:
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            target = get_object_or_404(Tag.objects.only("slug"), redirects__old_slug=slug)
            return redirect(self.url_name, slug=target.slug, permanent=True)
        return super().__call__(request, tag=tag)

    def get_object(self, request: HttpRequest, tag: Tag) -> Tag:
        return tag

    def title(self, obj: Tag) -> str:
        return f"{obj.name} — {settings.NEWSROOM_NAME}"

    def description(self, obj: Tag) -> str:
        return f"The latest articles tagged “{obj.name}” from {settings.NEWSROOM_NAME}."

    def link(self, obj: Tag) -> str:
        return reverse("articles:tag", kwargs={"slug": obj.slug})

    def list_key(self, obj: Tag) -> str:
        return cachekeys.tag_list(obj.pk)

    def articles(self, obj: Tag) -> QuerySet[Article]:
        tagged = TaggedArticle.objects.filter(tag=obj)
        return super().articles(obj).linked_newest_first(tagged, "content_object")


class TagAtomFeed(AtomFeedMixin, TagFeed):
    url_name = "articles:tag_feed_atom"


class AuthorFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Author:
        return get_object_or_404(Author, slug=slug)

    def title(self, obj: Author) -> str:
        return f"{obj.name} — {settings.NEWSROOM_NAME}"

    def description(self, obj: Author) -> str:
        return f"The latest articles by {obj.name} from {settings.NEWSROOM_NAME}."

    def link(self, obj: Author) -> str:
        return obj.get_absolute_url()

    def list_key(self, obj: Author) -> str:
        return cachekeys.author_list(obj.pk)

    def articles(self, obj: Author) -> QuerySet[Article]:
        bylines = ArticleAuthor.objects.filter(author=obj)
        return super().articles(obj).linked_newest_first(bylines, "article")


class AuthorAtomFeed(AtomFeedMixin, AuthorFeed):
    pass
