"""The HSDS mapping, exporter and importer (directory/hsds/), held to the specification's
own schemas and examples in ../shared/hsds (those tests skip when it is absent)."""

import json
import uuid
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory.hsds import bulk, csv_package, export, importer, mapping
from directory.hsds.taxonomies import FOCUS_AREAS, ISSUES, WAYS_TO_HELP, help_terms
from directory.models import (
    Country,
    FocusArea,
    Issue,
    Organization,
    OrganizationIdentifier,
    Program,
    SearchDocument,
)
from directory.search import index
from tests.factories import make_focus_area, make_issue, make_org, make_program, make_source

pytestmark = pytest.mark.django_db

SPEC = Path(settings.BASE_DIR).parent / "shared" / "hsds"
SPEC_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PAGE_RESPONSE = (
    "openapi.json#/paths/~1organizations/get/responses/200/content/application~1json/schema"
)


@pytest.fixture
def spec() -> Path:
    if not SPEC.is_dir():
        pytest.skip("HSDS schemas not found at ../shared/hsds")
    return SPEC


@cache
def _validator(ref: str) -> Draft202012Validator:
    """A validator for `ref`, resolving every schema of the specification by the address
    its own documents use (the OpenAPI file points at the compiled schemas that way)."""
    resources = [
        (
            SPEC_URL + path.relative_to(SPEC / "schema").as_posix(),
            Resource.from_contents(json.loads(path.read_text()), DRAFT202012),
        )
        for path in sorted((SPEC / "schema").rglob("*.json"))
    ]
    return Draft202012Validator(
        {"$ref": SPEC_URL + ref},
        registry=Registry().with_resources(resources),
        format_checker=FormatChecker(),
    )


def _errors(ref: str, document: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validator(ref).iter_errors(document)]


def _listing() -> Organization:
    """A published organization using every field the mapping carries, with two programs."""
    trafficking = make_issue("Human trafficking")
    rescue = make_focus_area("Rescue", description="Getting people to safety.")
    org = make_org(
        "Crossing Borders",
        summary="Shelter and care for refugee women and children.",
        description="Founded in 2003.\n\nWorks through partners in China.",
        alternate_name="CB",
        website="https://crossing.example",
        donate_url="https://crossing.example/give",
        volunteer_url="https://crossing.example/join",
        advocacy_url="https://crossing.example/petition",
        email="hello@crossing.example",
        founded=2003,
        org_type=Organization.OrgType.FAITH_BASED,
        headquarters=Country.objects.get(pk="US"),
        issues=[trafficking],
        focus_areas=[rescue],
        countries=["KR", "CN"],
    )
    OrganizationIdentifier.objects.create(
        organization=org,
        identifier_scheme="US-EIN",
        identifier_type="Employer ID number",
        identifier="12-3456789",
    )
    make_program(
        org,
        "Orphan Care",
        summary="Homes for children.",
        description="Group homes and foster care.",
        issues=[trafficking],
        focus_areas=[rescue],
        countries=["CN"],
        url="https://crossing.example/orphans",
    )
    make_program(org, "Old clinic", active=False, description="탈북민 정착 지원. " * 40)
    return org


def _exported() -> list[dict]:
    return list(export.organizations())


def test_an_organization_becomes_an_hsds_organization_with_its_services():
    org = _listing()
    [doc] = _exported()
    assert doc["id"] == str(org.hsds_id)
    assert doc["name"] == "Crossing Borders"
    assert doc["alternate_name"] == "CB"
    assert doc["description"] == (
        "Shelter and care for refugee women and children.\n\n"
        "Founded in 2003.\n\nWorks through partners in China."
    )
    assert doc["year_incorporated"] == 2003
    assert doc["legal_status"] == "Faith-based nonprofit"
    assert doc["website"] == "https://crossing.example"
    assert doc["organization_identifiers"] == [
        {
            "id": str(org.identifiers.get().hsds_id),
            "organization_id": str(org.hsds_id),
            "identifier_scheme": "US-EIN",
            "identifier_type": "Employer ID number",
            "identifier": "12-3456789",
        }
    ]
    services = {service["name"]: service for service in doc["services"]}
    assert services["Orphan Care"]["status"] == "active"
    assert services["Orphan Care"]["url"] == "https://crossing.example/orphans"
    assert services["Orphan Care"]["organization_id"] == str(org.hsds_id)
    assert services["Old clinic"]["status"] == "inactive"


