"""The site in Korean: pages under /ko/, the language switcher, the Korean catalogue, Korean
names and summaries with English as the fallback, and Korean search."""

import gettext
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from directory import seed
from directory.models import FocusArea, Issue, Organization, Program
from directory.search import index
from directory.seed import SeedError
from tests.factories import (
    make_focus_area,
    make_issue,
    make_org,
    make_program,
    make_superuser,
)

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"

# Pages that take no object, in English; their Korean versions are under /ko/.
PAGES = [
    "/",
    "/organizations/",
    "/issues/",
    "/focus-areas/",
    "/search/?q=refugee",
    "/volunteer/",
    "/suggest/",
    "/compare/",
]


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]*)"', html).group(1)


def switcher(html: str) -> str:
    return re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)


def korean_org(**fields):
    issue = make_issue(
        "Human Trafficking",
        slug="human-trafficking",
        name_ko="인신매매",
        summary_ko="인신매매 문제.",
    )
    fields.setdefault("name_ko", "통일부")
    fields.setdefault("summary_ko", "남북 관계를 맡은 정부 부처입니다.")
    return make_org("Ministry of Unification", slug="ministry", issues=[issue], **fields)


# --- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("directory:home", []),
        ("directory:organization-list", []),
        ("directory:organization-detail", ["link"]),
        ("directory:report-correction", ["link"]),
        ("directory:issue-list", []),
        ("directory:issue-detail", ["human-trafficking"]),
        ("directory:focus-area-list", []),
        ("directory:search", []),
        ("directory:opportunity-list", []),
        ("directory:compare", []),
        ("directory:suggest", []),
    ],
)
def test_pages_reverse_to_unprefixed_english_and_prefixed_korean_paths(name, args):
    english = reverse(name, args=args)
    with translation.override("ko"):
        korean = reverse(name, args=args)
    assert not english.startswith("/ko/")
    assert korean == "/ko" + english


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("directory:robots-txt", [], "/robots.txt"),
        ("directory:sitemap-index", [], "/sitemap.xml"),
        ("directory:sitemap-section", ["issues"], "/sitemap-issues.xml"),
        ("directory:feed-organizations", [], "/feeds/organizations/"),
        ("directory:feed-issue", ["human-trafficking"], "/feeds/issues/human-trafficking/"),
        ("healthz", [], "/healthz"),
    ],
)
def test_machine_readable_files_and_the_probe_have_one_address_in_every_language(name, args, path):
    with translation.override("ko"):
        assert reverse(name, args=args) == path
    assert reverse(name, args=args) == path


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/robots.txt", "/sitemap.xml", "/sitemap-issues.xml", "/feeds/organizations/", "/healthz"],
)
def test_machine_readable_files_and_the_probe_are_not_served_under_ko(client, path):
    make_issue(slug="human-trafficking")
    assert client.get(path).status_code == 200
    assert client.get("/ko" + path).status_code == 404


@pytest.mark.django_db
def test_robots_txt_keeps_crawlers_out_of_search_results_in_every_language(client):
    lines = client.get("/robots.txt").content.decode().splitlines()
    assert "Disallow: /search/" in lines
    assert "Disallow: /ko/search/" in lines


# --- Korean pages ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_korean_pages_answer_in_korean_with_translated_navigation(client, path):
    response = client.get("/ko" + path)
    html = response.content.decode()
    assert response.status_code == 200
    assert html_lang(html) == "ko"
    assert response["Content-Language"] == "ko"
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    for label in ("단체", "이슈", "활동 분야", "자원봉사"):
        assert label in nav
    assert ">Organizations<" not in nav


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_english_pages_keep_their_unprefixed_addresses_and_say_they_are_english(client, path):
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert html_lang(html) == "en"
    assert ">Organizations</a>" in html
    assert "단체" not in html


@pytest.mark.django_db
def test_detail_pages_answer_in_both_languages(client):
    org = korean_org()
    program = make_program(org, "Settlement Support", slug="settlement", name_ko="정착 지원")
    make_focus_area("Resettlement", slug="resettlement", name_ko="정착 및 사회 통합")
    for path in (
        "/organizations/ministry/",
        "/issues/human-trafficking/",
        "/focus-areas/resettlement/",
        f"/organizations/{org.slug}/correction/",
    ):
        assert html_lang(client.get(path).content.decode()) == "en"
        korean = client.get("/ko" + path)
        assert korean.status_code == 200, path
        assert html_lang(korean.content.decode()) == "ko"
    assert program.name_ko in client.get("/ko/organizations/ministry/").content.decode()


@pytest.mark.django_db
def test_a_missing_korean_page_is_a_korean_404(client):
    response = client.get("/ko/organizations/no-such-org/")
    html = response.content.decode()
    assert response.status_code == 404
    assert html_lang(html) == "ko"
    assert "페이지를 찾을 수 없습니다" in html


