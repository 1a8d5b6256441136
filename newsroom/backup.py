"""What ``backup_newsroom`` writes and ``restore_newsroom`` reads: the models, by label."""

from __future__ import annotations

from django.apps import apps
from django.db import models

FORMAT = "newsroom-backup"
VERSION = 1
# What a newsroom needs, in the order it loads (natural keys need their rows first).
# Left out: what migrate makes (content types, permissions), sessions, login throttling
# records and the task queue.
MODELS = (
    "auth.Group",
    "auth.User",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "otp_static.StaticToken",
    "taggit.Tag",
    "taggit.TaggedItem",
    "photos.Photo",
    "photos.TaggedPhoto",
    "articles.Section",
    "articles.Author",
    "articles.Article",
    "articles.ArticleAuthor",
    "articles.TaggedArticle",
    "articles.ArticleNote",
    "articles.ArticleSlugRedirect",
    "articles.PreviewLink",
    "articles.TagRedirect",
    "articles.TagChange",
    "live.LiveUpdate",
    "live.LiveUpdateAuthor",
    "narration.Narration",
    "newsletter.Subscriber",
    "newsletter.DigestDelivery",
    "comments.Comment",
    "comments.ArticleCommentState",
    "reversion.Revision",
    "reversion.Version",
    "admin.LogEntry",
)


def backed_up_models() -> list[type[models.Model]]:
    """Return the models of ``MODELS`` this project has installed, in that order."""
    found = []
    for label in MODELS:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


def field_of(path: str) -> models.FileField:
    """Return the file field named "app_label.Model.field"."""
    label, _, name = path.rpartition(".")
    return apps.get_model(label)._meta.get_field(name)