def test_empty_optional_fields_are_left_out_rather_than_blank():
    make_org("Plain", summary="Just a summary.")
    [doc] = _exported()
    assert doc["description"] == "Just a summary."
    assert not {"alternate_name", "email", "website", "year_incorporated"} & doc.keys()


def test_issues_focus_areas_and_help_links_are_attributes_of_causeway_taxonomies():
    org = _listing()
    [doc] = _exported()
    by_taxonomy = {}
    for attribute in doc["attributes"]:
        assert attribute["link_id"] == str(org.hsds_id)
        assert attribute["link_entity"] == "organization"
        assert attribute["taxonomy_term_id"] == attribute["taxonomy_term"]["id"]
        by_taxonomy.setdefault(attribute["taxonomy_term"]["taxonomy_id"], []).append(attribute)
    [issue] = by_taxonomy[ISSUES.id]
    assert issue["taxonomy_term"]["name"] == "Human trafficking"
    assert issue["taxonomy_term_id"] == str(Issue.objects.get().hsds_id)
    [focus] = by_taxonomy[FOCUS_AREAS.id]
    assert focus["taxonomy_term"]["description"] == "Getting people to safety."
    links = {a["taxonomy_term"]["code"]: a["value"] for a in by_taxonomy[WAYS_TO_HELP.id]}
    assert links == {
        "donate": "https://crossing.example/give",
        "volunteer": "https://crossing.example/join",
        "advocacy": "https://crossing.example/petition",
    }


def test_headquarters_and_countries_of_operation_are_locations_with_iso_codes():
    _listing()
    [doc] = _exported()
    places = {(loc["name"], loc["external_identifier"]) for loc in doc["locations"]}
    assert places == {("Headquarters", "US"), ("South Korea", "KR"), ("China", "CN")}
    assert {loc["external_identifier_type"] for loc in doc["locations"]} == {mapping.ISO_3166}


def test_program_countries_are_service_areas():
    _listing()
    [doc] = _exported()
    orphan_care = next(s for s in doc["services"] if s["name"] == "Orphan Care")
    [area] = orphan_care["service_areas"]
    assert (area["name"], area["extent"], area["extent_type"]) == ("China", "CN", "text")
    assert "CN" in area["description"]


def test_derived_ids_never_change_between_releases():
    assert ISSUES.id == "c208aa30-816b-5b9c-91e3-d439db899361"
    assert FOCUS_AREAS.id == "2e91b3f8-1d9e-54de-86ce-1b5aec59c560"
    assert help_terms()["donate_url"]["id"] == "17941c14-f124-54f0-8b7e-97e57efcb97c"


def test_the_summary_and_description_split_back_from_one_hsds_description():
    text = mapping.join_text("One line.", "First.\n\nSecond.")
    assert mapping.split_text(text, summary_required=True) == ("One line.", "First.\n\nSecond.")
    assert mapping.split_text("Only a summary.", summary_required=True) == (
        "Only a summary.",
        "",
    )


def test_a_long_first_paragraph_stays_whole_in_the_description():
    text = "word " * 100
    summary, description = mapping.split_text(text, summary_required=True)
    assert description == text
    assert len(summary) <= 300
    assert summary.endswith("…")
    assert mapping.split_text(text, summary_required=False) == ("", text)


def test_export_leaves_out_unpublished_organizations_unless_asked():
    make_org("Public")
    make_org("Draft", status=Organization.Status.DRAFT)
    assert [doc["name"] for doc in export.organizations()] == ["Public"]
    assert sorted(doc["name"] for doc in export.organizations(include_all=True)) == [
        "Draft",
        "Public",
    ]


def test_every_exported_organization_validates_against_the_compiled_schema(spec):
    _listing()
    make_org("Plain", summary="Just a summary.")
    for doc in _exported():
        assert _errors("compiled/organization.json", doc) == []


