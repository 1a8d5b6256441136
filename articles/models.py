"""The newsroom's content: sections, authors (bylines), articles and the tag desk's records."""

from __future__ import annotations

import secrets
from datetime import timedelta

import reversion
from ckeditor_uploader.fields import RichTextUploadingField
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from embeds.services import remember as remember_embeds
from newsroom.fields import SlugFromNameMixin, recorded_user, unique_slug
from photos.models import Photo

from . import credits, sanitize, text
from .audio import inspect_audio, read_file, validate_audio_file
from .querysets import PUBLISHED, ArticleQuerySet, Visibility, visibility


class Section(SlugFromNameMixin, models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in the section's URL.")
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Sections are listed in this order (lowest first)."
    )

    class Meta:
        ordering = ("position", "name")
        indexes = (models.Index(fields=("position", "name"), name="section_order_idx"),)
        verbose_name = "section"
        verbose_name_plural = "sections"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:section", kwargs={"slug": self.slug})


class Author(SlugFromNameMixin, models.Model):
    """A byline: a person or an organisation (a desk); not a login."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organisation (desk)"

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PERSON)
    job_title = models.CharField(max_length=150, blank=True)
    bio = models.TextField(blank=True, help_text="A short bio shown under the author's articles.")
    website = models.URLField(blank=True, help_text="Their own site, if they have one.")
    avatar = models.ForeignKey(
        Photo, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text="The login of this author, so they can find their own articles.",
    )

    class Meta:
        ordering = ("name",)
        indexes = (models.Index(fields=("name",), name="author_name_idx"),)
        constraints = (
            models.CheckConstraint(
                condition=Q(kind__in=("person", "organization")), name="author_kind_valid"
            ),
        )
        verbose_name = "author"
        verbose_name_plural = "authors"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:author", kwargs={"slug": self.slug})

    @property
    def is_organization(self) -> bool:
        return self.kind == self.Kind.ORGANIZATION


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)

    class Meta:
        # A tag's articles newest first (ids follow creation) read off the index, with no
        # sort of every article of a popular tag (tag pages, related articles).
        indexes = (
            models.Index(fields=("tag", "-content_object"), name="taggedarticle_tag_recent_idx"),
        )
        verbose_name = "article tag"
        verbose_name_plural = "article tags"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "review", "In review"
        PUBLISHED = PUBLISHED, "Published"  # the visibility rule's status (querysets)
        UNPUBLISHED = "unpublished", "Unpublished"

    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The last part of the article's URL."
    )
    dek = models.TextField("standfirst (dek)", blank=True, max_length=600)
    body = RichTextUploadingField(blank=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    lead_photo = models.ForeignKey(
        Photo, on_delete=models.PROTECT, null=True, blank=True, related_name="lead_of"
    )
    lead_photo_caption = models.TextField(
        "caption for this article",
        blank=True,
        help_text="Leave empty to use the photo library's caption.",
    )
    authors = models.ManyToManyField(Author, through="ArticleAuthor", related_name="articles")
    tags = TaggableManager(through=TaggedArticle, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        help_text="A future time schedules the article: it appears by itself then.",
    )
    unpublish_at = models.DateTimeField(
        "unpublish time",
        null=True,
        blank=True,
        help_text="Optional: the article disappears by itself at this time (embargo, time limit).",
    )
    content_updated_at = models.DateTimeField(
        "updated",
        null=True,
        blank=True,
        editable=False,
        help_text="Shown to readers as “Updated” after a material change made after publication.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = recorded_user()
    last_edited_by = recorded_user()
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised on every save; guards against lost updates."
    )
    reading_time = models.PositiveSmallIntegerField(
        "reading time (minutes)", default=1, editable=False
    )
    reading_time_override = models.PositiveSmallIntegerField(
        "reading time override (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="Leave empty to compute it from the body.",
    )
    featured = models.BooleanField(
        default=False, help_text="Lead story candidate on the home page."
    )
    seo_title = models.CharField("SEO title", max_length=70, blank=True)
    seo_description = models.CharField("SEO description", max_length=160, blank=True)
    in_news_sitemap = models.BooleanField(
        "list in the Google News sitemap",
        default=True,
        help_text="Untick to leave this article out of the Google News sitemap.",
    )
    # Weighted full-text document (headline A, dek B, body C). On PostgreSQL a trigger keeps
    # it current and a GIN index serves search (migration 0007); on SQLite it stays empty.
    search_vector = SearchVectorField(null=True, editable=False)
    audio = models.FileField(
        upload_to="audio/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(["mp3", "ogg", "opus", "m4a"]), validate_audio_file],
        help_text="An audio version of the article (MP3, Ogg/Opus or M4A), checked by content.",
    )
    audio_duration = models.PositiveIntegerField(
        "audio length (seconds)",
        null=True,
        blank=True,
        editable=False,
        help_text="Read from the audio file itself.",
    )
    audio_ai_generated = models.BooleanField(
        "audio made with AI",
        default=False,
        help_text="Shows “This audio is created with AI assistance” next to the player.",
    )
    # Live coverage (the ``live`` app holds the updates).
    live = models.BooleanField(
        "live coverage",
        default=False,
        help_text="A live page: short, timestamped updates posted from this page's top.",
    )
    coverage_started_at = models.DateTimeField(
        "coverage start",
        null=True,
        blank=True,
        help_text="Leave empty to start the coverage when the article is published.",
    )
    coverage_ended_at = models.DateTimeField(
        "coverage end",
        null=True,
        blank=True,
        help_text="Set when the coverage ends: the page then says so, with this time.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ("-published_at", "-id")
        indexes = (
            models.Index(fields=("-published_at", "-id"), name="article_recent_idx"),
            # Public lists filter on status and order by (-published_at, -id): with the id in
            # the index the newest page is read off it, with no sort of the whole archive.
            models.Index(
                fields=("status", "-published_at", "-id", "unpublish_at"),
                name="article_status_recent_idx",
            ),
            models.Index(
                fields=("section", "status", "-published_at", "-id"),
                name="article_section_recent_idx",
            ),
            # The home page's lead: the newest featured article, else the newest.
            models.Index(
                fields=("status", "-featured", "-published_at", "-id"),
                name="article_lead_idx",
            ),
        )
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=("draft", "review", "published", "unpublished")),
                name="article_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(unpublish_at__isnull=True)
                | Q(published_at__isnull=True)
                | Q(unpublish_at__gt=F("published_at")),
                name="article_unpublish_after_publish",
            ),
        )
        permissions = (
            ("publish_article", "Can publish, schedule and unpublish articles"),
            ("edit_others_article", "Can edit articles written by others"),
            ("delete_published_article", "Can delete articles that are or were published"),
        )
        verbose_name = "article"
        verbose_name_plural = "articles"

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(self, self.headline)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.body = sanitize.clean_html(self.body)
        self.reading_time = text.reading_minutes(self.body)
        self._read_audio_duration()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            update_fields = kwargs["update_fields"] = {*update_fields, "reading_time"}
        if update_fields is not None and "audio" in update_fields:
            update_fields = kwargs["update_fields"] = {*update_fields, "audio_duration"}
        if not self._state.adding:
            self._remember_old_slug()
            # Every save is a new version (read back from the database after the UPDATE), so
            # a form opened on an older version can tell that someone saved in between.
            self.version = F("version") + 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)
        remember_embeds(self.body)  # Embed rows; snapshots fetched once committed

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def _read_audio_duration(self) -> None:
        """Read the length of a new audio file from its content (cleared with the file)."""
        if not self.audio:
            self.audio_duration = None
        elif not getattr(self.audio, "_committed", True) or self.audio_duration is None:
            info = inspect_audio(read_file(self.audio))
            self.audio_duration = info.seconds if info else None

    def _remember_old_slug(self) -> None:
        """Keep the slug being replaced, so links shared with it answer 301 to the new URL."""
        old = type(self)._default_manager.filter(pk=self.pk).values_list("slug", flat=True).first()
        if old and old != self.slug:
            ArticleSlugRedirect.objects.update_or_create(
                old_slug=old, defaults={"article_id": self.pk}
            )
        # Taking a slug back (or one another article gave up) ends its redirect.
        ArticleSlugRedirect.objects.filter(old_slug=self.slug).delete()

    def clean(self) -> None:
        super().clean()
        start, end = self.coverage_start, self.coverage_ended_at
        if self.live and start and end and end <= start:
            raise ValidationError({"coverage_ended_at": "The coverage must end after it starts."})
        if self.status != self.Status.PUBLISHED:
            return
        self.body = sanitize.clean_html(self.body)
        problems = credits.publication_problems(self)
        if problems:
            lead = [p for p in problems if p.startswith("The lead photo")]
            errors: dict[str, list[str]] = {}
            if lead:
                errors["lead_photo"] = lead
            if rest := [p for p in problems if p not in lead]:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors)

    @property
    def coverage_start(self):
        """When live coverage started: its own start, else the publish time."""
        return self.coverage_started_at or self.published_at

    @property
    def coverage_is_on(self) -> bool:
        """Whether this is live coverage that has not ended (readers see a LIVE badge)."""
        if not self.live:
            return False
        return self.coverage_ended_at is None or self.coverage_ended_at > timezone.now()

    @property
    def coverage_has_ended(self) -> bool:
        return self.live and not self.coverage_is_on

    @property
    def minutes_to_read(self) -> int:
        return self.reading_time_override or self.reading_time

    @property
    def shared_title(self) -> str:
        """The title a search result or a shared card shows: the SEO title, else the headline."""
        return self.seo_title or self.headline

    @property
    def shared_summary(self) -> str:
        """The text under it, uncut: the SEO description, else the dek, else the headline."""
        return self.seo_description or self.dek or self.headline

    @property
    def is_public(self) -> bool:
        return visibility(self) == Visibility.PUBLIC

    @property
    def is_scheduled(self) -> bool:
        return visibility(self) == Visibility.SCHEDULED

    @property
    def was_published(self) -> bool:
        """Return whether the article is or was published (readers may have seen it)."""
        return self.status in (self.Status.PUBLISHED, self.Status.UNPUBLISHED)

    @property
    def shown_updated_at(self):
        """Return the “Updated” time readers see, or None when there was no material update."""
        updated, published = self.content_updated_at, self.published_at
        if updated and published and updated > published:
            return updated
        return None

    @property
    def audio_length_text(self) -> str:
        """Return the audio's length for people, e.g. "4 min 12 s"; empty when unknown."""
        if not self.audio or not self.audio_duration:
            return ""
        minutes, seconds = divmod(self.audio_duration, 60)
        if not minutes:
            return f"{seconds} s"
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"

    @property
    def lead_caption(self) -> str:
        """Return the lead photo caption: the article's own, else the library's."""
        if self.lead_photo_caption:
            return self.lead_photo_caption
        return self.lead_photo.caption if self.lead_photo else ""

    @property
    def shown_tags(self) -> list:
        """Return the tags in the order the editor gave them (prefetched by ``with_related``)."""
        rows = getattr(self, "tag_rows", None)
        if rows is None:
            return list(self.tags.all())  # an instance's manager orders them so too
        return [row.tag for row in rows]

    @property
    def credited_authors(self) -> list[Author]:
        """Return the authors in byline order (uses the prefetch of ``with_related``)."""
        return [byline.author for byline in self.bylines.all()]


