"""The curation admin as curators use it: lists, filters, forms, actions and the search index."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from directory.models import (
    Country,
    Issue,
    KeyFact,
    Organization,
    OrganizationIdentifier,
    Program,
    Source,
)
from directory.search import index, parse, search
from tests.factories import (
    admin_change_url,
    make_fact,
    make_focus_area,
    make_issue,
    make_org,
    make_program,
    make_source,
)
from tests.forms import add_inline, filled_form, rendered_form

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/directory/organization/"
ADD = "/admin/directory/organization/add/"


def _found(words: str, kind: str = "organization") -> list[int]:
    return search(parse(words), kind)


def _listed(admin_client, **params) -> set[Organization]:
    """The organizations the changelist shows for these GET parameters."""
    response = admin_client.get(CHANGELIST, params)
    assert response.status_code == 200
    return set(response.context["cl"].queryset)


def _act(admin_client, action: str, *orgs):
    return admin_client.post(
        CHANGELIST, {"action": action, "_selected_action": [o.pk for o in orgs]}, follow=True
    )


def _add_form(client, **overrides) -> dict:
    """The organization add form as a curator fills it in: one program added with "Add
    another", and a source, as publishing needs."""
    source = make_source()
    data = filled_form(
        client,
        ADD,
        name="Crossing Borders",
        slug="crossing-borders",
        summary="Care for North Korean refugees and their children in China.",
        description="Shelter, food and **schooling**.",
        org_type="faith_based",
        founded="2003",
        headquarters="US",
        countries=["CN", "KR"],
        website="https://crossingbordersnk.org/",
        status="published",
        sources=[str(source.pk)],
    )
    data = add_inline(
        data,
        "programs",
        name="Orphan Care",
        slug="orphan-care",
        summary="Homes for stateless children.",
        countries=["CN"],
    )
    return data | overrides


# --- the changelist ------------------------------------------------------------------------------


def test_the_changelist_shows_status_and_last_verified(admin_client):
    verified = date(2024, 3, 5)
    make_org("Liberty in North Korea", last_verified=verified)
    make_org("PSCORE", status="draft")

    response = admin_client.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert "column-status" in html and "column-last_verified" in html
    assert "Liberty in North Korea" in html and "PSCORE" in html
    assert formats.date_format(verified) in html
    assert ">Published<" in html and ">Draft<" in html


def test_the_status_filter(admin_client):
    published = make_org()
    draft = make_org(status="draft")

    assert _listed(admin_client, status__exact="published") == {published}
    assert _listed(admin_client, status__exact="draft") == {draft}
    assert _listed(admin_client) == {published, draft}


def test_the_type_filter(admin_client):
    government = make_org("Ministry of Unification", org_type="government")
    make_org(org_type="nonprofit")

    assert _listed(admin_client, org_type__exact="government") == {government}


def test_the_review_due_filter(admin_client):
    today = timezone.localdate()
    never = make_org(last_verified=None)
    stale = make_org(last_verified=today - timedelta(days=400))
    recent = make_org(last_verified=today - timedelta(days=30))

    assert _listed(admin_client, review_due="yes") == {never, stale}
    assert _listed(admin_client, review_due="no") == {recent}


def test_the_issue_filter(admin_client):
    trafficking = make_issue("Human trafficking")
    addressing = make_org(issues=[trafficking])
    make_org(issues=[make_issue()])

    assert _listed(admin_client, issues__id__exact=trafficking.pk) == {addressing}


def test_the_focus_area_filter(admin_client):
    rescue = make_focus_area("Rescue")
    rescuers = make_org(focus_areas=[rescue])
    make_org(focus_areas=[make_focus_area()])

    assert _listed(admin_client, focus_areas__id__exact=rescue.pk) == {rescuers}


def test_the_country_filter_offers_only_countries_in_use(admin_client):
    in_korea = make_org(countries=["KR"])
    make_org(countries=["JP"])

    response = admin_client.get(CHANGELIST)
    country_filter = next(
        spec
        for spec in response.context["cl"].filter_specs
        if spec.title == "countries of operation"
    )

    assert {code for code, _ in country_filter.lookup_choices} == {"KR", "JP"}
    assert _listed(admin_client, countries__code__exact="KR") == {in_korea}


def test_the_changelist_search_covers_name_alternate_name_and_summary(admin_client):
    link = make_org("Liberty in North Korea", alternate_name="LiNK", summary="Rescues refugees.")
    pscore = make_org("PSCORE", summary="Education for defectors.")

    assert _listed(admin_client, q="LiNK") == {link}
    assert _listed(admin_client, q="defectors") == {pscore}
    assert _listed(admin_client, q="no such organization") == set()


