"""The published rows each endpoint shows, filtered, paginated and ready for the mapping.

Every list runs the same queries whatever its length: a count, the page, and the
prefetches `directory.hsds.mapping` needs (plus the search engine's when searching).
Lists are ordered by HSDS id, as the export is; searches by relevance. A search ranks at
most SEARCH_MAX_RESULTS matches.
"""

import math
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from directory import search
from directory.api.params import Filters
from directory.hsds.taxonomies import (
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


def published_programs() -> QuerySet:
    """Programs of published organizations: HSDS services."""
    return (
        _programs_for_mapping()
        .filter(organization__in=Organization.objects.published())
        .select_related("organization")
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
    if filters.organization_id:
        queryset = queryset.filter(organization__hsds_id=filters.organization_id)
    if filters.modified_after:
        queryset = queryset.filter(organization__updated__gte=filters.modified_after)
    return queryset


def paginate(queryset: QuerySet, kind: str, filters: Filters, page: int, per_page: int) -> Page:
    """One page of `queryset`: by HSDS id, or by relevance when searching."""
    start = (page - 1) * per_page
    if filters.search is None:
        total = queryset.count()
        # A page past the end is empty without asking: huge offsets overflow SQLite.
        if start >= total:
            return Page([], total, page, per_page)
        # Sorting the ids alone, then reading the page's rows, keeps long text out of
        # the sort.
        ids = queryset.order_by("hsds_id").values_list("pk", flat=True)
        chosen = list(ids[start : start + per_page])
    else:
        ranked = search.search(filters.search, kind)
        matching = set(queryset.filter(pk__in=ranked).values_list("pk", flat=True))
        pks = [pk for pk in ranked if pk in matching]
        total, chosen = len(pks), pks[start : start + per_page]
    by_pk = queryset.in_bulk(chosen) if chosen else {}
    return Page([by_pk[pk] for pk in chosen], total, page, per_page)


def organizations(filters: Filters, page: int, per_page: int) -> Page:
    queryset = filter_organizations(published_organizations(), filters)
    return paginate(queryset, Kind.ORGANIZATION, filters, page, per_page)


def programs(filters: Filters, page: int, per_page: int) -> Page:
    queryset = filter_programs(published_programs(), filters)
    return paginate(queryset, Kind.PROGRAM, filters, page, per_page)


def _matches(doc: dict, text: str | None) -> bool:
    if not text:
        return True
    return text.casefold() in " ".join(str(value) for value in doc.values()).casefold()


def taxonomies(text: str | None = None) -> list[dict]:
    docs = sorted((taxonomy.to_hsds() for taxonomy in TAXONOMIES), key=lambda d: d["id"])
    return [doc for doc in docs if _matches(doc, text)]


def taxonomy_terms(text: str | None = None, taxonomy_id: uuid.UUID | None = None) -> list[dict]:
    """Every term of the three Causeway taxonomies (two queries), ordered by id."""
    terms = [issue_term(issue) for issue in Issue.objects.all()]
    terms += [focus_area_term(area) for area in FocusArea.objects.all()]
    terms += list(help_terms().values())
    if taxonomy_id:
        terms = [term for term in terms if term["taxonomy_id"] == str(taxonomy_id)]
    return sorted((t for t in terms if _matches(t, text)), key=lambda t: t["id"])
