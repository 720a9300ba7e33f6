"""What machines read: the Atom feeds, the sitemap, robots.txt, the organization page's
schema.org JSON-LD and the OpenGraph tags of every public page."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html import unescape
from itertools import count
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from directory.models import Country, Opportunity, Organization, OrganizationIdentifier
from tests.factories import make_focus_area, make_issue, make_org, make_program

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE = "http://testserver"

_seq = count(1)


def make_opportunity(org, title=None, **fields) -> Opportunity:
    n = next(_seq)
    fields.setdefault("slug", f"opportunity-{n}")
    fields.setdefault("status", Opportunity.Status.PUBLISHED)
    return Opportunity.objects.create(
        organization=org,
        title=title or f"Opportunity {n}",
        description="Help.",
        apply_url="https://example.org/apply",
        **fields,
    )


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, f"{url} answered {response.status_code}"
    return response


def set_updated(org, when: datetime):
    """As if the organization was created the day before `when` and last edited `when`
    (`created` and `updated` are set by the database otherwise)."""
    Organization.objects.filter(pk=org.pk).update(created=when - timedelta(days=1), updated=when)


def parse_xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own response, not untrusted input


# --- Atom feeds ----------------------------------------------------------------------------


def feed(client, url) -> ET.Element:
    response = get(client, url)
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse_xml(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root) -> list[dict]:
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "updated": datetime.fromisoformat(entry.findtext(f"{ATOM}updated")),
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_the_organizations_feed_is_atom_with_a_title_link_and_updated_time(client):
    org = make_org("Harbor House", summary="Shelters survivors.")
    set_updated(org, datetime(2026, 3, 1, 12, 0, tzinfo=UTC))

    root = feed(client, "/feeds/organizations/")

    assert root.findtext(f"{ATOM}title") == "Causeway: new and updated organizations"
    assert root.find(f"{ATOM}link").get("href") == f"{SITE}/organizations/"
    assert datetime.fromisoformat(root.findtext(f"{ATOM}updated")) == datetime(
        2026, 3, 1, 12, 0, tzinfo=UTC
    )
    assert entries(root) == [
        {
            "title": "Harbor House",
            "link": f"{SITE}{org.get_absolute_url()}",
            "updated": datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
            "summary": "Shelters survivors.",
        }
    ]
    assert root.find(f"{ATOM}entry").findtext(f"{ATOM}id")


@pytest.mark.parametrize("status", ["draft", "review", "archived"])
def test_the_organizations_feed_holds_only_published_organizations(client, status):
    make_org("Visible Refuge")
    make_org("Secret Harbor", status=status)

    root = feed(client, "/feeds/organizations/")

    assert [entry["title"] for entry in entries(root)] == ["Visible Refuge"]
    assert b"Secret Harbor" not in ET.tostring(root)


def test_the_organizations_feed_lists_the_most_recently_updated_first(client):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for name, days in [("Oldest", 0), ("Newest", 60), ("Middle", 30)]:
        set_updated(make_org(name), start + timedelta(days=days))

    root = feed(client, "/feeds/organizations/")

    assert [entry["title"] for entry in entries(root)] == ["Newest", "Middle", "Oldest"]


def test_the_organizations_feed_holds_the_fifty_latest(client):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(51):
        set_updated(make_org(f"Org {n:02}", index_it=False), start + timedelta(hours=n))

    titles = [entry["title"] for entry in entries(feed(client, "/feeds/organizations/"))]

    assert len(titles) == 50
    assert titles[0] == "Org 50"
    assert "Org 00" not in titles


def test_the_feed_carries_hostile_text_as_text(client):
    name = 'Harbor & <Home> ]]> "quoted"'
    make_org(name, summary="<script>alert(1)</script>")

    (entry,) = entries(feed(client, "/feeds/organizations/"))

    assert entry["title"] == name
    assert entry["summary"] == "<script>alert(1)</script>"


@pytest.fixture
def issue_feed_orgs():
    issue = make_issue("Forced labour", slug="forced-labour", summary="Work under threat.")
    direct = make_org("Direct Aid", issues=[issue])
    via_program = make_org("Program Aid")
    make_program(via_program, issues=[issue])
    make_org("Elsewhere", issues=[make_issue()])
    make_org("Hidden Aid", issues=[issue], status="draft")
    return SimpleNamespace(issue=issue, direct=direct, via_program=via_program)


def test_an_issue_feed_holds_only_published_organizations_addressing_it(client, issue_feed_orgs):
    root = feed(client, "/feeds/issues/forced-labour/")

    assert sorted(entry["title"] for entry in entries(root)) == ["Direct Aid", "Program Aid"]


def test_an_issue_feed_is_titled_and_linked_for_its_issue(client, issue_feed_orgs):
    root = feed(client, "/feeds/issues/forced-labour/")

    assert root.findtext(f"{ATOM}title") == "Causeway: organizations addressing Forced labour"
    assert root.findtext(f"{ATOM}subtitle") == "Work under threat."
    assert root.find(f"{ATOM}link").get("href") == f"{SITE}/issues/forced-labour/"


def test_an_issue_feed_lists_the_most_recently_updated_first(client, issue_feed_orgs):
    set_updated(issue_feed_orgs.direct, datetime(2026, 1, 1, tzinfo=UTC))
    set_updated(issue_feed_orgs.via_program, datetime(2026, 2, 1, tzinfo=UTC))

    root = feed(client, "/feeds/issues/forced-labour/")

    assert [entry["title"] for entry in entries(root)] == ["Program Aid", "Direct Aid"]


def test_an_unknown_issue_has_no_feed(client):
    make_issue(slug="forced-labour")

    get(client, "/feeds/issues/no-such-issue/", status=404)


def test_pages_advertise_the_feeds(client, issue_feed_orgs):
    home = get(client, "/").content.decode()
    issue_page = get(client, "/issues/forced-labour/").content.decode()

    feed_link = '<link rel="alternate" type="application/atom+xml" title="{}" href="{}">'
    assert feed_link.format("New and updated organizations", "/feeds/organizations/") in home
    assert (
        feed_link.format("Organizations addressing Forced labour", "/feeds/issues/forced-labour/")
        in issue_page
    )


# --- The sitemap ---------------------------------------------------------------------------


@pytest.fixture
def site():
    issue = make_issue(slug="forced-labour")
    area = make_focus_area(slug="shelter")
    org = make_org("Visible Refuge", slug="visible-refuge", issues=[issue])
    other = make_org("Second Refuge", slug="second-refuge")
    secret = make_org("Secret Harbor", slug="secret-harbor", status="draft")
    opportunity = make_opportunity(org, "Open shift", slug="open-shift")
    expired = make_opportunity(
        org, "Old shift", slug="old-shift", expires=timezone.localdate() - timedelta(days=1)
    )
    draft = make_opportunity(other, "Draft shift", slug="draft-shift", status="draft")
    of_secret = make_opportunity(secret, "Secret shift", slug="secret-shift")
    return SimpleNamespace(
        issue=issue,
        area=area,
        orgs=[org, other],
        secret=secret,
        opportunity=opportunity,
        hidden_opportunities=[expired, draft, of_secret],
    )


def sitemap_sections(client) -> list[str]:
    response = get(client, "/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    root = parse_xml(response.content)
    assert root.tag == f"{SITEMAP}sitemapindex"
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def sitemap_urls(client) -> list[str]:
    urls = []
    for section in sitemap_sections(client):
        parts = urlsplit(section)
        path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        root = parse_xml(get(client, path).content)
        assert root.tag == f"{SITEMAP}urlset"
        urls += [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    return urls


def test_the_sitemap_is_an_index_of_sections(client, site):
    assert sitemap_sections(client) == [
        f"{SITE}/sitemap-{name}.xml"
        for name in ["pages", "organizations", "issues", "focus-areas", "opportunities"]
    ]


def test_the_sitemap_lists_every_public_page(client, site):
    urls = sitemap_urls(client)

    expected = [
        "/",
        "/organizations/",
        "/issues/",
        "/focus-areas/",
        "/volunteer/",
        "/suggest/",
        *[org.get_absolute_url() for org in site.orgs],
        site.issue.get_absolute_url(),
        site.area.get_absolute_url(),
        site.opportunity.get_absolute_url(),
    ]
    assert sorted(urls) == sorted(f"{SITE}{path}" for path in expected)
    assert len(urls) == len(set(urls))


def test_every_page_the_sitemap_lists_is_found(client, site):
    for url in sitemap_urls(client):
        get(client, urlsplit(url).path)


def test_the_sitemap_leaves_out_unpublished_organizations_and_hidden_opportunities(client, site):
    urls = sitemap_urls(client)

    hidden = [site.secret, *site.hidden_opportunities]
    for obj in hidden:
        assert f"{SITE}{obj.get_absolute_url()}" not in urls
    assert not [url for url in urls if "secret-harbor" in url]


def test_the_sitemap_dates_organizations_by_their_last_update(client, site):
    set_updated(site.orgs[0], datetime(2026, 2, 3, 4, 5, tzinfo=UTC))

    root = parse_xml(get(client, "/sitemap-organizations.xml").content)
    lastmod = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.iter(f"{SITEMAP}url")
    }

    assert lastmod[f"{SITE}/organizations/visible-refuge/"].startswith("2026-02-03")


# --- robots.txt ----------------------------------------------------------------------------


def test_robots_txt_lists_the_sitemap(client):
    response = get(client, "/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert "Disallow: /" not in lines  # the directory itself stays open to crawlers


# That it keeps the admin's secret path to itself: tests/test_security_holes.py.


def test_the_sitemap_robots_txt_points_to_exists(client, site):
    text = get(client, "/robots.txt").content.decode()
    sitemap = re.search(r"^Sitemap: (\S+)$", text, re.M).group(1)

    get(client, urlsplit(sitemap).path)


# --- JSON-LD on the organization page ------------------------------------------------------

LD_OPEN = '<script type="application/ld+json">'


def json_ld(client, org) -> tuple[dict, str]:
    html = get(client, org.get_absolute_url()).content.decode()
    assert html.count(LD_OPEN) == 1
    start = html.index(LD_OPEN) + len(LD_OPEN)
    return json.loads(html[start : html.index("</script>", start)]), html


def test_the_organization_page_describes_the_organization_in_json_ld(client):
    org = make_org(
        "Harbor House",
        slug="harbor-house",
        alternate_name="HH",
        summary="Shelters survivors.",
        website="https://harbor.example.org/",
        countries=["TH", "KR"],
        headquarters=Country.objects.get(pk="US"),
        founded=1999,
        email="hello@harbor.example.org",
    )
    OrganizationIdentifier.objects.create(
        organization=org, identifier_scheme="US-EIN", identifier="12-3456789"
    )

    data, _ = json_ld(client, org)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NGO"
    assert data["name"] == "Harbor House"
    assert data["alternateName"] == "HH"
    assert data["description"] == "Shelters survivors."
    assert data["url"] == f"{SITE}/organizations/harbor-house/"
    assert data["sameAs"] == ["https://harbor.example.org/"]
    assert [(area["@type"], area["identifier"]) for area in data["areaServed"]] == [
        ("Country", "KR"),
        ("Country", "TH"),
        ("Country", "US"),  # the headquarters' country is served too
    ]
    assert data["foundingDate"] == "1999"
    assert data["identifier"] == [
        {"@type": "PropertyValue", "propertyID": "US-EIN", "value": "12-3456789"}
    ]


@pytest.mark.parametrize(
    ("org_type", "schema_type"),
    [
        (Organization.OrgType.NONPROFIT, "NGO"),
        (Organization.OrgType.FAITH_BASED, "NGO"),
        (Organization.OrgType.GOVERNMENT, "GovernmentOrganization"),
        (Organization.OrgType.RESEARCH, "ResearchOrganization"),
    ],
)
def test_the_json_ld_type_follows_the_organization_type(client, org_type, schema_type):
    data, _ = json_ld(client, make_org(org_type=org_type))

    assert data["@type"] == schema_type


def test_the_json_ld_leaves_out_what_is_not_recorded(client):
    data, _ = json_ld(client, make_org())

    assert "foundingDate" not in data
    assert "identifier" not in data
    assert "alternateName" not in data
    assert "email" not in data
    assert data["sameAs"] == []
    assert data["areaServed"] == []


def test_a_name_with_a_closing_script_tag_cannot_break_out_of_the_json_ld(client):
    name = "Evil</script><script>alert(1)</script><!--"
    org = make_org(name, summary="A & B </SCRIPT> <b>", alternate_name="]]></script>")

    data, html = json_ld(client, org)

    assert data["name"] == name
    assert data["description"] == "A & B </SCRIPT> <b>"
    assert data["alternateName"] == "]]></script>"
    assert "<script>alert(1)" not in html
    assert html.count("</script>") == html.count("<script")


def test_only_organization_pages_carry_json_ld(client):
    org = make_org(issues=[make_issue(slug="forced-labour")])

    assert LD_OPEN in get(client, org.get_absolute_url()).content.decode()
    for url in ["/", "/organizations/", "/issues/forced-labour/"]:
        assert LD_OPEN not in get(client, url).content.decode(), url


# --- OpenGraph -----------------------------------------------------------------------------

SOCIAL_TAGS = ["og:title", "og:description", "og:type", "og:url", "twitter:card"]


def social_tags(html) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    pattern = r'<meta (?:property|name)="((?:og|twitter):\w+)" content="([^"]*)">'
    for key, value in re.findall(pattern, html):
        found.setdefault(key, []).append(unescape(value))
    return found


@pytest.fixture
def pages():
    issue = make_issue("Forced labour", slug="forced-labour", summary="Work under threat.")
    make_focus_area("Shelter", slug="shelter", description="Safe places to stay.")
    org = make_org(
        "Harbor House", slug="harbor-house", summary="Shelters survivors.", issues=[issue]
    )
    make_org("Lantern Fund", slug="lantern-fund")
    make_opportunity(org, "Night shift", slug="night-shift")
    return {
        "/": None,
        "/organizations/": "Organizations",
        "/organizations/harbor-house/": "Harbor House",
        "/organizations/harbor-house/correction/": None,
        "/organizations/harbor-house/opportunities/night-shift/": "Night shift",
        "/issues/": "Issues",
        "/issues/forced-labour/": "Forced labour",
        "/focus-areas/": "Focus areas",
        "/focus-areas/shelter/": "Shelter",
        "/search/": None,
        "/search/?q=harbor": None,
        "/volunteer/": "Volunteer opportunities",
        "/compare/?orgs=harbor-house,lantern-fund": "Compare organizations",
        "/suggest/": None,
    }


def test_every_public_page_type_has_opengraph_and_twitter_tags(client, pages):
    for url, title in pages.items():
        tags = social_tags(get(client, url).content.decode())

        for key in SOCIAL_TAGS:
            assert len(tags.get(key, [])) == 1, f"{url}: {key} {tags.get(key)}"
            assert tags[key][0].strip(), f"{url}: empty {key}"
        assert tags["og:url"] == [f"{SITE}{url}"], url
        assert tags["twitter:card"] == ["summary"], url
        if title:
            assert tags["og:title"] == [title], url


def test_detail_pages_describe_their_subject(client, pages):
    org = social_tags(get(client, "/organizations/harbor-house/").content.decode())
    issue = social_tags(get(client, "/issues/forced-labour/").content.decode())
    area = social_tags(get(client, "/focus-areas/shelter/").content.decode())
    opportunity_url = "/organizations/harbor-house/opportunities/night-shift/"
    opportunity = social_tags(get(client, opportunity_url).content.decode())

    assert org["og:description"] == ["Shelters survivors."]
    assert org["og:type"] == ["website"]
    assert issue["og:description"] == ["Work under threat."]
    assert area["og:description"] == ["Safe places to stay."]
    assert opportunity["og:description"] == ["Volunteer with Harbor House."]


def test_opengraph_tags_carry_hostile_text_as_text(client):
    name = 'Quote" onmouseover="alert(1)" <b>'
    org = make_org(name, summary='"><script>alert(2)</script>')

    html = get(client, org.get_absolute_url()).content.decode()
    tags = social_tags(html)

    assert tags["og:title"] == [name]
    assert tags["og:description"] == ['"><script>alert(2)</script>']
    assert 'onmouseover="alert(1)"' not in html


def test_a_focus_area_without_a_description_still_has_an_og_description(client):
    area = make_focus_area("Shelter", slug="shelter", description="")

    tags = social_tags(get(client, area.get_absolute_url()).content.decode())

    assert tags["og:description"][0].strip()
