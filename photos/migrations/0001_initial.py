"""The photo library moves from the articles app into its own, with no change to the database.

``Photo`` and ``TaggedPhoto`` keep their tables (``articles_photo``, ``articles_taggedphoto``),
indexes and constraints: this migration only tells Django's state that they now belong to
``photos``. ``articles.0010_photos_app`` points the articles' foreign keys here, drops the old
state and relabels the content types, so permissions and admin log entries follow.
"""

import django.core.validators
import django.db.models.deletion
import photos.images.checks
import taggit.managers
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('articles', '0009_list_indexes'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Photo',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('image', models.ImageField(height_field='height', help_text='JPEG, PNG, WebP or GIF; AVIF too where the server can read it.', upload_to='photos/%Y/%m/', validators=[django.core.validators.FileExtensionValidator(('jpg', 'jpeg', 'png', 'webp', 'gif', 'avif')), photos.images.checks.validate_image_file], width_field='width')),
                        ('width', models.PositiveIntegerField(editable=False, null=True)),
                        ('height', models.PositiveIntegerField(editable=False, null=True)),
                        ('alt_text', models.CharField(help_text='What the image shows, for readers who cannot see it.', max_length=300, verbose_name='alt text')),
                        ('caption', models.TextField(blank=True)),
                        ('credit', models.CharField(blank=True, help_text='Printed exactly as written, e.g. “Photo by Name Surname/AFP via Getty Images”. Required before an article using the photo can be published.', max_length=250)),
                        ('photographer', models.CharField(blank=True, max_length=200)),
                        ('agency', models.CharField(blank=True, max_length=200, verbose_name='agency / distributor')),
                        ('source', models.CharField(blank=True, help_text='Where the file came from.', max_length=200)),
                        ('copyright', models.CharField(blank=True, max_length=250)),
                        ('usage_terms', models.TextField(blank=True)),
                        ('syndication_allowed', models.BooleanField(default=False, help_text='Partners may republish this photo with our articles.', verbose_name='may be syndicated')),
                        ('rights_expire_on', models.DateField(blank=True, null=True, verbose_name='rights expire on')),
                        ('focal_x', models.FloatField(default=0.5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)])),
                        ('focal_y', models.FloatField(default=0.5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)])),
                        ('renditions', models.JSONField(blank=True, default=dict, editable=False, help_text='Derived resized copies: name -> storage path. Never edited by hand.')),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('uploaded_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='uploaded_photos', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'photo',
                        'verbose_name_plural': 'photos',
                        'db_table': 'articles_photo',
                        'ordering': ('-uploaded_at', '-id'),
                    },
                ),
                migrations.CreateModel(
                    name='TaggedPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='photos.photo')),
                        ('tag', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='%(app_label)s_%(class)s_items', to='taggit.tag')),
                    ],
                    options={
                        'verbose_name': 'photo tag',
                        'verbose_name_plural': 'photo tags',
                        'db_table': 'articles_taggedphoto',
                    },
                ),
                migrations.AddField(
                    model_name='photo',
                    name='tags',
                    field=taggit.managers.TaggableManager(blank=True, help_text='A comma-separated list of tags.', through='photos.TaggedPhoto', to='taggit.Tag', verbose_name='Tags'),
                ),
                migrations.AddIndex(
                    model_name='photo',
                    index=models.Index(fields=['-uploaded_at', '-id'], name='photo_recent_idx'),
                ),
                migrations.AddConstraint(
                    model_name='photo',
                    constraint=models.CheckConstraint(condition=models.Q(('focal_x__gte', 0), ('focal_x__lte', 1), ('focal_y__gte', 0), ('focal_y__lte', 1)), name='photo_focal_point_in_image'),
                ),
            ],
            database_operations=[],
        ),
    ]
