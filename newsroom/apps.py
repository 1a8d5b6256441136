from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """Infrastructure, no models: the page cache, login security, the two-factor pages."""

    name = "newsroom"
    verbose_name = "Newsroom infrastructure"

    def ready(self) -> None:
        from .pagecache import track_instances

        track_instances()  # loaded rows become the dependency keys of the page rendering
