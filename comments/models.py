"""Readers' comments on articles, and whether an article takes new ones.

The e-mail address, client address and browser of a commenter are kept for moderation and
abuse handling only: no public template shows them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from articles.models import Article
from newsroom.fields import recorded_user


class CommentQuerySet(models.QuerySet):
    def approved(self) -> CommentQuerySet:
        """Return the comments readers may see."""
        return self.filter(status=Comment.Status.APPROVED)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The comment this one replies to (always a top-level comment).",
    )
    name = models.CharField(max_length=80)
    email = models.EmailField(help_text="Private: never shown on the site.")
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(
        "IP address", null=True, blank=True, help_text="Private: kept for abuse handling."
    )
    user_agent = models.CharField(max_length=255, blank=True)
    moderated_by = recorded_user()
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ("created_at", "id")
        indexes = (
            models.Index(fields=("created_at", "id"), name="comment_created_idx"),
            models.Index(fields=("article", "status", "created_at"), name="comment_article_idx"),
            models.Index(fields=("status", "-created_at"), name="comment_queue_idx"),
        )
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=("pending", "approved", "rejected", "spam")),
                name="comment_status_valid",
            ),
        )
        permissions = (("moderate_comment", "Can approve, reject and mark comments as spam"),)
        verbose_name = "comment"
        verbose_name_plural = "comments"

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#comment-{self.pk}"

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


class ArticleCommentState(models.Model):
    """Whether an article takes new comments; an article without a row takes them."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, related_name="comment_state", primary_key=True
    )
    closed = models.BooleanField(
        "comments closed",
        default=False,
        help_text="Readers can no longer comment; approved comments stay visible.",
    )
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = recorded_user()

    class Meta:
        ordering = ("-changed_at",)
        indexes = (models.Index(fields=("-changed_at",), name="comment_state_changed_idx"),)
        verbose_name = "article comment setting"
        verbose_name_plural = "article comment settings"

    def __str__(self) -> str:
        return f"{self.article}: comments {'closed' if self.closed else 'open'}"

    def get_absolute_url(self) -> str:
        return self.article.get_absolute_url()