@pytest.mark.django_db
def test_a_validation_message_we_write_is_shown_in_korean(client):
    response = client.get("/ko/search/?q=-word")
    assert response.status_code == 400
    assert (
        "제외할 단어만이 아니라 찾을 단어도 하나 이상 입력해 주세요." in response.content.decode()
    )
    english = client.get("/search/?q=-word").content.decode()
    assert "Add at least one word to search for, not only words to exclude." in english


@pytest.mark.django_db
def test_a_bad_page_number_is_explained_in_korean(client):
    response = client.get("/ko/organizations/?page=x")
    assert response.status_code == 400
    assert "페이지 번호는 1 이상의 정수여야 합니다." in response.content.decode()


@pytest.mark.django_db
def test_the_results_heading_names_the_filters_in_korean(client):
    response = client.get("/ko/organizations/?country=FR&help=volunteer")

    assert response.status_code == 200
    heading = re.search(r'id="results-heading"[^>]*>(.*?)</h2>', response.content.decode(), re.S)
    assert " ".join(heading.group(1).split()) == "단체 0곳 · 국가: 프랑스 · 자원봉사자 모집"


@pytest.mark.django_db
def test_an_organization_with_an_open_opportunity_offers_it_in_korean(client):
    from directory.models import Opportunity
    from tests.factories import make_org

    org = make_org()
    Opportunity.objects.create(
        organization=org,
        title="Tutor",
        slug="tutor",
        description="Teach.",
        apply_url="https://example.org/apply",
        status=Opportunity.Status.PUBLISHED,
    )

    html = client.get(f"/ko{org.get_absolute_url()}").content.decode()

    assert "자원봉사 기회 1건" in html


# --- The language switcher ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_switcher_links_an_english_page_to_the_same_korean_page_with_its_query(client):
    html = client.get("/organizations/?q=refugee&type=nonprofit").content.decode()
    links = switcher(html)
    assert (
        '<a href="/ko/organizations/?q=refugee&amp;type=nonprofit" hreflang="ko" lang="ko">'
        "한국어</a>" in links
    )
    assert "English" not in links  # only the other language is offered


@pytest.mark.django_db
def test_the_switcher_links_a_korean_page_to_the_same_english_page_with_its_query(client):
    org = korean_org()
    html = client.get(f"/ko/organizations/{org.slug}/?from=home").content.decode()
    assert (
        f'<a href="/organizations/{org.slug}/?from=home" hreflang="en" lang="en">English</a>'
        in switcher(html)
    )


@pytest.mark.django_db
def test_the_switcher_keeps_percent_encoded_queries(client):
    html = client.get("/ko/organizations/?q=%ED%83%88%EB%B6%81").content.decode()
    assert 'href="/organizations/?q=%ED%83%88%EB%B6%81"' in switcher(html)


@pytest.mark.django_db
def test_the_switcher_on_a_missing_page_offers_the_other_home_page(client):
    html = client.get("/ko/nothing-here/").content.decode()
    assert '<a href="/" hreflang="en" lang="en">English</a>' in switcher(html)


@pytest.mark.django_db
def test_every_page_names_its_versions_in_both_languages_for_search_engines(client):
    html = client.get("/ko/issues/").content.decode()
    assert '<link rel="alternate" hreflang="en" href="http://testserver/issues/">' in html
    assert '<link rel="alternate" hreflang="ko" href="http://testserver/ko/issues/">' in html


@pytest.mark.django_db
def test_the_switcher_works_without_javascript(client):
    links = switcher(client.get("/").content.decode())
    assert "<script" not in links and "onclick" not in links and "<form" not in links


# --- Korean names and summaries -------------------------------------------------------------


@pytest.mark.django_db
def test_korean_names_and_summaries_show_on_korean_pages(client):
    korean_org()
    korean = client.get("/ko/organizations/").content.decode()
    assert "통일부" in korean
    assert "남북 관계를 맡은 정부 부처입니다." in korean
    assert "인신매매" in korean  # the issue tag on the card
    detail = client.get("/ko/organizations/ministry/").content.decode()
    assert "<h1>통일부</h1>" in detail


@pytest.mark.django_db
def test_english_pages_show_english_names_even_when_korean_ones_exist(client):
    korean_org()
    english = client.get("/organizations/").content.decode()
    assert "Ministry of Unification" in english
    assert "통일부" not in english


@pytest.mark.django_db
def test_korean_pages_fall_back_to_english_where_no_korean_is_written(client):
    org = make_org("Crossing Borders", slug="crossing-borders", summary="Cares for refugees.")
    issue = make_issue("Stateless Children", slug="stateless-children")
    org.issues.set([issue])
    korean = client.get("/ko/organizations/").content.decode()
    assert "Crossing Borders" in korean
    assert "Cares for refugees." in korean
    assert "Stateless Children" in client.get("/ko/issues/").content.decode()


