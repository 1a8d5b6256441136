from django.apps import AppConfig


class PhotosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "photos"
    verbose_name = "Photo library"

    def ready(self) -> None:
        from .images import renditions

        renditions.connect()  # delete a photo's files once its deletion commits
