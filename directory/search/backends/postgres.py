"""PostgreSQL: a stored, weighted tsvector with a GIN index, websearch_to_tsquery, and
pg_trgm for names (Korean and fragments) and the vocabulary (typo correction)."""

import functools
import time

from django.conf import settings

from directory.search.backends.common import fetch, hangul_phrases, latin_words, like_pattern
from directory.search.query import Item, ParsedQuery

RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A, as ts_rank expects
# A query matching at least this share of documents reads them in order (`_scan_first`).
SCAN_SHARE = 0.1
STATISTICS_SECONDS = 300
# The trigram index needs three characters to narrow anything down.
MIN_TRIGRAM_TEXT = 3


def _text(item: Item) -> str | None:
    """The item's words as websearch_to_tsquery reads them (a phrase in quotes)."""
    words = latin_words(item)
    if not words:
        return None
    return f'"{" ".join(words)}"' if len(words) > 1 else words[0]


def _lexemes(parsed: ParsedQuery) -> dict[str, tuple[str, ...]]:
    """Each item's text with the lexemes PostgreSQL's English dictionary makes of it: none
    for stop words alone ("the").

    Asked once, before the search, so that the search's own condition is a plain `@@`
    its GIN index can answer (a test for an empty tsquery inside it would not be), and so
    that the words' frequencies tell how to look for their first matches."""
    texts = sorted({text for item in (*parsed.items, *parsed.excluded) if (text := _text(item))})
    return _lexemes_of(tuple(texts)) if texts else {}


