"""The listings: organizations, their registration numbers and their programs.

What the public may see is decided in one place, `OrganizationQuerySet.published()`, and
every view, feed and search uses it.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.models.base import (
    Localized,
    _http_url_check,
    _year_check,
    korean_field,
    korean_text,
    year_validators,
)
from directory.models.taxonomy import Country, FocusArea, Issue, Source
from directory.validators import HttpUrlField, validate_not_future_year, validate_single_line

NEEDS_SOURCE = (
    "A listing needs at least one source before it can be published: add one under Trust."
)


class OrganizationQuerySet(models.QuerySet):
    def published(self):
        """Everything the public may see. Every public page, feed and search uses this."""
        return self.filter(status=Organization.Status.PUBLISHED)

    def review_due(self, today=None):
        """Listings never verified, or verified longer ago than REVIEW_DUE_DAYS."""
        cutoff = (today or timezone.localdate()) - timedelta(days=settings.REVIEW_DUE_DAYS)
        return self.filter(Q(last_verified__isnull=True) | Q(last_verified__lt=cutoff))

    # The filters below read the facet values the search index keeps for each published
    # organization (`FacetMember`), so the rule of what counts under an issue, a focus
    # area or a country is stated once, in `directory.facets`.

    def holding(self, facet: str, value):
        """Published organizations holding a facet value (`holding("issue", issue)`)."""
        from directory import facets  # it reads these models

        return self.filter(facets.holds(facets.token(facet, value)))

    def addressing(self, issue):
        """Organizations addressing the issue directly or through a current program."""
        return self.holding("issue", issue)

    def with_focus(self, focus_area):
        return self.holding("focus", focus_area)

    def working_in(self, country):
        return self.holding("country", country)

    def for_card_text(self):
        """Organizations for cards: name, summary and links only (`directory.cards` adds
        what a card shows beyond them)."""
        return self.select_related("headquarters").defer("description")

    def for_detail(self):
        return self.select_related("headquarters").prefetch_related(
            "countries",
            "issues",
            "focus_areas",
            "sources",
            "identifiers",
            models.Prefetch(
                "programs",
                Program.objects.prefetch_related("issues", "focus_areas", "countries"),
            ),
        )

    def without_sources(self):
        return self.filter(sources__isnull=True)

    def offering_help(self, way: str):
        field = {"donate": "donate_url", "volunteer": "volunteer_url"}[way]
        return self.exclude(**{field: ""})


class Organization(Localized, models.Model):
    KOREAN_FIELDS = {"name": "name_ko", "summary": "summary_ko", "description": "description_ko"}

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class OrgType(models.TextChoices):
        NONPROFIT = "nonprofit", _("Nonprofit")
        FAITH_BASED = "faith_based", _("Faith-based nonprofit")
        GOVERNMENT = "government", _("Government agency")
        RESEARCH = "research", _("Research institute")
        INTERGOVERNMENTAL = "intergovernmental", _("Intergovernmental body")
        NETWORK = "network", _("Network or coalition")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=200, validators=[validate_single_line])
    name_ko = korean_field("Korean name", 200)
    slug = models.SlugField(max_length=200, unique=True)
    alternate_name = models.CharField(
        max_length=200, blank=True, help_text="Another name or acronym, e.g. 'LiNK'."
    )
    summary = models.CharField(max_length=300, help_text="One line, shown in lists and search.")
    summary_ko = korean_field("Korean summary", 300)
    description = models.TextField(blank=True, help_text="Markdown. Shown publicly.")
    description_ko = korean_text("Korean description")
    org_type = models.CharField(
        "type", max_length=20, choices=OrgType.choices, default=OrgType.NONPROFIT
    )
    founded = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[*year_validators, validate_not_future_year]
    )
    headquarters = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="headquartered_organizations",
    )
    countries = models.ManyToManyField(
        Country, blank=True, related_name="organizations", verbose_name="countries of operation"
    )
    website = HttpUrlField(blank=True)
    donate_url = HttpUrlField("donation link", blank=True)
    volunteer_url = HttpUrlField("volunteer link", blank=True)
    advocacy_url = HttpUrlField(
        "advocacy link", blank=True, help_text="A campaign, petition or way to speak up."
    )
    fundraising_url = HttpUrlField(
        "fundraising link", blank=True, help_text="How supporters can raise money for it."
    )
    email = models.EmailField(blank=True, help_text="A public contact address.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    last_verified = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The date of its latest verification; set by recording one.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="organizations")
    issues = models.ManyToManyField(
        Issue, blank=True, related_name="organizations", help_text="Issues addressed directly."
    )
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="organizations")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    hsds_id = models.UUIDField(
        "HSDS id",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Its id as an HSDS organization; kept across exports and imports.",
    )

    objects = OrganizationQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[countries, sources, issues, focus_areas])

    class Meta:
        ordering = ["name"]
        permissions = [
            ("publish_organization", "Can publish, archive and restore organizations"),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="directory_org_status_name"),
            models.Index(fields=["status", "-last_verified"], name="directory_org_status_verified"),
            # The HSDS API lists published organizations by id.
            models.Index(fields=["status", "hsds_id"], name="directory_org_status_hsds"),
        ]
        constraints = [
            _year_check("founded"),
            _http_url_check("website"),
            _http_url_check("donate_url"),
            _http_url_check("volunteer_url"),
            _http_url_check("advocacy_url"),
            _http_url_check("fundraising_url"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "review", "published", "archived"]),
                name="directory_organization_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="directory_organization_name_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:organization-detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def issues_addressed(self) -> list[tuple["Issue", bool, list["Program"]]]:
        """Each issue with whether it is addressed directly and by which current programs
        (an ended one no longer counts). Reads the prefetched `issues` and
        `programs__issues`, so it costs no query.
        """
        direct = {issue.pk: issue for issue in self.issues.all()}
        by_program: dict[int, list[Program]] = {}
        issues = dict(direct)
        for program in (program for program in self.programs.all() if program.active):
            for issue in program.issues.all():
                issues.setdefault(issue.pk, issue)
                by_program.setdefault(issue.pk, []).append(program)
        return [
            (issue, pk in direct, by_program.get(pk, []))
            for pk, issue in sorted(issues.items(), key=lambda item: item[1].name)
        ]

    def is_review_due(self, today=None) -> bool:
        """Never verified, or verified longer ago than REVIEW_DUE_DAYS (as `review_due()`)."""
        return self.last_verified is None or self.is_verification_stale(today)

    def is_verification_stale(self, today=None) -> bool:
        """Verified once, but longer ago than REVIEW_DUE_DAYS."""
        if self.last_verified is None:
            return False
        cutoff = (today or timezone.localdate()) - timedelta(days=settings.REVIEW_DUE_DAYS)
        return self.last_verified < cutoff

    def refresh_last_verified(self) -> None:
        """Take `last_verified` from the latest verification (none: not verified)."""
        latest = self.verifications.order_by("-verified_on").values_list("verified_on", flat=True)
        verified_on = latest.first()
        if verified_on != self.last_verified:
            self.last_verified = verified_on
            self._change_reason = "Verification recorded"
            self.save(update_fields=["last_verified", "updated"])

    def publishing_problem(self, sources=None) -> str | None:
        """Why this listing cannot be published yet, or None. `sources` overrides the
        saved ones (a form's cleaned data)."""
        has_source = bool(sources) if sources is not None else self.sources.exists()
        if not has_source:
            return NEEDS_SOURCE
        return None


class OrganizationIdentifier(models.Model):
    """A registration number, as HSDS `organization_identifier`."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="identifiers"
    )
    identifier_scheme = models.CharField(
        max_length=50,
        validators=[
            RegexValidator(
                r"^[A-Z]{2}-[A-Z0-9]+$",
                "Use the register's org-id.guide code: a country or 'XI'/'XM', a hyphen, and "
                "the register's letters, e.g. 'US-EIN' or 'GB-CHC'.",
            )
        ],
        help_text="The register's org-id.guide code, e.g. 'US-EIN' or 'GB-CHC'.",
    )
    identifier_type = models.CharField(
        max_length=100, blank=True, help_text="What the number is, e.g. 'Employer ID number'."
    )
    identifier = models.CharField(max_length=100)
    hsds_id = models.UUIDField(
        "HSDS id",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Its id as an HSDS organization_identifier.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "identifier_scheme"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "identifier_scheme", "identifier"],
                name="directory_identifier_unique_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier_scheme} {self.identifier}"

    @property
    def register(self):
        """The public register that holds this number, where we know one."""
        from directory.trust import register_for  # trust reads the models

        return register_for(self.identifier_scheme)


class Program(Localized, models.Model):
    KOREAN_FIELDS = Organization.KOREAN_FIELDS

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="programs"
    )
    name = models.CharField(max_length=200, validators=[validate_single_line])
    name_ko = korean_field("Korean name", 200)
    slug = models.SlugField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    summary_ko = korean_field("Korean summary", 300)
    description = models.TextField(blank=True, help_text="Markdown. Shown publicly.")
    description_ko = korean_text("Korean description")
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="programs")
    issues = models.ManyToManyField(Issue, blank=True, related_name="programs")
    countries = models.ManyToManyField(
        Country, blank=True, related_name="programs", verbose_name="countries served"
    )
    active = models.BooleanField(default=True, help_text="Inactive programs are shown as ended.")
    url = HttpUrlField(blank=True)
    hsds_id = models.UUIDField(
        "HSDS id",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Its id as an HSDS service; kept across exports and imports.",
    )

    history = HistoricalRecords(m2m_fields=[focus_areas, issues, countries])

    class Meta:
        ordering = ["organization", "-active", "name"]
        indexes = [
            # The HSDS API lists services by id, of published organizations only: with the
            # organization in the index, the page is read from it alone.
            models.Index(fields=["hsds_id", "organization"], name="directory_program_hsds_org"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"], name="directory_program_slug_unique_per_org"
            ),
            _http_url_check("url"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{self.organization.get_absolute_url()}#program-{self.slug}"
