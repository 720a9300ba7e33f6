"""Ways to help an organization: each one the organization offers, with its one-line
explanation and a link that says it leaves the site; none it does not offer; and a pointer
to the website when it offers none."""

import re
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone
from django.utils.html import escape

from directory.models import Opportunity, Organization
from directory.ways_to_help import WAYS, ways_to_help
from tests.factories import make_issue, make_org

pytestmark = pytest.mark.django_db

URLS = {
    "donate_url": "https://example.org/donate",
    "volunteer_url": "https://example.org/volunteer",
    "advocacy_url": "https://example.org/campaign",
    "fundraising_url": "https://example.org/fundraise",
}
FALLBACK = (
    "We have not found a donation, volunteer or campaign page on this organization's "
    "own site, so we link none. Its website is the best place to ask how to help."
)
EXTERNAL_MARKER = '<span class="visually-hidden"> (opens another site)</span>'


def help_panel(client, org) -> str:
    response = client.get(org.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<section class="panel" aria-labelledby="help-heading">')
    return html[start : html.index("</section>", start)]


def ways_shown(panel) -> list[str]:
    """The <li> of each way to help in the panel, in order."""
    match = re.search(r'<ul class="ways">(.*?)</ul>', panel, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1), re.S) if match else []


def anchor(html, href) -> str:
    match = re.search(rf'<a href="{re.escape(href)}"[^>]*>.*?</a>', html, re.S)
    assert match, f"no link to {href}"
    return match.group(0)


# --- What each way means -------------------------------------------------------------------


def test_the_ways_come_in_a_fixed_order_with_their_explanations():
    org = Organization(**URLS)

    ways = ways_to_help(org)

    assert [str(way["label"]) for way in ways] == ["Donate", "Volunteer", "Speak up", "Fundraise"]
    assert [way["url"] for way in ways] == list(URLS.values())
    assert all(str(way["explanation"]).endswith(".") for way in ways)


def test_a_way_without_a_link_is_left_out():
    org = Organization(volunteer_url=URLS["volunteer_url"])

    assert [str(way["label"]) for way in ways_to_help(org)] == ["Volunteer"]


def test_an_organization_without_links_has_no_ways_to_help():
    assert ways_to_help(Organization()) == []


# --- The organization page -----------------------------------------------------------------


@pytest.mark.parametrize("way", WAYS, ids=[way.field for way in WAYS])
def test_each_way_is_shown_alone_with_its_one_line_explanation(client, way):
    org = make_org(**{way.field: URLS[way.field]})

    shown = ways_shown(help_panel(client, org))

    assert len(shown) == 1
    link = anchor(shown[0], URLS[way.field])
    assert f">{way.label}<" in link
    assert f'<p class="hint">{escape(str(way.explanation))}</p>' in shown[0]


def test_every_way_offered_is_shown_in_order(client):
    org = make_org(**URLS)

    shown = ways_shown(help_panel(client, org))

    assert len(shown) == len(WAYS)
    for item, way in zip(shown, WAYS, strict=True):
        assert f">{way.label}<" in anchor(item, URLS[way.field])
        assert escape(str(way.explanation)) in item


def test_each_way_links_out_safely_and_says_it_opens_another_site(client):
    org = make_org(**URLS)

    panel = help_panel(client, org)

    for url in URLS.values():
        link = anchor(panel, url)
        assert 'rel="noopener noreferrer"' in link
        assert EXTERNAL_MARKER in link


def test_donate_and_volunteer_stand_out_as_buttons(client):
    org = make_org(**URLS)

    panel = help_panel(client, org)

    def opening_tag(url):
        return re.match(r"<a [^>]*>", anchor(panel, url)).group(0)

    assert 'class="button"' in opening_tag(URLS["donate_url"])
    assert 'class="button button--secondary"' in opening_tag(URLS["volunteer_url"])
    assert "class=" not in opening_tag(URLS["advocacy_url"])
    assert "class=" not in opening_tag(URLS["fundraising_url"])


@pytest.mark.parametrize("way", WAYS, ids=[way.field for way in WAYS])
def test_ways_not_offered_are_not_shown(client, way):
    others = {field: url for field, url in URLS.items() if field != way.field}
    org = make_org(**others)

    panel = help_panel(client, org)

    assert URLS[way.field] not in panel
    assert escape(str(way.explanation)) not in panel
    assert f">{way.label}<" not in panel
    assert len(ways_shown(panel)) == len(WAYS) - 1


def test_without_any_way_to_help_it_points_to_the_website(client):
    org = make_org(website="https://example.org/")

    panel = help_panel(client, org)

    assert FALLBACK in panel
    assert '<ul class="ways">' not in panel
    website = anchor(panel, "https://example.org/")
    assert 'rel="noopener noreferrer"' in website
    assert EXTERNAL_MARKER in website


