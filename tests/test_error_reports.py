"""Operators hear about server errors, by mail and optionally Sentry, without anyone's
personal data in the report."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import path

from config.errors import init_sentry, parse_admins, scrub_event

pytestmark = pytest.mark.django_db


def _fails(request):
    raise RuntimeError("the database answered nonsense")


urlpatterns = [path("fails/", _fails)]


def test_admins_are_read_from_names_and_addresses():
    assert parse_admins("Ops <ops@example.org>, b@example.org") == [
        ("Ops", "ops@example.org"),
        ("b@example.org", "b@example.org"),
    ]
    assert parse_admins("") == []


def test_a_server_error_mails_the_admins_what_failed_and_nothing_about_the_visitor(settings):
    settings.ROOT_URLCONF = __name__
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.DEBUG = False
    visitor = Client(raise_request_exception=False, REMOTE_ADDR="203.0.113.7")
    visitor.cookies["sessionid"] = "visitor-session-secret"

    response = visitor.post("/fails/?email=reader@example.org", {"message": "my own words"})

    assert response.status_code == 500
    (report,) = mail.outbox
    assert report.to == ["ops@example.org"]
    assert "RuntimeError\nthe database answered nonsense" in report.body
    assert "/fails/" in report.subject
    for private in ["203.0.113.7", "visitor-session-secret", "reader@example.org", "my own words"]:
        assert private not in report.subject + report.body, private


def test_no_mail_when_no_admin_is_configured(settings):
    settings.ROOT_URLCONF = __name__
    settings.ADMINS = []

    Client(raise_request_exception=False).get("/fails/")

    assert mail.outbox == []


def test_the_sentry_event_keeps_the_error_and_drops_personal_data():
    event = {
        "exception": {"values": [{"type": "RuntimeError"}]},
        "request": {
            "method": "POST",
            "url": "https://causeway.example.org/suggest/?email=reader@example.org",
            "headers": {"Cookie": "sessionid=secret", "X-Forwarded-For": "203.0.113.7"},
            "data": {"name": "my own words"},
            "env": {"REMOTE_ADDR": "203.0.113.7"},
        },
        "user": {"ip_address": "203.0.113.7"},
        "server_name": "app-1",
        "breadcrumbs": {"values": [{"message": "GET /search/?q=private"}]},
    }

    scrubbed = scrub_event(event)

    assert scrubbed["request"] == {"method": "POST", "url": "https://causeway.example.org/suggest/"}
    assert scrubbed["exception"] == event["exception"]
    for key in ("user", "server_name", "breadcrumbs"):
        assert key not in scrubbed


def test_sentry_starts_only_with_a_dsn_and_never_sends_default_personal_data(monkeypatch):
    import sentry_sdk

    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: calls.append(options))

    assert init_sentry("", "production", "") is False
    assert calls == []
    assert init_sentry("https://key@sentry.example/1", "staging", "abc123") is True
    (options,) = calls
    assert options["send_default_pii"] is False
    assert options["before_send"] is scrub_event
    assert options["max_breadcrumbs"] == 0
    assert (options["environment"], options["release"]) == ("staging", "abc123")
