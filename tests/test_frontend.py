"""The front end's own rules: a small script, and nothing inline that the CSP would block."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted(
    (ROOT / "directory" / "templates").rglob("*.html")
)


def test_the_script_stays_under_10_kb():
    assert (ROOT / "static" / "js" / "site.js").stat().st_size < 10 * 1024


def test_no_template_has_an_inline_script_style_or_event_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>")
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    style = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
    found = [
        f"{path.relative_to(ROOT)}: {pattern.pattern}"
        for path in TEMPLATES
        for pattern in (inline_script, handler, style)
        if pattern.search(path.read_text())
    ]
    assert found == []


def test_every_page_loads_the_script_deferred_from_our_own_static_files(client):
    html = client.get("/no-such-page/").content.decode()  # any page built on base.html

    assert re.search(r'<script src="/static/js/site\.js" defer></script>', html)
