"""The read-only HSDS 3.0 API (directory/api/): every response held to the official
schemas in ../shared/hsds (those tests skip when it is absent)."""

import json
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory.api import queries, views
from directory.cache import bump_version
from directory.hsds import export
from directory.hsds.taxonomies import FOCUS_AREAS, ISSUES, TAXONOMIES, WAYS_TO_HELP, help_terms
from directory.models import Organization
from tests.factories import make_focus_area, make_issue, make_org, make_program

pytestmark = pytest.mark.django_db

SPEC = Path(settings.BASE_DIR).parent / "shared" / "hsds"
SPEC_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
API = "/api/hsds"
LISTS = ["organizations", "services", "taxonomies", "taxonomy_terms", "service_at_locations"]


@pytest.fixture
def spec() -> Path:
    if not SPEC.is_dir():
        pytest.skip("HSDS schemas not found at ../shared/hsds")
    return SPEC


@cache
def _validator(ref: str) -> Draft202012Validator:
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


def _response_schema(path: str) -> str:
    """The official openapi.json's schema for a 200 from `path`."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return f"openapi.json#/paths/{pointer}/get/responses/200/content/application~1json/schema"


def assert_valid(ref: str, document: dict) -> None:
    errors = _validator(ref).iter_errors(document)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def get(client, path: str, **query):
    return client.get(f"{API}{path}", query)


NOT_FOUND = {"error": {"status": 404, "message": "Not found."}}


@pytest.fixture(autouse=True)
def _no_response_cache(settings):
    """Most tests change rows without bumping the content version between requests; the
    response cache is tested on its own (test_responses_are_cached_per_content_version)."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def directory():
    """Two published organizations with programs, terms and a link, and a draft one."""
    issue, area = make_issue("Trafficking"), make_focus_area("Rescue")
    first = make_org(
        "Anchor House", issues=[issue], countries=["KR"], donate_url="https://anchor.example/give"
    )
    make_program(first, "Shelter", issues=[issue], focus_areas=[area], countries=["KR", "JP"])
    make_program(first, "Hotline", active=False)
    second = make_org("Harbor Light", focus_areas=[area])
    make_program(second, "Rescue boats", focus_areas=[area])
    draft = make_org("Hidden Draft", status=Organization.Status.DRAFT, issues=[issue])
    make_program(draft, "Secret program", issues=[issue])
    return {"issue": issue, "area": area, "first": first, "second": second, "draft": draft}


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["contents"]]


# Every endpoint answers the official schemas.


def test_the_root_says_the_hsds_version_and_where_the_openapi_document_is(client, spec):
    body = get(client, "/").json()
    assert body["version"] == "3.0"
    assert body["openapi_url"] == "http://testserver/api/hsds/openapi.json"
    assert_valid(_response_schema("/"), body)


@pytest.mark.parametrize("name", LISTS)
def test_every_list_is_a_page_valid_against_the_official_schema(client, spec, directory, name):
    response = get(client, f"/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert_valid(_response_schema(f"/{name}"), response.json())


def test_every_organization_and_service_detail_validates_against_the_compiled_schemas(
    client, spec, directory
):
    for org_id in _ids(get(client, "/organizations")):
        assert_valid("compiled/organization.json", get(client, f"/organizations/{org_id}").json())
    service_ids = _ids(get(client, "/services"))
    assert len(service_ids) == 3
    for service_id in service_ids:
        assert_valid("compiled/service.json", get(client, f"/services/{service_id}").json())


def test_every_taxonomy_and_term_detail_validates_against_the_schemas(client, spec, directory):
    for taxonomy_id in _ids(get(client, "/taxonomies")):
        assert_valid("taxonomy.json", get(client, f"/taxonomies/{taxonomy_id}").json())
    term_ids = _ids(get(client, "/taxonomy_terms", per_page=200))
    assert len(term_ids) == 2 + len(help_terms())
    for term_id in term_ids:
        assert_valid("taxonomy_term.json", get(client, f"/taxonomy_terms/{term_id}").json())


def test_the_served_openapi_document_lists_exactly_the_endpoints(client):
    document = get(client, "/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api/hsds"}]
    assert set(document["paths"]) == {
        "/",
        *(f"/{n}" for n in LISTS),
        *(f"/{n}/{{id}}" for n in LISTS),
    }