@pytest.mark.django_db
def test_the_alternate_name_is_not_repeated_when_it_is_the_korean_name(client):
    korean_org(alternate_name="통일부")
    detail = client.get("/ko/organizations/ministry/").content.decode()
    assert "(통일부)" not in detail
    assert "(통일부)" in client.get("/organizations/ministry/").content.decode()


@pytest.mark.django_db
def test_a_focus_area_shows_its_korean_summary_in_place_of_its_description(client):
    make_focus_area(
        "Rescue",
        slug="rescue",
        description="Helping people reach safety.",
        name_ko="구출",
        summary_ko="안전한 곳에 이르도록 돕습니다.",
    )
    korean = client.get("/ko/focus-areas/").content.decode()
    assert "구출" in korean and "안전한 곳에 이르도록 돕습니다." in korean
    assert "Helping people reach safety." not in korean
    assert "Helping people reach safety." in client.get("/focus-areas/").content.decode()


@pytest.mark.django_db
def test_the_filters_name_issues_and_focus_areas_in_korean(client):
    korean_org()
    html = client.get("/ko/organizations/").content.decode()
    assert re.search(r"<option value=\"human-trafficking\"[^>]*>인신매매 \(1\)</option>", html)


@pytest.mark.django_db
def test_the_cached_card_and_page_are_kept_apart_by_language(client):
    korean_org(last_verified=date(2026, 1, 1))
    for _ in range(2):  # the second round is served from the caches
        assert "Ministry of Unification" in client.get("/").content.decode()
        korean = client.get("/ko/").content.decode()
        assert "통일부" in korean and "Ministry of Unification" not in korean


def test_localized_returns_korean_only_when_korean_is_active_and_written():
    issue = Issue(name="Child Labor", summary="Children work.", name_ko="아동 노동")
    assert issue.localized("name") == "Child Labor"
    with translation.override("ko"):
        assert issue.localized("name") == "아동 노동"
        assert issue.localized("summary") == "Children work."  # no Korean summary
        assert issue.localized("slug") == ""  # a field with no Korean version is as it is
    with translation.override("en"):
        assert issue.localized("name") == "Child Labor"


@pytest.mark.django_db
def test_the_admin_edits_the_korean_fields_next_to_the_english_ones(client):
    client.force_login(make_superuser())
    org = korean_org()
    program = make_program(org, "Settlement Support", slug="settlement")
    for url in (
        reverse("admin:directory_organization_change", args=[org.pk]),
        reverse("admin:directory_program_change", args=[program.pk]),
        reverse("admin:directory_issue_change", args=[Issue.objects.get().pk]),
        reverse("admin:directory_focusarea_add"),
    ):
        html = client.get(url).content.decode()
        assert 'name="name_ko"' in html and 'name="summary_ko"' in html, url
    organization_page = client.get(reverse("admin:directory_organization_change", args=[org.pk]))
    html = organization_page.content.decode()
    assert 'name="programs-0-name_ko"' in html
    assert html.index('name="name"') < html.index('name="name_ko"') < html.index('name="summary"')


# --- Korean search --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_korean_query_finds_an_organization_by_its_korean_name_and_summary(client):
    org = korean_org()
    other = make_org("Crossing Borders", slug="crossing-borders")
    for query in ("통일", "남북"):
        html = client.get(f"/ko/organizations/?q={query}").content.decode()
        assert f"/ko/organizations/{org.slug}/" in html
        assert f"/ko/organizations/{other.slug}/" not in html
    html = client.get("/ko/organizations/?q=통일").content.decode()
    assert "<mark>통일</mark>부" in html


@pytest.mark.django_db
def test_a_korean_query_finds_an_organization_by_its_issues_korean_name(client):
    org = korean_org(name_ko="", summary_ko="")
    html = client.get("/ko/organizations/?q=인신매매").content.decode()
    assert f"/ko/organizations/{org.slug}/" in html


@pytest.mark.django_db
def test_a_korean_query_finds_programs_and_issues_on_the_search_page(client):
    org = korean_org()
    make_program(org, "Settlement Support", slug="settlement", name_ko="정착 지원")
    index.refresh_issues(Issue.objects.values_list("pk", flat=True))
    html = client.get("/ko/search/?q=정착").content.decode()
    assert "<mark>정착</mark> 지원" in html
    html = client.get("/ko/search/?q=인신매매").content.decode()
    assert '<a href="/ko/issues/human-trafficking/"><mark>인신매매</mark></a>' in html


