"""Create the newsroom's role groups (Contributor, Editor, Photo editor, Administrator).

Permissions are normally created after ``migrate`` (post_migrate); they are created here
first so that a fresh database gets complete groups. Idempotent: running it again, or
``manage.py sync_roles``, adds what is missing and nothing twice.

The roles and ``sync_roles`` are copied here as they were when this migration was written
(``articles.roles`` has moved on since: the photo permissions are the photos app's now),
so the migration never depends on live code.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


CONTRIBUTOR = "Contributor"
EDITOR = "Editor"
PHOTO_EDITOR = "Photo editor"
ADMINISTRATOR = "Administrator"

ALL = "__all__"

# Role -> {app_label: codenames}. "view_x"-style codenames; ALL means every permission.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]] | str] = {
    CONTRIBUTOR: {
        "articles": (
            "add_article",
            "change_article",
            "delete_article",
            "view_article",
            "add_articleauthor",
            "change_articleauthor",
            "delete_articleauthor",
            "view_articleauthor",
            "view_articlenote",
            "view_author",
            "view_section",
            "add_photo",
            "view_photo",
        ),
        "taggit": ("view_tag",),
        "narration": ("view_narration",),
    },
    EDITOR: {
        "articles": (
            "add_article",
            "change_article",
            "delete_article",
            "view_article",
            "publish_article",
            "edit_others_article",
            "add_articleauthor",
            "change_articleauthor",
            "delete_articleauthor",
            "view_articleauthor",
            "add_articlenote",
            "change_articlenote",
            "delete_articlenote",
            "view_articlenote",
            "add_previewlink",
            "change_previewlink",
            "view_previewlink",
            "add_author",
            "change_author",
            "delete_author",
            "view_author",
            "add_section",
            "change_section",
            "view_section",
            "add_photo",
            "change_photo",
            "view_photo",
            "add_tagredirect",
            "change_tagredirect",
            "delete_tagredirect",
            "view_tagredirect",
            "add_tagchange",
            "view_tagchange",
            "merge_tags",
        ),
        "taggit": ("add_tag", "change_tag", "delete_tag", "view_tag"),
        "narration": ("add_narration", "change_narration", "view_narration"),
        # Moderate readers' comments (approve, reject, spam) and close them per article.
        "comments": (
            "view_comment",
            "change_comment",
            "delete_comment",
            "moderate_comment",
            "add_articlecommentstate",
            "change_articlecommentstate",
            "delete_articlecommentstate",
            "view_articlecommentstate",
        ),
    },
    PHOTO_EDITOR: {
        "articles": (
            "add_photo",
            "change_photo",
            "delete_photo",
            "view_photo",
            "view_article",
            "view_author",
            "view_section",
        ),
        "taggit": ("add_tag", "change_tag", "view_tag"),
    },
    ADMINISTRATOR: ALL,
}

def sync_roles(apps, using, reset=False):
    """Create the role groups and give them their permissions; return permissions per role.

    Idempotent. Permissions are only added, so a newsroom's own additions stay, unless
    ``reset`` is true: then each group gets exactly its role's permissions.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = permission_model.objects.using(using)
    counts = {}
    for name, spec in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        if spec == ALL:
            wanted = list(permissions.all())
        else:
            wanted = []
            for app_label, codenames in spec.items():
                wanted += permissions.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
        if reset:
            group.permissions.set(wanted)
        else:
            group.permissions.add(*wanted)
        counts[name] = len(wanted)
    return counts


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    sync_roles(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0003_workflow_permissions_preview_expiry"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
