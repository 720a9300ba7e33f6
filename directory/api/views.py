"""The HSDS endpoints: each reads its parameters, asks `queries` for published rows and
answers with what `directory.hsds.mapping` makes of them.

Every parameter of the HSDS 3.0 openapi.json is implemented or refused by name (400), and
so is any parameter an endpoint does not know: none is silently ignored."""

import gzip
import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils.http import parse_etags

from directory.api import params, queries
from directory.api.caching import versioned
from directory.api.http import BadParameter, api_view, not_found
from directory.hsds import mapping
from directory.hsds.taxonomies import TAXONOMIES

OPENAPI = Path(__file__).with_name("openapi.json")
HSDS_VERSION = "3.0"
OPENAPI_CACHE_CONTROL = "public, max-age=3600"

LIST = {"search", "page", "per_page", "format"}
ITEM_FILTERS = {"search", "taxonomy_term_id", "modified_after"}
SERVICE_FILTERS = ITEM_FILTERS | {"organization_id", "taxonomy_id"}


@cache
def openapi() -> dict:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Document:
    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str


@cache
def openapi_bytes() -> Document:
    """Our openapi.json, serialised and compressed once per process."""
    body = json.dumps(openapi(), ensure_ascii=False).encode()
    digest = hashlib.sha256(body).hexdigest()[:32]
    return Document(body, gzip.compress(body, mtime=0), f'"{digest}"', f'"{digest}-gzip"')


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _service(program) -> dict:
    return mapping.service(program, str(program.organization.hsds_id))


def _service_row(program) -> dict:
    return mapping.service_row(program, str(program.organization.hsds_id))


def _organization(org, full_service: bool) -> dict:
    """The fully nested organization; its services in full only with `full_service`,
    else with their one-to-one fields, as the specification's default is."""
    doc = mapping.organization(org)
    if not full_service:
        org_id = doc["id"]
        rows = {str(p.hsds_id): mapping.service_row(p, org_id) for p in org.programs.all()}
        doc["services"] = [rows[service["id"]] for service in doc["services"]]
    return doc


@api_view(known=())
def root(request):
    ctx = {
        "version": HSDS_VERSION,
        "openapi_url": request.build_absolute_uri(reverse("hsds-api:openapi")),
    }
    return JsonResponse(ctx)


def _accepts_gzip(request) -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, quality = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = quality.strip().removeprefix("q=").strip()
            try:
                return not q or float(q) > 0
            except ValueError:
                return True
    return False


@api_view(known=())
def openapi_document(request):
    document = openapi_bytes()
    zipped = _accepts_gzip(request)
    etag = document.gzip_etag if zipped else document.etag
    sent = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    if "*" in sent or sent & {document.etag, document.gzip_etag}:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(
            document.gzipped if zipped else document.body, content_type="application/json"
        )
        if zipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Cache-Control"] = OPENAPI_CACHE_CONTROL
    response["Vary"] = "Accept-Encoding"
    return response


def _list_params(request) -> tuple[int, int]:
    params.response_format(request)
    return params.pagination(request)


@api_view(known=LIST | ITEM_FILTERS | {"full", "full_service"})
@versioned
def organization_list(request):
    page, per_page = _list_params(request)
    full, full_service = params.boolean(request, "full"), params.boolean(request, "full_service")
    if full_service and not full:
        raise BadParameter("“full_service” applies to full organizations: add full=true.")
    found = queries.organizations(params.filters(request, ITEM_FILTERS), page, per_page)
    if full:
        orgs = queries.in_order(queries.published_organizations(), found.items)
        contents = [_organization(org, bool(full_service)) for org in orgs]
    else:
        contents = [mapping.organization_row(org) for org in found.items]
    return JsonResponse(found.as_hsds(contents))


@api_view(known={"full_service"})
@versioned
def organization_detail(request, id):
    full_service = bool(params.boolean(request, "full_service"))
    org = queries.published_organizations().filter(hsds_id=_uuid(id)).first()
    return JsonResponse(_organization(org, full_service)) if org else not_found()


@api_view(known=LIST | SERVICE_FILTERS | {"full", "minimal"})
@versioned
def service_list(request):
    page, per_page = _list_params(request)
    full, minimal = params.boolean(request, "full"), params.boolean(request, "minimal")
    if full and minimal:
        raise BadParameter("“full” and “minimal” cannot both be true.")
    found = queries.programs(params.filters(request, SERVICE_FILTERS), page, per_page)
    if full:
        programs = queries.in_order(queries.published_programs(), found.items)
        contents = [_service(program) for program in programs]
    elif minimal:
        modified = queries.modified_dates(found.items)
        contents = [
            {"id": str(program.hsds_id), "modified_date": modified[program.pk].isoformat()}
            for program in found.items
        ]
    else:
        contents = [_service_row(program) for program in found.items]
    return JsonResponse(found.as_hsds(contents))


@api_view(known=())
@versioned
def service_detail(request, id):
    program = queries.published_programs().filter(hsds_id=_uuid(id)).first()
    return JsonResponse(_service(program)) if program else not_found()


@api_view(known=LIST | SERVICE_FILTERS | {"full", "postcode", "proximity"})
@versioned
def service_at_location_list(request):
    """Causeway's services have service areas, not locations: always an empty page, but
    its parameters are checked like those of /services."""
    page, per_page = _list_params(request)
    params.filters(request, SERVICE_FILTERS)
    params.boolean(request, "full")
    params.text(request, "postcode")
    params.proximity(request)
    return JsonResponse(queries.Page([], 0, page, per_page).as_hsds([]))


@api_view(known=())
def service_at_location_detail(request, id):
    return not_found()


def _page_of(docs: list[dict], page: int, per_page: int) -> dict:
    start = (page - 1) * per_page
    return queries.Page(docs, len(docs), page, per_page).as_hsds(docs[start : start + per_page])


@api_view(known=LIST)
@versioned
def taxonomy_list(request):
    page, per_page = _list_params(request)
    return JsonResponse(
        _page_of(queries.taxonomies(params.text(request, "search")), page, per_page)
    )


@api_view(known=())
@versioned
def taxonomy_detail(request, id):
    found = [t.to_hsds() for t in TAXONOMIES if t.id == str(_uuid(id))]
    return JsonResponse(found[0]) if found else not_found()


@api_view(known=LIST | {"taxonomy_id", "top_only", "parent_id"})
@versioned
def taxonomy_term_list(request):
    page, per_page = _list_params(request)
    terms = queries.taxonomy_terms(
        params.text(request, "search"),
        params.uuid_value(request, "taxonomy_id"),
        parent_id=params.uuid_value(request, "parent_id"),
        top_only=bool(params.boolean(request, "top_only")),
    )
    return JsonResponse(_page_of(terms, page, per_page))


@api_view(known=())
@versioned
def taxonomy_term_detail(request, id):
    found = [t for t in queries.taxonomy_terms() if t["id"] == str(_uuid(id))]
    return JsonResponse(found[0]) if found else not_found()


@api_view(known=None)
def unknown_path(request, rest=""):
    return not_found()