# The same objects as the export.


def test_organizations_and_services_are_the_exports_objects_with_its_ids(client, directory):
    exported = list(export.organizations())
    assert _ids(get(client, "/organizations")) == [doc["id"] for doc in exported]
    for doc in exported:
        assert get(client, f"/organizations/{doc['id']}", full_service="true").json() == doc
        for service in doc["services"]:
            assert get(client, f"/services/{service['id']}").json() == service


def test_lists_show_the_one_to_one_fields_only(client, directory):
    org = get(client, "/organizations").json()["contents"][0]
    assert "services" not in org and "locations" not in org
    assert {"id", "name", "description"} <= set(org)
    service = get(client, "/services").json()["contents"][0]
    assert "service_areas" not in service and {"id", "name", "status"} <= set(service)


def _list_fields(schema: str) -> set[str]:
    """The one-to-one properties of an HSDS list schema: what a list item may show."""
    properties = views.openapi()["components"]["schemas"][schema]["properties"]
    return {name for name, prop in properties.items() if prop.get("type") != "object"}


def _cut(doc: dict, fields: set[str]) -> dict:
    return {key: value for key, value in doc.items() if key in fields}


def test_list_items_are_the_exports_objects_cut_to_the_list_schemas_fields(client, directory):
    full = make_org(
        "Full House",
        alternate_name="FH",
        email="hello@full.example",
        website="https://full.example",
        founded=1999,
        org_type=Organization.OrgType.RESEARCH,
        description="Longer text.",
    )
    make_program(full, "Classes", summary="Evening classes.", url="https://full.example/classes")
    exported = list(export.organizations())
    org_fields = _list_fields("organization_list")
    assert get(client, "/organizations").json()["contents"] == [
        _cut(doc, org_fields) for doc in exported
    ]
    services = sorted((s for doc in exported for s in doc["services"]), key=lambda s: s["id"])
    service_fields = _list_fields("service_list")
    assert get(client, "/services").json()["contents"] == [
        _cut(service, service_fields) for service in services
    ]


def test_the_taxonomies_are_causeways_three_with_the_exports_ids(client):
    assert sorted(_ids(get(client, "/taxonomies"))) == sorted(t.id for t in TAXONOMIES)
    assert get(client, f"/taxonomies/{ISSUES.id}").json() == ISSUES.to_hsds()


def test_taxonomy_terms_filter_by_taxonomy(client, directory):
    ids = _ids(get(client, "/taxonomy_terms", taxonomy_id=ISSUES.id))
    assert ids == [str(directory["issue"].hsds_id)]


def test_taxonomy_terms_are_all_top_ones_and_have_no_children(client, directory):
    every = _ids(get(client, "/taxonomy_terms", per_page=200))
    assert _ids(get(client, "/taxonomy_terms", per_page=200, top_only="true")) == every
    assert _ids(get(client, "/taxonomy_terms", per_page=200, top_only="false")) == every
    assert _ids(get(client, "/taxonomy_terms", parent_id=every[0])) == []
    assert get(client, "/taxonomy_terms", parent_id="top").status_code == 400
    assert get(client, "/taxonomy_terms", top_only="yes").status_code == 400


# What the specification's switches return.


