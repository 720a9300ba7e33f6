"""The seed loader and the `seed` and `rebuild_search_index` commands.

Most tests load a small seed written here, so they do not depend on the content of
fixtures/seed.json; the tests at the end check that file itself and skip while it is missing.
"""

import json
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory import seed
from directory.models import (
    MIN_YEAR,
    FocusArea,
    Issue,
    KeyFact,
    Opportunity,
    Organization,
    Program,
    SearchDocument,
    Skill,
    Source,
    Verification,
)
from directory.search import index, parse, search

pytestmark = pytest.mark.django_db

NOTHING_CHANGED = "nothing changed"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _seed_data() -> dict:
    """A small seed in the shape of fixtures/seed.json: two organizations, two issues."""
    return {
        "sources": [
            {
                "slug": "state-tip-2023",
                "title": "2023 Trafficking in Persons Report: North Korea",
                "publisher": "U.S. Department of State",
                "year": 2023,
                "url": "https://www.state.gov/reports/2023-trafficking-in-persons-report/",
            },
            {
                "slug": "unification-arrivals",
                "title": "North Korean defectors arriving in South Korea",
                "publisher": "Ministry of Unification",
                "year": 2024,
                "url": "https://www.unikorea.go.kr/",
            },
        ],
        "focus_areas": [
            {"slug": "rescue", "name": "Rescue", "description": "Getting people to safety."},
            {"slug": "child-care", "name": "Child care", "description": "Homes and schooling."},
        ],
        "issues": [
            {
                "slug": "north-korean-refugees",
                "name": "North Korean refugees",
                "summary": "People who fled North Korea and live in hiding or resettle.",
                "brief": "Most cross into **China** first.",
                "related": ["human-trafficking"],
                "facts": [
                    {
                        "statement": "Over 34,000 defectors have arrived in South Korea.",
                        "figure": "34,000+",
                        "year": 2024,
                        "source": "unification-arrivals",
                    }
                ],
            },
            {
                "slug": "human-trafficking",
                "name": "Human trafficking",
                "summary": "The sale of people, often women who fled into China.",
                "brief": "",
                "related": ["north-korean-refugees"],
                "facts": [
                    {
                        "statement": "North Korea is ranked Tier 3.",
                        "figure": "Tier 3",
                        "year": 2023,
                        "source": "state-tip-2023",
                    }
                ],
            },
        ],
        "organizations": [
            {
                "slug": "liberty-in-north-korea",
                "name": "Liberty in North Korea",
                "alternate_name": "LiNK",
                "summary": "Rescues North Korean refugees hiding in China.",
                "description": "Rescue and resettlement support.",
                "org_type": "nonprofit",
                "founded": 2004,
                "headquarters": "US",
                "countries": ["US", "KR", "CN"],
                "website": "https://www.libertyinnorthkorea.org/",
                "donate_url": "https://www.libertyinnorthkorea.org/donate",
                "volunteer_url": "",
                "email": "",
                "status": "published",
                "sources": ["state-tip-2023"],
                "issues": ["north-korean-refugees"],
                "focus_areas": ["rescue"],
                "identifiers": [
                    {
                        "identifier_scheme": "US-EIN",
                        "identifier_type": "Employer ID number",
                        "identifier": "00-0000000",
                    }
                ],
                "programs": [
                    {
                        "slug": "rescue",
                        "name": "Rescue",
                        "summary": "Safe passage out of China.",
                        "description": "",
                        "focus_areas": ["rescue"],
                        "issues": ["north-korean-refugees", "human-trafficking"],
                        "countries": ["CN"],
                        "active": True,
                        "url": "",
                    }
                ],
            },
            {
                "slug": "crossing-borders",
                "name": "Crossing Borders",
                "alternate_name": "",
                "summary": "Care for North Korean women and stateless children in China.",
                "description": "",
                "org_type": "faith_based",
                "founded": 2003,
                "headquarters": "US",
                "countries": ["CN"],
                "website": "https://crossingbordersnk.org/",
                "donate_url": "",
                "volunteer_url": "",
                "email": "",
                "status": "published",
                "sources": [],
                "issues": [],
                "focus_areas": ["child-care"],
                "identifiers": [],
                "programs": [
                    {
                        "slug": "refugee-care",
                        "name": "Refugee Care",
                        "summary": "Shelter for women in hiding.",
                        "description": "",
                        "focus_areas": [],
                        "issues": ["north-korean-refugees"],
                        "countries": ["CN"],
                        "active": True,
                        "url": "",
                    },
                    {
                        "slug": "orphan-care",
                        "name": "Orphan Care",
                        "summary": "Homes for stateless children.",
                        "description": "",
                        "focus_areas": ["child-care"],
                        "issues": [],
                        "countries": ["CN"],
                        "active": True,
                        "url": "",
                    },
                ],
            },
        ],
    }


