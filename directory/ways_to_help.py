"""The ways to help an organization, each with a line saying what it means."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


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


def ways_to_help(organization) -> list[dict]:
    return [
        {
            "url": getattr(organization, way.field),
            "label": way.label,
            "explanation": way.explanation,
            "css": way.css,
        }
        for way in WAYS
        if getattr(organization, way.field)
    ]