def test_an_organization_shows_its_services_one_to_one_fields_unless_full_service(
    client, directory
):
    org_id = str(directory["first"].hsds_id)
    simple = get(client, f"/organizations/{org_id}").json()
    full = get(client, f"/organizations/{org_id}", full_service="true").json()
    assert get(client, f"/organizations/{org_id}", full_service="false").json() == simple
    assert [s["id"] for s in simple["services"]] == [s["id"] for s in full["services"]]
    assert all("service_areas" not in s and "attributes" not in s for s in simple["services"])
    assert all("service_areas" in s for s in full["services"])
    rows = {s["id"]: s for s in get(client, "/services").json()["contents"]}
    assert simple["services"] == [rows[s["id"]] for s in simple["services"]]
    assert {key: value for key, value in simple.items() if key != "services"} == {
        key: value for key, value in full.items() if key != "services"
    }


def test_full_lists_hold_the_details_objects(client, directory):
    services = get(client, "/services", full="true").json()["contents"]
    assert services == [get(client, f"/services/{s['id']}").json() for s in services]
    assert get(client, "/services", full="false").json() == get(client, "/services").json()
    orgs = get(client, "/organizations", full="true").json()["contents"]
    assert orgs == [get(client, f"/organizations/{o['id']}").json() for o in orgs]
    nested = get(client, "/organizations", full="true", full_service="true").json()["contents"]
    assert nested == [
        get(client, f"/organizations/{o['id']}", full_service="true").json() for o in orgs
    ]
    alone = get(client, "/organizations", full_service="true")
    assert alone.status_code == 400 and "full_service" in alone.json()["error"]["message"]


def test_minimal_services_are_their_ids_and_modified_dates(client, directory):
    body = get(client, "/services", minimal="true").json()
    assert [item["id"] for item in body["contents"]] == _ids(get(client, "/services"))
    first = directory["first"]
    first.refresh_from_db()
    shelter = str(first.programs.get(name="Shelter").hsds_id)
    dates = {item["id"]: item["modified_date"] for item in body["contents"]}
    assert dates[shelter] == first.updated.isoformat()
    assert all(set(item) == {"id", "modified_date"} for item in body["contents"])
    both = get(client, "/services", minimal="true", full="true")
    assert both.status_code == 400


def test_taxonomy_id_filters_services_by_any_term_of_the_taxonomy(client, directory):
    every = _ids(get(client, "/services"))
    shelter = str(directory["first"].programs.get(name="Shelter").hsds_id)
    boats = str(directory["second"].programs.get().hsds_id)
    assert _ids(get(client, "/services", taxonomy_id=ISSUES.id)) == [shelter]
    assert _ids(get(client, "/services", taxonomy_id=FOCUS_AREAS.id)) == sorted([shelter, boats])
    assert _ids(get(client, "/services", taxonomy_id=WAYS_TO_HELP.id)) == []
    assert _ids(get(client, "/services", taxonomy_id=str(uuid.uuid4()))) == []
    assert len(every) == 3
    assert get(client, "/services", taxonomy_id="issues").status_code == 400
    assert get(client, "/service_at_locations", taxonomy_id="issues").status_code == 400


@pytest.mark.parametrize(
    "query",
    [{"proximity": "far"}, {"proximity": "-1"}, {"full": "maybe"}, {"postcode": "a\x00"}],
)
def test_service_at_locations_checks_its_location_parameters(client, query):
    assert get(client, "/service_at_locations", **query).status_code == 400
    ok = get(client, "/service_at_locations", postcode="04524", proximity="500", full="true")
    assert ok.json()["contents"] == []


# Responses cached per content version, like the pages.


def test_responses_are_cached_per_content_version(client, directory, settings):
    settings.PAGE_CACHE_SECONDS = 600
    first = get(client, "/organizations")
    org = directory["first"]
    Organization.objects.filter(pk=org.pk).update(name="Renamed quietly")  # no version bump
    cached = get(client, "/organizations")
    assert cached.content == first.content and cached["ETag"] == first["ETag"]
    assert get(client, f"/organizations/{org.hsds_id}").json()["name"] == "Renamed quietly"
    bump_version()  # what every index write does
    fresh = get(client, "/organizations")
    assert fresh["ETag"] != first["ETag"]
    assert "Renamed quietly" in fresh.content.decode()
    assert get(client, "/organizations", per_page=1).json()["size"] == 1  # per query string


