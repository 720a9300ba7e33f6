"""The `export_hsds` and `import_hsds` commands: round trips, updates, statuses, dry runs,
and malformed input that must be refused whole, with nothing written."""

import csv
import json
import shutil
import uuid
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from directory.hsds import importer, plan
from directory.models import (
    Country,
    FocusArea,
    Issue,
    Organization,
    OrganizationIdentifier,
    Program,
)
from tests.factories import make_focus_area, make_issue, make_org, make_program, make_source

pytestmark = pytest.mark.django_db


def _directory() -> None:
    """Three organizations covering every mapped field, one of them unpublished."""
    refugees = make_issue("Refugees")
    trafficking = make_issue("Human trafficking", summary="Forced marriage and labour.")
    rescue = make_focus_area("Rescue", description="Getting people to safety.")
    research = make_focus_area("Research")
    org = make_org(
        "Crossing Borders",
        summary="Shelter and care for refugee women and children.",
        description="Founded in 2003.\r\n\r\nWorks through partners in China.",
        alternate_name="CB",
        website="https://crossing.example",
        donate_url="https://crossing.example/give",
        volunteer_url="https://crossing.example/join",
        fundraising_url="https://crossing.example/run",
        email="hello@crossing.example",
        founded=2003,
        org_type=Organization.OrgType.FAITH_BASED,
        headquarters=Country.objects.get(pk="US"),
        issues=[refugees, trafficking],
        focus_areas=[rescue],
        countries=["KR", "CN"],
    )
    OrganizationIdentifier.objects.create(
        organization=org, identifier_scheme="US-EIN", identifier="12-3456789"
    )
    make_program(
        org,
        "Orphan Care",
        summary="Homes for children.",
        description='Group homes, foster care, "quoted" text, commas, and 탈북민 지원.',
        issues=[trafficking],
        focus_areas=[rescue, research],
        countries=["CN", "TH"],
        url="https://crossing.example/orphans",
    )
    make_program(org, "Old clinic", active=False, description="Long. " * 80)
    seoul = make_org(
        "서울 정착 지원", summary="정착 지원.", headquarters=Country.objects.get(pk="KR")
    )
    make_program(seoul, "상담", issues=[refugees])
    make_org("Draft listing", status=Organization.Status.DRAFT, focus_areas=[research])


def _counts() -> dict:
    models = (Organization, Program, OrganizationIdentifier, Issue, FocusArea)
    counts = {model.__name__: model.objects.count() for model in models}
    for relation in (Organization.issues, Organization.countries, Program.focus_areas):
        counts[relation.through.__name__] = relation.through.objects.count()
    return counts


def _empty_directory() -> None:
    for model in (Organization, Issue, FocusArea):
        model.objects.all().delete()


