from django.core.management.base import BaseCommand, CommandError

from directory import backup


class Command(BaseCommand):
    help = (
        "Back up the whole database (pg_dump on PostgreSQL, the online backup API on "
        "SQLite) to BACKUP_DIR/<timestamp>.dump|.sqlite3, or to --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write instead of a new one in BACKUP_DIR")

    def handle(self, *args, output=None, **options):
        try:
            path = backup.backup(output)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path}"))
