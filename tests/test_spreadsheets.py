"""Spreadsheet export and import of organizations and programs in the admin, driven as a
browser drives it (forms read from the rendered pages, errors read from the preview):
formulas are neutralised on the way out and restored on the way in; a cell the importer
cannot read is an error on its row and column and nothing is applied; an export imported
again changes nothing, history included; curators cannot publish through a spreadsheet."""

import csv
import io
import re
from datetime import date
from html import unescape

import openpyxl
import pytest
import tablib
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from directory.admin.spreadsheets import (
    FORMULA_STARTS,
    IdentifiersWidget,
    OrganizationResource,
    neutralise,
    restore,
)
from directory.models import Country, Organization, OrganizationIdentifier, Program
from directory.search import parse, search
from directory.seed import load_file
from tests.factories import make_focus_area, make_issue, make_org, make_program, make_source
from tests.forms import rendered_form

pytestmark = pytest.mark.django_db

ORGS = "/admin/directory/organization/"
PROGRAMS = "/admin/directory/program/"
IDENTIFIER = ("identifier_scheme", "identifier_type", "identifier")


@pytest.fixture
def curator(django_user_model):
    user = django_user_model.objects.create_user("carol", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    client = Client()
    client.force_login(user)
    return client


def _option(page, select: str, label: str) -> str:
    """The value of the option a person picks by its label, read from the page."""
    html = page.content.decode()
    menu = re.search(rf'<select name="{select}".*?</select>', html, re.DOTALL)[0]
    return re.search(rf'<option value="([^"]*)"[^>]*>{re.escape(label)}</option>', menu)[1]


def _export(client, base: str, fmt: str) -> bytes:
    """Export every row through the admin's export page, as it renders (every column
    ticked), choosing only the format."""
    page = client.get(f"{base}export/")
    data = rendered_form(page) | {"format": _option(page, "format", fmt)}
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
    """Upload a file with the import page's form: the dry run that shows what would change."""
    page = client.get(f"{base}import/")
    data = rendered_form(page) | {
        "format": _option(page, "format", fmt),
        "import_file": SimpleUploadedFile(f"listings.{fmt}", content),
    }
    preview = client.post(f"{base}import/", data)
    assert preview.status_code == 200
    return preview


def _can_confirm(preview) -> bool:
    return 'value="Confirm import"' in preview.content.decode()


def _confirm(client, base: str, preview):
    """Press "Confirm import" on the preview: post its rendered form to where it points."""
    assert _can_confirm(preview), _errors(preview)
    confirm = r'<form action="([^"]+)"[^>]*>(?:(?!</form>).)*value="Confirm import"'
    action = re.search(confirm, preview.content.decode(), re.DOTALL)[1]
    assert action == f"{base}process_import/"
    return client.post(action, rendered_form(preview))


def _import(client, base: str, content: bytes, fmt: str = "csv"):
    return _confirm(client, base, _preview(client, base, content, fmt))


def _errors(preview) -> list[tuple[int, str, str]]:
    """(row, column, message) for each error the preview's table shows; rows are numbered
    as in the spreadsheet, where the header is row 1."""
    html = preview.content.decode()
    found = []
    for number, cell in re.findall(
        r'<tr>\s*<td>(\d+)\s*</td>\s*<td class="errors">(.*?)</td>', html, re.DOTALL
    ):
        labelled = r'validation-error-field-label">(.*?)</span>\s*<ul>(.*?)</ul>'
        for column, items in re.findall(labelled, cell, re.DOTALL):
            for message in re.findall(r"<li>(.*?)</li>", items, re.DOTALL):
                found.append((int(number), column.strip(), unescape(message.strip())))
    return found


def _import_types(preview) -> list[str]:
    """What the preview says it would do with each row: new, update or skip."""
    return re.findall(r'<tr class="(new|update|skip|delete)">', preview.content.decode())


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
    source = make_source(slug="state-tip-2023")

    preview = _preview(admin_client, ORGS, _csv([_row(status="published", sources=source.slug)]))

    assert _errors(preview) == []
    assert _import_types(preview) == ["new"]
    assert "Crossing Borders" in preview.content.decode()
    assert _can_confirm(preview)
    assert not Organization.objects.exists()
    assert search(parse("crossing borders"), "organization") == []


def test_confirming_an_import_creates_and_indexes_the_listing(admin_client):
    trafficking = make_issue("Human trafficking", slug="trafficking")
    source = make_source(slug="state-tip-2023")
    row = _row(
        status="published",
        issues="trafficking",
        countries="CN|KR",
        headquarters="US",
        sources="state-tip-2023",
        identifiers="US-EIN:12-3456789 (Employer ID number)|KR-NTS:123",
    )

    preview = _preview(admin_client, ORGS, _csv([row]))
    assert not Organization.objects.exists()

    response = _confirm(admin_client, ORGS, preview)

    assert response.status_code == 302
    org = Organization.objects.get(slug="crossing-borders")
    assert (org.name, org.status, org.headquarters_id) == ("Crossing Borders", "published", "US")
    assert list(org.issues.all()) == [trafficking]
    assert list(org.sources.all()) == [source]
    assert set(org.countries.values_list("code", flat=True)) == {"CN", "KR"}
    assert set(org.identifiers.values_list(*IDENTIFIER)) == {
        ("US-EIN", "Employer ID number", "12-3456789"),
        ("KR-NTS", "", "123"),
    }
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


def test_importing_a_program_sets_its_korean_text_and_countries(admin_client):
    org = make_org("PSCORE", slug="pscore")
    row = {
        "organization": "pscore",
        "slug": "tutoring",
        "name": "Tutoring",
        "name_ko": "과외",
        "summary_ko": "영어와 수학",
        "description_ko": "탈북 청년을 위한 과외.",
        "countries": "KR|US",
        "active": "0",
    }

    _import(admin_client, PROGRAMS, _csv([row]))

    program = Program.objects.get(organization=org, slug="tutoring")
    assert (program.name_ko, program.summary_ko, program.description_ko) == (
        "과외",
        "영어와 수학",
        "탈북 청년을 위한 과외.",
    )
    assert set(program.countries.values_list("code", flat=True)) == {"KR", "US"}
    assert program.active is False


# --- a cell the importer cannot read -------------------------------------------------------------


def _linked_org():
    """A listing with a link of every kind, and a row that exports it as it is."""
    trafficking = make_issue("Human trafficking", slug="trafficking")
    rescue = make_focus_area("Rescue", slug="rescue")
    source = make_source(slug="state-tip-2023")
    org = make_org(
        "PSCORE",
        slug="pscore",
        issues=[trafficking],
        focus_areas=[rescue],
        countries=["KR", "CN"],
        headquarters=Country.objects.get(pk="KR"),
        status="draft",
    )
    org.sources.set([source])
    org.identifiers.create(identifier_scheme="US-EIN", identifier="12-3456789")
    row = _row(
        slug="pscore",
        name="PSCORE",
        summary=org.summary,
        issues="trafficking",
        focus_areas="rescue",
        countries="KR|CN",
        headquarters="KR",
        sources="state-tip-2023",
        identifiers="US-EIN:12-3456789",
    )
    return org, row


def _links(org) -> dict:
    return {
        "issues": set(org.issues.values_list("slug", flat=True)),
        "focus_areas": set(org.focus_areas.values_list("slug", flat=True)),
        "sources": set(org.sources.values_list("slug", flat=True)),
        "countries": set(org.countries.values_list("code", flat=True)),
        "headquarters": org.headquarters_id,
        "identifiers": set(org.identifiers.values_list(*IDENTIFIER)),
    }


UNREADABLE = [
    ("issues", "trafficking|no-such-issue", "Unknown issue slug: 'no-such-issue'"),
    ("issues", "trafficking,rescue", "use | between values"),
    ("issues", "trafficking; rescue", "use | between values"),
    ("focus_areas", "rescue|nope|nada", "Unknown focus area slugs: 'nope', 'nada'"),
    ("sources", "no-such-report", "Unknown source slug: 'no-such-report'"),
    ("countries", "KR|XX", "Unknown country code: 'XX'; use ISO 3166"),
    ("countries", "KR, CN", "use | between values"),
    ("countries", "kr", "Unknown country code: 'kr'"),
    ("headquarters", "XX", "Unknown country code: 'XX'; use ISO 3166"),
    ("identifiers", "US-EIN:12-3456789, KR-NTS:123", "use | between values"),
    ("identifiers", "12-3456789", "Cannot read '12-3456789' as a registration number"),
    ("identifiers", "US-EIN:1|US-EIN:1", "'US-EIN:1' is listed twice"),
    (
        "identifiers",
        "US-EIN:" + "9" * 101,
        "the number is not valid. Ensure this value has at most",
    ),
    ("identifiers", "us-ein:1", "the scheme is not valid. Use the register's org-id.guide code"),
    ("website", "javascript:alert(1)", "Enter a valid URL."),
    ("donate_url", "ftp://example.org/give", "Enter a valid URL."),
    ("founded", "nineteen", "Cannot read 'nineteen' as a whole number."),
    ("founded", "2006.5", "Cannot read '2006.5' as a whole number."),
    ("status", "live", "is not a valid choice"),
    ("last_verified", "2024-01-01", "latest verification"),
]


@pytest.mark.parametrize(("column", "value", "message"), UNREADABLE)
def test_a_cell_the_import_cannot_read_is_named_and_nothing_is_applied(
    admin_client, column, value, message
):
    org, row = _linked_org()
    before = _links(org)
    first = _row(slug="another", name="Another")
    content = _csv([first, row | {"summary": "Changed too.", column: value}])

    preview = _preview(admin_client, ORGS, content)

    ((number, named, error),) = _errors(preview)
    assert (number, named) == (3, column)  # the spreadsheet's row: header, first, this
    assert message in error
    assert not _can_confirm(preview)
    org.refresh_from_db()
    assert _links(org) == before
    assert org.summary != "Changed too."
    assert not Organization.objects.filter(slug="another").exists()


def test_every_cell_a_row_cannot_read_is_named(admin_client):
    _org, row = _linked_org()
    bad = row | {"issues": "a,b", "countries": "ZZ", "website": "data:x", "identifiers": "x"}

    preview = _preview(admin_client, ORGS, _csv([bad]))

    assert {(number, column) for number, column, _message in _errors(preview)} == {
        (2, "issues"),
        (2, "countries"),
        (2, "website"),
        (2, "identifiers"),
    }


def test_a_comma_separated_cell_no_longer_removes_every_issue(admin_client):
    # django-import-export's widget read "trafficking,rescue" as no issue at all, and the
    # preview reported the listing as updated.
    org, row = _linked_org()
    make_issue("Rescue", slug="rescue-issue")

    preview = _preview(admin_client, ORGS, _csv([row | {"issues": "trafficking,rescue-issue"}]))

    ((_number, column, error),) = _errors(preview)
    assert column == "issues"
    assert "'trafficking,rescue-issue'" in error and "use | between values" in error
    assert _import_types(preview) == []
    assert set(org.issues.values_list("slug", flat=True)) == {"trafficking"}


def test_a_program_naming_no_organization_is_an_error_on_that_column(admin_client):
    make_org("PSCORE", slug="pscore")
    rows = [
        {"organization": "pscore", "slug": "tutoring", "name": "Tutoring", "active": "1"},
        {"organization": "no-such-org", "slug": "camp", "name": "Camp", "active": "1"},
    ]

    preview = _preview(admin_client, PROGRAMS, _csv(rows))

    assert _errors(preview) == [(3, "organization", "Unknown organization slug: 'no-such-org'.")]
    assert not _can_confirm(preview)
    assert not Program.objects.exists()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("countries", "KR|Korea", "Unknown country code: 'Korea'"),
        ("issues", "nope", "Unknown issue slug: 'nope'"),
        ("focus_areas", "a,b", "use | between values"),
        ("active", "yes", "Cannot read 'yes' as yes or no: write 1 or 0."),
        ("url", "javascript:alert(1)", "Enter a valid URL."),
    ],
)
def test_a_program_cell_the_import_cannot_read_is_named(admin_client, column, value, message):
    org = make_org("PSCORE", slug="pscore")
    program = make_program(org, "Tutoring", slug="tutoring", countries=["KR"])
    row = {"organization": "pscore", "slug": "tutoring", "name": "Tutoring", "active": "1"}

    preview = _preview(admin_client, PROGRAMS, _csv([row | {column: value}]))

    ((number, named, error),) = _errors(preview)
    assert (number, named) == (2, column)
    assert message in error
    assert not _can_confirm(preview)
    assert list(program.countries.values_list("code", flat=True)) == ["KR"]


