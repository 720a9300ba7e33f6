"""What the filters mean, and how many organizations each value holds.

The rule, stated once
---------------------
A published organization holds a facet value, written as a token:

- `issue:<id>`, `focus:<id>`: an issue or focus area it names itself, or that one of its
  current programs names (an ended program stays on its page, marked as ended, but no
  longer counts);
- `country:<code>`: a country it names, its headquarters, or a current program's country;
- `type:<org_type>`: its type;
- `help:donate`, `help:volunteer`: the ways to help `directory.ways_to_help.offering_help`
  finds today (a donation page; a volunteer page or an open opportunity).

`tokens_of()` is that rule, and nothing else computes it: the search index stores each
organization's tokens in its document (`SearchDocument.facets`) and one `FacetMember` row
per token, in the transaction that rewrites the document (`directory.search.index`, called
by the catalog's writer). Everything else reads them:

- filtering: `holds(token)`, whether an organization holds a token (`OrganizationQuerySet.
  addressing`, `with_focus`, `working_in` and the organization list's filters);
- counting a search's results: `counts_of()`, from the tokens its documents returned;
- counting a filtered list: `counts_in()`, grouped over its members;
- counting the whole directory, or a list narrowed to one value: `stored_counts()`, from
  `FacetCount`, a row per pair of tokens adjusted per change (`adjust`), so no request
  counts the directory after a change.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain

from django.db import connection
from django.db.models import Count, Exists, OuterRef

from directory.models import FacetCount, FacetMember, Organization, Program, SearchDocument
from directory.ways_to_help import offering_help

FACETS = ("type", "issue", "focus", "country", "help")
_KEYS = {"issue": int, "focus": int, "country": str, "type": str, "help": str}
# Each linked facet: the many-to-many field on organizations and on programs, and its column.
_LINKED = {"issue": ("issues", "issue_id"), "focus": ("focus_areas", "focusarea_id"),
           "country": ("countries", "country_id")}  # fmt: skip
BATCH = 2000


def token(facet: str, value) -> str:
    """`token("issue", issue)` is "issue:3"; a model instance stands for its key."""
    return f"{facet}:{getattr(value, 'pk', value)}"


def _ordered(tokens: set[str]) -> str:
    def key(text: str):
        facet, _, value = text.partition(":")
        return FACETS.index(facet), _KEYS[facet](value)

    return " ".join(sorted(tokens, key=key))


def tokens_of(org_ids: Iterable[int]) -> dict[int, str]:
    """The facet tokens of each of these organizations that is published, by id: the rule
    above, in a few flat queries whatever the number of organizations."""
    published = Organization.objects.published().filter(pk__in=list(org_ids))
    held: dict[int, set[str]] = defaultdict(set)
    for pk, org_type, headquarters in published.values_list("pk", "org_type", "headquarters_id"):
        held[pk].add(token("type", org_type))
        if headquarters:
            held[pk].add(token("country", headquarters))
    ids = list(held)
    current = Program.objects.filter(organization_id__in=ids, active=True).values("pk")
    for facet, (relation, column) in _LINKED.items():
        direct = getattr(Organization, relation).through.objects.filter(organization_id__in=ids)
        via = getattr(Program, relation).through.objects.filter(program_id__in=current)
        for org, value in chain(
            direct.values_list("organization_id", column),
            via.values_list("program__organization_id", column),
        ):
            held[org].add(token(facet, value))
    for way in ("donate", "volunteer"):
        for pk in offering_help(published, way).values_list("pk", flat=True):
            held[pk].add(token("help", way))
    return {pk: _ordered(tokens) for pk, tokens in held.items()}


def holds(facet_token: str) -> Exists:
    """A condition on organizations: holding the token. An index probe per organization,
    so a page of a list in name order reads only as many organizations as it shows (a
    subquery of every holder would read them all first: 40,000 for a broad issue at
    100,000 organizations)."""
    return Exists(FacetMember.objects.filter(organization_id=OuterRef("pk"), token=facet_token))


def count_holding(tokens: list[str], limit: int) -> int:
    """How many published organizations hold every one of the tokens, counted no further
    than `limit`: the members of the rarest one, each probed for the others in the
    (token, organization) index. (Walking the organizations by name and probing each, as
    a planner chose, read 94,000 of them for three broad values at 1M: 600 ms.)"""
    sizes = dict(
        FacetCount.objects.filter(within="", value__in=tokens).values_list("value", "count")
    )
    rarest, *others = sorted(tokens, key=lambda value: sizes.get(value, 0))
    members = FacetMember.objects.filter(token=rarest)
    for other in others:
        held = FacetMember.objects.filter(token=other, organization_id=OuterRef("organization_id"))
        members = members.filter(Exists(held))
    return members.values("organization_id")[:limit].count()


def write_members(removed: Iterable[int], tokens: dict[int, str]) -> None:
    """Drop the rows of the organizations `removed` and write those of `tokens` (each
    organization's tokens as its document stores them); in the writing transaction."""
    FacetMember.objects.filter(organization_id__in=list(removed)).delete()
    FacetMember.objects.bulk_create(
        (
            FacetMember(organization_id=pk, token=value)
            for pk, text in tokens.items()
            for value in text.split()
        ),
        batch_size=BATCH * 5,
    )


# --- counts --------------------------------------------------------------------------------


def _counts(pairs: Iterable[tuple[str, int]]) -> dict[str, dict]:
    counts: dict[str, dict] = {facet: {} for facet in FACETS}
    counts["help"] = {"donate": 0, "volunteer": 0}
    for value, n in pairs:
        facet, _, key = value.partition(":")
        counts[facet][_KEYS[facet](key)] = n
    return counts


def counts_in(organizations) -> dict[str, dict]:
    """The counts of a filtered list (a queryset of published organizations): one query
    grouping their tokens."""
    rows = (
        FacetMember.objects.filter(organization__in=organizations.order_by().values("pk"))
        .values_list("token")
        .annotate(n=Count("pk"))
    )
    return _counts(rows)


def tokens_known(ids, known: dict[int, str] | None = None) -> dict[int, set[str]]:
    """The tokens of these published organizations: those `known` already (a search
    returns them with its ids), the rest read from their documents in one query."""
    known = known or {}
    missing = [pk for pk in ids if pk not in known]
    if missing:
        documents = SearchDocument.objects.filter(
            kind=SearchDocument.Kind.ORGANIZATION, object_id__in=missing
        )
        known = {**known, **dict(documents.values_list("object_id", "facets"))}
    return {pk: set(known.get(pk, "").split()) for pk in ids}


def counts_of(ids, known: dict[int, str] | None = None) -> dict[str, dict]:
    """The counts of these published organizations (a search's results), from their
    tokens (`tokens_known`)."""
    return tally(tokens_known(ids, known).values())


def tally(held: Iterable[set[str]]) -> dict[str, dict]:
    """The counts of organizations whose tokens are known (one set each)."""
    return _counts(Counter(chain.from_iterable(held)).items())


# --- counts kept per change ------------------------------------------------------------------


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
    when empty), and their counts by facet, as `counts_in` gives them."""
    rows = dict(FacetCount.objects.filter(within=within).values_list("value", "count"))
    total = rows.pop("", 0)
    return total, _counts(rows.items())


def stored_pair(within: str, value: str) -> int:
    """The number of published organizations holding both facet tokens."""
    row = FacetCount.objects.filter(within=within, value=value).values_list("count", flat=True)
    return row.first() or 0
