"""The two full-text engines behind `directory.search`, one per database.

Both read the same SearchDocument rows and answer the same three questions: the ranked
matches for a query (`ranked`), the documents whose name contains a fragment
(`name_contains`), each with its facet values, and the vocabulary words nearest a misspelt
one (`similar_terms`).
Words go through each database's stemmed full-text index; Korean goes through the
Hangul n-gram column (see `index.hangul_ngrams`), so it matches inside words too.
"""

import functools

from django.conf import settings
from django.db import connection

from directory.search.query import HANGUL_RUN, Item, ParsedQuery

# Relative weight of each column: name and alternate name, then summary, then the names of
# programs, issues and focus areas, then descriptions (and, on SQLite, Korean n-grams).
SQLITE_BM25_WEIGHTS = "10.0, 4.0, 2.0, 1.0, 2.0"  # name, summary, related, body, ngrams
TEXT_COLUMNS = "{name summary related body ngrams} : "
# Organizations have an FTS5 table of their own; programs and issues share one with a
# `kind` column (migration 0017).
ORGANIZATION_FTS = "directory_search_org_fts"
SHARED_FTS = "directory_search_fts"
# Covers the ranking query's lookup of each candidate's object id and facets (0019).
SQLITE_RANKING_INDEX = "directory_searchdoc_ranking"
POSTGRES_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A, as ts_rank expects
MIN_TRIGRAM_TEXT = 3