def test_a_resource_import_applies_none_of_a_file_with_an_unreadable_cell():
    # The admin shows no confirm button for such a file; the resource itself also refuses,
    # should the data change between the preview and the confirmation.
    org, row = _linked_org()
    dataset = tablib.Dataset().load(_csv([_row(slug="another"), row | {"issues": "x"}]).decode())

    result = OrganizationResource().import_data(dataset, dry_run=False)

    assert result.has_validation_errors()
    assert not Organization.objects.filter(slug="another").exists()
    assert set(org.issues.values_list("slug", flat=True)) == {"trafficking"}


def test_a_blank_cell_clears_links_and_a_missing_column_keeps_them(admin_client):
    org, row = _linked_org()
    row = {key: value for key, value in row.items() if key != "focus_areas"}

    _import(admin_client, ORGS, _csv([row | {"issues": "", "identifiers": ""}]))

    links = _links(org)
    assert (links["issues"], links["identifiers"]) == (set(), set())
    assert links["focus_areas"] == {"rescue"}


# --- registration numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numbers",
    [
        [("US-EIN", "Employer ID number", "12-3456789"), ("KR-NTS", "", "123-45-67890")],
        [("GB-CHC", "Charity number (England | Wales)", "1234567")],
        [("XX-ODD", "", "a|b:c (d) \\e\\")],
        [("US-EIN", "", "12"), ("US-EIN", "", "13")],
    ],
)
def test_registration_numbers_read_back_as_they_were_written(numbers):
    org = make_org(slug="pscore")
    for scheme, kind, number in numbers:
        org.identifiers.create(identifier_scheme=scheme, identifier_type=kind, identifier=number)
    widget = IdentifiersWidget()

    cell = widget.render(org.identifiers)

    assert sorted(widget.clean(cell)) == sorted(numbers)


