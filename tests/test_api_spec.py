"""The HSDS API against the specification's own openapi.json (../shared/hsds): every path
and every parameter it lists is called with a realistic value and its answer validated
against the official schemas, or is a 400 naming the parameter. Then what the
specification leaves to us: unknown parameters and paths, 304s, and openapi.json served
compressed and cached."""

import gzip
import json
import uuid

import pytest
from django.utils.http import http_date
from jsonschema import Draft202012Validator, FormatChecker

from directory.api import views
from directory.hsds.taxonomies import ISSUES
from tests.factories import make_focus_area, make_issue, make_org, make_program
from tests.test_api import API, SPEC, _response_schema, assert_valid

pytestmark = pytest.mark.django_db

SPEC_OPENAPI = SPEC / "schema" / "openapi.json"
ABSENT = "HSDS specification not found at ../shared/hsds (schema/openapi.json)"


def _spec() -> dict | None:
    return json.loads(SPEC_OPENAPI.read_text()) if SPEC_OPENAPI.is_file() else None


def _query_parameters(operation: dict, spec: dict) -> list[str]:
    names = []
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query":
            names.append(parameter["name"])
    return names


def _cases() -> tuple[list, list]:
    """(every path, every (path, parameter)) of the specification's openapi.json."""
    spec = _spec()
    if spec is None:
        skipped = pytest.param(None, marks=pytest.mark.skip(reason=ABSENT))
        return [skipped], [pytest.param(None, None, marks=pytest.mark.skip(reason=ABSENT))]
    paths = sorted(spec["paths"])
    pairs = [
        (path, name)
        for path in paths
        for name in _query_parameters(spec["paths"][path]["get"], spec)
    ]
    return paths, [pytest.param(path, name, id=f"{path}?{name}") for path, name in pairs]


PATHS, PARAMETERS = _cases()
LISTS = ["/organizations", "/services", "/taxonomies", "/taxonomy_terms", "/service_at_locations"]


@pytest.fixture
def data():
    issue, area = make_issue("Trafficking"), make_focus_area("Rescue")
    org = make_org("Anchor House", issues=[issue], countries=["KR"])
    program = make_program(
        org, "Shelter", issues=[issue], focus_areas=[area], countries=["KR"], summary="Beds."
    )
    return {"issue": issue, "org": org, "program": program}


def _values(data) -> dict[str, str]:
    """A realistic value for each parameter the specification names."""
    return {
        "search": "shelter",
        "page": "1",
        "per_page": "10",
        "format": "json",
        "taxonomy_term_id": str(data["issue"].hsds_id),
        "taxonomy_id": ISSUES.id,
        "organization_id": str(data["org"].hsds_id),
        "modified_after": "2000-01-01T00:00:00Z",
        "minimal": "true",
        "full": "true",
        "full_service": "true",
        "top_only": "true",
        "parent_id": str(data["issue"].hsds_id),
        "postcode": "04524",
        "proximity": "1000",
    }


def _url(path: str, data) -> str:
    ids = {
        "/organizations/{id}": data["org"].hsds_id,
        "/services/{id}": data["program"].hsds_id,
        "/taxonomies/{id}": ISSUES.id,
        "/taxonomy_terms/{id}": data["issue"].hsds_id,
        "/service_at_locations/{id}": uuid.uuid4(),  # services have no locations here
    }
    return API + path.replace("{id}", str(ids.get(path, "")))


# Answers the specification documents as a 400 naming the parameter.
REFUSED = {("/organizations", "full_service"): "full_service"}  # needs full=true

# The minimal form is what the parameter's description says: id and modified_date only,
# which the list schema (requiring name and status) cannot describe.
MINIMAL_ITEM = {
    "type": "object",
    "required": ["id", "modified_date"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "modified_date": {"type": "string", "format": "date-time"},
    },
}


def _assert_answer(path: str, response, *, minimal: bool = False) -> None:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    if path == "/service_at_locations/{id}":
        assert response.status_code == 404
        assert body == {"error": {"status": 404, "message": "Not found."}}
        return
    assert response.status_code == 200, body
    if minimal:
        items, body = body["contents"], {**body, "contents": []}
        assert items
        checker = Draft202012Validator(MINIMAL_ITEM, format_checker=FormatChecker())
        for item in items:
            assert [e.message for e in checker.iter_errors(item)] == []
    assert_valid(_response_schema(path), body)


@pytest.mark.parametrize("path", PATHS)
def test_every_path_answers_the_official_schema(client, data, path):
    _assert_answer(path, client.get(_url(path, data)))


@pytest.mark.parametrize(("path", "name"), PARAMETERS)
def test_every_parameter_is_implemented_or_refused_by_name(client, data, path, name):
    value = _values(data)[name]
    response = client.get(_url(path, data), {name: value})
    if (path, name) in REFUSED:
        assert response.status_code == 400
        assert REFUSED[(path, name)] in response.json()["error"]["message"]
        return
    _assert_answer(path, response, minimal=name == "minimal")
    if path in ("/services", "/organizations") and name in ("search", "taxonomy_term_id"):
        assert response.json()["total_items"] == 1  # the filter found the one it should


@pytest.mark.parametrize("path", ["/services", "/organizations"])
def test_full_lists_nest_the_objects_the_details_show(client, data, path):
    if _spec() is None:
        pytest.skip(ABSENT)
    query = {"full_service": "true"} if path == "/organizations" else {}
    response = client.get(API + path, {"full": "true", **query})
    _assert_answer(path, response)
    detail = "compiled/organization.json" if path == "/organizations" else "compiled/service.json"
    contents = response.json()["contents"]
    assert contents
    for item in contents:
        assert_valid(detail, item)
        assert item == client.get(f"{API}{path}/{item['id']}", query).json()


