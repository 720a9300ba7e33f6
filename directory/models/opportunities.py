"""Volunteer opportunities: something a volunteer can sign up for, with one organization."""

import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.models.base import _http_url_check
from directory.models.listings import Organization
from directory.models.taxonomy import Country, Issue
from directory.validators import HttpUrlField, validate_single_line


class Skill(models.Model):
    """A skill an opportunity asks for: translation, legal, teaching, design..."""

    name = models.CharField(max_length=80, unique=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpportunityQuerySet(models.QuerySet):
    def visible(self, today=None):
        """Published, not expired, offered by a published organization: what the public sees."""
        today = today or timezone.localdate()
        # A join rather than `organization__in=<published>`, which SQLite would answer by
        # listing every published organization first, even for one organization's page.
        return self.filter(
            status=Opportunity.Status.PUBLISHED,
            organization__status=Organization.Status.PUBLISHED,
        ).filter(Q(expires__isnull=True) | Q(expires__gte=today))


class Opportunity(models.Model):
    class Mode(models.TextChoices):
        REMOTE = "remote", _("Remote")
        ONSITE = "onsite", _("On site")
        HYBRID = "hybrid", _("Hybrid")

    Status = Organization.Status

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="opportunities"
    )
    title = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=200)
    description = models.TextField(help_text="Markdown. Shown publicly.")
    issues = models.ManyToManyField(Issue, blank=True, related_name="opportunities")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.REMOTE)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="opportunities"
    )
    city = models.CharField(max_length=100, blank=True)
    time_commitment = models.CharField(
        max_length=120, blank=True, help_text="e.g. '2 hours a week for 3 months'."
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="opportunities")
    apply_url = HttpUrlField("application link")
    expires = models.DateField(
        null=True, blank=True, help_text="Hidden from the public after this date."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    hsds_id = models.UUIDField("HSDS id", default=uuid.uuid4, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = OpportunityQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[issues, skills])

    class Meta:
        ordering = [models.F("expires").asc(nulls_last=True), "title"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"], name="directory_opportunity_slug_unique_per_org"
            ),
            _http_url_check("apply_url"),
            models.CheckConstraint(
                condition=~Q(mode="onsite") | Q(country__isnull=False),
                name="directory_opportunity_onsite_has_country",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("directory:opportunity-detail", args=[self.organization.slug, self.slug])