def _import(path, *args) -> str:
    out = StringIO()
    call_command("import_hsds", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _export(path, *args) -> None:
    call_command("export_hsds", str(path), *args, stdout=StringIO())


def _refused(path, *args) -> str:
    with pytest.raises(CommandError) as failure:
        _import(path, *args)
    return str(failure.value)


def _tree(folder) -> dict:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _write_csv(path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _org(name="Haven", **fields) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "description": f"{name} helps.", **fields}


def test_a_json_export_imported_into_an_empty_directory_exports_identically(tmp_path):
    _directory()
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    _export(first)
    _empty_directory()
    _import(first, "--publish")  # kept in review: HSDS carries no sources
    _export(second, "--all")
    assert second.read_bytes() == first.read_bytes()
    assert len(json.loads(first.read_text())["contents"]) == 2


@pytest.mark.parametrize("target", ["package", "package.zip"])
def test_a_csv_export_imported_into_an_empty_directory_exports_identically(tmp_path, target):
    _directory()
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    _export(first / target, "--format", "csv", "--all")
    _empty_directory()
    _import(first / target, "--publish")
    _export(second / target, "--format", "csv", "--all")
    if target.endswith(".zip"):
        assert (second / target).read_bytes() == (first / target).read_bytes()
    else:
        assert _tree(second / target) == _tree(first / target)
    assert Organization.objects.count() == 3


def test_the_csv_package_holds_the_hsds_tables(tmp_path):
    _directory()
    _export(tmp_path / "package", "--format", "csv")
    assert set(_tree(tmp_path / "package")) == {
        "attributes.csv",
        "datapackage.json",
        "locations.csv",
        "organization_identifiers.csv",
        "organizations.csv",
        "service_areas.csv",
        "services.csv",
        "taxonomies.csv",
        "taxonomy_terms.csv",
    }


def test_json_and_csv_exports_of_the_same_directory_import_to_the_same_json(tmp_path):
    _directory()
    _export(tmp_path / "direct.json")
    _export(tmp_path / "package", "--format", "csv")
    _empty_directory()
    _import(tmp_path / "package", "--publish")
    _export(tmp_path / "via-csv.json", "--all")
    assert (tmp_path / "via-csv.json").read_bytes() == (tmp_path / "direct.json").read_bytes()


def test_reimporting_updates_instead_of_duplicating(tmp_path):
    _directory()
    path = tmp_path / "export.json"
    _export(path)
    before = _counts()
    page = json.loads(path.read_text())
    page["contents"][0]["name"] = "Crossing Borders International"
    path.write_text(json.dumps(page))
    output = _import(path)
    assert _counts() == before
    assert Organization.objects.filter(name="Crossing Borders International").exists()
    assert "Updated: " in output and "Created: nothing." in output


def test_importing_the_same_file_again_writes_nothing(tmp_path):
    _directory()
    path = tmp_path / "export.json"
    _export(path, "--all")
    _import(path)
    history = Organization.history.count() + Program.history.count()
    output = _import(path)
    assert "Created: nothing.\nUpdated: nothing.\nDeleted: nothing." in output
    assert "Unchanged: 1 organization identifiers, 3 organizations, 3 programs." in output
    assert Organization.history.count() + Program.history.count() == history


def test_imported_organizations_arrive_in_review(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(_org()))
    _import(path)
    assert Organization.objects.get().status == Organization.Status.REVIEW


def test_publish_publishes_organizations_that_cite_a_source(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(_org()))
    _import(path)
    Organization.objects.get().sources.add(make_source())
    _import(path, "--publish")
    assert Organization.objects.get().status == Organization.Status.PUBLISHED


def test_publish_keeps_organizations_without_a_source_in_review_and_names_them(tmp_path):
    path = tmp_path / "two.json"
    path.write_text(json.dumps([_org("Haven"), _org("Harbor")]))

    output = _import(path, "--publish")

    assert set(Organization.objects.values_list("status", flat=True)) == {"review"}
    assert "Not published, kept in review" in output
    assert "Harbor, Haven" in output
    assert not Organization.objects.published().exists()


def test_a_long_list_kept_in_review_names_the_first_and_counts_the_rest(tmp_path, monkeypatch):
    """Batches of two, so the names kept are the first alphabetically across batches."""
    monkeypatch.setattr(importer, "BATCH", 2)
    monkeypatch.setattr(plan, "HELD_BACK_NAMED", 2)
    path = tmp_path / "five.json"
    names = ["Eden", "Beacon", "Delta", "Anchor", "Cove"]
    path.write_text(json.dumps([_org(name) for name in names]))

    output = _import(path, "--publish")

    assert "kept in review" in output
    assert output.rstrip().splitlines()[-2].endswith(": Anchor, Beacon and 3 more")
    assert Organization.objects.filter(status="review").count() == 5


def test_a_reimport_without_publish_keeps_the_status_curators_gave(tmp_path):
    org = make_org("Haven", status=Organization.Status.ARCHIVED)
    path = tmp_path / "one.json"
    path.write_text(json.dumps(_org(id=str(org.hsds_id))))
    _import(path)
    org.refresh_from_db()
    assert org.status == Organization.Status.ARCHIVED


def test_a_dry_run_reports_what_would_change_and_writes_nothing(tmp_path):
    _directory()
    path = tmp_path / "export.json"
    _export(path)
    _empty_directory()
    before = _counts()
    output = _import(path, "--dry-run")
    assert _counts() == before
    assert (
        "Would create: 2 focus areas, 2 issues, 1 organization identifiers, "
        "2 organizations, 3 programs." in output
    )
    assert "Dry run: nothing was written." in output


def test_import_from_a_folder_and_from_a_zip_of_csv_files(tmp_path):
    folder = tmp_path / "package"
    folder.mkdir()
    _write_csv(folder / "organizations.csv", [_org("Haven"), _org("Beacon")])
    _import(folder)
    shutil.make_archive(str(tmp_path / "package"), "zip", folder)
    _import(tmp_path / "package.zip")
    assert sorted(Organization.objects.values_list("name", flat=True)) == ["Beacon", "Haven"]


def test_invalid_json_is_refused(tmp_path):
    make_org("Existing")
    path = tmp_path / "broken.json"
    path.write_text('{"contents": [{"id": ')
    before = _counts()
    message = _refused(path)
    assert "broken.json: Invalid JSON: Expecting value: line 1 column 22" in message
    assert _counts() == before


def test_missing_required_fields_are_each_reported(tmp_path):
    path = tmp_path / "orgs.json"
    service = {"id": str(uuid.uuid4()), "name": "Clinic"}
    path.write_text(json.dumps([_org(), {"id": str(uuid.uuid4())}, _org(services=[service])]))
    message = _refused(path)
    assert "orgs.json $[1], name: This field is required." in message
    assert "orgs.json $[1], description: This field is required." in message
    assert "orgs.json $[2].services[0], status: This field is required." in message
    assert _counts()["Organization"] == 0


def test_a_javascript_url_is_refused_with_its_place_in_the_file(tmp_path):
    path = tmp_path / "orgs.json"
    service = {"id": str(uuid.uuid4()), "name": "Clinic", "status": "active"}
    service["url"] = "javascript:alert(1)"
    path.write_text(json.dumps({"contents": [_org(services=[service])]}))
    message = _refused(path)
    assert "orgs.json $.contents[0].services[0], url: Enter a valid URL." in message
    assert _counts()["Program"] == 0


def test_a_bad_website_in_a_csv_package_is_reported_by_file_row_and_field(tmp_path):
    make_org("Existing")
    before = _counts()
    rows = [_org("Haven", website="https://haven.example"), _org("Beacon", website="ftp://x")]
    _write_csv(tmp_path / "organizations.csv", rows)
    message = _refused(tmp_path)
    assert "organizations.csv row 3, website: Enter a valid URL." in message
    assert _counts() == before


def test_a_bad_donate_link_is_reported_at_its_attribute(tmp_path):
    org = make_org("Haven", donate_url="https://haven.example/give")
    _export(tmp_path / "package", "--format", "csv")
    path = tmp_path / "package" / "attributes.csv"
    path.write_text(path.read_text().replace("https://haven.example/give", "javascript:x"))
    message = _refused(tmp_path / "package")
    assert "attributes.csv row 2, value: Enter a valid URL." in message
    org.refresh_from_db()
    assert org.donate_url == "https://haven.example/give"


def test_duplicate_ids_in_a_file_are_refused(tmp_path):
    path = tmp_path / "orgs.json"
    twin = _org("Haven")
    path.write_text(json.dumps([twin, {**twin, "name": "Haven again"}]))
    message = _refused(path)
    assert f"orgs.json $[1], id: Duplicate organization id “{twin['id']}”" in message
    assert "also at orgs.json $[0]" in message
    assert _counts()["Organization"] == 0


def test_duplicate_service_ids_in_a_csv_package_are_refused(tmp_path):
    org = _org("Haven")
    service = {"id": str(uuid.uuid4()), "organization_id": org["id"], "name": "Clinic"}
    service["status"] = "active"
    _write_csv(tmp_path / "organizations.csv", [org])
    _write_csv(tmp_path / "services.csv", [service, service])
    message = _refused(tmp_path)
    assert "services.csv row 3, id: Duplicate service id" in message
    assert _counts()["Organization"] == 0


def test_a_service_row_naming_no_organization_in_the_package_is_refused(tmp_path):
    _write_csv(tmp_path / "organizations.csv", [_org("Haven")])
    service = {"id": str(uuid.uuid4()), "organization_id": str(uuid.uuid4())}
    _write_csv(tmp_path / "services.csv", [{**service, "name": "Clinic", "status": "active"}])
    message = _refused(tmp_path)
    assert "services.csv row 2, organization_id: No organization with id" in message
    assert _counts()["Organization"] == 0


def test_a_truncated_zip_is_refused(tmp_path):
    make_org("Existing")
    before = _counts()
    folder = tmp_path / "package"
    folder.mkdir()
    _write_csv(folder / "organizations.csv", [_org("Haven")])
    archive = shutil.make_archive(str(tmp_path / "package"), "zip", folder)
    data = (tmp_path / "package.zip").read_bytes()
    (tmp_path / "package.zip").write_bytes(data[: len(data) // 2])
    message = _refused(archive)
    assert "package.zip: not a readable zip file, truncated or corrupt" in message
    assert _counts() == before


def test_a_zip_with_a_corrupt_member_is_refused(tmp_path):
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organizations.csv", "id,name,description\n" + "x,y,z\n" * 200)
    data = bytearray(path.read_bytes())
    data[60:80] = b"\0" * 20  # inside the compressed member, before the directory
    path.write_bytes(bytes(data))
    assert "truncated or corrupt" in _refused(path)
    assert _counts()["Organization"] == 0


def test_a_package_without_organizations_is_refused(tmp_path):
    _write_csv(tmp_path / "services.csv", [{"id": str(uuid.uuid4()), "name": "Clinic"}])
    assert "The package has no organizations.csv." in _refused(tmp_path)


def test_export_all_includes_every_status(tmp_path):
    make_org("Public")
    make_org("Draft", status=Organization.Status.DRAFT)
    _export(tmp_path / "published.json")
    _export(tmp_path / "all.json", "--all")
    names = lambda path: [doc["name"] for doc in json.loads(path.read_text())["contents"]]  # noqa: E731
    assert names(tmp_path / "published.json") == ["Public"]
    assert sorted(names(tmp_path / "all.json")) == ["Draft", "Public"]


def test_a_long_import_shows_a_progress_bar_on_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("directory.hsds.importer.REBUILD_THRESHOLD", 1)
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([_org("Haven"), _org("Beacon")]))
    call_command("import_hsds", str(path), stdout=StringIO())
    assert "Checking" in capsys.readouterr().err
