"""Organization cards: cached HTML, and relations loaded only for the cards not cached."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import catalog
from tests.factories import make_issue, make_org, make_program
from tests.rendering import count_renders

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


@pytest.fixture
def renders(monkeypatch):
    """The organizations whose cards are rendered (not read from the cache)."""
    from directory import cards

    return count_renders(monkeypatch, cards, "includes/organization_card.html", "org")


@pytest.mark.parametrize("url", [URL, "/organizations/", "/issues/forced-labour/"])
def test_a_change_renders_again_only_the_cards_of_what_it_changed(
    client, lanterns, renders, url, django_capture_on_commit_callbacks
):
    from directory.models import Organization

    catalog.flush()  # what the fixture's writes left for the writer: not this change's
    client.get(url)
    assert sorted(renders) == ["Lantern 0", "Lantern 1", "Lantern 2"]
    renders.clear()
    org = Organization.objects.get(name="Lantern 1")
    org.donate_url = "https://give.example/lantern"
    with django_capture_on_commit_callbacks(execute=True):
        org.save()  # the writer, through the model's signal, when it commits

    html = client.get(url).content.decode()

    assert renders == ["Lantern 1"]
    assert html.count('<span class="badge">Accepts donations</span>') == 1


def test_an_issue_renamed_renders_again_the_cards_that_name_it(
    client, lanterns, renders, django_capture_on_commit_callbacks
):
    from directory.models import Issue

    catalog.flush()
    client.get(URL)
    renders.clear()
    issue = Issue.objects.get(name="Literacy 2")
    issue.name = "Reading"
    with django_capture_on_commit_callbacks(execute=True):
        issue.save()

    html = client.get(URL).content.decode()

    assert renders == ["Lantern 2"]
    assert "Reading" in html and "Literacy 2" not in html