def _directory_models():
    return apps.get_app_config("directory").get_models(include_auto_created=True)


def _snapshot() -> dict:
    """Every row of every directory table, m2m tables and search documents included."""
    return {
        model._meta.db_table: list(model.objects.order_by("pk").values_list())
        for model in _directory_models()
    }


def _counts() -> dict:
    return {model._meta.db_table: model.objects.count() for model in _directory_models()}


def _seed_command(*args, **options) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out, **options)
    return out.getvalue()


def _write(tmp_path, data) -> str:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _writes_during(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries if WRITES.match(query["sql"])]


def _found(words: str, kind: str = "organization") -> list[int]:
    return search(parse(words), kind)


# --- loading -------------------------------------------------------------------------------------


def test_the_seed_command_loads_a_seed_file(tmp_path):
    output = _seed_command(file=_write(tmp_path, _seed_data()))

    assert "Created:" in output
    assert "2 organizations" in output and "3 programs" in output
    link = Organization.objects.get(slug="liberty-in-north-korea")
    assert link.status == "published"
    assert link.alternate_name == "LiNK"
    assert link.founded == 2004
    assert link.headquarters_id == "US"
    assert link.last_verified is None
    assert not Verification.objects.exists()
    assert set(link.countries.values_list("code", flat=True)) == {"US", "KR", "CN"}
    assert [s.slug for s in link.sources.all()] == ["state-tip-2023"]
    assert [str(i) for i in link.identifiers.all()] == ["US-EIN 00-0000000"]
    rescue = link.programs.get(slug="rescue")
    assert {i.slug for i in rescue.issues.all()} == {"north-korean-refugees", "human-trafficking"}
    assert Source.objects.count() == 2
    assert FocusArea.objects.count() == 2
    assert KeyFact.objects.count() == 2


def test_load_returns_what_it_created():
    stats = seed.load(_seed_data())

    assert stats.changed
    assert stats.created == {
        "sources": 2,
        "focus areas": 2,
        "issues": 2,
        "key facts": 2,
        "organizations": 2,
        "organization identifiers": 1,
        "programs": 3,
    }
    assert stats.updated == {}


def test_the_seeded_organizations_and_programs_are_there():
    seed.load(_seed_data())

    crossing = Organization.objects.get(name="Crossing Borders")
    assert set(crossing.programs.values_list("name", flat=True)) == {"Refugee Care", "Orphan Care"}
    assert set(Organization.objects.published().values_list("slug", flat=True)) == {
        "liberty-in-north-korea",
        "crossing-borders",
    }


def test_related_issues_are_linked_both_ways():
    seed.load(_seed_data())

    refugees = Issue.objects.get(slug="north-korean-refugees")
    trafficking = Issue.objects.get(slug="human-trafficking")
    assert list(refugees.related.all()) == [trafficking]
    assert list(trafficking.related.all()) == [refugees]


def test_every_seeded_fact_has_its_source_and_year():
    seed.load(_seed_data())

    facts = {f.statement: (f.source.slug, f.year, f.position) for f in KeyFact.objects.all()}
    assert facts == {
        "Over 34,000 defectors have arrived in South Korea.": ("unification-arrivals", 2024, 0),
        "North Korea is ranked Tier 3.": ("state-tip-2023", 2023, 0),
    }


def test_a_fact_without_a_source_is_refused():
    data = _seed_data()
    del data["issues"][0]["facts"][0]["source"]

    with pytest.raises(seed.SeedError, match="missing keys \\['source'\\]"):
        seed.load(data)
    assert not Issue.objects.exists()


