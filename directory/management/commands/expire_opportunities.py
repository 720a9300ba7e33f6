"""Bring search and counts in line with the volunteer opportunities that ended (those past
their `expires` date in the last week). Run it daily, shortly after midnight."""

from django.core.management.base import BaseCommand
from django.db import transaction

from directory import catalog
from directory.catalog.expiry import expire_opportunities


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        with transaction.atomic():
            organizations = expire_opportunities()
            catalog.flush()
        self.stdout.write(
            f"Refreshed {len(organizations)} organization(s) with ended opportunities."
        )
