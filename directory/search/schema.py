"""The search schema: everything full-text search needs beyond the tables Django's models
declare (`SearchDocument`, `SearchTerm`), for each database, in one place.

Migrations install it from here (`install()`, from migration 0031 on); the migrations
before 0031 that created it piece by piece now leave it to that one. To change it, change
the declarations below and add a migration that calls `install()` again: it compares
each object with what the database holds and replaces only those that differ (an object
it no longer declares is dropped only when named in `RETIRED`). `docs/search.md`
explains what each part is for and how the backends (`backends/sqlite.py`,
`backends/postgres.py`) read them.

SQLite: FTS5 tables over views of the documents by kind, kept current by triggers on the
document table, so `SearchDocument` writes are all the index needs:
- `directory_search_org_fts`: organizations' text (porter stemming, Hangul n-grams);
- `directory_search_org_names`: organizations' names alone (is the word in a name?);
- `directory_search_program_fts`, `directory_search_issue_fts`: programs' and issues' text,
  a table each, so a search for issues reads no program's postings;
- `directory_search_trigram`: every name, in trigrams (a fragment of a name);
- `directory_term_trigram`: the vocabulary, in trigrams (typo correction);
- `directory_searchdoc_ranking`: the columns the ranking query reads (named by it).

PostgreSQL: stored, weighted tsvector columns generated from the document's text, and GIN
indexes over them: organizations' indexed with their block of 4,096 ids (btree_gin) so a
search reads about as many postings as it needs; the other kinds' apart; pg_trgm indexes
over names and the vocabulary.
"""

from contextlib import contextmanager
from dataclasses import dataclass

DOCUMENTS = "directory_searchdocument"
TERMS = "directory_searchterm"
TOKENIZE = "porter unicode61 remove_diacritics 2"
TEXT = ("name", "summary", "related", "body", "ngrams")
IS_ORGANIZATION = "kind = 'organization'"
BLOCK = 4096  # documents per block in PostgreSQL's organization and program indexes


@dataclass(frozen=True)
class Part:
    kind: str  # "table", "view", "trigger", "index", as the database's catalog names them
    name: str
    sql: str  # exactly as the database's catalog gives it back


# --- SQLite ------------------------------------------------------------------------------------


def _fts(table: str, content: str, columns: tuple[str, ...], tokenize: str) -> Part:
    cols = ", ".join(columns)
    return Part(
        "table",
        table,
        f"CREATE VIRTUAL TABLE {table} USING fts5({cols}, content='{content}', "
        f"content_rowid='id', tokenize='{tokenize}')",
    )


def _triggers(table: str, source: str, columns, where: str | None, on_update=None) -> list[Part]:
    """Insert, delete and update triggers on `source` that keep the FTS5 `table` current
    for the rows `where` holds (every row when None)."""
    cols = ", ".join(columns)

    def values(row):
        return ", ".join(f"{row}.{c}" for c in columns)

    if where is None:
        insert = f"INSERT INTO {table}(rowid, {cols}) VALUES (new.id, {values('new')});"
        delete = (
            f"INSERT INTO {table}({table}, rowid, {cols}) "
            f"VALUES ('delete', old.id, {values('old')});"
        )
    else:
        insert = (
            f"INSERT INTO {table}(rowid, {cols}) SELECT new.id, {values('new')} WHERE new.{where};"
        )
        delete = (
            f"INSERT INTO {table}({table}, rowid, {cols}) "
            f"SELECT 'delete', old.id, {values('old')} WHERE old.{where};"
        )
    update = f"AFTER UPDATE OF {', '.join(on_update)} ON" if on_update else "AFTER UPDATE ON"
    return [
        Part("trigger", f"{table}_ai", f"CREATE TRIGGER {table}_ai AFTER INSERT ON {source} "
                                       f"BEGIN {insert} END"),
        Part("trigger", f"{table}_ad", f"CREATE TRIGGER {table}_ad AFTER DELETE ON {source} "
                                       f"BEGIN {delete} END"),
        Part("trigger", f"{table}_au", f"CREATE TRIGGER {table}_au {update} {source} "
                                       f"BEGIN {delete} {insert} END"),
    ]  # fmt: skip


