"""Regression tests for holes found in a security review: login lockout by IPv6 block and
by username, control characters in mail subjects, the 404 page's language switcher, the
admin path in robots.txt, backup file permissions, what the logs hold, and one search
budget for the search pages, the suggestions and the API."""

import io
import json
import logging
import os
import re
import smtplib
import stat
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.mail import BadHeaderError
from django.core.management import call_command
from django.test import Client

from config.logging import pseudonym
from directory import notifications
from directory.models import Correction, Suggestion
from tests.factories import make_org

PASSWORD = "correct horse battery staple"
CURATOR = "curators@example.org"


def sign_in(username, password, address):
    client = Client(REMOTE_ADDR=address)
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_user("curator", password=PASSWORD, is_staff=True)


# --- 1. login lockout: per IPv6 /64, and per username ----------------------------------------


@pytest.mark.django_db
def test_failed_logins_from_one_ipv6_64_lock_out_the_whole_block(curator, settings):
    settings.AXES_FAILURE_LIMIT = 5
    # A different address of the block and a different username each time.
    statuses = [
        sign_in(f"guess{n}", "wrong", f"2001:db8:1:2::{n:x}").status_code for n in range(1, 21)
    ]

    assert statuses[:4] == [200] * 4
    assert statuses[4:] == [429] * 16
    assert sign_in("curator", PASSWORD, "2001:db8:1:2:ffff::1").status_code == 429
    assert sign_in("curator", PASSWORD, "2001:db8:1:3::1").status_code == 302  # the next /64


@pytest.mark.django_db
def test_failed_logins_for_one_username_from_many_addresses_lock_that_username(
    curator, django_user_model, settings
):
    settings.AXES_FAILURE_LIMIT = 5
    statuses = [sign_in("curator", "wrong", f"198.51.100.{n}").status_code for n in range(1, 6)]

    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in("curator", PASSWORD, "203.0.113.9").status_code == 429  # even the right one
    django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    assert sign_in("editor", PASSWORD, "203.0.113.9").status_code == 302  # others may


# --- 2. control characters in names, and mail that cannot go ---------------------------------


@pytest.fixture
def curators_to_email(settings):
    settings.CURATOR_EMAILS = [CURATOR]


# A line break (as a header injection would use), a tab, a Unicode line separator, an escape.
CONTROL_CHARACTER_NAMES = [
    "Crossing\nBorders",
    "Crossing\r\nBcc: x@evil.example",
    "Crossing\tBorders",
    "Crossing\u2028Borders",
    "Cross\x1bing",
]


def suggestion(**overrides) -> dict:
    data = {
        "name": "Crossing Borders",
        "website": "https://crossingbordersnk.org/",
        "summary": "Care for refugee women and children.",
        "website_url": "",
    }
    return data | overrides


@pytest.mark.django_db
@pytest.mark.usefixtures("curators_to_email")
@pytest.mark.parametrize("name", CONTROL_CHARACTER_NAMES)
def test_a_suggested_name_with_a_control_character_gets_a_form_error(client, name):
    response = client.post("/suggest/", suggestion(name=name))

    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["name"]] == ["control_characters"]
    assert "without line breaks" in response.content.decode()
    assert not Suggestion.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("curators_to_email")
def test_a_correction_to_an_organization_named_over_two_lines_is_saved_and_mailed(client):
    org = make_org("Harbor\nHouse")
    data = {"message": "It moved.", "source_url": "", "contact_email": "", "website_url": ""}

    response = client.post(f"/organizations/{org.slug}/correction/", data)

    assert response.status_code == 302
    assert Correction.objects.get().organization == org
    (message,) = mail.outbox
    assert message.subject == "[Causeway] Correction reported for Harbor House"


@pytest.mark.usefixtures("curators_to_email")
def test_mail_subjects_are_built_on_one_line():
    notifications.notify_curators("New suggestion: a\r\nBcc: x@evil.example\u2028b\x00c", "", "/")

    (message,) = mail.outbox
    assert message.subject == "[Causeway] New suggestion: a Bcc: x@evil.example b c"
    assert message.bcc == []


@pytest.mark.django_db
@pytest.mark.usefixtures("curators_to_email")
@pytest.mark.parametrize("error", [BadHeaderError("bad header"), RuntimeError("mail broke")])
def test_a_mail_failure_is_logged_and_the_visitor_thanked_with_the_suggestion_saved(
    client, monkeypatch, caplog, error
):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(notifications, "send_mail", fail)
    with caplog.at_level(logging.ERROR, logger="directory.notifications"):
        response = client.post("/suggest/", suggestion())

    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    assert Suggestion.objects.get().name == "Crossing Borders"
    (record,) = caplog.records
    assert type(error).__name__ in record.getMessage()


# --- 3. the language switcher stays on this site ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["//evil.example/organizations/", "///evil.example/organizations/",
             "//evil.example/ko/organizations/", "/\\evil.example/organizations/"],
)  # fmt: skip
def test_the_404_pages_links_to_other_languages_stay_on_this_site(client, path):
    response = client.get(f"http://testserver{path}")  # the path as a browser would send it

    assert response.status_code == 404
    html = response.content.decode()
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S)[0]
    (href,) = re.findall(r'href="([^"]*)"', switcher)
    assert href in ("/", "/ko/")
    alternates = re.findall(r'<link rel="alternate" hreflang="\w+" href="([^"]*)"', html)
    assert alternates and all(url.startswith("http://testserver/") for url in alternates)
    for url in re.findall(r'(?:href|content)="([^"]*)"', html):
        assert not url.startswith(("//", "/\\")), url
        assert urlsplit(url).netloc in ("", "testserver"), url


