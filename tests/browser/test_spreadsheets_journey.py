"""A curator's spreadsheet round trip in the browser: sign in to the admin, export the
organizations, make a mistake in a cell, see it named in the preview, fix it, import."""

import csv
import io
from pathlib import Path

import pytest

from directory.models import Organization
from tests.browser.support import needs_browser
from tests.factories import make_superuser

pytestmark = [pytest.mark.browser, needs_browser]

ORGS = "/admin/directory/organization/"
# django-import-export's own templates carry inline styles and an inline handler, which the
# site's Content Security Policy blocks on these two pages; this journey needs neither.
THIRD_PARTY_PAGES = (f"{ORGS}export/", f"{ORGS}import/")


@pytest.fixture
def admin_tab(browser):
    """A browser tab, like the `page` fixture, that fails on a script error, or on a
    Content Security Policy violation outside the two pages above."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems = []

    def on_console(message):
        if "Content Security Policy" in message.text and not tab.url.endswith(THIRD_PARTY_PAGES):
            problems.append(f"{tab.url}: {message.text}")

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab
    context.close()
    assert problems == [], problems


def sign_in(site, page) -> None:
    make_superuser("editor")
    page.goto(site.url("/admin/"))
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.locator("#site-name").is_visible()


def export_csv(site, page) -> list[dict]:
    page.goto(site.url(f"{ORGS}export/"))
    page.select_option("#id_format", label="csv")
    with page.expect_download() as download:
        page.click("input[type=submit]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def upload(site, page, tmp_path, rows: list[dict]) -> None:
    path = tmp_path / "organizations.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    page.goto(site.url(f"{ORGS}import/"))
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label="csv")
    with page.expect_navigation():
        page.click("input[type=submit][value=Submit]")


def test_a_curator_fixes_a_cell_the_preview_names_and_imports(site, admin_tab, tmp_path):
    page = admin_tab
    sign_in(site, page)
    rows = export_csv(site, page)
    # Numbered as the spreadsheet numbers its rows: the header is row 1.
    number, pscore = next((n, row) for n, row in enumerate(rows, 2) if row["slug"] == "pscore")
    assert set(pscore["issues"].split("|")) == {"child-labor", "refugees-and-defectors"}

    pscore["issues"] = "child-labor|child-labour"
    upload(site, page, tmp_path, rows)

    invalid = page.locator("table.import-preview tbody tr")
    assert invalid.count() == 1
    assert invalid.locator("td").first.inner_text().strip() == str(number)
    assert invalid.locator(".validation-error-field-label").text_content() == "issues"
    assert "Unknown issue slug: 'child-labour'" in invalid.locator(".errors").inner_text()
    assert page.locator("input[value='Confirm import']").count() == 0

    pscore["issues"] = "child-labor|refugees-and-defectors|human-trafficking"
    upload(site, page, tmp_path, rows)
    assert page.locator("tr.update").count() == 1
    assert page.locator("tr.skip").count() == len(rows) - 1
    with page.expect_navigation():
        page.click("input[value='Confirm import']")

    assert page.url == site.url(ORGS)
    assert "1 update" in page.locator(".messagelist").inner_text()
    issues = Organization.objects.get(slug="pscore").issues.values_list("slug", flat=True)
    assert set(issues) == {"child-labor", "refugees-and-defectors", "human-trafficking"}
