"""`import_hsds` against hostile files: zip bombs and oversized packages, JSON nested past
the stack, text the database refuses or that breaks one-line places, and CSV cells a
spreadsheet would run as formulas. Each is refused by file, row and field, never with a
traceback, and nothing is written."""

import csv
import io
import json
import uuid
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from directory.hsds import limits
from directory.models import Organization, OrganizationIdentifier, Program
from tests.factories import make_org, make_program

pytestmark = pytest.mark.django_db

HEADER = "id,name,description\n"


def _import(path, *args) -> str:
    out = StringIO()
    call_command("import_hsds", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _refused(path) -> str:
    with pytest.raises(CommandError) as failure:
        _import(path)
    message = str(failure.value)
    assert message.startswith("Nothing imported:")
    assert Organization.objects.count() == 0
    return message


def _org(name="Haven", **fields) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "description": f"{name} helps.", **fields}


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _zip(path, files: dict[str, str]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def _bomb(size: int) -> str:
    """An organizations.csv of `size` bytes that deflates about a thousand times."""
    row = f"{uuid.uuid4()},Haven,{'x' * (size - 100)}\n"
    return HEADER + row


# Zip bombs and oversized packages


def test_a_zipped_file_expanding_past_the_file_limit_is_refused(tmp_path, settings):
    settings.HSDS_IMPORT_MAX_FILE_BYTES = 100_000
    path = _zip(tmp_path / "bomb.zip", {"organizations.csv": _bomb(100_500)})
    message = _refused(path)
    assert "organizations.csv: larger than 100,000 bytes (HSDS_IMPORT_MAX_FILE_BYTES)" in message


def test_a_package_expanding_past_the_total_limit_is_refused(tmp_path, settings):
    settings.HSDS_IMPORT_MAX_BYTES = 100_000
    settings.HSDS_IMPORT_MAX_RATIO = 10_000
    files = {"organizations.csv": _bomb(60_000), "services.csv": _bomb(60_000)}
    message = _refused(_zip(tmp_path / "bomb.zip", files))
    assert "larger than 100,000 bytes unzipped (HSDS_IMPORT_MAX_BYTES)" in message


def test_a_zipped_file_expanding_too_many_times_is_refused(tmp_path, settings):
    settings.HSDS_IMPORT_MAX_RATIO = 50
    path = _zip(tmp_path / "bomb.zip", {"organizations.csv": _bomb(200_000)})
    message = _refused(path)
    assert "organizations.csv: expands more than 50 times when unzipped" in message
    assert "(HSDS_IMPORT_MAX_RATIO)" in message


def test_the_bytes_are_counted_as_they_are_read_not_only_as_declared(
    tmp_path, settings, monkeypatch
):
    """A zip's directory can understate its sizes: counting alone must stop the bomb."""
    settings.HSDS_IMPORT_MAX_FILE_BYTES = 100_000
    monkeypatch.setattr(limits.Budget, "declared", lambda self, entries: None)
    path = _zip(tmp_path / "bomb.zip", {"organizations.csv": _bomb(5_000_000)})
    assert "(HSDS_IMPORT_MAX_FILE_BYTES)" in _refused(path)


def test_a_stream_longer_than_declared_is_cut_off_at_the_limit(settings):
    settings.HSDS_IMPORT_MAX_FILE_BYTES = 1000
    stream = limits.Budget().stream("organizations.csv", io.BytesIO(b"x" * 100_000))
    with pytest.raises(limits.TooLarge, match="HSDS_IMPORT_MAX_FILE_BYTES"):
        stream.read()


def test_a_zip_whose_directory_understates_a_size_is_refused(tmp_path):
    path = _zip(tmp_path / "liar.zip", {"organizations.csv": _bomb(200_000)})
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature) + offset  # the uncompressed size, in both headers
        data[at : at + 4] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert "truncated or corrupt" in _refused(path)


@pytest.mark.parametrize("form", ["folder", "zip", "tabular.json"])
def test_a_package_with_too_many_rows_is_refused(tmp_path, settings, form):
    settings.HSDS_IMPORT_MAX_ROWS = 3
    rows = [_org(f"Haven {n}") for n in range(4)]
    if form == "folder":
        (tmp_path / "organizations.csv").write_text(_csv(rows))
        path = tmp_path
    elif form == "zip":
        path = _zip(tmp_path / "package.zip", {"organizations.csv": _csv(rows)})
    else:
        path = tmp_path / "tabular.json"
        path.write_text(json.dumps({"organizations.csv": rows}))
    assert "more than 3 rows (HSDS_IMPORT_MAX_ROWS)" in _refused(path)


def test_a_package_within_the_limits_imports(tmp_path, settings):
    settings.HSDS_IMPORT_MAX_ROWS = 2
    settings.HSDS_IMPORT_MAX_RATIO = 10
    files = {"organizations.csv": _csv([_org("Haven"), _org("Beacon")])}
    _import(_zip(tmp_path / "package.zip", files))
    assert Organization.objects.count() == 2


# JSON the decoder cannot read


def test_deeply_nested_json_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert "deep.json: Invalid JSON: nested too deeply to read." in _refused(path)


def test_a_deeply_nested_field_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    doc = json.dumps(_org(name="NAME"))
    path.write_text(doc.replace('"NAME"', "[" * 100_000 + "]" * 100_000))
    assert "nested too deeply" in _refused(path)


def test_tabular_json_rows_that_are_not_objects_are_refused(tmp_path):
    path = tmp_path / "tabular.json"
    path.write_text(json.dumps({"organizations.csv": [_org(), 7]}))
    assert "tabular.json: organizations.csv row 2: Expected an object." in _refused(path)