# --- 4. robots.txt keeps the admin's path to itself ------------------------------------------


@pytest.mark.django_db
def test_robots_txt_does_not_publish_the_admin_url(client, settings):
    settings.ADMIN_URL = "curation/"

    text = client.get("/robots.txt").content.decode()

    assert "curation" not in text
    assert "admin" not in text


@pytest.mark.django_db
def test_the_admin_login_tells_crawlers_not_to_index_it(client):
    html = client.get("/admin/login/").content.decode()
    assert '<meta name="robots" content="NONE,NOARCHIVE">' in html


# --- 5. backups are private --------------------------------------------------------------------


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("open_umask")
def test_backups_are_written_0600_in_a_0700_folder_whatever_the_umask(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups" / "daily"
    make_org("Harbor House")

    call_command("backup", stdout=io.StringIO())

    (path,) = settings.BACKUP_DIR.iterdir()
    assert mode(path) == 0o600
    assert mode(settings.BACKUP_DIR) == 0o700
    assert mode(settings.BACKUP_DIR.parent) == 0o700  # made for the backup, so private too


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("open_umask")
def test_an_existing_backup_folder_and_output_file_are_made_private(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_DIR.mkdir(mode=0o755)
    output = tmp_path / "elsewhere.sqlite3"
    output.write_bytes(b"")
    output.chmod(0o644)
    chosen_folder = mode(tmp_path)

    call_command("backup", stdout=io.StringIO())
    call_command("backup", output=str(output), stdout=io.StringIO())

    assert mode(settings.BACKUP_DIR) == 0o700
    assert mode(next(settings.BACKUP_DIR.iterdir())) == 0o600
    assert mode(output) == 0o600
    assert mode(tmp_path) == chosen_folder  # a folder the operator chose is left alone


# --- 6. logs: no query strings, submitted text, raw addresses or emails ----------------------


@pytest.fixture
def log_output():
    """What the configured console handler really writes (after its filters)."""
    (console,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = console.setStream(stream)
    yield stream
    console.setStream(previous)


@pytest.mark.django_db
@pytest.mark.usefixtures("curators_to_email")
def test_logs_hold_no_query_submitted_text_raw_address_or_email(client, monkeypatch, log_output):
    def refused(*args, **kwargs):  # as SMTP servers do, quoting what was sent
        raise smtplib.SMTPDataError(554, b"rejected: New suggestion: Quokkaname")

    monkeypatch.setattr(notifications, "send_mail", refused)
    address = "203.0.113.77"
    make_org("Harbor House", summary="A refugee shelter.")

    client.get("/search/", {"q": "zanzibarword"}, REMOTE_ADDR=address)
    client.get("/organizations/x%3Fq%3Dzanzibarword/", REMOTE_ADDR=address)  # a 404
    client.post(
        "/suggest/?ref=zanzibarword",
        suggestion(name="Quokkaname", summary="wombatsummary", contact_email="me@example.org"),
        REMOTE_ADDR=address,
    )
    # What runserver writes for each request, and an exception quoting a URL and an address.
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /search/?q=zanzibarword HTTP/1.1", "200", "5"
    )
    try:
        raise ValueError(f"fetching https://x.example/a?q=zanzibarword for {address} failed")
    except ValueError:
        logging.getLogger("directory").exception("lookup failed for me@example.org")

    written = log_output.getvalue()
    lines = [json.loads(line) for line in written.splitlines()]
    for secret in ("zanzibarword", "Quokkaname", "wombatsummary", address, "me@example.org"):
        assert secret not in written, secret
    access = [line for line in lines if line["logger"] == "causeway.access"]
    assert [line["path"] for line in access[:1]] == ["/search/"]
    assert {line["client"] for line in access} == {pseudonym(address)}
    assert any('"GET /search/?[redacted] HTTP/1.1"' in line["message"] for line in lines)
    assert any(line["message"] == "could not email curators about a new contribution: "
               "SMTPDataError" for line in lines)  # fmt: skip


# --- 7. one search budget for the pages, the suggestions and the API -------------------------


@pytest.mark.django_db
def test_searches_suggestions_and_api_searches_share_one_budget(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "3/m", "api": "1000/m"}
    make_org("Harbor House", summary="A refugee shelter.")
    json_please = {"HTTP_ACCEPT": "application/json"}

    spent = [
        client.get("/search/", {"q": "harbor"}).status_code,
        *[client.get("/search/suggest/", {"q": "harbor"[:n]}, **json_please).status_code
          for n in range(2, 7)],  # five suggestions: one search's worth
        client.get("/api/hsds/organizations", {"search": "harbor"}).status_code,
    ]  # fmt: skip

    assert spent == [200] * 7
    assert client.get("/search/", {"q": "shelter"}).status_code == 429
    assert client.get("/organizations/", {"q": "shelter"}).status_code == 429
    assert client.get("/search/suggest/", {"q": "she"}, **json_please).status_code == 429
    assert client.get("/api/hsds/services", {"search": "shelter"}).status_code == 429
    assert client.get("/api/hsds/organizations").status_code == 200  # listing is no search


@pytest.mark.django_db
def test_suggestions_alone_cannot_run_more_than_the_budget(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "2/m"}
    json_please = {"HTTP_ACCEPT": "application/json"}

    statuses = [
        client.get("/search/suggest/", {"q": f"word{n}"}, **json_please).status_code
        for n in range(12)
    ]

    assert statuses == [200] * 10 + [429] * 2