def test_a_cached_list_answers_without_reading_rows(client, directory, settings):
    settings.PAGE_CACHE_SECONDS = 600
    get(client, "/services")
    assert _queries(client, f"{API}/services") == 0


# Published content only.


def test_unpublished_organizations_and_their_programs_are_absent(client, directory):
    draft = directory["draft"]
    assert str(draft.hsds_id) not in _ids(get(client, "/organizations"))
    assert get(client, f"/organizations/{draft.hsds_id}").status_code == 404
    program = draft.programs.get()
    assert str(program.hsds_id) not in _ids(get(client, "/services"))
    response = get(client, f"/services/{program.hsds_id}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("name", LISTS)
def test_unknown_ids_are_404_json(client, name):
    response = get(client, f"/{name}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert get(client, f"/{name}/not-a-uuid").status_code == 404


def test_service_at_locations_is_an_empty_page_as_services_have_no_locations(client, directory):
    body = get(client, "/service_at_locations").json()
    assert body["contents"] == [] and body["total_items"] == 0 and body["empty"] is True


# Pagination.


def test_pages_hold_per_page_items_and_say_where_they_are(client):
    for n in range(5):
        make_org(f"Org {n}", index_it=False)
    first = get(client, "/organizations", per_page=2).json()
    assert (first["size"], first["total_items"], first["total_pages"]) == (2, 5, 3)
    assert first["first_page"] is True and first["last_page"] is False
    last = get(client, "/organizations", per_page=2, page=3).json()
    assert (last["size"], last["page_number"], last["last_page"]) == (1, 3, True)
    beyond = get(client, "/organizations", per_page=2, page=10**30).json()
    assert beyond["contents"] == [] and beyond["empty"] is True
    everything = [
        i for p in (1, 2, 3) for i in _ids(get(client, "/organizations", per_page=2, page=p))
    ]
    assert everything == _ids(get(client, "/organizations"))


def test_per_page_defaults_to_50_and_allows_up_to_200(client):
    assert get(client, "/organizations").json()["total_pages"] == 1
    assert get(client, "/organizations", per_page=200).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "two"},
        {"per_page": "0"},
        {"per_page": "201"},
        {"per_page": "1.5"},
        {"modified_after": "yesterday"},
        {"modified_after": "0001-01-01T00:00:00+14:00"},
        {"taxonomy_term_id": "not-a-uuid"},
        {"search": "a\x00b"},
        {"search": "x" * 1000},
    ],
)
@pytest.mark.parametrize("name", ["organizations", "services"])
def test_bad_parameters_are_400_with_a_json_error(client, name, query):
    response = get(client, f"/{name}", **query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


def test_a_bad_organization_id_filter_is_400(client):
    assert get(client, "/services", organization_id="acme").status_code == 400
    assert get(client, "/service_at_locations", organization_id="acme").status_code == 400


# Filters, alone and together.


def test_search_finds_organizations_and_services(client, directory):
    assert _ids(get(client, "/organizations", search="anchor")) == [str(directory["first"].hsds_id)]
    shelter = directory["first"].programs.get(name="Shelter")
    assert _ids(get(client, "/services", search="shelter")) == [str(shelter.hsds_id)]
    assert _ids(get(client, "/services", search="secret")) == []


def test_taxonomy_term_id_filters_by_issue_focus_area_and_way_to_help(client, directory):
    first, second = str(directory["first"].hsds_id), str(directory["second"].hsds_id)
    issue, area = str(directory["issue"].hsds_id), str(directory["area"].hsds_id)
    assert _ids(get(client, "/organizations", taxonomy_term_id=issue)) == [first]
    assert _ids(get(client, "/organizations", taxonomy_term_id=area)) == [second]
    donate = help_terms()["donate_url"]["id"]
    assert _ids(get(client, "/organizations", taxonomy_term_id=donate)) == [first]
    assert len(_ids(get(client, "/services", taxonomy_term_id=area))) == 2
    assert _ids(get(client, "/services", taxonomy_term_id=str(uuid.uuid4()))) == []


def test_organization_id_filters_services(client, directory):
    services = _ids(get(client, "/services", organization_id=str(directory["second"].hsds_id)))
    assert services == [str(directory["second"].programs.get().hsds_id)]


def test_modified_after_filters_on_the_organizations_last_change(client, directory):
    Organization.objects.filter(pk=directory["second"].pk).update(
        updated=timezone.now() - timedelta(days=30)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert _ids(get(client, "/organizations", modified_after=since)) == [
        str(directory["first"].hsds_id)
    ]
    assert len(_ids(get(client, "/services", modified_after=since))) == 2
    assert len(_ids(get(client, "/organizations", modified_after="2000-01-01"))) == 2


def test_filters_combine_with_and(client, directory):
    first, second = directory["first"], directory["second"]
    area = str(directory["area"].hsds_id)
    both = _ids(get(client, "/services", taxonomy_term_id=area, organization_id=str(first.hsds_id)))
    assert both == [str(first.programs.get(name="Shelter").hsds_id)]
    assert _ids(get(client, "/services", search="boats", organization_id=str(first.hsds_id))) == []
    assert _ids(get(client, "/organizations", search="harbor", taxonomy_term_id=area)) == [
        str(second.hsds_id)
    ]
    issue = str(directory["issue"].hsds_id)
    assert _ids(get(client, "/organizations", search="harbor", taxonomy_term_id=issue)) == []
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert _ids(get(client, "/organizations", taxonomy_term_id=area, modified_after=future)) == []


# HTTP behaviour.


@pytest.mark.parametrize("name", LISTS)
def test_the_slashless_paths_are_answered_directly_without_language_prefix(client, name):
    response = client.get(f"{API}/{name}", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200
    assert client.get(f"/ko{API}/{name}").status_code == 404


def test_get_is_open_to_other_origins(client):
    response = client.get(f"{API}/organizations", HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(f"{API}/organizations", HTTP_ORIGIN="https://elsewhere.example")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert client.post(f"{API}/organizations").status_code == 405


def test_the_api_is_rate_limited_with_a_json_429(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": "2/m"}
    assert get(client, "/taxonomies").status_code == 200
    assert get(client, "/taxonomies").status_code == 200
    response = get(client, "/taxonomies")
    assert response.status_code == 429
    assert response.json()["error"]["status"] == 429
    assert response["Access-Control-Allow-Origin"] == "*"


def _queries(client, path: str) -> int:
    """The queries a request runs for its rows (not those reading the content version,
    which a process reads at most once a second)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len([q for q in queries if "contentversion" not in q["sql"].lower()])


def _populate(count: int) -> None:
    issue, area = make_issue(), make_focus_area()
    for n in range(count):
        org = make_org(issues=[issue], countries=["KR"], index_it=False)
        org.identifiers.create(identifier_type="Registration", identifier=f"R-{n}")
        make_program(org, issues=[issue], focus_areas=[area], countries=["JP"])


@pytest.mark.parametrize("name", LISTS)
def test_each_list_runs_the_same_queries_for_1_and_20_organizations(client, name):
    _populate(1)
    few = _queries(client, f"{API}/{name}")
    _populate(19)
    assert _queries(client, f"{API}/{name}") == few


@pytest.mark.parametrize("name", ["organizations", "services"])
def test_a_list_reads_a_count_the_pages_ids_and_its_rows_and_no_relations(client, name):
    _populate(3)
    assert _queries(client, f"{API}/{name}") == 3


def test_list_pages_come_in_id_order_from_an_index_without_sorting():
    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plan")
    for rows in (queries.organization_rows(), queries.service_rows()):
        plan = rows.order_by("hsds_id").values_list("pk", flat=True).explain()
        assert "TEMP B-TREE" not in plan, plan