@pytest.mark.django_db
def test_editing_a_korean_name_in_the_admin_reindexes_it(client):
    client.force_login(make_superuser())
    area = make_focus_area("Rescue", slug="rescue")
    org = make_org("Crossing Borders", slug="crossing-borders", focus_areas=[area])
    url = reverse("admin:directory_focusarea_change", args=[area.pk])
    data = {"name": "Rescue", "name_ko": "구출", "slug": "rescue", "description": ""}
    data["summary_ko"] = ""
    assert client.post(url, data).status_code == 302
    client.logout()
    assert FocusArea.objects.get().name_ko == "구출"
    html = client.get("/ko/organizations/?q=구출").content.decode()
    assert f"/ko/organizations/{org.slug}/" in html


# --- The seed -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seed_loads_korean_names_and_a_second_run_changes_nothing():
    seed.load_file()
    assert Issue.objects.get(slug="human-trafficking").name_ko == "인신매매"
    assert FocusArea.objects.exclude(name_ko="").count() == FocusArea.objects.count()
    assert Organization.objects.get(slug="ministry-of-unification").name_ko == "통일부"
    assert Organization.objects.get(
        slug="citizens-alliance-for-north-korean-human-rights"
    ).name_ko == ("북한인권시민연합")
    assert Organization.objects.exclude(summary_ko="").count() == 7
    assert Program.objects.filter(summary_ko="").count() == 0
    assert not seed.load_file().changed
    assert not seed.load_file(update=True).changed


@pytest.mark.django_db
def test_the_seed_refuses_an_unknown_key_in_a_korean_entry(tmp_path):
    data = {
        "sources": [],
        "focus_areas": [
            {
                "slug": "rescue",
                "name": "Rescue",
                "description": "",
                "ko": {"name": "구출", "summary": "", "brief": "?"},
            }
        ],
        "issues": [],
        "organizations": [],
    }
    with pytest.raises(SeedError, match="focus area rescue ko: unknown keys \\['brief'\\]"):
        seed.load(data)
    assert not FocusArea.objects.exists()


@pytest.mark.django_db
def test_seeded_korean_queries_find_issues_and_organizations(client):
    seed.load_file()
    html = client.get("/ko/organizations/?q=탈북").content.decode()
    cards = re.findall(r'class="card__title"><a href="/ko/organizations/([^/"]+)/"', html)
    assert "liberty-in-north-korea" in cards
    assert "ministry-of-unification" in cards
    html = client.get("/ko/search/?q=인신매매").content.decode()
    assert '<a href="/ko/issues/human-trafficking/"><mark>인신매매</mark></a>' in html
    issues = re.search(r'id="group-issue".*?</section>', html, re.S).group(0)
    assert issues.index("/ko/issues/human-trafficking/") == issues.index("/ko/issues/")


# --- The catalogue --------------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list), flags."""

    def unquote(text: str) -> str:
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text[1:-1])

    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": "", "msgstr": []}
        field = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if field == "msgstr":
                    entry["msgstr"][-1] += unquote(line)
                else:
                    entry[field] += unquote(line)
            else:
                keyword, value = line.split(" ", 1)
                if keyword.startswith("msgstr"):
                    field = "msgstr"
                    entry["msgstr"].append(unquote(value))
                else:
                    field = keyword
                    entry[field] = unquote(value)
        if not entry.get("obsolete"):
            entries.append(entry)
    return entries


def test_every_message_in_the_korean_catalogue_is_translated():
    entries = _po_entries(CATALOGUE / "django.po")
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"][0]
    assert len(messages) > 200
    for entry in messages:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        assert entry["msgstr"] and all(entry["msgstr"]), f"untranslated: {entry['msgid']!r}"


def test_the_compiled_catalogue_matches_the_po_file():
    """django.mo is committed so a fresh clone needs no gettext; it must match django.po."""
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in _po_entries(CATALOGUE / "django.po")[1:]:
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            assert compiled.ngettext(msgid, entry["msgid_plural"], 1) == entry["msgstr"][0]
        else:
            assert compiled.gettext(msgid) == entry["msgstr"][0], msgid


def test_the_interface_is_translated_when_korean_is_active():
    from directory.forms import SuggestionForm
    from directory.ways_to_help import WAYS

    with translation.override("ko"):
        assert translation.gettext("Organizations") == "단체"
        assert translation.pgettext("navigation", "Volunteer") == "자원봉사"
        assert str(Organization.OrgType.GOVERNMENT.label) == "정부 기관"
        assert str(WAYS[0].label) == "후원하기"
        assert str(SuggestionForm().fields["name"].label) == "단체 이름"
        assert translation.ngettext("%(counter)s organization", "%(counter)s organizations", 3) % {
            "counter": 3
        } == ("단체 3곳")
    with translation.override("en"):
        assert str(WAYS[0].label) == "Donate"
