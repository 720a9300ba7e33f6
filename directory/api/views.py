"""The HSDS endpoints: each reads its parameters, asks `queries` for published rows and
answers with what `directory.hsds.mapping` makes of them."""

import json
import uuid
from functools import cache
from pathlib import Path

from django.http import JsonResponse
from django.urls import reverse

from directory.api import params, queries
from directory.api.http import api_view, not_found
from directory.hsds import mapping
from directory.hsds.taxonomies import TAXONOMIES

OPENAPI = Path(__file__).with_name("openapi.json")
HSDS_VERSION = "3.0"
ITEM_FILTERS = {"search", "taxonomy_term_id", "modified_after"}


@cache
def openapi() -> dict:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _service(program) -> dict:
    return mapping.service(program, str(program.organization.hsds_id))


def _service_row(program) -> dict:
    return mapping.service_row(program, str(program.organization.hsds_id))


@api_view
def root(request):
    ctx = {
        "version": HSDS_VERSION,
        "openapi_url": request.build_absolute_uri(reverse("hsds-api:openapi")),
    }
    return JsonResponse(ctx)


@api_view
def openapi_document(request):
    return JsonResponse(openapi(), json_dumps_params={"ensure_ascii": False})


@api_view
def organization_list(request):
    page, per_page = params.pagination(request)
    found = queries.organizations(params.filters(request, ITEM_FILTERS), page, per_page)
    contents = [mapping.organization_row(org) for org in found.items]
    return JsonResponse(found.as_hsds(contents))


@api_view
def organization_detail(request, id):
    org = queries.published_organizations().filter(hsds_id=_uuid(id)).first()
    return JsonResponse(mapping.organization(org)) if org else not_found()


@api_view
def service_list(request):
    page, per_page = params.pagination(request)
    filters = params.filters(request, ITEM_FILTERS | {"organization_id"})
    found = queries.programs(filters, page, per_page)
    contents = [_service_row(program) for program in found.items]
    return JsonResponse(found.as_hsds(contents))


@api_view
def service_detail(request, id):
    program = queries.published_programs().filter(hsds_id=_uuid(id)).first()
    return JsonResponse(_service(program)) if program else not_found()


@api_view
def service_at_location_list(request):
    """Causeway's services have service areas, not locations: always an empty page, but
    its parameters are checked like those of /services."""
    page, per_page = params.pagination(request)
    params.filters(request, ITEM_FILTERS | {"organization_id"})
    return JsonResponse(queries.Page([], 0, page, per_page).as_hsds([]))


@api_view
def service_at_location_detail(request, id):
    return not_found()


def _page_of(docs: list[dict], page: int, per_page: int) -> dict:
    start = (page - 1) * per_page
    return queries.Page(docs, len(docs), page, per_page).as_hsds(docs[start : start + per_page])


@api_view
def taxonomy_list(request):
    page, per_page = params.pagination(request)
    return JsonResponse(
        _page_of(queries.taxonomies(params.text(request, "search")), page, per_page)
    )


@api_view
def taxonomy_detail(request, id):
    found = [t.to_hsds() for t in TAXONOMIES if t.id == str(_uuid(id))]
    return JsonResponse(found[0]) if found else not_found()


@api_view
def taxonomy_term_list(request):
    page, per_page = params.pagination(request)
    text = params.text(request, "search")
    taxonomy_id = params.filters(request, {"taxonomy_id"}).taxonomy_id
    return JsonResponse(_page_of(queries.taxonomy_terms(text, taxonomy_id), page, per_page))


@api_view
def taxonomy_term_detail(request, id):
    found = [t for t in queries.taxonomy_terms() if t["id"] == str(_uuid(id))]
    return JsonResponse(found[0]) if found else not_found()
