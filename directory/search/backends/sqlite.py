"""SQLite: FTS5 tables with bm25 column weights and porter stemming, a trigram index
for names (Korean and fragments) and one for the vocabulary (typo correction)."""

from django.conf import settings

from directory.search.backends.common import fetch, hangul_phrases, latin_words, like_pattern
from directory.search.query import HANGUL_RUN, Item, ParsedQuery

# Relative weight of each column: name and alternate name, then summary, then the names of
# programs, issues and focus areas, then descriptions, then Korean n-grams.
BM25_WEIGHTS = "10.0, 4.0, 2.0, 1.0, 2.0"  # name, summary, related, body, ngrams
# Each kind has an FTS5 table of its own (`directory/search/schema.py`).
ORGANIZATION_FTS = "directory_search_org_fts"
# Organizations' names alone (migration 0021): whether any name holds a word, read from
# the names' postings instead of every position of the word in every column.
ORGANIZATION_NAMES = "directory_search_org_names"
# Covers the ranking query's lookup of each candidate's object id and facets (0019).
RANKING_INDEX = "directory_searchdoc_ranking"


def _fts5_item(item: Item) -> str:
    # Tokens contain only \w characters, so double-quoting them cannot break the syntax.
    parts = []
    words = latin_words(item)
    if words:
        parts.append('"' + " ".join(words) + '"')
    parts += ['ngrams : "' + " ".join(tokens) + '"' for tokens in hangul_phrases(item)]
    return "(" + " AND ".join(parts) + ")"


def _fts5_parts(parsed: ParsedQuery) -> tuple[str, str | None]:
    """The expression every result must match, and the one none may match (or None)."""
    groups = [
        "(" + " OR ".join(_fts5_item(item) for item in group) + ")" for group in parsed.groups
    ]
    excluded = " OR ".join(_fts5_item(item) for item in parsed.excluded) or None
    return " AND ".join(groups), excluded


def _fts5_table(kind: str) -> str:
    """The FTS5 table holding the documents of `kind`."""
    return f"directory_search_{'org' if kind == 'organization' else kind}_fts"


def _fts5_expression(parsed: ParsedQuery) -> str:
    """A MATCH expression for documents whose text matches the query and holds none of the
    excluded words."""
    required, excluded = _fts5_parts(parsed)
    return f"({required}) NOT ({excluded})" if excluded else required


def _fts5_name_filter(item: Item) -> str | None:
    """An FTS5 condition that a word of the name starts with the item's last word (its
    words before it as a phrase, stemmed as everywhere), and a Hangul run starts a word
    of the name: `korea` so boosts "Korean ..." as well as "... Korea"."""
    parts = []
    words = latin_words(item)
    if words:
        parts.append('"' + " ".join(words) + '" *')
    parts += [f'"{run}" *' for run in HANGUL_RUN.findall(item.text)]
    return "name : (" + " AND ".join(parts) + ")" if parts else None


def ranked(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """Rank a bounded candidate set: the first N matches, plus matches whose name holds the
    query's first word or phrase (ranked above the rest, as on PostgreSQL).

    Each inner SELECT stops at its LIMIT before any sorting, so bm25 is computed for at most
    SEARCH_CANDIDATES + `limit` rows however common the words are. Both are plain MATCH
    queries: a rowid condition beside MATCH would make FTS5 evaluate the query once per row.
    """
    expression = _fts5_expression(parsed)
    table = _fts5_table(kind)
    score = f"-bm25({table}, {BM25_WEIGHTS})"
    candidates = f"""SELECT * FROM (SELECT rowid, {score} AS score FROM {table}
                       WHERE {table} MATCH %s LIMIT %s)"""
    params = [expression, settings.SEARCH_CANDIDATES]
    in_name = _fts5_name_filter(parsed.items[0])
    # Intersecting the whole query with a name condition reads every position of its words
    # even when no name holds them, so first ask the names alone. The boosted matches are
    # still matches of the whole query: the prefix ranks, it never finds ("traffic" must
    # not find "Trafficking" names, nor a misspelling names that start like it).
    names = ORGANIZATION_NAMES if table == ORGANIZATION_FTS else table
    if in_name and fetch(f"SELECT 1 FROM {names} WHERE {names} MATCH %s LIMIT 1", [in_name]):
        candidates += f"""
            UNION ALL
            SELECT * FROM (SELECT rowid, {score} + 1000 AS score FROM {table}
                           WHERE {table} MATCH %s LIMIT %s)"""
        params += [f"({expression}) AND {in_name}", limit]
    sql = f"""
        SELECT d.object_id, MAX(c.score) AS best, d.facets FROM ({candidates}) c
        JOIN directory_searchdocument d INDEXED BY {RANKING_INDEX} ON d.id = c.rowid
        GROUP BY d.object_id ORDER BY best DESC, d.object_id LIMIT %s"""
    return fetch(sql, [*params, limit])


def name_contains(fragment: str, kind: str, limit: int) -> list[tuple[int, float, str]]:
    # The trigram index serves LIKE only without an ESCAPE clause, so a fragment holding
    # no wildcard character goes without one (the others scan the names). CROSS JOIN keeps
    # the trigram index as the outer loop, instead of a probe for every document.
    if "%" in fragment or "_" in fragment:
        pattern, escape = like_pattern(fragment), " ESCAPE '\\'"
    else:
        pattern, escape = f"%{fragment}%", ""
    sql = f"""
        SELECT d.object_id, 1.0, d.facets FROM directory_search_trigram t
        CROSS JOIN directory_searchdocument d ON d.id = t.rowid
        WHERE t.name LIKE %s{escape} AND d.kind = %s
        ORDER BY length(d.name), d.object_id LIMIT %s"""
    return fetch(sql, [pattern, kind, limit])


def _trigrams(word: str) -> list[str]:
    return sorted({word[i : i + 3] for i in range(len(word) - 2)})


def similar_terms(word: str, limit: int) -> list[tuple[str, int]]:
    grams = _trigrams(word)
    if not grams:
        return []
    expression = " OR ".join(f'"{gram}"' for gram in grams)
    sql = """
        SELECT s.term, s.documents FROM directory_term_trigram t
        JOIN directory_searchterm s ON s.id = t.rowid
        WHERE directory_term_trigram MATCH %s
        ORDER BY bm25(directory_term_trigram), s.documents DESC LIMIT %s"""
    return fetch(sql, [expression, limit])