def _view(name: str, columns, where: str) -> Part:
    return Part(
        "view",
        name,
        f"CREATE VIEW {name} AS SELECT id, {', '.join(columns)} FROM {DOCUMENTS} "
        f"WHERE {DOCUMENTS}.{where}",
    )


ORG_ROWS = "directory_search_org_rows"
PROGRAM_ROWS, ISSUE_ROWS = "directory_search_program_rows", "directory_search_issue_rows"
IS_PROGRAM, IS_ISSUE = "kind = 'program'", "kind = 'issue'"
SQLITE = [
    _view(ORG_ROWS, TEXT, IS_ORGANIZATION),
    _view(PROGRAM_ROWS, TEXT, IS_PROGRAM),
    _view(ISSUE_ROWS, TEXT, IS_ISSUE),
    _fts("directory_search_org_fts", ORG_ROWS, TEXT, TOKENIZE),
    *_triggers("directory_search_org_fts", DOCUMENTS, TEXT, IS_ORGANIZATION, ("kind", *TEXT)),
    _fts("directory_search_org_names", ORG_ROWS, ("name",), TOKENIZE),
    *_triggers(
        "directory_search_org_names", DOCUMENTS, ("name",), IS_ORGANIZATION, ("kind", "name")
    ),
    _fts("directory_search_program_fts", PROGRAM_ROWS, TEXT, TOKENIZE),
    *_triggers("directory_search_program_fts", DOCUMENTS, TEXT, IS_PROGRAM, ("kind", *TEXT)),
    _fts("directory_search_issue_fts", ISSUE_ROWS, TEXT, TOKENIZE),
    *_triggers("directory_search_issue_fts", DOCUMENTS, TEXT, IS_ISSUE, ("kind", *TEXT)),
    _fts("directory_search_trigram", DOCUMENTS, ("name",), "trigram"),
    *_triggers("directory_search_trigram", DOCUMENTS, ("name",), None),
    _fts("directory_term_trigram", TERMS, ("term",), "trigram"),
    *_triggers("directory_term_trigram", TERMS, ("term",), None),
    Part(
        "index",
        "directory_searchdoc_ranking",
        f"CREATE INDEX directory_searchdoc_ranking ON {DOCUMENTS} (id, object_id, facets)",
    ),
]
FTS_TABLES = [part.name for part in SQLITE if part.sql.startswith("CREATE VIRTUAL TABLE")]

# --- PostgreSQL ----------------------------------------------------------------------------------

EXTENSIONS = ("pg_trgm", "btree_gin")
_WEIGHTED = " || ".join(
    f"setweight(to_tsvector('english'::regconfig, coalesce({column}, '')), '{weight}')"
    for column, weight in (("name", "A"), ("summary", "B"), ("related", "C"), ("body", "D"))
)
# Generated columns: added when missing (a change of expression needs a migration of its own:
# replacing one rewrites the table).
COLUMNS = {
    "vector": f"tsvector GENERATED ALWAYS AS ({_WEIGHTED}) STORED",
    "ngram_vector": "tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, coalesce(ngrams, ''))) STORED",
}
# The vector stays in the row (compressed) for ranking; descriptions go out of line first.
STORAGE = {"vector": "MAIN"}


