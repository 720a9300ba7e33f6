"""The production profile: health probe, page cache, Redis outages, request ids and JSON
logs, sign-in logging, lockout after failed logins, TOTP for staff, and its settings."""

import gc
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.models import F
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import gunicorn
from config.logging import JsonFormatter, RequestIdFilter, pseudonym, request_id
from directory.models import ContentVersion, Organization
from directory.pagecache import VERSION_MAX_AGE
from tests.factories import make_org

ROOT = Path(__file__).resolve().parent.parent
DEAD_REDIS = {
    "BACKEND": "config.cache.ResilientRedisCache",
    "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
    "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
}
PASSWORD = "correct horse battery staple"


def as_json_lines(records) -> list[dict]:
    formatter, stamp = JsonFormatter(), RequestIdFilter()
    lines = []
    for record in records:
        if not hasattr(record, "request_id"):
            stamp.filter(record)
        lines.append(json.loads(formatter.format(record)))
    return lines


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_user(
        "curator", "curator@example.org", PASSWORD, is_staff=True, is_superuser=True
    )


def sign_in(client, password=PASSWORD, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "curator", "password": password}, **extra
    )


# ---- /healthz --------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("directory.views.health.connection.cursor", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable"}


# ---- the page cache --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_anonymous_page_is_served_from_the_cache_the_second_time(client):
    org = make_org("Harbor House")
    first = client.get(org.get_absolute_url())
    second = client.get(org.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


@pytest.mark.django_db
def test_a_query_string_is_part_of_the_cache_key(client):
    make_org("Harbor House", org_type="nonprofit")
    client.get("/organizations/", {"type": "nonprofit"})
    assert client.get("/organizations/", {"type": "government"})["X-Page-Cache"] == "miss"
    assert client.get("/organizations/", {"type": "nonprofit"})["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_publishing_in_the_admin_replaces_the_cached_list_at_once(admin_client):
    make_org("Harbor House")
    draft = make_org("Lantern Trust", status=Organization.Status.DRAFT)
    visitor = Client()
    assert "Lantern Trust" not in visitor.get("/organizations/").content.decode()
    assert visitor.get("/organizations/")["X-Page-Cache"] == "hit"

    admin_client.post(
        "/admin/directory/organization/",
        {"action": "publish", "_selected_action": [draft.pk]},
    )

    response = visitor.get("/organizations/")
    assert response["X-Page-Cache"] == "miss"
    assert "Lantern Trust" in response.content.decode()


@pytest.mark.django_db
def test_editing_a_source_in_the_admin_replaces_cached_pages(admin_client):
    from directory.models import Source

    org = make_org("Harbor House")
    source = Source.objects.create(
        slug="report", title="Old title", publisher="UN", url="https://example.org/report"
    )
    org.sources.add(source)
    visitor = Client()
    assert "Old title" in visitor.get(org.get_absolute_url()).content.decode()

    admin_client.post(
        f"/admin/directory/source/{source.pk}/change/",
        {
            "slug": "report",
            "title": "New title",
            "publisher": "UN",
            "year": "",
            "url": "https://example.org/report",
        },
    )

    assert "New title" in visitor.get(org.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_change_made_by_another_app_server_shows_within_a_second(client, monkeypatch):
    org = make_org("Harbor House")
    client.get(org.get_absolute_url())
    Organization.objects.filter(pk=org.pk).update(name="Harbor House Renamed")
    ContentVersion.objects.update(version=F("version") + 1)  # as another process's bump

    assert client.get(org.get_absolute_url())["X-Page-Cache"] == "hit"  # within the second
    later = time.monotonic() + VERSION_MAX_AGE + 0.1
    monkeypatch.setattr("directory.cache.time.monotonic", lambda: later)
    response = client.get(org.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "Harbor House Renamed" in response.content.decode()


@pytest.mark.django_db
def test_signed_in_curators_always_see_live_pages(admin_client):
    org = make_org("Harbor House")
    admin_client.get(org.get_absolute_url())
    assert "X-Page-Cache" not in admin_client.get(org.get_absolute_url())


@pytest.mark.django_db
def test_pages_with_a_csrf_token_are_never_cached(client):
    first, second = client.get("/suggest/"), client.get("/suggest/")
    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second
    assert "csrftoken" in second.cookies


@pytest.mark.django_db
def test_error_pages_are_not_cached(client):
    client.get("/organizations/", {"page": "abc"})
    assert client.get("/organizations/", {"page": "abc"}).status_code == 400
    assert "X-Page-Cache" not in client.get("/organizations/", {"page": "abc"})


@pytest.mark.django_db
def test_the_page_cache_can_be_turned_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert "X-Page-Cache" not in client.get("/")


# ---- Redis down ------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_are_served_when_redis_is_down(client, settings, caplog):
    settings.CACHES = {"default": DEAD_REDIS, "pages": DEAD_REDIS}
    org = make_org("Harbor House", summary="A refugee shelter.")
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for url in ("/", "/organizations/", org.get_absolute_url(), "/search/?q=refugee"):
            assert client.get(url).status_code == 200, url
            assert client.get(url).status_code == 200, url
    outages = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(outages) == 1  # logged once, not once per call


@pytest.mark.django_db
def test_each_process_keeps_recent_pages_in_front_of_redis(client, settings):
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    settings.CACHES = {**settings.CACHES, "pages": DEAD_REDIS, "pages_local": local}
    org = make_org("Harbor House")
    assert client.get(org.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(org.get_absolute_url())["X-Page-Cache"] == "hit"  # Redis is down


def test_the_resilient_cache_treats_errors_as_misses():
    from config.cache import ResilientRedisCache

    cache = ResilientRedisCache(DEAD_REDIS["LOCATION"], {"OPTIONS": DEAD_REDIS["OPTIONS"]})
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    with pytest.raises(ValueError):
        cache.incr("k")


# ---- request ids and JSON logs ---------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_request_id_that_its_log_lines_share(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/organizations/", {"q": "refugee", "page": "9"})
    rid = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    lines = as_json_lines(caplog.records)
    assert [line["request_id"] for line in lines] == [rid] * len(lines)
    access = next(line for line in lines if line["logger"] == "causeway.access")
    assert access["message"] == "GET /organizations/ 404"
    assert {"time", "level", "logger", "message", "request_id"} <= set(access)
    assert "refugee" not in json.dumps(lines)  # query strings stay out of the logs


@pytest.mark.django_db
def test_a_clean_incoming_request_id_is_kept_and_a_dirty_one_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f2a9c1e-0001")
    assert kept["X-Request-ID"] == "lb-4f2a9c1e-0001"
    dirty = client.get("/healthz", HTTP_X_REQUEST_ID="x\nFAKE log line")
    assert re.fullmatch(r"[0-9a-f]{32}", dirty["X-Request-ID"])


def test_the_json_formatter_writes_one_object_per_line_and_drops_the_request():
    token = request_id.set("abc123def456")
    try:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", ("now",), None)
        record.request = object()
        record.status_code = 500
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "boom now"
    assert entry["request_id"] == "abc123def456"
    assert entry["status_code"] == 500
    assert "request" not in entry


# ---- admin sign-in: logging, lockout, TOTP ---------------------------------------------


@pytest.mark.django_db
def test_a_login_is_logged_under_a_pseudonym(client, curator, caplog):
    with caplog.at_level(logging.INFO, logger="causeway.auth"):
        assert sign_in(client).status_code == 302
    (line,) = as_json_lines(r for r in caplog.records if r.name == "causeway.auth")
    assert line["message"] == "login"
    assert line["user"] == pseudonym("curator")
    assert "curator" not in json.dumps(line)


@pytest.mark.django_db
def test_a_failed_login_is_logged_without_the_password_or_the_name(client, curator, caplog):
    with caplog.at_level(logging.DEBUG):
        sign_in(client, password="hunter2-not-it")
    failed = [r for r in caplog.records if r.name == "causeway.auth"]
    assert [r.getMessage() for r in failed] == ["login failed"]
    every_line = json.dumps(as_json_lines(caplog.records))
    assert "hunter2-not-it" not in every_line
    assert '"curator"' not in every_line and "username': 'curator" not in every_line
    assert "127.0.0.1" not in every_line


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_client_out_even_with_the_right_password(
    client, curator, settings, django_user_model
):
    settings.AXES_FAILURE_LIMIT = 3
    statuses = [sign_in(client, password="wrong").status_code for _ in range(3)]
    locked = sign_in(client)
    assert statuses == [200, 200, 429]
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Other people may, from elsewhere (the username itself is locked too: see
    # tests/test_security_holes.py).
    django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    other = Client(REMOTE_ADDR="198.51.100.9").post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": PASSWORD}
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_lockout_is_kept_in_the_database_not_a_process(client, curator, settings):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, password="wrong")
    sign_in(client, password="wrong")
    assert AccessAttempt.objects.get().failures_since_start == 2
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"


@pytest.mark.django_db
def test_staff_need_a_totp_code_when_two_factor_is_required(client, curator, settings):
    settings.ADMIN_OTP_REQUIRED = True
    device = TOTPDevice.objects.create(user=curator, name="phone", confirmed=True)

    assert sign_in(client).status_code == 200  # the password alone is not enough
    assert "otp_token" in client.get("/admin/login/").content.decode()
    client.force_login(curator)
    assert client.get("/admin/").status_code == 302  # signed in, not verified

    code = str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(6)
    client.logout()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "curator", "password": PASSWORD, "otp_device": device.persistent_id,
         "otp_token": code},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_without_two_factor_the_password_is_enough(client, curator):
    assert sign_in(client).status_code == 302
    assert client.get("/admin/").status_code == 200


# ---- settings --------------------------------------------------------------------------


def settings_value(expression: str, **environ) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env |= {"SECRET_KEY": "s3cret", "ALLOWED_HOSTS": "example.org", **environ}
    setup = "import django; django.setup(); from django.conf import settings as s"
    code = f"{setup}; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_redis_url_puts_the_cache_and_pages_on_redis():
    result = settings_value(
        "s.CACHES['default']['BACKEND'], s.CACHES['pages']['LOCATION']",
        REDIS_URL="redis://cache.example.org:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert "ResilientRedisCache" in result.stdout
    assert "redis://cache.example.org:6379/1" in result.stdout


def test_the_admin_lives_where_admin_url_says():
    result = settings_value(
        "__import__('django.urls').urls.reverse('admin:index')", ADMIN_URL="curation-x1/"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/curation-x1/"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ADMIN_URL", "/admin", "ADMIN_URL must look like"),
        ("RATE_LIMIT_SEARCH", "lots", "RATE_LIMIT_SEARCH"),
        ("CURATOR_EMAILS", "curators-at-example.org", "CURATOR_EMAILS"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT must be at least 0"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of"),
        ("DATABASE_REPLICA_URLS", "sqlite:////tmp/r.db", "must use the primary's database"),
    ],
)
def test_a_bad_production_setting_stops_the_start(variable, value, message):
    env = {variable: value}
    if variable == "DATABASE_REPLICA_URLS":
        env["DATABASE_URL"] = "postgres://u@db.example.org/causeway"
    result = settings_value("1", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_email_goes_through_smtp_once_a_host_is_set():
    console = settings_value("s.EMAIL_BACKEND")
    smtp = settings_value(
        "s.EMAIL_BACKEND, s.EMAIL_PORT, s.CURATOR_EMAILS",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        CURATOR_EMAILS="a@example.org, b@example.org",
    )
    assert "console.EmailBackend" in console.stdout
    assert "smtp.EmailBackend" in smtp.stdout
    assert "2525" in smtp.stdout and "b@example.org" in smtp.stdout


def test_gunicorn_freezes_the_loaded_app_before_each_fork():
    """Workers never free what the preloaded app holds, so the collector is told to skip
    it (config/gunicorn.py)."""
    gc.unfreeze()
    try:
        gunicorn.pre_fork(server=None, worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
