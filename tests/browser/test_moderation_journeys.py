"""The curator's other journeys in Chromium: turning the public's suggestions and
corrections into work, and keeping listings verified, with the admin's review column, its
filter and the public page agreeing on the same dates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import Correction, Organization, Suggestion
from tests.browser.admin_support import AdminTab, change_url, staff_member
from tests.browser.support import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

ORGANIZATIONS = "/admin/directory/organization/"


@pytest.fixture
def curator(browser, site, django_user_model):
    staff_member(django_user_model, "Curators", "carol")
    tab = AdminTab(browser, site)
    tab.sign_in("carol")
    yield tab
    tab.close()


def _visitor_sends(page, site, path: str, fields: dict, button: str) -> None:
    page.goto(site.url(path))
    for name, value in fields.items():
        page.locator(f"#id_{name}").fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    assert "/thanks/" in page.url


def test_a_suggestion_becomes_a_draft_listing_with_one_click(site, page, curator):
    _visitor_sends(
        page,
        site,
        "/suggest/",
        {
            "name": "Harbor Shelter Network",
            "website": "https://harbor.example/",
            "summary": "Shelters for women who escaped trafficking.",
        },
        "Send suggestion",
    )
    suggestion = Suggestion.objects.get(name="Harbor Shelter Network")

    curator.open(change_url(suggestion))
    curator.press("Create a draft listing from this suggestion")

    draft = Organization.objects.get(name="Harbor Shelter Network")
    assert curator.page.url.endswith(change_url(draft))
    assert "Draft listing" in curator.messages()[0]
    assert curator.value("summary") == "Shelters for women who escaped trafficking."
    assert curator.value("website") == "https://harbor.example/"
    assert curator.value("status") == "draft"
    curator.open(change_url(suggestion))
    page_text = curator.page.locator("#content").inner_text()
    assert "carol" in page_text and "Draft listing created" in page_text


def test_a_correction_opens_beside_its_listing_and_records_who_handled_it(site, page, curator):
    _visitor_sends(
        page,
        site,
        "/organizations/pscore/correction/",
        {"message": "PSCORE's tutoring now also runs online.", "source_url": ""},
        "Send report",
    )
    correction = Correction.objects.get()

    curator.open(change_url(correction))
    with curator.page.expect_navigation():
        curator.page.get_by_role("link", name="Open the listing beside this correction").click()
    beside = curator.page.locator("#correction-beside").inner_text()
    assert "PSCORE's tutoring now also runs online." in beside
    curator.fill("summary", curator.value("summary") + " Tutoring also runs online.")
    curator.save()

    curator.open(change_url(correction))
    curator.field("status").select_option("accepted")
    curator.fill("outcome", "Summary updated")
    curator.save()
    correction.refresh_from_db()
    assert correction.handled_by.username == "carol"
    assert correction.outcome == "Summary updated"
    assert "Tutoring also runs online." in Organization.objects.get(slug="pscore").summary


def _review_cell(tab: AdminTab, org) -> str:
    tab.open(ORGANIZATIONS)
    row = tab.page.locator("#result_list tr", has=tab.page.get_by_role("link", name=org.name))
    return row.locator("td.field-is_due").inner_text().strip()


def _listed(tab: AdminTab, due: str) -> list[str]:
    tab.open(f"{ORGANIZATIONS}?review_due={due}")
    return tab.page.locator("#result_list th.field-name a").all_inner_texts()


def test_the_review_column_the_filter_and_the_public_page_agree(site, page, curator):
    pscore = Organization.objects.get(slug="pscore")
    assert _review_cell(curator, pscore) == "Due: never verified"
    assert pscore.name in _listed(curator, "yes")

    curator.open(change_url(pscore))
    curator.add_inline_row("Add another Verification")
    curator.field("verifications-0-website_answers").check()
    curator.field("verifications-0-sources_reread").check()
    curator.save()

    assert _review_cell(curator, pscore) == "Up to date"
    assert pscore.name in _listed(curator, "no")
    assert pscore.name not in _listed(curator, "yes")
    page.goto(site.url("/organizations/pscore/"))
    trust = page.locator(".trust").inner_text()
    assert "Last verified on" in trust and "last checked over" not in trust

    long_ago = timezone.localdate() - timedelta(days=400)
    curator.open(change_url(pscore))
    curator.fill("verifications-0-verified_on", long_ago.isoformat())
    curator.save()

    assert _review_cell(curator, pscore) == "Due"
    assert pscore.name in _listed(curator, "yes")
    page.goto(site.url("/organizations/pscore/"))
    assert "last checked over 365 days ago" in page.locator(".trust").inner_text()
