"""Signal receivers: any change to what public pages show invalidates the page cache.

Connected in ``ArticlesConfig.ready()``. Code that changes these rows without signals
(``QuerySet.update()``, ``bulk_create``) calls ``newsroom.pagecache.invalidate_pages()`` itself.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag

from newsroom.pagecache import invalidate_pages
from photos.models import Photo

from .models import (
    Article,
    ArticleAuthor,
    ArticleNote,
    ArticleSlugRedirect,
    Author,
    Section,
    TaggedArticle,
    TagRedirect,
)

# Everything a public page, feed or sitemap shows comes from these models.
PAGE_MODELS = (
    Article,
    ArticleAuthor,
    ArticleNote,
    ArticleSlugRedirect,
    Author,
    Photo,
    Section,
    Tag,
    TaggedArticle,
    TagRedirect,
)


def pages_changed(sender, using=None, **kwargs) -> None:
    """Invalidate cached pages after a save or delete of a row that pages show."""
    invalidate_pages(using)


def relations_changed(sender, action: str, using=None, **kwargs) -> None:
    """Invalidate cached pages after tags or bylines are added, removed or cleared."""
    if action.startswith("post_"):
        invalidate_pages(using)


def connect() -> None:
    for model in PAGE_MODELS:
        uid = f"page-cache-{model._meta.label_lower}"
        post_save.connect(pages_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(pages_changed, sender=model, dispatch_uid=f"{uid}-delete")
    # Article.tags.add()/remove()/clear() (taggit sends these with the through model as
    # sender) and Article.authors.add()/remove()/clear().
    for through in (TaggedArticle, ArticleAuthor):
        m2m_changed.connect(
            relations_changed,
            sender=through,
            dispatch_uid=f"page-cache-{through._meta.label_lower}-m2m",
        )