def test_every_exported_service_validates_against_the_compiled_schema(spec):
    _listing()
    services = [service for doc in _exported() for service in doc["services"]]
    assert len(services) == 2
    for service in services:
        assert _errors("compiled/service.json", service) == []


def test_the_json_export_is_the_page_the_hsds_api_returns(spec, tmp_path):
    _listing()
    path = tmp_path / "export.json"
    export.write_json(path, export.organizations())
    page = json.loads(path.read_text())
    assert _errors(PAGE_RESPONSE, page) == []
    assert (page["total_items"], page["size"], page["total_pages"]) == (1, 1, 1)


def test_the_csv_tables_have_the_columns_of_the_tabular_schema(spec):
    tabular = json.loads((spec / "schema" / "compiled" / "tabular.json").read_text())
    tables = {t["items"]["path"]: t["items"] for t in tabular["properties"].values()}
    for table in csv_package.TABLES:
        properties = tables[table.path]["properties"]
        columns = [name for name, field in properties.items() if field.get("type") != "array"]
        columns = [name for name in columns if "properties" not in properties[name]]
        assert table.fields == columns, table.path
        for field in table.describe()["schema"]["fields"]:
            assert field["type"] == properties[field["name"]]["type"]
            assert field.get("format") == properties[field["name"]].get("format")


def test_the_datapackage_describes_every_table_written(tmp_path):
    _listing()
    export.write_csv(tmp_path, export.organizations())
    package = json.loads((tmp_path / "datapackage.json").read_text())
    described = {resource["path"] for resource in package["resources"]}
    assert described == {path.name for path in tmp_path.glob("*.csv")}
    assert package["profile"] == "tabular-data-package"


@pytest.mark.parametrize(
    "example",
    [
        "organization_full.json",
        "organization_list.json",
        "service_full.json",
        "service_list.json",
        "service_at_location_full.json",
        "tabular.json",
    ],
)
def test_the_specifications_examples_import_cleanly(spec, example):
    result = importer.import_path(spec / "examples" / example)
    org = Organization.objects.get(hsds_id="d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
    assert org.name == "Example Organization Inc."
    assert result.created["organizations"] == 1


@pytest.mark.parametrize(
    "example",
    ["taxonomy.json", "taxonomy_list.json", "taxonomy_term.json", "location.json"],
)
def test_examples_of_objects_causeway_does_not_keep_import_nothing(spec, example):
    result = importer.import_path(spec / "examples" / example)
    assert sum(result.ignored.values()) == 1
    assert not Organization.objects.exists()
    assert not Issue.objects.exists()


def test_the_full_organization_example_maps_onto_the_directory(spec):
    importer.import_path(spec / "examples" / "organization_full.json")
    org = Organization.objects.get()
    assert org.summary.startswith("Example Org is a non-profit")
    assert (org.alternate_name, org.email) == ("Example Org", "email@example.com")
    assert (org.website, org.founded) == ("http://example.com", 2011)
    assert org.org_type == Organization.OrgType.OTHER  # "Limited Company"
    assert org.status == Organization.Status.REVIEW
    assert list(org.countries.values_list("code", flat=True)) == ["US"]  # its address
    ident = org.identifiers.get()
    assert (ident.identifier_scheme, ident.identifier) == ("GB-COH", "1234567")
    # The program is delivered by the service, so the service alone becomes our program.
    program = org.programs.get()
    assert (program.name, program.url, program.active) == (
        "Community Counselling",
        "http://example.com/counselling",
        True,
    )
    assert not program.countries.exists()  # a drawn area, not a country
    assert not Issue.objects.exists()  # its attribute is of another taxonomy


def test_the_tabular_example_updates_the_organization_of_the_json_example(spec):
    importer.import_path(spec / "examples" / "organization_full.json")
    result = importer.import_path(spec / "examples" / "tabular.json")
    assert result.updated["organizations"] == 1
    assert (Organization.objects.count(), Program.objects.count()) == (1, 1)


def _org_doc(name: str, **fields) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "description": f"{name} helps.", **fields}


