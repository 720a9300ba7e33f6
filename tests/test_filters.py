"""`/organizations/`: each filter alone and combined, facet counts, paging, and bad input."""

import re
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.db.models import F
from django.test import TestCase

from directory.models import Country, Organization
from tests.factories import make_focus_area, make_issue, make_org, make_program

pytestmark = pytest.mark.django_db

LIST = "/organizations/"


def card_slugs(html):
    return re.findall(r'class="card__title"><a href="/organizations/([^/"]+)/"', html)


def listed(client, query=""):
    response = client.get(f"{LIST}?{query}" if query else LIST)
    assert response.status_code == 200, f"{query!r} answered {response.status_code}"
    return card_slugs(response.content.decode())


def select(html, name):
    """The <select> for one filter, as markup."""
    start = html.index(f'<select name="{name}"')
    return html[start : html.index("</select>", start)]


def option_labels(html, name):
    return [
        unescape(label)
        for label in re.findall(r"<option[^>]*>([^<]*)</option>", select(html, name))
    ]


@pytest.fixture
def directory():
    """Three published organizations and one draft that must never count.

    alpha-rescue:  nonprofit, trafficking directly, rescue directly, KR, donations, 2024
    beta-research: research, refugees only through a program (with advocacy, US), volunteers, 2025
    gamma-network: network, trafficking and refugees directly, headquartered in JP, both, unverified
    """
    trafficking = make_issue("Human trafficking", slug="human-trafficking")
    refugees = make_issue("Refugees", slug="refugees")
    make_issue("Unaddressed", slug="unaddressed")
    rescue = make_focus_area("Rescue", slug="rescue")
    advocacy = make_focus_area("Advocacy", slug="advocacy")
    make_org(
        "Alpha Rescue",
        slug="alpha-rescue",
        summary="Rescues people from traffickers.",
        description="Helps refugees along the way.",
        issues=[trafficking],
        focus_areas=[rescue],
        countries=["KR"],
        donate_url="https://alpha.example.org/donate",
        last_verified=date(2024, 3, 1),
    )
    beta = make_org(
        "Beta Research",
        slug="beta-research",
        summary="Studies displacement.",
        org_type=Organization.OrgType.RESEARCH,
        volunteer_url="https://beta.example.org/volunteer",
        last_verified=date(2025, 3, 1),
    )
    make_program(
        beta,
        "Refugee Survey",
        summary="Counts refugees.",
        issues=[refugees],
        focus_areas=[advocacy],
        countries=["US"],
    )
    make_org(
        "Gamma Network",
        slug="gamma-network",
        summary="A refugee and anti-trafficking network.",
        org_type=Organization.OrgType.NETWORK,
        issues=[trafficking, refugees],
        headquarters=Country.objects.get(pk="JP"),
        donate_url="https://gamma.example.org/donate",
        volunteer_url="https://gamma.example.org/volunteer",
        last_verified=None,
    )
    make_org(
        "Delta Draft",
        slug="delta-draft",
        status=Organization.Status.DRAFT,
        summary="A refugee and anti-trafficking draft.",
        issues=[trafficking, refugees],
        focus_areas=[rescue, advocacy],
        countries=["KR", "US"],
        donate_url="https://delta.example.org/donate",
        volunteer_url="https://delta.example.org/volunteer",
    )


