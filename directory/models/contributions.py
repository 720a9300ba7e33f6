"""What the public sends in: suggested organizations and reported corrections.

Both wait in a moderation queue in the admin; nothing here is ever published on its own.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.validators import HttpUrlField, validate_single_line


class ReviewStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Contribution(models.Model):
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default="new")
    contact_email = models.EmailField(
        blank=True, help_text="Only to ask follow-up questions. Not displayed publicly."
    )
    curator_notes = models.TextField(blank=True, help_text="Not displayed publicly.")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The curator who accepted or rejected it.",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=300, blank=True, help_text="What was done, e.g. 'Draft listing created'."
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["status", "-created"]


class Suggestion(Contribution):
    """An organization someone thinks the directory should list."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    website = HttpUrlField(blank=True)
    summary = models.TextField(max_length=2000, help_text="What the organization does.")
    why = models.TextField("why list it", max_length=2000, blank=True)
    listing = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
        help_text="The draft listing made from this suggestion.",
    )

    class Meta(Contribution.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class Correction(Contribution):
    """A report that something on an organization's page is wrong or out of date."""

    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.CASCADE, related_name="corrections"
    )
    message = models.TextField(max_length=4000)
    source_url = HttpUrlField("where this is confirmed", blank=True)

    class Meta(Contribution.Meta):
        pass

    def __str__(self) -> str:
        return f"Correction to {self.organization}"


class LinkCheck(models.Model):
    """The last check of one of an organization's links (website, donation, volunteer)."""

    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.CASCADE, related_name="link_checks"
    )
    field = models.CharField(max_length=20)
    url = models.URLField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    checked = models.DateTimeField()

    class Meta:
        ordering = ["organization", "field"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "field"], name="directory_linkcheck_one_per_field"
            )
        ]

    def __str__(self) -> str:
        return f"{self.url}: {'ok' if self.ok else 'broken'}"
