"""Every change a curator makes is kept: who, when and what, shown in the admin and
revertible there."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from directory.models import Organization
from directory.search import parse, search
from tests.factories import (
    admin_change_url,
    make_fact,
    make_issue,
    make_org,
    make_program,
    make_source,
)
from tests.forms import filled_form, rendered_form

pytestmark = pytest.mark.django_db


def _signed_in(django_user_model, username: str, group: str) -> Client:
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def curator(django_user_model):
    return _signed_in(django_user_model, "carol", "Curators")


@pytest.fixture
def editor(django_user_model):
    return _signed_in(django_user_model, "edward", "Editors")


def _history_url(obj) -> str:
    return f"/admin/directory/{obj._meta.model_name}/{obj.pk}/history/"


def _edit(client, obj, **changes):
    data = rendered_form(client.get(admin_change_url(obj)))
    response = client.post(admin_change_url(obj), {**data, **changes})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def _act(client, action: str, *orgs):
    return client.post(
        "/admin/directory/organization/",
        {"action": action, "_selected_action": [o.pk for o in orgs]},
    )


def _latest_change(obj):
    """The newest history record of `obj` and what it changed against the one before."""
    newest, previous = obj.history.order_by("-history_id")[:2]
    return newest, newest.diff_against(previous)


def _changed(delta) -> dict:
    return {change.field: (change.old, change.new) for change in delta.changes}


# --- who, when and what --------------------------------------------------------------------------


def test_editing_an_organization_records_who_when_and_what(curator):
    org = make_org("PSCORE", summary="Education for defectors.")
    before = timezone.now()

    _edit(curator, org, name="PSCORE Korea", summary="Tutoring for defectors.")

    record, delta = _latest_change(org)
    assert record.history_user == curator.user
    assert record.history_type == "~"
    assert before <= record.history_date <= timezone.now()
    assert _changed(delta) == {
        "name": ("PSCORE", "PSCORE Korea"),
        "summary": ("Education for defectors.", "Tutoring for defectors."),
    }


def test_changing_an_organizations_issues_is_recorded(curator):
    trafficking = make_issue("Human trafficking")
    org = make_org("PSCORE")

    _edit(curator, org, issues=[str(trafficking.pk)])

    record, delta = _latest_change(org)
    assert record.history_user == curator.user
    assert delta.changed_fields == ["issues"]
    (change,) = delta.changes
    assert [row["issue"] for row in change.old] == []
    assert [row["issue"] for row in change.new] == [trafficking.pk]


def test_adding_an_organization_records_its_creator(curator):
    add = "/admin/directory/organization/add/"
    response = curator.post(
        add,
        filled_form(
            curator,
            add,
            name="Crossing Borders",
            slug="crossing-borders",
            summary="Care for refugees.",
            status="draft",
        ),
    )

    assert response.status_code == 302
    record = Organization.objects.get(slug="crossing-borders").history.get()
    assert (record.history_type, record.history_user) == ("+", curator.user)


def test_editing_a_program_records_who_and_what(curator):
    program = make_program(make_org(), "Tutoring", summary="English.")

    _edit(curator, program, summary="English and maths.", active="")

    record, delta = _latest_change(program)
    assert record.history_user == curator.user
    assert _changed(delta) == {
        "summary": ("English.", "English and maths."),
        "active": (True, False),
    }


def test_editing_a_program_inline_records_it_under_the_program(curator):
    org = make_org()
    program = make_program(org, "Tutoring")

    _edit(curator, org, **{"programs-0-name": "Tutoring and mentoring"})

    record, delta = _latest_change(program)
    assert record.history_user == curator.user
    assert _changed(delta) == {"name": ("Tutoring", "Tutoring and mentoring")}


def test_editing_an_issue_and_its_key_fact_records_both(curator):
    issue = make_issue("Human trafficking", summary="Old summary.")
    fact = make_fact(issue, statement="Old statement.", figure="1,000")

    _edit(curator, issue, summary="New summary.", **{"facts-0-figure": "2,000"})

    issue_record, issue_delta = _latest_change(issue)
    fact_record, fact_delta = _latest_change(fact)
    assert issue_record.history_user == fact_record.history_user == curator.user
    assert _changed(issue_delta) == {"summary": ("Old summary.", "New summary.")}
    assert _changed(fact_delta) == {"figure": ("1,000", "2,000")}


def test_deleting_a_key_fact_is_recorded(editor):
    issue = make_issue()
    fact = make_fact(issue)
    data = rendered_form(editor.get(admin_change_url(issue)))

    response = editor.post(admin_change_url(issue), {**data, "facts-0-DELETE": "on"})

    assert response.status_code == 302
    deleted = fact.history.model.objects.filter(id=fact.pk).latest("history_id")
    assert (deleted.history_type, deleted.history_user) == ("-", editor.user)


def test_editing_a_source_records_who_and_what(curator):
    source = make_source(title="Trafficking in Persons Report", year=2022)

    _edit(curator, source, year="2023")

    record, delta = _latest_change(source)
    assert record.history_user == curator.user
    assert _changed(delta) == {"year": (2022, 2023)}


# --- the admin history page ----------------------------------------------------------------------


def test_the_history_page_lists_the_change_and_who_made_it(curator):
    org = make_org("PSCORE")
    _edit(curator, org, name="PSCORE Korea")

    response = curator.get(_history_url(org))

    html = response.content.decode()
    assert response.status_code == 200
    assert "carol" in html
    assert "Changed" in html and "Created" in html
    assert "PSCORE" in html and "PSCORE Korea" in html  # the delta, old → new
    record = org.history.latest("history_id")
    assert f"{_history_url(org)}{record.history_id}/" in html


def test_status_actions_appear_in_the_history_with_the_acting_user(editor):
    org = make_org("PSCORE", status="review")

    _act(editor, "publish", org)
    response = editor.get(_history_url(org))

    record, delta = _latest_change(org)
    assert record.history_user == editor.user
    assert _changed(delta)["status"] == ("review", "published")
    assert record.history_change_reason == "Status set to published by an admin action"
    html = response.content.decode()
    assert "Status set to published by an admin action" in html
    assert "edward" in html


def test_archiving_and_restoring_keep_the_whole_history(editor, curator):
    org = make_org("PSCORE")
    _edit(curator, org, name="PSCORE Korea")

    _act(editor, "archive", org)
    _act(editor, "restore", org)

    records = list(org.history.order_by("history_id"))
    assert [r.status for r in records] == ["published", "published", "archived", "review"]
    assert [r.name for r in records] == ["PSCORE", "PSCORE Korea", "PSCORE Korea", "PSCORE Korea"]
    assert [r.history_user for r in records] == [None, curator.user, editor.user, editor.user]
    assert records[-1].history_change_reason == "Status set to review by an admin action"


# --- reverting -----------------------------------------------------------------------------------


def _revert(client, org, record):
    """Open a past version of `org` in the admin and save it, as the Revert button does."""
    url = f"{_history_url(org)}{record.history_id}/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form["name"].value() == record.name
    return client.post(url, rendered_form(page))


def _rename_then_revert(curator, editor):
    org = make_org("Crossing Borders", summary="Care for refugees.")
    original = org.history.get()
    _edit(curator, org, name="Borderless Care")
    response = _revert(editor, org, original)
    assert response.status_code == 302
    return org


def test_reverting_a_rename_through_the_admin_restores_the_old_name(curator, editor):
    org = _rename_then_revert(curator, editor)

    org.refresh_from_db()
    assert org.name == "Crossing Borders"
    record, delta = _latest_change(org)
    assert record.history_user == editor.user
    assert _changed(delta) == {"name": ("Borderless Care", "Crossing Borders")}
    assert org.history.count() == 3  # the rename stays in the history


def test_a_curator_cannot_revert_to_a_version_only_an_editor_may_save(curator, editor):
    org = make_org("PSCORE", status="draft")
    _act(editor, "publish", org)
    _act(editor, "send_to_review", org)
    published = org.history.get(status="published")

    page = curator.get(f"{_history_url(org)}{published.history_id}/")
    response = curator.post(f"{_history_url(org)}{published.history_id}/", rendered_form(page))

    assert response.status_code == 200
    assert Organization.objects.get(pk=org.pk).status == "review"


def test_after_reverting_a_rename_search_finds_the_old_name(curator, editor):
    org = _rename_then_revert(curator, editor)

    assert search(parse("crossing borders"), "organization") == [org.pk]
    assert search(parse("borderless"), "organization") == []


def test_after_reverting_a_rename_the_public_page_shows_the_old_name(curator, editor, client):
    org = make_org("Crossing Borders")
    original = org.history.get()
    _edit(curator, org, name="Borderless Care")
    assert "Borderless Care" in client.get(org.get_absolute_url()).content.decode()

    assert _revert(editor, org, original).status_code == 302

    html = client.get(org.get_absolute_url()).content.decode()
    assert "Crossing Borders" in html
    assert "Borderless Care" not in html


def test_the_public_page_shows_the_reverted_name_when_not_cached(curator, editor, client):
    org = _rename_then_revert(curator, editor)

    response = client.get(org.get_absolute_url())

    assert response.status_code == 200
    assert "Crossing Borders" in response.content.decode()
    assert "Borderless Care" not in response.content.decode()


# --- reverting links ------------------------------------------------------------------------------


def _links(obj) -> dict:
    return {
        name: sorted(getattr(obj, name).values_list("pk", flat=True))
        for name in ["issues", "focus_areas", "countries", "sources"]
        if hasattr(obj, name)
    }


def test_a_revert_brings_back_the_links_as_well_as_the_text(curator, editor, client):
    first, second = make_issue("Refugees"), make_issue("Trafficking")
    source, other_source = make_source(), make_source()
    org = make_org(
        "Haven", summary="First summary.", issues=[first], countries=["CN"], sources=[source]
    )
    _edit(
        curator,
        org,
        summary="Second summary.",
        issues=[str(second.pk)],
        countries=["KR", "TH"],
        sources=[str(source.pk), str(other_source.pk)],
    )
    after_first_save = org.history.first()
    _edit(curator, org, summary="Third summary.", issues=[], countries=["US"])
    wanted = {
        "issues": [second.pk],
        "focus_areas": [],
        "countries": ["KR", "TH"],
        "sources": sorted([source.pk, other_source.pk]),
    }

    page = editor.get(f"{_history_url(org)}{after_first_save.history_id}/")
    form = rendered_form(page)
    assert form["issues"] == str(second.pk)  # the version's links, not today's
    assert sorted(form["countries"]) == ["KR", "TH"]
    assert editor.post(page.wsgi_request.path, form).status_code == 302

    org.refresh_from_db()
    assert org.summary == "Second summary."
    assert _links(org) == wanted
    html = client.get(org.get_absolute_url()).content.decode()
    assert "Second summary." in html and "Trafficking" in html


def test_a_revert_is_recorded_with_its_reason_and_can_be_undone(curator, editor):
    org = make_org("Haven", summary="First summary.")
    original = org.history.get()
    _edit(curator, org, summary="Second summary.")
    before_revert = org.history.first()

    assert _revert(editor, org, original).status_code == 302
    revert = org.history.first()
    assert revert.history_change_reason.startswith("Reverted to the version of")
    assert revert.history_user == editor.user
    assert Organization.objects.get(pk=org.pk).summary == "First summary."

    assert _revert(editor, org, before_revert).status_code == 302  # undo the revert
    assert Organization.objects.get(pk=org.pk).summary == "Second summary."


def test_no_history_row_shows_none_as_its_reason(curator, editor):
    org = make_org("Haven")
    _edit(curator, org, summary="Edited.")

    html = editor.get(_history_url(org)).content.decode()

    assert "Edited in the admin" in html
    # The one "None" left is the creation's user (made outside the admin), not a reason.
    assert html.replace(" ", "").replace("\n", "").count(">None<") == 1


def test_reverting_an_organization_brings_back_its_programs_links(curator, editor):
    refugees, trafficking = make_issue("Refugees"), make_issue("Trafficking")
    org = make_org("Haven")
    program = make_program(org, "Shelter", issues=[refugees], countries=["CN"])
    _edit(curator, org, summary="Second.")
    version = org.history.first()
    program.issues.set([trafficking])
    program.countries.set(["KR"])
    _edit(curator, org, summary="Third.")

    assert _revert(editor, org, version).status_code == 302

    assert _links(program) == {"issues": [refugees.pk], "focus_areas": [], "countries": ["CN"]}
    reason = program.history.first().history_change_reason
    assert reason.startswith("Reverted with Haven")


def test_a_program_revert_brings_back_its_links(curator, editor):
    refugees, trafficking = make_issue("Refugees"), make_issue("Trafficking")
    program = make_program(make_org("Haven"), "Shelter", issues=[refugees], countries=["CN"])
    version = program.history.first()
    url = f"/admin/directory/program/{program.pk}/change/"
    data = rendered_form(curator.get(url))
    assert (
        curator.post(
            url, {**data, "issues": [str(trafficking.pk)], "countries": ["KR"]}
        ).status_code
        == 302
    )

    page = editor.get(f"/admin/directory/program/{program.pk}/history/{version.history_id}/")
    assert editor.post(page.wsgi_request.path, rendered_form(page)).status_code == 302

    assert _links(program) == {"issues": [refugees.pk], "focus_areas": [], "countries": ["CN"]}
