"""The search engine's contract, the same on SQLite (FTS5) and PostgreSQL (tsvector, pg_trgm).

Typo tolerance, name fragments, Korean, stop words, operators, unusable queries, the index
and vocabulary kept current by every curator change made in the admin, facet counts, capped
counts and the caches keyed on the content version.
"""

import re
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from directory import facets as facets_module
from directory import search
from directory.cache import bump_version, cached, current_version
from directory.models import (
    Country,
    FocusArea,
    Issue,
    Organization,
    Program,
    SearchDocument,
    SearchTerm,
)
from directory.search import InvalidQuery, index, parse
from directory.search.query import STOP_WORDS
from tests.factories import (
    admin_change_url,
    make_focus_area,
    make_issue,
    make_org,
    make_program,
    make_source,
)
from tests.forms import add_inline, filled_form, rendered_form

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
SQLITE = connection.vendor == "sqlite"
PAGES = ["/organizations/", "/search/"]
CHANGELIST = "/admin/directory/organization/"


@pytest.fixture
def visitor():
    """An anonymous visitor, apart from the signed-in curator of `admin_client`."""
    return Client()


def found(query, kind="organization"):
    """Ids of the objects of `kind` the query finds, best first."""
    return search.search(parse(query), kind)


def found_set(query, kind="organization"):
    return set(found(query, kind))


def get_html(client, path, status=200, **params):
    response = client.get(path, params)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def listed(client, query, **params):
    """The names of the organizations /organizations/ shows for the query, in order."""
    html = get_html(client, "/organizations/", q=query, **params)
    slugs = re.findall(r'class="card__title"><a href="/organizations/([^/"]+)/"', html)
    names = dict(Organization.objects.filter(slug__in=slugs).values_list("slug", "name"))
    return [names[slug] for slug in slugs]


def status_line(html):
    """The organization list's heading: "3 organizations matching ..."."""
    return " ".join(re.search(r'id="results-heading"[^>]*>(.*?)</h2>', html, re.S).group(1).split())


def options(html, name):
    """The labels of a filter's options, by value: {"trafficking": "Trafficking (2)"}."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


def home_count(html, issue):
    """What the home page's tile for the issue says: "2 organizations"."""
    tile = html[html.index(f'<a href="{issue.get_absolute_url()}">') :]
    return re.search(r'<p class="muted">([^<]*)</p>', tile).group(1)


def bulk_orgs(count, summary="Keeps a lighthouse for sailors."):
    """`count` published organizations, created in one query and indexed in one rebuild."""
    Organization.objects.bulk_create(
        Organization(
            name=f"Harbor {n:04}", slug=f"harbor-{n:04}", summary=summary, status="published"
        )
        for n in range(count)
    )
    index.rebuild()


# --- Admin helpers ---------------------------------------------------------------------------


def _management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _edit(admin_client, obj, **changes):
    """Post the object's admin change form back with some fields changed."""
    url = admin_change_url(obj)
    response = admin_client.post(url, {**rendered_form(admin_client.get(url)), **changes})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def _act(admin_client, action, *orgs):
    response = admin_client.post(
        CHANGELIST, {"action": action, "_selected_action": [o.pk for o in orgs]}
    )
    assert response.status_code == 302
    return response


def _org_add_form(client, **overrides):
    """The organization add form as a curator fills it in: no programs, no identifiers."""
    values = {
        "name": "Lighthouse Foundation",
        "slug": "lighthouse-foundation",
        "summary": "Keeps a lighthouse for sailors.",
        "status": "published",
        "sources": [str(make_source().pk)],
    }
    return filled_form(client, "/admin/directory/organization/add/", **(values | overrides))


# --- Typo tolerance --------------------------------------------------------------------------


TYPOS = [("trafficing", "trafficking"), ("resetlement", "resettlement"), ("refugess", "refugees")]


@pytest.mark.parametrize(("typo", "word"), TYPOS)
def test_it_corrects_a_misspelt_word(typo, word):
    first = make_org("Harbor House", summary=f"Works on {word} in Asia.")
    second = make_org("Beacon Trust", summary=f"Research on {word}.")
    make_org("Garden Club", summary="Plants trees.")

    outcome = search.find(parse(typo), ["organization"])

    assert outcome.corrected_from is not None
    assert outcome.corrected_from.raw == typo
    assert outcome.query.raw == word
    assert set(outcome.ids["organization"]) == {first.pk, second.pk}
    assert outcome.suggestions == []


def test_it_corrects_only_the_misspelt_word_of_several():
    target = make_org("Harbor House", summary="Shelter and trafficking survivors support.")
    make_org("Beacon Trust", summary="Shelter for sailors.")

    outcome = search.find(parse("shelter trafficing"), ["organization"])

    assert outcome.query.raw == "shelter trafficking"
    assert outcome.ids["organization"] == [target.pk]


def test_a_correctly_spelt_query_is_not_corrected():
    make_org("Harbor House", summary="Fights trafficking.")

    outcome = search.find(parse("trafficking"), ["organization"])

    assert outcome.corrected_from is None
    assert outcome.query.raw == "trafficking"


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_say_they_show_results_for_the_corrected_query(client, path):
    make_org("Harbor House", summary="Fights trafficking at the border.")

    html = get_html(client, path, q="trafficing")

    assert "No results for “trafficing”." in html
    assert "Showing results for <strong>trafficking</strong> instead." in html
    assert "Harbor House" in html
    assert "Did you mean" not in html


