"""`/search/suggest/`: the JSON behind the search boxes' suggestions as a visitor types."""

import pytest
from django.urls import reverse

from directory.models import Organization
from directory.search import index
from tests.factories import make_issue, make_org

pytestmark = pytest.mark.django_db

URL = reverse("directory:search-suggest")


def test_it_suggests_organizations_and_issues_with_their_pages(client):
    issue = make_issue("Human trafficking", slug="human-trafficking")
    index.refresh_issues([issue.pk])
    org = make_org("Trafficking Survivors Network", slug="tsn", issues=[issue])

    response = client.get(URL, {"q": "trafficking"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    suggestions = response.json()["suggestions"]
    assert [(s["label"], s["url"], s["kind"]) for s in suggestions] == [
        (org.name, org.get_absolute_url(), "organization"),
        (issue.name, issue.get_absolute_url(), "issue"),
    ]
    assert [s["kind_label"] for s in suggestions] == ["Organization", "Issue"]


def test_it_suggests_at_most_eight(client):
    for n in range(12):
        make_org(f"Refugee Aid {n}")

    suggestions = client.get(URL, {"q": "refugee"}).json()["suggestions"]

    assert len(suggestions) == 8


def test_it_never_suggests_an_unpublished_organization(client):
    make_org("Hidden Refugee Shelter", status=Organization.Status.DRAFT)

    assert client.get(URL, {"q": "shelter"}).json() == {"suggestions": []}


def test_it_finds_a_name_from_a_fragment(client):
    org = make_org("C4ADS")

    suggestions = client.get(URL, {"q": "c4a"}).json()["suggestions"]

    assert [s["label"] for s in suggestions] == [org.name]


@pytest.mark.parametrize(
    "params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "the"}, {"q": "a\x00b"}]
)
def test_it_answers_a_bad_query_with_a_json_400(client, params):
    response = client.get(URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


def test_suggestions_cost_a_fifth_of_a_search_and_get_a_json_429(client, settings):
    # They share the search budget (tests/test_security_holes.py mixes the two).
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/m"}
    make_org("Harbor House")
    ask = {"HTTP_ACCEPT": "application/json"}

    statuses = [client.get(URL, {"q": "harbor"[:n]}, **ask).status_code for n in range(2, 7)]
    refused = client.get(URL, {"q": "harbors"}, **ask)

    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert refused.json()["error"] == "Too many requests."
