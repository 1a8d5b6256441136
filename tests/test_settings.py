"""Settings read from the environment; production refuses to start without its secrets.

Each case starts a fresh Python with a cleaned environment, since settings are read
once, at import.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET = "x" * 50
PRINT_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(settings.DEBUG, db['ENGINE'], db['NAME'], db.get('HOST', ''), db.get('PORT', ''), "
    "settings.TIME_ZONE, ','.join(settings.ALLOWED_HOSTS), sep='|')"
)


def run_settings(module: str, **env: str) -> subprocess.CompletedProcess:
    """Return the result of loading settings ``module`` in a Python with only ``env`` set."""
    clean_env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": module, **env}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=BASE_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def printed(result: subprocess.CompletedProcess) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    keys = ("debug", "engine", "name", "host", "port", "time_zone", "allowed_hosts")
    return dict(zip(keys, result.stdout.strip().split("|"), strict=True))


def test_prod_refuses_to_start_without_a_secret_key():
    result = run_settings("newsroom.settings.prod", DJANGO_ALLOWED_HOSTS="news.example.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_prod_refuses_a_short_secret_key():
    result = run_settings(
        "newsroom.settings.prod",
        DJANGO_SECRET_KEY="too-short",
        DJANGO_ALLOWED_HOSTS="news.example.org",
    )
    assert result.returncode != 0
    assert "at least 32 characters" in result.stderr


def test_prod_refuses_to_start_without_allowed_hosts():
    result = run_settings("newsroom.settings.prod", DJANGO_SECRET_KEY=SECRET)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must list the site's host names" in result.stderr


def test_prod_starts_with_its_secrets_and_debug_off():
    values = printed(
        run_settings(
            "newsroom.settings.prod",
            DJANGO_SECRET_KEY=SECRET,
            DJANGO_ALLOWED_HOSTS="news.example.org, www.news.example.org",
        )
    )
    assert values["debug"] == "False"
    assert values["allowed_hosts"] == "news.example.org,www.news.example.org"


def test_prod_passes_the_deployment_checks():
    """Return nothing from check --deploy: no warning at all under the prod settings."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.prod",
        "DJANGO_SECRET_KEY": "k3!" + "a1B2c3D4e5F6g7H8" * 4,
        "DJANGO_ALLOWED_HOSTS": "news.example.org",
    }
    assert_deploy_check_clean(env)


def assert_deploy_check_clean(env: dict[str, str]) -> None:
    """Run ``check --deploy`` in a process with ``env``; assert it reports nothing."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize("module", ["newsroom.settings.dev", "newsroom.settings.prod"])
def test_database_url_is_parsed_by_dj_database_url(module):
    values = printed(
        run_settings(
            module,
            DJANGO_SECRET_KEY=SECRET,
            DJANGO_ALLOWED_HOSTS="news.example.org",
            DATABASE_URL="postgres://u@h:5432/db",
        )
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"], values["port"]) == ("db", "h", "5432")


def test_without_database_url_the_database_is_a_sqlite_file_in_the_project():
    values = printed(run_settings("newsroom.settings.dev"))
    assert values["engine"] == "django.db.backends.sqlite3"
    assert Path(values["name"]) == BASE_DIR / "db.sqlite3"


def test_time_zone_defaults_to_kyiv_and_follows_the_environment():
    assert printed(run_settings("newsroom.settings.dev"))["time_zone"] == "Europe/Kyiv"
    values = printed(run_settings("newsroom.settings.dev", TIME_ZONE="Europe/Warsaw"))
    assert values["time_zone"] == "Europe/Warsaw"


def test_log_level_is_read_in_either_case():
    # gunicorn.conf.py reads LOG_LEVEL too, in lower case; Django's logging wants upper.
    for level in ("warning", "WARNING"):
        result = run_settings("newsroom.settings.dev", LOG_LEVEL=level)
        assert result.returncode == 0, result.stderr


def test_dev_settings_have_debug_on_and_local_hosts():
    values = printed(run_settings("newsroom.settings.dev"))
    assert values["debug"] == "True"
    assert "127.0.0.1" in values["allowed_hosts"].split(",")


def test_tests_keep_media_out_of_the_project(settings):
    assert settings.DEBUG is False
    assert not Path(settings.MEDIA_ROOT).is_relative_to(BASE_DIR)


def test_every_environment_variable_of_the_settings_is_documented():
    source = "\n".join(p.read_text() for p in (BASE_DIR / "newsroom" / "settings").glob("*.py"))
    names = set(re.findall(r"""(?:os\.environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)\"""", source))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "TIME_ZONE"} <= names
    example = (BASE_DIR / ".env.example").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    for name in sorted(names):
        assert re.search(rf"^{name}=", example, re.MULTILINE), f"{name} missing in .env.example"
        assert f"`{name}`" in readme, f"{name} missing in README's configuration table"
