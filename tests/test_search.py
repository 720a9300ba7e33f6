"""The search module on the database in use (FTS5 on SQLite, tsvector on PostgreSQL)."""

import re

import pytest
from django.utils.html import conditional_escape

from directory import search
from directory.models import Organization, SearchDocument
from directory.search import InvalidQuery, highlight, index, parse
from tests.factories import make_fact, make_focus_area, make_issue, make_org, make_program

pytestmark = pytest.mark.django_db

HIDDEN_STATUSES = [
    Organization.Status.DRAFT,
    Organization.Status.REVIEW,
    Organization.Status.ARCHIVED,
]


def found(query, kind="organization"):
    """Ids of the objects of `kind` that the query finds, best first."""
    return search.search(parse(query), kind)


def found_set(query, kind="organization"):
    return set(found(query, kind))


def block(html, start, end):
    begin = html.index(start)
    return html[begin : html.index(end, begin) + len(end)]


# --- What search finds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Supports refugees arriving in Seoul.", "refugee"),
        ("Supports a refugee arriving in Seoul.", "refugees"),
        ("Runs shelters for survivors.", "shelter"),
        ("Fights trafficking at the border.", "trafficked"),
    ],
)
def test_it_matches_other_forms_of_a_word(text, query):
    target = make_org(summary=text)
    make_org(summary="Plants trees in parks.")

    assert found(query) == [target.pk]


def _org_with_word_in(where):
    """An organization whose only mention of 'lighthouse' (or 'LiNK') is in one place."""
    if where == "name":
        return make_org("Lighthouse Foundation")
    if where == "alternate_name":
        return make_org("Liberty in North Korea", alternate_name="LiNK")
    if where == "summary":
        return make_org(summary="Keeps a lighthouse for travellers.")
    if where == "description":
        return make_org(description="Founded beside an old **lighthouse**.")
    if where == "issue_name":
        return make_org(issues=[make_issue("Lighthouse keeping")])
    if where == "focus_area_name":
        return make_org(focus_areas=[make_focus_area("Lighthouse repair")])
    org = make_org()
    if where == "program_name":
        make_program(org, "Lighthouse Watch")
    elif where == "program_summary":
        make_program(org, summary="Watches over a lighthouse.")
    elif where == "program_description":
        make_program(org, description="Staffs the lighthouse at night.")
    elif where == "program_issue_name":
        make_program(org, issues=[make_issue("Lighthouse keeping")])
    return org


@pytest.mark.parametrize(
    "where",
    [
        "name",
        "alternate_name",
        "summary",
        "description",
        "program_name",
        "program_summary",
        "program_description",
        "issue_name",
        "program_issue_name",
        "focus_area_name",
    ],
)
def test_it_finds_an_organization_by_what_is_written_about_it(where):
    make_org("Control Org", summary="Plants trees.", description="Gardens and parks.")
    target = _org_with_word_in(where)
    query = "LiNK" if where == "alternate_name" else "lighthouse"

    assert found(query) == [target.pk]


def test_it_finds_programs_and_issues_as_their_own_kinds():
    org = make_org("Harbor House")
    program = make_program(org, "Lighthouse Watch", summary="Night watch.")
    issue = make_issue("Coastal safety", summary="Lighthouses save lives.")
    make_fact(issue, statement="Most lighthouse keepers retired by 1990.")
    index.refresh_issues([issue.pk])

    assert found("lighthouse", "program") == [program.pk]
    assert found("lighthouse", "issue") == [issue.pk]
    assert found("keepers", "issue") == [issue.pk]


def test_it_ranks_a_name_match_above_a_description_only_match():
    described = make_org("Aardvark Aid", description="We once repaired a harbor wall.")
    summarised = make_org("Beacon Trust", summary="Runs a harbor clinic.")
    named = make_org("Harbor House", summary="Shelter for families.")

    assert found("harbor") == [named.pk, summarised.pk, described.pk]


def test_a_name_word_starting_with_the_query_ranks_a_match_first_but_finds_nothing_itself():
    described = make_org("Aardvark Aid", summary="Tutoring in Korea for families.")
    adjective = make_org("Korean Bridge", summary="Tutoring in Korea for students.")
    make_org("Koreana Soap Works", summary="Soap and candles.")  # no word "Korea" anywhere

    assert found("korea") == [adjective.pk, described.pk]
    assert found("korea tutoring") == [adjective.pk, described.pk]
    assert found("korea -candles") == [adjective.pk, described.pk]


