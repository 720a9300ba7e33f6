from django.core.management.base import BaseCommand, CommandError

from directory import backup


class Command(BaseCommand):
    help = "Replace the database's content with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .dump (PostgreSQL) or .sqlite3 (SQLite) backup")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="restore without asking for confirmation",
        )  # fmt: skip

    def handle(self, *args, file, interactive=True, **options):
        if interactive:
            answer = input(f"This replaces every listing with the content of {file}. Type yes: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            backup.restore(file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored from {file}"))