class ArticleSlugRedirect(models.Model):
    """An article's earlier slug; its URL answers 301 to the article's current URL."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("old_slug",)
        verbose_name = "article slug redirect"
        verbose_name_plural = "article slug redirects"

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.article.slug}"


class ArticleAuthor(models.Model):
    """One author of an article, at a position in the byline."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        indexes = (models.Index(fields=("author", "article"), name="byline_author_idx"),)
        constraints = (
            models.UniqueConstraint(fields=("article", "author"), name="byline_author_once"),
        )
        verbose_name = "byline"
        verbose_name_plural = "byline"

    def __str__(self) -> str:
        return f"{self.author} on {self.article}"


class ArticleNote(models.Model):
    """A dated correction, update or clarification readers see at the article's foot."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"
        CLARIFICATION = "clarification", "Clarification"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField()
    noted_at = models.DateTimeField("time", default=timezone.now)
    created_by = recorded_user()

    class Meta:
        ordering = ("noted_at", "id")
        indexes = (models.Index(fields=("article", "noted_at"), name="note_article_time_idx"),)
        constraints = (
            models.CheckConstraint(
                condition=Q(kind__in=("correction", "update", "clarification")),
                name="note_kind_valid",
            ),
        )
        verbose_name = "correction or update note"
        verbose_name_plural = "corrections and update notes"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.article}"

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#note-{self.pk}"


def _new_preview_token() -> str:
    return secrets.token_urlsafe(32)


PREVIEW_LINK_DAYS = 7


def _default_preview_expiry():
    return timezone.now() + timedelta(days=PREVIEW_LINK_DAYS)


class _PreviewSigner(signing.TimestampSigner):
    """A TimestampSigner whose timestamp is the link's creation time, so each link has one URL."""

    def __init__(self, created_at=None):
        super().__init__(salt="articles.preview-link")
        self.created_at = created_at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self.created_at.timestamp()))