def test_a_quoted_phrase_matches_only_words_in_that_order():
    adjacent = make_org(summary="Works inside North Korea.")
    apart = make_org(summary="From the north of China to South Korea.")

    assert found_set("north korea") == {adjacent.pk, apart.pk}
    assert found('"north korea"') == [adjacent.pk]
    assert found("north-korea") == [adjacent.pk]


def test_or_accepts_either_word_and_plain_words_need_all():
    orphans = make_org(summary="Cares for orphans.")
    trafficking = make_org(summary="Fights trafficking.")
    both = make_org(summary="Cares for orphans and fights trafficking.")
    make_org(summary="Plants trees.")

    assert found_set("orphans or trafficking") == {orphans.pk, trafficking.pk, both.pk}
    assert found_set("orphans OR trafficking") == {orphans.pk, trafficking.pk, both.pk}
    assert found("orphans trafficking") == [both.pk]


def test_a_minus_excludes_a_word_or_a_phrase():
    orphans = make_org(summary="Cares for orphans.")
    both = make_org(summary="Cares for orphans and fights trafficking.")

    assert found_set("orphans") == {orphans.pk, both.pk}
    assert found("orphans -trafficking") == [orphans.pk]
    assert found('orphans -"fights trafficking"') == [orphans.pk]
    assert found('orphans -"trafficking fights"') != [orphans.pk]


@pytest.mark.parametrize("query", ["탈북", "탈북민", "정착"])
def test_a_hangul_query_finds_part_of_a_korean_word(query):
    defectors = make_org("Korean Support", description="탈북민 정착을 돕습니다.")
    make_org("Refugee Aid", description="난민 지원 단체")

    assert found(query) == [defectors.pk]


def test_a_hangul_query_finds_programs_and_can_exclude():
    org = make_org("Korean Support")
    program = make_program(org, "정착 지원", description="탈북민 정착")
    other = make_org(description="탈북 청소년 교육")

    assert found("정착", "program") == [program.pk]
    assert found_set("탈북") == {org.pk, other.pk}
    assert found("탈북 -교육") == [org.pk]


def test_a_hangul_name_match_ranks_first():
    described = make_org("Education Trust", description="탈북 청소년")
    named = make_org("탈북 청소년 센터")

    assert found("탈북") == [named.pk, described.pk]


# --- The index follows the directory -------------------------------------------------------


def test_publishing_an_organization_makes_it_searchable():
    org = make_org(summary="Keeps a lighthouse.", status=Organization.Status.REVIEW)
    assert found("lighthouse") == []

    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.PUBLISHED)
    index.refresh_organizations([org.pk])

    assert found("lighthouse") == [org.pk]


def test_archiving_an_organization_removes_it_and_its_programs():
    org = make_org(summary="Keeps a lighthouse.")
    program = make_program(org, "Lighthouse Watch")
    assert found("lighthouse") == [org.pk]
    assert found("lighthouse", "program") == [program.pk]

    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ARCHIVED)
    index.refresh_organizations([org.pk])

    assert found("lighthouse") == []
    assert found("lighthouse", "program") == []
    assert not SearchDocument.objects.filter(owner_id=org.pk).exists()


def test_renaming_an_organization_changes_what_finds_it():
    org = make_org("Lighthouse Foundation", summary="Helps sailors.")

    org.name = "Beacon Foundation"
    org.save()
    index.refresh_organizations([org.pk])

    assert found("lighthouse") == []
    assert found("beacon") == [org.pk]


def test_changing_a_program_changes_what_finds_its_organization():
    org = make_org("Harbor House")
    program = make_program(org, "Lighthouse Watch")

    program.name = "Beacon Watch"
    program.save()
    index.refresh_organizations([org.pk])

    assert found("lighthouse") == []
    assert found("lighthouse", "program") == []
    assert found("beacon") == [org.pk]
    assert found("beacon", "program") == [program.pk]

    program.delete()
    index.refresh_organizations([org.pk])

    assert found("beacon") == []
    assert found("beacon", "program") == []


