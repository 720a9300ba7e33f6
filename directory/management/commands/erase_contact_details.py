"""Erase visitors' contact addresses from suggestions and corrections older than
CONTACT_RETENTION_DAYS, as the privacy page promises. Run it daily (docs/deployment.md)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from directory.models import Correction, Suggestion


def erase_contact_details(now=None) -> int:
    """Blank the contact addresses past the retention period; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CONTACT_RETENTION_DAYS)
    erased = 0
    for model in (Suggestion, Correction):
        old = model.objects.filter(created__lt=cutoff).exclude(contact_email="")
        erased += old.update(contact_email="")
    return erased


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        erased = erase_contact_details()
        days = settings.CONTACT_RETENTION_DAYS
        self.stdout.write(f"Erased {erased} contact address(es) older than {days} days.")