ALL = ["alpha-rescue", "beta-research", "gamma-network"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("q=refugee", ["alpha-rescue", "beta-research", "gamma-network"]),
        ("q=traffickers", ["alpha-rescue", "gamma-network"]),
        ("q=displacement", ["beta-research"]),
        ("issue=human-trafficking", ["alpha-rescue", "gamma-network"]),
        ("issue=refugees", ["beta-research", "gamma-network"]),
        ("issue=unaddressed", []),
        ("focus=rescue", ["alpha-rescue"]),
        ("focus=advocacy", ["beta-research"]),
        ("country=KR", ["alpha-rescue"]),
        ("country=US", ["beta-research"]),
        ("country=JP", ["gamma-network"]),
        ("type=nonprofit", ["alpha-rescue"]),
        ("type=research", ["beta-research"]),
        ("type=network", ["gamma-network"]),
        ("type=government", []),
        ("help=donate", ["alpha-rescue", "gamma-network"]),
        ("help=volunteer", ["beta-research", "gamma-network"]),
    ],
)
def test_each_filter_alone_keeps_only_matching_published_organizations(
    client, directory, query, expected
):
    assert sorted(listed(client, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("issue=human-trafficking&help=volunteer", ["gamma-network"]),
        ("issue=human-trafficking&help=donate", ["alpha-rescue", "gamma-network"]),
        ("issue=refugees&country=US", ["beta-research"]),
        ("issue=refugees&focus=advocacy&type=research&help=volunteer", ["beta-research"]),
        ("issue=refugees&focus=rescue", []),
        ("q=refugee&issue=human-trafficking", ["alpha-rescue", "gamma-network"]),
        ("q=refugee&type=research", ["beta-research"]),
        ("q=refugee&country=JP&help=donate", ["gamma-network"]),
        ("q=refugee&country=KR&help=volunteer", []),
        ("q=traffickers&help=volunteer&sort=name", ["gamma-network"]),
    ],
)
def test_filters_combine_with_and(client, directory, query, expected):
    assert sorted(listed(client, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["alpha-rescue", "beta-research", "gamma-network"]),
        ("sort=name", ["alpha-rescue", "beta-research", "gamma-network"]),
        ("sort=relevance", ["alpha-rescue", "beta-research", "gamma-network"]),
        ("sort=verified", ["beta-research", "alpha-rescue", "gamma-network"]),
        ("sort=verified&help=donate", ["alpha-rescue", "gamma-network"]),
    ],
)
def test_it_sorts_by_name_by_default_and_by_verification_date_on_request(
    client, directory, query, expected
):
    assert listed(client, query) == expected


def test_a_search_is_sorted_by_relevance_unless_told_otherwise(client):
    make_org("Aardvark Aid", slug="aardvark-aid", description="Some lighthouse work.")
    make_org("Lighthouse Trust", slug="lighthouse-trust", summary="Lighthouse shelters.")

    assert listed(client, "q=lighthouse") == ["lighthouse-trust", "aardvark-aid"]
    assert listed(client, "q=lighthouse&sort=relevance") == ["lighthouse-trust", "aardvark-aid"]
    assert listed(client, "q=lighthouse&sort=name") == ["aardvark-aid", "lighthouse-trust"]


