from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def sync_roles_after_migrate(sender, app_config, using: str = "default", **kwargs) -> None:
    """Bring the role groups in step once every app's permissions exist (after migrate/flush).

    Migration 0004 made the groups when only the apps before it existed; apps and models
    added later (narration, comments, newsletter, tasks…) get their permissions here.
    """
    if app_config is not list(global_apps.get_app_configs())[-1]:
        return  # permissions are created app by app; wait for the last one
    from .roles import sync_roles

    sync_roles(using=using)


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from . import signals

        signals.connect()  # the page cache follows every edit (articles.cache)
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="articles-sync-roles")
