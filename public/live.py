"""Live coverage for readers: the live part of the page, update permalinks, the follow endpoint.

The live page is the article's own page (``public.views.ArticleDetailView``), which asks
``live_context`` for its updates. Everything here depends on
``live.signals.updates_key(article)``, which any change to a public update purges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Q
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from articles.models import Article
from live.models import UPDATES_PER_PAGE, LiveUpdate
from live.services import page_of
from live.signals import updates_key
from newsroom.pagecache import depends_on
from public.pagination import ArchivePage, ArchivePaginator

# Key events listed at the top of the page, newest first.
KEY_EVENTS = 50
# Updates the follow endpoint lists (new ones, and the newest ones' versions).
FOLLOW_LIMIT = 50


@dataclass
class KeyEvent:
    pk: int
    title: str
    published_at: datetime
    href: str


@dataclass
class LiveContext:
    page: ArchivePage
    pinned: LiveUpdate | None
    key_events: list[KeyEvent]
    ended: bool
    focus: LiveUpdate | None = None
    latest_pk: int | None = None
    latest_at: datetime | None = None
    poll_seconds: int = 20
    follows: bool = field(default=False)


def live_context(article: Article, page_number: object = 1, focus=None) -> LiveContext:
    """The updates of one page of a live article, its pinned update and key events.

    Raises Http404 for a page number that is not one. Four queries: the page (with its
    bylines), the pinned update and the key events.
    """
    depends_on(updates_key(article.pk))
    updates = LiveUpdate.objects.for_readers().filter(article=article)
    try:
        page = ArchivePaginator(updates, UPDATES_PER_PAGE).page(page_number)
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("No such page of updates.") from error
    _of(article, page.object_list)
    on_page = {update.pk for update in page.object_list}
    pinned = None
    if page.number == 1:
        pinned = next((u for u in page.object_list if u.pinned), None) or (
            updates.filter(pinned=True).first()
        )
        _of(article, [pinned] if pinned else [])
    events = (
        LiveUpdate.objects.published()
        .filter(article=article, key_event=True)
        .order_by("-published_at", "-id")
        .only("pk", "headline", "body", "published_at", "article_id")[:KEY_EVENTS]
    )
    key_events = [
        KeyEvent(
            pk=event.pk,
            title=event.title,
            published_at=event.published_at,
            href=f"#update-{event.pk}" if event.pk in on_page else _permalink(article, event.pk),
        )
        for event in events
    ]
    newest = page.object_list[0] if page.number == 1 and page.object_list else None
    ended = article.coverage_has_ended
    return LiveContext(
        page=page,
        pinned=pinned,
        key_events=key_events,
        ended=ended,
        focus=focus,
        latest_pk=newest.pk if newest else None,
        latest_at=newest.published_at if newest else None,
        follows=page.number == 1 and not ended,
        poll_seconds=settings.LIVE_POLL_SECONDS,
    )


def _of(article: Article, updates):
    """Give ``updates`` (of ``article``) their article, so their links cost no query."""
    for update in updates:
        update.article = article
    return updates


def _permalink(article: Article, pk: int) -> str:
    return f"{article.get_absolute_url()}updates/{pk}/"


def public_live_article(slug: str) -> Article:
    return get_object_or_404(Article.objects.published().filter(live=True), slug=slug)


def focused_update(article: Article, pk: int) -> tuple[LiveUpdate, int]:
    """The published update ``pk`` of ``article`` and the page that shows it (else 404)."""
    update = get_object_or_404(
        LiveUpdate.objects.published().select_related("photo"), article=article, pk=pk
    )
    update.article = article
    return update, page_of(update)


def _after(article: Article, value: str) -> Q:
    """The updates a reader who has ``value`` (an update's number) has not seen.

    Published after that update (an update an editor approves later is new too); for
    an update that is gone (deleted, unpublished), numbered after it.
    """
    seen = (
        LiveUpdate.objects.published()
        .filter(article=article, pk=int(value))
        .values_list("published_at", flat=True)
        .first()
    )
    if seen is None:
        return Q(pk__gt=int(value))
    return Q(published_at__gt=seen) | Q(published_at=seen, pk__gt=int(value))


def updates_since(request: HttpRequest, slug: str) -> JsonResponse:
    """``GET …/updates/?after=<pk>``: what a reader's open live page has not shown yet, as JSON.

    ``{"latest": pk, "updates": [{"id", "html"}…] (newest first), "recent": [{"id",
    "version", "published"}…] (the newest updates, so the page can drop deleted or
    unpublished ones and refresh edited ones), "edited": [{"id", "html"}…] (those
    among them changed since they were posted), "ended": bool}``.

    The page cache keeps each answer (``after`` is one of its query parameters) under
    the article's update key, so a poll with nothing new is a cache hit, and with
    ``If-None-Match`` a ``304`` that costs no query and no render.
    """
    after = request.GET.get("after", "")
    if after and not (after.isascii() and after.isdigit() and len(after) < 19):
        return JsonResponse(
            {"error": "“after” must be the number of an update, like ?after=1234."}, status=400
        )
    article = public_live_article(slug)
    depends_on(updates_key(article.pk))
    published = LiveUpdate.objects.for_readers().filter(article=article)
    new = _of(
        article, list(published.filter(_after(article, after))[:FOLLOW_LIMIT]) if after else []
    )
    recent = list(published.defer("body")[:FOLLOW_LIMIT]) if after else []
    if not after:
        recent = list(published[:FOLLOW_LIMIT])
    latest = (new or recent or [None])[0]
    new_ids = {update.pk for update in new}
    edited = [u for u in recent if u.version > 1 and u.pk not in new_ids]
    if edited and after:
        edited = _of(article, list(published.filter(pk__in=[u.pk for u in edited])))

    def html(update: LiveUpdate) -> str:
        return render_to_string(
            "live/update.html", {"update": update, "level": 3, "article": article}, request
        )

    return JsonResponse(
        {
            "latest": latest.pk if latest else None,
            "updates": [{"id": u.pk, "html": html(u)} for u in new],
            "recent": [
                {"id": u.pk, "version": u.version, "published": u.published_at.isoformat()}
                for u in recent
            ],
            "edited": [{"id": u.pk, "html": html(u)} for u in edited],
            "ended": article.coverage_has_ended,
        }
    )
