"""Every public page: it answers, shows what a visitor came for, and nothing it should not."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import dateformat, timezone
from django.utils.html import escape

from directory.models import Country, Organization, OrganizationIdentifier
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

HIDDEN_STATUSES = [
    Organization.Status.DRAFT,
    Organization.Status.REVIEW,
    Organization.Status.ARCHIVED,
]
STALE_NOTE = "this listing was last checked over 365 days ago"
ENDED_BADGE = '<span class="badge badge--muted">Ended</span>'


def today():
    return timezone.localdate()


def get_html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, f"{url} answered {response.status_code}"
    return response.content.decode()


def h1_count(html):
    return len(re.findall(r"<h1[\s>]", html))


def link_tag(html, href):
    """The opening <a> tag that points at `href`, or None."""
    match = re.search(r"<a\s[^>]*href=\"" + re.escape(href) + r"\"[^>]*>", html)
    return match.group(0) if match else None


def block(html, start, end):
    """The markup from the first `start` to the next `end` (both literal)."""
    begin = html.index(start)
    return html[begin : html.index(end, begin) + len(end)]


def card_slugs(html):
    """Slugs of the organization cards on a page, in order."""
    return re.findall(r'class="card__title"><a href="/organizations/([^/"]+)/"', html)


def issue_tile(html, issue):
    return block(html, f'<li class="tile"><a href="{issue.get_absolute_url()}">', "</li>")


def focus_chip(html, area):
    return block(html, f'<a class="chip" href="{area.get_absolute_url()}">', "</a>")


# --- The home page -------------------------------------------------------------------------


def test_home_lists_every_issue_with_its_summary_and_count_of_organizations(client):
    trafficking = make_issue("Human trafficking", summary="People bought and sold.")
    orphans = make_issue("Orphaned children")
    make_org(issues=[trafficking])
    program_only = make_org()
    make_program(program_only, issues=[trafficking])

    html = get_html(client, "/")

    tile = issue_tile(html, trafficking)
    assert "Human trafficking" in tile
    assert "People bought and sold." in tile
    assert "2 organizations" in tile
    assert "0 organizations" in issue_tile(html, orphans)


def test_home_lists_focus_areas_with_counts(client):
    rescue = make_focus_area("Rescue")
    advocacy = make_focus_area("Advocacy")
    make_org(focus_areas=[rescue])

    html = get_html(client, "/")

    assert re.search(r'Rescue <span class="count">1</span>', focus_chip(html, rescue))
    assert re.search(r'Advocacy <span class="count">0</span>', focus_chip(html, advocacy))


def test_home_shows_the_six_most_recently_verified_organizations_newest_first(client):
    for days in range(7):
        make_org(
            f"Verified {days}", slug=f"verified-{days}", last_verified=today() - timedelta(days)
        )
    make_org("Never verified", slug="never-verified", last_verified=None)

    html = get_html(client, "/")

    recent = block(html, '<h2 id="recent">', "</section>")
    assert card_slugs(recent) == [f"verified-{days}" for days in range(6)]
    assert "Never verified" not in html


def test_home_says_so_when_nothing_is_verified_yet(client):
    make_org(last_verified=None)

    html = get_html(client, "/")

    assert "No listing has been verified yet." in html


# --- Lists ---------------------------------------------------------------------------------


def test_organization_list_shows_published_organizations_by_name(client):
    make_org("Zebra Relief", slug="zebra-relief", summary="Zebra summary.")
    make_org("Aid Alpha", slug="aid-alpha")

    html = get_html(client, "/organizations/")

    assert card_slugs(html) == ["aid-alpha", "zebra-relief"]
    assert "Zebra summary." in html
    assert "2 organizations" in html


def test_issue_list_shows_issues_with_counts(client):
    trafficking = make_issue("Human trafficking", summary="Forced labour and exploitation.")
    make_org(issues=[trafficking])

    html = get_html(client, "/issues/")

    tile = issue_tile(html, trafficking)
    assert "Forced labour and exploitation." in tile
    assert "1 organization<" in tile


def test_focus_area_list_shows_areas_with_descriptions_and_counts(client):
    rescue = make_focus_area("Rescue", description="Getting people out of danger.")
    org = make_org()
    make_program(org, focus_areas=[rescue])

    html = get_html(client, "/focus-areas/")

    tile = block(html, f'<li class="tile"><a href="{rescue.get_absolute_url()}">', "</li>")
    assert "Getting people out of danger." in tile
    assert "1 organization<" in tile


# --- The organization page -----------------------------------------------------------------


@pytest.fixture
def org_page(client):
    """A fully described organization and its rendered page."""
    trafficking = make_issue("Human trafficking", slug="human-trafficking")
    refugees = make_issue("Refugees", slug="refugees")
    rescue = make_focus_area("Rescue", slug="rescue")
    advocacy = make_focus_area("Advocacy", slug="advocacy")
    source = make_source(
        title="Trafficking in Persons Report",
        publisher="U.S. Department of State",
        year=2023,
        url="https://www.state.gov/tip-report",
    )
    org = make_org(
        "Liberty Harbor",
        slug="liberty-harbor",
        alternate_name="LH",
        summary="Rescues and resettles survivors.",
        description=(
            "# Our story\n\nWe help **refugees** start again.\n\n"
            "<script>alert('pwned')</script>\n\n[Bad link](javascript:alert(1))"
        ),
        org_type=Organization.OrgType.FAITH_BASED,
        founded=2004,
        headquarters=Country.objects.get(pk="KR"),
        countries=["KR", "JP"],
        issues=[trafficking],
        focus_areas=[advocacy],
        donate_url="https://liberty.example.org/donate",
        volunteer_url="https://liberty.example.org/volunteer",
        website="https://liberty.example.org/",
        email="hello@liberty.example.org",
        last_verified=today() - timedelta(days=30),
    )
    org.sources.set([source])
    OrganizationIdentifier.objects.create(
        organization=org,
        identifier_scheme="US-EIN",
        identifier_type="Employer ID number",
        identifier="20-1234567",
    )
    make_program(
        org,
        "Safe Passage",
        slug="safe-passage",
        summary="Escorts refugees to safety.",
        description="Runs *night* crossings.",
        issues=[refugees],
        focus_areas=[rescue],
        countries=["CN"],
        url="https://liberty.example.org/safe-passage",
    )
    make_program(org, "Old Shelter", slug="old-shelter", active=False)
    html = get_html(client, org.get_absolute_url())
    return SimpleNamespace(
        org=org,
        html=html,
        trafficking=trafficking,
        refugees=refugees,
        rescue=rescue,
        advocacy=advocacy,
    )


def test_organization_page_shows_name_summary_type_and_headquarters(org_page):
    html = org_page.html
    assert re.search(r"<h1>Liberty Harbor <span class=\"muted\">\(LH\)</span></h1>", html)
    assert "Rescues and resettles survivors." in html
    assert "Faith-based nonprofit · based in South Korea · founded 2004" in html
    assert "<title>Liberty Harbor · Causeway</title>" in html


def test_organization_page_renders_the_description_as_markdown(org_page):
    assert "We help <strong>refugees</strong> start again." in org_page.html


def test_organization_page_strips_scripts_and_javascript_links_from_the_description(org_page):
    about = block(org_page.html, '<section aria-labelledby="about">', "</section>")
    assert "<script" not in about
    assert "alert(" not in org_page.html
    assert "javascript:" not in org_page.html
    assert re.search(r"<a [^>]*>Bad link</a>", about)  # the text stays, the link goes


def test_organization_page_keeps_a_single_h1_when_the_description_has_a_heading(org_page):
    assert h1_count(org_page.html) == 1
    assert "Our story" in org_page.html


def test_organization_page_shows_programs_with_their_issues_focus_areas_and_countries(org_page):
    program = block(org_page.html, 'id="program-safe-passage"', "</article>")
    assert "<h3>Safe Passage</h3>" in program
    assert "Escorts refugees to safety." in program
    assert "Runs <em>night</em> crossings." in program
    assert link_tag(program, "/issues/refugees/")
    assert link_tag(program, "/focus-areas/rescue/")
    assert "Countries served</dt><dd>China</dd>" in program
    page_link = link_tag(program, "https://liberty.example.org/safe-passage")
    assert page_link and 'rel="noopener noreferrer"' in page_link


def test_organization_page_marks_an_inactive_program_as_ended(org_page):
    program = block(org_page.html, 'id="program-old-shelter"', "</article>")
    assert "Ended" in program


def test_organization_page_lists_countries_of_operation_and_focus_areas(org_page):
    trust = block(org_page.html, 'aria-labelledby="trust-heading"', "</section>")
    works_in = re.search(r"Works in</h3><p>([^<]*)</p>", trust).group(1)
    assert set(works_in.split(", ")) == {"Japan", "South Korea"}
    assert link_tag(trust, "/focus-areas/advocacy/")


def test_organization_page_links_to_donate_and_volunteer_pages_safely(org_page):
    for href, label in [
        ("https://liberty.example.org/donate", "Donate"),
        ("https://liberty.example.org/volunteer", "Volunteer"),
        ("https://liberty.example.org/", "Website"),
    ]:
        tag = link_tag(org_page.html, href)
        assert tag is not None, f"no link to {href}"
        assert 'rel="noopener noreferrer"' in tag
        assert 'target="_blank"' in tag
        assert re.search(re.escape(tag) + label, org_page.html)
    assert link_tag(org_page.html, "mailto:hello@liberty.example.org")


def test_organization_page_shows_registration_identifiers(org_page):
    assert "US-EIN (Employer ID number): 20-1234567" in org_page.html


def test_organization_page_cites_its_sources(org_page):
    sources = block(org_page.html, '<ul class="sources">', "</ul>")
    tag = link_tag(sources, "https://www.state.gov/tip-report")
    assert tag and 'rel="noopener noreferrer"' in tag
    assert "Trafficking in Persons Report" in sources
    assert ", U.S. Department of State, 2023" in sources


def test_organization_page_shows_when_it_was_last_verified(org_page):
    verified = org_page.org.last_verified
    expected = (
        f'Last verified on <time datetime="{verified:%Y-%m-%d}">'
        f"{dateformat.format(verified, 'j F Y')}</time>."
    )
    assert expected in org_page.html


def test_organization_page_names_each_issue_and_how_it_is_addressed(org_page):
    addressed = block(org_page.html, '<ul class="issue-list">', "</ul>")
    direct = block(addressed, '<a href="/issues/human-trafficking/">', "</li>")
    assert "directly" in direct
    assert "through" not in direct
    through = block(addressed, '<a href="/issues/refugees/">', "</li>")
    assert re.search(r'through <a href="#program-safe-passage">Safe Passage</a>', through)
    assert "directly" not in through


def test_an_issue_addressed_only_through_a_program_appears_with_that_program_named(client):
    issue = make_issue("Statelessness", slug="statelessness")
    org = make_org()
    make_program(org, "Birth Registration", slug="birth-registration", issues=[issue])

    html = get_html(client, org.get_absolute_url())

    entry = block(html, '<a href="/issues/statelessness/">Statelessness</a>', "</li>")
    assert 'through <a href="#program-birth-registration">Birth Registration</a>' in entry


def test_an_issue_addressed_directly_and_through_a_program_says_both(client):
    issue = make_issue("Statelessness", slug="statelessness")
    org = make_org(issues=[issue])
    make_program(org, "Birth Registration", slug="birth-registration", issues=[issue])

    html = get_html(client, org.get_absolute_url())

    entry = block(html, '<a href="/issues/statelessness/">Statelessness</a>', "</li>")
    assert "directly and through" in entry


def test_organization_page_without_ways_to_help_says_where_to_ask(client):
    org = make_org(donate_url="", volunteer_url="", sources=[])

    html = get_html(client, org.get_absolute_url())

    assert "not found a donation, volunteer or campaign page" in html
    assert "No registration number recorded." in html
    assert "No sources recorded." in html


@pytest.mark.parametrize(
    ("days_ago", "stale"),
    [(366, True), (800, True), (365, False), (30, False), (0, False)],
)
def test_organization_page_warns_only_when_the_listing_is_over_a_year_old(client, days_ago, stale):
    org = make_org(last_verified=today() - timedelta(days=days_ago))

    html = get_html(client, org.get_absolute_url())

    assert (STALE_NOTE in html) is stale
    assert "Not yet verified" not in html


def test_a_never_verified_listing_says_so_and_nothing_about_being_a_year_old(client):
    org = make_org(last_verified=None)

    html = get_html(client, org.get_absolute_url())

    assert "Not yet verified: no curator has checked this listing" in html
    assert STALE_NOTE not in html
    assert "last checked over" not in html


# --- The issue and focus area pages --------------------------------------------------------


@pytest.fixture
def issue_page(client):
    issue = make_issue(
        "Human trafficking",
        slug="human-trafficking",
        summary="People bought, sold and held.",
        brief="Trafficking is **forced** exploitation.",
    )
    related = make_issue("Forced marriage", slug="forced-marriage")
    issue.related.set([related])
    make_fact(
        issue,
        statement="An estimated 50 million people lived in modern slavery.",
        figure="50 million",
        year=2021,
        source=make_source(
            title="Global Estimates of Modern Slavery",
            publisher="ILO",
            year=2022,
            url="https://www.ilo.org/global-estimates",
        ),
    )
    direct = make_org("Direct Action", slug="direct-action", issues=[issue])
    via_program = make_org("Program People", slug="program-people")
    make_program(via_program, "Safe Homes", slug="safe-homes", issues=[issue], summary="Homes.")
    make_org("Unrelated Org", slug="unrelated-org")
    html = get_html(client, issue.get_absolute_url())
    return SimpleNamespace(issue=issue, html=html, direct=direct, via_program=via_program)


def test_issue_page_shows_the_summary_and_the_brief_as_markdown(issue_page):
    assert "<h1>Human trafficking</h1>" in issue_page.html
    assert "People bought, sold and held." in issue_page.html
    assert "Trafficking is <strong>forced</strong> exploitation." in issue_page.html


def test_issue_page_shows_key_facts_with_their_source_and_year(issue_page):
    facts = block(issue_page.html, '<h2 id="facts-heading"', "</section>")
    assert "50 million" in facts
    assert "An estimated 50 million people lived in modern slavery." in facts
    assert "Global Estimates of Modern Slavery" in facts
    assert ", ILO, 2022" in facts
    assert "As of 2021" in facts
    assert link_tag(facts, "https://www.ilo.org/global-estimates")


def test_issue_page_lists_organizations_addressing_it_directly_and_through_programs(
    issue_page,
):
    orgs = block(issue_page.html, '<h2 id="orgs-heading">', "</section>")
    assert card_slugs(orgs) == ["direct-action", "program-people"]


def test_issue_page_lists_programs_with_their_organization(issue_page):
    programs = block(issue_page.html, '<h2 id="programs-heading">', "</section>")
    assert link_tag(programs, "/organizations/program-people/#program-safe-homes")
    assert "Safe Homes" in programs
    assert "Program People" in programs


def test_issue_page_links_related_issues(issue_page):
    assert link_tag(issue_page.html, "/issues/forced-marriage/")


def test_issue_page_without_facts_or_organizations_says_so(client):
    issue = make_issue()

    html = get_html(client, issue.get_absolute_url())

    assert "No key facts recorded yet." in html
    assert "No published organization addresses this issue yet." in html


def test_focus_area_page_lists_organizations_directly_and_through_programs(client):
    area = make_focus_area("Rescue", slug="rescue", description="Getting people to safety.")
    make_org("Direct Rescue", slug="direct-rescue", focus_areas=[area])
    via_program = make_org("Program Rescue", slug="program-rescue")
    make_program(via_program, "Night Crossing", slug="night-crossing", focus_areas=[area])
    make_org("Unrelated Org", slug="unrelated-org")

    html = get_html(client, area.get_absolute_url())

    assert "<h1>Rescue</h1>" in html
    assert "Getting people to safety." in html
    orgs = block(html, '<h2 id="orgs-heading">', "</section>")
    assert card_slugs(orgs) == ["direct-rescue", "program-rescue"]
    programs = block(html, '<h2 id="programs-heading">', "</section>")
    assert link_tag(programs, "/organizations/program-rescue/#program-night-crossing")
    assert "Night Crossing" in programs


def test_focus_area_page_without_organizations_says_so(client):
    area = make_focus_area()

    html = get_html(client, area.get_absolute_url())

    assert "No published organization works in this area yet." in html


def test_search_page_without_a_query_shows_the_form(client):
    html = get_html(client, "/search/?q=")

    assert 'id="search-q"' in html
    assert 'role="status"' not in html
    assert "result-group" not in html


# --- Ended programs ----------------------------------------------------------------------------


@pytest.fixture
def ended(client):
    """Two organizations on trafficking: one through a current program, one only through a
    program it has ended (which also named a focus area)."""
    trafficking = make_issue("Human trafficking", slug="human-trafficking")
    rescue = make_focus_area("Rescue", slug="rescue")
    old = make_org("Old Harbor", slug="old-harbor", summary="Once sheltered survivors.")
    make_program(
        old,
        "Old Shelter",
        slug="old-shelter",
        summary="A shelter for survivors.",
        issues=[trafficking],
        focus_areas=[rescue],
        active=False,
    )
    current = make_org("New Harbor", slug="new-harbor", summary="Shelters survivors.")
    make_program(
        current,
        "New Shelter",
        slug="new-shelter",
        summary="A shelter for survivors.",
        issues=[trafficking],
        focus_areas=[rescue],
    )
    return SimpleNamespace(issue=trafficking, area=rescue, old=old, current=current)


def program_entry(html, name):
    return block(html, f">{name}</a>", "</li>")


@pytest.mark.parametrize("page", ["issue", "area"])
def test_issue_and_focus_area_pages_mark_ended_programs_and_list_only_current_work(
    client, ended, page
):
    html = get_html(client, getattr(ended, page).get_absolute_url())
    programs = block(html, '<h2 id="programs-heading">', "</section>")

    assert ENDED_BADGE in program_entry(programs, "Old Shelter")
    assert ENDED_BADGE not in program_entry(programs, "New Shelter")
    # The organization is not listed as working on it through its ended program.
    assert card_slugs(block(html, '<h2 id="orgs-heading">', "</section>")) == ["new-harbor"]


def test_issue_counts_leave_out_organizations_only_an_ended_program_links(client, ended):
    home = get_html(client, "/")

    assert "1 organization<" in issue_tile(home, ended.issue)
    assert re.search(r'<span class="count">1</span>', focus_chip(home, ended.area))


def test_search_marks_ended_programs(client, ended):
    html = get_html(client, "/search/?q=shelter")
    programs = block(html, '<h2 id="group-program">', "</section>")

    assert ENDED_BADGE in block(programs, ">Old <mark>Shelter</mark></a>", "</h3>")
    assert ENDED_BADGE not in block(programs, ">New <mark>Shelter</mark></a>", "</h3>")


def test_the_organization_page_names_no_ended_program_as_addressing_an_issue(client, ended):
    html = get_html(client, ended.old.get_absolute_url())

    assert '<ul class="issue-list">' not in html
    assert "No issues recorded yet." in html
    assert ENDED_BADGE in block(html, 'id="program-old-shelter"', "</h3>")  # still listed


def test_an_issue_addressed_directly_is_not_said_to_be_through_an_ended_program(client, ended):
    ended.old.issues.add(ended.issue)

    html = get_html(client, ended.old.get_absolute_url())
    entry = block(html, '<a href="/issues/human-trafficking/">', "</li>")

    assert "directly" in entry
    assert "through" not in entry
    assert "#program-old-shelter" not in entry


def test_a_card_shows_no_issue_that_only_an_ended_program_addresses(client, ended):
    html = get_html(client, "/organizations/")
    card = block(html, 'href="/organizations/old-harbor/"', "</article>")

    assert "/issues/human-trafficking/" not in card
    assert "/issues/human-trafficking/" in block(
        html, 'href="/organizations/new-harbor/"', "</article>"
    )


def test_the_comparison_names_no_issue_only_an_ended_program_addresses(client, ended):
    html = get_html(client, "/compare/?orgs=old-harbor,new-harbor")
    issues = block(html, '<th scope="row">Issues</th>', "</tr>")

    assert issues.count("/issues/human-trafficking/") == 1


def test_the_issue_feed_leaves_out_organizations_only_an_ended_program_links(client, ended):
    feed = get_html(client, f"/feeds/issues/{ended.issue.slug}/")

    assert "New Harbor" in feed
    assert "Old Harbor" not in feed


# --- One search, one results page --------------------------------------------------------------


def search_forms(html) -> list[str]:
    return re.findall(r'<form[^>]*role="search"[^>]*>', html)


@pytest.mark.parametrize("path", ["/", "/ko/"])
def test_the_home_page_has_one_search_box(client, path):
    forms = search_forms(get_html(client, path))

    assert len(forms) == 1
    assert 'class="hero-search"' in forms[0]
    assert re.search(r'action="(/ko)?/organizations/"', forms[0])


@pytest.mark.parametrize("path", ["/issues/", "/organizations/", "/volunteer/", "/focus-areas/"])
def test_the_header_search_leads_where_the_home_search_does(client, path):
    home_action = re.search(r'action="([^"]+)"', search_forms(get_html(client, "/"))[0]).group(1)

    forms = search_forms(get_html(client, path))

    assert len(forms) == 1
    assert f'action="{home_action}"' in forms[0]


@pytest.mark.parametrize("path", ["/", "/search/?q=refugee", "/ko/", "/ko/search/?q=refugee"])
def test_search_and_navigation_landmarks_have_unique_names(client, path):
    html = get_html(client, path)
    names = re.findall(r'<(?:form[^>]*role="search"|nav)[^>]*aria-label="([^"]+)"', html)
    unlabelled = re.findall(r'<(?:form[^>]*role="search"|nav)(?![^>]*aria-label)[^>]*>', html)

    assert unlabelled == []
    assert len(names) == len(set(names)), names


# --- The organization page puts the ways to help first ---------------------------------------


def test_the_ways_to_help_come_right_after_the_summary(org_page):
    html = org_page.html
    main = html[html.index('<main id="main"') :]
    links = re.findall(r"<(?:a|button|input|select|textarea)\b[^>]*>", main)

    # The first thing the keyboard reaches in the content is the way to give.
    assert 'href="https://liberty.example.org/donate"' in links[0]
    assert main.index('id="help-heading"') < main.index('id="about"')
    assert main.index('id="help-heading"') < main.index('id="issues-heading"')
    assert main.index('id="help-heading"') < main.index('id="trust-heading"')


# --- Unpublished organizations appear nowhere public ----------------------------------------


@pytest.fixture(params=HIDDEN_STATUSES)
def hidden(request):
    """A published organization and one moved to a non-public status, sharing everything."""
    issue = make_issue("Forced labour", slug="forced-labour")
    area = make_focus_area("Shelter", slug="shelter")
    verified = today() - timedelta(days=1)
    visible = make_org(
        "Visible Refuge",
        slug="visible-refuge",
        issues=[issue],
        focus_areas=[area],
        countries=["KR"],
        summary="Shelters survivors of forced labour.",
        last_verified=verified,
    )
    secret = make_org(
        "Secret Harbor",
        slug="secret-harbor",
        issues=[issue],
        focus_areas=[area],
        countries=["NP"],
        headquarters=Country.objects.get(pk="BT"),
        summary="Shelters survivors of forced labour.",
        description="Quietly rescues survivors.",
        last_verified=today(),
    )
    make_program(secret, "Lantern Program", issues=[issue], focus_areas=[area], countries=["MN"])
    index.refresh_issues([issue.pk])
    # Published first, then moved out of public view, as curators do.
    Organization.objects.filter(pk=secret.pk).update(status=request.param)
    index.refresh_organizations([secret.pk])
    return SimpleNamespace(issue=issue, area=area, visible=visible, secret=secret)


PUBLIC_PAGES = [
    "/",
    "/organizations/",
    "/organizations/?issue=forced-labour",
    "/organizations/?focus=shelter",
    "/organizations/?q=survivors",
    "/issues/",
    "/issues/forced-labour/",
    "/focus-areas/",
    "/focus-areas/shelter/",
    "/search/?q=survivors",
    "/search/?q=secret",
    "/search/?q=lantern",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_it_hides_unpublished_organizations_and_their_programs_from_every_page(client, hidden, url):
    html = get_html(client, url)

    assert "Secret Harbor" not in html
    assert "Lantern Program" not in html
    assert hidden.secret.get_absolute_url() not in html


@pytest.mark.parametrize("path", ["/search/", "/organizations/"])
@pytest.mark.parametrize(("typo", "word"), [("lanturn", "lantern"), ("secrett", "secret")])
def test_it_never_suggests_words_only_unpublished_organizations_use(
    client, hidden, path, typo, word
):
    response = client.get(path, {"q": typo})

    html = response.content.decode().lower()
    assert response.status_code == 200
    # The typo itself is echoed back; the hidden word must not be offered or searched for.
    assert f">{word}<" not in html
    # (the typo itself is in the page's own address, "?q=secrett", which links repeat)
    assert not re.search(rf"q={word}\b", html)
    assert "did you mean" not in html


def test_unpublished_organization_pages_are_not_found(client, hidden):
    html = get_html(client, hidden.secret.get_absolute_url(), status=404)

    assert "Secret Harbor" not in html


def test_it_leaves_unpublished_organizations_out_of_every_count(client, hidden):
    home = get_html(client, "/")
    assert "1 organization<" in issue_tile(home, hidden.issue)
    assert re.search(r'<span class="count">1</span>', focus_chip(home, hidden.area))
    assert card_slugs(block(home, '<h2 id="recent">', "</section>")) == ["visible-refuge"]

    assert "1 organization<" in issue_tile(get_html(client, "/issues/"), hidden.issue)
    focus_list = get_html(client, "/focus-areas/")
    assert "1 organization<" in block(focus_list, 'href="/focus-areas/shelter/"', "</li>")

    listing = get_html(client, "/organizations/")
    assert re.search(r'role="status"[^>]*><h2[^>]*>\s*1 organization\s', listing)
    assert ">Forced labour (1)</option>" in listing
    assert ">Shelter (1)</option>" in listing
    assert ">Nonprofit (1)</option>" in listing

    search = get_html(client, "/search/?q=survivors")
    assert re.search(r'id="group-organization">Organizations <span class="count">1<', search)


def test_it_offers_no_country_that_only_unpublished_organizations_name(client, hidden):
    listing = get_html(client, "/organizations/")

    assert 'value="KR"' in listing
    for code in ("NP", "BT", "MN"):
        assert f'value="{code}"' not in listing
        # A real country that no published listing names: nothing found, not an error.
        assert card_slugs(get_html(client, f"/organizations/?country={code}")) == []


# --- Not found, headings, escaping ----------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/organizations/no-such-org/", "/issues/no-such-issue/", "/focus-areas/no-such-area/"]
)
def test_unknown_slugs_are_not_found(client, url):
    make_org()
    make_issue()
    make_focus_area()

    html = get_html(client, url, status=404)

    assert "Page not found" in html
    assert h1_count(html) == 1


@pytest.fixture
def everything(client):
    issue = make_issue("Human trafficking", slug="human-trafficking", brief="# Heading in brief")
    area = make_focus_area("Rescue", slug="rescue")
    org = make_org(
        "Liberty Harbor",
        slug="liberty-harbor",
        description="# Heading in description",
        issues=[issue],
        focus_areas=[area],
        countries=["KR"],
        last_verified=today(),
    )
    make_program(org, "Safe Passage", issues=[issue], description="# Heading in program")
    return SimpleNamespace(issue=issue, area=area, org=org)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/organizations/",
        "/organizations/?q=liberty",
        "/organizations/liberty-harbor/",
        "/issues/",
        "/issues/human-trafficking/",
        "/focus-areas/",
        "/focus-areas/rescue/",
        "/search/",
        "/search/?q=liberty",
        "/search/?q=-",
        "/organizations/?issue=unknown",
        "/organizations/?page=0",
        "/organizations/?page=9",
    ],
)
def test_every_page_has_exactly_one_h1(client, everything, url):
    response = client.get(url)

    assert response.status_code in (200, 400, 404)
    assert h1_count(response.content.decode()) == 1


XSS_ORG = "<img src=x onerror=alert(1)>"
XSS_ALT = "<b>alt-name</b>"
XSS_SUMMARY = "<i>Summary</i> onerror & co"
XSS_PROGRAM = "<svg onload=alert(2)> onerror"
XSS_ISSUE = "<script>alert(3)</script>"
XSS_FOCUS = '"><iframe src=x>'
XSS_SOURCE = "<u>Source</u>"


@pytest.fixture
def hostile():
    issue = make_issue(XSS_ISSUE, slug="hostile-issue", summary=XSS_SUMMARY)
    area = make_focus_area(XSS_FOCUS, slug="hostile-area", description=XSS_SUMMARY)
    org = make_org(
        XSS_ORG,
        slug="hostile-org",
        alternate_name=XSS_ALT,
        summary=XSS_SUMMARY,
        issues=[issue],
        focus_areas=[area],
        countries=["KR"],
        last_verified=today(),
    )
    org.sources.set([make_source(title=XSS_SOURCE, publisher=XSS_SOURCE)])
    OrganizationIdentifier.objects.create(
        organization=org, identifier_scheme=XSS_SOURCE, identifier=XSS_SOURCE
    )
    make_program(org, XSS_PROGRAM, slug="hostile-program", summary=XSS_SUMMARY, issues=[issue])
    make_fact(issue, statement=XSS_SUMMARY, figure=XSS_SOURCE)
    index.refresh_issues([issue.pk])
    return org


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/organizations/",
        "/organizations/?q=onerror",
        "/organizations/?issue=hostile-issue",
        "/organizations/hostile-org/",
        "/issues/",
        "/issues/hostile-issue/",
        "/focus-areas/",
        "/focus-areas/hostile-area/",
        "/search/?q=onerror",
    ],
)
def test_it_escapes_user_text_everywhere(client, hostile, url):
    html = get_html(client, url)

    for raw in (XSS_ORG, XSS_ALT, XSS_SUMMARY, XSS_PROGRAM, XSS_ISSUE, XSS_FOCUS, XSS_SOURCE):
        assert raw not in html
    # No tag carries an event handler, even where search marks words inside the text.
    # Quoted attribute values are blanked first: escaped text inside them is inert.
    tags_only = re.sub(r'"[^"]*"', '""', html)
    assert not re.search(r"<[^<>]*\son\w+\s*=", tags_only)
    assert not re.search(r"<(svg|iframe)\b", html)
    # The only scripts are our own static file and the JSON-LD data block.
    own = r'<script(?=[^>]*(src="/static/|type="application/ld\+json"))'
    assert len(re.findall(r"<script\b", html)) == len(re.findall(own, html))
    assert "&lt;" in html


def test_the_organization_page_shows_a_hostile_name_as_text(client, hostile):
    html = get_html(client, hostile.get_absolute_url())

    assert f"<h1>{escape(XSS_ORG)} " in html
    assert f"<title>{escape(XSS_ORG)} · Causeway</title>" in html


@pytest.mark.parametrize(
    ("sorted_below", "walk"),
    [(5000, (500,)), (0, (500,)), (0, (1, 2, 1, 1, 1)), (0, (1,))],
    ids=["sorted", "walked", "walked a slice at a time", "too thin to walk"],
)
def test_issue_page_lists_the_first_programs_on_it_by_organization_name(
    client, settings, monkeypatch, sorted_below, walk
):
    # Every way of finding them (few programs sorted, many found by walking organizations
    # a slice at a time, or sorted when the slices run out) lists the same.
    monkeypatch.setattr("directory.views.browse.SORTED_BELOW", sorted_below)
    monkeypatch.setattr("directory.views.browse.WALK", walk)
    settings.PAGE_CACHE_SECONDS = 0  # each request renders afresh
    issue = make_issue("Child labor", slug="child-labor")
    other = make_issue("Refugees", slug="refugees")
    zeta, alpha = make_org("Zeta Trust"), make_org("Alpha Aid")
    make_program(zeta, "Zeta School", issues=[issue])
    make_program(alpha, "Night Classes", issues=[issue])
    make_program(alpha, "Apprentices", issues=[issue])
    make_program(alpha, "Camp Clinic", issues=[other])
    hidden = make_org("Aardvark Draft", status=Organization.Status.DRAFT)
    make_program(hidden, "Hidden Program", issues=[issue])

    def shown():
        html = get_response(client, issue).content.decode()
        listed = html.split('<ul class="plain program-list">', 1)[1].split("</ul>", 1)[0]
        return re.findall(r'<li class="program-item">\s*<a href="[^"]+">([^<]+)</a>', listed)

    assert shown() == ["Apprentices", "Night Classes", "Zeta School"]
    monkeypatch.setattr("directory.views.browse.PROGRAMS_SHOWN", 2)
    assert shown() == ["Apprentices", "Night Classes"]


def get_response(client, issue):
    response = client.get(issue.get_absolute_url())
    assert response.status_code == 200
    return response