def test_a_fact_without_a_year_is_refused():
    data = _seed_data()
    data["issues"][0]["facts"][0]["year"] = None

    with pytest.raises(ValidationError):
        seed.load(data)
    assert not KeyFact.objects.exists()
    assert not Source.objects.exists()


def _opportunity(**changes) -> dict:
    """A volunteer opportunity in the shape of fixtures/seed.json, offered by LiNK."""
    return {
        "organization": "liberty-in-north-korea",
        "slug": "rescue-team-leader",
        "title": "Rescue team leader",
        "description": "Raise funds for rescues with friends.",
        "mode": "remote",
        "country": "",
        "apply_url": "https://www.libertyinnorthkorea.org/",
        "issues": ["north-korean-refugees"],
        "skills": ["Fundraising", "Public speaking"],
        **changes,
    }


def _seed_with_new_fields() -> dict:
    """The small seed with every optional field the format allows, and one opportunity."""
    data = _seed_data()
    data["sources"][0]["document_number"] = "TIP/2023"
    refugees = data["issues"][0]
    refugees["ko"] = {
        "name": "탈북민",
        "summary": "북한을 떠난 사람들",
        "brief": "대부분 **중국**을 거칩니다.",
    }
    refugees["facts"][0] |= {
        "statement_ko": "3만 4천 명이 넘는 탈북민이 한국에 왔습니다.",
        "estimated_by": "Ministry of Unification",
    }
    link = data["organizations"][0]
    link["ko"] = {"name": "링크", "summary": "구출", "description": "중국의 탈북민을 구출합니다."}
    link["advocacy_url"] = "https://www.libertyinnorthkorea.org/advocacy"
    link["fundraising_url"] = "https://www.libertyinnorthkorea.org/fundraise"
    link["programs"][0]["ko"] = {
        "name": "구출",
        "summary": "안전한 탈출",
        "description": "탈출 비용",
    }
    data["opportunities"] = [_opportunity()]
    return data


def test_the_seed_loads_korean_text_estimates_document_numbers_and_help_links():
    seed.load(_seed_with_new_fields())

    assert Source.objects.get(slug="state-tip-2023").document_number == "TIP/2023"
    assert Source.objects.get(slug="unification-arrivals").document_number == ""
    refugees = Issue.objects.get(slug="north-korean-refugees")
    assert (refugees.name_ko, refugees.brief_ko) == ("탈북민", "대부분 **중국**을 거칩니다.")
    fact = refugees.facts.get()
    assert fact.statement_ko == "3만 4천 명이 넘는 탈북민이 한국에 왔습니다."
    assert fact.estimated_by == "Ministry of Unification"
    assert KeyFact.objects.get(statement="North Korea is ranked Tier 3.").estimated_by == ""
    link = Organization.objects.get(slug="liberty-in-north-korea")
    assert link.description_ko == "중국의 탈북민을 구출합니다."
    assert link.advocacy_url == "https://www.libertyinnorthkorea.org/advocacy"
    assert link.fundraising_url == "https://www.libertyinnorthkorea.org/fundraise"
    assert link.programs.get(slug="rescue").description_ko == "탈출 비용"
    assert Organization.objects.get(slug="crossing-borders").advocacy_url == ""


def test_a_source_with_neither_url_nor_document_number_is_refused_and_nothing_is_written():
    data = _seed_data()
    data["sources"][1]["url"] = ""

    with pytest.raises(ValidationError, match="URL or its document number"):
        seed.load(data)
    assert not Source.objects.exists()
    assert not Issue.objects.exists()


def test_a_source_with_only_a_document_number_loads():
    data = _seed_data()
    data["sources"][1] |= {"url": "", "document_number": "A/70/362"}

    seed.load(data)

    assert Source.objects.get(slug="unification-arrivals").document_number == "A/70/362"


def test_an_update_validates_rows_that_predate_a_rule():
    """A source saved before sources needed a URL or number is refused by `update`."""
    seed.load(_seed_data())
    Source.objects.filter(slug="unification-arrivals").update(url="")
    data = _seed_data()
    data["sources"][1]["url"] = ""

    with pytest.raises(ValidationError):
        seed.load(data, update=True)


