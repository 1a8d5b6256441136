"""The newsletter's rules: signed links, sign-up limits, and the e-mail it sends.

Links in e-mail are signed with the site's secret key instead of stored tokens: a
confirmation link carries the subscriber and the time it was issued and expires after
``NEWSLETTER_CONFIRM_MAX_AGE``; an unsubscribe link never expires, so a years-old
digest can still be used to leave.
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
import smtplib
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from newsroom.clients import client_address

from .models import DigestDelivery, Subscriber, normalize_email

logger = logging.getLogger(__name__)

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


class LinkExpired(Exception):
    """A confirmation link that was genuine but is too old (or predates an unsubscribe)."""


class LinkInvalid(Exception):
    """A link that was not made by this site, was altered, or names no subscriber."""


def absolute_url(path: str) -> str:
    """Return ``path`` on the public site, for links in e-mail."""
    return f"{settings.NEWSROOM_BASE_URL}{path}"


# Signed links


def confirmation_token(subscriber: Subscriber) -> str:
    """Return the token of a confirmation link for ``subscriber``, issued now."""
    payload = {"id": subscriber.pk, "at": int(timezone.now().timestamp())}
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(payload)


def subscriber_for_confirmation(token: str) -> Subscriber:
    """Return the subscriber a confirmation token names.

    Raise ``LinkExpired`` when it is older than the setting allows, or was issued before
    the address unsubscribed (an old link must not undo an unsubscribe); ``LinkInvalid``
    when it was tampered with or its subscriber is gone.
    """
    max_age = settings.NEWSLETTER_CONFIRM_MAX_AGE
    try:
        payload = signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        raise LinkInvalid from error
    if not isinstance(payload, dict):
        raise LinkInvalid
    subscriber = Subscriber.objects.filter(pk=payload.get("id")).first()
    if subscriber is None:
        raise LinkInvalid
    if subscriber.unsubscribed_at and payload.get("at", 0) < int(
        subscriber.unsubscribed_at.timestamp()
    ):
        raise LinkExpired
    return subscriber


def unsubscribe_token(subscriber: Subscriber) -> str:
    """Return the never-expiring token of ``subscriber``'s unsubscribe link."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscriber.pk))


def subscriber_for_unsubscribe(token: str) -> Subscriber:
    """Return the subscriber an unsubscribe token names, or raise ``LinkInvalid``."""
    try:
        pk = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature as error:
        raise LinkInvalid from error
    subscriber = Subscriber.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if subscriber is None:
        raise LinkInvalid
    return subscriber


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscriber)]))


# Sign-up limits


def _count_attempt(kind: str, key: str, limit: int) -> bool:
    """Count one attempt for ``key``; return whether it is over ``limit`` in the window.

    A fixed window in the cache: the first attempt starts it, later ones (refused ones
    included) do not extend it, so the wait announced on the page holds.
    """
    window = int(settings.NEWSLETTER_RATE_LIMIT_WINDOW.total_seconds())
    cache_key = f"newsletter:rate:{kind}:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(cache_key, 0, window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(cache_key, 1, window)
        count = 1
    return count > limit


def client_over_limit(request: HttpRequest) -> bool:
    """Count a sign-up attempt from this client; return whether it is one too many."""
    return _count_attempt(
        "client",
        client_address(request) or "unknown",
        settings.NEWSLETTER_RATE_LIMIT_PER_CLIENT,
    )


def address_over_limit(email: str) -> bool:
    """Count a sign-up attempt for this address; return whether it is one too many."""
    return _count_attempt(
        "address", normalize_email(email), settings.NEWSLETTER_RATE_LIMIT_PER_ADDRESS
    )


# E-mail


