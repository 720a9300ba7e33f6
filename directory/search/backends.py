"""The two full-text engines behind `directory.search`, one per database.

Each takes a ParsedQuery and returns ranked (object_id, score) pairs for one kind of
document, best first, never more than `limit`. Only `directory.search` calls them.
"""

from django.db import connection

from directory.search.query import Item, ParsedQuery

# Relative weight of each column: name and alternate name, then summary, then the names of
# programs, issues and focus areas, then descriptions.
SQLITE_BM25_WEIGHTS = (10.0, 4.0, 2.0, 1.0)
POSTGRES_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A as ts_rank expects
COLUMNS = ("name", "summary", "related", "body")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _substring_condition(parsed: ParsedQuery, like: str) -> tuple[str, list[str]]:
    """Every group must match some column as a substring: for Hangul, which has no stemmer."""

    def item_sql(item: Item) -> tuple[str, list[str]]:
        pattern = _like_pattern(item.text)
        sql = " OR ".join(f"d.{column} {like} %s ESCAPE '\\'" for column in COLUMNS)
        return f"({sql})", [pattern] * len(COLUMNS)

    clauses, params = [], []
    for group in parsed.groups:
        parts = [item_sql(item) for item in group]
        clauses.append("(" + " OR ".join(sql for sql, _ in parts) + ")")
        params += [p for _, item_params in parts for p in item_params]
    for item in parsed.excluded:
        sql, item_params = item_sql(item)
        clauses.append(f"NOT {sql}")
        params += item_params
    return " AND ".join(clauses), params


def _substring_search(parsed: ParsedQuery, kind: str, limit: int, like: str):
    condition, params = _substring_condition(parsed, like)
    first = _like_pattern(parsed.items[0].text)
    sql = (
        "SELECT d.object_id, CASE WHEN d.name " + like + " %s ESCAPE '\\' THEN 1 ELSE 0 END"
        " FROM directory_searchdocument d WHERE d.kind = %s AND " + condition + " ORDER BY 2 DESC,"
        " length(d.name), d.object_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, kind, *params, limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def _fts5_item(item: Item) -> str:
    # Words contain only \w characters, so quoting them cannot break out of the string.
    return '"' + " ".join(item.words) + '"'


def fts5_expression(parsed: ParsedQuery) -> str:
    groups = [
        "(" + " OR ".join(_fts5_item(item) for item in group) + ")" for group in parsed.groups
    ]
    expression = " AND ".join(groups)
    if parsed.excluded:
        excluded = " OR ".join(_fts5_item(item) for item in parsed.excluded)
        expression = f"({expression}) NOT ({excluded})"
    return expression


def sqlite_search(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float]]:
    if parsed.has_hangul:
        return _substring_search(parsed, kind, limit, "LIKE")
    weights = ", ".join(str(w) for w in SQLITE_BM25_WEIGHTS)
    sql = (
        f"SELECT d.object_id, -bm25(directory_search_fts, {weights}) AS score"
        " FROM directory_search_fts JOIN directory_searchdocument d"
        " ON d.id = directory_search_fts.rowid"
        " WHERE directory_search_fts MATCH %s AND d.kind = %s"
        " ORDER BY score DESC, d.object_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [fts5_expression(parsed), kind, limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def postgres_search(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float]]:
    if parsed.has_hangul:
        return _substring_search(parsed, kind, limit, "ILIKE")
    sql = (
        "SELECT d.object_id, ts_rank(%s, d.vector, q) AS score"
        " FROM directory_searchdocument d, websearch_to_tsquery('english', %s) q"
        " WHERE d.kind = %s AND d.vector @@ q"
        " ORDER BY score DESC, d.object_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [POSTGRES_RANK_WEIGHTS, parsed.websearch_text(), kind, limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def run(parsed: ParsedQuery, kind: str, limit: int) -> list[tuple[int, float]]:
    engine = postgres_search if connection.vendor == "postgresql" else sqlite_search
    return engine(parsed, kind, limit)
