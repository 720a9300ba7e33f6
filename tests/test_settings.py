"""Settings come from the environment and refuse bad values at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**environ) -> subprocess.CompletedProcess:
    """Import config.settings in a fresh interpreter with exactly these variables."""
    clean = {"PATH": os.environ.get("PATH", ""), **environ}
    code = (
        "import json, config.settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
        "'db': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
        "'static': s.STORAGES['staticfiles']['BACKEND']}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    result = load_settings(DEBUG="false", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    result = load_settings(DEBUG="false", SECRET_KEY="s3cret")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_it_starts_in_debug_with_no_configuration_on_sqlite():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert '"debug": true' in result.stdout
    assert "sqlite3" in result.stdout
    assert "db.sqlite3" in result.stdout


def test_it_uses_hashed_compressed_static_files_when_debug_is_off():
    result = load_settings(SECRET_KEY="s3cret", ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    assert "CompressedManifestStaticFilesStorage" in result.stdout


def test_it_reads_postgres_and_absolute_sqlite_database_urls():
    pg = load_settings(DEBUG="true", DATABASE_URL="postgres://u@db.example:5432/causeway")
    assert "postgresql" in pg.stdout
    lite = load_settings(DEBUG="true", DATABASE_URL="sqlite:////tmp/causeway-test.db")
    assert "/tmp/causeway-test.db" in lite.stdout


def test_it_rejects_an_unsupported_database():
    result = load_settings(DEBUG="true", DATABASE_URL="mysql://u@localhost/causeway")
    assert result.returncode != 0
    assert "DATABASE_URL must point at SQLite or PostgreSQL" in result.stderr


def _manage(*args, **environ) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", ""), **environ}
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True)


def test_manage_py_runs_in_debug_on_an_unconfigured_checkout():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_manage_py_stays_out_of_debug_where_a_secret_key_is_set():
    show = "from django.conf import settings; print(settings.DEBUG)"
    result = _manage("shell", "-c", show, SECRET_KEY="s3cret", ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_manage_py_stays_out_of_debug_on_a_postgresql_database_without_a_secret_key():
    show = "from django.conf import settings; print(settings.DEBUG)"
    result = _manage(
        "shell", "-c", show, DATABASE_URL="postgres://postgres@127.0.0.1:5432/causeway"
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_manage_py_runs_in_debug_on_a_local_sqlite_database():
    show = "from django.conf import settings; print(settings.DEBUG)"
    result = _manage("shell", "-c", show, DATABASE_URL="sqlite:////tmp/causeway-debug.db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_it_rejects_fewer_search_candidates_than_results():
    result = load_settings(DEBUG="true", SEARCH_CANDIDATES="500", SEARCH_MAX_RESULTS="1000")
    assert result.returncode != 0
    assert "SEARCH_CANDIDATES must be larger than SEARCH_MAX_RESULTS" in result.stderr


def test_it_rejects_a_site_url_that_is_not_a_web_address():
    result = load_settings(DEBUG="true", SITE_URL="causeway.example.org")
    assert result.returncode != 0
    assert "SITE_URL must start with https://" in result.stderr
    assert load_settings(DEBUG="true", SITE_URL="https://causeway.example.org/").returncode == 0


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_env_bool_rejects_anything_but_true_or_false(monkeypatch, value):
    monkeypatch.setenv("SOME_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true or false"):
        env.env_bool("SOME_FLAG")


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("0", False), ("OFF", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_FLAG", value)
    assert env.env_bool("SOME_FLAG") is expected


def test_env_int_rejects_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="must be an integer"):
        env.env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("SOME_NUMBER", 5, minimum=1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("SOME_LIST", " a.example, ,b.example ")
    assert env.env_list("SOME_LIST") == ["a.example", "b.example"]


def test_collectstatic_builds_a_manifest_that_pages_render_with(tmp_path):
    """The production storage: hashed names from a manifest, compressed copies beside them."""
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": "s3cret",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    script = (
        "import django, sys; django.setup();"
        "from django.conf import settings; settings.STATIC_ROOT = sys.argv[1];"
        "from django.core.management import call_command;"
        "call_command('collectstatic', interactive=False, verbosity=0);"
        "from django.templatetags.static import static; print(static('css/site.css'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    hashed = result.stdout.strip()
    assert hashed.startswith("/static/css/site.") and hashed.endswith(".css")
    assert hashed != "/static/css/site.css"
    assert (tmp_path / "staticfiles.json").exists()
    assert list((tmp_path / "css").glob("site.*.css.gz"))
