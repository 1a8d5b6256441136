"""The photo library now lives in the photos app: point the articles at it, relabel its types.

No table changes: the state of ``Photo`` and ``TaggedPhoto`` moved in ``photos.0001_initial``
(same tables). Here the foreign keys of ``Article.lead_photo`` and ``Author.avatar`` point at
``photos.Photo`` in Django's state, the old state is dropped, and the content types
``articles.photo``/``articles.taggedphoto`` become ``photos.*``, so the permissions the role
groups hold, and admin log entries, follow the model.
"""

import django.db.models.deletion
from django.db import migrations, models


MOVED_MODELS = ("photo", "taggedphoto")


def relabel_content_types(apps, schema_editor, old="articles", new="photos"):
    """Give the moved models' content types their new app label (permissions follow).

    When new code ran before this migration (a rolling deploy), a content type under the
    new label may exist already, with admin log entries or revisions written against it:
    those move to the old type, which keeps its id (the role groups hold its
    permissions), and the new one goes.
    """
    alias = schema_editor.connection.alias
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(alias)
    log_entries = apps.get_model("admin", "LogEntry").objects.using(alias)
    versions = apps.get_model("reversion", "Version").objects.using(alias)
    for model in MOVED_MODELS:
        existing = content_types.filter(app_label=old, model=model).first()
        if existing is None:
            continue  # a fresh database: post_migrate makes the new one
        made = content_types.filter(app_label=new, model=model).first()
        if made is not None:
            log_entries.filter(content_type=made).update(content_type=existing)
            versions.filter(content_type=made).update(content_type=existing)
            made.delete()
        existing.app_label = new
        existing.save(update_fields=["app_label"])


def relabel_back(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="photos", new="articles")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0009_list_indexes'),
        ('photos', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('reversion', '0002_add_index_on_version_for_content_type_and_db'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name='photo',
                    name='photo_recent_idx',
                ),
                migrations.RemoveConstraint(
                    model_name='photo',
                    name='photo_focal_point_in_image',
                ),
                migrations.AlterField(
                    model_name='article',
                    name='lead_photo',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='lead_of', to='photos.photo'),
                ),
                migrations.AlterField(
                    model_name='author',
                    name='avatar',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='photos.photo'),
                ),
                migrations.RemoveField(
                    model_name='photo',
                    name='tags',
                ),
                migrations.RemoveField(
                    model_name='photo',
                    name='uploaded_by',
                ),
                migrations.DeleteModel(
                    name='TaggedPhoto',
                ),
                migrations.DeleteModel(
                    name='Photo',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, relabel_back),
    ]
