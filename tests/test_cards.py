"""Organization cards: cached HTML, and relations loaded only for the cards not cached."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_issue, make_org, make_program

pytestmark = pytest.mark.django_db

URL = "/organizations/?q=lantern"


@pytest.fixture
def lanterns():
    issue = make_issue("Forced labour", slug="forced-labour")
    for n in range(3):
        org = make_org(f"Lantern {n}", summary="Lantern classes at night.", issues=[issue])
        make_program(org, f"Lantern school {n}", issues=[make_issue(f"Literacy {n}")])


def test_cached_cards_show_the_same_without_loading_what_they_show(client, lanterns):
    with CaptureQueriesContext(connection) as cold:
        first = client.get(URL).content.decode()
    with CaptureQueriesContext(connection) as warm:
        second = client.get(URL).content.decode()

    assert first == second
    assert (
        "Literacy 0" in second and "Forced labour" in second
    )  # issues, direct and through programs
    assert any("directory_program" in q["sql"] for q in cold.captured_queries)
    assert not any("directory_program" in q["sql"] for q in warm.captured_queries)


def test_a_card_not_cached_yet_loads_its_relations(client, lanterns):
    client.get(URL)
    make_org("Lantern 9", summary="Lantern repairs.", issues=[make_issue("Child labour")])

    html = client.get(URL).content.decode()

    assert "Child labour" in html
