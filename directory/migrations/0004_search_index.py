"""Full-text indexes over SearchDocument and SearchTerm, one kind per database.

SQLite: an external-content FTS5 table with porter stemming over every column (Hangul
n-grams included), a trigram FTS5 table over names for substrings, and a trigram table
over the vocabulary for typo correction, all kept in step by triggers.
PostgreSQL: a stored, weighted tsvector column with a GIN index, a second one over the
Hangul n-grams, and pg_trgm indexes over names and the vocabulary.
"""

from django.db import migrations

# `kind` is indexed too, so that a query for one kind is an FTS intersection, not a filter
# applied after the match.
FTS_COLUMNS = ["kind", "name", "summary", "related", "body", "ngrams"]


def _external_content_fts(table, source, columns, tokenize, rowid="id"):
    """An FTS5 table indexing `source`, and the triggers that keep it in step."""
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {table}(rowid, {cols}) VALUES (new.{rowid}, {new});"
    delete = f"INSERT INTO {table}({table}, rowid, {cols}) VALUES ('delete', old.{rowid}, {old});"
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5({cols}, content='{source}', "
        f"content_rowid='{rowid}', tokenize='{tokenize}')",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON {source} BEGIN {insert} END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON {source} BEGIN {delete} END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE ON {source} BEGIN {delete} {insert} END",
    ]


def _drop_fts(table):
    return [f"DROP TRIGGER IF EXISTS {table}_{suffix}" for suffix in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {table}"
    ]


SQLITE_FORWARD = [
    *_external_content_fts(
        "directory_search_fts",
        "directory_searchdocument",
        FTS_COLUMNS,
        "porter unicode61 remove_diacritics 2",
    ),
    *_external_content_fts(
        "directory_search_trigram", "directory_searchdocument", ["name"], "trigram"
    ),
    *_external_content_fts("directory_term_trigram", "directory_searchterm", ["term"], "trigram"),
]
SQLITE_BACKWARD = [
    *_drop_fts("directory_search_fts"),
    *_drop_fts("directory_search_trigram"),
    *_drop_fts("directory_term_trigram"),
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """ALTER TABLE directory_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(related, '')), 'C')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'D')
    ) STORED""",
    """ALTER TABLE directory_searchdocument ADD COLUMN ngram_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, coalesce(ngrams, ''))
    ) STORED""",
    "CREATE INDEX directory_searchdocument_vector ON directory_searchdocument USING gin (vector)",
    "CREATE INDEX directory_searchdocument_ngram_vector ON directory_searchdocument "
    "USING gin (ngram_vector)",
    "CREATE INDEX directory_searchdocument_name_trgm ON directory_searchdocument "
    "USING gin (name gin_trgm_ops)",
    "CREATE INDEX directory_searchterm_term_trgm ON directory_searchterm "
    "USING gin (term gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS directory_searchterm_term_trgm",
    "DROP INDEX IF EXISTS directory_searchdocument_name_trgm",
    "DROP INDEX IF EXISTS directory_searchdocument_ngram_vector",
    "DROP INDEX IF EXISTS directory_searchdocument_vector",
    "ALTER TABLE directory_searchdocument DROP COLUMN IF EXISTS ngram_vector",
    "ALTER TABLE directory_searchdocument DROP COLUMN IF EXISTS vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_search_ngrams_and_vocabulary")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