class NewsletterMessage(EmailMultiAlternatives):
    """A message whose headers are folded only past RFC 5322's hard limit (998 characters).

    Python folds a header longer than 78 characters, and one without spaces (the
    ``List-Unsubscribe`` URL with its token) only by turning it into RFC 2047 encoded
    words, which mail clients do not read as a URL: their unsubscribe button would
    disappear. Lines up to 998 characters are valid mail.
    """

    def message(self, *, policy: email.policy.Policy = email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def build_message(
    subscriber: Subscriber, subject: str, template: str, context: dict[str, Any]
) -> NewsletterMessage:
    """Return a plain-text + HTML message to ``subscriber`` with its unsubscribe link.

    Every message carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058)
    so mail clients can offer their own one-click unsubscribe button.
    """
    leave_url = unsubscribe_url(subscriber)
    context = {
        **context,
        "subscriber": subscriber,
        "unsubscribe_url": leave_url,
        "site_url": absolute_url("/"),
        "NEWSROOM_NAME": settings.NEWSROOM_NAME,
    }
    message = NewsletterMessage(
        subject=subject,
        body=render_to_string(f"newsletter/email/{template}.txt", context),
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{leave_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"newsletter/email/{template}.html", context), "text/html"
    )
    return message


def request_subscription(email: str) -> None:
    """Act on a sign-up for ``email``, the same way seen from outside whatever it was.

    A new, pending or unsubscribed address gets a confirmation link (an unsubscribed one
    stays unsubscribed until it confirms); an address already confirmed is told so, with
    nothing to click. A mail server that fails is logged, not shown: the page cannot
    differ from one address to another.
    """
    subscriber, _ = Subscriber.objects.get_or_create(email=normalize_email(email))
    if subscriber.status == Subscriber.Status.CONFIRMED:
        message = build_message(
            subscriber, f"You're already subscribed to {settings.NEWSROOM_NAME}", "already", {}
        )
    else:
        confirm_url = absolute_url(
            reverse("newsletter:confirm", args=[confirmation_token(subscriber)])
        )
        message = build_message(
            subscriber,
            f"Confirm your subscription to {settings.NEWSROOM_NAME}",
            "confirm",
            {
                "confirm_url": confirm_url,
                "valid_days": settings.NEWSLETTER_CONFIRM_MAX_AGE.days,
            },
        )
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception(
            "Newsletter: could not send the sign-up e-mail to subscriber %s", subscriber.pk
        )
        return
    if subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.confirmation_sent_at = timezone.now()
        subscriber.save(update_fields=["confirmation_sent_at"])


# Digest


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the start of ``day`` and of the next day in the newsroom's time zone."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def digest_articles(day: date) -> list[Article]:
    """Return the articles published on ``day`` that readers may see now, oldest first."""
    start, end = day_bounds(day)
    return list(
        Article.objects.published()
        .filter(published_at__gte=start, published_at__lt=end)
        .with_related()
        .defer("body")
        .order_by("published_at", "id")
    )


def digest_recipients(day: date) -> QuerySet[Subscriber]:
    """Return the confirmed subscribers who have not yet had ``day``'s digest."""
    return (
        Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED)
        .exclude(digest_deliveries__date=day)
        .order_by("id")
    )


def claim_digest(subscriber: Subscriber, day: date) -> DigestDelivery | None:
    """Record that this run sends ``day``'s digest to ``subscriber``; None if one already has.

    Committed at once, before the message is sent, so two overlapping runs (or a run
    started again after one was killed) never send the same digest twice.
    """
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(date=day, subscriber=subscriber)
    except IntegrityError:
        return None


def build_digest(subscriber: Subscriber, day: date, articles: list[Article]) -> NewsletterMessage:
    """Return ``day``'s digest for ``subscriber``."""
    items = [
        {"article": article, "url": absolute_url(article.get_absolute_url())}
        for article in articles
    ]
    return build_message(
        subscriber,
        f"{settings.NEWSROOM_NAME}: the news of {day:%B} {day.day}, {day.year}",
        "digest",
        {"day": day, "items": items},
    )
