"""Signal receivers: an edit purges the cached pages that show what it changed, and no other.

Connected in ``ArticlesConfig.ready()``. Which keys each edit affects is decided here and
in ``articles.cachekeys``; ``newsroom.pagecache.purge`` drops the pages carrying them. Code
that changes these rows without signals (``QuerySet.update()``) purges the rows' keys
itself (the tag desk, the photo desk's bulk credit).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from taggit.models import Tag

from newsroom.pagecache import instance_key, purge, schedule_changed
from photos.models import Photo

from . import cachekeys
from .cachekeys import ListPlace
from .models import Article, ArticleAuthor, ArticleNote, Author, Section, TaggedArticle


def article_saving(sender, instance: Article, raw: bool = False, **kwargs) -> None:
    """Note where the saved row stands and what its card shows (None for a new article)."""
    row = None
    if not raw and instance.pk is not None:
        row = Article.objects.filter(pk=instance.pk).first()
    instance._place_before_save = ListPlace.of(row) if row is not None else None
    instance._shown_before_save = cachekeys.shown_of(row) if row is not None else None


def article_saved(sender, instance: Article, raw: bool = False, using=None, **kwargs) -> None:
    if raw:
        return
    before, after = getattr(instance, "_place_before_save", None), ListPlace.of(instance)
    shown_before = getattr(instance, "_shown_before_save", None)
    reaches = cachekeys.reach(shown_before, cachekeys.shown_of(instance))
    keys = cachekeys.article_change(instance, before, after, reaches=reaches)
    purge(keys, using, hard=cachekeys.is_removal(before, after))
    moment = cachekeys.scheduled_moment(after)
    if moment is not None:
        # Now and on commit, like the purges (a rolled-back moment costs one needless check).
        schedule_changed(moment)
        transaction.on_commit(partial(schedule_changed, moment), using=using)


def article_deleting(sender, instance: Article, using=None, **kwargs) -> None:
    # Before the delete: its tags and bylines go with it.
    place = ListPlace.of(instance)
    instance._keys_after_delete = cachekeys.article_change(instance, place, None)


def article_deleted(sender, instance: Article, using=None, **kwargs) -> None:
    purge(getattr(instance, "_keys_after_delete", ()), using, hard=True)


def _public_article(row, field: str) -> Article | None:
    """Return the article ``row`` belongs to if readers may see it now, else None.

    The article the caller already holds (an inline form's, ``row.article = …``) is used
    as it is: saving a byline or a tag row costs no query for it.
    """
    try:
        article = getattr(row, field)
    except Article.DoesNotExist:
        return None  # deleted with the article
    if not ListPlace.of(article).concerns_readers:
        return None
    return article


def byline_changed(sender, instance: ArticleAuthor, using=None, **kwargs) -> None:
    """A byline added, moved or removed: the article's pages and the author's list."""
    article = _public_article(instance, "article")
    if article is not None:
        byline = cachekeys.article_keys(article, cachekeys.TEASER)  # not on its card
        keys = {*byline, cachekeys.author_list(instance.author_id)}
        purge(keys, using)


def tagging_changed(sender, instance: TaggedArticle, using=None, **kwargs) -> None:
    """A tag put on or taken off an article: the article's pages and the tag's list."""
    article = _public_article(instance, "content_object")
    if article is not None:
        # Tags show on the article's own page, not on its card.
        keys = {
            *cachekeys.article_keys(article, cachekeys.PAGE),
            cachekeys.tag_list(instance.tag_id),
        }
        purge(keys, using)


def relations_changed(sender, instance, action: str, pk_set=None, using=None, **kwargs) -> None:
    """``article.tags.add()/remove()/clear()`` and ``article.authors…`` (m2m signals)."""
    if not isinstance(instance, Article):
        return  # changed from the tag's or author's side: reverse sets are not used here
    if action == "pre_clear":
        instance._cleared_ids = set(
            sender.objects.filter(**{_article_field(sender): instance.pk}).values_list(
                _other_field(sender), flat=True
            )
        )
        return
    if not action.startswith("post_"):
        return
    ids = set(pk_set or ()) | getattr(instance, "_cleared_ids", set())
    if not ListPlace.of(instance).concerns_readers:
        return
    tags = sender is TaggedArticle  # on its own page only; a byline on its full teasers too
    list_key = cachekeys.tag_list if tags else cachekeys.author_list
    keys = cachekeys.article_keys(instance, cachekeys.PAGE if tags else cachekeys.TEASER)
    purge({*keys, *(list_key(pk) for pk in ids)}, using)


def _article_field(through) -> str:
    return "content_object" if through is TaggedArticle else "article"


def _other_field(through) -> str:
    return "tag_id" if through is TaggedArticle else "author_id"


def note_changed(sender, instance: ArticleNote, using=None, **kwargs) -> None:
    """A correction or update note: the article's page (notes show only there)."""
    article = _public_article(instance, "article")
    if article is not None:
        purge(cachekeys.article_keys(article, cachekeys.PAGE), using)


def row_changed(sender, instance, using=None, signal=None, **kwargs) -> None:
    """A photo, author or tag: every page that loaded it (and a tag's own list).

    A deleted one is taken down at once (a photo whose rights ended); an edit may be
    served stale for a moment while the page renders again.
    """
    keys = {instance_key(instance)}
    if sender is Tag:
        keys.add(cachekeys.tag_list(instance.pk))
    purge(keys, using, hard=signal is post_delete)


def section_changed(sender, instance: Section, using=None, **kwargs) -> None:
    """A section: its pages, and the navigation every page shows."""
    purge({instance_key(instance), cachekeys.SECTIONS, cachekeys.section_list(instance.pk)}, using)


def connect() -> None:
    def on(signal, receiver, model, name: str) -> None:
        signal.connect(
            receiver, sender=model, dispatch_uid=f"page-cache-{model._meta.label_lower}-{name}"
        )

    on(pre_save, article_saving, Article, "pre-save")
    on(post_save, article_saved, Article, "save")
    on(pre_delete, article_deleting, Article, "pre-delete")
    on(post_delete, article_deleted, Article, "delete")
    for model, receiver in (
        (ArticleAuthor, byline_changed),
        (TaggedArticle, tagging_changed),
        (ArticleNote, note_changed),
        (Photo, row_changed),
        (Author, row_changed),
        (Tag, row_changed),
        (Section, section_changed),
    ):
        on(post_save, receiver, model, "save")
        on(post_delete, receiver, model, "delete")
    # Article.tags.add()/remove()/clear() (taggit sends these with the through model as
    # sender) and Article.authors.add()/remove()/clear().
    for through in (TaggedArticle, ArticleAuthor):
        on(m2m_changed, relations_changed, through, "m2m")