class PreviewLink(models.Model):
    """An expiring, revocable link that shows one article to someone without an account."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True, default=_new_preview_token, editable=False)
    recipient = models.CharField(
        "for", max_length=200, blank=True, help_text="Who the link is for, e.g. “legal review”."
    )
    expires_at = models.DateTimeField(
        "expires", default=_default_preview_expiry, help_text="The link stops working then."
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = recorded_user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("article", "-created_at"), name="preview_article_idx"),)
        verbose_name = "preview link"
        verbose_name_plural = "preview links"

    def __str__(self) -> str:
        return f"Preview of {self.article}" + (f" for {self.recipient}" if self.recipient else "")

    def get_absolute_url(self) -> str:
        return reverse("articles:preview", kwargs={"token": self.signed_token()})

    def signed_token(self) -> str:
        """Return the token signed with the secret key and the link's creation time."""
        created_at = self.created_at or timezone.now()
        return _PreviewSigner(created_at).sign(self.token)

    @classmethod
    def from_signed_token(cls, value: str) -> PreviewLink | None:
        """Return the link ``value`` names when its signature and age are valid, else None.

        The signature covers the token and the creation time; the age may not exceed the
        link's lifetime. Whether the link is still active (not revoked) is for the caller.
        """
        try:
            token = _PreviewSigner().unsign(value)
        except signing.BadSignature:
            return None
        link = cls.objects.select_related("article").filter(token=token).first()
        if link is None:
            return None
        lifetime = link.expires_at - link.created_at
        try:
            _PreviewSigner().unsign(value, max_age=max(lifetime, timedelta(0)))
        except signing.SignatureExpired:
            return link  # genuine but too old: the caller answers "expired"
        except signing.BadSignature:
            return None
        return link

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Active"


