from django.apps import AppConfig


class NarrationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "narration"
    verbose_name = "Audio narration"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the regenerate-on-change handler)
