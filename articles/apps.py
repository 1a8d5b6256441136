from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

from .roles import sync_roles


def sync_roles_after_migrate(sender, app_config, using: str = "default", **kwargs) -> None:
    """Bring the role groups in step once every app's permissions exist (after migrate/flush).

    Django sends ``post_migrate`` once per app that has models, in INSTALLED_APPS order,
    and creates each app's permissions as it goes: the groups are synced after the last
    of those, whichever app it is (an app without models, like ``public``, sends none).
    """
    with_models = [config for config in global_apps.get_app_configs() if config.models_module]
    if with_models and app_config is with_models[-1]:
        sync_roles(using=using)


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from . import signals

        signals.connect()  # the page cache follows every edit (newsroom.pagecache)
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="articles-sync-roles")
