"""The bounded candidate set a search ranks, and how PostgreSQL gathers it.

Both engines rank at most SEARCH_CANDIDATES matches plus the matches in names, so a
common word costs the same however many documents hold it. PostgreSQL looks for a common
word's candidates among the first blocks of organizations (or programs) before the whole
index; both ways must find the same results.
"""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import search
from directory.models import SearchDocument
from directory.search import index, parse
from directory.search.backends import postgres
from directory.search.query import QueryTooSlow
from tests.factories import make_org, make_program

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
only_postgres = pytest.mark.skipif(
    not POSTGRES, reason="PostgreSQL chooses where to look for candidates; SQLite has one way"
)


def found(query):
    return search.search(parse(query), "organization")


@pytest.fixture
def shelters():
    """Twelve organizations that all mention shelter, a few of them other things too."""
    orgs = [
        make_org(f"Harbor {n}", summary="Runs a shelter and a kitchen.", description="Shelter.")
        for n in range(12)
    ]
    make_org("Quiet Hands", summary="Teaches sign language to deaf children.")
    make_org("Open Door", summary="Legal aid for refugees; no shelter.", description="쉼터 운영")
    return orgs


def test_a_name_match_beyond_the_first_candidates_is_still_ranked_first(settings, shelters):
    """The candidates are the first N matches in the table's order; an organization named
    for the words, written last, must not be left out of them."""
    settings.SEARCH_CANDIDATES = 5
    named = make_org("Shelter First", summary="Housing.", description="Beds for the night.")

    results = found("shelter")

    assert results[0] == named.pk
    assert len(results) == 1 + settings.SEARCH_CANDIDATES


@pytest.mark.parametrize("rebuilt", [False, True], ids=["refreshed", "rebuilt"])
def test_a_renamed_organization_is_ranked_by_its_new_name(settings, shelters, rebuilt):
    """Names are looked up apart from the rest of the text (on SQLite, in a table of their
    own): a rename, and a rebuild of the whole index, must reach them."""
    settings.SEARCH_CANDIDATES = 5
    renamed = make_org("Placid Lantern", summary="Housing.", description="Beds for the night.")
    renamed.name = "Shelter Lantern"
    renamed.save()
    index.refresh_organizations([renamed.pk])
    if rebuilt:
        index.rebuild()

    assert found("shelter")[0] == renamed.pk
    assert found("placid") == []


def in_blocks(query):
    """Whether the search looked among the first blocks of organizations first."""
    with CaptureQueriesContext(connection) as queries:
        found(query)
    return any("in_blocks" in q["sql"] for q in queries.captured_queries)


@only_postgres
@pytest.mark.parametrize(
    "query",
    [
        "shelter",
        "kitchen shelter",
        '"runs a shelter"',
        "shelter or deaf",
        "shelter -refugees",
        "refugees",
        "the shelter",
        "쉼터",
        "zzzz",
    ],
)
def test_blocks_that_fall_short_leave_the_rest_to_the_whole_index(
    monkeypatch, settings, shelters, query
):
    """Every match fits in the candidates: looking among the first blocks finds too few,
    and the whole index finds the rest, as it does on its own."""
    settings.SEARCH_CANDIDATES = 100
    monkeypatch.setattr(postgres, "_blocks", lambda parsed, lexemes, kind: None)
    through_index = found(query)
    monkeypatch.setattr(postgres, "BLOCK", 1)  # a block per organization
    monkeypatch.setattr(postgres, "_blocks", lambda parsed, lexemes, kind: shelters[6].pk)

    assert in_blocks(query)
    assert found(query) == through_index


@only_postgres
def test_blocks_that_hold_the_candidates_are_all_that_is_read(monkeypatch, settings, shelters):
    settings.SEARCH_CANDIDATES = 3
    monkeypatch.setattr(postgres, "BLOCK", 1)
    monkeypatch.setattr(postgres, "_blocks", lambda parsed, lexemes, kind: shelters[6].pk)
    first_six = {org.pk for org in shelters[:6]}

    results = found("shelter")

    assert len(results) == 3
    assert set(results) <= first_six


@only_postgres
def test_programs_are_looked_for_among_their_first_blocks_too(monkeypatch, settings):
    org = make_org("Harbor")
    programs = [make_program(org, f"Night {n}", summary="Runs a shelter.") for n in range(8)]
    settings.SEARCH_CANDIDATES = 3
    monkeypatch.setattr(postgres, "BLOCK", 1)  # a block per program
    monkeypatch.setattr(postgres, "_blocks", lambda parsed, lexemes, kind: programs[4].pk)

    with CaptureQueriesContext(connection) as queries:
        results = search.search(parse("shelter"), "program")

    assert any("in_blocks" in q["sql"] for q in queries.captured_queries)
    assert len(results) == 3
    assert set(results) <= {program.pk for program in programs[:4]}


