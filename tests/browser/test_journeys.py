"""The key journeys, with the keyboard alone: Tab, Shift+Tab, Enter, Space, arrows, Escape."""

import pytest

from directory.models import Issue, Organization, Suggestion
from tests.browser.support import axe_violations, focused, needs_browser, tab_to

pytestmark = [pytest.mark.browser, needs_browser]

LINK = "/organizations/liberty-in-north-korea/"
GIVER = "pscore"
# The result count is taken out of its live region after filtering, then put back to be read.
SPOKEN = "() => document.querySelector('[data-results-status] h2').textContent.trim() !== ''"


def choose_option(page, value: str, limit: int = 60) -> None:
    """Arrow down the focused select until it shows `value`."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {value!r}")


def test_the_skip_link_comes_first_and_moves_focus_to_the_content(site, page):
    page.goto(site.url("/"))

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content"
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")

    assert focused(page)["id"] == "main"


def test_a_donor_searches_filters_opens_an_organization_and_reaches_its_donation_link(site, page):
    page.goto(site.url("/"))
    tab_to(page, "#home-q")
    page.keyboard.type("north korea")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#id_q").input_value() == "north korea"

    tab_to(page, "#id_issue")
    choose_option(page, "refugees-and-defectors")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # a choice made with the keyboard applies on Enter

    assert "issue=refugees-and-defectors" in page.url
    assert focused(page)["id"] == "id_issue"  # back where the visitor was
    status = page.locator("[data-results-status] h2")
    page.wait_for_function(SPOKEN)
    assert "matching “north korea”" in status.inner_text()

    giver = Organization.objects.get(slug=GIVER)  # one of the seed's with a donation page
    tab_to(page, f".card__title a[href='{giver.get_absolute_url()}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text().startswith(giver.name)

    donate = tab_to(page, ".ways a.button")
    assert donate["text"].startswith("Donate")
    assert donate["href"] == giver.donate_url
    assert page.locator(".trust").is_visible()


def test_search_suggestions_work_as_a_combobox(site, page):
    page.goto(site.url("/issues/"))
    box = page.locator("#site-search-q")
    tab_to(page, "#site-search-q")
    page.keyboard.type("liberty")
    first = page.locator("#site-search-q-suggestions [role=option]").first
    first.wait_for()
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "site-search-q-suggestions"

    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None

    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-expanded") == "true"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.url(LINK)


def test_a_visitor_browses_an_issue_to_an_organization(site, page):
    page.goto(site.url("/"))
    tab_to(page, ".site-nav a[href='/issues/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, ".tile a[href='/issues/human-trafficking/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == Issue.objects.get(slug="human-trafficking").name

    org = tab_to(page, "section[aria-labelledby='orgs-heading'] .card__title a")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url == site.url(org["href"])
    assert page.locator(".issue-list a[href='/issues/human-trafficking/']").count() == 1


def test_a_donor_compares_two_organizations(site, page):
    page.goto(site.url("/organizations/"))
    tab_to(page, "input[name=orgs][value=liberty-in-north-korea]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=orgs][value=pscore]")
    page.keyboard.press("Space")
    tab_to(page, ".compare-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    columns = page.locator("table.compare thead th[scope=col] > a:first-child")
    names = Organization.objects.filter(slug__in=["liberty-in-north-korea", "pscore"])
    assert columns.all_inner_texts() == [org.name for org in names.order_by("slug")]


def test_a_visitor_suggests_an_organization(site, page):
    page.goto(site.url("/"))
    tab_to(page, ".site-footer a[href='/suggest/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab_to(page, "#id_name")
    page.keyboard.type("Harbor House")
    tab_to(page, "#id_website")
    page.keyboard.type("https://harbor.example.org")
    tab_to(page, "#id_summary")
    page.keyboard.type("Runs a shelter for women who escaped trafficking.")
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("h1").inner_text() == "Thank you"
    assert Suggestion.objects.get().name == "Harbor House"


def test_filters_work_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url("/organizations/"))
    tab_to(page, "#id_type")
    choose_option(page, "research")
    assert "type=" not in page.url  # nothing happens until Apply
    tab_to(page, ".filters button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "type=research" in page.url
    assert "1 organization" in page.locator("#results-heading").inner_text()
    context.close()


def test_choosing_a_filter_with_the_pointer_applies_it_at_once(site, page):
    page.goto(site.url("/volunteer/"))
    assert page.locator("[data-js-hint]").is_visible()  # the change of page is announced

    with page.expect_navigation():
        page.select_option("#id_mode", "remote")

    assert "mode=remote" in page.url
    assert focused(page)["id"] == "id_mode"
    page.wait_for_function(SPOKEN)
    assert page.locator("[data-results-status] h2").inner_text() == "1 opportunity done remotely"


def test_a_keyboard_user_reaches_the_donation_link_first_in_the_content(site, page):
    giver = Organization.objects.get(slug=GIVER)
    page.goto(site.url(giver.get_absolute_url()))

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")

    donate = focused(page)
    assert donate["text"].startswith("Donate")
    assert donate["href"] == giver.donate_url


def test_an_open_opportunity_is_the_way_to_volunteer_when_there_is_no_volunteer_page(site, page):
    page.goto(site.url(LINK))  # no donation or volunteer page; an opportunity open here
    assert page.locator("#help-heading").is_visible()

    way = tab_to(page, ".ways a")
    assert way["text"] == "1 volunteer opportunity"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.url(site.opportunity.get_absolute_url())


def test_the_donation_link_is_a_few_tab_presses_from_the_top(site, page):
    page.goto(site.url(Organization.objects.get(slug=GIVER).get_absolute_url()))
    presses = 0
    while not page.evaluate("() => document.activeElement.matches('.ways a.button')"):
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 12, focused(page)  # skip link, brand, 4 menu links, search, language


def test_the_home_search_and_the_header_search_lead_to_the_same_results(site, page):
    page.goto(site.url("/"))
    assert page.locator("#site-search-q").count() == 0  # one search box on the home page
    tab_to(page, "#home-q")
    page.keyboard.type("refugee")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    from_home = page.url

    page.goto(site.url("/issues/"))
    tab_to(page, "#site-search-q")
    page.keyboard.type("refugee")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url == from_home == site.url("/organizations/?q=refugee")


def test_on_a_phone_the_filters_fold_away_and_open_on_demand(site, browser):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(site.url("/organizations/"))

    fold = page.locator("details.filters-fold")
    assert fold.get_attribute("open") is None
    assert not page.locator("#id_issue").is_visible()
    tab_to(page, "details.filters-fold > summary")
    page.keyboard.press("Enter")
    assert page.locator("#id_issue").is_visible()

    # After choosing a filter the page comes back with the fold open on that filter.
    tab_to(page, "#id_type")
    choose_option(page, "research")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_type"
    assert fold.get_attribute("open") is not None
    context.close()


def test_a_country_with_no_listing_says_so_and_offers_a_way_back(site, page):
    page.goto(site.url("/organizations/?country=FR"))

    assert page.locator("#results-heading").inner_text() == "0 organizations in France"
    assert page.locator("#id_country").input_value() == "FR"
    with page.expect_navigation():
        page.get_by_role("link", name="Without “France”").click()
    assert page.url == site.url("/organizations/?")
    assert page.locator(".card").count() == Organization.objects.published().count()
