"""Emails to curators. The console backend prints them in development; SMTP is set by
configuration (see docs/deployment.md).

Sending is best effort: the contribution is saved before the email goes out, and a mail
that cannot go (an SMTP outage, a header Django refuses) is logged, never shown to the
visitor as an error.
"""

import logging
import re
import unicodedata

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

logger = logging.getLogger(__name__)


def one_line(text: str) -> str:
    """`text` fit for a mail header: control characters and line or paragraph separators
    (which would start a new header, or make Django refuse the mail) become spaces."""
    spaced = "".join(
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char for char in text
    )
    return re.sub(r"\s+", " ", spaced).strip()


def notify_curators(subject: str, body: str, admin_path: str) -> None:
    recipients = getattr(settings, "CURATOR_EMAILS", [])
    if not recipients:
        return
    link = f"{settings.SITE_URL.rstrip('/')}{admin_path}"
    try:
        send_mail(f"[Causeway] {one_line(subject)}", f"{body}\n\n{link}".strip(), None, recipients)
    except Exception as error:  # whatever the mail's fault, the visitor gets the thank-you page
        # The class only: the messages of SMTP errors quote addresses and what was sent.
        logger.error("could not email curators about a new contribution: %s", type(error).__name__)


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
