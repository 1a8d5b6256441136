"""The photo library as its own app: old admin addresses, permissions and the narration hook."""

import pytest
from django.urls import reverse

from articles.admin.articles import ArticleAdmin
from photos.models import Photo
from tests.factories import PhotoFactory
from tests.workflow_support import photo_editor

pytestmark = pytest.mark.django_db


def test_an_old_admin_photo_address_redirects_to_the_photo_library(admin_client):
    photo = PhotoFactory()

    change = admin_client.get(f"/admin/articles/photo/{photo.pk}/change/?_changelist_filters=x")
    listing = admin_client.get("/admin/articles/photo/")

    assert change.status_code == 301
    assert change["Location"] == (
        reverse("admin:photos_photo_change", args=[photo.pk]) + "?_changelist_filters=x"
    )
    assert listing.status_code == 301
    assert listing["Location"] == reverse("admin:photos_photo_changelist")
    assert admin_client.get(change["Location"]).status_code == 200


def test_the_photo_editor_role_holds_the_photo_permissions_of_the_photos_app():
    user = photo_editor()

    assert user.has_perms(["photos.add_photo", "photos.change_photo", "photos.delete_photo"])
    assert not user.has_perm("articles.change_photo")
    assert Photo._meta.app_label == "photos"
    assert Photo._meta.db_table == "articles_photo"  # the table was kept, not copied


def test_narration_adds_its_box_and_action_to_the_article_admin_without_articles_importing_it():
    inline_names = [inline.__name__ for inline in ArticleAdmin.inlines]
    action_names = [getattr(action, "__name__", action) for action in ArticleAdmin.actions]

    assert "ArticleNarrationInline" in inline_names
    assert "generate_narration" in action_names
