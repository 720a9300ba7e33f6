"""Harvesting: other directories' HSDS 3.0 APIs whose listings Causeway takes in.

A `Feed` is one such API. Each listing it brought keeps a `HarvestedListing`: which feed,
when, the source's digest of what it last sent, and the listing as it stood right after
the harvest wrote it (its `baseline`). A listing that no longer matches its baseline was
edited here, so the next change from the feed does not overwrite it: it becomes a
`HarvestConflict`, shown to curators with both versions (`directory.harvest`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.validators import HttpUrlField, validate_single_line


class Feed(models.Model):
    class Schedule(models.TextChoices):
        MANUAL = "manual", _("Only when run by hand")
        HOURLY = "hourly", _("Every hour")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")

    INTERVALS = {
        Schedule.HOURLY: timedelta(hours=1),
        Schedule.DAILY: timedelta(days=1),
        Schedule.WEEKLY: timedelta(weeks=1),
    }

    name = models.CharField(
        max_length=200,
        validators=[validate_single_line],
        help_text="The directory's name, shown on every listing it brings.",
    )
    url = HttpUrlField(
        "API address",
        unique=True,
        help_text="The base of its HSDS 3.0 API, e.g. https://example.org/api/hsds/ "
        "(the address that answers /organizations).",
    )
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.DAILY)
    publish = models.BooleanField(
        "publish new listings",
        default=False,
        help_text="Publish what it brings at once (a listing still needs a source: the feed "
        "is cited as one). Unticked, new listings wait in review.",
    )
    active = models.BooleanField(default=True, help_text="Untick to pause scheduled harvests.")
    source = models.ForeignKey(
        "directory.Source",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The source harvested listings cite: this directory.",
    )
    last_attempt = models.DateTimeField(null=True, blank=True, editable=False)
    last_success = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the last successful harvest started: the next asks for what changed since.",
    )
    last_outcome = models.TextField(blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_due(self, now=None) -> bool:
        interval = self.INTERVALS.get(self.schedule)
        if not self.active or interval is None:
            return False
        return self.last_attempt is None or self.last_attempt + interval <= (now or timezone.now())


class HarvestedListing(models.Model):
    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, related_name="listings")
    organization = models.OneToOneField(
        "directory.Organization", on_delete=models.CASCADE, related_name="harvest"
    )
    record_url = models.URLField(max_length=500, help_text="The listing in the feed's API.")
    harvested_at = models.DateTimeField()
    digest = models.CharField(max_length=64, help_text="Of the feed's last version.")
    baseline = models.JSONField(help_text="The listing as the harvest left it (HSDS).")

    def __str__(self) -> str:
        return f"{self.organization} from {self.feed}"


class HarvestConflict(models.Model):
    class Kind(models.TextChoices):
        EDITED = "edited", _("Changed in the feed and edited here")
        REMOVED = "removed", _("Removed from the feed and edited here")
        NOT_HARVESTED = "not_harvested", _("Listed here already, not from this feed")

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        TOOK_FEED = "took_feed", _("The feed's version was taken")
        KEPT_LOCAL = "kept_local", _("Our version was kept")

    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, related_name="conflicts")
    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.CASCADE, related_name="harvest_conflicts"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    incoming = models.JSONField(null=True, blank=True, help_text="The feed's version (HSDS).")
    local = models.JSONField(help_text="Our version when the conflict was found (HSDS).")
    detected_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(outcome="open"),
                name="directory_harvestconflict_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_kind_display()}"