@only_postgres
@pytest.mark.parametrize(
    ("kind", "index_name"),
    [
        ("organization", "directory_searchdoc_org_vector"),
        ("program", "directory_searchdoc_program_vector"),
    ],
)
def test_the_blocks_condition_is_answered_by_the_index(kind, index_name):
    """The bound on the block must match the index's expression and operator class
    (migrations 0020 and 0034), or the index would read every posting and filter
    afterwards."""
    SearchDocument.objects.bulk_create(
        SearchDocument(
            kind=kind,
            object_id=n * 14,
            name=f"Org {n}",
            body="Food." if n % 100 == 0 else "Water.",
        )
        for n in range(1, 3001)
    )
    sql = f"""EXPLAIN SELECT id FROM directory_searchdocument d
              WHERE d.object_id / {postgres.BLOCK} < %s::bigint AND d.kind = '{kind}'
                AND d.vector @@ websearch_to_tsquery('english', 'food')"""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_searchdocument")
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is small
        # and the other indexes are alike at this size: only the one under test is left (the
        # test ends in a rollback).
        cursor.execute(
            "DROP INDEX directory_searchdocument_vector, directory_searchdoc_org_ngrams,"
            " directory_searchdoc_program_ngrams"
        )
        cursor.execute(
            "ALTER TABLE directory_searchdocument"
            " DROP CONSTRAINT directory_searchdocument_unique_object"
        )
        cursor.execute(sql, [1])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert index_name in plan
    condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "vector @@" in condition
    assert f"(object_id / {postgres.BLOCK}) <" in condition


@only_postgres
def test_the_sampled_word_frequencies_choose_how_many_blocks(monkeypatch, settings, shelters):
    settings.SEARCH_CANDIDATES = 2
    monkeypatch.setattr(postgres, "BLOCK", 1)  # fourteen blocks of one organization
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_searchdocument")
    postgres._sampled_statistics.cache_clear()

    def share(query):
        parsed = parse(query)
        return postgres._share(parsed, postgres._lexemes(parsed))

    def blocks(query):
        parsed = parse(query)
        return postgres._blocks(parsed, postgres._lexemes(parsed), "organization")

    assert share("shelter") > 0.5
    assert share("shelter or kitchen") >= share("shelter")
    assert share("shelter -refugees") < share("shelter")
    assert share("zzzz") == 0
    margin = postgres.BLOCK_MARGIN
    assert blocks("shelter") == math.ceil(margin * 2 / share("shelter"))
    # An exclusion makes the estimate looser: twice the margin.
    assert blocks("shelter -refugees") == math.ceil(2 * margin * 2 / share("shelter -refugees"))
    assert blocks("zzzz") is None  # too rare to be sampled: the whole index at once
    monkeypatch.setattr(postgres, "BLOCK_SHARE", share("shelter") + 0.01)
    assert blocks("shelter") is None  # the blocks' postings would outnumber its own
    monkeypatch.setattr(postgres, "BLOCK_SHARE", 0.05)
    assert in_blocks("shelter")
    assert not in_blocks("zzzz")
    settings.SEARCH_CANDIDATES = SearchDocument.objects.latest("object_id").object_id
    assert blocks("shelter") is None  # more blocks than there are
    postgres._sampled_statistics.cache_clear()


@only_postgres
def test_sequential_scans_start_at_the_first_row():
    """A scan that stops at a LIMIT must read from the table's first row: a synchronized
    scan starts where the last large one stopped, and the same search would find other
    matches from one request to the next."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronize_seqscans")
        assert cursor.fetchone()[0] == "off"


@only_postgres
def test_a_search_query_running_too_long_is_cancelled(settings):
    """Searches run under a time limit and never read the documents in full."""
    settings.SEARCH_TIMEOUT_MS = 50
    with pytest.raises(QueryTooSlow):
        postgres._fetch_in_time("SELECT pg_sleep(1)", [])

    during = postgres._fetch_in_time("SELECT current_setting('enable_seqscan')", [])
    assert during == [("off",)]  # nor are documents read in full
    with connection.cursor() as cursor:  # both applied to the search alone
        cursor.execute("SELECT pg_sleep(0.1), current_setting('enable_seqscan')")
        assert cursor.fetchone()[1] == "on"


@pytest.fixture
def too_slow(monkeypatch):
    """A database that gives up on every search."""
    make_org("Harbor House", summary="Shelter for refugees.")

    def give_up(*args, **kwargs):
        raise QueryTooSlow

    monkeypatch.setattr(search.backends, "ranked", give_up)
    return str(QueryTooSlow())


@pytest.mark.parametrize("path", ["/organizations/", "/search/"])
def test_a_page_asks_for_other_words_when_the_search_took_too_long(client, too_slow, path):
    response = client.get(path, {"q": "refugees"})

    assert response.status_code == 400
    assert too_slow in response.content.decode()
    assert "Harbor House" not in response.content.decode()


def test_suggestions_and_the_api_answer_400_when_the_search_took_too_long(client, too_slow):
    suggest = client.get("/search/suggest/", {"q": "refugees"})
    api = client.get("/api/hsds/organizations", {"search": "refugees"})

    assert (suggest.status_code, suggest.json()["error"]) == (400, too_slow)
    assert api.status_code == 400
    assert too_slow in api.content.decode()
