"""Newsletter subscribers (double opt-in) and the record of each digest sent."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def normalize_email(email: str) -> str:
    """Return ``email`` as stored: trimmed and lowercased, so one person is one row.

    Lowercasing the local part too is deliberate: no mail provider in practice treats
    "Ann@" and "ann@" as two people, and a case-sensitive match would let one address
    sign up (and be mailed) several times.
    """
    return email.strip().lower()


class Subscriber(models.Model):
    """An address that asked for the newsletter. Only a confirmed one is a subscriber."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    email = models.EmailField("e-mail address", max_length=254)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField("signed up", default=timezone.now, editable=False)
    confirmation_sent_at = models.DateTimeField("confirmation sent", null=True, blank=True)
    confirmed_at = models.DateTimeField("confirmed", null=True, blank=True)
    unsubscribed_at = models.DateTimeField("unsubscribed", null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_ci"),
        ]
        indexes = [models.Index(fields=("status", "id"), name="newsletter_status_idx")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def confirm(self) -> None:
        """Make the address a subscriber."""
        self.status = self.Status.CONFIRMED
        self.confirmed_at = timezone.now()
        self.unsubscribed_at = None
        self.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])

    def unsubscribe(self) -> None:
        """Stop every mail to this address until it signs up and confirms again."""
        if self.status == self.Status.UNSUBSCRIBED:
            return
        self.status = self.Status.UNSUBSCRIBED
        self.unsubscribed_at = timezone.now()
        self.save(update_fields=["status", "unsubscribed_at"])


class DigestDelivery(models.Model):
    """One digest to one subscriber, claimed before it is sent: no run sends it again.

    The row is written before the message goes out (the unique constraint lets one run
    have it), and ``sent_at`` once the mail server accepted it. A row without
    ``sent_at`` was claimed by a run that stopped (killed) before confirming: the
    message may or may not have gone out, and it is never sent twice.
    """

    date = models.DateField(db_index=True)
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the mail server accepted it; empty: claimed by a run that stopped "
        "before confirming.",
    )

    class Meta:
        verbose_name_plural = "digest deliveries"
        ordering = ("-date", "subscriber_id")
        constraints = [
            models.UniqueConstraint(
                fields=("date", "subscriber"), name="newsletter_one_digest_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Digest of {self.date} to {self.subscriber_id}"