def test_a_word_with_no_near_word_finds_nothing_and_suggests_nothing(client):
    make_org("Harbor House", summary="Fights trafficking at the border.")

    outcome = search.find(parse("xylophone"), ["organization", "program", "issue"])

    assert outcome.total == 0
    assert outcome.corrected_from is None
    assert outcome.suggestions == []
    listing = get_html(client, "/organizations/", q="xylophone")
    assert status_line(listing) == "0 organizations matching “xylophone”"
    assert "No organization matches these filters." in listing
    page = get_html(client, "/search/", q="xylophone")
    assert "0 results for “xylophone”." in page
    for html in (listing, page):
        assert "Did you mean" not in html
        assert "Showing results for" not in html


@pytest.fixture
def orphans_and_sanctions():
    """Two words the vocabulary knows, each held by an organization the other is not."""
    make_org("Harbor House", summary="Cares for orphans.")
    make_org("Beacon Trust", summary="Tracks sanctions.")


def test_it_suggests_near_words_when_the_corrected_query_finds_nothing(orphans_and_sanctions):
    outcome = search.find(parse("orphns sanctons"), ["organization", "program", "issue"])

    assert outcome.total == 0
    assert outcome.corrected_from is None
    assert outcome.query.raw == "orphns sanctons"
    assert outcome.suggestions == ["orphans", "sanctions"]


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_link_to_the_suggested_words(client, orphans_and_sanctions, path):
    html = get_html(client, path, q="orphns sanctons")

    assert "Did you mean:" in html
    assert '<a href="?q=orphans">orphans</a>' in html
    assert '<a href="?q=sanctions">sanctions</a>' in html
    assert "Showing results for" not in html


def test_a_suggested_link_keeps_the_other_filters(client, orphans_and_sanctions):
    html = get_html(client, "/organizations/", q="orphns sanctons", type="nonprofit")

    assert 'href="?q=orphans&amp;type=nonprofit"' in html


# --- Name fragments --------------------------------------------------------------------------


@pytest.fixture
def named():
    make_org("Garden Club", summary="Plants trees.")
    return {
        "c4ads": make_org("C4ADS", alternate_name="Center for Advanced Defense Studies"),
        "lighthouse": make_org("Lighthouse Foundation", summary="Helps sailors."),
    }


@pytest.mark.parametrize(
    ("fragment", "owner"),
    [
        ("c4ad", "c4ads"),
        ("C4A", "c4ads"),
        ("efens", "c4ads"),  # inside the alternate name
        ("ghthou", "lighthouse"),
        ("ndati", "lighthouse"),
    ],
)
def test_a_fragment_of_a_name_finds_it(named, fragment, owner):
    assert found(fragment) == [named[owner].pk]


def test_a_fragment_of_a_name_finds_it_on_the_organization_list(client, named):
    assert listed(client, "ghthou") == ["Lighthouse Foundation"]


def test_a_fragment_of_a_program_name_finds_the_program(named):
    program = make_program(named["lighthouse"], "Night Watchkeepers")

    assert found("atchkee", "program") == [program.pk]


def test_a_two_letter_fragment_is_too_short_to_look_for_inside_names(named):
    assert found("gh") == []


# --- Korean ----------------------------------------------------------------------------------


KOREAN_TEXT = "탈북민을 돕는다"


def _korean_org(where):
    if where == "name":
        return make_org(f"{KOREAN_TEXT} 센터")
    return make_org("Harbor House", **{where: KOREAN_TEXT})


@pytest.mark.parametrize("where", ["name", "alternate_name", "summary", "description"])
@pytest.mark.parametrize("query", ["탈", "탈북", "탈북민", "북민을", "돕는다", "는"])
def test_a_hangul_query_finds_an_organization_by_part_of_a_korean_word(where, query):
    target = _korean_org(where)
    make_org("Refugee Aid", description="난민 지원 단체")

    assert found(query) == [target.pk]


@pytest.mark.parametrize("query", ["북탈", "탈민", "민북탈", "돕다"])
def test_hangul_syllables_out_of_order_or_apart_do_not_match(query):
    make_org("Harbor House", description=KOREAN_TEXT)

    assert found(query) == []


@pytest.mark.parametrize("where", ["summary", "brief"])
def test_a_hangul_query_finds_an_issue_by_part_of_a_korean_word(where):
    fields = {"summary": "People who escaped.", where: KOREAN_TEXT}
    issue = make_issue("Defectors", **fields)
    make_issue("Labour", summary="해외 노동 파견")
    index.refresh_issues(Issue.objects.values_list("pk", flat=True))

    for query in ("탈", "탈북", "북민을"):
        assert found(query, "issue") == [issue.pk]


@pytest.fixture
def mixed():
    """Organizations with the English words, the Korean words, or both."""
    return {
        "both": make_org(
            "Harbor House", summary="A shelter for refugees.", description=KOREAN_TEXT
        ),
        "english": make_org("Beacon Trust", summary="A shelter for refugees."),
        "korean": make_org("Garden Club", description=KOREAN_TEXT),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("탈북 shelter", {"both"}),
        ("shelter 탈북", {"both"}),
        ("refugees 탈북민", {"both"}),
        ("shelter or 탈북", {"both", "english", "korean"}),
        ("shelter -북", {"english"}),
        ("탈북 -shelter", {"korean"}),
        ('탈북 -"shelter for refugees"', {"korean"}),
        ("돕는다 -탈", set()),
    ],
)
def test_hangul_and_english_words_combine(mixed, query, expected):
    assert found_set(query) == {mixed[key].pk for key in expected}