# Revisions (django-reversion): an article's version includes its byline, tags and notes.
reversion.register(ArticleAuthor)
reversion.register(TaggedArticle)
reversion.register(ArticleNote)
reversion.register(Article, follow=("bylines", "taggedarticle_set", "notes"))


class TagRedirect(models.Model):
    """An old tag slug (after a merge or rename) that answers 301 to the tag it became."""

    old_slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("old_slug",)
        verbose_name = "tag redirect"
        verbose_name_plural = "tag redirects"

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.tag.slug}"

    def get_absolute_url(self) -> str:
        return reverse("articles:tag", kwargs={"slug": self.tag.slug})


class TagChange(models.Model):
    """The log of tag merges and renames: what, who, when."""

    class Action(models.TextChoices):
        MERGE = "merge", "Merge"
        RENAME = "rename", "Rename"

    action = models.CharField(max_length=10, choices=Action)
    tag = models.ForeignKey(
        "taggit.Tag", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.TextField()
    old_names = models.JSONField(default=list, blank=True)
    changed_by = recorded_user(editable=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-changed_at", "-id")
        indexes = (models.Index(fields=("-changed_at", "-id"), name="tagchange_recent_idx"),)
        permissions = (("merge_tags", "Can merge and rename tags"),)
        verbose_name = "tag change"
        verbose_name_plural = "tag changes"

    def __str__(self) -> str:
        return self.summary


class UnsavedEdit(models.Model):
    """An editor's autosaved, not yet saved form: one per user and article (or the add form).

    Never the article itself: saving one does not touch the Article row (no version, no
    purge); a successful save of the form deletes it. ``article`` is empty for the add form.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unsaved_edits"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="unsaved_edits"
    )
    # The form's fields: name -> value, or a list of values for a field sent several times.
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(auto_now=True)
    # The article's version when the form was opened.
    base_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("user", "article"), name="unsaved_edit_per_article"),
            models.UniqueConstraint(
                fields=("user",),
                condition=Q(article__isnull=True),
                name="unsaved_edit_per_add_form",
            ),
        )
        verbose_name = "unsaved edit"
        verbose_name_plural = "unsaved edits"

    def __str__(self) -> str:
        return f"Unsaved edit of {self.article or 'a new article'} by {self.user}"
