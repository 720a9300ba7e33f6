"""Search over the directory, behind one interface.

Views call `search()` (ranked ids of one kind), `parse()` and `highlight()`; which engine
answers (FTS5 on SQLite, tsvector on PostgreSQL) is decided by the database in use, in
`backends`. The index is kept current by `directory.search.index`.
"""

from django.conf import settings

from directory.search import backends
from directory.search.highlight import highlight
from directory.search.query import InvalidQuery, ParsedQuery, parse

__all__ = ["InvalidQuery", "ParsedQuery", "highlight", "parse", "search"]


def search(parsed: ParsedQuery, kind: str, limit: int | None = None) -> list[int]:
    """Ids of public objects of `kind` matching the query, best first.

    At most SEARCH_MAX_RESULTS come back: ranking stops at a bounded candidate set, and
    the result count shown to visitors is capped at the same number.
    """
    limit = min(limit or settings.SEARCH_MAX_RESULTS, settings.SEARCH_MAX_RESULTS)
    return [object_id for object_id, _score in backends.run(parsed, kind, limit)]
