"""The production settings as the PostgreSQL drill runs them (tests/test_drills.py).

Everything of ``newsroom.settings.prod`` (the connection pool above all), except that
static files are served from the source tree as in development, so the drill needs no
``collectstatic`` into the checkout.
"""

from newsroom.settings.prod import *  # noqa: F403
from newsroom.settings.prod import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