def test_seeded_listings_are_not_verified():
    data = _seed_data()

    seed.load(data)
    seed.load(data, update=True)

    assert set(Organization.objects.values_list("last_verified", flat=True)) == {None}
    assert not Verification.objects.exists()


def test_an_opportunity_loads_published_with_no_expiry():
    stats = seed.load(_seed_with_new_fields())

    opportunity = Opportunity.objects.get()
    assert opportunity.organization.slug == "liberty-in-north-korea"
    assert (opportunity.status, opportunity.expires, opportunity.country) == (
        "published",
        None,
        None,
    )
    assert [i.slug for i in opportunity.issues.all()] == ["north-korean-refugees"]
    assert set(opportunity.skills.values_list("slug", flat=True)) == {
        "fundraising",
        "public-speaking",
    }
    assert list(Opportunity.objects.visible()) == [opportunity]
    assert stats.created["opportunities"] == 1 and stats.created["skills"] == 2


def test_an_opportunity_takes_the_expiry_status_and_place_the_file_gives():
    data = _seed_with_new_fields()
    data["opportunities"] = [
        _opportunity(
            mode="onsite",
            country="KR",
            city="Seoul",
            time_commitment="Two evenings a week",
            expires="2030-01-31",
            status="draft",
        )
    ]

    seed.load(data)

    opportunity = Opportunity.objects.get()
    assert (opportunity.country_id, opportunity.city) == ("KR", "Seoul")
    assert opportunity.expires.isoformat() == "2030-01-31"
    assert opportunity.status == "draft"
    assert not Opportunity.objects.visible().exists()


def test_opportunities_are_stable_and_reset_only_with_update(tmp_path):
    path = _write(tmp_path, _seed_with_new_fields())
    _seed_command(file=path)
    rows = _snapshot()

    writes = _writes_during(lambda: _seed_command(file=path))
    assert writes == [] and _snapshot() == rows
    writes = _writes_during(lambda: _seed_command(file=path, update=True))
    assert writes == [] and _snapshot() == rows

    Opportunity.objects.update(title="Edited by a curator.")
    _seed_command(file=path)
    assert Opportunity.objects.get().title == "Edited by a curator."
    Opportunity.objects.all().delete()
    _seed_command(file=path)
    assert not Opportunity.objects.exists()

    output = _seed_command(file=path, update=True)

    assert "1 opportunities" in output
    assert Opportunity.objects.get().title == "Rescue team leader"


def test_an_opportunity_of_an_unknown_organization_is_refused():
    data = _seed_with_new_fields()
    data["opportunities"] = [_opportunity(organization="nobody")]

    with pytest.raises(seed.SeedError, match="'nobody'"):
        seed.load(data)
    assert not Opportunity.objects.exists()
    assert not Skill.objects.exists()


# --- running it again ----------------------------------------------------------------------------


def test_running_the_seed_twice_changes_nothing(tmp_path):
    path = _write(tmp_path, _seed_data())
    _seed_command(file=path)
    counts, rows = _counts(), _snapshot()
    updated = dict(Organization.objects.values_list("slug", "updated"))

    outputs = []
    writes = _writes_during(lambda: outputs.append(_seed_command(file=path)))

    assert NOTHING_CHANGED in outputs[0]
    assert writes == []
    assert _counts() == counts
    assert dict(Organization.objects.values_list("slug", "updated")) == updated
    assert _snapshot() == rows


def test_running_the_seed_twice_with_update_changes_nothing(tmp_path):
    path = _write(tmp_path, _seed_data())
    _seed_command(file=path)
    rows = _snapshot()

    outputs = []
    writes = _writes_during(lambda: outputs.append(_seed_command(file=path, update=True)))

    assert NOTHING_CHANGED in outputs[0]
    assert writes == []
    assert _snapshot() == rows


