"""Live coverage: a live article's short, timestamped updates.

A live article is an ``Article`` with ``live`` set: it keeps its headline, dek, photo,
section, tags and byline, and has a coverage start and end. Its updates are rows here,
each with its own byline, photo, flags (key event, pinned), status and correction.
"""

from __future__ import annotations

from datetime import timedelta

import reversion
from ckeditor_uploader.fields import RichTextUploadingField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from articles import sanitize, text
from articles.models import Article, Author
from embeds.services import remember as remember_embeds
from newsroom.fields import recorded_user
from photos.models import Photo

# Readers see so many updates a page; older ones are on ?page=2, 3…
UPDATES_PER_PAGE = 20
# Words of an update's text that stand for its headline where it has none.
TITLE_WORDS = 12


class LiveUpdateQuerySet(models.QuerySet):
    def published(self) -> LiveUpdateQuerySet:
        """Updates readers see: published, at a time that has come (scheduled ones wait)."""
        return self.filter(status=LiveUpdate.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_readers(self) -> LiveUpdateQuerySet:
        """Published updates with their byline and photo, newest first, in two queries."""
        return (
            self.published()
            .select_related("photo")
            .prefetch_related(
                models.Prefetch(
                    "bylines", queryset=LiveUpdateAuthor.objects.select_related("author")
                )
            )
            .order_by("-published_at", "-id")
        )


class LiveUpdate(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (waiting for an editor)"
        PUBLISHED = "published", "Published"

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="live_updates",
        limit_choices_to={"live": True},
    )
    headline = models.CharField(
        max_length=200, blank=True, help_text="Optional: a short headline for this update."
    )
    body = RichTextUploadingField()
    authors = models.ManyToManyField(Author, through="LiveUpdateAuthor", related_name="+")
    photo = models.ForeignKey(
        Photo,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="live_updates",
        help_text="Optional: a library photo (it needs its credit and alt text).",
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField("publish time", null=True, blank=True, db_index=True)
    key_event = models.BooleanField(
        default=False, help_text="Listed under “Key events” at the top of the live page."
    )
    pinned = models.BooleanField(
        default=False, help_text="Shown first, above the key events (one update at a time)."
    )
    correction = models.TextField(
        blank=True, help_text="A correction readers see under the update, with its time."
    )
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = recorded_user()
    last_edited_by = recorded_user()
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised on every save; guards against lost updates."
    )

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ("-published_at", "-id")
        indexes = (
            models.Index(
                fields=("article", "status", "-published_at", "-id"), name="live_update_recent_idx"
            ),
        )
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=("draft", "published")), name="live_update_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="live_update_published_has_time",
            ),
        )
        verbose_name = "live update"
        verbose_name_plural = "live updates"

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body = sanitize.clean_html(self.body)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if not self._state.adding:
            self.version = F("version") + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)
        remember_embeds(self.body)  # Embed rows; snapshots fetched once committed
        if isinstance(self.version, F):
            self.refresh_from_db(fields=["version"])

    def get_absolute_url(self) -> str:
        return reverse("articles:live_update", kwargs={"slug": self.article.slug, "pk": self.pk})

    def clean(self) -> None:
        super().clean()
        self.body = sanitize.clean_html(self.body or "")
        errors: dict[str, list[str]] = {}
        if not text.html_to_text(self.body).strip() and "<img" not in self.body:
            errors["body"] = ["Write the update: its text is empty (or was only code we remove)."]
        if self.status == self.Status.PUBLISHED and self.photo_id:
            missing = [
                label
                for label, value in (
                    ("credit", self.photo.credit),
                    ("alt text", self.photo.alt_text),
                )
                if not value.strip()
            ]
            if missing:
                errors["photo"] = [
                    f"The photo “{self.photo}” (#{self.photo.pk}) has no "
                    f"{' and no '.join(missing)}. Add it in the photo library before publishing."
                ]
        if self.published_at and self.published_at > timezone.now() + timedelta(minutes=1):
            errors["published_at"] = [
                "An update is published when it is posted: give a time that has come."
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        """The update's headline, else the first words of its text."""
        if self.headline:
            return self.headline
        return text.excerpt(self.body, words=TITLE_WORDS) or f"Update {self.pk}"

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def credited_authors(self) -> list[Author]:
        return [byline.author for byline in self.bylines.all()]


class LiveUpdateAuthor(models.Model):
    """One author of an update, at a position in its byline."""

    update = models.ForeignKey(LiveUpdate, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = (
            models.UniqueConstraint(fields=("update", "author"), name="live_byline_author_once"),
        )
        verbose_name = "byline"
        verbose_name_plural = "byline"

    def __str__(self) -> str:
        return str(self.author)


reversion.register(LiveUpdateAuthor)
reversion.register(LiveUpdate, follow=("bylines",))
