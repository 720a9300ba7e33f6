"""The bounded candidate set a search ranks, and how PostgreSQL gathers it.

Both engines rank at most SEARCH_CANDIDATES matches plus the matches in names, so a
common word costs the same however many documents hold it. PostgreSQL gathers those
candidates either through its GIN index or, when most documents match, by reading the
documents in order; both ways must find the same results.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import search
from directory.search import parse
from directory.search.backends import postgres
from tests.factories import make_org

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
only_postgres = pytest.mark.skipif(
    not POSTGRES, reason="PostgreSQL chooses how to gather candidates; SQLite has one way"
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
def test_reading_in_order_finds_what_the_index_finds(monkeypatch, settings, shelters, query):
    settings.SEARCH_CANDIDATES = 100
    monkeypatch.setattr(postgres, "_scan_first", lambda parsed, share: False)
    through_index = found(query)
    monkeypatch.setattr(postgres, "_scan_first", lambda parsed, share: True)
    with CaptureQueriesContext(connection) as queries:
        in_order = found(query)

    assert in_order == through_index
    assert any("OFFSET 0" in q["sql"] for q in queries.captured_queries)


@only_postgres
def test_the_sampled_word_frequencies_choose_how_candidates_are_gathered(monkeypatch, shelters):
    monkeypatch.setattr(postgres, "SCAN_SHARE", 0.5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_searchdocument")
    postgres._sampled_frequencies.cache_clear()

    def reads_in_order(query):
        with CaptureQueriesContext(connection) as queries:
            found(query)
        return any("OFFSET 0" in q["sql"] for q in queries.captured_queries)

    assert postgres._share(parse("shelter"), postgres._lexemes(parse("shelter"))) > 0.9
    assert reads_in_order("kitchen shelter")
    assert reads_in_order('"runs a shelter"')
    assert not reads_in_order("shelter")  # one word: the planner's own estimate is right
    assert not reads_in_order("deaf kitchen")  # deaf: one document in fourteen
    assert not reads_in_order("kitchen shelter -refugees")  # exclusions defeat estimates
    assert not reads_in_order("쉼터")  # Korean n-grams are not sampled: counted as rare
    postgres._sampled_frequencies.cache_clear()


@only_postgres
def test_a_scan_that_falls_short_asks_the_index(monkeypatch, settings):
    """The scan reads only as many documents as should hold the candidates; when they do
    not, the index finds the rest."""
    for n in range(6):
        make_org(f"Quiet {n}", summary="Teaches sign language.")
    kitchens = {make_org(f"Harbor {n}", summary="A night kitchen.").pk for n in range(3)}
    settings.SEARCH_CANDIDATES = 5
    monkeypatch.setattr(postgres, "SCAN_SHARE", 1.0)  # read at most 5 documents
    monkeypatch.setattr(postgres, "_scan_first", lambda parsed, share: True)
    with CaptureQueriesContext(connection) as queries:
        results = found("night kitchen")

    assert set(results) == kitchens
    assert any("scanned" in q["sql"] for q in queries.captured_queries)


@only_postgres
def test_sequential_scans_start_at_the_first_row():
    """A scan that stops at a LIMIT must read from the table's first row: a synchronized
    scan starts where the last large one stopped, and the same search would find other
    matches from one request to the next."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronize_seqscans")
        assert cursor.fetchone()[0] == "off"
