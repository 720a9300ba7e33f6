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

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


def _ranked(parsed: ParsedQuery, kinds, limit) -> tuple[dict[str, list[int]], set[str]]:
    """Up to `limit` ids per kind, and the kinds that had more (one extra row tells)."""
    ids, capped = {}, set()
    for kind in kinds:
        found = [pk for pk, _ in backends.ranked(parsed, kind, limit + 1)]
        if len(found) > limit:
            capped.add(kind)
        ids[kind] = found[:limit]
    return ids, capped


def _fragment(parsed: ParsedQuery) -> str | None:
    """A one-word query long enough to look for inside names."""
    items = parsed.items
    if len(items) == 1 and not parsed.excluded and len(items[0].text) >= MIN_FRAGMENT:
        return items[0].text
    return None


def find(parsed: ParsedQuery, kinds, limit: int | None = None) -> Outcome:
    """Ranked ids of public objects of each kind matching the query, best first."""
    limit = min(limit or settings.SEARCH_MAX_RESULTS, settings.SEARCH_MAX_RESULTS)
    ids, capped = _ranked(parsed, kinds, limit)
    outcome = Outcome(parsed, ids, capped=capped)
    if outcome.total:
        return outcome
    fragment = _fragment(parsed)
    if fragment:
        by_name = {k: [pk for pk, _ in backends.name_contains(fragment, k, limit)] for k in kinds}
        if any(by_name.values()):
            return Outcome(parsed, by_name)
    corrected = spelling.correct(parsed)
    if corrected:
        ids, capped = _ranked(corrected, kinds, limit)
        retried = Outcome(corrected, ids, capped=capped, corrected_from=parsed)
        if retried.total:
            return retried
    outcome.suggestions = spelling.suggestions(parsed)
    return outcome


def search(parsed: ParsedQuery, kind: str, limit: int | None = None) -> list[int]:
    """Ids of public objects of one kind matching the query, best first."""
    return find(parsed, [kind], limit).ids[kind]
