"""PostgreSQL: a stored, weighted tsvector with GIN indexes, websearch_to_tsquery, and
pg_trgm for names (Korean and fragments) and the vocabulary (typo correction).

A common query looks for its candidates among the first blocks of organizations (or of
programs) before the whole index (`_blocks`); every search runs under a time limit
(`_fetch_in_time`)."""

import functools
import math
import time
from typing import NamedTuple

from django.conf import settings
from django.db import OperationalError, transaction
from psycopg.errors import QueryCanceled

from directory.search.backends.common import fetch, hangul_phrases, latin_words, like_pattern
from directory.search.query import Item, ParsedQuery, QueryTooSlow

RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A, as ts_rank expects
# Documents per block of the organizations' and programs' full-text indexes (0020, 0034).
BLOCK = 4096
BLOCKED = ("organization", "program")
# A query expected to match at least BLOCK_SHARE of the documents looks first among as
# many blocks as should hold BLOCK_MARGIN times the candidates it ranks (`_blocks`).
BLOCK_SHARE = 0.05
BLOCK_MARGIN = 2
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


class Statistics(NamedTuple):
    frequencies: dict[str, dict[str, float]]  # full-text column: lexeme: share of documents
    last_block: dict[str, int]  # kind: the block of its document with the highest id


def _statistics() -> Statistics:
    """The share of documents holding each of the commonest lexemes of each full-text
    column, as ANALYZE last sampled them (PostgreSQL keeps them for the planner), and the
    last block of organizations and of programs; read again every few minutes."""
    return _sampled_statistics(int(time.monotonic() // STATISTICS_SECONDS))


@functools.lru_cache(maxsize=1)
def _sampled_statistics(period: int) -> Statistics:
    sql = """
        SELECT attname, most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats
        WHERE schemaname = current_schema() AND tablename = 'directory_searchdocument'
          AND attname IN ('vector', 'ngram_vector') AND most_common_elems IS NOT NULL"""
    frequencies = {
        column: dict(zip(lexemes, shares, strict=False))
        for column, lexemes, shares in fetch(sql, [])
    }
    sql = "SELECT max(object_id) FROM directory_searchdocument WHERE kind = %s"
    last = {kind: (fetch(sql, [kind])[0][0] or 0) // BLOCK for kind in BLOCKED}
    return Statistics(frequencies, last)


def _share(parsed: ParsedQuery, lexemes: dict[str, tuple[str, ...]]) -> float:
    """About how large a share of documents matches the query, going by its words'
    frequencies, as if its words were found together (as a query's words mostly are): an
    item or a group of required items is as common as its rarest word, alternatives add
    up, and each exclusion leaves the documents without its commonest word. A word too
    rare to be sampled counts as held by none."""
    frequencies = _statistics().frequencies
    words, ngrams = frequencies.get("vector", {}), frequencies.get("ngram_vector", {})

    def word_shares(item: Item) -> list[float]:
        shares = [words.get(word, 0.0) for word in lexemes.get(_text(item), ())]
        shares += [min(ngrams.get(token, 0.0) for token in run) for run in hangul_phrases(item)]
        return shares or [1.0]  # stop words alone: every document

    required = min(
        min(1.0, sum(min(word_shares(item)) for item in group)) for group in parsed.groups
    )
    return required * math.prod(1.0 - max(word_shares(item)) for item in parsed.excluded)


def _blocks(parsed: ParsedQuery, lexemes: dict[str, tuple[str, ...]], kind: str) -> int | None:
    """How many of the first blocks of `kind`'s documents to search before the whole
    index: enough to hold BLOCK_MARGIN times the candidates at the query's share. If its
    words are not found together after all, the blocks cost little next to the whole
    index, which is asked next.

    None, for the whole index at once, when the query matches less than BLOCK_SHARE of
    the documents even so: the blocks' own postings (4,096 a block) would then outnumber
    its own; and when the blocks would be every block there is."""
    share = _share(parsed, lexemes)
    if share < BLOCK_SHARE:
        return None
    # Excluded words are often found with the others, so their estimate is looser.
    margin = BLOCK_MARGIN * (2 if parsed.excluded else 1)
    blocks = math.ceil(margin * settings.SEARCH_CANDIDATES / (share * BLOCK))
    return blocks if blocks <= _statistics().last_block[kind] else None


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


# Set for a search's transaction only (and set back at once should it be part of a larger
# one): a time limit, and no sequential scan of the documents. Every search condition has
# an index, and a LIMIT over a misestimated condition (common words with an exclusion
# they go with) would otherwise have the planner read millions of rows for none.
_SETTINGS = """SELECT current_setting('statement_timeout'), current_setting('enable_seqscan'),
    set_config('statement_timeout', %s, true), set_config('enable_seqscan', %s, true)"""


def _fetch_in_time(sql: str, params: list) -> list[tuple]:
    """`fetch`, without sequential scans and cancelled after SEARCH_TIMEOUT_MS: a phrase of
    common words that occurs nowhere has every document holding all its words read."""
    try:
        with transaction.atomic():
            previous = fetch(_SETTINGS, [str(settings.SEARCH_TIMEOUT_MS), "off"])[0][:2]
            rows = fetch(sql, params)
            fetch(_SETTINGS, list(previous))
            return rows
    except OperationalError as error:
        if isinstance(error.__cause__, QueryCanceled):
            raise QueryTooSlow from None
        raise


def ranked(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float, str]]:
    """Rank a bounded candidate set: the first N matches, plus matches in names."""
    condition, params, lexemes = _condition(parsed)
    candidates = settings.SEARCH_CANDIDATES
    words = " ".join(" ".join(latin_words(item)) for item in parsed.items).strip()
    first = parsed.items[0].text
    name_pattern = like_pattern(first)
    # Each match is scored where it is found, its document row still at hand.
    columns = """d.id, d.object_id, d.facets, d.name ILIKE %s AS in_name,
        ts_rank(%s, d.vector, plainto_tsquery('english', %s))
        + CASE WHEN d.name ILIKE %s THEN 1 ELSE 0 END AS score"""
    scoring = [name_pattern, RANK_WEIGHTS, words, name_pattern]

    def indexed(gate: str = "") -> str:
        return f"""SELECT {columns} FROM directory_searchdocument d
                   WHERE {gate} d.kind = %s AND {condition} LIMIT %s"""

    blocks = _blocks(parsed, lexemes, kind) if kind in BLOCKED else None
    if blocks:
        # Look among the first blocks of documents (the index skips the postings of
        # all the others), and in the whole index only if they did not hold N matches
        # (the count is a one-time filter). The bound is a bigint, as the index's
        # operators need.
        in_blocks = indexed(f"d.object_id / {BLOCK} < %s::bigint AND")
        short = indexed("(SELECT count(*) FROM in_blocks) < %s AND")
        first_sql = f"""in_blocks AS MATERIALIZED ({in_blocks}),
            anywhere AS MATERIALIZED ({short}),
            first AS MATERIALIZED (SELECT * FROM in_blocks UNION SELECT * FROM anywhere)"""
        first_params = [*scoring, blocks, kind, *params, candidates]
        first_params += [*scoring, candidates, kind, *params, candidates]
    else:
        first_sql = f"first AS MATERIALIZED ({indexed()})"
        first_params = [*scoring, kind, *params, candidates]
    # Matches in names, through the trigram index, are wanted only when the first N did
    # not hold every match, nor as many matches in names as are returned (again a one-time
    # filter); no more of them than are returned. The index needs three characters to
    # narrow anything down, so a shorter first word (a two-syllable Korean word) goes
    # without. The names are looked up on their own (MATERIALIZED): planned together with
    # the text condition, the two indexes' bitmaps would be intersected over every row
    # holding the words.
    named, in_names, named_params = "", "", []
    if len(first) >= MIN_TRIGRAM_TEXT:
        named = """, named AS MATERIALIZED (
            SELECT d.id FROM directory_searchdocument d
            WHERE (SELECT count(*) FROM first) >= %s
              AND (SELECT count(*) FROM first WHERE in_name) < %s
              AND d.kind = %s AND d.name ILIKE %s
            LIMIT %s
        )"""
        in_names = f"""
            UNION
            (SELECT {columns} FROM named JOIN directory_searchdocument d ON d.id = named.id
             WHERE {condition} LIMIT %s)"""
        named_params = [candidates, limit, kind, name_pattern, limit, *scoring, *params, limit]
    sql = f"""
        WITH {first_sql}{named}
        SELECT object_id, score, facets FROM (SELECT * FROM first{in_names}) matches
        ORDER BY score DESC, object_id LIMIT %s"""
    return _fetch_in_time(sql, [*first_params, *named_params, limit])


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
