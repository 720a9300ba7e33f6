"""The published rows each endpoint shows, filtered, paginated and ready for the mapping.

A detail reads every relation `directory.hsds.mapping` needs. A list shows only the
one-to-one fields, so it reads only their columns and runs at most three queries whatever
its length: a count (once per content version), the page's ids (from an index) and the
page's rows; a search runs the search engine's queries, then one to apply the filters to
its matches and one for the rows. Lists are ordered by HSDS id, as the export is; searches
by relevance. A search ranks at most SEARCH_MAX_RESULTS matches.
"""

import math
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from directory import search
from directory.api.http import BadParameter
from directory.api.params import Filters
from directory.cache import cached
from directory.hsds.mapping import ORGANIZATION_ROW_COLUMNS, SERVICE_ROW_COLUMNS
from directory.hsds.taxonomies import (
    FOCUS_AREAS,
    ISSUES,
    TAXONOMIES,
    focus_area_term,
    help_field_by_term,
    help_terms,
    issue_term,
)
from directory.models import FocusArea, Issue, Organization, Program, SearchDocument

Kind = SearchDocument.Kind


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    def as_hsds(self, contents: list[dict]) -> dict:
        total_pages = max(1, math.ceil(self.total / self.per_page))
        return {
            "contents": contents,
            "total_items": self.total,
            "total_pages": total_pages,
            "page_number": self.page,
            "size": len(contents),
            "first_page": self.page == 1,
            "last_page": self.page >= total_pages,
            "empty": not contents,
        }


def _programs_for_mapping() -> QuerySet:
    return Program.objects.prefetch_related("issues", "focus_areas", "countries")


def published_organizations() -> QuerySet:
    """Published organizations with every relation the mapping reads."""
    return (
        Organization.objects.published()
        .select_related("headquarters")
        .prefetch_related(
            "identifiers",
            "issues",
            "focus_areas",
            "countries",
            Prefetch("programs", _programs_for_mapping()),
        )
    )


UNPUBLISHED = [s for s in Organization.Status.values if s != Organization.Status.PUBLISHED]


def _of_published_organizations(programs: QuerySet) -> QuerySet:
    # "Not of an unpublished organization" rather than "of a published one": the few
    # unpublished ids are checked while walking an index in HSDS id order, where "of a
    # published one" makes SQLite collect every published organization's programs and sort
    # them all for each page. Every program has an organization, so the two are the same.
    # The unpublished statuses are named (a check constraint keeps to them): "status <>
    # 'published'" is a scan of every organization on PostgreSQL, "status IN (...)" an
    # index lookup.
    unpublished = Organization.objects.filter(status__in=UNPUBLISHED)
    return programs.exclude(organization__in=unpublished)


def published_programs() -> QuerySet:
    """Programs of published organizations: HSDS services."""
    return _of_published_organizations(_programs_for_mapping()).select_related("organization")


def organization_rows() -> QuerySet:
    """Published organizations with only what an HSDS organization list shows."""
    return Organization.objects.published().only(*ORGANIZATION_ROW_COLUMNS)


def service_rows() -> QuerySet:
    """Services with only what an HSDS service list shows."""
    return (
        _of_published_organizations(Program.objects.all())
        .select_related("organization")
        .only(*SERVICE_ROW_COLUMNS, "organization__hsds_id")
    )


def _help_field(term_id: uuid.UUID) -> str | None:
    return help_field_by_term().get(term_id)


def filter_organizations(queryset: QuerySet, filters: Filters) -> QuerySet:
    term = filters.taxonomy_term_id
    if term:
        issues = Organization.issues.through.objects.filter(issue__hsds_id=term)
        areas = Organization.focus_areas.through.objects.filter(focusarea__hsds_id=term)
        condition = Q(pk__in=issues.values("organization_id")) | Q(
            pk__in=areas.values("organization_id")
        )
        field = _help_field(term)
        if field:  # a way to help: organizations with that link
            condition = ~Q(**{field: ""}) & Q(**{f"{field}__isnull": False})
        queryset = queryset.filter(condition)
    if filters.modified_after:
        queryset = queryset.filter(updated__gte=filters.modified_after)
    return queryset


