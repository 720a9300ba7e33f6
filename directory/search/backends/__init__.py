"""The two full-text engines behind `directory.search`, one per database.

Both read the same SearchDocument rows and answer the same three questions: the ranked
matches for a query (`ranked`), the documents whose name contains a fragment
(`name_contains`), each with its facet values, and the vocabulary words nearest a misspelt
one (`similar_terms`).
Words go through each database's stemmed full-text index; Korean goes through the
Hangul n-gram column (see `index.hangul_ngrams`), so it matches inside words too.
"""

from django.db import connection

from directory.search.backends import postgres, sqlite
from directory.search.query import ParsedQuery


def _engine():
    return postgres if connection.vendor == "postgresql" else sqlite


def ranked(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """(object_id, score, facets) of documents of `kind` matching the query, best first.

    The facet values come along so that counting the results needs no further query."""
    return _engine().ranked(parsed, kind, limit)


def name_contains(fragment: str, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """Documents whose name contains the fragment anywhere, shortest names first."""
    return _engine().name_contains(fragment, kind, limit)


def similar_terms(word: str, limit: int = 30) -> list[tuple[str, int]]:
    """Vocabulary words sharing the most trigrams with `word`, with their document counts."""
    return _engine().similar_terms(word, limit)
