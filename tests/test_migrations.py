"""Migrations: the photo library's move to the photos app, checked on a database made before it.

``photos.0001_initial`` and ``articles.0010_photos_app`` move ``Photo`` and ``TaggedPhoto`` in
Django's state only and relabel their content types. These tests migrate the test database back
to the state before the move, fill it with historical models (as the old code would have), and
migrate forward: rows, permissions, role grants and admin history must all follow.
"""

from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article
from photos.models import Photo

# The last migrations before the move: photos did not exist, articles had the photo models.
BEFORE_THE_MOVE = [("articles", "0009_list_indexes"), ("photos", None)]
# Between the two migrations of the move: photos has the models, articles still has them too.
HALFWAY = [("articles", "0009_list_indexes"), ("photos", "0001_initial")]

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets=None):
    """Migrate the test database to ``targets`` (the latest migrations if None); return its apps."""
    executor = MigrationExecutor(connection)
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    state = executor.migrate(targets)  # the state of every migration applied now
    # The migrations change content types behind the live manager's back.
    ContentType.objects.clear_cache()
    return state.apps


@pytest.fixture
def migrated_back():
    """Yield a function that migrates back; whatever happens, end on the latest migrations."""
    try:
        yield migrate
    finally:
        migrate()


def fill_the_old_photo_library(apps) -> dict:
    """Create, with the models as they were before the move, what a newsroom would have."""
    user_model = apps.get_model("auth", "User")
    photo_model = apps.get_model("articles", "Photo")
    tagged_photo_model = apps.get_model("articles", "TaggedPhoto")
    tag_model = apps.get_model("taggit", "Tag")
    section_model = apps.get_model("articles", "Section")
    article_model = apps.get_model("articles", "Article")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    log_entry_model = apps.get_model("admin", "LogEntry")

    editor = user_model.objects.create(username="photo-desk", is_staff=True)
    photo = photo_model.objects.create(
        image="photos/2025/05/harbour.jpg",  # a name only: no file is read
        width=1200,  # given, so that no one opens the (missing) file to measure it
        height=800,
        alt_text="The harbour at dawn",
        credit="Photo by Olena Koval/AFP via Getty Images",
    )
    tag = tag_model.objects.create(name="Harbour", slug="harbour")
    tagged_photo_model.objects.create(content_object=photo, tag=tag)
    section = section_model.objects.create(name="City", slug="city")
    article = article_model.objects.create(
        headline="Dawn at the harbour",
        slug="dawn-at-the-harbour",
        section=section,
        lead_photo=photo,
    )

    photo_type = content_type_model.objects.get(app_label="articles", model="photo")
    tagged_photo_type = content_type_model.objects.get(app_label="articles", model="taggedphoto")
    change_photo = permission_model.objects.get(content_type=photo_type, codename="change_photo")
    assert group_model.objects.get(name="Photo editor").permissions.filter(pk=change_photo.pk)
    entry = log_entry_model.objects.create(
        user=editor,
        content_type=photo_type,
        object_id=str(photo.pk),
        object_repr="The harbour at dawn",
        action_flag=CHANGE,
        change_message="Changed credit.",
    )
    return {
        "photo": photo.pk,
        "tag": tag.pk,
        "article": article.pk,
        "photo_type": photo_type.pk,
        "tagged_photo_type": tagged_photo_type.pk,
        "change_photo": change_photo.pk,
        "log_entry": entry.pk,
    }


def test_an_existing_database_keeps_its_photos_permissions_and_history_after_the_move(
    migrated_back,
):
    before = fill_the_old_photo_library(migrated_back(BEFORE_THE_MOVE))

    migrate()

    photo = Photo.objects.get(pk=before["photo"])
    assert photo.credit == "Photo by Olena Koval/AFP via Getty Images"
    assert photo.image.name == "photos/2025/05/harbour.jpg"
    assert list(photo.tags.values_list("pk", "name")) == [(before["tag"], "Harbour")]
    assert Article.objects.get(pk=before["article"]).lead_photo == photo

    photo_type = ContentType.objects.get_for_model(Photo)
    assert (photo_type.pk, photo_type.app_label) == (before["photo_type"], "photos")
    tagged_photo_type = ContentType.objects.get(app_label="photos", model="taggedphoto")
    assert tagged_photo_type.pk == before["tagged_photo_type"]
    assert not ContentType.objects.filter(app_label="articles", model__in=["photo", "taggedphoto"])

    change_photo = Permission.objects.get(content_type__app_label="photos", codename="change_photo")
    assert change_photo.pk == before["change_photo"]
    assert Group.objects.get(name="Photo editor").permissions.filter(pk=change_photo.pk)
    assert not Permission.objects.filter(content_type__app_label="articles", codename="add_photo")

    entry = LogEntry.objects.get(pk=before["log_entry"])
    assert entry.content_type == photo_type
    assert entry.get_edited_object() == photo

    tables = set(connection.introspection.table_names())
    assert {"articles_photo", "articles_taggedphoto"} <= tables
    assert not {"photos_photo", "photos_taggedphoto"} & tables


def test_photos_content_types_made_between_the_two_migrations_give_way_to_the_old_ones(
    migrated_back,
):
    """A post_migrate between photos.0001 and articles.0010 (``migrate photos`` first) makes
    photos.* content types and permissions of its own: the old ones, with the grants and the
    history, are the ones kept."""
    before = fill_the_old_photo_library(migrated_back(BEFORE_THE_MOVE))
    migrated_back(HALFWAY)
    call_command("migrate", "photos", verbosity=0)  # post_migrate with photos in the state
    made_halfway = ContentType.objects.get(app_label="photos", model="photo")
    assert made_halfway.pk != before["photo_type"]

    migrate()

    photo_type = ContentType.objects.get(app_label="photos", model="photo")
    assert photo_type.pk == before["photo_type"]
    assert ContentType.objects.filter(model="photo").count() == 1
    change_photo = Permission.objects.get(content_type__app_label="photos", codename="change_photo")
    assert change_photo.pk == before["change_photo"]
    assert Group.objects.get(name="Photo editor").permissions.filter(pk=change_photo.pk)
    assert LogEntry.objects.get(pk=before["log_entry"]).get_edited_object().pk == before["photo"]


def test_moving_back_gives_the_content_types_back_to_articles(migrated_back):
    photo_type = ContentType.objects.get_for_model(Photo)

    old_apps = migrated_back(BEFORE_THE_MOVE)

    old_type = old_apps.get_model("contenttypes", "ContentType").objects.get(pk=photo_type.pk)
    assert (old_type.app_label, old_type.model) == ("articles", "photo")
    assert old_apps.get_model("articles", "Photo")._meta.db_table == "articles_photo"


def test_the_models_and_the_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(f"makemigrations finds changes no migration has:\n{out.getvalue()}")


def test_migrate_brings_the_role_groups_back_in_step_once_every_app_has_its_permissions():
    """The groups are synced on the last post_migrate (the last app with models, not the
    last installed app: ``public`` has none), so even permissions made in that same run
    (here comments', one of the last apps) reach the groups."""
    editor = Group.objects.get(name="Editor")
    change_photo = Permission.objects.get(content_type__app_label="photos", codename="change_photo")
    editor.permissions.remove(change_photo)
    Permission.objects.get(content_type__app_label="comments", codename="moderate_comment").delete()

    call_command("migrate", verbosity=0)

    assert editor.permissions.filter(pk=change_photo.pk).exists()
    assert editor.permissions.filter(
        content_type__app_label="comments", codename="moderate_comment"
    ).exists()
