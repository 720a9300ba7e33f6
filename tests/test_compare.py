"""Comparing organizations side by side: /compare/?orgs=a,b, the list page's compare form,
the links that lead there, and what happens when a visitor asks for too few, too many,
unknown or malformed organizations."""

import re
from datetime import date
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from directory.models import Organization, OrganizationIdentifier
from tests.factories import make_issue, make_org, make_program

pytestmark = pytest.mark.django_db

COMPARE = "/compare/"


def get_html(client, url, status=200, **params):
    response = client.get(url, params or None)
    assert response.status_code == status, f"{url} answered {response.status_code}"
    return response.content.decode()


def compared(response) -> list[str]:
    """Slugs of the organizations in the comparison, in column order."""
    return [org.slug for org in response.context["selection"].organizations]


def row(html, heading) -> str:
    """The comparison table's row headed `heading`."""
    match = re.search(rf'<tr><th scope="row">{heading}</th>(.*?)</tr>', html, re.S)
    assert match, f"no {heading} row"
    return match.group(1)


def cells(html, heading) -> list[str]:
    return re.findall(r"<td>(.*?)</td>", row(html, heading), re.S)


def links(html, text) -> list[str]:
    """The hrefs of the links whose text starts with `text`."""
    return re.findall(rf'<a[^>]*href="([^"]*)"[^>]*>{re.escape(text)}', html)


@pytest.fixture
def pair():
    """Two published organizations that differ in everything the comparison shows."""
    trafficking = make_issue("Human trafficking", slug="trafficking")
    refugees = make_issue("Refugees", slug="refugees")
    harbor = make_org(
        "Harbor House",
        slug="harbor-house",
        summary="Shelters survivors.",
        issues=[trafficking],
        countries=["KR", "TH"],
        founded=1999,
        last_verified=date(2025, 3, 14),
        donate_url="https://harbor.example.org/give",
        volunteer_url="https://harbor.example.org/volunteer",
    )
    make_program(harbor, "Safe Passage", issues=[refugees])
    make_program(harbor, "Old Shelter", active=False)
    OrganizationIdentifier.objects.create(
        organization=harbor, identifier_scheme="KR-NPO", identifier="123-45"
    )
    lantern = make_org(
        "Lantern Fund",
        slug="lantern-fund",
        summary="Funds rescue work.",
        org_type=Organization.OrgType.GOVERNMENT,
        countries=["CN"],
        fundraising_url="https://lantern.example.org/fundraise",
        advocacy_url="https://lantern.example.org/campaign",
    )
    return SimpleNamespace(harbor=harbor, lantern=lantern, trafficking=trafficking)


# --- Side by side --------------------------------------------------------------------------


def test_it_shows_two_organizations_side_by_side_in_the_order_asked(client, pair):
    response = client.get(COMPARE, {"orgs": "lantern-fund,harbor-house"})

    assert response.status_code == 200
    assert compared(response) == ["lantern-fund", "harbor-house"]
    html = response.content.decode()
    assert "2 organizations side by side" in html
    assert '<a href="/organizations/lantern-fund/">Lantern Fund</a>' in html
    assert '<a href="/organizations/harbor-house/">Harbor House</a>' in html
    assert html.index("Lantern Fund") < html.index("Harbor House")


def test_it_accepts_the_slugs_as_repeated_parameters_as_a_form_sends_them(client, pair):
    response = client.get(f"{COMPARE}?orgs=harbor-house&orgs=lantern-fund")

    assert response.status_code == 200
    assert compared(response) == ["harbor-house", "lantern-fund"]


def test_it_ignores_repeats_case_and_spaces_in_the_slugs(client, pair):
    response = client.get(f"{COMPARE}?orgs=Harbor-House,%20lantern-fund%20&orgs=harbor-house,")

    assert response.status_code == 200
    assert compared(response) == ["harbor-house", "lantern-fund"]


@pytest.mark.parametrize("how_many", [3, 4])
def test_it_compares_up_to_four(client, how_many):
    slugs = [make_org(slug=f"org-{n}").slug for n in range(how_many)]

    response = client.get(COMPARE, {"orgs": ",".join(slugs)})

    assert response.status_code == 200
    assert compared(response) == slugs
    assert f"{how_many} organizations side by side" in response.content.decode()


