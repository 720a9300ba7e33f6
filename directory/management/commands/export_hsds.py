from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.hsds import export


class Command(BaseCommand):
    help = (
        "Export the directory as HSDS 3.0. --format json (the default) writes one Page "
        "document: {'contents': [organizations with their services nested], 'total_items': "
        "...}. --format csv writes the tabular package (organizations.csv, services.csv, ..., "
        "datapackage.json) into the folder PATH, or into a zip when PATH ends in .zip. Only "
        "published organizations are exported unless --all is given. The output is "
        "deterministic: the same data always gives the same file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="File (json), folder or .zip (csv) to write.")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--all",
            action="store_true",
            dest="include_all",
            help="Export organizations of every status (draft, in review, archived), "
            "not only published ones.",
        )

    def handle(self, *args, path, format, include_all, **options):
        target = Path(path)
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder.")
        docs = export.organizations(include_all=include_all)
        write = export.write_json if format == "json" else export.write_csv
        count = write(target, docs)
        self.stdout.write(self.style.SUCCESS(f"Exported {count} organizations to {target}."))
