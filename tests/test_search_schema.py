"""The search schema as `directory/search/schema.py` declares it: what every migrated
database holds, and what `install()` puts right when a database holds something else."""

from io import StringIO

import pytest
from django.db import connection

from directory import search
from directory.search import index, schema
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def _held() -> dict[str, str]:
    with connection.cursor() as cursor:
        return schema._held(cursor, connection.vendor)


def test_a_migrated_database_holds_the_declared_schema_exactly():
    held = _held()
    for part in schema.declared(connection.vendor):
        assert held.get(part.name) == part.sql, part.name
    assert schema.install(connection) == []  # nothing to change


def test_install_replaces_what_differs_and_search_still_finds():
    org = make_org("Harbor Lantern Relief")
    part = schema.declared(connection.vendor)[-1]  # the last declared object, changed
    with connection.cursor() as cursor:
        cursor.execute(schema._drop(part))
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE INDEX {part.name} ON directory_searchdocument (id)")
        else:
            cursor.execute(f"CREATE INDEX {part.name} ON directory_searchterm (term)")

    assert schema.install(connection) == [part.name]

    assert _held()[part.name] == part.sql
    assert search.search(search.parse("lantern"), "organization") == [org.pk]


@pytest.mark.parametrize("offline", [False, True])
def test_a_rebuild_puts_back_what_it_lifted_and_search_finds(offline):
    org = make_org("Harbor Lantern Relief")

    index.rebuild(offline=offline)

    held = _held()
    assert all(held.get(part.name) == part.sql for part in schema.declared(connection.vendor))
    assert search.search(search.parse("lantern"), "organization") == [org.pk]


def _segments(table: str) -> int:
    """Rows of an FTS5 table's storage: its segments' pages and its structure."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}_data")
        return cursor.fetchone()[0]


def test_the_daily_optimize_merges_what_changes_left_in_pieces_and_search_still_finds():
    from django.core.management import call_command

    orgs = [make_org(f"Lantern {n}", summary=f"Harbor relief number {n}.") for n in range(12)]
    table = "directory_search_org_fts" if connection.vendor == "sqlite" else None
    before = _segments(table) if table else None
    out = StringIO()

    call_command("optimize_search_index", stdout=out)

    assert "Tidied" in out.getvalue()
    if table:  # one insert, one segment: twelve changes, twelve segments, merged into one
        assert _segments(table) < before
    found = search.search(search.parse("harbor relief"), "organization")
    assert sorted(found) == sorted(org.pk for org in orgs)
