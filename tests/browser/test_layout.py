"""Page weight, layouts from 320 px up, and the screenshots in docs/screenshots/."""

import gzip
import re
import urllib.error
import urllib.request

import pytest

from tests.browser.support import (
    PAGE_BUDGET,
    SCREENSHOTS,
    korean_urls,
    needs_browser,
    page_paths,
)

pytestmark = [pytest.mark.browser, needs_browser]

ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def fetch(url: str) -> bytes:
    try:
        return urllib.request.urlopen(url).read()  # noqa: S310 - the test's own server
    except urllib.error.HTTPError as error:  # 400 and 404 pages are pages too
        return error.read()


def test_every_page_type_weighs_at_most_50_kb_compressed(site):
    weights = {}
    for language in ["en", "ko"] if korean_urls() else ["en"]:
        for name, path in page_paths(language, site.opportunity).items():
            html = fetch(site.url(path))
            assets = [fetch(site.url(asset)) for asset in ASSET.findall(html.decode())]
            compressed = [len(gzip.compress(body, compresslevel=6)) for body in [html, *assets]]
            weights[f"{language}:{name}"] = sum(compressed)

    too_heavy = {name: weight for name, weight in weights.items() if weight > PAGE_BUDGET}
    assert too_heavy == {}, weights


def test_no_page_type_scrolls_sideways_at_320_px(site, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    wide = {}
    for name, path in page_paths("en", site.opportunity).items():
        page.goto(site.url(path))
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide[name] = width
    context.close()
    assert wide == {}


SHOTS = ["home", "list", "organization", "issue", "volunteer", "compare"]
# Width, height of the window, and how much of the page's top the picture shows.
WIDTHS = {"desktop": (1280, 900, 1000), "mobile": (375, 812, 1600)}


@pytest.mark.parametrize("device", WIDTHS)
def test_screenshots_of_the_main_pages(site, browser, device):
    width, height, shown = WIDTHS[device]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    paths = page_paths("en", site.opportunity)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in SHOTS:
        page.goto(site.url(paths[name]))
        target = SCREENSHOTS / f"{name}-{device}.png"
        tall = min(page.evaluate("() => document.documentElement.scrollHeight"), shown)
        clip = {"x": 0, "y": 0, "width": width, "height": tall}
        page.screenshot(path=str(target), full_page=True, clip=clip)
        assert target.stat().st_size < 300 * 1024, f"{target.name} is over 300 KB"
    context.close()


def test_on_a_phone_the_way_to_give_is_near_the_top_of_an_organization_page(site, browser):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(site.url("/organizations/pscore/"))  # a seed listing with a donation page

    donate = page.locator(".ways a.button").first.bounding_box()
    about = page.locator("#about").bounding_box()
    context.close()

    assert donate["y"] < 812 * 1.5, donate  # within a screen and a half, not thousands down
    assert donate["y"] < about["y"]


def test_on_a_phone_the_results_come_before_the_filters(site, browser):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    for path in ("/organizations/", "/volunteer/"):
        page.goto(site.url(path))
        heading = page.locator("#results-heading").bounding_box()
        assert heading["y"] < 812, (path, heading)
        assert not page.locator(".filters button[type=submit]").is_visible(), path
    context.close()


def test_on_a_wide_screen_the_filters_and_the_ways_to_help_sit_beside_the_content(site, page):
    page.goto(site.url("/organizations/"))
    assert page.locator("#id_issue").is_visible()
    assert not page.locator("details.filters-fold > summary").is_visible()

    page.goto(site.url(page_paths("en", site.opportunity)["organization"]))
    help_box = page.locator("#help-heading").bounding_box()
    about = page.locator("#about").bounding_box()
    trust = page.locator("#trust-heading").bounding_box()
    assert help_box["x"] > about["x"] + about["width"]  # the right-hand column
    assert abs(help_box["y"] - about["y"]) < 50  # level with the description
    assert trust["y"] > help_box["y"]  # and the listing's trust panel under it
    assert abs(trust["x"] - help_box["x"]) < 2


def test_screenshots_of_the_trust_panel_verified_and_not(site, browser):
    """The trust panel of a seeded listing (not yet verified) and of a demonstration
    listing made here with one verification, so the checklist of what was checked shows."""
    from directory.models import Organization, Source, Verification
    from directory.search import index

    demo = Organization.objects.create(
        name="Example Relief Fund (demonstration)",
        slug="example-relief-fund",
        summary="A made-up listing that shows what a verified listing looks like.",
        status=Organization.Status.PUBLISHED,
        website="https://example.org/",
        donate_url="https://example.org/give",
    )
    demo.sources.add(
        Source.objects.create(
            slug="example-annual-report",
            title="Annual report",
            publisher="Example Relief Fund",
            year=2025,
            url="https://example.org/annual-report",
        )
    )
    Verification.objects.create(
        organization=demo,
        website_answers=True,
        donation_page_answers=True,
        sources_reread=True,
        note="A demonstration: no real organization was checked for this picture.",
    )
    demo.refresh_last_verified()
    index.refresh_organizations([demo.pk])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    shots = [
        ("trust-verified", "example-relief-fund", "What was checked"),
        ("trust-unverified", "pscore", "Not yet verified"),
    ]
    for name, slug, shown in shots:
        page.goto(site.url(f"/organizations/{slug}/"))
        trust = page.locator(".trust")
        assert shown in trust.inner_text()
        target = SCREENSHOTS / f"{name}-desktop.png"
        trust.screenshot(path=str(target))
        assert target.stat().st_size < 300 * 1024
    context.close()
