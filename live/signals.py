"""An update purges its live article's pages, update fragments and feeds, and nothing else.

The live page, its older pages, the permalinks, the ``?after=`` fragments and the
update feed all depend on ``updates_key(article)``; the live article's row key reaches
the site's, section's, tag's and author's feeds, which show its latest update time. A
draft update that was never public purges nothing.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

from articles.cachekeys import ListPlace
from articles.models import Article
from newsroom.pagecache import instance_key, purge

from .models import LiveUpdate, LiveUpdateAuthor


def updates_key(article_id: int) -> str:
    """The key of everything listing a live article's updates."""
    return f"live:updates:{article_id}"


def update_keys(update: LiveUpdate) -> set[str]:
    return {
        instance_key(update),
        updates_key(update.article_id),
        instance_key(Article(pk=update.article_id)),
    }


def _article_shown(update: LiveUpdate) -> bool:
    try:
        article = update.article
    except Article.DoesNotExist:
        return False  # deleted with its article, which purged its pages
    return ListPlace.of(article).concerns_readers


def update_saving(sender, instance: LiveUpdate, raw: bool = False, **kwargs) -> None:
    was_public = False
    if not raw and instance.pk is not None:
        row = LiveUpdate.objects.filter(pk=instance.pk).only("status", "published_at").first()
        was_public = row is not None and row.is_public
    instance._was_public = was_public


def update_saved(sender, instance: LiveUpdate, raw: bool = False, using=None, **kwargs) -> None:
    if raw:
        return
    if (getattr(instance, "_was_public", False) or instance.is_public) and _article_shown(instance):
        purge(update_keys(instance), using, hard=not instance.is_public)


def update_deleted(sender, instance: LiveUpdate, using=None, **kwargs) -> None:
    if instance.is_public and _article_shown(instance):
        purge(update_keys(instance), using, hard=True)


def byline_changed(sender, instance: LiveUpdateAuthor, using=None, **kwargs) -> None:
    try:
        update = instance.update
    except LiveUpdate.DoesNotExist:
        return
    if update.is_public and _article_shown(update):
        purge(update_keys(update), using)


def connect() -> None:
    def on(signal, receiver, model, name: str) -> None:
        signal.connect(receiver, sender=model, dispatch_uid=f"live-{model._meta.model_name}-{name}")

    on(pre_save, update_saving, LiveUpdate, "pre-save")
    on(post_save, update_saved, LiveUpdate, "save")
    on(post_delete, update_deleted, LiveUpdate, "delete")
    on(post_save, byline_changed, LiveUpdateAuthor, "save")
    on(post_delete, byline_changed, LiveUpdateAuthor, "delete")