def test_a_curators_edit_survives_a_rerun_without_update(tmp_path):
    path = _write(tmp_path, _seed_data())
    _seed_command(file=path)
    link = Organization.objects.get(slug="liberty-in-north-korea")
    link.summary = "Edited by a curator."
    link.status = Organization.Status.REVIEW
    link.save()
    link.countries.remove("KR")
    Program.objects.filter(slug="orphan-care").update(summary="Curated.")

    output = _seed_command(file=path)

    assert NOTHING_CHANGED in output
    link.refresh_from_db()
    assert (link.summary, link.status) == ("Edited by a curator.", "review")
    assert set(link.countries.values_list("code", flat=True)) == {"US", "CN"}
    assert Program.objects.get(slug="orphan-care").summary == "Curated."


def test_update_resets_a_curators_edit_to_the_file(tmp_path):
    path = _write(tmp_path, _seed_data())
    _seed_command(file=path)
    link = Organization.objects.get(slug="liberty-in-north-korea")
    link.summary = "Edited by a curator."
    link.status = Organization.Status.ARCHIVED
    link.save()
    link.countries.remove("KR")
    Program.objects.filter(slug="orphan-care").update(summary="Curated.")
    index.refresh_organizations([link.pk])  # as the admin does on save
    assert link.pk not in _found("refugees")

    output = _seed_command(file=path, update=True)

    assert "Updated:" in output and "1 organizations" in output and "1 programs" in output
    link.refresh_from_db()
    assert link.summary == "Rescues North Korean refugees hiding in China."
    assert link.status == "published"
    assert set(link.countries.values_list("code", flat=True)) == {"US", "KR", "CN"}
    assert Program.objects.get(slug="orphan-care").summary == "Homes for stateless children."
    assert link.pk in _found("refugees")


def test_a_program_a_curator_deleted_comes_back_only_with_update(tmp_path):
    path = _write(tmp_path, _seed_data())
    _seed_command(file=path)
    Program.objects.filter(slug="orphan-care").delete()

    _seed_command(file=path)
    assert not Program.objects.filter(slug="orphan-care").exists()

    _seed_command(file=path, update=True)
    assert Program.objects.get(slug="orphan-care").organization.slug == "crossing-borders"


def test_a_new_organization_in_the_file_is_added_on_rerun():
    seed.load(_seed_data())
    data = _seed_data()
    helping = json.loads(json.dumps(data["organizations"][1]))
    helping.update(slug="helping-hands-korea", name="Helping Hands Korea", programs=[])
    data["organizations"].append(helping)

    stats = seed.load(data)

    assert stats.created == {"organizations": 1}
    assert Organization.objects.get(slug="helping-hands-korea").is_published
    assert _found("helping hands") == [Organization.objects.get(slug="helping-hands-korea").pk]


def _three_related_issues() -> dict:
    """The seed with a third issue, every issue related to the two others."""
    data = _seed_data()
    data["issues"].append(
        {
            "slug": "stateless-children",
            "name": "Stateless children",
            "summary": "Children of North Korean mothers in China, without papers.",
            "brief": "",
            "related": ["north-korean-refugees", "human-trafficking"],
            "facts": [],
        }
    )
    data["issues"][0]["related"] = ["human-trafficking", "stateless-children"]
    data["issues"][1]["related"] = ["north-korean-refugees", "stateless-children"]
    return data


def test_a_first_load_links_every_related_issue_the_file_declares():
    seed.load(_three_related_issues())

    trafficking = Issue.objects.get(slug="human-trafficking")
    assert {i.slug for i in trafficking.related.all()} == {
        "north-korean-refugees",
        "stateless-children",
    }


def test_a_first_load_links_the_first_issues_relations_both_ways():
    seed.load(_three_related_issues())

    refugees = Issue.objects.get(slug="north-korean-refugees")
    assert {i.slug for i in refugees.related.all()} == {"human-trafficking", "stateless-children"}
    assert Issue.objects.get(slug="stateless-children").related.filter(pk=refugees.pk).exists()


def test_update_reports_restored_related_issues():
    seed.load(_seed_data())
    Issue.objects.get(slug="north-korean-refugees").related.clear()

    stats = seed.load(_seed_data(), update=True)

    assert Issue.objects.get(slug="human-trafficking").related.count() == 1
    assert stats.changed