def test_renaming_an_issue_reindexes_the_organizations_that_address_it():
    issue = make_issue("Statelessness", summary="People without a nationality.")
    direct = make_org(issues=[issue])
    through_program = make_org()
    program = make_program(through_program, issues=[issue])
    make_org()
    index.refresh_issues([issue.pk])
    assert found_set("statelessness") == {direct.pk, through_program.pk}

    issue.name = "Undocumented children"
    issue.save()
    index.refresh_issues([issue.pk])

    assert found("statelessness") == []
    assert found("statelessness", "issue") == []
    assert found_set("undocumented") == {direct.pk, through_program.pk}
    assert found("undocumented", "program") == [program.pk]
    assert found("undocumented", "issue") == [issue.pk]


def test_renaming_a_focus_area_reindexes_the_organizations_working_in_it():
    area = make_focus_area("Lighthouse repair")
    direct = make_org(focus_areas=[area])
    through_program = make_org()
    make_program(through_program, focus_areas=[area])

    area.name = "Beacon repair"
    area.save()
    index.refresh_focus_areas([area.pk])

    assert found("lighthouse") == []
    assert found_set("beacon") == {direct.pk, through_program.pk}


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_unpublished_organizations_are_never_indexed(status):
    org = make_org("Lighthouse Foundation", status=status, issues=[make_issue()])
    make_program(org, "Lighthouse Watch")
    index.refresh_organizations([org.pk])

    assert not SearchDocument.objects.filter(owner_id=org.pk).exists()
    assert found("lighthouse") == []
    assert found("lighthouse", "program") == []


def test_a_rebuild_indexes_only_public_organizations():
    public = make_org("Lighthouse Foundation", index_it=False)
    make_org("Lighthouse Draft", status=Organization.Status.DRAFT, index_it=False)
    make_org("Lighthouse Archive", status=Organization.Status.ARCHIVED, index_it=False)
    issue = make_issue("Lighthouse keeping")

    index.rebuild()

    assert found("lighthouse") == [public.pk]
    assert found("lighthouse", "issue") == [issue.pk]


# --- The search page -----------------------------------------------------------------------


@pytest.fixture
def results_page(client):
    make_org(
        "Lighthouse Trust",
        slug="lighthouse-trust",
        summary="Helps <b>refugees</b> & families by the lighthouse.",
    )
    keeper = make_org("Harbor House", slug="harbor-house")
    make_program(keeper, "Lighthouse Watch", slug="lighthouse-watch", summary="Night watch.")
    issue = make_issue("Lighthouse keeping", slug="lighthouse-keeping", summary="A dying trade.")
    index.refresh_issues([issue.pk])
    response = client.get("/search/", {"q": "lighthouse"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_search_page_groups_results_by_kind(results_page):
    organizations = block(results_page, 'id="group-organization"', "</section>")
    programs = block(results_page, 'id="group-program"', "</section>")
    issues = block(results_page, 'id="group-issue"', "</section>")

    # Harbor House is found too, through its program's name; the name match ranks first.
    assert re.search(r'Organizations <span class="count">2</span>', organizations)
    assert organizations.index('href="/organizations/lighthouse-trust/"') < organizations.index(
        'href="/organizations/harbor-house/"'
    )
    assert re.search(r'Programs <span class="count">1</span>', programs)
    assert 'href="/organizations/harbor-house/#program-lighthouse-watch"' in programs
    assert "by Harbor House" in programs
    assert re.search(r'Issues <span class="count">1</span>', issues)
    assert 'href="/issues/lighthouse-keeping/"' in issues
    assert "4 results for “lighthouse”" in results_page


def test_the_search_page_marks_matching_words_and_escapes_the_rest(results_page):
    assert "<mark>Lighthouse</mark> Trust" in results_page
    assert (
        "Helps &lt;b&gt;refugees&lt;/b&gt; &amp; families by the <mark>lighthouse</mark>."
        in results_page
    )
    assert "<b>refugees</b>" not in results_page


def test_the_search_page_says_when_a_kind_has_no_match(client):
    make_org(summary="Keeps a lighthouse.")

    html = client.get("/search/", {"q": "lighthouse"}).content.decode()

    assert "No programs match." in block(html, 'id="group-program"', "</section>")
    assert "No issues match." in block(html, 'id="group-issue"', "</section>")


def test_the_search_page_links_to_every_organization_when_there_are_more(client):
    for n in range(12):
        make_org(f"Lighthouse {n}", slug=f"lighthouse-{n}")

    html = client.get("/search/", {"q": "lighthouse"}).content.decode()

    organizations = block(html, 'id="group-organization"', "</section>")
    assert organizations.count('<li class="result">') == 10
    assert '<a href="/organizations/?q=lighthouse">See all 12 organizations</a>' in organizations


def test_the_search_page_explains_an_unusable_query(client):
    response = client.get("/search/", {"q": "-refugee"})

    assert response.status_code == 400
    assert "Add at least one word to search for" in response.content.decode()


# --- parse() and highlight() -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Type a word"),
        ("   ", "Type a word"),
        ('"" -', "Type a word"),
        ("-x", "not only words to exclude"),
        ('-x -"y z"', "not only words to exclude"),
        ("refugee\x00", "null character"),
        ("a" * 201, "limited to 200 characters; yours has 201"),
        (" ".join(f"w{n}" for n in range(13)), "limited to 12 words"),
    ],
)
def test_parse_rejects_an_unusable_query_with_a_message(raw, message):
    with pytest.raises(InvalidQuery, match=re.escape(message)):
        parse(raw)


