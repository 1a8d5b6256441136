"""Helpers shared by the editorial-workflow tests: users per role and article form posts."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import roles
from articles.models import Article
from tests.factories import UserFactory

CHANGELIST = reverse("admin:articles_article_changelist")
ADD_URL = reverse("admin:articles_article_add")


def make_user(role: str | None, **kwargs):
    """Return a staff user in the role group ``role`` (None: staff without a role)."""
    user = UserFactory(is_staff=True, **kwargs)
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def contributor(**kwargs):
    return make_user(roles.CONTRIBUTOR, **kwargs)


def editor(**kwargs):
    return make_user(roles.EDITOR, **kwargs)


def photo_editor(**kwargs):
    return make_user(roles.PHOTO_EDITOR, **kwargs)


def administrator(**kwargs):
    return make_user(roles.ADMINISTRATOR, **kwargs)


def change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def _split(value) -> tuple[str, str]:
    if value is None:
        return "", ""
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def management_form(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def article_post(article: Article | None = None, section=None, **overrides) -> dict[str, str]:
    """Return the admin form's POST data for ``article`` as it is (or a new one), changed."""
    if article is not None:
        article.refresh_from_db()
    published = _split(article.published_at if article else None)
    unpublish = _split(article.unpublish_at if article else None)
    data = {
        "headline": article.headline if article else "A new story",
        "slug": article.slug if article else "a-new-story",
        "section": str(article.section_id if article else section.pk),
        "dek": article.dek if article else "",
        "body": article.body if article else "<p>Text.</p>",
        "lead_photo": str(article.lead_photo_id or "") if article else "",
        "lead_photo_caption": article.lead_photo_caption if article else "",
        "tags": ", ".join(article.tags.names()) if article else "",
        "status": article.status if article else Article.Status.DRAFT,
        "published_at_0": published[0],
        "published_at_1": published[1],
        "unpublish_at_0": unpublish[0],
        "unpublish_at_1": unpublish[1],
        "reading_time_override": "",
        "seo_title": "",
        "seo_description": "",
        "_save": "Save",
        **management_form("bylines"),
    }
    if article is not None:
        data["loaded_version"] = str(article.version)
        data.update(management_form("notes"))
        data.update(management_form("preview_links"))
        data.update(management_form("narration"))
    data.update(overrides)
    return data


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
