"""The site's own pages: how listings are chosen and checked, who runs the site, how to
reach us, and what the public forms keep. Each page's prose is one template per language
(`pages/<name>.<language>.html`); English stands in where a translation is missing."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import get_language

from directory.models.listings import NEEDS_SOURCE
from directory.models.taxonomy import KeyFact
from directory.models.verification import CHECKS

PAGES = ("methodology", "about", "contact", "privacy")


def _render(request, name: str):
    ctx = {
        "page": name,
        "checks": CHECKS.values(),
        "needs_source": NEEDS_SOURCE,
        "review_due_days": settings.REVIEW_DUE_DAYS,
        "old_after_years": KeyFact.OLD_AFTER_YEARS,
        "retention_days": settings.CONTACT_RETENTION_DAYS,
        "contact_email": settings.CONTACT_EMAIL,
    }
    language = (get_language() or "en").split("-")[0]
    return render(request, [f"pages/{name}.{language}.html", f"pages/{name}.en.html"], ctx)


def methodology(request):
    return _render(request, "methodology")


def about(request):
    return _render(request, "about")


def contact(request):
    return _render(request, "contact")


def privacy(request):
    return _render(request, "privacy")