ORGANIZATIONS_ONLY = "WHERE ((kind)::text = 'organization'::text)"
PROGRAMS_ONLY = "WHERE ((kind)::text = 'program'::text)"
ISSUES_ONLY = "WHERE ((kind)::text = 'issue'::text)"
OTHERS_ONLY = "WHERE ((kind)::text <> 'organization'::text)"
# Organizations and programs (three a listing at 1M) are indexed with their block, so that
# a common word's first matches are found among the first blocks (`backends.postgres`).
_INDEXES = [
    ("directory_searchdoc_org_vector", DOCUMENTS,
     f"gin (vector, ((object_id / {BLOCK}))) {ORGANIZATIONS_ONLY}"),
    ("directory_searchdoc_org_ngrams", DOCUMENTS,
     f"gin (ngram_vector, ((object_id / {BLOCK}))) {ORGANIZATIONS_ONLY}"),
    ("directory_searchdoc_org_name_trgm", DOCUMENTS,
     f"gin (name gin_trgm_ops) {ORGANIZATIONS_ONLY}"),
    ("directory_searchdoc_program_vector", DOCUMENTS,
     f"gin (vector, ((object_id / {BLOCK}))) {PROGRAMS_ONLY}"),
    ("directory_searchdoc_program_ngrams", DOCUMENTS,
     f"gin (ngram_vector, ((object_id / {BLOCK}))) {PROGRAMS_ONLY}"),
    ("directory_searchdocument_vector", DOCUMENTS, f"gin (vector) {ISSUES_ONLY}"),
    ("directory_searchdocument_ngram_vector", DOCUMENTS, f"gin (ngram_vector) {ISSUES_ONLY}"),
    ("directory_searchdocument_name_trgm", DOCUMENTS, f"gin (name gin_trgm_ops) {OTHERS_ONLY}"),
    ("directory_searchterm_term_trgm", TERMS, "gin (term gin_trgm_ops)"),
]  # fmt: skip
# Written as `pg_indexes.indexdef` gives them back, so that they compare as text.
POSTGRES = [
    Part("index", name, f"CREATE INDEX {name} ON public.{table} USING {definition}")
    for name, table, definition in _INDEXES
]

# Objects an earlier schema had and this one does not: dropped when `install()` runs.
RETIRED = {
    "sqlite": [  # programs and issues shared one table until migration 0032
        "TRIGGER IF EXISTS directory_search_fts_ai",
        "TRIGGER IF EXISTS directory_search_fts_ad",
        "TRIGGER IF EXISTS directory_search_fts_au",
        "TABLE IF EXISTS directory_search_fts",
        "VIEW IF EXISTS directory_search_other_rows",
    ],
    "postgresql": [],
}

# --- installing ----------------------------------------------------------------------------------


def _held(cursor, vendor: str) -> dict[str, str]:
    """The definition of every table, view, trigger and index the database holds, by name."""
    if vendor == "sqlite":
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    else:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s)",
            [DOCUMENTS, TERMS],
        )
    return dict(cursor.fetchall())


def _drop(part: Part) -> str:
    keyword = "TABLE" if part.kind == "table" else part.kind.upper()
    return f"DROP {keyword} IF EXISTS {part.name}"


def declared(vendor: str) -> list[Part]:
    return {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, [])


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection) -> list[str]:
    """Bring the database's search schema to the one declared here; returns the names of
    the objects it (re)created. Objects that already match are left alone, so running it
    on an up-to-date database changes nothing."""
    vendor = connection.vendor
    if vendor == "postgresql":
        _run(connection, [f"CREATE EXTENSION IF NOT EXISTS {name}" for name in EXTENSIONS])
        _run(connection, [
            f"ALTER TABLE {DOCUMENTS} ADD COLUMN IF NOT EXISTS {column} {definition}"
            for column, definition in COLUMNS.items()
        ] + [
            f"ALTER TABLE {DOCUMENTS} ALTER COLUMN {column} SET STORAGE {storage}"
            for column, storage in STORAGE.items()
        ])  # fmt: skip
    with connection.cursor() as cursor:
        held = _held(cursor, vendor)
    _run(connection, [f"DROP {name}" for name in RETIRED.get(vendor, [])])
    stale = [part for part in declared(vendor) if held.get(part.name) != part.sql]
    # Triggers and tables first, then views: a view is read by a table's content.
    _run(connection, [_drop(part) for part in sorted(stale, key=lambda p: p.kind == "view")])
    _run(connection, [part.sql for part in sorted(stale, key=lambda p: p.kind != "view")])
    if vendor == "sqlite" and stale:
        _fill(connection)
    return [part.name for part in stale]


