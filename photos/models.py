"""The photo library: one row per image, the only place its caption, credit and alt text live."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from . import images
from .images import KNOWN_EXTENSIONS, validate_image_file


class TaggedPhoto(TaggedItemBase):
    content_object = models.ForeignKey("Photo", on_delete=models.CASCADE)

    class Meta:
        db_table = "articles_taggedphoto"  # made by the articles app before photos had its own
        verbose_name = "photo tag"
        verbose_name_plural = "photo tags"


class Photo(models.Model):
    """One image of the library; the only place its caption, credit and alt text live."""

    image = models.ImageField(
        upload_to="photos/%Y/%m/",
        width_field="width",
        height_field="height",
        # The same on every machine (so are the migrations): validate_image_file decides
        # by content, AVIF only where Pillow reads it. The admin's help text says which.
        validators=[FileExtensionValidator(KNOWN_EXTENSIONS), validate_image_file],
        help_text="JPEG, PNG, WebP or GIF; AVIF too where the server can read it.",
    )
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        help_text="What the image shows, for readers who cannot see it.",
    )
    caption = models.TextField(blank=True)
    credit = models.CharField(
        max_length=250,
        blank=True,
        help_text="Printed exactly as written, e.g. “Photo by Name Surname/AFP via Getty Images”. "
        "Required before an article using the photo can be published.",
    )
    photographer = models.CharField(max_length=200, blank=True)
    agency = models.CharField("agency / distributor", max_length=200, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Where the file came from.")
    imported_without_credit = models.BooleanField(
        "imported without credit",
        default=False,
        help_text="Moved in from another CMS without a credit line we could read: "
        "check its credit (the publish rules apply from the next publish or edit on).",
    )
    copyright = models.CharField(max_length=250, blank=True)
    usage_terms = models.TextField(blank=True)
    syndication_allowed = models.BooleanField(
        "may be syndicated",
        default=False,
        help_text="Partners may republish this photo with our articles.",
    )
    rights_expire_on = models.DateField("rights expire on", null=True, blank=True)
    focal_x = models.FloatField(
        default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    focal_y = models.FloatField(
        default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    tags = TaggableManager(through=TaggedPhoto, blank=True)
    renditions = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Derived resized copies: name -> storage path. Never edited by hand.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uploaded_photos",
        editable=False,
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "articles_photo"  # made by the articles app before photos had its own
        ordering = ("-uploaded_at", "-id")
        indexes = (models.Index(fields=("-uploaded_at", "-id"), name="photo_recent_idx"),)
        constraints = (
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="photo_focal_point_in_image",
            ),
        )
        verbose_name = "photo"
        verbose_name_plural = "photos"

    # The file name read from the database: a different name on save is a new file.
    _stored_image_name: str | None = None

    def __str__(self) -> str:
        label = self.caption or self.alt_text or self.image.name
        return label if len(label) <= 80 else label[:79] + "…"

    def save(self, *args, **kwargs) -> None:
        """Save; a new file is first made safe and its agency metadata fills empty fields.

        A file not stored yet is re-encoded upright without EXIF/GPS, XMP, IPTC or
        comments before Django stores it (``images.prepare_photo_file``); a file stored
        by other code is checked and cleaned in place (``images.sanitize_stored_file``).
        Renditions are (re)built once the transaction commits, when missing or stale.
        An imported photo stops being flagged once it has a credit.
        """
        if self.imported_without_credit and self.credit.strip():
            self.imported_without_credit = False
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "imported_without_credit"}
        if "image" not in self.get_deferred_fields() and self.image:
            changed = []
            if not self.image._committed:
                changed = images.prepare_photo_file(self)
            elif self.image.name != self._stored_image_name:
                changed = images.sanitize_stored_file(self)
            update_fields = kwargs.get("update_fields")
            if changed and update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *changed}
        super().save(*args, **kwargs)
        if "image" not in self.get_deferred_fields():
            self._stored_image_name = self.image.name
            images.schedule_renditions(self, using=self._state.db)

    def get_absolute_url(self) -> str:
        return self.image.url

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        photo = super().from_db(db, field_names, values, **kwargs)
        if "image" not in photo.get_deferred_fields():
            photo._stored_image_name = photo.image.name
        return photo
