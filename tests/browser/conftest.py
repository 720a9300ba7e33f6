"""Fixtures for the browser tests: the machine's Chromium, driven by Playwright, against
pytest-django's live server with the seed content loaded."""

import datetime
import os

import pytest
from django_countries import countries

from directory.models import Country, Issue, Opportunity, Organization
from directory.seed import load_file
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, WHY_NO_BROWSER


@pytest.fixture(scope="package")
def browser():
    if WHY_NO_BROWSER:
        pytest.skip(WHY_NO_BROWSER)
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API keeps an event loop running in this thread, which makes
    # Django refuse database calls from it; the tests' own calls are synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Site:
    """The live server with the seed content, and one volunteer opportunity."""

    def __init__(self, live_server):
        self.base = live_server.url
        self.opportunity = self._opportunity()

    def url(self, path: str) -> str:
        return self.base + path

    @staticmethod
    def _opportunity() -> Opportunity:
        opportunity = Opportunity.objects.create(
            organization=Organization.objects.get(slug="liberty-in-north-korea"),
            title="Translate refugee stories",
            slug="translate-refugee-stories",
            description="Translate first-person accounts from Korean into English.",
            mode=Opportunity.Mode.REMOTE,
            time_commitment="3 hours a week",
            apply_url="https://www.libertyinnorthkorea.org/volunteer",
            expires=datetime.date.today() + datetime.timedelta(days=60),
            status=Opportunity.Status.PUBLISHED,
        )
        opportunity.issues.set(Issue.objects.filter(slug="refugees-and-defectors"))
        return opportunity


@pytest.fixture
def site(browser, live_server, settings):
    # Every page here is one visitor's; the search limit is tested elsewhere.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "10000/m", "forms": "1000/h"}
    # A transactional test's database is emptied afterwards, even of what migrations loaded.
    Country.objects.bulk_create(
        [Country(code=code, name=str(name)) for code, name in countries], ignore_conflicts=True
    )
    load_file()
    return Site(live_server)


@pytest.fixture
def page(browser):
    """A fresh browser tab at desktop width; it fails the test on a script error or any
    Content Security Policy violation (an inline script or style, another origin)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab
    context.close()
    assert problems == [], problems
