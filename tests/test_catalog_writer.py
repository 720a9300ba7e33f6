"""The catalog's one writer, from every path that changes public content: the admin (a
save, a revert), a spreadsheet, an HSDS import, a plain ORM save or delete, and the mere
passing of a date. Each time search finds what is public now, the counts count it and
the content version (which every cached count and page is filed under) moves on.

The admin and the spreadsheet apply their changes inside their own transaction, so these
tests see them without any commit; an ORM write inside someone else's transaction reaches
the index when it commits (`django_capture_on_commit_callbacks` runs those callbacks).
"""

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from directory import catalog, facets
from directory.cache import current_version
from directory.hsds import importer
from directory.models import FocusArea, Issue, Opportunity, Organization, Program, Source
from directory.search import index, parse, search
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


def found(words: str, kind: str = "organization") -> list[int]:
    return sorted(search(parse(words), kind))


def issues_counted(org) -> dict[int, int]:
    """The issues `org` counts under, as the counts of a search's results read them."""
    return facets.counts_of([org.pk])["issue"]


@pytest.fixture
def refreshes(monkeypatch) -> list[set[int]]:
    """The id sets the search index refreshes organizations for, call by call."""
    calls: list[set[int]] = []
    real = index.refresh_organizations

    def spy(ids):
        ids = set(ids)
        calls.append(ids)
        return real(ids)

    monkeypatch.setattr(index, "refresh_organizations", spy)
    return calls


# --- The admin ---------------------------------------------------------------------------


def test_an_admin_edit_is_found_by_search_and_moves_the_content_version(admin_client):
    org = make_org("Crossing Borders", summary="Care in China.")
    before = current_version()

    data = filled_form(admin_client, admin_change_url(org), name="Borderless Care")
    assert admin_client.post(admin_change_url(org), data).status_code == 302

    assert found("borderless") == [org.pk]
    assert found("crossing") == []
    assert current_version() > before


def test_a_program_added_on_an_organizations_admin_page_is_found_at_once(admin_client):
    org = make_org("Harbor House")
    page = rendered_form(admin_client.get(admin_change_url(org)))
    data = add_inline(page, "programs", name="Lighthouse Watch", slug="lighthouse-watch")

    assert admin_client.post(admin_change_url(org), data).status_code == 302

    program = Program.objects.get(slug="lighthouse-watch")
    assert found("lighthouse", "program") == [program.pk]


def test_an_admin_save_with_inlines_refreshes_its_organization_once(admin_client, refreshes):
    org = make_org("Harbor House", issues=[make_issue()])
    make_program(org, "Camp Watch")
    catalog.flush()  # what the factories wrote
    refreshes.clear()
    page = rendered_form(admin_client.get(admin_change_url(org)))
    data = add_inline(page, "programs", name="Lighthouse Watch", slug="lighthouse-watch")
    data = add_inline(data, "identifiers", identifier_scheme="US-EIN", identifier="12-3456789")

    assert admin_client.post(admin_change_url(org), data | {"issues": []}).status_code == 302

    assert refreshes == [{org.pk}]


def test_a_revert_in_the_admin_brings_back_what_the_organization_counts_under(admin_client):
    camps = make_issue("Prison camps")
    org = make_org("Harbor House", issues=[camps])
    original = org.history.get()
    data = filled_form(admin_client, admin_change_url(org), issues=[])
    assert admin_client.post(admin_change_url(org), data).status_code == 302
    assert issues_counted(org) == {}
    before = current_version()

    version = f"/admin/directory/organization/{org.pk}/history/{original.history_id}/"
    response = admin_client.post(version, rendered_form(admin_client.get(version)))

    assert response.status_code == 302
    assert issues_counted(org) == {camps.pk: 1}
    assert current_version() > before


# --- A spreadsheet ------------------------------------------------------------------------

ORGS = "/admin/directory/organization/"


def _option(page, select: str, label: str) -> str:
    menu = re.search(rf'<select name="{select}".*?</select>', page.content.decode(), re.DOTALL)
    return re.search(rf'<option value="([^"]*)"[^>]*>{label}</option>', menu[0])[1]


def _import_csv(client, lines: list[str]):
    """Upload a CSV on the import page as it renders, then press "Confirm import"."""
    page = client.get(f"{ORGS}import/")
    upload = SimpleUploadedFile("listings.csv", "\n".join(lines).encode())
    data = rendered_form(page) | {"format": _option(page, "format", "csv"), "import_file": upload}
    preview = client.post(f"{ORGS}import/", data)
    assert 'value="Confirm import"' in preview.content.decode()
    return client.post(f"{ORGS}process_import/", rendered_form(preview))


