"""Comments change article pages: approved ones show, closing swaps the form for a note.

Connected in ``CommentsConfig.ready()``. A new comment waiting for moderation changes no
page, so it leaves the page cache alone (a flood of posts cannot keep emptying it).
``services.moderate()`` uses ``.update()`` and invalidates the pages itself.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from newsroom.pagecache import invalidate_pages

from .models import ArticleCommentState, Comment


@receiver(post_save, sender=Comment, dispatch_uid="comments-saved")
def comment_saved(sender, instance: Comment, created: bool, **kwargs) -> None:
    if created and instance.status != Comment.Status.APPROVED:
        return
    invalidate_pages()


@receiver(post_delete, sender=Comment, dispatch_uid="comments-deleted")
@receiver(post_save, sender=ArticleCommentState, dispatch_uid="comments-state-saved")
@receiver(post_delete, sender=ArticleCommentState, dispatch_uid="comments-state-deleted")
def comments_changed(sender, **kwargs) -> None:
    invalidate_pages()
