"""What the browser tests share: where the tools are, the pages to check, keyboard helpers."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java") or "/usr/bin/java"
SCREENSHOTS = ROOT / "docs" / "screenshots"

# The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PAGE_BUDGET = 50 * 1024  # bytes of HTML, CSS and JS, compressed, per page


def _why_no_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return "node_modules/axe-core is missing (run `npm ci`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    return None


WHY_NO_BROWSER = _why_no_browser()
needs_browser = pytest.mark.skipif(WHY_NO_BROWSER is not None, reason=WHY_NO_BROWSER or "")
needs_vnu = pytest.mark.skipif(
    not VNU.exists() or not Path(JAVA).exists(),
    reason="the Nu HTML Checker needs Java and node_modules/vnu-jar (run `npm ci`)",
)


def korean_urls() -> bool:
    """Whether the interface is served in Korean under /ko/ yet."""
    try:
        with translation.override("ko"):
            return reverse("directory:home").startswith("/ko/")
    except NoReverseMatch:
        return False


def page_paths(language: str, opportunity) -> dict[str, str]:
    """One address for every kind of public page, in the given language."""
    with translation.override(language):
        home = reverse("directory:home")
        org_list = reverse("directory:organization-list")
        org = "liberty-in-north-korea"
        return {
            "home": home,
            "list": org_list,
            "list-filtered": f"{org_list}?q=north+korea&issue=refugees-and-defectors&sort=name",
            "list-empty": f"{org_list}?q=zebra+xylophone",
            "list-invalid": f"{org_list}?type=nonsense",
            "organization": reverse("directory:organization-detail", args=[org]),
            "issues": reverse("directory:issue-list"),
            "issue": reverse("directory:issue-detail", args=["human-trafficking"]),
            "focus-areas": reverse("directory:focus-area-list"),
            "focus-area": reverse("directory:focus-area-detail", args=["rescue-and-safe-passage"]),
            "search": reverse("directory:search") + "?q=refugee",
            "volunteer": reverse("directory:opportunity-list"),
            "opportunity": opportunity.get_absolute_url(),
            "compare": reverse("directory:compare") + f"?orgs={org},pscore",
            "compare-empty": reverse("directory:compare"),
            "suggest": reverse("directory:suggest"),
            "correction": reverse("directory:report-correction", args=[org]),
            "thanks": reverse("directory:suggest-thanks"),
            "not-found": home + "no-such-page/",
        }


def focused(page) -> dict:
    """What has the keyboard focus: its tag, id, name, text and href."""
    return page.evaluate(
        """() => { const el = document.activeElement;
        return {tag: el.tagName.toLowerCase(), id: el.id, name: el.name || "",
                text: (el.textContent || "").trim(), href: el.getAttribute("href") || ""}; }"""
    )


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 250) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return focused(page)
    raise AssertionError(f"{limit} presses of {key} never reached {selector}")


def axe_violations(page, rules: list[str] | None = None) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as loaded (or those of the given
    `rules`, e.g. best-practice ones), one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())  # evaluated by the driver, so the page's CSP allows it
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    result = page.evaluate(
        """runOnly => axe.run(document, {runOnly: runOnly, resultTypes: ["violations"]})""",
        run_only,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]