@pytest.mark.parametrize(
    ("text", "ngrams"),
    [
        ("탈북민을 돕는다", "탈북 북민 민을 탈 북 민 을 돕는 는다 돕 는 다"),
        ("북", "북"),
        ("NGO 북한 help 2024", "북한 북 한"),
        ("북한NGO", "북한 북 한"),
        ("Refugee aid", ""),
        ("", ""),
    ],
)
def test_hangul_ngrams_lists_bigrams_in_order_then_syllables(text, ngrams):
    assert index.hangul_ngrams(text) == ngrams


def test_the_index_stores_the_hangul_ngrams_of_every_column():
    org = make_org("북한 센터", summary="돕는다", description="탈북")

    document = SearchDocument.objects.get(kind="organization", object_id=org.pk)

    assert document.ngrams == "북한 북 한 센터 센 터 돕는 는다 돕 는 다 탈북 탈 북"


def test_a_hangul_name_match_ranks_above_repeated_mentions_elsewhere():
    named = make_org(
        "탈북청소년센터",
        summary="A centre for young North Korean defectors in Seoul.",
        description="Tutoring, mentoring and meals after school, every weekday of the year.",
    )
    described = make_org("Education Trust", summary="탈북 청소년 교육", description="탈북 학생")

    assert found("탈북") == [named.pk, described.pk]


# --- Stop words ------------------------------------------------------------------------------


@pytest.fixture
def refugee_orgs():
    return [
        make_org("Harbor House", summary="Helps the refugees of the north."),
        make_org("Beacon Trust", summary="A refugee shelter."),
    ]


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ("the refugees", "refugees"),
        ("THE Refugees", "refugees"),
        ("refugees of the north", "refugees north"),
        ("refugee -the", "refugee"),
        ("refugee -the -of", "refugee"),
        ("refugee or the", "refugee"),
    ],
)
def test_stop_words_are_left_out_of_a_query(refugee_orgs, query, same_as):
    assert parse(query).groups == parse(same_as).groups
    assert parse(query).excluded == parse(same_as).excluded
    assert found(query) == found(same_as)
    assert found(query)


def test_a_query_of_only_stop_words_is_refused_with_a_message():
    with pytest.raises(InvalidQuery, match="Those words are too common to search for"):
        parse("the of and")


@pytest.mark.parametrize("word", sorted(STOP_WORDS))
def test_every_stop_word_alone_is_refused(word):
    with pytest.raises(InvalidQuery, match="too common"):
        parse(word.upper())


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_answer_400_to_a_query_of_only_stop_words(client, refugee_orgs, path):
    html = get_html(client, path, status=400, q="the of and")

    assert "Those words are too common to search for. Add a more specific one." in html
    assert "Harbor House" not in html


def test_a_quoted_phrase_keeps_its_stop_words():
    assert parse('"the refugees"').words == ["the", "refugees"]
    assert parse('"house of hope"').words == ["house", "of", "hope"]


def test_a_phrase_of_only_stop_words_is_left_out_like_a_stop_word():
    # Both databases then answer alike: PostgreSQL cannot index such a phrase at all.
    assert parse('"house of hope" -"to be"').excluded == ()
    with pytest.raises(InvalidQuery, match="too common"):
        parse('"the who"')


def test_a_quoted_phrase_with_a_stop_word_ranks_that_phrase_first():
    the_refugees = make_org("Harbor House", summary="Helps the refugees of Seoul.")
    beacon = make_org("Beacon Trust", summary="Helps refugees in Seoul.")
    of_hope = make_org("House of Hope", summary="A shelter.")
    for_hope = make_org("House for Hope", summary="A shelter.")

    if POSTGRES:
        # PostgreSQL keeps a stop word's position but not the word: any word fits there.
        assert found('"the refugees"')[0] in (the_refugees.pk, beacon.pk)
        assert found('"house of hope"')[0] in (of_hope.pk, for_hope.pk)
        assert beacon.pk in found('"the refugees"')
    else:
        assert found('"the refugees"') == [the_refugees.pk]
        assert found('"house of hope"') == [of_hope.pk]


def test_a_quoted_phrase_of_only_stop_words_is_refused_not_matched_to_everything():
    make_org("The Who Foundation", summary="Music lessons.")
    make_org("Garden Club", summary="Plants trees.")

    with pytest.raises(InvalidQuery):
        found('"the who"')


def test_excluding_a_phrase_of_only_stop_words_excludes_nothing():
    aid = make_org("Refugee Aid", summary="Helps refugees.")
    theatre = make_org("Refugee Theatre", summary="To be or not to be.")

    assert sorted(found('refugee -"to be"')) == sorted([aid.pk, theatre.pk])


# --- Operators -------------------------------------------------------------------------------


