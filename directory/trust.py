"""What a donor can check on a listing: the transparency checklist (facts, not a score) and
links from registration numbers to the registers that hold them.

Each item of the checklist is explained on /methodology/.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Register:
    name: str
    url: str  # the register's public search, where the number can be looked up


# Only registers whose public pages we have confirmed; others show the number unlinked.
REGISTERS = {
    "US-EIN": Register(_("IRS Tax Exempt Organization Search"), "https://apps.irs.gov/app/eos/"),
}


def register_for(scheme: str) -> Register | None:
    return REGISTERS.get(scheme.upper())


@dataclass(frozen=True)
class Item:
    label: str
    met: bool
    detail: str


def checklist(organization) -> list[Item]:
    """The five items every listing shows."""
    ways_to_give = bool(organization.donate_url or organization.fundraising_url)
    identifiers = list(organization.identifiers.all())
    sources = list(organization.sources.all())
    recent = organization.last_verified is not None and not organization.is_verification_stale()
    return [
        Item(
            _("Registered"),
            bool(identifiers),
            ", ".join(f"{i.identifier_scheme} {i.identifier}" for i in identifiers)
            or _("No registration number recorded"),
        ),
        Item(
            _("Sources"),
            bool(sources),
            _("%(count)d named below") % {"count": len(sources)} if sources else _("None"),
        ),
        Item(
            _("Verified within %(days)d days") % {"days": settings.REVIEW_DUE_DAYS},
            recent,
            _("Not yet verified")
            if organization.last_verified is None
            else _("Last verified %(date)s") % {"date": organization.last_verified.isoformat()},
        ),
        Item(
            _("Ways to give"),
            ways_to_give,
            _("Linked on this page") if ways_to_give else _("None found on its own pages"),
        ),
        Item(
            _("Last changed"),
            True,
            organization.updated.date().isoformat(),
        ),
    ]
