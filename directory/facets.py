"""Counts of the current results by issue, focus area, country, type and way to help.

An organization counts under an issue, focus area or country when it names it directly or
through a current program (`OrganizationQuerySet.addressing`, `working_in`; a country also
as its headquarters), and under a way to help as `directory.ways_to_help.offering_help`
says: the same rules the filters apply. Each facet is one query, whatever the number of results.

A search's results are a bounded list of ids (at most SEARCH_MAX_RESULTS): their counts
come from the facet values their search documents store, which the search returns with
them (`counts_of`). The whole directory's counts, and those of a list filtered on one
value, are kept per change in `FacetCount` (`stored_counts`): the search index adjusts
them whenever it rewrites organizations' documents (`adjust`), so no request recounts.
"""

from collections import Counter
from collections.abc import Iterable, Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count

from directory import ways_to_help
from directory.models import FacetCount, Organization, SearchDocument

_PAIRS = {
    "issue": """
        SELECT organization_id AS org, issue_id AS value FROM directory_organization_issues
        WHERE organization_id IN ({ids})
        UNION
        SELECT p.organization_id, pi.issue_id FROM directory_program_issues pi
        JOIN directory_program p ON p.id = pi.program_id
        WHERE p.active AND p.organization_id IN ({ids})""",
    "focus": """
        SELECT organization_id AS org, focusarea_id AS value
        FROM directory_organization_focus_areas WHERE organization_id IN ({ids})
        UNION
        SELECT p.organization_id, pf.focusarea_id FROM directory_program_focus_areas pf
        JOIN directory_program p ON p.id = pf.program_id
        WHERE p.active AND p.organization_id IN ({ids})""",
    "country": """
        SELECT organization_id AS org, country_id AS value FROM directory_organization_countries
        WHERE organization_id IN ({ids})
        UNION
        SELECT id, headquarters_id FROM directory_organization
        WHERE headquarters_id IS NOT NULL AND id IN ({ids})
        UNION
        SELECT p.organization_id, pc.country_id FROM directory_program_countries pc
        JOIN directory_program p ON p.id = pc.program_id
        WHERE p.active AND p.organization_id IN ({ids})""",
}


def _grouped_counts(facet: str, organizations) -> dict:
    try:
        ids_sql, ids_params = organizations.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. a search that matched nothing: pk IN ()
        return {}
    pairs = _PAIRS[facet].format(ids=ids_sql)
    sql = f"SELECT value, COUNT(*) FROM ({pairs}) pairs GROUP BY value"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(ids_params) * _PAIRS[facet].count("{ids}"))
        return dict(cursor.fetchall())


def issue_counts(organizations) -> dict[int, int]:
    return _grouped_counts("issue", organizations)


def focus_area_counts(organizations) -> dict[int, int]:
    return _grouped_counts("focus", organizations)


def country_counts(organizations) -> dict[str, int]:
    return _grouped_counts("country", organizations)


def type_counts(organizations) -> dict[str, int]:
    rows = organizations.order_by().values("org_type").annotate(n=Count("pk", distinct=True))
    return {row["org_type"]: row["n"] for row in rows}


def help_counts(organizations) -> dict[str, int]:
    """How many accept donations and how many take volunteers, in one query."""
    conditions = ways_to_help.HELP_CONDITIONS
    return organizations.order_by().aggregate(
        **{way: Count("pk", filter=condition()) for way, condition in conditions.items()}
    )


def all_counts(organizations) -> dict[str, dict]:
    return {
        "issue": issue_counts(organizations),
        "focus": focus_area_counts(organizations),
        "country": country_counts(organizations),
        "type": type_counts(organizations),
        "help": help_counts(organizations),
    }


_FACET_KEYS = {"issue": int, "focus": int, "country": str, "type": str}
_KEYS = {**_FACET_KEYS, "help": str}


def counts_of(ids, known: dict[int, str] | None = None) -> dict[str, dict]:
    """The counts of these published organizations, from the facet values of their search
    documents: those `known` already (a search returns them with its results), the rest
    read in one query; and the ways to help, which depend on the day (an opportunity
    expires), counted in one more."""
    known = known or {}
    values = [known[pk] for pk in ids if pk in known]
    missing = [pk for pk in ids if pk not in known]
    if missing:
        documents = SearchDocument.objects.filter(
            kind=SearchDocument.Kind.ORGANIZATION, object_id__in=missing
        )
        values += documents.values_list("facets", flat=True)
    tokens = Counter(token for text in values for token in text.split())
    counts: dict[str, dict] = {facet: {} for facet in _FACET_KEYS}
    for token, n in tokens.items():
        facet, _, value = token.partition(":")
        if facet in _FACET_KEYS:  # the ways to help are counted afresh below
            counts[facet][_FACET_KEYS[facet](value)] = n
    counts["help"] = help_counts(Organization.objects.filter(pk__in=list(ids)))
    return counts


# --- counts kept per change ------------------------------------------------------------------

BATCH = 2000


def _pairs(tokens: str) -> Iterator[tuple[str, str]]:
    """Each (within, value) one organization with these facet tokens counts for."""
    values = ["", *tokens.split()]
    for within in values:
        for value in values:
            yield within, value


def _tally(documents: Iterable[str]) -> Counter:
    counts: Counter = Counter()
    for tokens in documents:
        counts.update(_pairs(tokens))
    return counts


def adjust(removed: Iterable[str], added: Iterable[str]) -> None:
    """Move the stored counts from the organizations' old facet tokens (`removed`, one
    string per document) to their new ones (`added`); call in the writing transaction."""
    delta = _tally(added)
    delta.subtract(_tally(removed))
    changes = [(n, within, value) for (within, value), n in delta.items() if n]
    if not changes:
        return
    table = FacetCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (within, value, count) VALUES (%s, %s, 0) "
            "ON CONFLICT (within, value) DO NOTHING",
            [(within, value) for n, within, value in changes if n > 0],
        )
        # Never below zero: counts that drifted (a write that bypassed the writer) must
        # not make a curator's save fail on the table's check; a rebuild recounts them.
        cursor.executemany(
            f"UPDATE {table} SET count = CASE WHEN count + %s < 0 THEN 0 ELSE count + %s END"
            " WHERE within = %s AND value = %s",
            [(n, n, within, value) for n, within, value in changes],
        )
        cursor.execute(f"DELETE FROM {table} WHERE count = 0")


def recount() -> None:
    """Count every published organization's documents afresh (after a full rebuild)."""
    documents = SearchDocument.objects.filter(kind=SearchDocument.Kind.ORGANIZATION)
    counts = _tally(documents.values_list("facets", flat=True).iterator(chunk_size=BATCH))
    FacetCount.objects.all().delete()
    FacetCount.objects.bulk_create(
        [FacetCount(within=w, value=v, count=n) for (w, v), n in counts.items()],
        batch_size=BATCH,
    )


def stored_counts(within: str = "") -> tuple[int, dict[str, dict]]:
    """The number of published organizations holding the facet token `within` (every one
    when empty), and their counts by facet, as `all_counts` gives them."""
    counts: dict[str, dict] = {facet: {} for facet in (*_FACET_KEYS, "help")}
    counts["help"] = {"donate": 0, "volunteer": 0}
    total = 0
    for value, n in FacetCount.objects.filter(within=within).values_list("value", "count"):
        if not value:
            total = n
            continue
        facet, _, key = value.partition(":")
        counts[facet][_KEYS[facet](key)] = n
    return total, counts
