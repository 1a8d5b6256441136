"""Comments change article pages: approved ones show, closing swaps the form for a note.

Connected in ``CommentsConfig.ready()``. Each purges the page of its own article
(``services.page_key``). A new comment waiting for moderation changes no page, so it
leaves the page cache alone (a flood of posts cannot keep emptying it).
``services.moderate()`` uses ``.update()`` and purges the pages itself.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from newsroom.pagecache import purge

from .models import ArticleCommentState, Comment
from .services import CLOSED_KEY, page_key


@receiver(post_save, sender=Comment, dispatch_uid="comments-saved")
def comment_saved(sender, instance: Comment, created: bool, **kwargs) -> None:
    if created and instance.status != Comment.Status.APPROVED:
        return
    # A comment no longer approved (rejected, spam) is taken down at once.
    purge({page_key(instance.article_id)}, hard=instance.status != Comment.Status.APPROVED)


@receiver(post_delete, sender=Comment, dispatch_uid="comments-deleted")
@receiver(post_save, sender=ArticleCommentState, dispatch_uid="comments-state-saved")
@receiver(post_delete, sender=ArticleCommentState, dispatch_uid="comments-state-deleted")
def comments_changed(sender, instance, signal=None, **kwargs) -> None:
    keys = {page_key(instance.article_id)}
    if sender is ArticleCommentState:
        keys.add(CLOSED_KEY)
    purge(keys, hard=signal is post_delete)