# Text the database refuses, or that breaks the places showing it


@pytest.mark.parametrize("field", ["name", "description", "alternate_name", "website"])
def test_a_nul_character_is_refused_in_json(tmp_path, field):
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([_org(**{field: "Ha\x00ven"})]))
    assert f"orgs.json $[0], {field}: This text contains a NUL character." in _refused(path)


def test_a_nul_character_is_refused_in_a_csv_package(tmp_path):
    (tmp_path / "organizations.csv").write_text(_csv([_org(description="Helps\x00.")]))
    message = _refused(tmp_path)
    assert "organizations.csv row 2, description: This text contains a NUL character." in message


def test_a_nul_character_is_refused_in_services_identifiers_and_links(tmp_path):
    service = {"id": str(uuid.uuid4()), "name": "Clinic\x00", "status": "active"}
    identifier = {"id": str(uuid.uuid4()), "identifier": "12\x0034"}
    org = _org(services=[service], organization_identifiers=[identifier])
    make_org("Linked", donate_url="https://linked.example/give")
    export = tmp_path / "export.json"
    call_command("export_hsds", str(export), stdout=StringIO())
    linked = json.loads(export.read_text())["contents"][0]
    donate = next(a for a in linked["attributes"] if a.get("value"))
    donate["value"] += "\x00"
    Organization.objects.all().delete()
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([org, linked]))
    message = _refused(path)
    assert "$[0].services[0], name: This text contains a NUL character." in message
    assert "$[0].organization_identifiers[0], identifier: This text contains a NUL" in message
    assert "$[1].attributes[0], value: This text contains a NUL character." in message


@pytest.mark.parametrize("text", ["Haven\nInc.", "Haven\rInc.", "Haven\tInc.", "Haven\u2028Inc."])
def test_a_name_must_be_one_line(tmp_path, text):
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([_org(name=text)]))
    message = _refused(path)
    assert "orgs.json $[0], name: This text must be one line, without line breaks" in message


def test_a_control_character_is_refused_even_in_a_description(tmp_path):
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([_org(description="Helps \x1b[31m people.")]))
    message = _refused(path)
    assert "orgs.json $[0], description: This text contains a control character (U+001B)." in (
        message
    )


def test_a_description_keeps_its_tabs_and_line_breaks(tmp_path):
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([_org(description="Helps.\n\n\tWith care.\r\nAlways.")]))
    _import(path)
    assert Organization.objects.get().description.startswith("\tWith care.\r\nAlways.")


def test_a_lone_surrogate_is_refused(tmp_path):
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([_org(name="Ha\ud800ven")]))  # ASCII JSON: "\ud800"
    assert "name: This text is not valid Unicode (it holds a lone surrogate)." in _refused(path)


# Formula cells in the CSV package


def _formula_directory() -> None:
    org = make_org(
        '=HYPERLINK("https://evil.example","Haven")',
        alternate_name="@SUM(A1)",
        summary="+1 helps.",
        description="-2 more.",
    )
    OrganizationIdentifier.objects.create(
        organization=org, identifier_scheme="US-EIN", identifier="=1+1"
    )
    make_program(org, "'Quoted' clinic", summary="-Care.")
    make_program(org, "Plain clinic")


def _cells(path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as file:
        return [cell for row in csv.reader(file) for cell in row]


def test_formula_cells_are_neutralised_in_the_csv_export(tmp_path):
    _formula_directory()
    call_command("export_hsds", str(tmp_path / "out"), "--format", "csv", stdout=StringIO())
    cells = [cell for path in (tmp_path / "out").glob("*.csv") for cell in _cells(path)]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert '\'=HYPERLINK("https://evil.example","Haven")' in cells
    assert {"'@SUM(A1)", "'+1 helps.\n\n-2 more.", "'=1+1", "''Quoted' clinic"} <= set(cells)
    assert "Plain clinic" in cells


def test_neutralised_cells_import_exactly_as_they_were(tmp_path):
    _formula_directory()
    before = sorted(Organization.objects.values_list("name", "alternate_name", "summary"))
    programs = sorted(Program.objects.values_list("name", "summary"))
    call_command("export_hsds", str(tmp_path / "out.zip"), "--format", "csv", stdout=StringIO())
    Organization.objects.all().delete()
    _import(tmp_path / "out.zip")
    assert sorted(Organization.objects.values_list("name", "alternate_name", "summary")) == before
    assert sorted(Program.objects.values_list("name", "summary")) == programs
    assert OrganizationIdentifier.objects.get().identifier == "=1+1"


def test_the_csv_import_takes_the_apostrophe_off_neutralised_cells(tmp_path):
    rows = [_org("'=SUM(A1)", alternate_name="''Quoted'"), _org("'Plain' and proud")]
    (tmp_path / "organizations.csv").write_text(_csv(rows))
    _import(tmp_path)
    names = set(Organization.objects.values_list("name", "alternate_name"))
    assert names == {("=SUM(A1)", "'Quoted'"), ("'Plain' and proud", "")}


def test_control_characters_quoted_in_a_problem_are_shown_escaped(tmp_path):
    (tmp_path / "organizations.csv").write_text(_csv([_org()]))
    service = {"id": str(uuid.uuid4()), "organization_id": "\x1b[2J\x07", "name": "Clinic"}
    (tmp_path / "services.csv").write_text(_csv([{**service, "status": "active"}]))
    message = _refused(tmp_path)
    assert "No organization with id “\\x1b[2J\\x07”" in message
    assert "\x1b" not in message
