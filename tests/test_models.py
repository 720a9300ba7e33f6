"""Model behaviour: validation, the database's named constraints, querysets and rendering."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from directory import markdown
from directory.cards import for_cards
from directory.filters import countries_in_use
from directory.models import (
    MAX_YEAR,
    MIN_YEAR,
    Country,
    FocusArea,
    KeyFact,
    Organization,
    OrganizationIdentifier,
    Program,
    SearchDocument,
    Source,
)
from tests.factories import (
    make_fact,
    make_focus_area,
    make_issue,
    make_org,
    make_program,
    make_source,
)

pytestmark = pytest.mark.django_db

BAD_URLS = [
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "ftp://files.example.org/report.pdf",
]


def _org(**fields) -> Organization:
    """An unsaved organization that passes validation unless a field says otherwise."""
    fields.setdefault("name", "Crossing Borders")
    fields.setdefault("slug", "crossing-borders")
    fields.setdefault("summary", "Care for refugees and orphans.")
    return Organization(**fields)


def _violates(constraint: str):
    """Expect the database to refuse a write, naming the constraint it broke."""
    return pytest.raises(IntegrityError, match=constraint)


def _violates_unique(constraint: str, table: str, columns: list[str]):
    """PostgreSQL names a unique constraint when it is broken; SQLite lists its columns."""
    sqlite_message = ", ".join(f"{table}.{column}" for column in columns)
    return pytest.raises(IntegrityError, match=f"{constraint}|{sqlite_message}")


def _field_errors(obj) -> dict:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


# --- http(s)-only links ------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["website", "donate_url", "volunteer_url"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_validation_rejects_non_http_organization_links(field, url):
    errors = _field_errors(_org(**{field: url}))

    assert field in errors


@pytest.mark.parametrize("url", ["https://www.libertyinnorthkorea.org/", "http://example.org/x"])
def test_validation_accepts_http_and_https_links(url):
    _org(website=url, donate_url=url, volunteer_url=url).full_clean()


def test_it_rejects_javascript_urls_in_program_and_source_validation():
    org = make_org()
    program = Program(organization=org, name="Rescue", slug="rescue", url="javascript:alert(1)")
    source = Source(slug="s", title="T", publisher="P", year=2020, url="javascript:alert(1)")

    assert "url" in _field_errors(program)
    assert "url" in _field_errors(source)


def test_the_admin_form_field_rejects_javascript_urls():
    form_field = Organization._meta.get_field("website").formfield()

    with pytest.raises(ValidationError):
        form_field.clean("javascript:alert(1)")
    assert form_field.clean("https://example.org") == "https://example.org"


@pytest.mark.parametrize("field", ["website", "donate_url", "volunteer_url"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_the_database_rejects_non_http_organization_links_on_update(field, url):
    org = make_org()

    with _violates(f"directory_organization_{field}_http"), transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(**{field: url})

    org.refresh_from_db()
    assert getattr(org, field) == ""


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_database_rejects_non_http_organization_links_on_create(url):
    with _violates("directory_organization_website_http"), transaction.atomic():
        _org(website=url).save()

    assert not Organization.objects.exists()


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_database_rejects_non_http_program_urls(url):
    org = make_org()

    with _violates("directory_program_url_http"), transaction.atomic():
        Program.objects.create(organization=org, name="Rescue", slug="rescue", url=url)

    assert not Program.objects.exists()


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_database_rejects_non_http_source_urls(url):
    source = make_source()

    with _violates("directory_source_url_http"), transaction.atomic():
        Source.objects.filter(pk=source.pk).update(url=url)


def test_the_database_accepts_blank_and_http_links():
    org = make_org(website="", donate_url="http://example.org/give")
    Organization.objects.filter(pk=org.pk).update(volunteer_url="https://example.org/help")

    org.refresh_from_db()
    assert (org.website, org.volunteer_url) == ("", "https://example.org/help")


# --- years ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [MIN_YEAR - 1, MAX_YEAR + 1])
def test_the_database_rejects_founding_years_out_of_range(year):
    with _violates("directory_organization_founded_range"), transaction.atomic():
        _org(founded=year).save()


@pytest.mark.parametrize("year", [MIN_YEAR, MAX_YEAR])
def test_the_database_accepts_founding_years_at_the_bounds(year):
    _org(founded=year).save()

    assert Organization.objects.get().founded == year


def test_the_database_rejects_an_out_of_range_year_set_by_update():
    org = make_org(founded=2004)

    with _violates("directory_organization_founded_range"), transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(founded=1799)

    org.refresh_from_db()
    assert org.founded == 2004


@pytest.mark.parametrize("year", [MIN_YEAR - 1, MAX_YEAR + 1])
def test_the_database_rejects_out_of_range_source_and_fact_years(year):
    source = make_source()
    issue = make_issue()

    with _violates("directory_source_year_range"), transaction.atomic():
        Source.objects.filter(pk=source.pk).update(year=year)
    with _violates("directory_keyfact_year_range"), transaction.atomic():
        KeyFact.objects.create(issue=issue, statement="x", year=year, source=source)


def test_an_undated_source_is_allowed_but_a_fact_needs_a_year():
    source = make_source(year=None)

    assert str(source).endswith("(n.d.)")
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyFact.objects.create(issue=make_issue(), statement="x", year=None, source=source)


def test_validation_rejects_a_future_founding_year():
    next_year = timezone.localdate().year + 1

    errors = _field_errors(_org(founded=next_year))

    assert errors["founded"] == ["A year cannot be in the future."]


def test_validation_accepts_the_current_year():
    _org(founded=timezone.localdate().year).full_clean()


@pytest.mark.parametrize("year", [MIN_YEAR - 1, MAX_YEAR + 1])
def test_validation_rejects_founding_years_out_of_range(year):
    assert "founded" in _field_errors(_org(founded=year))


def test_validation_rejects_future_years_on_facts_and_sources():
    next_year = timezone.localdate().year + 1
    source = make_source()
    fact = KeyFact(issue=make_issue(), statement="x", year=next_year, source=source)

    assert "year" in _field_errors(fact)
    assert "year" in _field_errors(Source(slug="s", title="T", publisher="P", year=next_year))


# --- other named constraints ---------------------------------------------------------------------


def test_the_database_rejects_an_unknown_status():
    org = make_org()

    with _violates("directory_organization_status_valid"), transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(status="deleted")


def test_the_database_rejects_a_blank_organization_name():
    org = make_org()

    with _violates("directory_organization_name_not_blank"), transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(name="")


def test_the_database_rejects_a_country_code_that_is_not_two_capitals():
    with _violates("directory_country_code_alpha2"), transaction.atomic():
        Country.objects.create(code="k1", name="Nowhere")


def test_an_identifier_is_unique_per_organization_but_may_repeat_across_organizations():
    first, second = make_org(), make_org()
    OrganizationIdentifier.objects.create(
        organization=first, identifier_scheme="US-EIN", identifier="20-0000000"
    )
    OrganizationIdentifier.objects.create(
        organization=second, identifier_scheme="US-EIN", identifier="20-0000000"
    )

    with (
        _violates_unique(
            "directory_identifier_unique_per_org",
            "directory_organizationidentifier",
            ["organization_id", "identifier_scheme", "identifier"],
        ),
        transaction.atomic(),
    ):
        OrganizationIdentifier.objects.create(
            organization=first, identifier_scheme="US-EIN", identifier="20-0000000"
        )
    assert OrganizationIdentifier.objects.count() == 2


def test_program_slugs_are_unique_per_organization():
    org = make_org()
    make_program(org, "Refugee Care", slug="refugee-care")

    with (
        _violates_unique(
            "directory_program_slug_unique_per_org",
            "directory_program",
            ["organization_id", "slug"],
        ),
        transaction.atomic(),
    ):
        Program.objects.create(organization=org, name="Refugee Care 2", slug="refugee-care")
    duplicate = Program(organization=org, name="Refugee Care 2", slug="refugee-care")
    assert "__all__" in _field_errors(duplicate)
    assert org.programs.count() == 1


def test_two_organizations_may_use_the_same_program_slug():
    first, second = make_org(), make_org()
    make_program(first, "Refugee Care", slug="refugee-care")

    program = Program(organization=second, name="Refugee Care", slug="refugee-care")
    program.full_clean()
    program.save()

    assert Program.objects.filter(slug="refugee-care").count() == 2


def test_organization_slugs_are_unique():
    make_org(slug="link")

    with pytest.raises(IntegrityError), transaction.atomic():
        _org(slug="link").save()


# --- defaults and querysets ----------------------------------------------------------------------


def test_a_new_organization_is_a_draft():
    org = Organization.objects.create(name="New", slug="new", summary="s")

    assert org.status == Organization.Status.DRAFT
    assert not org.is_published


def test_published_returns_only_published_organizations():
    published = make_org()
    for status in ("draft", "review", "archived"):
        make_org(status=status)

    assert list(Organization.objects.published()) == [published]
    assert published.is_published


def test_review_due_includes_never_verified_and_stale_listings_and_excludes_recent_ones():
    today = timezone.localdate()
    never = make_org(last_verified=None)
    stale = make_org(last_verified=today - timedelta(days=400))
    just_over = make_org(last_verified=today - timedelta(days=366))
    on_the_day = make_org(last_verified=today - timedelta(days=365))
    recent = make_org(last_verified=today - timedelta(days=10))

    due = set(Organization.objects.review_due())

    assert due == {never, stale, just_over}
    assert on_the_day not in due and recent not in due
    assert [o.is_review_due() for o in (never, stale, on_the_day, recent)] == [
        True,
        True,
        False,
        False,
    ]


def test_review_due_counts_from_the_given_day():
    verified = timezone.localdate() - timedelta(days=10)
    org = make_org(last_verified=verified)
    later = verified + timedelta(days=366)

    assert list(Organization.objects.review_due(today=later)) == [org]
    assert org.is_review_due(today=later)
    assert not Organization.objects.review_due(today=verified).exists()


def test_review_due_follows_the_setting(settings):
    settings.REVIEW_DUE_DAYS = 5
    org = make_org(last_verified=timezone.localdate() - timedelta(days=10))

    assert list(Organization.objects.review_due()) == [org]


def test_addressing_includes_direct_and_program_only_organizations_once():
    issue = make_issue("Human trafficking")
    direct = make_org(issues=[issue])
    through_program = make_org()
    make_program(through_program, issues=[issue])
    both = make_org(issues=[issue])
    make_program(both, issues=[issue])
    make_program(both, issues=[issue])
    other = make_org(issues=[make_issue()])
    make_program(other, issues=[make_issue()])

    found = list(Organization.objects.addressing(issue))

    assert sorted(o.pk for o in found) == sorted([direct.pk, through_program.pk, both.pk])
    assert Organization.objects.addressing(issue).count() == 3


def test_addressing_combines_with_published():
    issue = make_issue()
    make_org(issues=[issue], status="draft")
    published = make_org(issues=[issue])

    assert list(Organization.objects.published().addressing(issue)) == [published]


def test_with_focus_includes_direct_and_program_focus_once():
    rescue = make_focus_area("Rescue")
    direct = make_org(focus_areas=[rescue])
    through_program = make_org()
    make_program(through_program, focus_areas=[rescue])
    both = make_org(focus_areas=[rescue])
    make_program(both, focus_areas=[rescue])
    make_org(focus_areas=[make_focus_area()])

    found = list(Organization.objects.with_focus(rescue))

    assert sorted(o.pk for o in found) == sorted([direct.pk, through_program.pk, both.pk])


def test_working_in_covers_countries_of_operation_headquarters_and_program_countries():
    korea = Country.objects.get(pk="KR")
    operates = make_org(countries=["KR", "CN"])
    headquartered = make_org(headquarters=korea)
    through_program = make_org(countries=["US"])
    make_program(through_program, countries=["KR"])
    everywhere = make_org(countries=["KR"], headquarters=korea)
    make_program(everywhere, countries=["KR"])
    elsewhere = make_org(countries=["US"], headquarters=Country.objects.get(pk="US"))
    make_program(elsewhere, countries=["JP"])

    found = list(Organization.objects.working_in(korea))

    assert sorted(o.pk for o in found) == sorted(
        [operates.pk, headquartered.pk, through_program.pk, everywhere.pk]
    )


def test_offering_help_needs_the_link():
    donations = make_org(donate_url="https://example.org/give")
    volunteers = make_org(volunteer_url="https://example.org/help")

    assert list(Organization.objects.offering_help("donate")) == [donations]
    assert list(Organization.objects.offering_help("volunteer")) == [volunteers]


def test_countries_in_use_are_those_of_published_organizations_and_their_current_programs():
    org = make_org(countries=["KR"], headquarters=Country.objects.get(pk="US"))
    make_program(org, countries=["TH"])
    make_program(org, countries=["LA"], active=False)
    make_org(countries=["JP"], status="draft")

    assert countries_in_use() == ["KR", "TH", "US"]


def test_issues_addressed_reports_the_direct_flag_and_the_programs():
    trafficking = make_issue("Human trafficking")
    refugees = make_issue("Refugees")
    orphans = make_issue("Orphans")
    org = make_org(issues=[trafficking, refugees])
    care = make_program(org, "Refugee Care", issues=[refugees])
    orphan_care = make_program(org, "Orphan Care", issues=[orphans, refugees])

    addressed = for_cards(Organization.objects.all()).get(pk=org.pk).issues_addressed()

    by_issue = {
        issue.name: (direct, {p.name for p in programs}) for issue, direct, programs in addressed
    }
    assert [issue.name for issue, _, _ in addressed] == ["Human trafficking", "Orphans", "Refugees"]
    assert by_issue == {
        "Human trafficking": (True, set()),
        "Orphans": (False, {orphan_care.name}),
        "Refugees": (True, {care.name, orphan_care.name}),
    }


def test_issues_addressed_reads_prefetched_data_without_queries(django_assert_num_queries):
    issue = make_issue()
    org = make_org(issues=[issue])
    make_program(org, issues=[make_issue()])
    org = for_cards(Organization.objects.all()).get(pk=org.pk)

    with django_assert_num_queries(0):
        assert len(org.issues_addressed()) == 2


def test_issues_addressed_is_empty_for_an_organization_without_issues():
    assert make_org().issues_addressed() == []


# --- __str__ and countries -----------------------------------------------------------------------


def test_each_model_has_a_readable_str():
    issue = make_issue("Human trafficking")
    source = make_source(publisher="U.S. Department of State", title="TIP Report", year=2023)
    org = make_org("Liberty in North Korea")
    identifier = OrganizationIdentifier.objects.create(
        organization=org, identifier_scheme="US-EIN", identifier="20-1234567"
    )
    document = SearchDocument.objects.get(kind="organization", object_id=org.pk)

    assert str(org) == "Liberty in North Korea"
    assert str(make_program(org, "Rescue")) == "Rescue"
    assert str(issue) == "Human trafficking"
    assert str(FocusArea.objects.create(name="Advocacy", slug="advocacy")) == "Advocacy"
    assert str(source) == "U.S. Department of State, TIP Report (2023)"
    assert str(make_fact(issue, statement="Most are women.", source=source)) == "Most are women."
    assert str(identifier) == "US-EIN 20-1234567"
    assert str(Country.objects.get(pk="KR")) == "South Korea"
    assert str(document) == f"organization {org.pk}"


def test_the_country_table_is_loaded_by_migration():
    korea = Country.objects.get(pk="KR")

    assert korea.name == "South Korea"
    assert Country.objects.get(pk="KP").name == "North Korea"
    assert Country.objects.count() >= 249
    assert not Country.objects.exclude(code__regex=r"^[A-Z]{2}$").exists()


def test_absolute_urls_use_slugs():
    org = make_org(slug="crossing-borders")
    program = make_program(org, slug="orphan-care")
    issue = make_issue(slug="human-trafficking")

    assert org.get_absolute_url() == "/organizations/crossing-borders/"
    assert program.get_absolute_url() == "/organizations/crossing-borders/#program-orphan-care"
    assert issue.get_absolute_url() == "/issues/human-trafficking/"


# --- markdown ------------------------------------------------------------------------------------


def test_markdown_strips_script_tags_and_their_content():
    html = markdown.render("Hello <script>alert('x')</script> world")

    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html and "world" in html


def test_markdown_strips_event_handler_attributes():
    html = markdown.render('<p onclick="alert(1)">Hi</p>\n\n<img src=x onerror="alert(2)">')

    assert "onclick" not in html
    assert "onerror" not in html
    assert "alert" not in html
    assert "Hi" in html


def test_markdown_strips_javascript_links():
    html = markdown.render('[click](javascript:alert(1)) and <a href="javascript:alert(2)">x</a>')

    assert "javascript" not in html
    assert "click" in html


def test_markdown_keeps_bold_and_http_links_with_a_safe_rel():
    html = markdown.render("**Refugees** need [help](https://www.libertyinnorthkorea.org/).")

    assert "<strong>Refugees</strong>" in html
    assert 'href="https://www.libertyinnorthkorea.org/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_markdown_of_nothing_is_empty():
    assert markdown.render("") == ""
    assert markdown.render(None) == ""