def test_update_keeps_a_relation_declared_on_one_side_only():
    data = _seed_data()
    data["issues"][1]["related"] = []
    seed.load(data)
    refugees = Issue.objects.get(slug="north-korean-refugees")
    assert refugees.related.count() == 1

    seed.load(data, update=True)

    assert [i.slug for i in refugees.related.all()] == ["human-trafficking"]


# --- refusing bad seeds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda d: d.update(extra=[]), id="top-level"),
        pytest.param(lambda d: d["sources"][1].update(isbn="x"), id="source"),
        pytest.param(lambda d: d["issues"][1].update(tags=[]), id="issue"),
        pytest.param(lambda d: d["organizations"][1].update(twitter="@x"), id="organization"),
        pytest.param(lambda d: d["organizations"][1]["programs"][1].update(budget=1), id="program"),
        pytest.param(
            lambda d: d["organizations"][0]["identifiers"][0].update(issued="2004"),
            id="identifier",
        ),
        pytest.param(
            lambda d: d["organizations"][0].update(last_verified="2025-01-15"),
            id="last_verified",
        ),
        pytest.param(lambda d: d["issues"][0]["facts"][0].update(note="x"), id="fact"),
        pytest.param(
            lambda d: d["issues"][0].update(ko={"name": "", "summary": "", "description": ""}),
            id="issue-korean",
        ),
        pytest.param(
            lambda d: d["organizations"][0].update(ko={"name": "", "summary": "", "brief": ""}),
            id="organization-korean",
        ),
        pytest.param(
            lambda d: d.update(opportunities=[{**_opportunity(), "paid": True}]),
            id="opportunity",
        ),
    ],
)
def test_an_unknown_key_raises_seed_error_and_writes_nothing(corrupt):
    data = _seed_data()
    corrupt(data)
    before = _snapshot()

    with pytest.raises(seed.SeedError, match="unknown keys"):
        seed.load(data)

    assert _snapshot() == before
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda d: d["issues"][0]["related"].append("famine"), "'famine'"),
        (lambda d: d["issues"][0]["facts"][0].update(source="cia"), "'cia'"),
        (lambda d: d["organizations"][1]["issues"].append("famine"), "'famine'"),
        (lambda d: d["organizations"][1]["sources"].append("cia"), "'cia'"),
        (lambda d: d["organizations"][1]["programs"][1]["focus_areas"].append("x"), "'x'"),
        (lambda d: d["organizations"][1]["countries"].append("XX"), "XX"),
        (lambda d: d["organizations"][1].update(headquarters="ZZ"), "ZZ"),
    ],
)
def test_an_unknown_reference_raises_seed_error_and_writes_nothing(corrupt, message):
    data = _seed_data()
    corrupt(data)
    before = _snapshot()

    with pytest.raises(seed.SeedError, match=message):
        seed.load(data)

    assert _snapshot() == before
    assert not Source.objects.exists()


def test_a_failed_rerun_leaves_the_earlier_load_untouched():
    seed.load(_seed_data())
    before = _snapshot()
    data = _seed_data()
    data["organizations"][0]["summary"] = "Changed."
    data["organizations"][1]["programs"][0]["issues"] = ["famine"]

    with pytest.raises(seed.SeedError):
        seed.load(data, update=True)

    assert _snapshot() == before


def test_a_javascript_link_in_the_seed_is_refused(tmp_path):
    data = _seed_data()
    data["organizations"][1]["donate_url"] = "javascript:alert(1)"

    with pytest.raises(CommandError, match="donate_url"):
        _seed_command(file=_write(tmp_path, data))

    assert not Organization.objects.exists()


def test_the_command_reports_a_seed_error_without_a_traceback(tmp_path):
    data = _seed_data()
    data["organizations"][0]["programs"][0]["issues"] = ["famine"]

    with pytest.raises(CommandError, match="organization liberty-in-north-korea program rescue"):
        _seed_command(file=_write(tmp_path, data))
    assert not Organization.objects.exists()


def test_a_missing_or_malformed_seed_file_is_a_command_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")

    with pytest.raises(CommandError, match=re.escape("missing.json")):
        _seed_command(file=str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match=re.escape("broken.json")):
        _seed_command(file=str(broken))