def _hangul_phrases(item: Item) -> list[list[str]]:
    """Each Hangul run of the item as the n-gram tokens that must appear in order."""
    phrases = []
    for run in HANGUL_RUN.findall(item.text):
        phrases.append([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return phrases


def _latin_words(item: Item) -> tuple[str, ...]:
    return tuple(word for word in item.words if not HANGUL_RUN.search(word))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# SQLite: FTS5 ------------------------------------------------------------------------


def _fts5_item(item: Item) -> str:
    # Tokens contain only \w characters, so double-quoting them cannot break the syntax.
    parts = []
    words = _latin_words(item)
    if words:
        parts.append('"' + " ".join(words) + '"')
    parts += ['ngrams : "' + " ".join(tokens) + '"' for tokens in _hangul_phrases(item)]
    return "(" + " AND ".join(parts) + ")"


def _fts5_parts(parsed: ParsedQuery) -> tuple[str, str | None]:
    """The expression every result must match, and the one none may match (or None)."""
    groups = [
        "(" + " OR ".join(_fts5_item(item) for item in group) + ")" for group in parsed.groups
    ]
    excluded = " OR ".join(_fts5_item(item) for item in parsed.excluded) or None
    return " AND ".join(groups), excluded


def _fts5_table(kind: str) -> tuple[str, str, str]:
    """The FTS5 table holding documents of `kind`, the condition that selects them, and
    the filter that keeps words to the text columns.

    Every column of the organizations' table is text, and a filter naming them all would
    still make FTS5 check the column of every position it reads."""
    if kind == "organization":
        return ORGANIZATION_FTS, "", ""
    return SHARED_FTS, f'kind : "{kind}" AND ', TEXT_COLUMNS


def fts5_expression(parsed: ParsedQuery, kind: str) -> str:
    """A MATCH expression for documents of `kind` whose text matches the query and holds
    none of the excluded words (in the table `_fts5_table(kind)` names)."""
    required, excluded = _fts5_parts(parsed)
    _, selects, columns = _fts5_table(kind)
    expression = f"{selects}{columns}({required})"
    if excluded:
        expression = f"({expression}) NOT ({columns}({excluded}))"
    return expression


def _fts5_name_filter(item: Item) -> str | None:
    """An FTS5 condition that the item appears in the name column: its words as a phrase
    (stemmed, as everywhere), a Hangul run as the start of a word in the name."""
    parts = []
    words = _latin_words(item)
    if words:
        parts.append('"' + " ".join(words) + '"')
    parts += [f'"{run}" *' for run in HANGUL_RUN.findall(item.text)]
    return "name : (" + " AND ".join(parts) + ")" if parts else None


def _sqlite_ranked(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """Rank a bounded candidate set: the first N matches, plus matches whose name holds the
    query's first word or phrase (ranked above the rest, as on PostgreSQL).

    Each inner SELECT stops at its LIMIT before any sorting, so bm25 is computed for at most
    SEARCH_CANDIDATES + `limit` rows however common the words are. Both are plain MATCH
    queries: a rowid condition beside MATCH would make FTS5 evaluate the query once per row.
    """
    expression = fts5_expression(parsed, kind)
    table, selects, _ = _fts5_table(kind)
    weights = SQLITE_BM25_WEIGHTS if table == ORGANIZATION_FTS else f"0.0, {SQLITE_BM25_WEIGHTS}"
    score = f"-bm25({table}, {weights})"
    candidates = f"""SELECT * FROM (SELECT rowid, {score} AS score FROM {table}
                       WHERE {table} MATCH %s LIMIT %s)"""
    params = [expression, settings.SEARCH_CANDIDATES]
    in_name = _fts5_name_filter(parsed.items[0])
    if in_name:
        in_name = selects + in_name
    # Intersecting the whole query with a name condition reads every position of its words
    # even when no name holds them, so first ask the names alone (which suffices for a
    # one-item query: its words in the name are its words in the document).
    if in_name and _fetch(f"SELECT 1 FROM {table} WHERE {table} MATCH %s LIMIT 1", [in_name]):
        single = len(parsed.items) == 1 and not parsed.excluded
        candidates += f"""
            UNION ALL
            SELECT * FROM (SELECT rowid, {score} + 1000 AS score FROM {table}
                           WHERE {table} MATCH %s LIMIT %s)"""
        params += [in_name if single else f"({expression}) AND {in_name}", limit]
    sql = f"""
        SELECT d.object_id, MAX(c.score) AS best, d.facets FROM ({candidates}) c
        JOIN directory_searchdocument d INDEXED BY {SQLITE_RANKING_INDEX} ON d.id = c.rowid
        GROUP BY d.object_id ORDER BY best DESC, d.object_id LIMIT %s"""
    return _fetch(sql, [*params, limit])


def _sqlite_name_contains(fragment: str, kind: str, limit: int) -> list[tuple[int, float, str]]:
    # The trigram index serves LIKE only without an ESCAPE clause, so a fragment holding
    # no wildcard character goes without one (the others scan the names). CROSS JOIN keeps
    # the trigram index as the outer loop, instead of a probe for every document.
    if "%" in fragment or "_" in fragment:
        pattern, escape = _like(fragment), " ESCAPE '\\'"
    else:
        pattern, escape = f"%{fragment}%", ""
    sql = f"""
        SELECT d.object_id, 1.0, d.facets FROM directory_search_trigram t
        CROSS JOIN directory_searchdocument d ON d.id = t.rowid
        WHERE t.name LIKE %s{escape} AND d.kind = %s
        ORDER BY length(d.name), d.object_id LIMIT %s"""
    return _fetch(sql, [pattern, kind, limit])


def _trigrams(word: str) -> list[str]:
    return sorted({word[i : i + 3] for i in range(len(word) - 2)})


def _sqlite_similar_terms(word: str, limit: int) -> list[tuple[str, int]]:
    grams = _trigrams(word)
    if not grams:
        return []
    expression = " OR ".join(f'"{gram}"' for gram in grams)
    sql = """
        SELECT s.term, s.documents FROM directory_term_trigram t
        JOIN directory_searchterm s ON s.id = t.rowid
        WHERE directory_term_trigram MATCH %s
        ORDER BY bm25(directory_term_trigram), s.documents DESC LIMIT %s"""
    return _fetch(sql, [expression, limit])


# PostgreSQL: tsvector, pg_trgm -------------------------------------------------------


def _pg_text(item: Item) -> str | None:
    """The item's words as websearch_to_tsquery reads them (a phrase in quotes)."""
    words = _latin_words(item)
    if not words:
        return None
    return f'"{" ".join(words)}"' if len(words) > 1 else words[0]


def _pg_stop_words_only(parsed: ParsedQuery) -> frozenset[str]:
    """The items' texts that PostgreSQL's English dictionary reduces to nothing ("the").

    Asked once, before the search, so that the search's own condition is a plain `@@`
    its GIN index can answer: a test for an empty tsquery inside it would not be."""
    texts = sorted({text for item in (*parsed.items, *parsed.excluded) if (text := _pg_text(item))})
    return _pg_empty_texts(tuple(texts)) if texts else frozenset()


@functools.lru_cache(maxsize=1024)
def _pg_empty_texts(texts: tuple[str, ...]) -> frozenset[str]:
    # The dictionary is fixed, so a search over several kinds (or a repeated one) asks once.
    sql = "SELECT t FROM unnest(%s::text[]) t WHERE numnode(websearch_to_tsquery('english', t)) = 0"
    return frozenset(row[0] for row in _fetch(sql, [list(texts)]))


def _pg_item(item: Item, empty: frozenset[str]) -> tuple[str, list]:
    parts, params = [], []
    text = _pg_text(item)
    # Stop words alone constrain nothing, as they would inside one websearch_to_tsquery.
    if text and text not in empty:
        parts.append("d.vector @@ websearch_to_tsquery('english', %s)")
        params.append(text)
    for tokens in _hangul_phrases(item):
        parts.append("d.ngram_vector @@ to_tsquery('simple', %s)")
        params.append(" <-> ".join(f"'{token}'" for token in tokens))
    return "(" + (" AND ".join(parts) or "TRUE") + ")", params


def _pg_one_tsquery(parsed: ParsedQuery, empty: frozenset[str]) -> tuple[str, list]:
    """The whole query as one tsquery (`&&`, `||`, `!!`), so that the GIN index applies the
    exclusions too: `a AND NOT b` as two conditions reads every row holding `a`."""
    parts, params = [], []
    for group in parsed.groups:
        texts = [_pg_text(item) for item in group]
        if any(text in empty for text in texts):
            continue  # an alternative of stop words only: the group constrains nothing
        parts.append("(" + " || ".join(["websearch_to_tsquery('english', %s)"] * len(texts)) + ")")
        params += texts
    for item in parsed.excluded:
        text = _pg_text(item)
        if text in empty:
            return "FALSE", []  # excluding what every document "holds"
        parts.append("!! websearch_to_tsquery('english', %s)")
        params.append(text)
    if not parts:
        return "TRUE", []
    return "d.vector @@ (" + " && ".join(parts) + ")", params


def _pg_condition(parsed: ParsedQuery) -> tuple[str, list]:
    empty = _pg_stop_words_only(parsed)
    if not any(item.has_hangul for item in (*parsed.items, *parsed.excluded)):
        return _pg_one_tsquery(parsed, empty)
    clauses, params = [], []
    for group in parsed.groups:
        compiled = [_pg_item(item, empty) for item in group]
        clauses.append("(" + " OR ".join(sql for sql, _ in compiled) + ")")
        params += [p for _, item_params in compiled for p in item_params]
    for item in parsed.excluded:
        sql, item_params = _pg_item(item, empty)
        clauses.append(f"NOT {sql}")
        params += item_params
    return " AND ".join(clauses), params


def _pg_ranked(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """Rank a bounded candidate set: the first N matches, plus matches in names."""
    condition, params = _pg_condition(parsed)
    words = " ".join(" ".join(_latin_words(item)) for item in parsed.items).strip()
    first = parsed.items[0].text
    name_pattern = _like(first)
    params_first = [kind, *params, settings.SEARCH_CANDIDATES]
    # Matches in names, through the trigram index: it needs three characters to narrow
    # anything down, so a shorter first word (a two-syllable Korean word) goes without.
    # The names are looked up first and on their own (MATERIALIZED): planned together with
    # the text condition, the two indexes' bitmaps would be intersected over every row
    # holding the words.
    named, in_names, params_names = "", "", []
    if len(first) >= MIN_TRIGRAM_TEXT:
        named = """named AS MATERIALIZED (
            SELECT d.id FROM directory_searchdocument d
            WHERE d.kind = %s AND d.name ILIKE %s LIMIT %s
        ),"""
        in_names = f"""
            UNION
            (SELECT d.id FROM named JOIN directory_searchdocument d ON d.id = named.id
             WHERE {condition} LIMIT %s)"""
        params_names = [kind, name_pattern, settings.SEARCH_CANDIDATES, *params, limit]
    sql = f"""
        WITH {named} matches AS MATERIALIZED (
            (SELECT d.id FROM directory_searchdocument d
             WHERE d.kind = %s AND {condition} LIMIT %s){in_names}
        )
        SELECT d.object_id,
               ts_rank(%s, d.vector, plainto_tsquery('english', %s))
               + CASE WHEN d.name ILIKE %s THEN 1 ELSE 0 END AS score,
               d.facets
        FROM matches JOIN directory_searchdocument d ON d.id = matches.id
        ORDER BY score DESC, d.object_id LIMIT %s"""
    scoring = [POSTGRES_RANK_WEIGHTS, words, name_pattern, limit]
    named_params, union_params = params_names[:3], params_names[3:]
    return _fetch(sql, [*named_params, *params_first, *union_params, *scoring])


def _pg_name_contains(fragment: str, kind: str, limit: int) -> list[tuple[int, float, str]]:
    sql = """
        SELECT d.object_id, 1.0, d.facets FROM directory_searchdocument d
        WHERE d.kind = %s AND d.name ILIKE %s
        ORDER BY length(d.name), d.object_id LIMIT %s"""
    return _fetch(sql, [kind, _like(fragment), limit])


def _pg_similar_terms(word: str, limit: int) -> list[tuple[str, int]]:
    sql = """
        SELECT term, documents FROM directory_searchterm
        WHERE term %% %s ORDER BY similarity(term, %s) DESC, documents DESC LIMIT %s"""
    return _fetch(sql, [word, word, limit])


# One interface -----------------------------------------------------------------------


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def ranked(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """(object_id, score, facets) of documents of `kind` matching the query, best first.

    The facet values come along so that counting the results needs no further query."""
    return (_pg_ranked if _postgres() else _sqlite_ranked)(parsed, kind, limit)


def name_contains(fragment: str, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """Documents whose name contains the fragment anywhere, shortest names first."""
    return (_pg_name_contains if _postgres() else _sqlite_name_contains)(fragment, kind, limit)


def similar_terms(word: str, limit: int = 30) -> list[tuple[str, int]]:
    """Vocabulary words sharing the most trigrams with `word`, with their document counts."""
    return (_pg_similar_terms if _postgres() else _sqlite_similar_terms)(word, limit)
