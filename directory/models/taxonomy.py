"""What organizations address and how they work: issues with their key facts, focus areas,
countries, and the sources facts and listings cite."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_countries import countries as country_names
from simple_history.models import HistoricalRecords

from directory.models.base import (
    Localized,
    _http_url_check,
    _year_check,
    korean_field,
    korean_text,
    year_validators,
)
from directory.validators import HttpUrlField, validate_not_future_year, validate_single_line


class Country(models.Model):
    """An ISO 3166-1 country, loaded by a migration from django-countries."""

    code = models.CharField(max_length=2, primary_key=True, help_text="ISO 3166-1 alpha-2 code.")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"), name="directory_country_code_alpha2"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The country's name in the active language."""
        return str(country_names.name(self.code)) or self.name


class Source(models.Model):
    """A published document that facts and listings cite."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300, validators=[validate_single_line])
    publisher = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[*year_validators, validate_not_future_year],
        help_text="Year of publication; leave blank when the source is undated.",
    )
    url = HttpUrlField(blank=True)
    document_number = models.CharField(
        max_length=100,
        blank=True,
        help_text="An official document symbol or number, e.g. 'A/HRC/25/63', for sources "
        "without a stable URL.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["publisher", "-year", "title"]
        constraints = [_year_check("year"), _http_url_check("url")]

    def __str__(self) -> str:
        return f"{self.publisher}, {self.title} ({self.year or 'n.d.'})"

    def clean(self):
        # A reader must be able to find the source again.
        if not self.url and not self.document_number:
            raise ValidationError(
                "Give the source's URL or its document number, so that readers can find it."
            )


class FocusArea(Localized, models.Model):
    """How an organization works: rescue, resettlement, advocacy, research..."""

    # A focus area's description is short: its Korean version is a summary.
    KOREAN_FIELDS = {"name": "name_ko", "description": "summary_ko"}

    name = models.CharField(max_length=100, unique=True, validators=[validate_single_line])
    name_ko = korean_field("Korean name", 100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="Shown publicly on the focus area page.")
    summary_ko = korean_field("Korean summary", 300)
    hsds_id = models.UUIDField(
        "HSDS id",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Its id as an HSDS taxonomy term; kept across exports and imports.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:focus-area-detail", args=[self.slug])


class Issue(Localized, models.Model):
    """A cause that organizations address, with a brief and key facts."""

    KOREAN_FIELDS = {"name": "name_ko", "summary": "summary_ko", "brief": "brief_ko"}

    name = models.CharField(max_length=120, unique=True, validators=[validate_single_line])
    name_ko = korean_field("Korean name", 120)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.CharField(max_length=300, help_text="One line, shown in lists.")
    summary_ko = korean_field("Korean summary", 300)
    brief = models.TextField(blank=True, help_text="Markdown. Shown publicly on the issue page.")
    brief_ko = korean_text("Korean brief")
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    hsds_id = models.UUIDField(
        "HSDS id",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Its id as an HSDS taxonomy term; kept across exports and imports.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:issue-detail", args=[self.slug])


class KeyFact(Localized, models.Model):
    """One fact or figure about an issue, always with its source and year."""

    KOREAN_FIELDS = {"statement": "statement_ko"}
    # A figure older than this many years is flagged as old on public pages.
    OLD_AFTER_YEARS = 5

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="facts")
    statement = models.CharField(max_length=400)
    statement_ko = korean_field("Korean statement", 400)
    figure = models.CharField(
        max_length=60, blank=True, help_text="The number to highlight, e.g. '80,000–120,000'."
    )
    year = models.PositiveSmallIntegerField(
        validators=[*year_validators, validate_not_future_year],
        help_text="The year the figure refers to.",
    )
    estimated_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who made the estimate, e.g. 'UNHCR'. Leave blank for a count or a finding.",
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="facts")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["issue", "position", "pk"]
        constraints = [_year_check("year", nullable=False)]

    def __str__(self) -> str:
        return self.statement

    def age(self, today=None) -> int:
        """How many years old the figure is."""
        return (today or timezone.localdate()).year - self.year

    def is_old(self, today=None) -> bool:
        return self.age(today) > self.OLD_AFTER_YEARS
