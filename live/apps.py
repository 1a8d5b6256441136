from django.apps import AppConfig


class LiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "live"
    verbose_name = "Live coverage"

    def ready(self) -> None:
        from . import signals

        signals.connect()  # an update purges its live page, fragments and feed only