def test_the_registration_number_cell_is_readable():
    org = make_org(slug="pscore")
    org.identifiers.create(
        identifier_scheme="US-EIN", identifier="12-3456789", identifier_type="EIN"
    )
    org.identifiers.create(identifier_scheme="KR-NTS", identifier="123")

    assert IdentifiersWidget().render(org.identifiers) == "KR-NTS:123|US-EIN:12-3456789 (EIN)"


def test_an_import_changes_only_the_registration_numbers_that_differ(admin_client):
    org, row = _linked_org()
    kept = org.identifiers.get()
    gone = org.identifiers.create(identifier_scheme="GB-COH", identifier="01234567")
    history = OrganizationIdentifier.history.count()
    cell = "US-EIN:12-3456789 (Employer ID number)|KR-NTS:123"

    preview = _preview(admin_client, ORGS, _csv([row | {"identifiers": cell}]))
    assert _import_types(preview) == ["update"]
    assert org.identifiers.count() == 2  # the preview wrote nothing
    _confirm(admin_client, ORGS, preview)

    assert set(org.identifiers.values_list(*IDENTIFIER)) == {
        ("US-EIN", "Employer ID number", "12-3456789"),
        ("KR-NTS", "", "123"),
    }
    kept_now = org.identifiers.get(identifier_scheme="US-EIN")
    assert (kept_now.pk, kept_now.hsds_id) == (kept.pk, kept.hsds_id)
    assert not OrganizationIdentifier.objects.filter(pk=gone.pk).exists()
    # One change of type, one deletion, one addition.
    assert OrganizationIdentifier.history.count() == history + 3