def test_the_changelist_query_count_does_not_grow_with_organizations(admin_client):
    def populate(count):
        for n in range(count):
            org = make_org(
                issues=[make_issue()],
                focus_areas=[make_focus_area()],
                countries=["KR", "CN"],
                headquarters=Country.objects.get(pk="US" if n % 2 else "KR"),
                last_verified=timezone.localdate() - timedelta(days=n * 30),
            )
            make_program(org, issues=[make_issue()])

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries), len(response.context["cl"].result_list)

    populate(1)
    with_one, shown = count_queries()
    assert shown == 1
    populate(29)
    with_thirty, shown = count_queries()
    assert shown == 30

    assert with_thirty == with_one


# --- adding and editing --------------------------------------------------------------------------


def test_adding_an_organization_with_a_program_inline(admin_client):
    orphans = make_issue("Orphans")
    care = make_focus_area("Child care")

    response = admin_client.post(
        ADD,
        _add_form(
            admin_client,
            issues=[orphans.pk],
            **{"programs-0-issues": [orphans.pk], "programs-0-focus_areas": [care.pk]},
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    org = Organization.objects.get(slug="crossing-borders")
    assert org.status == "published"
    assert org.headquarters_id == "US"
    assert set(org.countries.values_list("code", flat=True)) == {"CN", "KR"}
    assert list(org.issues.all()) == [orphans]
    program = org.programs.get()
    assert (program.name, program.slug, program.active) == ("Orphan Care", "orphan-care", True)
    assert list(program.issues.all()) == [orphans]
    assert list(program.focus_areas.all()) == [care]
    assert list(program.countries.values_list("code", flat=True)) == ["CN"]


def test_a_new_published_organization_is_searchable_at_once(admin_client):
    response = admin_client.post(
        ADD,
        _add_form(
            admin_client,
        ),
    )

    assert response.status_code == 302
    org = Organization.objects.get(slug="crossing-borders")
    program = org.programs.get()
    assert _found("crossing borders") == [org.pk]
    assert _found("stateless") == [org.pk]  # the program's summary is part of the listing
    assert _found("orphan care", "program") == [program.pk]


def test_a_new_draft_organization_is_not_searchable(admin_client):
    response = admin_client.post(ADD, _add_form(admin_client, status="draft"))

    assert response.status_code == 302
    assert Organization.objects.get(slug="crossing-borders").status == "draft"
    assert _found("crossing borders") == []
    assert _found("orphan care", "program") == []


def test_the_add_form_rejects_a_javascript_link(admin_client):
    response = admin_client.post(ADD, _add_form(admin_client, website="javascript:alert(1)"))

    assert response.status_code == 200
    assert "website" in response.context["adminform"].form.errors
    assert not Organization.objects.exists()


def test_the_add_form_rejects_two_programs_with_one_slug(admin_client):
    data = _add_form(
        admin_client,
        **{
            "programs-TOTAL_FORMS": "2",
            "programs-1-name": "Orphan Care again",
            "programs-1-slug": "orphan-care",
            "programs-1-active": "on",
        },
    )

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    assert not Organization.objects.exists()
    assert not Program.objects.exists()


def test_adding_an_identifier_inline(admin_client):
    data = _add_form(
        admin_client,
        **{
            "identifiers-TOTAL_FORMS": "1",
            "identifiers-0-identifier_scheme": "US-EIN",
            "identifiers-0-identifier_type": "Employer ID number",
            "identifiers-0-identifier": "20-1234567",
        },
    )

    response = admin_client.post(ADD, data)

    assert response.status_code == 302
    identifier = OrganizationIdentifier.objects.get()
    assert identifier.organization.slug == "crossing-borders"
    assert str(identifier) == "US-EIN 20-1234567"


def test_editing_an_organization_reindexes_it(admin_client):
    org = make_org("PSCORE", summary="Education for defectors.")
    data = rendered_form(admin_client.get(admin_change_url(org)))

    response = admin_client.post(
        admin_change_url(org), {**data, "summary": "Tutoring for defectors."}
    )

    assert response.status_code == 302
    assert _found("tutoring") == [org.pk]


def test_unpublishing_in_the_change_form_removes_it_from_search(admin_client):
    org = make_org("PSCORE")
    make_program(org, "Tutoring")
    data = rendered_form(admin_client.get(admin_change_url(org)))

    response = admin_client.post(admin_change_url(org), {**data, "status": "draft"})

    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).status == "draft"
    assert _found("pscore") == []
    assert _found("tutoring", "program") == []


# --- actions -------------------------------------------------------------------------------------


def test_publish_action_publishes_and_indexes(admin_client):
    first = make_org("Crossing Borders", status="draft")
    second = make_org("Helping Hands Korea", status="review")

    response = _act(admin_client, "publish", first, second)

    assert response.status_code == 200
    assert "2 organizations published." in response.content.decode()
    assert set(Organization.objects.values_list("status", flat=True)) == {"published"}
    assert _found("crossing borders") == [first.pk]
    assert _found("helping hands") == [second.pk]


def test_send_to_review_action_takes_it_off_the_public_index(admin_client):
    org = make_org("Crossing Borders")
    other = make_org("Helping Hands Korea")

    _act(admin_client, "send_to_review", org)

    assert Organization.objects.get(pk=org.pk).status == "review"
    assert Organization.objects.get(pk=other.pk).status == "published"
    assert _found("crossing borders") == []
    assert _found("helping hands") == [other.pk]


def test_archive_action_archives_and_drops_it_from_search(admin_client):
    org = make_org("Crossing Borders")
    program = make_program(org, "Orphan Care")
    assert _found("crossing borders") == [org.pk]
    before = Organization.objects.get(pk=org.pk).updated

    response = _act(admin_client, "archive", org)

    assert "1 organization archived." in response.content.decode()
    org.refresh_from_db()
    assert org.status == "archived"
    assert org.updated > before
    assert _found("crossing borders") == []
    assert _found("orphan care", "program") == []
    assert Program.objects.filter(pk=program.pk).exists()


def _record_verification(client, org, **checks):
    data = add_inline(
        rendered_form(client.get(admin_change_url(org))),
        "verifications",
        **dict.fromkeys(checks, "on"),
    )
    return client.post(admin_change_url(org), data)


def test_recording_a_verification_sets_last_verified_and_who_checked(admin_client):
    stale = make_org(last_verified=date(2020, 1, 1))
    untouched = make_org(last_verified=date(2020, 1, 1))

    response = _record_verification(admin_client, stale, website_answers=True, sources_reread=True)

    assert response.status_code == 302, response.context["adminform"].form.errors
    verification = stale.verifications.get(verified_on=timezone.localdate())
    assert verification.website_answers and verification.sources_reread
    assert not verification.registration_confirmed
    assert verification.verified_by.username == "admin"
    assert Organization.objects.get(pk=stale.pk).last_verified == timezone.localdate()
    assert list(Organization.objects.review_due()) == [untouched]


def test_a_verification_that_checked_nothing_is_refused(admin_client):
    org = make_org(last_verified=None)

    response = _record_verification(admin_client, org)

    assert response.status_code == 200
    assert "Tick at least one thing you checked." in response.content.decode()
    assert not org.verifications.exists()
    assert Organization.objects.get(pk=org.pk).last_verified is None


def test_the_review_column_warns_about_due_listings_and_not_about_current_ones(admin_client):
    today = timezone.localdate()
    make_org("Never Checked", last_verified=None)
    make_org("Long Ago", last_verified=today - timedelta(days=400))
    make_org("Recent", last_verified=today - timedelta(days=30))

    html = admin_client.get(CHANGELIST).content.decode()

    assert "<strong>Due: never verified</strong>" in html
    assert "<strong>Due</strong>" in html
    assert html.count("Up to date</td>") == 1


def test_organizations_cannot_be_deleted(admin_client):
    org = make_org()

    assert admin_client.get(f"/admin/directory/organization/{org.pk}/delete/").status_code == 403
    response = admin_client.post(f"/admin/directory/organization/{org.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Organization.objects.filter(pk=org.pk).exists()


def test_delete_selected_is_not_an_organization_action(admin_client):
    org = make_org()

    response = admin_client.get(CHANGELIST)
    actions = {name for name, _ in response.context["action_form"].fields["action"].choices}

    assert {"publish", "send_to_review", "archive"} <= actions
    assert "delete_selected" not in actions
    _act(admin_client, "delete_selected", org)
    assert Organization.objects.filter(pk=org.pk).exists()


# --- the other admins ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["program", "issue", "focusarea", "source", "country"])
def test_the_other_changelists_and_add_forms_load(admin_client, model):
    org = make_org()
    issue = make_issue()
    make_program(org, issues=[issue])
    make_fact(issue)
    make_focus_area()

    assert admin_client.get(f"/admin/directory/{model}/").status_code == 200
    if model != "country":
        assert admin_client.get(f"/admin/directory/{model}/add/").status_code == 200


def test_the_change_forms_load(admin_client):
    org = make_org()
    issue = make_issue()
    objects = [
        org,
        make_program(org, issues=[issue]),
        issue,
        make_fact(issue).source,
        make_focus_area(),
        Country.objects.get(pk="KR"),
    ]

    for obj in objects:
        assert admin_client.get(admin_change_url(obj)).status_code == 200, obj


def test_the_issue_change_form_shows_its_key_facts(admin_client):
    issue = make_issue("Human trafficking")
    make_fact(issue, statement="Most North Korean women in China were trafficked.")

    response = admin_client.get(admin_change_url(issue))

    assert "Most North Korean women in China were trafficked." in response.content.decode()
    assert response.context["inline_admin_formsets"][0].formset.prefix == "facts"


def test_adding_an_issue_with_a_key_fact(admin_client):
    source = make_source(title="Trafficking in Persons Report", year=2023)
    add = "/admin/directory/issue/add/"
    data = filled_form(
        admin_client,
        add,
        name="Human trafficking",
        slug="human-trafficking",
        summary="Forced labour and sale of people.",
    )
    data = add_inline(
        data,
        "facts",
        statement="Tier 3 for the 21st year.",
        figure="Tier 3",
        year="2023",
        source=str(source.pk),
    )

    response = admin_client.post("/admin/directory/issue/add/", data)

    assert response.status_code == 302
    fact = KeyFact.objects.get()
    assert (fact.issue.slug, fact.source, fact.year) == ("human-trafficking", source, 2023)
    assert _found("trafficking", "issue") == [fact.issue.pk]


def test_a_key_fact_needs_a_source(admin_client):
    data = filled_form(
        admin_client,
        "/admin/directory/issue/add/",
        name="Human trafficking",
        slug="human-trafficking",
        summary="s",
    )
    data = add_inline(data, "facts", statement="An unsourced claim.", year="2023", source="")

    response = admin_client.post("/admin/directory/issue/add/", data)

    assert response.status_code == 200
    assert not Issue.objects.exists()
    assert not KeyFact.objects.exists()


def test_renaming_an_issue_reindexes_the_organizations_that_address_it(admin_client):
    issue = make_issue("Human trafficking")
    make_fact(issue)
    direct = make_org("Helping Hands Korea", issues=[issue])
    through_program = make_org("Crossing Borders")
    make_program(through_program, issues=[issue])
    bystander = make_org("C4ADS")
    assert _found("zoonotic") == []
    data = rendered_form(admin_client.get(admin_change_url(issue)))

    response = admin_client.post(admin_change_url(issue), {**data, "name": "Zoonotic smuggling"})

    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).name == "Zoonotic smuggling"
    assert KeyFact.objects.filter(issue=issue).count() == 1
    assert sorted(_found("zoonotic")) == sorted([direct.pk, through_program.pk])
    assert bystander.pk not in _found("zoonotic")
    assert _found("zoonotic", "issue") == [issue.pk]


def test_adding_a_program_in_the_program_admin_indexes_it(admin_client):
    org = make_org("Crossing Borders")
    data = {
        "organization": org.pk,
        "name": "Refugee Care",
        "slug": "refugee-care",
        "summary": "Shelter for refugees.",
        "description": "",
        "active": "on",
        "url": "",
    }

    response = admin_client.post("/admin/directory/program/add/", data)

    assert response.status_code == 302
    program = Program.objects.get(slug="refugee-care")
    assert _found("refugee care", "program") == [program.pk]
    assert _found("shelter") == [org.pk]


def test_deleting_a_program_in_the_program_admin_unindexes_it(admin_client):
    org = make_org("Crossing Borders")
    program = make_program(org, "Refugee Care")

    response = admin_client.post(f"/admin/directory/program/{program.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Program.objects.exists()
    assert _found("refugee care", "program") == []
    assert _found("refugee") == []


def test_moving_a_program_to_another_organization_reindexes_both(admin_client):
    old_owner = make_org("Crossing Borders")
    new_owner = make_org("Helping Hands Korea")
    program = make_program(old_owner, "Orphan Care", slug="orphan-care")
    data = rendered_form(admin_client.get(admin_change_url(program)))

    response = admin_client.post(admin_change_url(program), {**data, "organization": new_owner.pk})

    assert response.status_code == 302
    assert Program.objects.get(pk=program.pk).organization == new_owner
    assert _found("orphan care") == [new_owner.pk]
    assert _found("orphan care", "program") == [program.pk]


def test_deleting_an_issue_removes_it_from_search(admin_client):
    issue = make_issue("Zoonotic smuggling")
    index.refresh_issues([issue.pk])
    org = make_org("Helping Hands Korea", issues=[issue])
    assert _found("zoonotic") == [org.pk]

    response = admin_client.post(f"/admin/directory/issue/{issue.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Issue.objects.exists()
    assert _found("zoonotic", "issue") == []
    assert _found("zoonotic") == []


def test_deleting_issues_with_the_bulk_action_removes_them_from_search(admin_client):
    issue = make_issue("Zoonotic smuggling")
    kept = make_issue("Human trafficking", summary="Sale of people.")
    kept.related.add(issue)
    index.refresh_issues([issue.pk, kept.pk])
    org = make_org("Helping Hands Korea", issues=[issue, kept])
    assert _found("zoonotic") == [org.pk]

    response = admin_client.post(
        "/admin/directory/issue/",
        {"action": "delete_selected", "_selected_action": [issue.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert list(Issue.objects.all()) == [kept]
    assert _found("zoonotic", "issue") == []
    assert _found("zoonotic") == []
    assert _found("trafficking") == [org.pk]


def test_renaming_an_issue_reindexes_its_related_issues(admin_client):
    renamed = make_issue("Human trafficking", summary="Sale of people.")
    related = make_issue("Forced marriage", summary="Brides sold across the border.")
    renamed.related.add(related)
    index.refresh_issues([renamed.pk, related.pk])
    assert set(_found("trafficking", "issue")) == {renamed.pk, related.pk}
    data = rendered_form(admin_client.get(admin_change_url(renamed)))

    response = admin_client.post(admin_change_url(renamed), {**data, "name": "Zoonotic smuggling"})

    assert response.status_code == 302
    assert _found("trafficking", "issue") == []


def test_renaming_a_focus_area_reindexes_organizations(admin_client):
    area = make_focus_area("Rescue")
    org = make_org("Liberty in North Korea", focus_areas=[area])
    data = rendered_form(admin_client.get(admin_change_url(area)))

    response = admin_client.post(admin_change_url(area), {**data, "name": "Zoonotic extraction"})

    assert response.status_code == 302
    assert _found("zoonotic") == [org.pk]


def test_a_source_can_be_added(admin_client):
    data = {
        "slug": "state-tip-2023",
        "title": "Trafficking in Persons Report",
        "publisher": "U.S. Department of State",
        "year": "2023",
        "url": "https://www.state.gov/reports/2023-trafficking-in-persons-report/",
    }

    response = admin_client.post("/admin/directory/source/add/", data)

    assert response.status_code == 302
    assert Source.objects.get().slug == "state-tip-2023"


# --- countries -----------------------------------------------------------------------------------


def test_the_country_admin_is_read_only(admin_client):
    korea = Country.objects.get(pk="KR")

    assert admin_client.get("/admin/directory/country/add/").status_code == 403
    response = admin_client.post(admin_change_url(korea), {"code": "KR", "name": "Korea"})
    assert response.status_code == 403
    delete = admin_client.post("/admin/directory/country/KR/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert Country.objects.get(pk="KR").name == "South Korea"
    changelist = admin_client.get("/admin/directory/country/", {"q": "korea"})
    assert set(changelist.context["cl"].queryset.values_list("code", flat=True)) == {"KR", "KP"}


def test_country_autocomplete_works_for_organizations(admin_client):
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "directory",
            "model_name": "organization",
            "field_name": "countries",
            "term": "kor",
        },
    )

    assert response.status_code == 200
    results = {row["id"]: row["text"] for row in response.json()["results"]}
    assert results == {"KP": "North Korea", "KR": "South Korea"}


def test_issue_autocomplete_works_for_programs(admin_client):
    issue = make_issue("Human trafficking")
    make_issue("Food insecurity")

    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "directory",
            "model_name": "program",
            "field_name": "issues",
            "term": "traff",
        },
    )

    assert [row["id"] for row in response.json()["results"]] == [str(issue.pk)]


def test_anonymous_visitors_cannot_reach_the_admin(client):
    make_org()

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
