"""The ways to help an organization, each with a line saying what it means; and which
organizations offer a way to donate or to volunteer (the list's `help` filter).

An organization takes volunteers when it has a volunteer page of its own or a volunteer
opportunity open in the directory (published, not expired): `offering_help` is the rule
the filter, its option counts and the cards' "Takes volunteers" share.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Way:
    field: str
    label: str
    explanation: str
    css: str = ""


WAYS = [
    Way(
        "donate_url",
        _("Donate"),
        _("Give money on the organization's own donation page."),
        "button",
    ),
    Way(
        "volunteer_url",
        _("Volunteer"),
        _("Offer your time or skills through the organization's volunteer page."),
        "button button--secondary",
    ),
    Way(
        "advocacy_url",
        _("Speak up"),
        _("Join a campaign, sign a petition or contact representatives on the issue."),
    ),
    Way(
        "fundraising_url",
        _("Fundraise"),
        _("Raise money from friends and family, for example through an event or challenge."),
    ),
]


OPPORTUNITIES_ANCHOR = "#opportunities-heading"


def _open_opportunities(organization) -> list:
    """Its visible opportunities, when they were prefetched (as `open_opportunities` or
    `opportunities`, by `directory.cards` and `directory.compare`): no query here."""
    if hasattr(organization, "open_opportunities"):
        return list(organization.open_opportunities)
    prefetched = getattr(organization, "_prefetched_objects_cache", {})
    return list(prefetched.get("opportunities", []))


def ways_to_help(organization, opportunities=None) -> list[dict]:
    """The ways it offers, in a fixed order. `opportunities` are its open volunteer
    opportunities (read from a prefetch when not given): with any, volunteering is one of
    the ways even without a volunteer page of its own."""
    if opportunities is None:
        opportunities = _open_opportunities(organization)
    ways = []
    for way in WAYS:
        url = getattr(organization, way.field)
        if url:
            ways.append(
                {
                    "url": url,
                    "label": way.label,
                    "explanation": way.explanation,
                    "css": way.css,
                    "external": True,
                }
            )
        if way.field == "volunteer_url" and opportunities:
            ways.append(_opportunities_way(organization, list(opportunities), primary=not url))
    return ways


def _opportunities_way(organization, opportunities: list, primary: bool) -> dict:
    n = len(opportunities)
    return {
        # One opportunity: its own page; more: the list of them on the organization's page.
        "url": opportunities[0].get_absolute_url()
        if n == 1
        else organization.get_absolute_url() + OPPORTUNITIES_ANCHOR,
        "label": ngettext("%(count)d volunteer opportunity", "%(count)d volunteer opportunities", n)
        % {"count": n},
        "explanation": _(
            "Open roles listed in this directory, each with what it asks of you and how to apply."
        ),
        "css": WAYS[1].css if primary else "",
        "external": False,
    }


def takes_volunteers():
    """The condition for an organization to take volunteers: a volunteer page of its own,
    or a volunteer opportunity open in the directory."""
    from directory.models import Opportunity  # this module is imported as models load

    open_ones = Opportunity.objects.visible().filter(organization_id=OuterRef("pk"))
    return ~Q(volunteer_url="") | Exists(open_ones)


def accepts_donations():
    return ~Q(donate_url="")


HELP_CONDITIONS = {"donate": accepts_donations, "volunteer": takes_volunteers}


def offering_help(organizations, way: str):
    """The organizations offering `way` ("donate" or "volunteer") of helping."""
    return organizations.filter(HELP_CONDITIONS[way]())
