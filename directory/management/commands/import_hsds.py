import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from directory.hsds import importer
from directory.models.listings import NEEDS_SOURCE

SHOWN_PROBLEMS = 100


def _progress(iterable, *, desc, unit="", total=None):
    return tqdm(iterable, desc=desc, unit=unit, total=total, file=sys.stderr, leave=False)


def _summary(counts) -> str:
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items()) if n) or "nothing"


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0: a JSON file (one organization, a list, or a Page with "
        "'contents'; services nested) or a tabular package (a folder or .zip of CSV files). "
        "Organizations are matched on their HSDS id, so a second import updates them. New "
        "organizations arrive in review, or published with --publish (those citing no source "
        "stay in review: publishing needs one); updated ones keep their status unless "
        "--publish. A file imports all or nothing: any problem is reported by file, row and "
        "field, and nothing is written. A CSV package larger than the HSDS_IMPORT_MAX_* "
        "settings allow (bytes unzipped, compression ratio, rows) is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON file, CSV package folder, or .zip.")
        parser.add_argument(
            "--publish", action="store_true", help="Publish the imported organizations."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, without writing anything.",
        )

    def handle(self, *args, path, publish, dry_run, **options):
        try:
            result = importer.import_path(
                path, publish=publish, dry_run=dry_run, progress=_progress
            )
        except importer.ImportFailed as error:
            problems = error.problems
            lines = [str(problem) for problem in problems[:SHOWN_PROBLEMS]]
            if len(problems) > SHOWN_PROBLEMS:
                lines.append(f"... and {len(problems) - SHOWN_PROBLEMS} more.")
            noun = "problem" if len(problems) == 1 else "problems"
            header = f"Nothing imported: {len(problems)} {noun} in {path}."
            raise CommandError("\n".join([header, *lines])) from None
        changes = [
            ("create", "Created", result.created),
            ("update", "Updated", result.updated),
            ("delete", "Deleted", result.deleted),
        ]
        for verb, past, counts in changes:
            label = f"Would {verb}" if dry_run else past
            self.stdout.write(f"{label}: {_summary(counts)}.")
        for label, counts in (("Unchanged", result.unchanged), ("Ignored", result.ignored)):
            if any(counts.values()):
                self.stdout.write(f"{label}: {_summary(counts)}.")
        if result.held_back:
            names = ", ".join(result.held_back_names)
            if more := result.held_back - len(result.held_back_names):
                names += f" and {more:,} more"
            self.stdout.write(
                self.style.WARNING(f"Not published, kept in review ({NEEDS_SOURCE}): {names}")
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS("Import complete."))