def test_the_fallback_is_not_shown_when_there_is_a_way_to_help(client):
    org = make_org(advocacy_url=URLS["advocacy_url"])

    assert FALLBACK not in help_panel(client, org)


# --- Elsewhere a way to help is linked ----------------------------------------------------


def test_the_issue_page_links_to_donate_pages_safely(client):
    issue = make_issue()
    make_org("Harbor House", issues=[issue], donate_url=URLS["donate_url"])
    make_org("No Donations", issues=[issue], volunteer_url=URLS["volunteer_url"])

    html = client.get(issue.get_absolute_url()).content.decode()
    start = html.index('<h2 id="give-heading">')
    give = html[start : html.index("</section>", start)]

    assert "Harbor House" in give
    assert "No Donations" not in give
    link = anchor(give, URLS["donate_url"])
    assert 'rel="noopener noreferrer"' in link
    assert EXTERNAL_MARKER in link


@pytest.mark.parametrize(("help", "expected"), [("donate", ["Gives"]), ("volunteer", ["Hosts"])])
def test_the_list_filters_organizations_by_way_to_help(client, help, expected):
    make_org("Gives", donate_url=URLS["donate_url"])
    make_org("Hosts", volunteer_url=URLS["volunteer_url"])
    make_org("Campaigns", advocacy_url=URLS["advocacy_url"])

    response = client.get("/organizations/", {"help": help})

    assert response.status_code == 200
    assert [org.name for org in response.context["page_obj"]] == expected


# --- Volunteer opportunities are a way to volunteer ----------------------------------------


def open_opportunity(org, slug="tutor", **fields):
    """An opportunity saved as any ORM write is: the writer applies it on commit."""
    fields.setdefault("status", Opportunity.Status.PUBLISHED)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return Opportunity.objects.create(
            organization=org,
            title=fields.pop("title", slug.title()),
            slug=slug,
            description="Teach English.",
            apply_url="https://example.org/apply",
            **fields,
        )


def test_an_open_opportunity_is_a_way_to_volunteer_without_a_volunteer_page(client):
    org = make_org(donate_url=URLS["donate_url"])
    opportunity = open_opportunity(org)

    panel = help_panel(client, org)
    shown = ways_shown(panel)

    assert "have not found a donation, volunteer" not in panel
    assert len(shown) == 2
    link = anchor(shown[1], opportunity.get_absolute_url())
    assert ">1 volunteer opportunity<" in link
    assert 'class="button button--secondary"' in link
    assert EXTERNAL_MARKER not in link  # it stays on this site


def test_an_organization_whose_only_way_is_an_opportunity_has_no_fallback(client):
    org = make_org()
    open_opportunity(org)

    panel = help_panel(client, org)

    assert FALLBACK not in panel
    assert len(ways_shown(panel)) == 1


def test_several_opportunities_link_to_the_list_of_them_on_the_page(client):
    org = make_org(volunteer_url=URLS["volunteer_url"])
    open_opportunity(org, "tutor")
    open_opportunity(org, "driver")

    html = client.get(org.get_absolute_url()).content.decode()
    shown = ways_shown(help_panel(client, org))

    assert [re.search(r">([^<]+)<", item).group(1) for item in shown] == [
        "Volunteer",
        "2 volunteer opportunities",
    ]
    link = anchor(shown[1], org.get_absolute_url() + "#opportunities-heading")
    assert "class=" not in re.match(r"<a [^>]*>", link).group(0)  # the page's button is first
    assert 'id="opportunities-heading"' in html


@pytest.mark.parametrize("hidden", ["draft", "expired"])
def test_a_hidden_opportunity_is_no_way_to_volunteer(client, hidden):
    org = make_org(donate_url=URLS["donate_url"])
    if hidden == "draft":
        open_opportunity(org, status=Opportunity.Status.DRAFT)
    else:
        open_opportunity(org, expires=timezone.localdate() - timedelta(days=1))

    assert len(ways_shown(help_panel(client, org))) == 1


def test_the_list_counts_an_open_opportunity_as_taking_volunteers(client):
    make_org("Gives", donate_url=URLS["donate_url"])
    make_org("Hosts", volunteer_url=URLS["volunteer_url"])
    open_opportunity(make_org("Tutors"))

    response = client.get("/organizations/", {"help": "volunteer"})

    assert [org.name for org in response.context["page_obj"]] == ["Hosts", "Tutors"]


def test_the_comparison_lists_an_open_opportunity_among_the_ways(client):
    first = make_org("First", slug="first", donate_url=URLS["donate_url"])
    open_opportunity(first)
    make_org("Second", slug="second")

    html = client.get("/compare/", {"orgs": "first,second"}).content.decode()

    assert ">1 volunteer opportunity</a>" in html