def _import(tmp_path, doc, **options) -> importer.Result:
    path = tmp_path / "import.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return importer.import_path(path, **options)


def test_a_term_of_a_causeway_taxonomy_the_directory_lacks_becomes_an_issue(tmp_path):
    _listing()
    [doc] = _exported()
    for model in (Organization, Issue, FocusArea):
        model.objects.all().delete()
    result = _import(tmp_path, doc)
    assert (result.created["issues"], result.created["focus areas"]) == (1, 1)
    issue = Issue.objects.get()
    assert (issue.name, issue.summary) == ("Human trafficking", "A summary of Human trafficking.")
    assert list(Organization.objects.get().issues.all()) == [issue]
    assert FocusArea.objects.get().description == "Getting people to safety."


def test_existing_issues_are_matched_by_name_and_left_unchanged(tmp_path):
    issue = make_issue("Refugees", summary="Ours.")
    term = {"id": str(uuid.uuid4()), "name": "Refugees", "description": "Theirs."}
    term["taxonomy"] = ISSUES.name
    attribute = {"id": str(uuid.uuid4()), "taxonomy_term_id": term["id"], "taxonomy_term": term}
    result = _import(tmp_path, _org_doc("Helpers", attributes=[attribute]))
    assert result.created["issues"] == 0
    issue.refresh_from_db()
    assert issue.summary == "Ours."
    assert list(Organization.objects.get().issues.all()) == [issue]


def test_imported_organizations_are_searchable_only_once_published(tmp_path):
    lantern = _org_doc("Lantern Trust")
    _import(tmp_path, lantern)
    # Publishing needs a source, which HSDS does not carry: a curator adds one first.
    Organization.objects.get(name="Lantern Trust").sources.add(make_source())
    _import(tmp_path, lantern, publish=True)
    _import(tmp_path, _org_doc("Harbor Fund"))
    names = set(SearchDocument.objects.filter(kind="organization").values_list("name", flat=True))
    assert names == {"Lantern Trust"}