@functools.lru_cache(maxsize=1024)
def _lexemes_of(texts: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    # The dictionary is fixed, so a search over several kinds (or a repeated one) asks once.
    sql = "SELECT t, tsvector_to_array(to_tsvector('english', t)) FROM unnest(%s::text[]) t"
    return {text: tuple(lexemes) for text, lexemes in fetch(sql, [list(texts)])}


def _frequencies() -> dict[str, float]:
    """The share of documents holding each of the commonest lexemes, as ANALYZE last
    sampled them (PostgreSQL keeps them for the planner), read again every few minutes."""
    return _sampled_frequencies(int(time.monotonic() // STATISTICS_SECONDS))


@functools.lru_cache(maxsize=1)
def _sampled_frequencies(period: int) -> dict[str, float]:
    sql = """
        SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats
        WHERE schemaname = current_schema() AND tablename = 'directory_searchdocument'
          AND attname = 'vector'"""
    rows = fetch(sql, [])
    if not rows or rows[0][0] is None:
        return {}
    lexemes, frequencies = rows[0]
    return dict(zip(lexemes, frequencies, strict=False))


def _share(parsed: ParsedQuery, lexemes: dict[str, tuple[str, ...]]) -> float:
    """At most how large a share of documents holds the query's required items, going by
    their words' frequencies: an item is no commoner than its rarest word (a word too rare
    to be sampled counts as none), alternatives add up, and required groups all apply.
    Korean n-grams are not sampled, so an item holding Hangul counts as rare."""
    frequencies = _frequencies()

    def item_share(item: Item) -> float:
        if item.has_hangul:
            return 0.0
        words = lexemes.get(_text(item), ())
        return min((frequencies.get(word, 0.0) for word in words), default=1.0)

    return min((min(1.0, sum(map(item_share, group))) for group in parsed.groups), default=1.0)


def _scan_first(parsed: ParsedQuery, lexemes: dict[str, tuple[str, ...]]) -> bool:
    """Whether to look for the first matches by reading documents in order, before asking
    the GIN index, which reads every posting of every word of the query.

    The planner estimates a single word well and chooses so itself; it takes the words of
    a phrase or of several required items for independent, and reads every posting of
    words most documents hold. Exclusions make any estimate unreliable."""
    words = sum(len(latin_words(item)) for group in parsed.groups for item in group)
    return words > 1 and not parsed.excluded and _share(parsed, lexemes) >= SCAN_SHARE


def _item(item: Item, empty: frozenset[str]) -> tuple[str, list]:
    parts, params = [], []
    text = _text(item)
    # Stop words alone constrain nothing, as they would inside one websearch_to_tsquery.
    if text and text not in empty:
        parts.append("d.vector @@ websearch_to_tsquery('english', %s)")
        params.append(text)
    for tokens in hangul_phrases(item):
        parts.append("d.ngram_vector @@ to_tsquery('simple', %s)")
        params.append(" <-> ".join(f"'{token}'" for token in tokens))
    return "(" + (" AND ".join(parts) or "TRUE") + ")", params


def _one_tsquery(parsed: ParsedQuery, empty: frozenset[str]) -> tuple[str, list]:
    """The whole query as one tsquery (`&&`, `||`, `!!`), so that the GIN index applies the
    exclusions too: `a AND NOT b` as two conditions reads every row holding `a`."""
    parts, params = [], []
    for group in parsed.groups:
        texts = [_text(item) for item in group]
        if any(text in empty for text in texts):
            continue  # an alternative of stop words only: the group constrains nothing
        parts.append("(" + " || ".join(["websearch_to_tsquery('english', %s)"] * len(texts)) + ")")
        params += texts
    for item in parsed.excluded:
        text = _text(item)
        if text in empty:
            return "FALSE", []  # excluding what every document "holds"
        parts.append("!! websearch_to_tsquery('english', %s)")
        params.append(text)
    if not parts:
        return "TRUE", []
    return "d.vector @@ (" + " && ".join(parts) + ")", params


def _condition(parsed: ParsedQuery) -> tuple[str, list, dict[str, tuple[str, ...]]]:
    """The query's SQL condition and its parameters, and the lexemes of its items."""
    lexemes = _lexemes(parsed)
    empty = frozenset(text for text, words in lexemes.items() if not words)
    if not any(item.has_hangul for item in (*parsed.items, *parsed.excluded)):
        return *_one_tsquery(parsed, empty), lexemes
    clauses, params = [], []
    for group in parsed.groups:
        compiled = [_item(item, empty) for item in group]
        clauses.append("(" + " OR ".join(sql for sql, _ in compiled) + ")")
        params += [p for _, item_params in compiled for p in item_params]
    for item in parsed.excluded:
        sql, item_params = _item(item, empty)
        clauses.append(f"NOT {sql}")
        params += item_params
    return " AND ".join(clauses), params, lexemes


def ranked(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """Rank a bounded candidate set: the first N matches, plus matches in names."""
    condition, params, lexemes = _condition(parsed)
    candidates = settings.SEARCH_CANDIDATES
    words = " ".join(" ".join(latin_words(item)) for item in parsed.items).strip()
    first = parsed.items[0].text
    name_pattern = like_pattern(first)
    # Each match is scored where it is found, its document row still at hand.
    columns = """d.id, d.object_id, d.facets,
        ts_rank(%s, d.vector, plainto_tsquery('english', %s))
        + CASE WHEN d.name ILIKE %s THEN 1 ELSE 0 END AS score"""
    scoring = [RANK_WEIGHTS, words, name_pattern]

    def indexed(gate: str = "") -> str:
        return f"""SELECT {columns} FROM directory_searchdocument d
                   WHERE {gate} d.kind = %s AND {condition} LIMIT %s"""

    if _scan_first(parsed, lexemes):
        # Read at most as many documents as should hold N matches at the expected share
        # (OFFSET 0 keeps the condition out of the subquery, out of reach of the index),
        # and ask the index only if they did not (the count is a one-time filter).
        scanned = f"""SELECT {columns} FROM (SELECT * FROM directory_searchdocument
                      WHERE kind = %s LIMIT %s OFFSET 0) d WHERE {condition} LIMIT %s"""
        short = indexed("(SELECT count(*) FROM scanned) < %s AND")
        first_sql = f"""scanned AS MATERIALIZED ({scanned}),
            indexed AS MATERIALIZED ({short}),
            first AS MATERIALIZED (SELECT * FROM scanned UNION SELECT * FROM indexed)"""
        rows = int(candidates / SCAN_SHARE)
        first_params = [*scoring, kind, rows, *params, candidates]
        first_params += [*scoring, candidates, kind, *params, candidates]
    else:
        first_sql = f"first AS MATERIALIZED ({indexed()})"
        first_params = [*scoring, kind, *params, candidates]
    # Matches in names, through the trigram index, are wanted only when the first N did
    # not hold every match (again a one-time filter). The index needs three characters to
    # narrow anything down, so a shorter first word (a two-syllable Korean word) goes
    # without. The names are looked up on their own (MATERIALIZED): planned together with
    # the text condition, the two indexes' bitmaps would be intersected over every row
    # holding the words.
    named, in_names, named_params = "", "", []
    if len(first) >= MIN_TRIGRAM_TEXT:
        named = """, named AS MATERIALIZED (
            SELECT d.id FROM directory_searchdocument d
            WHERE (SELECT count(*) FROM first) >= %s AND d.kind = %s AND d.name ILIKE %s
            LIMIT %s
        )"""
        in_names = f"""
            UNION
            (SELECT {columns} FROM named JOIN directory_searchdocument d ON d.id = named.id
             WHERE {condition} LIMIT %s)"""
        named_params = [candidates, kind, name_pattern, candidates, *scoring, *params, limit]
    sql = f"""
        WITH {first_sql}{named}
        SELECT object_id, score, facets FROM (SELECT * FROM first{in_names}) matches
        ORDER BY score DESC, object_id LIMIT %s"""
    return fetch(sql, [*first_params, *named_params, limit])


def name_contains(fragment: str, kind: str, limit: int) -> list[tuple[int, float, str]]:
    sql = """
        SELECT d.object_id, 1.0, d.facets FROM directory_searchdocument d
        WHERE d.kind = %s AND d.name ILIKE %s
        ORDER BY length(d.name), d.object_id LIMIT %s"""
    return fetch(sql, [kind, like_pattern(fragment), limit])


def similar_terms(word: str, limit: int) -> list[tuple[str, int]]:
    sql = """
        SELECT term, documents FROM directory_searchterm
        WHERE term %% %s ORDER BY similarity(term, %s) DESC, documents DESC LIMIT %s"""
    return fetch(sql, [word, word, limit])
