"""Verifications: a curator's record of checking a listing, and what they checked.

A listing's `last_verified` date is its latest verification's, kept by
`Organization.refresh_last_verified()`; nothing else sets it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The checklist, in the order the admin and the public trust panel show it.
CHECKS = {
    "website_answers": _("The website answers and is the organization's own"),
    "donation_page_answers": _("The donation page answers and belongs to the organization"),
    "registration_confirmed": _("The registration number is confirmed in the official registry"),
    "sources_reread": _("Each source was re-read and still supports the listing"),
}


class Verification(models.Model):
    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.CASCADE, related_name="verifications"
    )
    verified_on = models.DateField(default=timezone.localdate)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Not displayed publicly.",
    )
    website_answers = models.BooleanField(CHECKS["website_answers"], default=False)
    donation_page_answers = models.BooleanField(CHECKS["donation_page_answers"], default=False)
    registration_confirmed = models.BooleanField(CHECKS["registration_confirmed"], default=False)
    sources_reread = models.BooleanField(CHECKS["sources_reread"], default=False)
    note = models.TextField(
        blank=True, help_text="What was found. Shown publicly with the checklist."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-verified_on", "-pk"]
        get_latest_by = ["verified_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(website_answers=True)
                | Q(donation_page_answers=True)
                | Q(registration_confirmed=True)
                | Q(sources_reread=True),
                name="directory_verification_checks_something",
                violation_error_message="Tick at least one thing you checked.",
            )
        ]

    def __str__(self) -> str:
        return f"Verified on {self.verified_on}"

    def checklist(self) -> list[tuple[str, bool]]:
        """Each check's label and whether it was made."""
        return [(label, getattr(self, field)) for field, label in CHECKS.items()]