# --- the search index ----------------------------------------------------------------------------


def test_the_search_index_is_populated_by_the_seed():
    seed.load(_seed_data())

    link = Organization.objects.get(slug="liberty-in-north-korea")
    crossing = Organization.objects.get(slug="crossing-borders")
    assert link.pk in _found("refugee")
    assert _found("link") == [link.pk]
    assert _found("orphan care", "program") == [crossing.programs.get(slug="orphan-care").pk]
    assert _found("tier", "issue") == [Issue.objects.get(slug="human-trafficking").pk]


def test_a_draft_organization_in_the_seed_is_not_searchable():
    data = _seed_data()
    data["organizations"][1]["status"] = "draft"

    seed.load(data)

    assert _found("crossing borders") == []
    assert _found("orphan care", "program") == []


def test_rebuild_search_index_rebuilds_and_prints_the_count():
    seed.load(_seed_data())
    crossing = Organization.objects.get(slug="crossing-borders")
    Organization.objects.filter(pk=crossing.pk).update(status="draft")  # bypasses the index
    SearchDocument.objects.filter(kind="issue").delete()
    assert _found("crossing borders") == [crossing.pk]

    out = StringIO()
    call_command("rebuild_search_index", stdout=out)

    # 2 issues, then LiNK and its one program; Crossing Borders is now a draft.
    assert SearchDocument.objects.count() == 4
    assert out.getvalue().strip() == "Indexed 4 documents."
    assert _found("crossing borders") == []
    assert _found("tier", "issue") == [Issue.objects.get(slug="human-trafficking").pk]
    assert Organization.objects.get(slug="liberty-in-north-korea").pk in _found("refugee")


# --- fixtures/seed.json --------------------------------------------------------------------------

ARTICLE_ORGANIZATIONS = {
    "Liberty in North Korea": r"liberty in north korea",
    "PSCORE": r"pscore",
    "Citizens' Alliance": r"citizens['’]? alliance",
    "Crossing Borders": r"crossing borders",
    "Helping Hands Korea": r"helping hands korea",
    "C4ADS": r"c4ads",
    "Ministry of Unification": r"ministry of unification",
}


@pytest.fixture
def seed_file():
    if not seed.SEED_FILE.exists():
        pytest.skip(f"{seed.SEED_FILE} does not exist yet")
    return seed.SEED_FILE


@pytest.fixture
def seeded(seed_file) -> str:
    """Load fixtures/seed.json with the command; the command's output."""
    return _seed_command()


def _named(pattern: str) -> list[Organization]:
    """Organizations whose name or alternate name (PSCORE, LiNK...) matches."""
    return [
        org
        for org in Organization.objects.all()
        if re.search(pattern, f"{org.name} {org.alternate_name}", re.IGNORECASE)
    ]


def test_the_seed_file_loads(seeded):
    assert "Created:" in seeded
    assert Organization.objects.published().exists()
    assert Issue.objects.exists()
    assert Source.objects.exists()


@pytest.mark.parametrize("label", list(ARTICLE_ORGANIZATIONS))
def test_every_organization_the_articles_name_is_published(seeded, label):
    matches = _named(ARTICLE_ORGANIZATIONS[label])

    assert matches, f"no organization named like {label!r}"
    assert all(org.is_published for org in matches), matches


def test_crossing_borders_has_refugee_care_and_orphan_care(seeded):
    (crossing,) = _named(ARTICLE_ORGANIZATIONS["Crossing Borders"])

    names = set(crossing.programs.values_list("name", flat=True))
    assert {"Refugee Care", "Orphan Care"} <= names


def test_every_key_fact_in_the_seed_file_has_a_source_and_a_year(seed_file, seeded):
    data = json.loads(seed_file.read_text(encoding="utf-8"))
    facts = [fact for issue in data["issues"] for fact in issue["facts"]]
    this_year = timezone.localdate().year

    assert facts, "the seed file has no key facts"
    assert all(fact["source"] and isinstance(fact["year"], int) for fact in facts)
    assert KeyFact.objects.count() == len(facts)
    for fact in KeyFact.objects.select_related("source"):
        assert MIN_YEAR <= fact.year <= this_year, fact
        assert fact.source.title and fact.source.publisher, fact


