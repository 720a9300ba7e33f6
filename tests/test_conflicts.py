"""Two curators editing one listing: the second to save a stale copy is stopped, keeps what
they typed, and saves it on purpose with a second submit."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from directory.models import Issue, KeyFact, Organization, Program
from tests.factories import (
    admin_change_url,
    make_fact,
    make_issue,
    make_org,
    make_program,
)
from tests.forms import filled_form, rendered_form

pytestmark = pytest.mark.django_db

CONFLICT = "after you opened it"


def _curator(django_user_model, username: str) -> Client:
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice(django_user_model):
    return _curator(django_user_model, "alice")


@pytest.fixture
def bob(django_user_model):
    return _curator(django_user_model, "bob")


def _open(client, obj) -> dict:
    response = client.get(admin_change_url(obj))
    assert response.status_code == 200
    return rendered_form(response)


def _conflict(response) -> str:
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    return errors[0]


# --- organizations -------------------------------------------------------------------------------


def test_saving_a_stale_organization_is_stopped_with_a_clear_message(alice, bob):
    org = make_org("PSCORE", summary="Education for defectors.")
    alices, bobs = _open(alice, org), _open(bob, org)
    assert (
        alice.post(admin_change_url(org), {**alices, "summary": "Alice's summary."}).status_code
        == 302
    )

    response = bob.post(admin_change_url(org), {**bobs, "summary": "Bob's summary."})

    message = _conflict(response)
    assert CONFLICT in message
    assert "alice saved this organization" in message
    assert "nothing was saved" in message
    assert CONFLICT in response.content.decode()
    assert response.context["adminform"].form["summary"].value() == "Bob's summary."
    assert "Bob&#x27;s summary." in response.content.decode()
    assert Organization.objects.get(pk=org.pk).summary == "Alice's summary."


def test_submitting_again_after_a_conflict_saves_the_second_copy(alice, bob):
    org = make_org("PSCORE")
    alices, bobs = _open(alice, org), _open(bob, org)
    alice.post(admin_change_url(org), {**alices, "summary": "Alice's summary."})
    stopped = bob.post(admin_change_url(org), {**bobs, "summary": "Bob's summary."})

    response = bob.post(admin_change_url(org), rendered_form(stopped))

    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).summary == "Bob's summary."


def test_a_save_in_between_stops_the_second_submit_again(alice, bob):
    org = make_org("PSCORE")
    alices, bobs = _open(alice, org), _open(bob, org)
    alice.post(admin_change_url(org), {**alices, "summary": "Alice's summary."})
    stopped = bob.post(admin_change_url(org), {**bobs, "summary": "Bob's summary."})
    alice.post(admin_change_url(org), {**_open(alice, org), "summary": "Alice again."})

    response = bob.post(admin_change_url(org), rendered_form(stopped))

    assert CONFLICT in _conflict(response)
    assert Organization.objects.get(pk=org.pk).summary == "Alice again."


def test_a_status_action_after_opening_is_a_conflict_too(alice, bob):
    org = make_org("PSCORE", status="draft")
    bobs = _open(bob, org)
    alice.post(
        "/admin/directory/organization/",
        {"action": "send_to_review", "_selected_action": [org.pk]},
    )

    response = bob.post(admin_change_url(org), {**bobs, "summary": "Bob's summary."})

    assert CONFLICT in _conflict(response)
    org.refresh_from_db()
    assert (org.status, org.summary) == ("review", "PSCORE helps people.")


def test_a_stale_organization_leaves_its_inline_programs_unsaved(alice, bob):
    org = make_org("PSCORE")
    program = make_program(org, "Tutoring")
    alices, bobs = _open(alice, org), _open(bob, org)
    alice.post(admin_change_url(org), {**alices, "summary": "Alice's summary."})

    response = bob.post(admin_change_url(org), {**bobs, "programs-0-name": "Mentoring"})

    assert CONFLICT in _conflict(response)
    assert Program.objects.get(pk=program.pk).name == "Tutoring"


def test_saving_an_unchanged_copy_twice_by_one_curator_is_no_conflict(alice):
    org = make_org("PSCORE")

    first = alice.post(admin_change_url(org), {**_open(alice, org), "summary": "First."})
    second = alice.post(admin_change_url(org), {**_open(alice, org), "summary": "Second."})

    assert (first.status_code, second.status_code) == (302, 302)
    assert Organization.objects.get(pk=org.pk).summary == "Second."


# --- programs and issues -------------------------------------------------------------------------


def test_saving_a_stale_program_is_stopped_then_saved_on_resubmit(alice, bob):
    program = make_program(make_org(), "Tutoring", summary="English.")
    alices, bobs = _open(alice, program), _open(bob, program)
    assert alice.post(admin_change_url(program), {**alices, "summary": "Maths."}).status_code == 302

    stopped = bob.post(admin_change_url(program), {**bobs, "summary": "Music."})

    assert CONFLICT in _conflict(stopped)
    assert "alice saved this program" in _conflict(stopped)
    assert stopped.context["adminform"].form["summary"].value() == "Music."
    assert Program.objects.get(pk=program.pk).summary == "Maths."
    assert bob.post(admin_change_url(program), rendered_form(stopped)).status_code == 302
    assert Program.objects.get(pk=program.pk).summary == "Music."


def test_saving_a_stale_issue_is_stopped_then_saved_on_resubmit(alice, bob):
    issue = make_issue("Human trafficking", summary="Old.")
    fact = make_fact(issue, figure="1,000")
    alices, bobs = _open(alice, issue), _open(bob, issue)
    assert alice.post(admin_change_url(issue), {**alices, "summary": "Alice's."}).status_code == 302

    stopped = bob.post(
        admin_change_url(issue), {**bobs, "summary": "Bob's.", "facts-0-figure": "2,000"}
    )

    assert CONFLICT in _conflict(stopped)
    assert "alice saved this issue" in _conflict(stopped)
    assert stopped.context["adminform"].form["summary"].value() == "Bob's."
    assert Issue.objects.get(pk=issue.pk).summary == "Alice's."
    assert KeyFact.objects.get(pk=fact.pk).figure == "1,000"
    assert bob.post(admin_change_url(issue), rendered_form(stopped)).status_code == 302
    assert Issue.objects.get(pk=issue.pk).summary == "Bob's."
    assert KeyFact.objects.get(pk=fact.pk).figure == "2,000"


# --- adding --------------------------------------------------------------------------------------


def test_a_fresh_add_form_is_never_a_conflict(alice, bob):
    pscore = make_org("PSCORE")  # other organizations have history
    alices = rendered_form(alice.get("/admin/directory/organization/add/"))
    bobs = rendered_form(bob.get("/admin/directory/organization/add/"))
    assert alices["loaded_version"] == bobs["loaded_version"] == ""

    def filled(data, name):
        slug = name.lower().replace(" ", "-")
        return {**data, "name": name, "slug": slug, "summary": f"{name} helps."}

    first = alice.post("/admin/directory/organization/add/", filled(alices, "Crossing Borders"))
    second = bob.post("/admin/directory/organization/add/", filled(bobs, "Helping Hands"))

    assert (first.status_code, second.status_code) == (302, 302)
    assert set(Organization.objects.values_list("slug", flat=True)) == {
        pscore.slug,
        "crossing-borders",
        "helping-hands",
    }


def test_adding_a_program_and_an_issue_is_never_a_conflict(alice):
    org = make_org()
    make_program(org)

    programs, issues = "/admin/directory/program/add/", "/admin/directory/issue/add/"
    program = alice.post(
        programs,
        filled_form(alice, programs, organization=str(org.pk), name="Tutoring", slug="tutoring"),
    )
    issue = alice.post(
        issues,
        filled_form(
            alice, issues, name="Forced labour", slug="forced-labour", summary="Work under threat."
        ),
    )

    assert (program.status_code, issue.status_code) == (302, 302)
    assert Program.objects.filter(slug="tutoring").exists()
    assert Issue.objects.filter(slug="forced-labour").exists()
