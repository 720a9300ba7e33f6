from django.core.management.base import BaseCommand

from directory.search import index


class Command(BaseCommand):
    help = "Rebuild the full-text search index from scratch, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument(
            "--offline",
            action="store_true",
            help="PostgreSQL: build the full-text indexes once at the end, much faster for "
            "a large directory, but searches wait until the rebuild ends (a first load or "
            "a maintenance window). SQLite always does.",
        )

    def handle(self, *args, **options):
        count = index.rebuild(offline=options["offline"])
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} documents."))