@pytest.mark.parametrize("path", LISTS)
def test_the_ndjson_format_is_refused_by_name(client, path):
    response = client.get(API + path, {"format": "ndjson"})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "format" in message and "ndjson" in message


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("name", "value"), [("page", "0"), ("per_page", "0"), ("per_page", "201")])
def test_page_bounds_are_400_naming_the_parameter(client, path, name, value):
    response = client.get(API + path, {name: value})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "status": 400,
        "message": response.json()["error"]["message"],
    }
    assert name in response.json()["error"]["message"]


def test_every_path_of_the_specification_is_served_and_documented(client):
    spec = _spec()
    if spec is None:
        pytest.skip(ABSENT)
    ours = views.openapi()
    assert set(ours["paths"]) == set(spec["paths"])
    for path, item in spec["paths"].items():
        documented = {
            p["$ref"].rsplit("/", 1)[1] for p in ours["paths"][path]["get"].get("parameters", [])
        }
        assert set(_query_parameters(item["get"], spec)) <= documented, path


def test_our_operation_ids_are_the_specifications_but_for_the_swapped_taxonomy_terms():
    spec = _spec()
    if spec is None:
        pytest.skip(ABSENT)
    ours = {p: views.openapi()["paths"][p]["get"]["operationId"] for p in spec["paths"]}
    theirs = {p: spec["paths"][p]["get"]["operationId"] for p in spec["paths"]}
    assert ours["/taxonomy_terms"] == "getPaginatedListOfTaxonomyTerms"
    assert ours["/taxonomy_terms/{id}"] == "getTaxonomyTermById"
    swapped = {"/taxonomy_terms", "/taxonomy_terms/{id}"}
    assert {p: i for p, i in ours.items() if p not in swapped} == {
        p: i for p, i in theirs.items() if p not in swapped
    }


# Unknown parameters and paths.

ALL_PATHS = [
    "/", "/openapi.json", "/organizations", "/services", "/taxonomies", "/taxonomy_terms",
    "/service_at_locations", "/organizations/{id}", "/services/{id}", "/taxonomies/{id}",
    "/taxonomy_terms/{id}", "/service_at_locations/{id}",
]  # fmt: skip


@pytest.mark.parametrize("path", ALL_PATHS)
def test_an_unknown_parameter_is_400_naming_it(client, data, path):
    response = client.get(_url(path, data), {"foo": "1"})
    assert response.status_code == 400
    assert response.json() == {"error": {"status": 400, "message": "Unknown parameter: foo"}}


@pytest.mark.parametrize(
    "path", ["/nope", "/organizations/", "/services/x/y", "/openapi.yaml", "/organizations/1/2"]
)
def test_an_unknown_path_is_a_json_404(client, path):
    response = client.get(API + path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"status": 404, "message": "Not found."}}
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_unknown_path_with_parameters_is_still_a_404(client):
    assert client.get(f"{API}/nope", {"any": "thing"}).json()["error"]["status"] == 404


def test_405_and_429_have_the_same_json_shape(client, settings):
    refused = client.post(f"{API}/services")
    assert refused.json() == {"error": {"status": 405, "message": "Method not allowed."}}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": "1/m"}
    assert client.get(f"{API}/taxonomies").status_code == 200
    limited = client.get(f"{API}/taxonomies")
    assert limited.status_code == 429
    body = limited.json()["error"]
    assert (body["status"], body["message"]) == (429, "Too many requests.")
    assert body["retry_after"] == int(limited["Retry-After"])


# Conditional requests.

VERSIONED = [p for p in ALL_PATHS if p not in ("/", "/openapi.json", "/service_at_locations/{id}")]


@pytest.mark.parametrize("path", VERSIONED)
def test_lists_and_details_answer_304_to_if_none_match_and_if_modified_since(client, data, path):
    url = _url(path, data)
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    earlier = http_date(0)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_a_content_change_ends_the_304s(client, data):
    url = f"{API}/organizations"
    etag = client.get(url)["ETag"]
    make_org("Harbor Light")  # indexed: bumps the content version
    fresh = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert fresh.json()["total_items"] == 2


# openapi.json


def test_openapi_json_is_gzipped_for_clients_that_accept_it(client):
    plain = client.get(f"{API}/openapi.json")
    zipped = client.get(f"{API}/openapi.json", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 4
    assert json.loads(plain.content) == views.openapi()
    for response in (plain, zipped):
        assert response["Cache-Control"] == "public, max-age=3600"
        assert "Accept-Encoding" in response["Vary"]
        assert response["Content-Type"] == "application/json"
    refused = client.get(f"{API}/openapi.json", HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert "Content-Encoding" not in refused


def test_openapi_json_has_a_content_hash_etag_answering_304(client):
    plain = client.get(f"{API}/openapi.json")
    zipped = client.get(f"{API}/openapi.json", HTTP_ACCEPT_ENCODING="gzip")
    assert plain["ETag"] != zipped["ETag"]
    for etag in (plain["ETag"], zipped["ETag"]):
        for encoding in ("", "gzip"):
            again = client.get(
                f"{API}/openapi.json", HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING=encoding
            )
            assert again.status_code == 304 and not again.content
            assert again["Cache-Control"] == "public, max-age=3600"
    assert client.get(f"{API}/openapi.json", HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_openapi_json_is_serialised_once_per_process(client, monkeypatch):
    client.get(f"{API}/openapi.json")

    def refuse(*args, **kwargs):
        raise AssertionError("serialised again")

    monkeypatch.setattr(views.json, "dumps", refuse)
    monkeypatch.setattr(views.gzip, "compress", refuse)
    assert client.get(f"{API}/openapi.json").status_code == 200
    assert client.get(f"{API}/openapi.json", HTTP_ACCEPT_ENCODING="gzip").status_code == 200
