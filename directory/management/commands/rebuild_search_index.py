from django.core.management.base import BaseCommand

from directory.search import index


class Command(BaseCommand):
    help = "Rebuild the full-text search index from scratch, in one transaction."

    def handle(self, *args, **options):
        count = index.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} documents."))