def test_parse_accepts_exactly_two_hundred_characters():
    assert parse("a" * 200).words == ["a" * 200]


def test_parse_reads_words_phrases_or_and_exclusions():
    parsed = parse('Refugee or "North Korea" shelter -trafficking -"forced labour"')

    assert [[item.words for item in group] for group in parsed.groups] == [
        [("refugee",), ("north", "korea")],
        [("shelter",)],
    ]
    assert [item.words for item in parsed.excluded] == [("trafficking",), ("forced", "labour")]


def test_parse_treats_markup_and_sql_as_separators():
    assert parse("<script>alert(1)</script>").words == ["script", "alert", "1", "script"]
    assert parse("refugee'); DROP TABLE x; --").words == ["refugee", "drop", "table", "x"]


def test_highlight_escapes_html_without_a_query():
    assert highlight("<script>alert(1)</script> & co", None) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    )


def test_highlight_escapes_html_around_the_marks():
    result = highlight('<img src=x onerror="alert(1)"> refugees', parse("onerror refugee"))

    assert result == (
        "&lt;img src=x <mark>onerror</mark>=&quot;alert(1)&quot;&gt; <mark>refugees</mark>"
    )


def test_highlight_escapes_a_match_that_contains_markup_characters():
    result = highlight("R&D <lab>", parse('"r d"'))

    assert "<lab>" not in result
    assert "<mark>R&amp;D</mark>" in result


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("Refugee support", "refugees", "<mark>Refugee</mark> support"),
        ("Supporting refugees", "refugee", "Supporting <mark>refugees</mark>"),
        ("Liberty in North Korea (LiNK)", "link", "Liberty in North Korea (<mark>LiNK</mark>)"),
        ("In North Korea, north and Korea", '"north korea"', "In <mark>North Korea</mark>,"),
        ("탈북민 정착 지원", "탈북", "<mark>탈북</mark>민 정착 지원"),
    ],
)
def test_highlight_marks_forms_of_the_searched_words(text, query, expected):
    assert expected in highlight(text, parse(query))


def test_highlight_does_not_mark_excluded_words():
    result = highlight("refugee trafficking", parse("refugee -trafficking"))

    assert result == "<mark>refugee</mark> trafficking"


def test_highlight_cuts_long_text_around_the_first_match():
    text = "before " * 100 + "lighthouse" + " after" * 100

    result = highlight(text, parse("lighthouse"), length=120)

    assert "<mark>lighthouse</mark>" in result
    assert result.startswith("… ")
    assert result.endswith(" …")
    assert len(result) < 160


def test_highlight_result_is_safe_to_insert_as_is():
    result = highlight("<b>bold</b>", parse("bold"))

    assert conditional_escape(result) == result  # marked safe: templates insert it as is
    assert str(result) == "&lt;b&gt;<mark>bold</mark>&lt;/b&gt;"
