"""Spreadsheet uploads between preview and confirmation: private, swept, bounded."""

import io
import os
import re
import tempfile
import time

import pytest
from openpyxl import Workbook

from directory.admin.uploads import STALE_AFTER_SECONDS, sweep_stale_uploads, upload_folder
from directory.models import Organization
from tests.factories import make_org, make_source
from tests.forms import rendered_form
from tests.test_spreadsheets import ORGS, _csv, _preview, _row

pytestmark = pytest.mark.django_db


def _pending_name(preview) -> str:
    return rendered_form(preview, form_id=None)["import_file_name"]


def _confirm_with(client, preview, **changes):
    return client.post(f"{ORGS}process_import/", {**rendered_form(preview), **changes})


@pytest.fixture
def preview(admin_client):
    make_source(slug="state-tip-2023")
    return _preview(admin_client, ORGS, _csv([_row(slug="first", status="draft")]))


def test_an_upload_waits_in_a_private_folder_under_a_name_the_site_made(preview):
    name = _pending_name(preview)
    path = os.path.join(upload_folder(), name)

    assert re.fullmatch(r"[0-9a-f]{32}", name)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(upload_folder()).st_mode & 0o777 == 0o700


@pytest.mark.parametrize("name", ["../passwd", "secret.txt", "/etc/hostname", "a" * 32])
def test_the_confirm_step_reads_and_deletes_no_other_file(admin_client, preview, name):
    bystander = os.path.join(tempfile.gettempdir(), "secret.txt")
    with open(bystander, "w") as file:
        file.write("slug,name,summary\nfirst,Stolen,Stolen\n")
    try:
        response = _confirm_with(admin_client, preview, import_file_name=name)

        assert response.status_code == 200
        assert os.path.exists(bystander)
        assert not Organization.objects.filter(name="Stolen").exists()
        html = response.content.decode()
        assert "not an upload of this site" in html or "has expired" in html
    finally:
        os.remove(bystander)


def test_confirming_twice_says_the_upload_is_gone_instead_of_failing(admin_client, preview):
    assert _confirm_with(admin_client, preview).status_code == 302

    again = _confirm_with(admin_client, preview)

    assert again.status_code == 200
    assert "has expired or was already imported" in again.content.decode()


def test_uploads_never_confirmed_are_swept(preview):
    path = os.path.join(upload_folder(), _pending_name(preview))
    old = time.time() - STALE_AFTER_SECONDS - 1
    os.utime(path, (old, old))

    assert sweep_stale_uploads() >= 1
    assert not os.path.exists(path)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(admin_client, settings):
    settings.SPREADSHEET_MAX_BYTES = 1024
    content = _csv([_row(slug=f"org-{n}", summary="x" * 100) for n in range(20)])

    response = _preview(admin_client, ORGS, content)

    assert "the most one import takes is 1,024" in response.content.decode()
    assert 'value="Confirm import"' not in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_too_many_rows_is_refused(admin_client, settings, fmt):
    settings.SPREADSHEET_MAX_ROWS = 5
    rows = [_row(slug=f"org-{n}") for n in range(6)]
    if fmt == "csv":
        content = _csv(rows)
    else:
        book = Workbook()
        sheet = book.active
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(list(row.values()))
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()

    response = _preview(admin_client, ORGS, content, fmt)

    assert "more than 5 rows" in response.content.decode()
    assert not Organization.objects.exists()


def test_a_file_at_the_row_limit_is_taken(admin_client, settings):
    settings.SPREADSHEET_MAX_ROWS = 2
    make_org("Existing")
    make_source(slug="state-tip-2023")
    content = _csv([_row(slug="one", status="draft"), _row(slug="two", status="draft")])

    response = _preview(admin_client, ORGS, content)

    assert 'value="Confirm import"' in response.content.decode()
