"""Feeds in the admin and the queue of harvest conflicts, tried with each role; forms are
posted as the pages render them."""

# ruff: noqa: F811 (the fixtures imported from tests.harvest_feed are named as parameters)

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from directory.harvest import run
from directory.models import Feed, HarvestConflict, Organization
from tests.forms import rendered_form
from tests.harvest_feed import feed, feed_server, harvest, organization, touch  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def haven(feed_server, feed):
    """Haven House, harvested, edited here, then changed at the source: a conflict."""
    doc = organization("Haven House", services=["Shelter"])
    feed_server.feed.organizations = [doc]
    harvest(feed)
    org = Organization.objects.get()
    org.summary = "Our curator's summary."
    org.save()
    touch(doc, description="The feed's new description.")
    harvest(feed)
    return doc


def _user(django_user_model, group=None, *, perms=()):
    user = django_user_model.objects.create_user(f"u-{group}-{len(perms)}", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def _page(conflict):
    return reverse("admin:directory_harvestconflict_change", args=[conflict.pk])


def _settle(client, conflict, choice):
    data = rendered_form(client.get(_page(conflict)))
    url = reverse("admin:directory_harvestconflict_settle", args=[conflict.pk])
    return client.post(url, {**data, "choice": choice})


def test_the_conflict_page_shows_both_versions_of_what_differs(haven, django_user_model):
    client = _user(django_user_model, "Curators")
    conflict = HarvestConflict.objects.get()

    page = client.get(_page(conflict)).content.decode()

    assert "Our curator&#x27;s summary." in page
    assert "The feed&#x27;s new description." in page
    assert "<code>description</code>" in page
    assert "services[Shelter].name" not in page  # the same on both sides: not listed


def test_a_curator_takes_the_feeds_version(haven, django_user_model):
    client = _user(django_user_model, "Curators")
    conflict = HarvestConflict.objects.get()

    response = _settle(client, conflict, "feed")

    assert response.status_code == 302
    org = Organization.objects.get()
    assert org.summary == "The feed's new description."
    assert org.history.filter(summary="Our curator's summary.").exists()  # kept in history
    conflict.refresh_from_db()
    assert conflict.outcome == HarvestConflict.Outcome.TOOK_FEED
    assert conflict.handled_by == client.user
    assert org.harvest.baseline == run.current([org.pk])[org.pk]


def test_keeping_ours_stops_the_same_version_coming_back_but_not_the_next(
    haven, feed_server, feed, django_user_model
):
    client = _user(django_user_model, "Editors")
    _settle(client, HarvestConflict.objects.get(), "ours")
    assert Organization.objects.get().summary == "Our curator's summary."

    harvest(feed)
    assert not HarvestConflict.objects.filter(outcome="open").exists()

    touch(haven, description="Yet another change.")
    harvest(feed)
    assert HarvestConflict.objects.get(outcome="open").incoming["description"] == (
        "Yet another change."
    )


def test_taking_the_feeds_removal_archives_the_listing(feed_server, feed, django_user_model):
    feed_server.feed.organizations = [organization("Haven House")]
    harvest(feed)
    org = Organization.objects.get()
    org.summary = "Edited here."
    org.save()
    feed_server.feed.organizations = []
    harvest(feed)
    client = _user(django_user_model, "Curators")

    _settle(client, HarvestConflict.objects.get(), "feed")

    assert Organization.objects.get().status == Organization.Status.ARCHIVED


def test_a_settled_conflict_cannot_be_settled_again(haven, django_user_model):
    client = _user(django_user_model, "Curators")
    conflict = HarvestConflict.objects.get()
    _settle(client, conflict, "ours")
    url = reverse("admin:directory_harvestconflict_settle", args=[conflict.pk])

    response = client.post(url, {"choice": "feed"}, follow=True)

    assert "Already settled" in response.content.decode()
    assert Organization.objects.get().summary == "Our curator's summary."


def test_an_unknown_choice_or_a_get_changes_nothing(haven, django_user_model):
    client = _user(django_user_model, "Curators")
    conflict = HarvestConflict.objects.get()
    url = reverse("admin:directory_harvestconflict_settle", args=[conflict.pk])

    assert client.get(url).status_code == 405
    response = client.post(url, {"choice": "both"}, follow=True)

    assert "Choose the feed" in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.outcome == HarvestConflict.Outcome.OPEN


def test_a_staff_account_without_permissions_can_neither_see_nor_settle(haven, django_user_model):
    client = _user(django_user_model)
    conflict = HarvestConflict.objects.get()
    url = reverse("admin:directory_harvestconflict_settle", args=[conflict.pk])

    assert client.get(_page(conflict)).status_code == 403
    assert client.post(url, {"choice": "feed"}).status_code == 403
    assert Organization.objects.get().summary == "Our curator's summary."


def test_settling_takes_the_right_to_change_organizations_too(haven, django_user_model):
    client = _user(django_user_model, perms=["view_harvestconflict", "change_harvestconflict"])
    conflict = HarvestConflict.objects.get()
    url = reverse("admin:directory_harvestconflict_settle", args=[conflict.pk])

    page = client.get(_page(conflict)).content.decode()
    assert 'name="choice"' not in page
    assert client.post(url, {"choice": "feed"}).status_code == 403
    assert Organization.objects.get().summary == "Our curator's summary."


def test_an_unknown_conflict_is_a_404(django_user_model):
    client = _user(django_user_model, "Curators")

    assert client.get("/admin/directory/harvestconflict/999/change/").status_code == 404
    assert client.get("/admin/directory/harvestconflict/abc/change/").status_code == 404


def test_an_editor_adds_a_feed_through_the_form_as_rendered(django_user_model):
    client = _user(django_user_model, "Editors")
    url = reverse("admin:directory_feed_add")

    typed = {"name": "Open Directory", "url": "https://open.example/api/hsds/", "publish": "on"}
    data = {**rendered_form(client.get(url)), **typed}
    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    feed = Feed.objects.get()
    assert (feed.name, feed.publish, feed.schedule) == ("Open Directory", True, "daily")


def test_a_feed_address_must_be_http(django_user_model):
    client = _user(django_user_model, "Editors")
    url = reverse("admin:directory_feed_add")

    data = {**rendered_form(client.get(url)), "name": "Bad", "url": "javascript:alert(1)"}
    response = client.post(url, data)

    assert response.status_code == 200
    assert not Feed.objects.exists()


def test_curators_see_feeds_but_do_not_configure_them(feed, django_user_model):
    client = _user(django_user_model, "Curators")

    assert client.get(reverse("admin:directory_feed_changelist")).status_code == 200
    assert client.get(reverse("admin:directory_feed_add")).status_code == 403
    change = reverse("admin:directory_feed_change", args=[feed.pk])
    assert client.post(change, {"name": "Renamed"}).status_code == 403
    assert client.get(reverse("admin:directory_feed_delete", args=[feed.pk])).status_code == 403
