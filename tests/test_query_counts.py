"""Public pages run a fixed number of queries, however many organizations they show."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.cache import bump_version
from directory.models import Country, OrganizationIdentifier
from directory.search import index
from tests.factories import (
    make_fact,
    make_focus_area,
    make_issue,
    make_org,
    make_program,
    make_source,
)

pytestmark = pytest.mark.django_db

WORD = "lighthouse"  # in every organization, program and the shared issue
COUNTRIES = ["KR", "JP", "US", "CN", "TH", "NP", "MN", "VN", "LA", "KH"]


@pytest.fixture(autouse=True)
def _one_statistics_period(monkeypatch):
    """PostgreSQL's search reads its sampled word statistics again every STATISTICS_SECONDS
    (two queries); a test whose measurements straddled that moment would count them."""
    from directory.search.backends import postgres

    postgres._sampled_statistics.cache_clear()
    monkeypatch.setattr(postgres, "_statistics", lambda: postgres._sampled_statistics(0))
    yield
    postgres._sampled_statistics.cache_clear()


@pytest.fixture
def world():
    issue = make_issue("Human trafficking", slug="human-trafficking", brief=f"A {WORD} brief.")
    issue.related.set([make_issue("Forced labour")])
    make_fact(issue, statement="First fact.")
    make_fact(issue, statement="Second fact.")
    area = make_focus_area("Rescue", slug="rescue", description="Getting people out.")
    return SimpleNamespace(issue=issue, area=area, orgs=[])


def add_organizations(world, count):
    """Published organizations, each with an issue, a focus area, a country and a program."""
    for _ in range(count):
        n = len(world.orgs)
        country = COUNTRIES[n % len(COUNTRIES)]
        org = make_org(
            f"{WORD.title()} {n:02d}",
            slug=f"{WORD}-{n:02d}",
            summary=f"Runs a {WORD} shelter.",
            issues=[world.issue],
            focus_areas=[world.area],
            countries=[country],
            headquarters=Country.objects.get(pk=country),
            donate_url="https://example.org/donate",
            last_verified=timezone.localdate() - timedelta(days=n),
        )
        org.sources.set([make_source()])
        make_program(
            org,
            f"{WORD.title()} program {n:02d}",
            summary=f"A {WORD} program.",
            issues=[world.issue, make_issue()],
            focus_areas=[world.area],
            countries=[COUNTRIES[(n + 1) % len(COUNTRIES)]],
        )
        world.orgs.append(org)
    index.refresh_issues([world.issue.pk])


PAGES = {
    "home": lambda w: "/",
    "organization list": lambda w: "/organizations/",
    "organization list searched": lambda w: f"/organizations/?q={WORD}",
    "organization list by issue": lambda w: f"/organizations/?issue={w.issue.slug}",
    "organization list, every filter": lambda w: (
        f"/organizations/?q={WORD}&issue={w.issue.slug}&focus={w.area.slug}"
        "&help=donate&type=nonprofit&sort=verified"
    ),
    "organization page": lambda w: w.orgs[0].get_absolute_url(),
    "issue list": lambda w: "/issues/",
    "issue page": lambda w: w.issue.get_absolute_url(),
    "focus area list": lambda w: "/focus-areas/",
    "focus area page": lambda w: w.area.get_absolute_url(),
    "search": lambda w: f"/search/?q={WORD}",
}


def measure(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(queries.captured_queries), response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_public_page_runs_as_many_queries_for_fifty_organizations_as_for_one(client, world, page):
    add_organizations(world, 1)
    # The process keeps what never changes with the content (how the dictionary reads the
    # search's words, the sampled word frequencies); every cache of content starts cold.
    client.get(PAGES[page](world))
    bump_version()
    cache.clear()  # cards are kept until their organization changes
    one, one_html = measure(client, PAGES[page](world))

    add_organizations(world, 49)
    fifty, fifty_html = measure(client, PAGES[page](world))

    assert one == fifty, f"{page}: {one} queries with 1 organization, {fifty} with 50"
    if page != "organization page":
        assert len(fifty_html) > len(one_html), f"{page} did not show the new organizations"


def test_the_organization_page_runs_as_many_queries_for_ten_programs_as_for_one(client, world):
    add_organizations(world, 1)
    org = world.orgs[0]
    one, _ = measure(client, org.get_absolute_url())

    for n in range(9):
        make_program(
            org,
            f"Extra program {n}",
            issues=[make_issue()],
            focus_areas=[make_focus_area()],
            countries=[COUNTRIES[n]],
        )
        org.sources.add(make_source())
        org.issues.add(make_issue())
        org.countries.add(Country.objects.get(pk=COUNTRIES[n]))
        OrganizationIdentifier.objects.create(
            organization=org, identifier_scheme=f"XX-{n}", identifier=str(n)
        )
    many, html = measure(client, org.get_absolute_url())

    assert "Extra program 8" in html
    assert one == many, f"{one} queries with 1 program, {many} with 10"