def test_a_spreadsheet_import_is_found_by_search_after_one_refresh(admin_client, refreshes):
    source = make_source(slug="state-tip-2023")
    catalog.flush()
    refreshes.clear()
    header = "slug,name,summary,org_type,status,sources"
    rows = [f"haven-{n},Haven {n},Shelter.,nonprofit,published,{source.slug}" for n in range(3)]

    assert _import_csv(admin_client, [header, *rows]).status_code == 302

    imported = set(
        Organization.objects.filter(slug__startswith="haven-").values_list("pk", flat=True)
    )
    assert len(imported) == 3
    assert set(found("haven")) == imported
    # One refresh for the file. It may name the preview's rows too (rolled back, but in
    # this test's one transaction; PostgreSQL gave them other ids): refreshing an id that
    # holds nothing public changes nothing.
    assert len(refreshes) == 1
    assert imported <= refreshes[0]


# --- An HSDS import -----------------------------------------------------------------------


def test_an_hsds_import_is_found_by_search_and_moves_the_content_version(tmp_path):
    org = make_org("Haven", summary="Shelter.")
    before = current_version()
    path = tmp_path / "one.json"
    path.write_text(
        json.dumps({"id": str(org.hsds_id), "name": "Safe Harbor", "description": "It helps."})
    )

    importer.import_path(path)

    assert found("harbor") == [org.pk]
    assert found("haven") == []
    assert current_version() > before


# --- A plain ORM write --------------------------------------------------------------------


def _create_and_publish(name: str, **links) -> Organization:
    """What a shell session or a script does: no admin, no index call."""
    org = Organization.objects.create(name=name, slug="lighthouse-trust", summary="Shelter.")
    org.sources.add(Source.objects.create(slug="report", title="Report", url="https://e.org/r"))
    for field, targets in links.items():
        getattr(org, field).set(targets)
    org.status = Organization.Status.PUBLISHED
    org.save()
    return org


@pytest.mark.django_db(transaction=True)
def test_an_orm_create_and_publish_outside_a_transaction_is_found_at_once():
    org = _create_and_publish("Lighthouse Trust")

    assert found("lighthouse") == [org.pk]


def test_an_orm_create_and_publish_in_a_transaction_is_found_once_it_commits(
    django_capture_on_commit_callbacks,
):
    issue = make_issue("Prison camps")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        org = _create_and_publish("Lighthouse Trust", issues=[issue])
        assert found("lighthouse") == []  # not before the commit: see catalog.writer

    assert found("lighthouse") == [org.pk]
    assert issues_counted(org) == {issue.pk: 1}


def test_many_orm_writes_in_one_transaction_refresh_each_organization_once(
    django_capture_on_commit_callbacks, refreshes
):
    issue, area = make_issue(), make_focus_area()
    catalog.flush()
    refreshes.clear()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        org = _create_and_publish("Lighthouse Trust", issues=[issue], focus_areas=[area])
        program = Program.objects.create(organization=org, name="Watch", slug="watch")
        program.issues.set([issue])
        org.identifiers.create(identifier_scheme="US-EIN", identifier="12-3456789")

    assert refreshes == [{org.pk}]


def test_a_rolled_back_write_moves_nothing(django_capture_on_commit_callbacks):
    org = make_org("Crossing Borders")
    catalog.flush()
    before = current_version()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        org.name = "Borderless Care"
        org.save()
        raise RuntimeError

    assert current_version() == before
    assert found("crossing") == [org.pk]


def test_deleting_a_program_with_the_orm_stops_its_organization_counting_under_its_issue(
    client, django_capture_on_commit_callbacks
):
    camps = make_issue("Prison camps")
    org = make_org("Harbor House")
    program = make_program(org, "Camp Watch", issues=[camps])
    assert issues_counted(org) == {camps.pk: 1}
    assert "1 organization<" in _issue_tile(client.get("/issues/"), camps)  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        program.delete()

    assert issues_counted(org) == {}
    assert found("camp watch", "program") == []
    assert "0 organizations<" in _issue_tile(client.get("/issues/"), camps)


def _issue_tile(response, issue) -> str:
    html = response.content.decode()
    start = html.index(f'<a href="{issue.get_absolute_url()}">')
    return html[start : html.index("</li>", start)]


