from django.apps import AppConfig


class PublicConfig(AppConfig):
    """What readers get: views, feeds, sitemaps, body rendering and the public tags. No models."""

    name = "public"
    verbose_name = "Public site"
