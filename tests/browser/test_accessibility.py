"""Every kind of page passes axe-core's WCAG 2.x A and AA rules, in both colour schemes and
both languages, and the Nu HTML Checker finds no error in what the server sends."""

import json
import subprocess
import urllib.error
import urllib.request

import pytest

from tests.browser.support import (
    JAVA,
    VNU,
    axe_violations,
    korean_urls,
    needs_browser,
    needs_vnu,
    page_paths,
)

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_page_type_has_no_axe_violation(site, page, language, scheme, settings):
    if language == "ko" and not korean_urls():
        pytest.skip("the Korean interface (/ko/ URLs) is not there yet")
    page.emulate_media(color_scheme=scheme)
    found = {}
    for name, path in page_paths(language, site.opportunity).items():
        page.goto(site.url(path))
        found[name] = axe_violations(page)
        assert page.locator("h1").count() == 1, f"{name}: not exactly one h1"
        assert page.locator("main#main").count() == 1, f"{name}: no main landmark"

    # The 429 page: the visitor's search limit, lowered to one a minute, runs out.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/m"}
    search = page_paths(language, site.opportunity)["search"]
    statuses = [page.goto(site.url(search)).status for _ in range(2)]
    assert statuses[-1] == 429
    found["too-many-requests"] = axe_violations(page)

    failures = [f"{name}: {line}" for name, lines in found.items() for line in lines]
    assert not failures, "\n".join(failures)


# axe-core's best-practice rules on landmarks: each page has one of each top-level landmark,
# and two of a kind (two <nav>, two search forms) have names that tell them apart.
LANDMARK_RULES = [
    "landmark-unique",
    "landmark-one-main",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-complementary-is-top-level",
    "region",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_page_type_has_unique_named_landmarks(site, page, language, scheme):
    if language == "ko" and not korean_urls():
        pytest.skip("the Korean interface (/ko/ URLs) is not there yet")
    page.emulate_media(color_scheme=scheme)
    failures = []
    for name, path in page_paths(language, site.opportunity).items():
        page.goto(site.url(path))
        failures += [f"{name}: {line}" for line in axe_violations(page, rules=LANDMARK_RULES)]
        searches = page.locator("[role=search], search")
        if name in ("home", "search"):  # one search box on a page that is a search box
            assert searches.count() == 1, f"{name}: {searches.count()} search landmarks"
    assert not failures, "\n".join(failures)


@needs_vnu
def test_every_page_type_is_valid_html(site, tmp_path):
    languages = ["en", "ko"] if korean_urls() else ["en"]
    files = []
    for language in languages:
        for name, path in page_paths(language, site.opportunity).items():
            try:
                body = urllib.request.urlopen(site.url(path)).read()  # noqa: S310 - our server
            except urllib.error.HTTPError as error:  # 400 and 404 pages are pages too
                body = error.read()
            files.append(tmp_path / f"{language}-{name}.html")
            files[-1].write_bytes(body)

    checked = subprocess.run(
        [JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )

    messages = json.loads(checked.stderr or checked.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert not errors, "\n".join(errors)