def test_moving_a_program_with_the_orm_leaves_its_old_organization_without_its_issue(
    django_capture_on_commit_callbacks,
):
    camps = make_issue("Prison camps")
    old, new = make_org("Harbor House"), make_org("Safe Haven")
    program = make_program(old, "Camp Watch", issues=[camps])

    with django_capture_on_commit_callbacks(execute=True):
        program.organization = new
        program.save()

    assert issues_counted(old) == {}
    assert issues_counted(new) == {camps.pk: 1}


def test_deleting_an_issue_with_the_orm_drops_it_from_the_organizations_counts(
    django_capture_on_commit_callbacks,
):
    camps = make_issue("Prison camps")
    org = make_org("Harbor House", issues=[camps])

    with django_capture_on_commit_callbacks(execute=True):
        Issue.objects.filter(pk=camps.pk).delete()

    assert issues_counted(org) == {}
    assert found("camps", "issue") == []


def test_renaming_a_focus_area_with_the_orm_reaches_its_organizations(
    django_capture_on_commit_callbacks,
):
    org = make_org("Harbor House", focus_areas=[make_focus_area("Rescue")])

    with django_capture_on_commit_callbacks(execute=True):
        area = FocusArea.objects.get(name="Rescue")
        area.name = "Extraction"
        area.save()

    assert found("extraction") == [org.pk]


def test_links_written_from_the_issues_side_reach_the_organizations(
    django_capture_on_commit_callbacks,
):
    camps = make_issue("Prison camps")
    linked, through_program = make_org("Harbor House"), make_org("Safe Haven")
    make_program(through_program, "Camp Watch")

    with django_capture_on_commit_callbacks(execute=True):
        camps.organizations.add(linked)
        camps.programs.add(Program.objects.get(name="Camp Watch"))
    assert issues_counted(linked) == issues_counted(through_program) == {camps.pk: 1}

    with django_capture_on_commit_callbacks(execute=True):
        camps.organizations.clear()
        camps.programs.clear()
    assert issues_counted(linked) == issues_counted(through_program) == {}


def test_unlinking_related_issues_with_the_orm_updates_both_issues(
    django_capture_on_commit_callbacks,
):
    camps, labour = make_issue("Prison camps"), make_issue("Forced labour")
    camps.related.add(labour)
    index.refresh_issues([camps.pk, labour.pk])
    assert found("camps", "issue") == sorted([camps.pk, labour.pk])  # shows related names

    with django_capture_on_commit_callbacks(execute=True):
        labour.related.clear()

    assert found("camps", "issue") == [camps.pk]


def test_editing_a_source_with_the_orm_moves_the_content_version(
    django_capture_on_commit_callbacks,
):
    source = make_source(title="Report 2022")
    catalog.flush()
    before = current_version()

    with django_capture_on_commit_callbacks(execute=True):
        source.title = "Report 2023"
        source.save()

    assert current_version() > before


# --- The passing of a date ----------------------------------------------------------------


def _card(response, org) -> str:
    html = response.content.decode()
    start = html.index(f'href="{org.get_absolute_url()}"')
    return html[start : html.index("</article>", start)]


def _opportunity(org, expires) -> Opportunity:
    return Opportunity.objects.create(
        organization=org,
        title="Tutor",
        slug="tutor",
        description="Teach English.",
        apply_url="https://example.org/apply",
        status=Opportunity.Status.PUBLISHED,
        expires=expires,
    )


def test_a_card_stops_saying_takes_volunteers_the_day_after_its_opportunity_ends(
    client, monkeypatch
):
    org = make_org("Harbor House", volunteer_url="")
    today = timezone.localdate()
    _opportunity(org, expires=today)
    catalog.flush()
    assert "Takes volunteers" in _card(client.get("/organizations/"), org)

    real = timezone.localdate
    tomorrow = today + timedelta(days=1)
    monkeypatch.setattr(
        timezone, "localdate", lambda *args, **kwargs: real(*args, **kwargs) if args else tomorrow
    )

    assert "Takes volunteers" not in _card(client.get("/organizations/"), org)
    assert client.get(f"{org.get_absolute_url()}opportunities/tutor/").status_code == 404


def test_the_daily_job_refreshes_organizations_whose_opportunities_ended(refreshes):
    ended, still_open = make_org("Harbor House"), make_org("Safe Haven")
    today = timezone.localdate()
    _opportunity(ended, expires=today - timedelta(days=1))
    _opportunity(still_open, expires=today)
    catalog.flush()
    refreshes.clear()
    before = current_version()

    call_command("expire_opportunities", stdout=io.StringIO())

    assert refreshes == [{ended.pk}]
    assert current_version() > before