@pytest.fixture
def korea_orgs():
    return {
        "orphans": make_org("Harbor House", summary="Rescues orphans inside North Korea."),
        "apart": make_org("Beacon Trust", summary="Rescues orphans in China, far from Korea."),
        "trafficking": make_org("Garden Club", summary="Fights trafficking in North Korea."),
        "both": make_org("Lantern Aid", summary="Fights trafficking of orphans in North Korea."),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"north korea" orphans', {"orphans", "both"}),
        ('"north korea" orphans -trafficking', {"orphans"}),
        ('-trafficking "north korea" orphans', {"orphans"}),
        ('orphans or trafficking -"north korea"', {"apart"}),
        ('"north korea" orphans or trafficking', {"orphans", "trafficking", "both"}),
        ('"north korea" (orphans OR trafficking)', {"orphans", "trafficking", "both"}),
        ("orphans -trafficking -china", {"orphans"}),
        (
            'orphans or "fights trafficking" -"trafficking of orphans"',
            {"orphans", "apart", "trafficking"},
        ),
        ('"rescues orphans" korea', {"orphans", "apart"}),
        ('"orphans rescues"', set()),
    ],
)
def test_quotes_or_and_exclusions_combine(korea_orgs, query, expected):
    assert found_set(query) == {korea_orgs[key].pk for key in expected}


def _lighthouse_with_trafficking_in(where):
    """An organization named for a lighthouse that says 'trafficking' in one place only."""
    if where == "name":
        return make_org("Lighthouse Trafficking Watch")
    if where in ("alternate_name", "summary", "description"):
        return make_org("Lighthouse Foundation", **{where: "Against trafficking."})
    if where == "issue_name":
        return make_org("Lighthouse Foundation", issues=[make_issue("Human trafficking")])
    if where == "focus_area_name":
        return make_org("Lighthouse Foundation", focus_areas=[make_focus_area("Trafficking")])
    org = make_org("Lighthouse Foundation")
    if where == "program_name":
        make_program(org, "Trafficking Hotline")
    elif where == "program_summary":
        make_program(org, summary="Answers trafficking calls.")
    elif where == "program_issue_name":
        make_program(org, issues=[make_issue("Human trafficking")])
    return org


@pytest.mark.parametrize(
    "where",
    [
        "name",
        "alternate_name",
        "summary",
        "description",
        "issue_name",
        "focus_area_name",
        "program_name",
        "program_summary",
        "program_issue_name",
    ],
)
def test_an_exclusion_applies_to_every_column(where):
    excluded = _lighthouse_with_trafficking_in(where)
    kept = make_org("Lighthouse Trust", summary="Keeps a light for sailors.")

    assert found_set("lighthouse") == {excluded.pk, kept.pk}
    assert found("lighthouse -trafficking") == [kept.pk]
    assert found("lighthouse -trafficked") == [kept.pk]  # other forms of the word too


def test_an_exclusion_applies_to_programs_and_issues_too():
    org = make_org("Lighthouse Foundation")
    kept = make_program(org, "Lighthouse Watch", summary="Night watch.")
    make_program(org, "Lighthouse Hotline", summary="Trafficking calls.")
    issue = make_issue("Lighthouse keeping", summary="A trade.")
    make_issue("Lighthouse smuggling", summary="Trafficking by sea.")
    index.refresh_issues(Issue.objects.values_list("pk", flat=True))

    assert found("lighthouse -trafficking", "program") == [kept.pk]
    assert found("lighthouse -trafficking", "issue") == [issue.pk]


# --- Unusable and odd queries ----------------------------------------------------------------


REFUSED = [
    ("-", "Type a word or a name to search for."),
    ("- -", "Type a word or a name to search for."),
    ('""', "Type a word or a name to search for."),
    ('"', "Type a word or a name to search for."),
    ("^", "Type a word or a name to search for."),
    ("(", "Type a word or a name to search for."),
    (")", "Type a word or a name to search for."),
    ("*", "Type a word or a name to search for."),
    ("'", "Type a word or a name to search for."),
    ("\\", "Type a word or a name to search for."),
    ("or", "Those words are too common to search for."),
    ("OR OR", "Those words are too common to search for."),
    ("a*", "Those words are too common to search for."),
    ("a:*", "Those words are too common to search for."),
    ("-refugee", "Add at least one word to search for, not only words to exclude."),
    ("refugee\x00", "The search contains a null character. Please retype it."),
    ("x" * 10_000, "Searches are limited to 200 characters; yours has 10000."),
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("query", "message"), REFUSED, ids=[repr(q[:12]) for q, _ in REFUSED])
def test_an_unusable_query_is_answered_400_with_its_message(
    client, refugee_orgs, path, query, message
):
    with pytest.raises(InvalidQuery, match=re.escape(message)):
        parse(query)

    html = get_html(client, path, status=400, q=query)

    assert message in html
    assert "Harbor House" not in html


ODD = [
    ('"refugee', True),
    ('refugee"', True),
    ('"refugee shelter', True),
    ("refugee*", True),
    ("refugee:*", True),
    ("refugee'", True),
    ("refugee\\", True),
    ("(refugee)", True),
    ("refugee^2", False),
    ("NEAR(refugee shelter)", False),
    ("{name}:refugee", False),
    ("name:refugee", False),
    ("refugee AND shelter", True),
    ("NOT refugee", True),  # "not" is a stop word
    ("refugee -", True),
    ("refugee - -", True),
    ("refugee OR", True),
    ("OR refugee", True),
    ('refugee -""', True),
    ("refugee'); DROP TABLE directory_searchdocument; --", False),
    ("refugee 100%", False),
    ("%%% refugee", True),
    ("🙂 refugee", True),
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("query", "finds"), ODD, ids=[q for q, _ in ODD])
def test_search_syntax_of_the_engines_is_read_as_plain_words(client, path, query, finds):
    shelter = make_org("Beacon Trust", summary="A refugee shelter.")

    html = get_html(client, path, q=query)

    assert ("Beacon Trust" in html) is finds
    assert (shelter.pk in found(query)) is finds
    assert SearchDocument.objects.filter(object_id=shelter.pk).exists()