def _sort_options(html: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of the sort menu, as a browser shows it:
    with none marked selected, the first one is."""
    menu = re.search(r'<select name="sort".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', menu)
    first = not any(selected for _value, selected, _label in options)
    return [
        (value, label, bool(selected) or (first and n == 0))
        for n, (value, selected, label) in enumerate(options)
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [("relevance", "Name", True), ("verified", "Recently verified", False)]),
        ("sort=relevance", [("relevance", "Name", True), ("verified", "Recently verified", False)]),
        ("sort=verified", [("relevance", "Name", False), ("verified", "Recently verified", True)]),
        ("sort=name", [("name", "Name", True), ("verified", "Recently verified", False)]),
        (
            "q=rescue",
            [
                ("relevance", "Best match", True),
                ("name", "Name", False),
                ("verified", "Recently verified", False),
            ],
        ),
    ],
)
def test_best_match_is_offered_only_to_a_search(client, directory, query, expected):
    """Without a search the list is in name order and the menu says so; its first option
    still asks for the best match, so a search typed next is ranked."""
    assert _sort_options(client.get(f"{LIST}?{query}").content.decode()) == expected


def test_the_list_says_how_many_organizations_match_and_what_was_searched(client, directory):
    html = client.get(f"{LIST}?q=refugee&issue=human-trafficking").content.decode()

    assert re.search(r"2 organizations matching “refugee”", html)


# --- Facet counts ----------------------------------------------------------------------------


def test_options_show_how_many_published_organizations_each_would_keep(client, directory):
    html = client.get(LIST).content.decode()

    assert option_labels(html, "issue") == [
        "All issues",
        "Human trafficking (2)",
        "Refugees (2)",
        "Unaddressed (0)",
    ]
    assert option_labels(html, "focus") == ["All focus areas", "Advocacy (1)", "Rescue (1)"]
    assert option_labels(html, "country") == [
        "All countries",
        "Japan (1)",
        "South Korea (1)",
        "United States of America (1)",
    ]
    assert "Nonprofit (1)" in option_labels(html, "type")
    assert "Research institute (1)" in option_labels(html, "type")
    assert "Network or coalition (1)" in option_labels(html, "type")
    assert "Government agency (0)" in option_labels(html, "type")


def test_option_counts_follow_the_current_filters(client, directory):
    html = client.get(f"{LIST}?help=volunteer").content.decode()

    assert "Human trafficking (1)" in option_labels(html, "issue")
    assert "Refugees (2)" in option_labels(html, "issue")
    assert "Rescue (0)" in option_labels(html, "focus")
    assert "Nonprofit (0)" in option_labels(html, "type")


def test_option_counts_follow_a_search(client, directory):
    html = client.get(f"{LIST}?q=displacement").content.decode()

    assert option_labels(html, "issue")[1:] == [
        "Human trafficking (0)",
        "Refugees (1)",
        "Unaddressed (0)",
    ]


def test_option_counts_are_zero_when_a_search_matches_nothing(client, directory):
    html = client.get(f"{LIST}?q=zzyzx").content.decode()

    assert "Human trafficking (0)" in option_labels(html, "issue")
    assert "No organization matches these filters." in html


@pytest.mark.parametrize("query", ["issue=trafficking", "country=KR"])
def test_type_counts_count_each_organization_once(client, query):
    trafficking = make_issue("Trafficking", slug="trafficking")
    org = make_org(
        issues=[make_issue(), make_issue()],
        countries=["US", "JP"],
        headquarters=Country.objects.get(pk="KR"),
    )
    make_program(org, issues=[trafficking])

    html = client.get(f"{LIST}?{query}").content.decode()

    assert listed(client, query) == [org.slug]
    assert "Nonprofit (1)" in option_labels(html, "type")


def test_the_type_select_offers_all_types_once(client, directory):
    html = client.get(LIST).content.decode()

    assert option_labels(html, "type").count("All types") == 1


def test_the_chosen_option_stays_selected(client, directory):
    html = client.get(f"{LIST}?issue=refugees&sort=verified").content.decode()

    assert '<option value="refugees" selected>' in select(html, "issue")
    assert '<option value="verified" selected>' in select(html, "sort")


# --- A valid value with no results ----------------------------------------------------------


def status_heading(html) -> str:
    match = re.search(r'id="results-heading"[^>]*>(.*?)</h2>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def test_a_real_country_no_listing_names_is_no_results_named_not_an_error(client, directory):
    response = client.get(LIST, {"country": "FR"})

    assert response.status_code == 200
    html = response.content.decode()
    assert card_slugs(html) == []
    assert status_heading(html) == "0 organizations in France"
    assert '<option value="FR" selected>France (0)</option>' in select(html, "country")
    assert "No organization matches these filters." in html


def test_no_results_offers_to_drop_each_filter(client, directory):
    html = client.get(LIST, {"country": "FR", "issue": "refugees", "sort": "name"}).content
    html = unescape(html.decode())

    assert status_heading(html) == "0 organizations addressing Refugees, in France"
    # Each link drops one filter and keeps the others (and the order), from the first page.
    assert '<a class="chip" href="?country=FR&sort=name">Without “Refugees”</a>' in html
    assert '<a class="chip" href="?issue=refugees&sort=name">Without “France”</a>' in html
    assert listed(client, "issue=refugees&sort=name") == ["beta-research", "gamma-network"]


def test_the_heading_names_every_active_filter(client, directory):
    html = client.get(LIST, {"q": "refugee", "type": "network", "help": "donate"}).content

    assert status_heading(html.decode()) == (
        "1 organization matching “refugee” of the type Network or coalition, accepting donations"
    )


@pytest.mark.parametrize("query", ["country=ZZ", "country=fr", "country=F", "country=FRA"])
def test_a_value_that_is_no_country_code_is_still_a_400(client, directory, query):
    response = client.get(f"{LIST}?{query}")

    assert response.status_code == 400
    assert INVALID_CHOICE in error_text(response)


def test_the_korean_list_names_the_country_in_korean(client, directory):
    html = client.get("/ko/organizations/", {"country": "FR"}).content.decode()

    assert "프랑스" in status_heading(html)
    assert '<option value="FR" selected>' in select(html, "country")


# --- Volunteer opportunities count as a way to volunteer -------------------------------------


def _open_opportunity(org, **fields):
    from directory.models import Opportunity

    fields.setdefault("status", Opportunity.Status.PUBLISHED)
    # Saved as any ORM write is: the writer applies it when the transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return Opportunity.objects.create(
            organization=org,
            title=fields.pop("title", "Tutor"),
            slug=fields.pop("slug", "tutor"),
            description="Teach English.",
            apply_url="https://example.org/apply",
            **fields,
        )


def test_an_open_opportunity_counts_as_taking_volunteers(client, directory):
    alpha = Organization.objects.get(slug="alpha-rescue")  # no volunteer page of its own
    _open_opportunity(alpha)

    assert listed(client, "help=volunteer") == ["alpha-rescue", "beta-research", "gamma-network"]
    html = client.get(LIST).content.decode()
    assert "Takes volunteers (3)" in option_labels(html, "help")
    assert "Accepts donations (2)" in option_labels(html, "help")


@pytest.mark.parametrize("hidden", ["draft", "expired"])
def test_a_hidden_opportunity_does_not_count_as_taking_volunteers(client, directory, hidden):
    from datetime import timedelta

    from django.utils import timezone

    alpha = Organization.objects.get(slug="alpha-rescue")
    if hidden == "draft":
        _open_opportunity(alpha, status="draft")
    else:
        _open_opportunity(alpha, expires=timezone.localdate() - timedelta(days=1))

    assert listed(client, "help=volunteer") == ["beta-research", "gamma-network"]
    assert "Takes volunteers (2)" in option_labels(client.get(LIST).content.decode(), "help")


def test_the_help_counts_follow_a_search_and_opportunities(client, directory):
    _open_opportunity(Organization.objects.get(slug="alpha-rescue"))

    html = client.get(LIST, {"q": "traffickers"}).content.decode()

    assert option_labels(html, "help")[1:] == ["Accepts donations (2)", "Takes volunteers (2)"]
    assert sorted(listed(client, "q=traffickers&help=volunteer")) == [
        "alpha-rescue",
        "gamma-network",
    ]


def test_a_card_says_takes_volunteers_for_an_open_opportunity(client, directory):
    _open_opportunity(Organization.objects.get(slug="alpha-rescue"))

    html = client.get(LIST, {"issue": "human-trafficking"}).content.decode()
    card = html[html.index('href="/organizations/alpha-rescue/"') :]
    card = card[: card.index("</article>")]

    assert "Takes volunteers" in card


# --- Ended programs ---------------------------------------------------------------------------


@pytest.fixture
def ended():
    """An organization that addressed trafficking only through a program it has ended."""
    trafficking = make_issue("Human trafficking", slug="human-trafficking")
    rescue = make_focus_area("Rescue", slug="rescue")
    org = make_org("Old Harbor", slug="old-harbor", summary="Once ran a shelter.")
    make_program(org, "Old Shelter", issues=[trafficking], focus_areas=[rescue], active=False)
    current = make_org("New Harbor", slug="new-harbor", summary="Runs a shelter.")
    make_program(current, "New Shelter", issues=[trafficking], focus_areas=[rescue])
    return org


@pytest.mark.parametrize("query", ["issue=human-trafficking", "focus=rescue"])
def test_an_ended_program_does_not_put_its_organization_under_its_issue(client, ended, query):
    assert listed(client, query) == ["new-harbor"]
    assert listed(client, f"q=shelter&{query}") == ["new-harbor"]


def test_an_ended_program_does_not_count_in_the_options(client, ended):
    for query in ("", "?q=shelter"):
        html = client.get(LIST + query).content.decode()
        assert "Human trafficking (1)" in option_labels(html, "issue")
        assert "Rescue (1)" in option_labels(html, "focus")


# --- Paging ----------------------------------------------------------------------------------


@pytest.fixture
def many(settings):
    """Five organizations on trafficking, three per page."""
    settings.PAGE_SIZE = 3
    trafficking = make_issue("Human trafficking", slug="human-trafficking")
    for n in range(5):
        make_org(f"Org {n}", slug=f"org-{n}", issues=[trafficking], summary="Shelter work.")
    make_org("Other", slug="other", summary="Shelter work.")


def next_link(html):
    match = re.search(r'<a rel="next" href="([^"]+)"', html)
    return unescape(match.group(1)) if match else None


def test_pages_split_the_results(client, many):
    assert listed(client, "issue=human-trafficking") == ["org-0", "org-1", "org-2"]
    assert listed(client, "issue=human-trafficking&page=2") == ["org-3", "org-4"]


def test_pagination_links_keep_the_filters(client, many):
    html = client.get(f"{LIST}?q=shelter&issue=human-trafficking&sort=name").content.decode()
    assert "Page 1 of 2" in html

    link = next_link(html)

    assert link is not None
    assert "q=shelter" in link
    assert "issue=human-trafficking" in link
    assert "sort=name" in link
    assert "page=2" in link
    second = client.get(LIST + link).content.decode()
    assert card_slugs(second) == ["org-3", "org-4"]
    previous = unescape(re.search(r'<a rel="prev" href="([^"]+)"', second).group(1))
    assert "issue=human-trafficking" in previous
    assert "page=1" in previous
    assert next_link(second) is None


def test_a_page_past_the_end_is_not_found(client, many):
    response = client.get(f"{LIST}?issue=human-trafficking&page=3")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- Bad input -------------------------------------------------------------------------------


def error_text(response):
    """The visitor-facing text of an error answer (400 alert or error page)."""
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


INVALID_CHOICE = "Select a valid choice"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("issue=no-such-issue", "issue", INVALID_CHOICE),
        ("focus=no-such-focus", "focus", INVALID_CHOICE),
        ("country=ZZ", "country", INVALID_CHOICE),
        ("country=kr", "country", INVALID_CHOICE),
        ("type=charity", "type", INVALID_CHOICE),
        ("help=money", "help", INVALID_CHOICE),
        ("sort=random", "sort", INVALID_CHOICE),
        ("issue=refugees&sort=popular", "sort", INVALID_CHOICE),
        ("issue=%00", "issue", "Null characters are not allowed"),
        ("focus=rescue%00", "focus", "Null characters are not allowed"),
        ("country=%00", "country", "Null characters are not allowed"),
        ("type=%00", "type", INVALID_CHOICE),
    ],
)
def test_unknown_filter_values_get_a_400_with_the_form_error(
    client, directory, query, field, message
):
    response = client.get(f"{LIST}?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Please check your search" in html
    error = re.search(rf'id="id_{field}-error">([^<]*)<', html)
    assert error is not None, f"no error shown next to {field}"
    assert message in error.group(1)


PAGE_MESSAGE = "The page number must be a whole number, 1 or more."


@pytest.mark.parametrize("page", ["0", "00", "-1", "abc", "1e3", "1.5", "²", " 2", "%00"])
def test_a_malformed_page_number_gets_a_400_with_a_message(client, directory, page):
    response = client.get(LIST, {"page": page})

    assert response.status_code == 400
    assert PAGE_MESSAGE in error_text(response)
    assert (
        'href="/organizations/">Go to the first page of these results' in response.content.decode()
    )


@pytest.mark.parametrize("page", ["2", "10001", "99999", "99999999999999999999", "9" * 5000])
def test_a_page_number_past_the_end_is_not_found_however_large(client, directory, page):
    assert client.get(LIST, {"page": page}).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        LIST,
        "/organizations/?issue=human-trafficking",
        "/volunteer/",
        "/issues/human-trafficking/",
        "/focus-areas/rescue/",
    ],
)
@pytest.mark.parametrize("page", ["abc", "0", "-1"])
def test_a_malformed_page_number_is_a_400_page_in_debug_too(
    client, directory, settings, path, page
):
    """In debug (`make run`) Django answers a BadRequest with its traceback page: the
    visitor must get the site's 400 page, saying what is wrong, there as well."""
    settings.DEBUG = True
    separator = "&" if "?" in path else "?"

    response = client.get(f"{path}{separator}page={page}")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Traceback" not in html
    assert "That request could not be understood" in html
    assert PAGE_MESSAGE in error_text(response)
    first = path.split("?")[0] + ("?issue=human-trafficking" if "?" in path else "")
    assert f'href="{first}">Go to the first page of these results' in html.replace("&amp;", "&")


@pytest.mark.parametrize("path", [LIST, "/volunteer/", "/issues/human-trafficking/"])
def test_a_page_far_past_the_end_is_not_found_in_debug_too(client, directory, settings, path):
    settings.DEBUG = True

    assert client.get(path, {"page": "99999"}).status_code == 404


def test_a_very_long_search_gets_a_400_about_the_limit(client, directory):
    response = client.get(LIST, {"q": "refugee " * 1250})

    assert response.status_code == 400
    assert "200 characters" in error_text(response)


def test_a_search_with_a_null_byte_gets_a_400(client, directory):
    response = client.get(LIST, {"q": "refu\x00gee"})

    assert response.status_code == 400
    assert "null character" in error_text(response).lower()


@pytest.mark.parametrize("path", [LIST, "/search/"])
@pytest.mark.parametrize("q", ["-", "or", '""', "-foo", "- - -", "OR or", '-"a b"'])
def test_a_search_of_only_operators_gets_a_message_not_an_error(client, directory, path, q):
    response = client.get(path, {"q": q})

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize("path", [LIST, "/search/"])
def test_an_unbalanced_quote_is_read_as_a_phrase(client, directory, path):
    response = client.get(path, {"q": '"refugee'})

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "/organizations/gamma-network/" in response.content.decode()


@pytest.mark.parametrize("path", [LIST, "/search/"])
@pytest.mark.parametrize(
    "q",
    [
        "' OR 1=1 --",
        "refugee); DROP TABLE directory_organization; --",
        "refugee' UNION SELECT name FROM sqlite_master --",
        "%",
        "_",
        "\\",
        "NEAR(refugee traffickers)",
        "refugee*",
        "refugee:*",
        "refugee & | !",
    ],
)
def test_sql_and_search_syntax_in_a_query_are_only_text(client, directory, path, q):
    before = Organization.objects.count()

    response = client.get(path, {"q": q})

    assert response.status_code in (200, 400)
    assert Organization.objects.count() == before
    assert "delta-draft" not in response.content.decode()


@pytest.mark.parametrize("path", [LIST, "/search/"])
@pytest.mark.parametrize(
    "params",
    [
        {"q": "<script>alert(1)</script>"},
        {"q": "refugee <script>alert(1)</script>"},
        {"q": '"><script>alert(1)</script>'},
        {"q": "<script>alert(1)</script>", "page": "<script>alert(1)</script>"},
        {"issue": "<script>alert(1)</script>"},
        {"type": "<script>alert(1)</script>"},
        {"sort": '"><script>alert(1)</script>'},
    ],
)
def test_markup_in_the_url_is_never_reflected_unescaped(client, directory, path, params):
    response = client.get(path, params)

    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    if path == LIST and "q" in params and "page" not in params:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_invalid_value_is_named_escaped_in_the_error(client, directory):
    response = client.get(LIST, {"type": "<b>charity</b>"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "&lt;b&gt;charity&lt;/b&gt; is not one of the available choices" in html
    assert "<b>charity" not in html


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL puts NULLs first in a descending index; SQLite's index already fits",
)
def test_the_list_sorted_by_verification_reads_an_index_in_its_order():
    """At a million organizations, sorting them all for each page took 390 ms."""
    for n in range(3):
        make_org(f"Org {n}", last_verified=date(2026, 1, 1 + n))
    make_org("Never checked", last_verified=None)
    listed = Organization.objects.published().order_by(
        F("last_verified").desc(nulls_last=True), "name"
    )[:20]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # four rows would be read whole
        cursor.execute("SET LOCAL enable_sort = off")
        sql, params = listed.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "directory_org_status_verified_order" in plan
    assert [org.name for org in listed][-1] == "Never checked"
