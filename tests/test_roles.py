"""The two curation roles the migrations create: Curators edit and send to review, Editors
also publish, archive and restore; nobody deletes an organization."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from directory.models import Organization, Program
from tests.factories import (
    admin_change_url,
    make_org,
    make_program,
    make_superuser,
)
from tests.forms import filled_form, rendered_form

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/directory/organization/"
PROGRAMS = "/admin/directory/program/"
PASSWORD = "a long and unguessable passphrase"
ROLES = ["Curators", "Editors"]


def _member(django_user_model, group: str, username: str | None = None):
    user = django_user_model.objects.create_user(
        username or group.lower(), f"{group.lower()}@example.org", PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def curator(django_user_model):
    return _client_for(_member(django_user_model, "Curators"))


@pytest.fixture
def editor(django_user_model):
    return _client_for(_member(django_user_model, "Editors"))


@pytest.fixture(params=ROLES)
def staff(request, django_user_model):
    """A signed-in member of each role in turn."""
    return _client_for(_member(django_user_model, request.param))


def _edit(client, obj, **changes):
    data = rendered_form(client.get(admin_change_url(obj)))
    return client.post(admin_change_url(obj), {**data, **changes})


def _actions(client, url=CHANGELIST) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["action_form"]  # None when the user has no action at all
    return {name for name, _ in form.fields["action"].choices} if form else set()


def _act(client, action: str, *orgs):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [o.pk for o in orgs]}, follow=True
    )


def _status(org) -> str:
    return Organization.objects.get(pk=org.pk).status


def _add_form(client, **overrides) -> dict:
    """The add page's form as a curator fills it in."""
    return filled_form(
        client,
        "/admin/directory/organization/add/",
        name="Crossing Borders",
        slug="crossing-borders",
        summary="Care for North Korean refugees in China.",
        **overrides,
    )


# --- what both roles may do ----------------------------------------------------------------------


@pytest.mark.parametrize("group", ROLES)
def test_a_member_of_each_role_can_sign_in_to_the_admin(django_user_model, group):
    _member(django_user_model, group)
    client = Client()

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": group.lower(), "password": PASSWORD, "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert CHANGELIST in index.content.decode()


def test_staff_outside_both_groups_see_no_listings(django_user_model):
    user = django_user_model.objects.create_user("visitor", password=PASSWORD, is_staff=True)

    assert _client_for(user).get(CHANGELIST).status_code == 403


def test_each_role_sees_organizations_and_programs(staff):
    org = make_org("PSCORE", status="draft")
    program = make_program(org, "Tutoring")

    for url in [CHANGELIST, admin_change_url(org), PROGRAMS, admin_change_url(program)]:
        response = staff.get(url)
        assert response.status_code == 200, url
        assert "PSCORE" in response.content.decode(), url


def test_each_role_can_add_an_organization_as_draft(staff):
    response = staff.post("/admin/directory/organization/add/", _add_form(staff))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Organization.objects.get(slug="crossing-borders").status == "draft"


def test_each_role_can_edit_an_organization(staff):
    org = make_org("PSCORE", status="review")

    response = _edit(staff, org, summary="Tutoring for defectors.")

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.summary, org.status) == ("Tutoring for defectors.", "review")


def test_each_role_can_add_and_edit_a_program(staff):
    org = make_org("PSCORE")

    added = staff.post(
        "/admin/directory/program/add/",
        {"organization": org.pk, "name": "Tutoring", "slug": "tutoring", "active": "on"},
    )
    assert added.status_code == 302, added.context["adminform"].form.errors
    program = Program.objects.get(slug="tutoring")

    edited = _edit(staff, program, summary="English and maths.")

    assert edited.status_code == 302
    assert Program.objects.get(pk=program.pk).summary == "English and maths."


def test_each_role_can_send_a_draft_to_review(staff):
    org = make_org(status="draft")

    _act(staff, "send_to_review", org)

    assert _status(org) == "review"


# --- curators ------------------------------------------------------------------------------------


def test_curators_are_not_offered_publish_archive_or_restore(curator):
    make_org()

    actions = _actions(curator)

    assert {"send_to_review"} <= actions
    assert not {"publish", "archive", "restore"} & actions


@pytest.mark.parametrize(
    ("action", "before"),
    [("publish", "review"), ("archive", "published"), ("restore", "archived")],
)
def test_curators_posting_an_editor_action_change_nothing(curator, action, before):
    org = make_org(status=before)

    response = _act(curator, action, org)

    assert response.status_code == 200
    assert _status(org) == before
    assert org.history.count() == 1  # only its creation


@pytest.mark.parametrize("status", ["published", "archived"])
def test_curators_cannot_publish_or_archive_in_the_change_form(curator, status):
    org = make_org("PSCORE", status="review")

    response = _edit(curator, org, status=status, summary="Changed.")

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    org.refresh_from_db()
    assert (org.status, org.summary) == ("review", "PSCORE helps people.")


def test_curators_cannot_add_an_organization_as_published(curator):
    response = curator.post(
        "/admin/directory/organization/add/", _add_form(curator, status="published")
    )

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert not Organization.objects.exists()


