"""Drafts outside the newsroom: signed, expiring, revocable preview links."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PreviewLink
from tests.factories import ArticleFactory
from tests.workflow_support import (
    article_post,
    change_url,
    client_for,
    contributor,
    editor,
    management_form,
)

pytestmark = pytest.mark.django_db


def draft(**kwargs) -> Article:
    return ArticleFactory(
        status=Article.Status.DRAFT, published_at=None, headline="Draft for the lawyer", **kwargs
    )


def link_for(article, **kwargs) -> PreviewLink:
    return PreviewLink.objects.create(article=article, recipient="legal review", **kwargs)


def new_link_post(article, recipient="Lawyer, Smith & Co") -> dict[str, str]:
    data = article_post(article)
    data.update(management_form("preview_links", total=1))
    data["preview_links-0-recipient"] = recipient
    default = timezone.localtime(timezone.now() + timedelta(days=7))
    data["preview_links-0-expires_at_0"] = default.strftime("%Y-%m-%d")
    data["preview_links-0-expires_at_1"] = default.strftime("%H:%M:%S")
    return data


def test_editor_creates_a_link_from_the_article_page():
    article = draft()
    user = editor()
    client = client_for(user)

    form = client.get(change_url(article))
    response = client.post(change_url(article), new_link_post(article))

    assert 'name="preview_links-TOTAL_FORMS"' in form.content.decode()
    assert response.status_code == 302
    link = PreviewLink.objects.get()
    assert link.created_by == user
    assert link.recipient == "Lawyer, Smith & Co"
    assert timedelta(days=6) < link.expires_at - timezone.now() <= timedelta(days=7)
    page = client.get(change_url(article)).content.decode()
    assert f"http://testserver{link.get_absolute_url()}" in page


def test_new_links_last_seven_days_by_default():
    link = link_for(draft())

    assert link.expires_at - link.created_at == pytest.approx(timedelta(days=7), abs=timedelta(1))
    assert link.is_active


def test_link_shows_the_draft_to_someone_without_an_account():
    article = draft()
    link = link_for(article)

    response = Client().get(link.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Draft for the lawyer" in html
    assert "Preview — not public" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "application/ld+json" not in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert Client().get(article.get_absolute_url()).status_code == 404  # still not public


def test_link_url_is_signed_and_stays_the_same():
    link = link_for(draft())

    url = link.get_absolute_url()

    assert url == PreviewLink.objects.get(pk=link.pk).get_absolute_url()
    assert link.token in url and url != reverse("articles:preview", args=[link.token])


@pytest.mark.parametrize("kind", ["raw-token", "tampered", "unknown", "other-signature"])
def test_unsigned_or_tampered_links_are_not_found(kind):
    link = link_for(draft())
    signed = link.signed_token()
    token = {
        "raw-token": link.token,
        "tampered": signed[:-2] + ("aa" if not signed.endswith("aa") else "bb"),
        "unknown": "nothing-here",
        "other-signature": "x" * 43 + signed[len(link.token) :],
    }[kind]

    response = Client().get(reverse("articles:preview", args=[token]))

    assert response.status_code == 404


def test_link_stops_working_when_it_expires():
    link = link_for(draft(), expires_at=timezone.now() + timedelta(days=2))
    url = link.get_absolute_url()

    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        response = Client().get(url)

    assert response.status_code == 410
    assert "This preview link no longer works" in response.content.decode()
    assert "Draft for the lawyer" not in response.content.decode()


def test_editor_revokes_a_link_from_the_article_page():
    article = draft()
    link = link_for(article)
    data = article_post(article)
    data.update(management_form("preview_links", total=1, initial=1))
    local = timezone.localtime(link.expires_at)
    data.update(
        {
            "preview_links-0-id": str(link.pk),
            "preview_links-0-article": str(article.pk),
            "preview_links-0-recipient": link.recipient,
            "preview_links-0-expires_at_0": local.strftime("%Y-%m-%d"),
            "preview_links-0-expires_at_1": local.strftime("%H:%M:%S"),
            "preview_links-0-revoke": "on",
        }
    )

    response = client_for(editor()).post(change_url(article), data)

    assert response.status_code == 302, response.context["inline_admin_formsets"]
    link.refresh_from_db()
    assert link.revoked_at is not None
    gone = Client().get(link.get_absolute_url())
    assert gone.status_code == 410
    assert "revoked" in gone.content.decode()


def test_links_are_revoked_in_bulk_from_the_preview_link_list():
    links = [link_for(draft()), link_for(draft(slug="second"))]
    client = client_for(editor())

    listing = client.get(reverse("admin:articles_previewlink_changelist"))
    client.post(
        reverse("admin:articles_previewlink_changelist"),
        {"action": "revoke", "_selected_action": [link.pk for link in links]},
    )

    assert listing.status_code == 200
    assert not any(PreviewLink.objects.get(pk=link.pk).is_active for link in links)


def test_contributors_cannot_make_preview_links():
    user = contributor()
    article = draft(created_by=user)

    page = client_for(user).get(change_url(article))
    client_for(user).post(change_url(article), new_link_post(article))

    assert 'name="preview_links-TOTAL_FORMS"' not in page.content.decode()
    assert not PreviewLink.objects.exists()