def filter_programs(queryset: QuerySet, filters: Filters) -> QuerySet:
    term = filters.taxonomy_term_id
    if term:
        issues = Program.issues.through.objects.filter(issue__hsds_id=term)
        areas = Program.focus_areas.through.objects.filter(focusarea__hsds_id=term)
        queryset = queryset.filter(
            Q(pk__in=issues.values("program_id")) | Q(pk__in=areas.values("program_id"))
        )
    if filters.taxonomy_id:
        # Services carry issues and focus areas, never a way to help: the ways-to-help
        # taxonomy (or an unknown one) has no services.
        taxonomy = str(filters.taxonomy_id)
        if taxonomy == ISSUES.id:
            queryset = queryset.filter(pk__in=Program.issues.through.objects.values("program_id"))
        elif taxonomy == FOCUS_AREAS.id:
            queryset = queryset.filter(
                pk__in=Program.focus_areas.through.objects.values("program_id")
            )
        else:
            queryset = queryset.none()
    if filters.organization_id:
        queryset = queryset.filter(organization__hsds_id=filters.organization_id)
    if filters.modified_after:
        queryset = queryset.filter(organization__updated__gte=filters.modified_after)
    return queryset


def paginate(queryset: QuerySet, kind: str, filters: Filters, page: int, per_page: int) -> Page:
    """One page of `queryset`: by HSDS id, or by relevance when searching."""
    start = (page - 1) * per_page
    if filters.search is None:
        # Counted once per content version: a count of every service costs more than the
        # rest of the page together.
        total = cached("api-count", (kind, repr(filters)), queryset.count)
        # A page past the end is empty without asking: huge offsets overflow SQLite.
        if start >= total:
            return Page([], total, page, per_page)
        # The ids come from an index in HSDS id order; then only the page's rows are read.
        ids = queryset.order_by("hsds_id").values_list("pk", flat=True)
        chosen = list(ids[start : start + per_page])
    else:
        try:
            ranked = search.search(filters.search, kind)
        except search.InvalidQuery as problem:  # the database gave up on it
            raise BadParameter(str(problem)) from None
        # Unordered: a program's default ordering would join its organization.
        matching = set(queryset.filter(pk__in=ranked).order_by().values_list("pk", flat=True))
        pks = [pk for pk in ranked if pk in matching]
        total, chosen = len(pks), pks[start : start + per_page]
    by_pk = queryset.in_bulk(chosen) if chosen else {}
    return Page([by_pk[pk] for pk in chosen], total, page, per_page)


def organizations(filters: Filters, page: int, per_page: int) -> Page:
    """A page of organizations with their list fields only."""
    queryset = filter_organizations(organization_rows(), filters)
    return paginate(queryset, Kind.ORGANIZATION, filters, page, per_page)


def programs(filters: Filters, page: int, per_page: int) -> Page:
    """A page of services with their list fields only."""
    queryset = filter_programs(service_rows(), filters)
    return paginate(queryset, Kind.PROGRAM, filters, page, per_page)


def in_order(queryset: QuerySet, items: list) -> list:
    """The rows of `queryset` for `items` (rows of the same model), in their order."""
    by_pk = queryset.in_bulk([item.pk for item in items]) if items else {}
    return [by_pk[item.pk] for item in items]


def modified_dates(items: list) -> dict:
    """{program pk: when its organization last changed} for the programs `items`."""
    if not items:
        return {}
    pairs = Program.objects.filter(pk__in=[item.pk for item in items]).values_list(
        "pk", "organization__updated"
    )
    return dict(pairs)


def _matches(doc: dict, text: str | None) -> bool:
    if not text:
        return True
    return text.casefold() in " ".join(str(value) for value in doc.values()).casefold()


def taxonomies(text: str | None = None) -> list[dict]:
    docs = sorted((taxonomy.to_hsds() for taxonomy in TAXONOMIES), key=lambda d: d["id"])
    return [doc for doc in docs if _matches(doc, text)]


def taxonomy_terms(
    text: str | None = None,
    taxonomy_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    top_only: bool = False,
) -> list[dict]:
    """Every term of the three Causeway taxonomies (two queries), ordered by id: those of
    `taxonomy_id`, children of `parent_id`, or without a parent (`top_only`). Causeway's
    taxonomies are flat, so every term is a top one and none has children."""
    terms = [issue_term(issue) for issue in Issue.objects.all()]
    terms += [focus_area_term(area) for area in FocusArea.objects.all()]
    terms += list(help_terms().values())
    if taxonomy_id:
        terms = [term for term in terms if term["taxonomy_id"] == str(taxonomy_id)]
    if parent_id:
        terms = [term for term in terms if term.get("parent_id") == str(parent_id)]
    if top_only:
        terms = [term for term in terms if not term.get("parent_id")]
    return sorted((t for t in terms if _matches(t, text)), key=lambda t: t["id"])