@pytest.mark.parametrize("query", ["_", "__"])
def test_an_underscore_is_not_a_wildcard(query):
    make_org("Harbor House", summary="Helps sailors.")

    with pytest.raises(InvalidQuery, match="Type a word"):
        found(query)


# --- The index follows every curator change in the admin -------------------------------------


def test_an_organization_created_in_the_admin_is_found_at_once(admin_client, visitor):
    response = admin_client.post("/admin/directory/organization/add/", _org_add_form(admin_client))

    assert response.status_code == 302, response.context["adminform"].form.errors
    org = Organization.objects.get(slug="lighthouse-foundation")
    assert found("lighthouse") == [org.pk]
    assert listed(visitor, "lighthouse") == ["Lighthouse Foundation"]


def test_an_organization_created_as_a_draft_in_the_admin_is_not_found(admin_client):
    response = admin_client.post(
        "/admin/directory/organization/add/", _org_add_form(admin_client, status="draft")
    )

    assert response.status_code == 302
    assert found("lighthouse") == []


def test_renaming_an_organization_in_the_admin_finds_it_by_the_new_name_only(admin_client, visitor):
    org = make_org("Lighthouse Foundation", slug="lighthouse", summary="Helps sailors.")
    program = make_program(org, "Night Watch")
    assert found("lighthouse", "program") == [program.pk]  # a program shows its owner's name

    _edit(admin_client, org, name="Beacon Foundation")

    assert found("beacon") == [org.pk]
    assert found("lighthouse") == []
    assert found("ghthou") == []  # nor by a fragment of the old name
    assert found("beacon", "program") == [program.pk]
    assert found("lighthouse", "program") == []
    assert listed(visitor, "beacon") == ["Beacon Foundation"]
    assert listed(visitor, "lighthouse") == []


def test_publishing_with_the_admin_action_makes_it_found(admin_client, visitor):
    org = make_org("Lighthouse Foundation", status="draft")
    assert found("lighthouse") == []

    _act(admin_client, "publish", org)

    assert found("lighthouse") == [org.pk]
    assert listed(visitor, "lighthouse") == ["Lighthouse Foundation"]


def test_archiving_with_the_admin_action_makes_it_not_found(admin_client, visitor):
    org = make_org("Lighthouse Foundation")
    program = make_program(org, "Lighthouse Watch")
    kept = make_org("Lighthouse Trust")

    _act(admin_client, "archive", org)

    assert found("lighthouse") == [kept.pk]
    assert program.pk not in found("lighthouse", "program")
    assert listed(visitor, "lighthouse") == ["Lighthouse Trust"]


