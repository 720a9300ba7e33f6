"""The search schema as `directory/search/schema.py` declares it: what every migrated
database holds, and what `install()` puts right when a database holds something else."""

import pytest
from django.db import connection

from directory import search
from directory.search import schema
from tests.factories import make_org

pytestmark = pytest.mark.django_db


class _Editor:
    """What `install()` uses of a schema editor, inside the test's transaction (SQLite's
    schema editor refuses to open in one)."""

    def __init__(self):
        self.connection = connection

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params or None)


def _held() -> dict[str, str]:
    with connection.cursor() as cursor:
        return schema._held(cursor, connection.vendor)


def test_a_migrated_database_holds_the_declared_schema_exactly():
    held = _held()
    for part in schema.declared(connection.vendor):
        assert held.get(part.name) == part.sql, part.name
    assert schema.install(_Editor()) == []  # nothing to change


def test_install_replaces_what_differs_and_search_still_finds():
    org = make_org("Harbor Lantern Relief")
    part = schema.declared(connection.vendor)[-1]  # the last declared object, changed
    editor = _Editor()
    editor.execute(schema._drop(part))
    if connection.vendor == "sqlite":
        editor.execute("CREATE INDEX directory_searchdoc_ranking ON directory_searchdocument (id)")
    else:
        editor.execute(f"CREATE INDEX {part.name} ON directory_searchterm (term)")

    assert schema.install(editor) == [part.name]

    assert _held()[part.name] == part.sql
    assert search.search(search.parse("lantern"), "organization") == [org.pk]
