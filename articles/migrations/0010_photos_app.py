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
    """Give the moved models' content types their new app label (permissions follow)."""
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    for model in MOVED_MODELS:
        if content_types.filter(app_label=new, model=model).exists():
            # Made already (e.g. a post_migrate ran in between): keep the one with the
            # permissions and history, the old one.
            content_types.filter(app_label=new, model=model).delete()
        content_types.filter(app_label=old, model=model).update(app_label=new)


def relabel_back(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="photos", new="articles")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0009_list_indexes'),
        ('photos', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
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
