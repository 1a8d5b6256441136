"""Roles: the four groups, their permissions, kept in step by the migration and sync_roles."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from articles import roles
from articles.management.commands import seed_demo
from tests.workflow_support import administrator, contributor, editor, photo_editor

pytestmark = pytest.mark.django_db

ROLE_NAMES = {"Contributor", "Editor", "Photo editor", "Administrator"}


def test_migrations_create_the_four_role_groups_with_permissions():
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLE_NAMES)}

    assert set(groups) == ROLE_NAMES
    for group in groups.values():
        assert group.permissions.exists(), group.name


def test_sync_roles_is_idempotent():
    before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}

    roles.sync_roles()
    roles.sync_roles()

    after = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}
    assert after == before
    assert Group.objects.filter(name="Editor").count() == 1


def test_sync_roles_keeps_additions_unless_reset():
    group = Group.objects.get(name="Contributor")
    extra = Permission.objects.get(codename="publish_article")
    group.permissions.add(extra)

    roles.sync_roles()
    assert group.permissions.filter(pk=extra.pk).exists()

    roles.sync_roles(reset=True)
    assert not group.permissions.filter(pk=extra.pk).exists()


def test_sync_roles_command_recreates_a_deleted_group():
    Group.objects.filter(name="Photo editor").delete()
    out = StringIO()

    call_command("sync_roles", stdout=out)

    assert Group.objects.get(name="Photo editor").permissions.filter(codename="change_photo")
    assert "Roles are in step." in out.getvalue()


def test_contributor_writes_but_may_not_publish_or_edit_others():
    user = contributor()

    assert user.has_perms(["articles.add_article", "articles.change_article"])
    assert user.has_perm("articles.add_articleauthor")
    assert not user.has_perm("articles.publish_article")
    assert not user.has_perm("articles.edit_others_article")
    assert not user.has_perm("photos.change_photo")
    assert not user.has_perm("taggit.change_tag")


def test_editor_publishes_and_edits_tags_and_authors():
    user = editor()

    assert user.has_perms(
        [
            "articles.publish_article",
            "articles.edit_others_article",
            "articles.change_author",
            "articles.add_articlenote",
            "articles.add_previewlink",
            "taggit.change_tag",
            "articles.merge_tags",
        ]
    )
    assert not user.has_perm("articles.delete_published_article")
    assert not user.has_perm("auth.change_user")


def test_photo_editor_keeps_the_library_but_may_not_change_articles():
    user = photo_editor()

    assert user.has_perms(["photos.change_photo", "photos.delete_photo", "taggit.add_tag"])
    assert user.has_perm("articles.view_article")
    assert not user.has_perm("articles.change_article")
    assert not user.has_perm("articles.publish_article")


def test_administrator_has_every_permission():
    user = administrator()

    every = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert user.get_all_permissions() == every
    assert user.has_perm("axes.delete_accessattempt")
    assert user.has_perm("articles.delete_published_article")


def test_demo_creates_one_user_per_role_and_prints_the_password(settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("seed_demo", stdout=out)

    users = get_user_model().objects.prefetch_related("groups")
    by_role = {group.name: user.username for user in users for group in user.groups.all()}
    assert set(by_role) == ROLE_NAMES
    for username, _, _, role in seed_demo.DEMO_USERS:
        assert f"user {username} / password {seed_demo.DEMO_PASSWORD} (role: {role})" in (
            out.getvalue()
        )