def _fill(connection, optimize: bool = False) -> None:
    """Read the documents into every SQLite full-text table afresh; `optimize` merges each
    into one segment (at 100k organizations, searches then take half the time)."""
    for table in FTS_TABLES:
        _run(connection, [f"INSERT INTO {table}({table}) VALUES ('rebuild')"])
        if optimize:
            _run(connection, [f"INSERT INTO {table}({table}) VALUES ('optimize')"])


def uninstall(connection) -> None:
    """Drop everything `install()` creates (migrating back before 0031)."""
    vendor = connection.vendor
    _run(connection, [_drop(p) for p in sorted(declared(vendor), key=lambda p: p.kind == "view")])
    if vendor == "postgresql":
        _run(connection, [f"ALTER TABLE {DOCUMENTS} DROP COLUMN IF EXISTS {c}" for c in COLUMNS])


@contextmanager
def lifted(connection, offline: bool = False):
    """Lift what keeps the full-text indexes current during a bulk load of documents, and
    build each index once after, inside the caller's transaction: SQLite's triggers (then
    every FTS5 table is rebuilt and optimized); with `offline`, PostgreSQL's GIN indexes
    too (then created afresh, far faster than inserting into them row by row, but every
    search waits for the transaction to end: for a first load or a maintenance window).
    If the load fails, the transaction's rollback puts them back."""
    vendor = connection.vendor
    kind = "trigger" if vendor == "sqlite" else "index" if offline else None
    parts = [part for part in declared(vendor) if part.kind == kind]
    _run(connection, [_drop(part) for part in parts])
    yield
    if vendor == "postgresql" and parts:
        _run(connection, ["SET LOCAL maintenance_work_mem = '256MB'"])
    _run(connection, [part.sql for part in parts])
    if vendor == "sqlite":
        _fill(connection, optimize=True)


# --- upkeep ------------------------------------------------------------------------------------


def optimize(connection) -> list[str]:
    """Tidy the full-text indexes that a day of changes has left in pieces; returns what
    it tidied. SQLite: every change adds segments to an FTS5 table that automatic merging
    leaves for a while (at 100k organizations, 60 changes made searches take 60% longer),
    and `optimize` merges each table into one. PostgreSQL: each GIN index's pending list
    is merged in, and the search tables get fresh planner statistics. Searches may run
    meanwhile; run it when the site is quiet (the daily timer does)."""
    if connection.vendor == "sqlite":
        _run(connection, [f"INSERT INTO {t}({t}) VALUES ('optimize')" for t in FTS_TABLES])
        return list(FTS_TABLES)
    indexes = [part.name for part in POSTGRES]
    _run(connection, [f"SELECT gin_clean_pending_list('{name}'::regclass)" for name in indexes])
    return [*indexes, *analyze(connection)]


# What search and the filters read, besides the full-text indexes: the documents, the
# vocabulary, and the counts and members of each facet value.
READ = (DOCUMENTS, TERMS, "directory_facetmember", "directory_facetcount")


def analyze(connection) -> list[str]:
    """PostgreSQL: fresh planner statistics for what search and the filters read; returns
    the tables. After a rebuild or a bulk load they have none, and the planner's guesses
    were ruinous at 1M: a list narrowed by an issue and a country took 700 ms instead of
    27, `/search/` 750 ms instead of 39, a curator's save 77 instead of 27."""
    if connection.vendor != "postgresql":
        return []
    _run(connection, [f"ANALYZE {', '.join(READ)}"])
    return list(READ)
