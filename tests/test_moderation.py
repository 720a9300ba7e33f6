"""Acting on the public's contributions: a suggestion becomes a draft listing with one
click, a correction opens beside its listing, and both record who handled them and how."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from directory.models import Correction, Organization, ReviewStatus, Suggestion
from tests.factories import make_org
from tests.forms import rendered_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator(django_user_model):
    user = django_user_model.objects.create_user("carol", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def suggestion():
    return Suggestion.objects.create(
        name="Helping Hands Korea",
        website="https://www.helpinghandskorea.org/",
        summary="Shelters and foster care for North Korean children\nin the region.",
        why="The article names it.",
        contact_email="reader@example.org",
    )


def _suggestion_url(suggestion) -> str:
    return f"/admin/directory/suggestion/{suggestion.pk}/change/"


def _press_draft_button(client, suggestion):
    """Press the page's button: post its form to the button's formaction."""
    page = client.get(_suggestion_url(suggestion))
    action = re.search(r'formaction="([^"]+)"', page.content.decode()).group(1)
    return client.post(action, rendered_form(page))


def test_a_suggestion_becomes_a_draft_listing_with_one_click(curator, suggestion):
    response = _press_draft_button(curator, suggestion)

    draft = Organization.objects.get(name="Helping Hands Korea")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/directory/organization/{draft.pk}/change/"
    assert draft.status == Organization.Status.DRAFT
    assert draft.slug == "helping-hands-korea"
    assert draft.website == "https://www.helpinghandskorea.org/"
    assert draft.summary == "Shelters and foster care for North Korean children in the region."
    assert "The article names it." in draft.description
    assert draft.history.get().history_change_reason == f"Drafted from suggestion #{suggestion.pk}"


def test_the_suggestion_records_who_made_the_draft_and_links_to_it(curator, suggestion):
    _press_draft_button(curator, suggestion)

    suggestion.refresh_from_db()
    assert suggestion.status == ReviewStatus.ACCEPTED
    assert suggestion.handled_by == curator.user
    assert suggestion.handled_at is not None
    assert suggestion.outcome == "Draft listing created"
    assert suggestion.listing.name == "Helping Hands Korea"
    page = curator.get(_suggestion_url(suggestion)).content.decode()
    assert f"/admin/directory/organization/{suggestion.listing_id}/change/" in page
    assert "formaction" not in page  # no second draft to make


def test_pressing_the_button_twice_makes_one_draft(curator, suggestion):
    url = f"/admin/directory/suggestion/{suggestion.pk}/draft/"
    curator.post(url)
    curator.post(url)

    assert Organization.objects.filter(name="Helping Hands Korea").count() == 1


def test_a_draft_takes_a_free_address(curator, suggestion):
    make_org("Helping Hands Korea", slug="helping-hands-korea")

    _press_draft_button(curator, suggestion)

    assert Organization.objects.filter(slug="helping-hands-korea-2", status="draft").exists()


def test_a_draft_is_not_public(curator, suggestion, client):
    _press_draft_button(curator, suggestion)

    assert client.get("/organizations/helping-hands-korea/").status_code == 404


def test_a_correction_opens_its_listing_beside_the_text_of_the_correction(curator):
    org = make_org("PSCORE")
    correction = Correction.objects.create(
        organization=org,
        message="PSCORE moved to a new office <b>in Seoul</b>.",
        source_url="https://example.org/news",
    )

    page = curator.get(f"/admin/directory/correction/{correction.pk}/change/").content.decode()
    link = f"/admin/directory/organization/{org.pk}/change/?correction={correction.pk}"
    assert link in page

    listing = curator.get(link).content.decode()
    assert "PSCORE moved to a new office &lt;b&gt;in Seoul&lt;/b&gt;." in listing
    assert 'href="https://example.org/news"' in listing
    assert 'id="organization_form"' in listing  # the form to correct it, on the same page


def test_a_correction_about_another_listing_is_not_shown(curator):
    org, other = make_org("PSCORE"), make_org("LiNK")
    correction = Correction.objects.create(organization=other, message="Wrong year.")

    listing = curator.get(
        f"/admin/directory/organization/{org.pk}/change/?correction={correction.pk}"
    )

    assert "Wrong year." not in listing.content.decode()


def test_marking_a_correction_handled_in_its_form_records_who_and_how(curator):
    correction = Correction.objects.create(organization=make_org(), message="Wrong year.")
    url = f"/admin/directory/correction/{correction.pk}/change/"
    data = rendered_form(curator.get(url))

    response = curator.post(
        url, {**data, "status": "accepted", "outcome": "Founding year corrected to 2003"}
    )

    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.handled_by == curator.user
    assert correction.handled_at is not None
    assert correction.outcome == "Founding year corrected to 2003"


@pytest.mark.parametrize(("action", "status"), [("accept", "accepted"), ("reject", "rejected")])
def test_the_list_actions_record_who_handled_each_one(curator, suggestion, action, status):
    curator.post(
        "/admin/directory/suggestion/", {"action": action, "_selected_action": [suggestion.pk]}
    )

    suggestion.refresh_from_db()
    assert suggestion.status == status
    assert suggestion.handled_by == curator.user
    assert suggestion.outcome == status.capitalize()


def test_a_staff_account_without_permissions_cannot_make_a_draft(django_user_model, suggestion):
    user = django_user_model.objects.create_user("nobody", password="pw", is_staff=True)
    client = Client()
    client.force_login(user)

    response = client.post(f"/admin/directory/suggestion/{suggestion.pk}/draft/")

    assert response.status_code == 403
    assert not Organization.objects.exists()


def test_the_queue_lists_what_still_waits_first(curator):
    handled = Suggestion.objects.create(name="Handled", summary="s", status="accepted")
    waiting = Suggestion.objects.create(name="Waiting", summary="s")
    Suggestion.objects.filter(pk=handled.pk).update(created=waiting.created.replace(year=2030))

    listed = list(curator.get("/admin/directory/suggestion/").context["cl"].result_list)

    assert listed == [waiting, handled]