def test_it_compares_issues_programs_countries_and_founding(client, pair):
    html = get_html(client, COMPARE, orgs="harbor-house,lantern-fund")

    harbor_issues, lantern_issues = cells(html, "Issues")
    assert 'href="/issues/trafficking/">Human trafficking</a>' in harbor_issues
    assert 'href="/issues/refugees/">Refugees</a>' in harbor_issues  # through a program
    assert "None recorded" in lantern_issues
    harbor_programs, lantern_programs = cells(html, "Programs")
    assert "<li>Safe Passage</li>" in harbor_programs
    assert "<li>Old Shelter (ended)</li>" in harbor_programs
    assert "None recorded" in lantern_programs
    assert cells(html, "Countries") == ["South Korea, Thailand", "China"]
    assert cells(html, "Founded") == ["1999", "Not recorded"]
    assert cells(html, "Type") == ["Nonprofit", "Government agency"]
    assert cells(html, "Summary") == ["Shelters survivors.", "Funds rescue work."]


def test_it_compares_registration_and_when_each_was_last_verified(client, pair):
    html = get_html(client, COMPARE, orgs="harbor-house,lantern-fund")

    assert cells(html, "Registration") == ["KR-NPO 123-45", "None recorded"]
    harbor_verified, lantern_verified = cells(html, "Last verified")
    assert '<time datetime="2025-03-14">14 Mar 2025</time>' in harbor_verified
    assert lantern_verified == "Not yet verified"


def test_it_compares_the_ways_to_give_with_safe_external_links(client, pair):
    html = get_html(client, COMPARE, orgs="harbor-house,lantern-fund")

    harbor, lantern = cells(html, "Ways to give")
    assert links(harbor, "Donate") == ["https://harbor.example.org/give"]
    assert links(harbor, "Volunteer") == ["https://harbor.example.org/volunteer"]
    assert not links(harbor, "Fundraise") and not links(harbor, "Speak up")
    assert links(lantern, "Fundraise") == ["https://lantern.example.org/fundraise"]
    assert links(lantern, "Speak up") == ["https://lantern.example.org/campaign"]
    for anchor in re.findall(r"<a [^>]*>", harbor + lantern):
        assert 'rel="noopener noreferrer"' in anchor
    assert (harbor + lantern).count("(opens another site)") == 4


def test_an_organization_without_ways_to_give_says_none_are_listed(client, pair):
    quiet = make_org("Quiet Org", slug="quiet-org")

    html = get_html(client, COMPARE, orgs=f"harbor-house,{quiet.slug}")

    assert "<li>None listed</li>" in cells(html, "Ways to give")[1]


def test_the_query_count_does_not_grow_with_the_organizations_compared(client):
    orgs = []
    for n in range(4):
        org = make_org(issues=[make_issue()], countries=["KR"], donate_url="https://a.example/")
        make_program(org, issues=[make_issue()], countries=["TH"])
        OrganizationIdentifier.objects.create(
            organization=org, identifier_scheme="KR-NPO", identifier=str(n)
        )
        orgs.append(org.slug)

    def queries(slugs):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(COMPARE, {"orgs": ",".join(slugs)}).status_code == 200
        return len(captured)

    assert queries(orgs) == queries(orgs[:2])


# --- Too few, too many, unknown ------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?orgs=", "?orgs=harbor-house", "?orgs=harbor-house,,"])
def test_fewer_than_two_is_a_prompt_to_choose_more(client, pair, query):
    html = get_html(client, COMPARE + query)

    assert "Choose 2 to 4 organizations" in html
    assert 'role="alert"' not in html
    assert "Choose organizations</a>" in html


def test_the_prompt_for_one_organization_keeps_it_for_the_next_choice(client, pair):
    html = get_html(client, COMPARE, orgs="harbor-house")

    assert links(html, "Choose organizations") == ["/organizations/?compare_with=harbor-house"]
    assert "1 organization side by side" in html


