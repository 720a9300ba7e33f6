"""Emails to curators. The console backend prints them in development; SMTP is set by
configuration (see docs/deployment.md)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

logger = logging.getLogger(__name__)


def notify_curators(subject: str, body: str, admin_path: str) -> None:
    recipients = getattr(settings, "CURATOR_EMAILS", [])
    if not recipients:
        return
    link = f"{settings.SITE_URL.rstrip('/')}{admin_path}"
    try:
        send_mail(f"[Causeway] {subject}", f"{body}\n\n{link}".strip(), None, recipients)
    except OSError:
        # The contribution is saved either way; a mail outage must not lose it.
        logger.exception("could not email curators about a new contribution")


def new_suggestion(suggestion) -> None:
    notify_curators(
        f"New suggestion: {suggestion.name}",
        "Someone suggested an organization for the directory. Review it in the admin.",
        reverse("admin:directory_suggestion_change", args=[suggestion.pk]),
    )


def new_correction(correction) -> None:
    notify_curators(
        f"Correction reported for {correction.organization.name}",
        "Someone reported a correction to a listing. Review it in the admin.",
        reverse("admin:directory_correction_change", args=[correction.pk]),
    )
