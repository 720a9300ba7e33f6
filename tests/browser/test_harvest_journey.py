"""Harvesting in Chromium: an editor adds a feed in the admin, the scheduled harvest brings
its listings, and when the feed changes a listing a curator here had edited, a curator
settles the conflict from the page that shows both versions."""

# ruff: noqa: F811 (the fixtures imported from tests.harvest_feed are named as parameters)

import pytest
from django.core.management import call_command

from directory.models import Feed, Organization
from tests.browser.admin_support import AdminTab, staff_member
from tests.browser.support import needs_browser
from tests.harvest_feed import feed_server, organization, touch  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, needs_browser]


def _sign_in(browser, site, django_user_model, role, username) -> AdminTab:
    staff_member(django_user_model, role, username)
    tab = AdminTab(browser, site)
    tab.sign_in(username)
    return tab


def test_a_feed_is_added_harvested_and_its_conflict_settled(
    browser, site, page, feed_server, django_user_model
):
    haven = organization("Haven House", services=["Shelter"])
    feed_server.feed.organizations = [haven]

    editor = _sign_in(browser, site, django_user_model, "Editors", "edna")
    editor.open("/admin/directory/feed/add/")
    editor.fill("name", "Open Directory")
    editor.fill("url", feed_server.url)
    editor.field("publish").check()
    editor.field("schedule").select_option("hourly")
    assert "was added successfully" in editor.save()
    editor.close()

    call_command("harvest_hsds", "--due", "--allow-private")  # as the hourly timer runs it
    org = Organization.objects.get(name="Haven House")
    assert org.status == Organization.Status.PUBLISHED
    page.goto(site.url(org.get_absolute_url()))
    assert "This listing comes from Open Directory" in page.locator(".provenance").inner_text()

    org.summary = "A curator's own summary."
    org.save()
    touch(haven, description="The feed's rewritten description.")
    Feed.objects.update(last_attempt=None)  # due again
    call_command("harvest_hsds", "--due", "--allow-private")

    curator = _sign_in(browser, site, django_user_model, "Curators", "carol")
    curator.open("/admin/directory/harvestconflict/")
    with curator.page.expect_navigation():
        curator.page.get_by_role("link", name="Haven House").first.click()
    table = curator.page.locator("table.harvest-diff").inner_text()
    assert "A curator's own summary." in table
    assert "The feed's rewritten description." in table
    curator.press("Take the feed's version")
    assert curator.messages() == ["Settled."]
    assert (
        "The feed's version was taken by carol"
        in curator.page.locator("#content-main").inner_text()
    )
    curator.close()

    page.goto(site.url(org.get_absolute_url()))
    assert "The feed's rewritten description." in page.locator("main").inner_text()