def test_curators_are_offered_only_draft_and_review_for_a_draft(curator):
    org = make_org(status="draft")

    form = curator.get(admin_change_url(org)).context["adminform"].form

    assert [value for value, _ in form.fields["status"].choices] == ["draft", "review"]


def test_curators_can_send_a_draft_to_review_in_the_change_form(curator):
    org = make_org(status="draft")

    response = _edit(curator, org, status="review")

    assert response.status_code == 302
    assert _status(org) == "review"


def test_curators_can_keep_a_published_listing_published_while_editing_it(curator):
    org = make_org("PSCORE")

    response = _edit(curator, org, summary="Tutoring for defectors.")

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.status, org.summary) == ("published", "Tutoring for defectors.")


def test_curators_cannot_send_a_published_listing_back_to_review_with_the_action(curator):
    published = make_org(status="published")
    draft = make_org(status="draft")

    response = _act(curator, "send_to_review", published, draft)

    assert "Only editors can take a published or archived listing" in response.content.decode()
    assert _status(published) == "published"
    assert _status(draft) == "draft"  # the whole batch is refused, not half of it


@pytest.mark.parametrize("before", ["published", "archived"])
def test_curators_cannot_take_a_listing_back_to_review_in_the_change_form(curator, before):
    org = make_org(status=before)

    response = _edit(curator, org, status="review")

    assert response.status_code == 200
    assert _status(org) == before


# --- editors -------------------------------------------------------------------------------------


def test_editors_are_offered_publish_archive_and_restore(editor):
    make_org()

    assert {"publish", "send_to_review", "archive", "restore"} <= _actions(editor)


def test_editors_can_publish(editor):
    org = make_org(status="review")

    _act(editor, "publish", org)

    assert _status(org) == "published"


def test_editors_can_archive(editor):
    org = make_org()

    _act(editor, "archive", org)

    assert _status(org) == "archived"


def test_editors_restore_archived_listings_to_review(editor):
    archived = make_org(status="archived")
    published = make_org(status="published")

    response = _act(editor, "restore", archived, published)

    assert "1 organization restored." in response.content.decode()
    assert _status(archived) == "review"
    assert _status(published) == "published"  # restore touches archived listings only


def test_editors_can_send_a_published_listing_back_to_review(editor):
    org = make_org()

    _act(editor, "send_to_review", org)

    assert _status(org) == "review"


@pytest.mark.parametrize("status", ["published", "archived"])
def test_editors_can_publish_or_archive_in_the_change_form(editor, status):
    org = make_org(status="review")

    response = _edit(editor, org, status=status)

    assert response.status_code == 302
    assert _status(org) == status


# --- deleting ------------------------------------------------------------------------------------


def test_nobody_in_either_role_may_delete_an_organization(staff):
    org = make_org()
    delete_url = f"/admin/directory/organization/{org.pk}/delete/"

    assert "delete_selected" not in _actions(staff)
    assert staff.get(delete_url).status_code == 403
    assert staff.post(delete_url, {"post": "yes"}).status_code == 403
    _act(staff, "delete_selected", org)
    assert Organization.objects.filter(pk=org.pk).exists()


def test_the_groups_hold_no_permission_to_delete_organizations():
    for name in ROLES:
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert "delete_organization" not in codenames, name
        assert "change_organization" in codenames, name


def test_curators_cannot_delete_programs(curator):
    program = make_program(make_org())
    delete_url = f"/admin/directory/program/{program.pk}/delete/"

    assert "delete_selected" not in _actions(curator, PROGRAMS)
    assert curator.post(delete_url, {"post": "yes"}).status_code == 403
    assert Program.objects.filter(pk=program.pk).exists()


def test_editors_can_delete_programs(editor):
    program = make_program(make_org())
    delete_url = f"/admin/directory/program/{program.pk}/delete/"

    assert "delete_selected" in _actions(editor, PROGRAMS)
    assert editor.get(delete_url).status_code == 200
    response = editor.post(delete_url, {"post": "yes"})

    assert response.status_code == 302
    assert not Program.objects.filter(pk=program.pk).exists()


# --- superusers ----------------------------------------------------------------------------------


def test_a_superuser_has_every_status_action_and_still_cannot_delete():
    client = _client_for(make_superuser())
    org = make_org(status="draft")

    actions = _actions(client)

    assert {"publish", "send_to_review", "archive", "restore"} <= actions
    assert "delete_selected" not in actions
    assert _edit(client, org, status="published").status_code == 302
    assert _status(org) == "published"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_records_a_verification_from_the_listings_page(django_user_model, role):
    from tests.forms import add_inline

    client = _client_for(_member(django_user_model, role, f"checker-{role.lower()}"))
    org = make_org("Haven", last_verified=None)
    data = add_inline(
        rendered_form(client.get(admin_change_url(org))), "verifications", website_answers="on"
    )

    assert client.post(admin_change_url(org), data).status_code == 302
    assert org.verifications.get().verified_by.username == f"checker-{role.lower()}"