def test_a_program_added_inline_makes_its_organization_found_by_its_name(admin_client):
    org = make_org("Harbor House", summary="Helps sailors.")
    url = admin_change_url(org)
    data = rendered_form(admin_client.get(url))
    assert data["programs-TOTAL_FORMS"] == "0"
    data.update(
        {
            "programs-TOTAL_FORMS": "1",
            "programs-0-name": "Zephyrine Patrol",
            "programs-0-slug": "zephyrine-patrol",
            "programs-0-summary": "Coastal rescue.",
            "programs-0-description": "",
            "programs-0-active": "on",
            "programs-0-url": "",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    program = Program.objects.get(slug="zephyrine-patrol")
    assert found("zephyrine") == [org.pk]
    assert found("zephyrine", "program") == [program.pk]


def test_a_program_deleted_inline_no_longer_finds_its_organization(admin_client):
    org = make_org("Harbor House", summary="Helps sailors.")
    program = make_program(org, "Zephyrine Patrol")
    assert found("zephyrine") == [org.pk]

    _edit(admin_client, org, **{"programs-0-DELETE": "on"})

    assert not Program.objects.filter(pk=program.pk).exists()
    assert found("zephyrine") == []
    assert found("zephyrine", "program") == []


def test_renaming_an_issue_in_the_admin_finds_its_organizations_by_the_new_name(admin_client):
    issue = make_issue("Statelessness", summary="People without a nationality.")
    direct = make_org("Harbor House", issues=[issue])
    through_program = make_org("Beacon Trust")
    make_program(through_program, issues=[issue])
    make_org("Garden Club")
    index.refresh_issues([issue.pk])

    _edit(admin_client, issue, name="Zephyrine Children")

    assert found_set("zephyrine") == {direct.pk, through_program.pk}
    assert found("zephyrine", "issue") == [issue.pk]
    assert found("statelessness") == []
    assert found("statelessness", "issue") == []


def test_renaming_a_focus_area_in_the_admin_finds_its_organizations_by_the_new_name(
    admin_client,
):
    area = make_focus_area("Lighthouse repair")
    direct = make_org("Harbor House", focus_areas=[area])
    through_program = make_org("Beacon Trust")
    make_program(through_program, focus_areas=[area])
    make_org("Garden Club")

    _edit(admin_client, area, name="Zephyrine repair")

    assert found_set("zephyrine") == {direct.pk, through_program.pk}
    assert found("lighthouse") == []


def test_a_program_deleted_in_the_program_admin_is_no_longer_found_by_its_name(admin_client):
    org = make_org("Harbor House", summary="Helps sailors.")
    program = make_program(org, "Zephyrine Patrol")
    kept = make_program(org, "Night Watch")

    response = admin_client.post(f"/admin/directory/program/{program.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert found("zephyrine") == []
    assert found("zephyrine", "program") == []
    assert found("watch", "program") == [kept.pk]
    assert found("watch") == [org.pk]


def test_a_focus_area_deleted_in_the_admin_no_longer_finds_its_organizations(admin_client):
    area = make_focus_area("Zephyrine repair")
    make_org("Harbor House", focus_areas=[area])

    response = admin_client.post(f"/admin/directory/focusarea/{area.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not FocusArea.objects.exists()
    assert found("zephyrine") == []


def test_unlinking_related_issues_in_the_admin_updates_both_issues(admin_client):
    trafficking = make_issue("Human trafficking", summary="Sale of people.")
    marriage = make_issue("Forced marriage", summary="Brides sold across the border.")
    trafficking.related.add(marriage)
    index.refresh_issues([trafficking.pk, marriage.pk])
    assert found_set("trafficking", "issue") == {trafficking.pk, marriage.pk}

    data = rendered_form(admin_client.get(admin_change_url(trafficking)))
    data.pop("related")
    response = admin_client.post(admin_change_url(trafficking), data)

    assert response.status_code == 302
    assert not marriage.related.exists()
    assert found("marriage", "issue") == [marriage.pk]
    assert found("trafficking", "issue") == [trafficking.pk]


def test_the_rebuild_command_restores_an_emptied_index():
    issue = make_issue("Statelessness")
    org = make_org("Lighthouse Foundation", issues=[issue])
    program = make_program(org, "Night Watch")
    make_org("Hidden Harbor", status="draft")
    index.refresh_issues([issue.pk])
    documents = SearchDocument.objects.count()
    SearchDocument.objects.all().delete()
    assert found("lighthouse") == []

    out = StringIO()
    call_command("rebuild_search_index", stdout=out)

    assert f"Indexed {documents} documents." in out.getvalue()
    assert SearchDocument.objects.count() == documents == 3
    assert found("lighthouse") == [org.pk]
    assert found("watch", "program") == [program.pk]
    assert found("statelessness", "issue") == [issue.pk]
    assert found("hidden") == []


# --- The vocabulary --------------------------------------------------------------------------


def _count(term):
    return SearchTerm.objects.filter(term=term).values_list("documents", flat=True).first()


def test_the_words_of_archived_organizations_leave_the_vocabulary(admin_client):
    first = make_org("Harbor House", summary="Zanzibarian lighthouse keepers.")
    second = make_org("Beacon Trust", summary="Keeps a lighthouse.")
    assert (_count("zanzibarian"), _count("lighthouse")) == (1, 2)
    assert search.find(parse("zanzibarin"), ["organization"]).query.raw == "zanzibarian"

    _edit(admin_client, first, status="archived")

    assert _count("zanzibarian") is None
    assert _count("lighthouse") == 1
    assert search.find(parse("zanzibarin"), ["organization"]).suggestions == []

    _edit(admin_client, second, status="archived")

    assert _count("lighthouse") is None
    assert not SearchTerm.objects.filter(term__in=["lighthouse", "keeps", "beacon"]).exists()


def test_a_word_edited_out_of_a_listing_leaves_the_vocabulary(admin_client):
    org = make_org("Harbor House", summary="Zanzibarian lighthouse keepers.")

    _edit(admin_client, org, summary="Lighthouse keepers.")

    assert _count("zanzibarian") is None
    assert _count("lighthouse") == 1


def test_a_rebuild_recomputes_the_vocabulary():
    make_org("Harbor House", summary="Zanzibarian lighthouse keepers.")
    make_org("Beacon Trust", summary="Keeps a lighthouse.")
    make_org("Hidden Harbor", summary="Secret lighthouse.", status="draft")
    expected = dict(SearchTerm.objects.values_list("term", "documents"))
    SearchTerm.objects.update(documents=99)
    SearchTerm.objects.create(term="stale", documents=3)

    index.rebuild()

    assert dict(SearchTerm.objects.values_list("term", "documents")) == expected
    assert expected["lighthouse"] == 2
    assert "secret" not in expected


def test_the_vocabulary_counts_documents_not_occurrences_and_skips_programs_and_bodies():
    documents = [
        SearchDocument(
            kind="organization",
            name="Lighthouse Lighthouse",
            summary="lighthouse 탈북 ab",
            related="Night Watch",
            body="bodyword",
        ),
        SearchDocument(kind="issue", name="Lighthouse keeping", summary="", related=""),
        SearchDocument(kind="program", name="Programword Lighthouse", summary="", related=""),
    ]

    assert index.vocabulary(documents) == Counter(
        {"lighthouse": 2, "night": 1, "watch": 1, "keeping": 1}
    )


# --- Facet counts ----------------------------------------------------------------------------


@pytest.fixture
def facets():
    trafficking = make_issue("Trafficking", slug="trafficking")
    orphans = make_issue("Orphans", slug="orphans")
    rescue = make_focus_area("Rescue", slug="rescue")
    make_org("Harbor House", summary="Refugee shelter.", issues=[trafficking])
    via_program = make_org("Beacon Trust", summary="Refugee rescue.", issues=[orphans])
    make_program(via_program, issues=[trafficking], focus_areas=[rescue])
    make_org("Garden Club", summary="Refugee gardens.", org_type="research")
    make_org(
        "Lantern Aid",
        summary="Orphan shelter.",
        issues=[trafficking, orphans],
        focus_areas=[rescue],
    )


def _mixed_listings():
    trafficking = make_issue("Trafficking", slug="trafficking")
    orphans = make_issue("Orphans", slug="orphans")
    rescue = make_focus_area("Rescue", slug="rescue")
    based = make_org("Harbor House", issues=[trafficking], countries=["KR"])
    based.headquarters_id = "US"
    based.save()
    index.refresh_organizations([based.pk])
    beacon = make_org("Beacon Trust", issues=[orphans], org_type="research")
    make_program(beacon, issues=[trafficking], focus_areas=[rescue], countries=["CN", "KR"])
    make_program(beacon, issues=[orphans], countries=["TH"])
    make_org("Lantern Aid", focus_areas=[rescue])
    make_org("Quiet Draft", issues=[orphans], status=Organization.Status.DRAFT)
    return beacon


@pytest.mark.django_db
def test_stored_facet_values_count_as_the_grouped_queries_do():
    """A search's counts come from its documents; a filtered list's from the index's member
    rows. Both hold the same tokens (directly or through a program)."""
    _mixed_listings()
    published = Organization.objects.published()
    ids = list(published.values_list("pk", flat=True))

    from_documents = facets_module.counts_of(ids)
    from_tables = facets_module.counts_in(published)

    assert from_documents == from_tables
    assert from_documents["country"] == {"KR": 2, "US": 1, "CN": 1, "TH": 1}


@pytest.mark.django_db
def test_facet_values_follow_a_change_to_a_program(client):
    beacon = _mixed_listings()
    program = beacon.programs.get(countries="TH")
    program.countries.set([Country.objects.get(pk="VN")])
    index.refresh_organizations([beacon.pk])  # as the admin does on save

    html = get_html(client, "/organizations/", q="beacon")

    assert options(html, "country")["VN"].endswith("(1)")
    assert "TH" not in options(html, "country")


def test_facet_counts_count_the_organizations_matching_the_query(client, facets):
    html = get_html(client, "/organizations/", q="refugee")

    assert options(html, "issue")["trafficking"] == "Trafficking (2)"
    assert options(html, "issue")["orphans"] == "Orphans (1)"
    assert options(html, "focus")["rescue"] == "Rescue (1)"
    assert options(html, "type")["nonprofit"] == "Nonprofit (2)"
    assert options(html, "type")["research"] == "Research institute (1)"


def test_facet_counts_change_with_the_query(client, facets):
    everything = get_html(client, "/organizations/")
    shelters = get_html(client, "/organizations/", q="shelter")
    nothing = get_html(client, "/organizations/", q="xylophone")

    assert options(everything, "issue")["trafficking"] == "Trafficking (3)"
    assert options(everything, "issue")["orphans"] == "Orphans (2)"
    assert options(shelters, "issue")["trafficking"] == "Trafficking (2)"
    assert options(shelters, "issue")["orphans"] == "Orphans (1)"
    assert options(shelters, "type")["research"] == "Research institute (0)"
    assert options(nothing, "issue")["trafficking"] == "Trafficking (0)"


def test_facet_counts_follow_a_corrected_query(client, facets):
    html = get_html(client, "/organizations/", q="refugge")

    assert "Showing results for <strong>refugee</strong>" in html
    assert options(html, "issue")["trafficking"] == "Trafficking (2)"


def test_facet_counts_combine_the_query_and_the_other_filters(client, facets):
    html = get_html(client, "/organizations/", q="refugee", issue="orphans")

    assert status_line(html) == "1 organization matching “refugee” addressing Orphans"
    assert options(html, "issue")["trafficking"] == "Trafficking (1)"


# --- Capped counts ---------------------------------------------------------------------------


@pytest.fixture
def small_caps(settings):
    settings.COUNT_CAP = 100
    settings.PAGE_SIZE = 20
    return settings


def test_a_list_longer_than_the_cap_says_more_than_and_pages_no_further(client, small_caps):
    bulk_orgs(101)

    for params in ({}, {"q": "lighthouse"}):
        html = get_html(client, "/organizations/", **params)
        assert status_line(html).startswith("More than 100 organizations")
        assert "Page 1 of 5" in html
        assert client.get("/organizations/", {**params, "page": 5}).status_code == 200
        assert client.get("/organizations/", {**params, "page": 6}).status_code == 404


def test_a_list_of_exactly_the_cap_is_counted_exactly(client, small_caps):
    bulk_orgs(100)

    html = get_html(client, "/organizations/")

    assert status_line(html) == "100 organizations"
    assert client.get("/organizations/", {"page": 5}).status_code == 200
    assert client.get("/organizations/", {"page": 6}).status_code == 404


@pytest.fixture
def few_results(settings):
    settings.SEARCH_MAX_RESULTS = 10
    settings.PAGE_SIZE = 20
    return settings


def test_search_returns_at_most_search_max_results(few_results):
    bulk_orgs(15)

    assert len(search.find(parse("lighthouse"), ["organization"]).ids["organization"]) == 10
    assert len(search.search(parse("lighthouse"), "organization", limit=50)) == 10
    assert len(search.search(parse("lighthouse"), "organization", limit=4)) == 4
    assert len(search.search(parse("harb"), "organization")) == 10  # fragments too


def test_the_organization_list_says_more_than_when_search_stops_at_its_limit(client, few_results):
    bulk_orgs(15)

    html = get_html(client, "/organizations/", q="lighthouse")

    assert status_line(html) == "More than 10 organizations matching “lighthouse”"
    assert html.count('class="card org-card"') == 10


def test_the_search_page_says_more_than_when_search_stops_at_its_limit(client, few_results):
    bulk_orgs(15)

    html = get_html(client, "/search/", q="lighthouse")

    assert "More than 10" in html


def test_exactly_search_max_results_matches_are_counted_exactly(client, few_results):
    bulk_orgs(10)

    html = get_html(client, "/organizations/", q="lighthouse")

    assert status_line(html) == "10 organizations matching “lighthouse”"


# --- Caches keyed on the content version -----------------------------------------------------


def test_every_index_refresh_moves_the_content_version_on():
    org = make_org("Harbor House")
    issue = make_issue("Statelessness")
    area = make_focus_area("Rescue")
    versions = [current_version()]

    for refresh in (
        lambda: index.refresh_organizations([org.pk]),
        lambda: index.refresh_issues([issue.pk]),
        lambda: index.refresh_focus_areas([area.pk]),
        index.rebuild,
    ):
        refresh()
        versions.append(current_version())

    assert versions == sorted(set(versions))
    assert len(versions) == 5


def test_the_content_version_is_read_once_per_request():
    request = RequestFactory().get("/")
    before = current_version(request)

    bump_version()

    assert current_version(request) == before
    assert current_version() == before + 1


def test_cached_values_are_recomputed_after_the_content_changes():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert cached("test", ("a",), compute) == 1
    assert cached("test", ("a",), compute) == 1
    assert cached("test", ("b",), compute) == 2
    bump_version()
    assert cached("test", ("a",), compute) == 3


def test_facet_counts_are_kept_per_change_not_recounted_when_the_version_moves(client):
    org = make_org("Harbor House", org_type="nonprofit")
    assert options(get_html(client, "/organizations/"), "type")["research"] == (
        "Research institute (0)"
    )

    # A change that bypasses the writer (a bulk update sends no signal) is not counted,
    # even once the content version moves on: nothing recounts the directory ...
    Organization.objects.update(org_type="research")
    bump_version()
    assert options(get_html(client, "/organizations/"), "type")["research"] == (
        "Research institute (0)"
    )

    # ... until its document is rewritten (as the writer does): then it alone is recounted.
    index.refresh_organizations([org.pk])
    assert options(get_html(client, "/organizations/"), "type")["research"] == (
        "Research institute (1)"
    )


def test_a_curator_edit_shows_at_once_on_cached_counts(visitor, admin_client):
    issue = make_issue("Trafficking", slug="trafficking")
    org = make_org("Harbor House")
    assert options(get_html(visitor, "/organizations/"), "issue")["trafficking"] == (
        "Trafficking (0)"
    )
    assert home_count(get_html(visitor, "/"), issue) == "0 organizations"

    _edit(admin_client, org, issues=[str(issue.pk)])

    assert options(get_html(visitor, "/organizations/"), "issue")["trafficking"] == (
        "Trafficking (1)"
    )
    assert home_count(get_html(visitor, "/"), issue) == "1 organization"


def test_a_curator_rename_shows_at_once_on_the_list_and_the_home_page(visitor, admin_client):
    org = make_org(
        "Lighthouse Foundation", summary="Helps sailors.", last_verified=date(2024, 5, 1)
    )
    for path in ("/organizations/", "/"):
        assert "Lighthouse Foundation" in get_html(visitor, path)  # its card is now cached

    _edit(admin_client, org, name="Beacon Foundation")

    for path in ("/organizations/", "/"):
        html = get_html(visitor, path)
        assert "Beacon Foundation" in html
        assert "Lighthouse Foundation" not in html


def test_a_curator_edit_of_an_issue_name_shows_at_once_on_cached_cards(visitor, admin_client):
    issue = make_issue("Trafficking", slug="trafficking")
    make_org("Harbor House", issues=[issue])
    assert ">Trafficking</a>" in get_html(visitor, "/organizations/")

    _edit(admin_client, issue, name="Human trafficking")

    assert ">Human trafficking</a>" in get_html(visitor, "/organizations/")


def test_marking_verified_in_the_admin_shows_at_once_on_cached_cards(visitor, admin_client):
    org = make_org("Harbor House", last_verified=None)
    assert "Not yet verified" in get_html(visitor, "/organizations/")

    data = add_inline(
        rendered_form(admin_client.get(admin_change_url(org))),
        "verifications",
        website_answers="on",
    )
    assert admin_client.post(admin_change_url(org), data).status_code == 302

    assert "Not yet verified" not in get_html(visitor, "/organizations/")


@pytest.mark.skipif(not SQLITE, reason="reads SQLite's query plan; PostgreSQL ranks otherwise")
def test_sqlite_ranking_looks_candidates_up_in_the_covering_index():
    """Each candidate's object id and facets come from the small index of migration 0019,
    not from its document row, which holds the whole text."""
    make_org("Harbor House", summary="Shelter for sailors.")
    make_org("Lighthouse Trust", summary="A shelter by the sea.")
    with CaptureQueriesContext(connection) as queries:
        assert len(found("shelter")) == 2
    ranking = next(q["sql"] for q in queries.captured_queries if "bm25(" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {ranking}")
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING COVERING INDEX directory_searchdoc_ranking" in plan, plan
