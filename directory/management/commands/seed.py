from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from directory import seed


class Command(BaseCommand):
    help = (
        "Load the seed content from fixtures/seed.json. Creates what is missing and leaves "
        "existing listings alone (so curators' edits survive); --update resets them to the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(seed.SEED_FILE), help="Seed file to load.")
        parser.add_argument(
            "--update", action="store_true", help="Overwrite existing objects with the file's."
        )

    def handle(self, *args, file, update, **options):
        try:
            stats = seed.load_file(file, update=update)
        except (seed.SeedError, ValidationError, ValueError) as error:
            raise CommandError(str(error)) from None
        if not stats.changed:
            self.stdout.write("Seed content already loaded; nothing changed.")
            return
        for label, bucket in (("Created", stats.created), ("Updated", stats.updated)):
            if bucket:
                summary = ", ".join(f"{count} {name}" for name, count in sorted(bucket.items()))
                self.stdout.write(self.style.SUCCESS(f"{label}: {summary}."))
