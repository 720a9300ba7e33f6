"""No query string makes a public page fail: hypothesis throws NUL bytes, huge integers,
odd Unicode and plain junk at every public URL's parameters, on SQLite and PostgreSQL.

Each page may answer 200, 400 or 404; never 500. Rate limits and the page cache are off so
every example reaches the view.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_focus_area, make_issue, make_org

EXAMPLES = 50
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples in CI as on a laptop
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Junk that has broken web apps: NUL and control characters, surrogate-free odd Unicode
# (RTL marks, combining marks, emoji, Hangul), SQL and FTS syntax, huge numbers.
SPECIAL = st.sampled_from(
    [
        "\x00", "a\x00b", "\x00\x00\x00", "\x1b[31m", "\r\n", "\t", "\u202e", "\u200b",
        "\ufeff", "e\u0301", "🙂", "탈북민", "𝔘𝔫𝔦", "%", "%%", "%00", "'", '"', "\\", "*",
        "NEAR(", ")", '"unterminated', "-", "OR", "AND NOT", "{name}:x", "x:*", "(((", "<b>",
        "../../etc/passwd", "' OR 1=1 --", "9" * 40, "-1", "0", "1e309", "NaN", "-0",
        str(2**63), str(2**64), str(-(2**63) - 1), "１２", "٣", "Ⅻ", " ", "",
    ]
)  # fmt: skip
HUGE = st.integers(min_value=-(2**80), max_value=2**80).map(str)
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
VALUE = st.one_of(SPECIAL, HUGE, TEXT, st.lists(SPECIAL, max_size=3).map("".join))

LIST_PARAMETERS = ["q", "issue", "focus", "country", "type", "help", "sort", "page"]


def query(names):
    """A dict of some of `names`, each with one or more fuzzed values."""
    return st.dictionaries(
        st.sampled_from(names), st.lists(VALUE, min_size=1, max_size=2), max_size=len(names)
    )


@pytest.fixture
def site(db, settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "1000000/m")
    issue, focus = make_issue("Refugees", slug="refugees"), make_focus_area(slug="rescue")
    org = make_org(
        "Harbor House", summary="A refugee shelter.", issues=[issue], focus_areas=[focus],
        countries=["KR"], donate_url="https://example.org/give",
    )  # fmt: skip
    return {"org": org.get_absolute_url(), "issue": issue.get_absolute_url()}


def assert_no_server_error(client, path, params):
    response = client.get(path, params)
    assert response.status_code < 500, (path, params)
    assert response.status_code in (200, 400, 404), (path, params, response.status_code)


@fuzz
@given(params=query(LIST_PARAMETERS))
def test_the_organization_list_survives_any_filters(client, site, params):
    assert_no_server_error(client, "/organizations/", params)


@fuzz
@given(params=query(["q"]))
def test_search_survives_any_query(client, site, params):
    assert_no_server_error(client, "/search/", params)


@fuzz
@given(params=query(["page", "q", "sort"]))
def test_the_home_issue_and_focus_pages_survive_any_parameters(client, site, params):
    for path in ("/", "/issues/", "/focus-areas/"):
        assert_no_server_error(client, path, params)


@fuzz
@given(params=query(["page", "q"]))
def test_detail_pages_survive_any_parameters(client, site, params):
    for path in (site["org"], site["issue"], "/focus-areas/rescue/"):
        assert_no_server_error(client, path, params)


@fuzz
@given(slug=VALUE)
def test_detail_urls_survive_any_slug(client, site, slug):
    for prefix in ("/organizations/", "/issues/", "/focus-areas/"):
        response = client.get(prefix + slug.replace("/", "") + "/")
        assert response.status_code < 500, (prefix, slug)


OTHER_PAGES = [
    "/ko/organizations/", "/volunteer/", "/compare/", "/search/suggest/", "/suggest/",
    "/feeds/organizations/", "/sitemap.xml", "/robots.txt", "/api/hsds/organizations",
]  # fmt: skip
ANY_PARAMETER = [
    "q", "page", "issue", "focus", "country", "type", "help", "sort", "mode", "skill", "orgs",
    "p", "per_page", "format",
]  # fmt: skip


@fuzz
@given(params=query(ANY_PARAMETER))
def test_the_other_public_pages_survive_any_parameters(client, site, params):
    for path in OTHER_PAGES:
        response = client.get(path, params)
        assert response.status_code < 500, (path, params)
