from django.core.management.base import BaseCommand
from django.db import connection

from directory.search import schema


class Command(BaseCommand):
    help = (
        "Tidy the full-text indexes after a day of changes (SQLite: merge each FTS5 table's "
        "segments; PostgreSQL: merge the GIN indexes' pending lists and refresh statistics)."
        " Run daily (deploy/systemd/causeway-optimize-search-index.timer)."
    )

    def handle(self, *args, **options):
        tidied = schema.optimize(connection)
        self.stdout.write(self.style.SUCCESS(f"Tidied {len(tidied)}: {', '.join(tidied)}."))
