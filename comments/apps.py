from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (approved comments and closing refresh the pages)