def test_five_is_too_many(client):
    slugs = [make_org(slug=f"org-{n}").slug for n in range(5)]

    response = client.get(COMPARE, {"orgs": ",".join(slugs)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "You can compare at most 4 organizations at once; you chose 5." in html
    assert compared(response) == slugs[:4]  # the first four stay, to remove some from


@pytest.mark.parametrize("status", ["draft", "review", "archived"])
def test_unpublished_organizations_are_refused_by_name_and_not_shown(client, pair, status):
    secret = make_org("Secret Harbor", slug="secret-harbor", status=status)

    response = client.get(COMPARE, {"orgs": f"harbor-house,{secret.slug},lantern-fund"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "These are not published organizations in the directory: secret-harbor." in html
    assert "Secret Harbor" not in html
    assert compared(response) == ["harbor-house", "lantern-fund"]


def test_unknown_slugs_are_all_named(client, pair):
    response = client.get(COMPARE, {"orgs": "nobody,harbor-house,no-one-else"})

    assert response.status_code == 400
    assert (
        "These are not published organizations in the directory: nobody, no-one-else."
        in response.content.decode()
    )


NUL = "\x00"
LONG = "x" * 10_000
SQL = "harbor-house' OR '1'='1' --"
HTML = '<script>alert("x")</script>'


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(NUL, id="nul"),
        pytest.param(f"harbor-house,{NUL}lantern-fund", id="nul-in-list"),
        pytest.param(LONG, id="long"),
        pytest.param(f"harbor-house,{LONG}", id="long-in-list"),
        pytest.param(SQL, id="sql"),
        pytest.param(f"harbor-house,{SQL}", id="sql-in-list"),
        pytest.param(HTML, id="html"),
        pytest.param(f"harbor-house,{HTML}", id="html-in-list"),
        pytest.param("%00", id="percent"),
        pytest.param("../../etc/passwd", id="path"),
    ],
)
def test_malformed_slugs_are_a_bad_request_never_an_error(client, pair, value):
    response = client.get(COMPARE, {"orgs": value})

    assert 400 <= response.status_code < 500
    html = response.content.decode()
    assert HTML not in html
    assert NUL not in html
    assert "Lantern Fund" not in html  # nothing was found by injection


def test_a_malformed_slug_is_refused_without_being_shown_back(client, pair):
    html = get_html(client, COMPARE, status=400, orgs=f"harbor-house,{HTML}")

    assert "not valid names" in html
    assert HTML.lower() not in html
    assert escape(HTML.lower()) not in html


def test_a_thousand_slugs_are_refused_as_too_many(client):
    response = client.get(COMPARE, {"orgs": ",".join(f"org-{n}" for n in range(1_000))})

    assert response.status_code == 400
    assert "you chose 1000" in response.content.decode()


# --- Leaving and joining the comparison ----------------------------------------------------


def test_each_organization_has_a_remove_link_that_keeps_the_others(client):
    slugs = [make_org(f"Org {n}", slug=f"org-{n}").slug for n in range(3)]
    html = get_html(client, COMPARE, orgs=",".join(slugs))

    removes = links(html, "Remove")

    assert len(removes) == 3
    for removed, href in zip(slugs, removes, strict=True):
        response = client.get(COMPARE + href)
        assert response.status_code == 200
        assert compared(response) == [slug for slug in slugs if slug != removed]


def test_removing_one_of_two_leaves_a_prompt_to_choose_more(client, pair):
    html = get_html(client, COMPARE, orgs="harbor-house,lantern-fund")
    remove_lantern = links(html, "Remove")[1]

    response = client.get(COMPARE + remove_lantern)

    assert response.status_code == 200
    assert compared(response) == ["harbor-house"]
    assert "Choose 2 to 4 organizations" in response.content.decode()


def test_remove_links_name_the_organization_for_screen_readers(client, pair):
    html = get_html(client, COMPARE, orgs="harbor-house,lantern-fund")

    assert 'Remove<span class="visually-hidden"> Harbor House</span>' in html


def test_fewer_than_four_offers_to_add_another_keeping_those_chosen(client, pair):
    html = get_html(client, COMPARE, orgs="harbor-house,lantern-fund")

    assert links(html, "Add another organization") == [
        "/organizations/?compare_with=harbor-house,lantern-fund"
    ]


def test_four_offers_no_more(client):
    slugs = [make_org().slug for _ in range(4)]

    html = get_html(client, COMPARE, orgs=",".join(slugs))

    assert "Add another organization" not in html


def test_the_organization_page_links_to_compare_it_with_others(client, pair):
    html = get_html(client, pair.harbor.get_absolute_url())

    assert links(html, "Compare with other organizations") == [
        "/organizations/?compare_with=harbor-house"
    ]


# --- The list page's compare form ----------------------------------------------------------


def compare_form(html) -> str:
    start = html.index('<form class="compare-form"')
    return html[start : html.index("</form>", start) + len("</form>")]


def test_the_list_page_has_a_plain_get_form_of_checkboxes_to_compare(client, pair):
    form = compare_form(get_html(client, "/organizations/"))

    assert re.match(r'<form class="compare-form" method="get" action="/compare/"', form)
    boxes = re.findall(r'<input type="checkbox" name="orgs" value="([^"]+)"', form)
    assert boxes == ["harbor-house", "lantern-fund"]
    assert '<button type="submit">Compare selected</button>' in form
    assert 'type="hidden"' not in form


def test_what_the_compare_form_sends_is_a_comparison(client, pair):
    form = compare_form(get_html(client, "/organizations/"))
    ticked = re.findall(r'<input type="checkbox" name="orgs" value="([^"]+)"', form)

    response = client.get(COMPARE, {"orgs": ticked})  # as a browser sends ticked boxes

    assert response.status_code == 200
    assert compared(response) == ["harbor-house", "lantern-fund"]


def test_compare_with_is_carried_as_hidden_inputs_and_ticked(client, pair):
    html = get_html(client, "/organizations/", compare_with="harbor-house")
    form = compare_form(html)

    assert '<input type="hidden" name="orgs" value="harbor-house">' in form
    assert re.search(r'name="orgs" value="harbor-house" checked disabled>', form)
    assert "Comparing with Harbor House:" in html
    assert "Comparing with harbor-house" not in html


def test_the_compare_banner_names_the_organizations_in_the_visitors_language(client, pair):
    pair.harbor.name_ko = "하버 하우스"
    pair.harbor.save()

    english = get_html(client, "/organizations/", compare_with="harbor-house,lantern-fund")
    korean = get_html(client, "/ko/organizations/", compare_with="harbor-house,lantern-fund")

    assert "Comparing with Harbor House, Lantern Fund:" in english
    assert "하버 하우스, Lantern Fund" in korean
    assert "harbor-house, lantern-fund" not in english + korean


def test_the_compare_banner_leaves_out_what_is_no_published_organization(client, pair):
    make_org("Hidden Draft", slug="hidden-draft", status=Organization.Status.DRAFT)

    html = get_html(client, "/organizations/", compare_with="hidden-draft,harbor-house,nobody")
    form = compare_form(html)

    assert "Comparing with Harbor House:" in html
    assert re.findall(r'type="hidden" name="orgs" value="([^"]+)"', form) == ["harbor-house"]
    assert "hidden-draft" not in form and "Hidden Draft" not in html and "nobody" not in form


def test_a_browser_submitting_the_form_in_compare_mode_compares_both(client, pair):
    form = compare_form(get_html(client, "/organizations/", compare_with="harbor-house"))
    hidden = re.findall(r'<input type="hidden" name="orgs" value="([^"]+)"', form)
    # Disabled boxes are not sent; a visitor ticks one more.
    sent = [*hidden, "lantern-fund"]

    response = client.get(COMPARE, {"orgs": sent})

    assert response.status_code == 200
    assert compared(response) == ["harbor-house", "lantern-fund"]


def test_compare_with_carries_at_most_three(client):
    slugs = [make_org(slug=f"org-{n}").slug for n in range(5)]

    form = compare_form(get_html(client, "/organizations/", compare_with=",".join(slugs)))

    assert re.findall(r'type="hidden" name="orgs" value="([^"]+)"', form) == slugs[:3]


def test_a_malformed_compare_with_is_dropped_not_reflected(client, pair):
    html = get_html(client, "/organizations/", compare_with=HTML)

    assert HTML.lower() not in html
    assert escape(HTML.lower()) not in html


def test_filtering_in_compare_mode_keeps_the_organizations_being_compared(client, pair):
    html = get_html(client, "/organizations/", compare_with="harbor-house")
    start = html.index('<form class="filters"')
    filter_form = html[start : html.index("</form>", start)]

    assert re.search(r'<input type="hidden" name="compare_with" value="harbor-house"', filter_form)


def test_the_comparison_works_without_javascript(client, pair):
    """Every step is a plain link or a GET form: nothing needs a script to be followed."""
    listing = get_html(client, "/organizations/")
    page = get_html(client, COMPARE, orgs="harbor-house,lantern-fund")

    assert not re.search(r"<(a|button|input)\b[^>]*\son\w+=", listing + page)
    assert not re.search(r'href="javascript:', listing + page, re.I)
    for href in links(page, "Remove") + links(page, "Add another organization"):
        target = urlsplit(href)
        assert client.get((target.path or COMPARE) + "?" + target.query).status_code == 200
        assert parse_qs(target.query)