def test_running_the_seed_file_twice_changes_nothing(seeded):
    counts, rows = _counts(), _snapshot()

    outputs = []
    writes = _writes_during(lambda: outputs.append(_seed_command()))

    assert NOTHING_CHANGED in outputs[0]
    assert writes == []
    assert _counts() == counts
    assert _snapshot() == rows


def test_the_seed_file_is_stable_under_update(seeded):
    rows = _snapshot()

    output = _seed_command(update=True)

    assert NOTHING_CHANGED in output
    assert _snapshot() == rows


def test_every_related_issue_link_in_the_seed_file_is_loaded(seed_file, seeded):
    data = json.loads(seed_file.read_text(encoding="utf-8"))
    declared = {issue["slug"]: set(issue["related"]) for issue in data["issues"]}

    loaded = {
        issue.slug: {related.slug for related in issue.related.all()}
        for issue in Issue.objects.prefetch_related("related")
    }

    assert loaded == declared


def test_searching_refugee_finds_link_after_seeding_the_file(seeded):
    (link,) = _named(ARTICLE_ORGANIZATIONS["Liberty in North Korea"])

    assert link.pk in _found("refugee")


def _seed_file_data(seed_file) -> dict:
    return json.loads(seed_file.read_text(encoding="utf-8"))


def test_every_key_fact_has_a_year_and_a_findable_dated_source(seed_file, seeded):
    data = _seed_file_data(seed_file)
    sources = {source["slug"]: source for source in data["sources"]}

    for issue in data["issues"]:
        for fact in issue["facts"]:
            source = sources[fact["source"]]
            assert isinstance(fact["year"], int), fact
            assert source["publisher"] and isinstance(source["year"], int), source
            assert source["url"] or source.get("document_number"), source
    for fact in KeyFact.objects.select_related("source"):
        assert fact.source.year, fact
        assert fact.source.url or fact.source.document_number, fact


def test_every_source_in_the_seed_file_can_be_found_again(seed_file, seeded):
    for source in Source.objects.all():
        assert source.url or source.document_number, source


def test_every_seeded_organization_is_unverified_and_has_a_source(seed_file, seeded):
    data = _seed_file_data(seed_file)

    assert all("last_verified" not in row for row in data["organizations"])
    assert not Verification.objects.exists()
    for org in Organization.objects.all():
        assert org.last_verified is None, org
        assert org.sources.exists(), org
        assert org.publishing_problem() is None, org


def test_everything_seeded_has_its_korean_text(seed_file, seeded):
    for org in Organization.objects.all():
        assert org.summary_ko and org.description_ko, org
    for program in Program.objects.all():
        assert program.name_ko and program.summary_ko and program.description_ko, program
    for issue in Issue.objects.all():
        assert issue.name_ko and issue.summary_ko and issue.brief_ko, issue
    for fact in KeyFact.objects.all():
        assert fact.statement_ko, fact
    for focus_area in FocusArea.objects.all():
        assert focus_area.name_ko and focus_area.summary_ko, focus_area


def _urls(value, key=""):
    """Every string the seed file holds under a key naming a link (url, website, ...)."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _urls(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _urls(item, key)
    elif isinstance(value, str) and (key.endswith("url") or key == "website") and value:
        yield key, value


def test_every_link_in_the_seed_file_is_http_or_https(seed_file):
    links = list(_urls(_seed_file_data(seed_file)))

    assert links, "the seed file has no links"
    for key, url in links:
        assert re.match(r"^https?://[^\s/]+\.[^\s]+$", url), (key, url)


def test_the_seed_files_opportunities_load_and_are_visible(seed_file, seeded):
    data = _seed_file_data(seed_file)

    assert data["opportunities"], "the seed file has no volunteer opportunities"
    assert Opportunity.objects.count() == len(data["opportunities"])
    assert Opportunity.objects.visible().count() == len(data["opportunities"])
    for opportunity in Opportunity.objects.select_related("organization"):
        assert opportunity.organization.is_published, opportunity
        assert opportunity.apply_url.startswith(("http://", "https://")), opportunity