def test_a_changed_registration_number_alone_makes_a_row_an_update(admin_client):
    _org, row = _linked_org()

    preview = _preview(admin_client, ORGS, _csv([row | {"identifiers": "US-EIN:12-3456789 (EIN)"}]))

    assert _import_types(preview) == ["update"]


# --- who may publish -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["published", "archived"])
def test_a_curator_importing_a_published_or_archived_row_gets_an_error(curator, status):
    content = _csv([_row(slug="first"), _row(slug="second", status=status)])

    preview = _preview(curator, ORGS, content)

    assert _errors(preview) == [
        (
            3,
            "status",
            "Only editors can import listings as published or archived; use draft or review.",
        )
    ]
    assert not _can_confirm(preview)
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

    assert _errors(preview) == [
        (2, "status", "Only editors can take a published or archived listing back.")
    ]
    assert Organization.objects.get(slug="pscore").status == "published"


def test_a_curator_can_edit_a_published_listing_leaving_its_status(curator):
    org = make_org("PSCORE", slug="pscore")
    org.sources.set([make_source()])
    content = _csv([_row(slug="pscore", name="PSCORE", summary="Education.", status="published")])

    _import(curator, ORGS, content)

    org.refresh_from_db()
    assert (org.summary, org.status) == ("Education.", "published")


def test_an_import_cannot_publish_a_listing_without_a_source(admin_client):
    make_source(slug="state-tip-2023")
    content = _csv([_row(slug="first", status="published"), _row(slug="second", sources="")])

    preview = _preview(admin_client, ORGS, content)

    ((number, column, _message),) = _errors(preview)
    assert (number, column) == (2, "sources")
    fixed = _csv([_row(slug="first", status="published", sources="state-tip-2023")])
    assert _import(admin_client, ORGS, fixed).status_code == 302
    assert Organization.objects.get(slug="first").status == "published"


