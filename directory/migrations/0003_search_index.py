"""Full-text indexes over SearchDocument, one kind per database.

SQLite: two external-content FTS5 tables kept in step by triggers, one with porter
stemming for words and one with trigrams for Korean and substrings.
PostgreSQL: a stored, weighted tsvector column with a GIN index.
"""

from django.db import migrations

FTS_COLUMNS = "name, summary, related, body"
SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE directory_search_fts USING fts5({FTS_COLUMNS},
        content='directory_searchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE VIRTUAL TABLE directory_search_trigram USING fts5({FTS_COLUMNS},
        content='directory_searchdocument', content_rowid='id', tokenize='trigram')""",
]
for table in ("directory_search_fts", "directory_search_trigram"):
    SQLITE_FORWARD += [
        f"""CREATE TRIGGER {table}_ai AFTER INSERT ON directory_searchdocument BEGIN
            INSERT INTO {table}(rowid, {FTS_COLUMNS})
            VALUES (new.id, new.name, new.summary, new.related, new.body);
        END""",
        f"""CREATE TRIGGER {table}_ad AFTER DELETE ON directory_searchdocument BEGIN
            INSERT INTO {table}({table}, rowid, {FTS_COLUMNS})
            VALUES ('delete', old.id, old.name, old.summary, old.related, old.body);
        END""",
        f"""CREATE TRIGGER {table}_au AFTER UPDATE ON directory_searchdocument BEGIN
            INSERT INTO {table}({table}, rowid, {FTS_COLUMNS})
            VALUES ('delete', old.id, old.name, old.summary, old.related, old.body);
            INSERT INTO {table}(rowid, {FTS_COLUMNS})
            VALUES (new.id, new.name, new.summary, new.related, new.body);
        END""",
    ]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_{suffix}"
    for table in ("directory_search_fts", "directory_search_trigram")
    for suffix in ("ai", "ad", "au")
] + [
    "DROP TABLE IF EXISTS directory_search_fts",
    "DROP TABLE IF EXISTS directory_search_trigram",
]

POSTGRES_FORWARD = [
    """ALTER TABLE directory_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(related, '')), 'C')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'D')
    ) STORED""",
    "CREATE INDEX directory_searchdocument_vector ON directory_searchdocument USING gin (vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS directory_searchdocument_vector",
    "ALTER TABLE directory_searchdocument DROP COLUMN IF EXISTS vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_countries")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
