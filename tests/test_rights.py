"""Photo rights: expiry warnings on articles, the article filter and the photo list filter."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles import credits, services
from articles.admin.common import ArticlePhotoRightsFilter, PhotoRightsAdminMixin
from articles.models import Article
from tests.factories import ArticleFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def inline(photo) -> str:
    return f'<p><img src="{photo.image.url}" alt=""></p>'


def test_rights_warnings_name_lead_and_inline_photos():
    expired = PhotoFactory(caption="Expired lead", rights_expire_on=days(-1))
    soon = PhotoFactory(caption="Soon inline", rights_expire_on=days(3))
    today = PhotoFactory(caption="Today inline", rights_expire_on=days(0))
    later = PhotoFactory(caption="Later inline", rights_expire_on=days(8))
    forever = PhotoFactory(caption="No expiry")
    article = ArticleFactory(
        lead_photo=expired,
        body=inline(soon) + inline(later) + inline(forever) + inline(today) + inline(expired),
    )

    warnings = credits.rights_warnings(article)

    assert warnings == [
        f"Rights for the lead photo “Expired lead” (#{expired.pk}) expired on "
        f"{date_format(days(-1), 'DATE_FORMAT')}.",
        f"Rights for the inline photo “Soon inline” (#{soon.pk}) expire on "
        f"{date_format(days(3), 'DATE_FORMAT')}, in 3 days.",
        f"Rights for the inline photo “Today inline” (#{today.pk}) expire today.",
    ]


def test_seven_days_is_the_limit():
    photo = PhotoFactory(rights_expire_on=days(7))
    assert credits.rights_warnings(ArticleFactory(lead_photo=photo))
    photo.rights_expire_on = days(8)
    photo.save()
    assert credits.rights_warnings(ArticleFactory(lead_photo=photo)) == []


def test_articles_with_rights_problems_finds_lead_and_inline_uses():
    expiring = PhotoFactory(rights_expire_on=days(2))
    expired = PhotoFactory(rights_expire_on=days(-30))
    fine = PhotoFactory(rights_expire_on=days(60))
    as_lead = ArticleFactory(lead_photo=expiring)
    inline_expired = ArticleFactory(body=f"<p>Text.</p>{inline(expired)}")
    both = ArticleFactory(lead_photo=expiring, body=inline(expired))
    ArticleFactory(lead_photo=fine, body=inline(fine))
    ArticleFactory(body="<p>No photo.</p>")

    flagged = services.articles_with_rights_problems()

    assert set(flagged) == {as_lead, inline_expired, both}
    assert flagged.count() == 3  # each article once
    assert set(services.articles_with_rights_problems(days=90)) == set(
        Article.objects.exclude(body="<p>No photo.</p>")
    )


def test_article_admin_rights_filter_and_field():
    expiring = PhotoFactory(caption="Expiring", rights_expire_on=days(1))
    flagged = ArticleFactory(body=inline(expiring))
    clean = ArticleFactory()
    request = RequestFactory().get("/")
    model_admin = admin.site._registry[Article]

    chosen = ArticlePhotoRightsFilter(request, {"photo_rights": ["problem"]}, Article, model_admin)
    not_chosen = ArticlePhotoRightsFilter(request, {}, Article, model_admin)

    assert list(chosen.queryset(request, Article.objects.all())) == [flagged]
    assert set(not_chosen.queryset(request, Article.objects.all())) == {flagged, clean}
    field = PhotoRightsAdminMixin().photo_rights
    assert "Rights for the inline photo “Expiring”" in field(flagged)
    assert field(clean).startswith("No photo of this article has rights expired")


def test_rights_expiring_filter(admin_client):
    expired = PhotoFactory(rights_expire_on=days(-1))
    today = PhotoFactory(rights_expire_on=days(0))
    soon = PhotoFactory(rights_expire_on=days(7))
    later = PhotoFactory(rights_expire_on=days(8))
    forever = PhotoFactory()
    url = reverse("admin:photos_photo_changelist")

    def listed(value):
        response = admin_client.get(url, {"rights": value})
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed("problem") == {expired, today, soon}
    assert listed("expired") == {expired}
    assert listed("expiring") == {today, soon}
    assert listed("none") == {forever}
    assert later not in listed("problem")


def test_photo_list_and_page_show_rights_state(admin_client):
    photo = PhotoFactory(rights_expire_on=days(2))

    listing = admin_client.get(reverse("admin:photos_photo_changelist")).content.decode()
    page = admin_client.get(reverse("admin:photos_photo_change", args=[photo.pk]))

    assert "Rights expire on" in listing
    assert "The rights expire on" in page.content.decode()


def test_article_changelist_flags_articles_with_expiring_photo_rights(admin_client):
    flagged = ArticleFactory(
        headline="Uses an expiring photo", lead_photo=PhotoFactory(rights_expire_on=days(2))
    )
    ArticleFactory(headline="Uses a photo with lasting rights", lead_photo=PhotoFactory())
    changelist = reverse("admin:articles_article_changelist")

    response = admin_client.get(changelist, {"photo_rights": "problem"})

    page = response.content.decode()
    assert "Uses an expiring photo" in page
    assert "Uses a photo with lasting rights" not in page
    form = admin_client.get(reverse("admin:articles_article_change", args=[flagged.pk]))
    assert "rights-warning" in form.content.decode()
