"""Spreadsheet export and import of organizations and programs in the admin: formulas are
neutralised on the way out and restored on the way in, imports are previewed before they
write, and curators cannot publish through a spreadsheet."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from directory.admin.spreadsheets import (
    FORMULA_STARTS,
    OrganizationResource,
    neutralise,
    restore,
)
from directory.models import Country, Organization, Program
from directory.search import parse, search
from tests.factories import make_focus_area, make_issue, make_org, make_program

pytestmark = pytest.mark.django_db

ORGS = "/admin/directory/organization/"
PROGRAMS = "/admin/directory/program/"


@pytest.fixture
def curator(django_user_model):
    user = django_user_model.objects.create_user("carol", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    client = Client()
    client.force_login(user)
    return client


def _choice(form, title: str) -> str:
    return next(value for value, label in form.fields["format"].choices if label == title)


def _export(client, base: str, fmt: str) -> bytes:
    """Export every row through the admin's export form, with every column selected."""
    page = client.get(f"{base}export/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {"resource": "0", "format": _choice(form, fmt)}
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    response = client.post(f"{base}export/", data)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    return response.content


def _csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _xlsx_rows(content: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *rows = sheet.iter_rows()
    names = [cell.value for cell in header]
    for row in rows:
        assert all(cell.data_type != "f" for cell in row), "a cell became a formula"
    return [dict(zip(names, (cell.value for cell in row), strict=True)) for row in rows]


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    columns = list(dict.fromkeys(column for row in rows for column in row))
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _preview(client, base: str, content: bytes, fmt: str = "csv"):
    """Upload a file to the import form: the dry run that shows what would change."""
    form = client.get(f"{base}import/").context["form"]
    upload = SimpleUploadedFile(f"listings.{fmt}", content)
    return client.post(
        f"{base}import/", {"resource": "0", "format": _choice(form, fmt), "import_file": upload}
    )


def _confirm(client, base: str, preview):
    confirm = preview.context["confirm_form"]
    data = {name: confirm.initial.get(name, "") for name in confirm.fields}
    return client.post(f"{base}process_import/", data)


def _import(client, base: str, content: bytes, fmt: str = "csv"):
    preview = _preview(client, base, content, fmt)
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None, preview.context["result"]
    return _confirm(client, base, preview)


def _row(**values) -> dict:
    row = {
        "slug": "crossing-borders",
        "name": "Crossing Borders",
        "summary": "Care for North Korean refugees in China.",
        "org_type": "nonprofit",
        "status": "draft",
    }
    return row | values


def _formula_orgs():
    make_org(
        '=HYPERLINK("https://evil.example","Click")',
        slug="formula-equals",
        alternate_name="+1 202 555 0100",
        summary="-2+3 lives changed",
        description="@SUM(A1:A9)",
    )
    make_org("\tTabbed name", slug="formula-tab", summary="\rCarriage return first")
    make_org("Plain Name", slug="plain", summary="Costs = benefits - 1")


# --- neutralise and restore ----------------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_neutralise_prefixes_an_apostrophe_to_each_formula_start(start):
    assert neutralise(f"{start}cmd") == f"'{start}cmd"


@pytest.mark.parametrize("value", ["Plain", "a=b", " =1", "", "Café"])
def test_neutralise_leaves_other_text_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [None, 42, date(2024, 3, 5), True])
def test_neutralise_and_restore_leave_non_text_alone(value):
    assert neutralise(value) == value
    assert restore(value) == value


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_restore_takes_the_apostrophe_off_a_neutralised_formula(start):
    assert restore(f"'{start}cmd") == f"{start}cmd"
    assert restore(neutralise(f"{start}cmd")) == f"{start}cmd"


@pytest.mark.parametrize("value", ["'Tis the season", "'", "Plain"])
def test_restore_keeps_an_apostrophe_that_guards_nothing(value):
    assert restore(value) == value


@pytest.mark.parametrize("value", ["'=not a formula", "'-- a quoted dash", "'@handle"])
def test_a_value_starting_with_an_apostrophe_survives_a_round_trip(value):
    assert restore(neutralise(value)) == value


def test_the_resource_neutralises_a_nul_first_cell():
    # PostgreSQL cannot store NUL, so the resource is checked on an unsaved listing.
    resource = OrganizationResource()

    exported = resource.export_field(resource.fields["name"], Organization(name="\x00cmd"))

    assert exported == "'\x00cmd"


# --- export --------------------------------------------------------------------------------------


def test_csv_export_of_organizations_neutralises_formulas(admin_client):
    _formula_orgs()

    rows = {row["slug"]: row for row in _csv_rows(_export(admin_client, ORGS, "csv"))}

    equals, tab, plain = rows["formula-equals"], rows["formula-tab"], rows["plain"]
    assert equals["name"] == '\'=HYPERLINK("https://evil.example","Click")'
    assert equals["alternate_name"] == "'+1 202 555 0100"
    assert equals["summary"] == "'-2+3 lives changed"
    assert equals["description"] == "'@SUM(A1:A9)"
    assert tab["name"] == "'\tTabbed name"
    assert tab["summary"] == "'\rCarriage return first"
    assert (plain["name"], plain["summary"]) == ("Plain Name", "Costs = benefits - 1")


def test_xlsx_export_of_organizations_neutralises_formulas(admin_client):
    _formula_orgs()

    rows = {row["slug"]: row for row in _xlsx_rows(_export(admin_client, ORGS, "xlsx"))}

    equals, tab, plain = rows["formula-equals"], rows["formula-tab"], rows["plain"]
    assert equals["name"] == '\'=HYPERLINK("https://evil.example","Click")'
    assert equals["alternate_name"] == "'+1 202 555 0100"
    assert equals["summary"] == "'-2+3 lives changed"
    assert equals["description"] == "'@SUM(A1:A9)"
    assert tab["name"] == "'\tTabbed name"
    # XML normalises CR to LF; what matters is the apostrophe in front of it.
    assert tab["summary"] in ("'\rCarriage return first", "'\nCarriage return first")
    assert plain["name"] == "Plain Name"


def test_export_of_organizations_carries_their_links_and_vocabulary(admin_client):
    trafficking = make_issue("Human trafficking", slug="trafficking")
    rescue = make_focus_area("Rescue", slug="rescue")
    make_org(
        "PSCORE",
        slug="pscore",
        issues=[trafficking],
        focus_areas=[rescue],
        countries=["KR", "CN"],
        headquarters=Country.objects.get(pk="KR"),
        founded=2006,
        last_verified=date(2024, 3, 5),
    )

    (row,) = _csv_rows(_export(admin_client, ORGS, "csv"))

    assert row["issues"] == "trafficking"
    assert row["focus_areas"] == "rescue"
    assert set(row["countries"].split("|")) == {"KR", "CN"}
    assert (row["headquarters"], row["founded"], row["last_verified"]) == (
        "KR",
        "2006",
        "2024-03-05",
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_of_programs_neutralises_formulas(admin_client, fmt):
    org = make_org(slug="pscore")
    make_program(org, "=1+1", slug="formula", summary="@cmd|' /C calc'!A0")
    make_program(org, "Tutoring", slug="tutoring", summary="English and maths")

    content = _export(admin_client, PROGRAMS, fmt)

    rows = _csv_rows(content) if fmt == "csv" else _xlsx_rows(content)
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["formula"]["name"] == "'=1+1"
    assert by_slug["formula"]["summary"] == "'@cmd|' /C calc'!A0"
    assert by_slug["formula"]["organization"] == "pscore"
    assert by_slug["tutoring"]["name"] == "Tutoring"


# --- import --------------------------------------------------------------------------------------


def test_an_import_preview_creates_nothing(admin_client):
    preview = _preview(admin_client, ORGS, _csv([_row(status="published")]))

    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 1
    assert "Crossing Borders" in preview.content.decode()
    assert not Organization.objects.exists()
    assert search(parse("crossing borders"), "organization") == []


def test_confirming_an_import_creates_and_indexes_the_listing(admin_client):
    trafficking = make_issue("Human trafficking", slug="trafficking")
    content = _csv(
        [_row(status="published", issues="trafficking", countries="CN|KR", headquarters="US")]
    )

    preview = _preview(admin_client, ORGS, content)
    assert not Organization.objects.exists()

    response = _confirm(admin_client, ORGS, preview)

    assert response.status_code == 302
    org = Organization.objects.get(slug="crossing-borders")
    assert (org.name, org.status, org.headquarters_id) == ("Crossing Borders", "published", "US")
    assert list(org.issues.all()) == [trafficking]
    assert set(org.countries.values_list("code", flat=True)) == {"CN", "KR"}
    assert search(parse("crossing borders"), "organization") == [org.pk]


def test_an_import_restores_neutralised_formulas(admin_client):
    content = _csv([_row(name="'=Crossing Borders", summary="'-minus first")])

    _import(admin_client, ORGS, content)

    org = Organization.objects.get(slug="crossing-borders")
    assert (org.name, org.summary) == ("=Crossing Borders", "-minus first")


def test_importing_a_program_indexes_its_organization(admin_client):
    org = make_org("PSCORE", slug="pscore")
    content = _csv(
        [{"organization": "pscore", "slug": "tutoring", "name": "Tutoring", "active": "1"}]
    )

    response = _import(admin_client, PROGRAMS, content)

    assert response.status_code == 302
    program = Program.objects.get(organization=org, slug="tutoring")
    assert search(parse("tutoring"), "program") == [program.pk]


def test_an_invalid_row_is_reported_and_nothing_is_written(admin_client):
    content = _csv([_row(), _row(slug="bad-link", website="javascript:alert(1)")])

    preview = _preview(admin_client, ORGS, content)

    assert preview.status_code == 200
    assert preview.context["result"].has_validation_errors()
    assert "confirm_form" not in preview.context
    assert not Organization.objects.exists()


@pytest.mark.parametrize("status", ["published", "archived"])
def test_a_curator_importing_a_published_or_archived_row_gets_a_row_error(curator, status):
    content = _csv([_row(slug="first"), _row(slug="second", status=status)])

    preview = _preview(curator, ORGS, content)

    assert preview.status_code == 200
    assert preview.context["result"].has_errors()
    assert "confirm_form" not in preview.context
    assert "Only editors can import listings as published or archived" in (preview.content.decode())
    assert not Organization.objects.exists()


def test_a_curator_can_import_drafts_and_listings_for_review(curator):
    content = _csv([_row(slug="first", status="draft"), _row(slug="second", status="review")])

    response = _import(curator, ORGS, content)

    assert response.status_code == 302
    assert dict(Organization.objects.values_list("slug", "status")) == {
        "first": "draft",
        "second": "review",
    }


def test_a_curator_cannot_unpublish_a_listing_by_import(curator):
    make_org("PSCORE", slug="pscore")
    content = _csv([_row(slug="pscore", name="PSCORE", summary="Education.", status="review")])

    preview = _preview(curator, ORGS, content)

    assert preview.context["result"].has_errors()
    assert Organization.objects.get(slug="pscore").status == "published"


def _snapshot():
    """Everything an import could change, history included."""
    orgs = list(Organization.objects.order_by("slug").values())
    issues = sorted(Organization.issues.through.objects.values_list("organization", "issue"))
    countries = sorted(Organization.countries.through.objects.values_list("country", flat=True))
    programs = list(Program.objects.order_by("slug").values())
    history = (Organization.history.count(), Program.history.count())
    return orgs, issues, countries, programs, history


def _round_trip(client, fmt: str) -> None:
    """Export organizations and programs, then import both files again."""
    org_file = _export(client, ORGS, fmt)
    program_file = _export(client, PROGRAMS, fmt)
    preview = _preview(client, ORGS, org_file, fmt)
    result = preview.context["result"]
    assert [row.import_type for row in result.rows] == ["skip"] * Organization.objects.count()
    assert _confirm(client, ORGS, preview).status_code == 302
    assert _import(client, PROGRAMS, program_file, fmt).status_code == 302


def _listings_to_round_trip():
    trafficking = make_issue("Human trafficking", slug="trafficking")
    make_org(
        '=HYPERLINK("https://evil.example","Click")',
        slug="formula-equals",
        alternate_name="+1 202 555 0100",
        summary="-2+3 lives changed",
        description="@SUM(A1:A9)",
    )
    make_org("\tTabbed name", slug="formula-tab", description="\tIndented")
    pscore = make_org(
        "PSCORE",
        slug="pscore",
        issues=[trafficking],
        countries=["KR", "CN"],
        headquarters=Country.objects.get(pk="KR"),
        founded=2006,
        last_verified=date(2024, 3, 5),
        website="https://www.pscore.org/",
        status="draft",
        description="Education for defectors.",
    )
    make_program(pscore, "=Tutoring", slug="tutoring", issues=[trafficking], summary="-1")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_again_changes_nothing(admin_client, fmt):
    _listings_to_round_trip()
    before = _snapshot()

    _round_trip(admin_client, fmt)

    assert _snapshot() == before


def test_a_csv_export_with_blank_fields_imported_again_changes_nothing(admin_client):
    _listings_to_round_trip()
    Organization.objects.update(description="", alternate_name="", email="")
    before = _snapshot()

    _round_trip(admin_client, "csv")

    assert _snapshot() == before


def test_an_xlsx_export_with_a_blank_description_imports_again(admin_client):
    pscore = make_org("PSCORE", slug="pscore", description="")
    make_program(pscore, "Tutoring", slug="tutoring", description="")
    before = _snapshot()

    _round_trip(admin_client, "xlsx")

    assert _snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_value_starting_with_a_carriage_return_gains_no_apostrophe(admin_client, fmt):
    org = make_org("PSCORE", slug="pscore", summary="\rCarriage return first", description="x")

    response = _import(admin_client, ORGS, _export(admin_client, ORGS, fmt), fmt)

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.summary.strip() == "Carriage return first"
