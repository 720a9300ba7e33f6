"""SQLite: organizations get a full-text table of their own.

Nearly every search is for organizations. In the shared table their words sat in the same
posting lists as those of three times as many programs, and each query had to intersect a
`kind` token held by every document; bm25 counts the documents of each phrase over the
whole table. Organizations now have `directory_search_org_fts` and the shared table keeps
programs and issues. Each is an external-content table over a view of its rows, so that
FTS5's 'rebuild' reads only those; triggers on the document table keep both current, and
an update of the facet values alone no longer rewrites the text index.
PostgreSQL is unchanged: its GIN index already answers one kind without the other.
"""

from django.db import migrations

SOURCE = "directory_searchdocument"
TOKENIZE = "porter unicode61 remove_diacritics 2"
TEXT = ["name", "summary", "related", "body", "ngrams"]


def _fts(table, view, columns, condition):
    cols = ", ".join(columns)

    def values(row):
        return ", ".join(f"{row}.{c}" for c in columns)

    insert = f"INSERT INTO {table}(rowid, {cols}) SELECT new.id, {values('new')} WHERE {condition('new')};"
    delete = (
        f"INSERT INTO {table}({table}, rowid, {cols}) "
        f"SELECT 'delete', old.id, {values('old')} WHERE {condition('old')};"
    )
    return [
        f"CREATE VIEW {view} AS SELECT id, {cols} FROM {SOURCE} WHERE {condition(SOURCE)}",
        f"CREATE VIRTUAL TABLE {table} USING fts5({cols}, content='{view}', "
        f"content_rowid='id', tokenize='{TOKENIZE}')",
        f"INSERT INTO {table}({table}) VALUES ('rebuild')",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON {SOURCE} BEGIN {insert} END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON {SOURCE} BEGIN {delete} END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE OF kind, {', '.join(TEXT)} ON {SOURCE} "
        f"BEGIN {delete} {insert} END",
    ]


def _drop(table, view=None):
    statements = [f"DROP TRIGGER IF EXISTS {table}_{suffix}" for suffix in ("ai", "ad", "au")]
    statements.append(f"DROP TABLE IF EXISTS {table}")
    if view:
        statements.append(f"DROP VIEW IF EXISTS {view}")
    return statements


def _organizations(row):
    return f"{row}.kind = 'organization'"


def _others(row):
    return f"{row}.kind <> 'organization'"


def _all(row):
    return "1"


FORWARD = [
    *_drop("directory_search_fts"),
    *_fts("directory_search_fts", "directory_search_other_rows", ["kind", *TEXT], _others),
    *_fts("directory_search_org_fts", "directory_search_org_rows", TEXT, _organizations),
]

# Back to one table over every document, as migration 0004 made it.
_ONE_TABLE = [
    statement.replace(" WHERE 1", "")
    for statement in _fts("directory_search_fts", "unused", ["kind", *TEXT], _all)[1:]
]
BACKWARD = [
    *_drop("directory_search_org_fts", "directory_search_org_rows"),
    *_drop("directory_search_fts", "directory_search_other_rows"),
    *[s.replace("content='unused'", f"content='{SOURCE}'") for s in _ONE_TABLE],
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0016_searchdocument_facets")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