def test_a_large_import_rebuilds_the_search_index_once(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(importer, "REBUILD_THRESHOLD", 1)
    monkeypatch.setattr(index, "rebuild", lambda: calls.append("rebuild"))
    monkeypatch.setattr(index, "refresh_organizations", lambda ids: calls.append("refresh"))
    _import(tmp_path, [_org_doc("Haven"), _org_doc("Beacon")], publish=True)
    assert calls == ["rebuild"]


def test_listing_services_replaces_programs_and_leaving_them_out_keeps_them(tmp_path):
    org = make_org("Haven")
    make_program(org, "Keep")
    make_program(org, "Drop")
    [doc] = _exported()
    _import(tmp_path, {key: value for key, value in doc.items() if key != "services"})
    assert org.programs.count() == 2
    doc["services"] = [service for service in doc["services"] if service["name"] == "Keep"]
    result = _import(tmp_path, doc)
    assert result.deleted["programs"] == 1
    assert list(org.programs.values_list("name", flat=True)) == ["Keep"]


def test_imported_rows_are_whole_and_the_ids_go_on_after_them(tmp_path):
    # On PostgreSQL new rows go in through COPY with ids drawn from the sequence first:
    # every column is written as the model says, and an ORM create afterwards takes the
    # next id rather than colliding with an imported one.
    clinic = {"id": str(uuid.uuid4()), "name": "Clinic", "status": "inactive"}
    doc = _org_doc("Haven", email="info@haven.example", services=[clinic])
    doc["attributes"] = _exported_attributes()
    _import(tmp_path, [doc, _org_doc("Beacon")])
    haven = Organization.objects.get(name="Haven")
    assert (haven.email, haven.summary, str(haven.hsds_id)) == (
        "info@haven.example", "Haven helps.", doc["id"],
    )  # fmt: skip
    assert haven.created is not None and haven.updated is not None
    program = haven.programs.get()
    assert (program.name, program.active, str(program.hsds_id)) == ("Clinic", False, clinic["id"])
    assert list(haven.issues.values_list("name", flat=True)) == ["Human trafficking"]
    later = make_org("Later")
    assert later.pk > max(Organization.objects.exclude(pk=later.pk).values_list("pk", flat=True))
    assert make_program(later, "Later Clinic").pk > program.pk


def test_a_slug_taken_between_the_checks_and_the_writes_fails_the_import_whole(
    tmp_path, monkeypatch
):
    real = bulk._save

    def racing(model, objs, changed, progress):
        if model is Organization:
            make_org("Racer", slug=objs[0].slug)  # someone else, while the import runs
        return real(model, objs, changed, progress)

    monkeypatch.setattr(bulk, "_save", racing)

    with pytest.raises(importer.ImportFailed, match="changed during the import"):
        _import(tmp_path, [_org_doc("Haven")])
    assert not Organization.objects.exists()


def _exported_attributes() -> list[dict]:
    """The issue attribute an exported listing carries (Human trafficking)."""
    _listing()
    [doc] = _exported()
    Organization.objects.all().delete()
    return [a for a in doc["attributes"] if a["taxonomy_term"]["name"] == "Human trafficking"]


def test_new_organizations_get_unique_slugs(tmp_path):
    make_org("Haven", slug="haven")
    _import(tmp_path, [_org_doc("Haven"), _org_doc("Haven")])
    slugs = Organization.objects.values_list("slug", flat=True)
    assert sorted(slugs) == ["haven", "haven-2", "haven-3"]


def test_a_service_of_an_organization_nowhere_to_be_found_is_rejected(tmp_path):
    service = {"id": str(uuid.uuid4()), "name": "Clinic", "status": "active"}
    service["organization_id"] = str(uuid.uuid4())
    with pytest.raises(importer.ImportFailed, match="organization_id: No organization with id"):
        _import(tmp_path, service)
    assert not Program.objects.exists()


def test_an_unknown_country_code_is_rejected(tmp_path):
    location = {"id": str(uuid.uuid4()), "location_type": "physical", "external_identifier": "XX"}
    location["external_identifier_type"] = mapping.ISO_3166
    doc = _org_doc("Haven", locations=[location])
    with pytest.raises(importer.ImportFailed) as failure:
        _import(tmp_path, doc)
    assert str(failure.value) == (
        "import.json $.locations[0], external_identifier: "
        "Unknown country code “XX” (ISO 3166-1 alpha-2)."
    )


def test_a_service_status_outside_the_hsds_codelist_is_rejected(tmp_path):
    service = {"id": str(uuid.uuid4()), "name": "Clinic", "status": "open"}
    with pytest.raises(importer.ImportFailed) as failure:
        _import(tmp_path, [_org_doc("Haven", services=[service])])
    assert str(failure.value).startswith("import.json $[0].services[0], status: Must be one of")


def test_imports_are_recorded_in_each_listings_history(tmp_path):
    clinic = {"id": str(uuid.uuid4()), "name": "Clinic", "status": "active"}
    doc = _org_doc("Haven", services=[clinic])
    _import(tmp_path, doc)
    doc["name"] = "Haven Trust"
    _import(tmp_path, doc)
    org = Organization.objects.get()
    history = org.history.order_by("history_date", "history_id")
    assert [(h.history_type, h.name) for h in history] == [("+", "Haven"), ("~", "Haven Trust")]
    assert {h.history_change_reason for h in history} == {"HSDS import"}
    assert org.programs.get().history.count() == 1  # unchanged, so not written again


def test_an_issue_left_out_of_a_reimport_is_removed_and_the_rest_kept(tmp_path):
    org = _listing()
    [doc] = _exported()
    doc["attributes"] = [
        attribute
        for attribute in doc["attributes"]
        if attribute["taxonomy_term"]["taxonomy_id"] != ISSUES.id
    ]
    result = _import(tmp_path, doc)
    assert result.updated["organizations"] == 1
    assert result.unchanged["programs"] == 2
    org.refresh_from_db()
    assert not org.issues.exists()
    assert org.focus_areas.count() == 1
    assert org.donate_url == "https://crossing.example/give"
