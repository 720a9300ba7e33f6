"""A donor and a volunteer on the seed content as `make run` serves it, in English and in
Korean, on a desktop and on a phone: from the home page to a way to give, and from the
volunteer list to an opportunity's apply link, with no accessibility violation on the way."""

import pytest

from directory.models import Opportunity, Organization
from tests.browser.support import axe_violations, needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

WIDTHS = {"desktop": 1280, "phone": 375}
LANGUAGES = {"en": "", "ko": "/ko"}


@pytest.fixture(params=list(WIDTHS))
def tab(request, browser):
    context = browser.new_context(viewport={"width": WIDTHS[request.param], "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def seeded(site):
    # The browser fixture adds an opportunity of its own; the journeys use the seed's.
    Opportunity.objects.exclude(slug="one-to-one-tutor").delete()
    return site


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_donor_goes_from_the_home_page_to_a_way_to_give(seeded, tab, language):
    prefix = LANGUAGES[language]
    pscore = Organization.objects.get(slug="pscore")
    tab.goto(seeded.url(f"{prefix}/"))
    assert axe_violations(tab) == []

    tab.fill("#home-q", "PSCORE")
    with tab.expect_navigation():
        tab.press("#home-q", "Enter")
    assert axe_violations(tab) == []
    with tab.expect_navigation():
        tab.click(f"a[href='{prefix}/organizations/pscore/']")

    give = tab.locator(".ways a.button").first
    assert give.get_attribute("href") == pscore.donate_url
    assert give.get_attribute("rel") == "noopener noreferrer"
    assert give.bounding_box()["y"] < 1200  # near the top, on a phone too
    trust = tab.locator(".trust")
    assert trust.locator(".checklist li").count() == 5
    not_verified = "아직 확인되지 않음" if language == "ko" else "Not yet verified"
    assert not_verified in trust.inner_text()
    assert axe_violations(tab) == []


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_volunteer_goes_from_the_volunteer_list_to_an_apply_link(seeded, tab, language):
    prefix = LANGUAGES[language]
    tutoring = Opportunity.objects.get(slug="one-to-one-tutor")
    tab.goto(seeded.url(f"{prefix}/volunteer/"))
    assert axe_violations(tab) == []

    with tab.expect_navigation():
        tab.click(f"a[href='{prefix}{tutoring.get_absolute_url()}']")

    apply = tab.locator(f"a.button[href='{tutoring.apply_url}']")
    assert apply.count() == 1
    assert apply.is_visible()
    assert apply.get_attribute("target") == "_blank"
    assert axe_violations(tab) == []
