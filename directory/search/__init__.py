"""Search over the directory, behind one interface.

Views call `find()` (or `search()` for one kind), `parse()` and `highlight()`. Which
engine answers, FTS5 on SQLite or tsvector and pg_trgm on PostgreSQL, is decided by the
database in use, in `backends`. The index is kept current by `directory.search.index`.

When a query matches nothing, `find()` tries, in turn, the query as a fragment of a
name ("c4ad" finds "C4ADS") and the query with its misspelt words corrected
("trafficing" finds trafficking); failing both, it offers the nearest known words.
"""

from dataclasses import dataclass, field

from django.conf import settings

from directory.search import backends, spelling
from directory.search.highlight import highlight
from directory.search.query import InvalidQuery, ParsedQuery, parse

__all__ = ["InvalidQuery", "Outcome", "ParsedQuery", "find", "highlight", "parse", "search"]

MIN_FRAGMENT = 3


@dataclass
class Outcome:
    query: ParsedQuery  # the query these results answer: the visitor's, or its correction
    ids: dict[str, list[int]]  # ranked ids by kind, at most SEARCH_MAX_RESULTS each
    corrected_from: ParsedQuery | None = None
    suggestions: list[str] = field(default_factory=list)
    capped: set[str] = field(default_factory=set)  # kinds with more matches than returned
    facets: dict[int, str] = field(default_factory=dict)  # organizations' facet values

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


def _collect(rows_by_kind: dict[str, list[tuple]], limit: int, **extra) -> Outcome:
    """An outcome from each kind's (id, score, facets) rows, fetched with one row to spare:
    a kind that filled it had more matches than `limit`."""
    ids = {kind: [row[0] for row in rows[:limit]] for kind, rows in rows_by_kind.items()}
    capped = {kind for kind, rows in rows_by_kind.items() if len(rows) > limit}
    facets = {row[0]: row[2] for row in rows_by_kind.get("organization", [])[:limit]}
    return Outcome(ids=ids, capped=capped, facets=facets, **extra)


def _ranked(parsed: ParsedQuery, kinds, limit: int, **extra) -> Outcome:
    rows = {kind: backends.ranked(parsed, kind, limit + 1) for kind in kinds}
    return _collect(rows, limit, query=parsed, **extra)


def _fragment(parsed: ParsedQuery) -> str | None:
    """A one-word query long enough to look for inside names."""
    items = parsed.items
    if len(items) == 1 and not parsed.excluded and len(items[0].text) >= MIN_FRAGMENT:
        return items[0].text
    return None


def find(parsed: ParsedQuery, kinds, limit: int | None = None) -> Outcome:
    """Ranked ids of public objects of each kind matching the query, best first."""
    limit = min(limit or settings.SEARCH_MAX_RESULTS, settings.SEARCH_MAX_RESULTS)
    outcome = _ranked(parsed, kinds, limit)
    if outcome.total:
        return outcome
    fragment = _fragment(parsed)
    if fragment:
        by_name = {kind: backends.name_contains(fragment, kind, limit) for kind in kinds}
        if any(by_name.values()):
            return _collect(by_name, limit, query=parsed)
    corrected = spelling.correct(parsed)
    if corrected:
        retried = _ranked(corrected, kinds, limit, corrected_from=parsed)
        if retried.total:
            return retried
    outcome.suggestions = spelling.suggestions(parsed)
    return outcome


def search(parsed: ParsedQuery, kind: str, limit: int | None = None) -> list[int]:
    """Ids of public objects of one kind matching the query, best first."""
    return find(parsed, [kind], limit).ids[kind]