# --- round trip ----------------------------------------------------------------------------------


def test_every_field_a_curator_edits_is_a_column(admin_client):
    make_program(make_org(slug="pscore"), slug="tutoring")

    for base, model in [(ORGS, Organization), (PROGRAMS, Program)]:
        columns = set(_csv_rows(_export(admin_client, base, "csv"))[0])
        editable = {
            field.name
            for field in model._meta.get_fields()
            if (field.concrete or field.many_to_many)
            and getattr(field, "editable", False)
            and not field.auto_created
        }
        assert editable <= columns, editable - columns
    assert "identifiers" in _csv_rows(_export(admin_client, ORGS, "csv"))[0]


def _history_counts() -> dict[str, int]:
    """The rows of every history table, many-to-many history included."""
    models = apps.get_app_config("directory").get_models()
    return {
        model.__name__: model.objects.count() for model in models if "Historical" in model.__name__
    }


def _snapshot():
    """Everything an import could change, history included."""
    orgs = list(Organization.objects.order_by("slug").values())
    programs = list(Program.objects.order_by("slug").values())
    identifiers = list(OrganizationIdentifier.objects.order_by("pk").values())
    links = [
        sorted(relation.through.objects.values_list())
        for relation in (
            Organization.issues,
            Organization.focus_areas,
            Organization.countries,
            Organization.sources,
            Program.issues,
            Program.focus_areas,
            Program.countries,
        )
    ]
    return orgs, programs, identifiers, links, _history_counts()


def _round_trip(client, fmt: str) -> None:
    """Export organizations and programs, then import both files again unchanged: every
    row is skipped."""
    org_file = _export(client, ORGS, fmt)
    program_file = _export(client, PROGRAMS, fmt)
    preview = _preview(client, ORGS, org_file, fmt)
    assert _import_types(preview) == ["skip"] * Organization.objects.count()
    assert _confirm(client, ORGS, preview).status_code == 302
    preview = _preview(client, PROGRAMS, program_file, fmt)
    assert _import_types(preview) == ["skip"] * Program.objects.count()
    assert _confirm(client, PROGRAMS, preview).status_code == 302


def _listings_to_round_trip():
    trafficking = make_issue("Human trafficking", slug="trafficking")
    rescue = make_focus_area("Rescue", slug="rescue")
    report = make_source(slug="state-tip-2023")
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
        name_ko="피스코어",
        summary_ko="탈북민을 위한 교육",
        description_ko="=탈북민 교육.",
        issues=[trafficking],
        focus_areas=[rescue],
        countries=["KR", "CN"],
        headquarters=Country.objects.get(pk="KR"),
        founded=2006,
        last_verified=date(2024, 3, 5),
        website="https://www.pscore.org/",
        email="info@pscore.org",
        status="draft",
        description="Education for defectors.",
    )
    pscore.sources.set([report])
    for scheme, kind, number in [
        ("US-EIN", "Employer ID number", "12-3456789"),
        ("KR-NTS", "", "123-45-67890"),
        ("XX-ODD", "A (tricky) | type", "a|b:c (d) \\e"),
    ]:
        pscore.identifiers.create(identifier_scheme=scheme, identifier_type=kind, identifier=number)
    make_program(
        pscore,
        "=Tutoring",
        slug="tutoring",
        name_ko="과외",
        summary_ko="영어와 수학",
        description_ko="탈북 청년을 위한 과외.",
        issues=[trafficking],
        focus_areas=[rescue],
        countries=["KR", "US"],
        summary="-1",
        url="https://www.pscore.org/tutoring",
    )
    make_program(pscore, "Camp", slug="camp", active=False)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_again_changes_nothing(admin_client, fmt):
    _listings_to_round_trip()
    before = _snapshot()

    _round_trip(admin_client, fmt)

    assert _snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_seed_content_exported_and_imported_again_changes_nothing(admin_client, fmt):
    load_file()
    before = _snapshot()

    _round_trip(admin_client, fmt)

    assert _snapshot() == before


def test_a_csv_export_with_blank_fields_imported_again_changes_nothing(admin_client):
    _listings_to_round_trip()
    Organization.objects.update(description="", alternate_name="", email="", name_ko="")
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
