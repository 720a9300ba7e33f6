"""The HSDS tabular package: one CSV per table plus a `datapackage.json` that describes them.

`flatten` turns a nested organization into table rows (the exporter writes them), and `read`
stages a package's rows (`staging` nests them back into organizations, a batch at a time),
so the importer reads a package as it reads JSON. A package is a folder or a .zip of the
CSV files; the specification's example `tabular.json` (file names mapping to rows) is read
the same way. Rows are numbered as a spreadsheet shows them: the header is row 1.

The CSV files are opened in spreadsheets, so a cell that one would run as a formula (it
starts with =, +, -, @, a tab or a carriage return) is written behind an apostrophe, as the
admin's spreadsheet export does, and read back without it: a round trip stays exact.
Reading stops at the import limits (`limits`), as a zip can expand without bound.
"""

import csv
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from directory.admin.spreadsheets import neutralise, restore
from directory.hsds import limits
from directory.hsds.taxonomies import TAXONOMIES


class PackageError(ValueError):
    """A package that cannot be read at all: a corrupt zip, a missing or broken file."""


@dataclass(frozen=True)
class Table:
    path: str
    resource: str
    columns: str  # "name:format-or-type ...", in the specification's order
    required: tuple[str, ...]

    @property
    def fields(self) -> list[str]:
        return [column.split(":")[0] for column in self.columns.split()]

    def describe(self) -> dict:
        fields = []
        for column in self.columns.split():
            name, _, kind = column.partition(":")
            field = {"name": name, "type": "number" if kind == "number" else "string"}
            if kind and kind != "number":
                field["format"] = kind
            if name in self.required:
                field["constraints"] = {"required": True}
            fields.append(field)
        return {
            "name": self.resource,
            "path": self.path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": fields, "primaryKey": "id"},
        }


# The tables Causeway writes, with the columns of the HSDS 3.0 tabular schema.
TABLES = (
    Table(
        "organizations.csv", "organization",
        "id:uuid name alternate_name description email:email website:uri tax_status tax_id "
        "year_incorporated:number legal_status logo uri:uri parent_organization_id:uuid",
        ("id", "name", "description"),
    ),
    Table(
        "services.csv", "service",
        "id:uuid organization_id:uuid program_id:uuid name alternate_name description url:uri "
        "email:email status interpretation_services application_process fees_description "
        "wait_time fees accreditations eligibility_description minimum_age:number "
        "maximum_age:number assured_date assurer_email:email licenses alert "
        "last_modified:date-time",
        ("id", "organization_id", "name", "status"),
    ),
    Table(
        "organization_identifiers.csv", "organization_identifier",
        "id:uuid organization_id:uuid identifier_scheme identifier_type identifier",
        ("id", "organization_id", "identifier_type", "identifier"),
    ),
    Table(
        "locations.csv", "location",
        "id:uuid location_type url:uri organization_id:uuid name alternate_name description "
        "transportation latitude:number longitude:number external_identifier "
        "external_identifier_type",
        ("id", "location_type"),
    ),
    Table(
        "service_areas.csv", "service_area",
        "id:uuid service_id:uuid name description extent extent_type uri",
        ("id",),
    ),
    Table(
        "attributes.csv", "attribute",
        "id:uuid link_id:uuid taxonomy_term_id:uuid link_type link_entity value",
        ("id", "link_id", "taxonomy_term_id", "link_entity"),
    ),
    Table(
        "taxonomy_terms.csv", "taxonomy_term",
        "id:uuid code name description parent_id:uuid taxonomy language taxonomy_id:uuid "
        "term_uri:uri",
        ("id", "name", "description"),
    ),
    Table(
        "taxonomies.csv", "taxonomy",
        "id:uuid name description uri:uri version",
        ("id", "name", "description"),
    ),
)  # fmt: skip
TABLES_BY_PATH = {table.path: table for table in TABLES}
# Read as well as written: programs, and addresses for the countries of locations.
READ = {*TABLES_BY_PATH, "programs.csv", "addresses.csv"}


def datapackage() -> dict:
    return {
        "name": "causeway-hsds",
        "title": "Causeway directory as HSDS 3.0",
        "profile": "tabular-data-package",
        "resources": [table.describe() for table in TABLES],
    }


def flatten(org: dict) -> Iterator[tuple[str, dict]]:
    """The (table, row) pairs one nested organization becomes."""
    yield "organizations.csv", org
    for row in org.get("organization_identifiers", []):
        yield "organization_identifiers.csv", row
    for row in org.get("locations", []):
        yield "locations.csv", row
    yield from _attribute_rows(org)
    for service in org.get("services", []):
        yield "services.csv", service
        for row in service.get("service_areas", []):
            yield "service_areas.csv", row
        yield from _attribute_rows(service)


def _attribute_rows(owner: dict) -> Iterator[tuple[str, dict]]:
    for attribute in owner.get("attributes", []):
        yield "attributes.csv", attribute
        if "taxonomy_term" in attribute:
            yield "taxonomy_terms.csv", attribute["taxonomy_term"]


def write(organizations: Iterable[dict], folder: Path) -> int:
    """Write the package into `folder`; returns the number of organizations written.

    Rows follow the organizations' order; terms, shared between organizations, are
    written once each, sorted by id.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = {t.path: (folder / t.path).open("w", encoding="utf-8", newline="") for t in TABLES}
    try:
        writers = {
            path: csv.DictWriter(
                file, TABLES_BY_PATH[path].fields, extrasaction="ignore", lineterminator="\n"
            )
            for path, file in files.items()
        }
        for writer in writers.values():
            writer.writeheader()
        terms, count = {}, 0
        for org in organizations:
            count += 1
            for path, row in flatten(org):
                if path == "taxonomy_terms.csv":
                    terms[row["id"]] = row
                else:
                    writers[path].writerow(_neutralised(row))
        writers["taxonomy_terms.csv"].writerows(_neutralised(terms[key]) for key in sorted(terms))
        taxonomies = sorted((t.to_hsds() for t in TAXONOMIES), key=lambda row: row["id"])
        writers["taxonomies.csv"].writerows(_neutralised(row) for row in taxonomies)
    finally:
        for file in files.values():
            file.close()
    text = json.dumps(datapackage(), indent=2, sort_keys=True, ensure_ascii=False)
    (folder / "datapackage.json").write_text(text + "\n", encoding="utf-8")
    return count


def _neutralised(row: dict) -> dict:
    """`row` with each cell a spreadsheet would run as a formula (=, +, -, @...) behind an
    apostrophe, as the admin's spreadsheet export does; `read` takes it off again."""
    return {key: neutralise(value) for key, value in row.items()}


def read(path: Path, staged) -> None:
    """Stage the tables of a package in a folder or a .zip (`staging.Staged`), row by
    row; raises PackageError, or limits.TooLarge for a package past the import limits."""
    budget = limits.Budget()
    try:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.name in READ)
            budget.declared((p.name, p.stat().st_size, None) for p in files)
            opens = {p.name: (lambda p=p: budget.stream(p.name, p.open("rb"))) for p in files}
            _read_files(opens, budget, staged)
            return
        with zipfile.ZipFile(path) as archive:
            infos = {
                Path(info.filename).name: info
                for info in archive.infolist()
                if Path(info.filename).name in READ and "__MACOSX" not in info.filename
            }
            budget.declared((name, i.file_size, i.compress_size) for name, i in infos.items())
            opens = {
                name: (lambda n=name, i=info: budget.stream(n, archive.open(i), i.compress_size))
                for name, info in infos.items()
            }
            _read_files(opens, budget, staged)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        message = f"{path.name}: not a readable zip file, truncated or corrupt ({error})."
        raise PackageError(message) from None


def unread_tables(path: Path) -> list[str]:
    """The CSV files of a package in a folder or a .zip that the import does not read."""
    if path.is_dir():
        names = [p.name for p in path.iterdir()]
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                names = [Path(n).name for n in archive.namelist() if "__MACOSX" not in n]
        except zipfile.BadZipFile:
            return []
    return sorted(n for n in names if n.endswith(".csv") and n not in READ)


def _read_files(opens: dict[str, Callable], budget: limits.Budget, staged) -> None:
    if "organizations.csv" not in opens:
        raise PackageError("The package has no organizations.csv.")
    for name, open_ in sorted(opens.items()):
        try:
            with open_() as raw, io.TextIOWrapper(raw, "utf-8-sig", newline="") as text:
                staged.add(name, (_restored(row) for row in budget.counted(csv.DictReader(text))))
        except (UnicodeDecodeError, csv.Error) as error:
            raise PackageError(f"{name}: cannot be read as UTF-8 CSV ({error}).") from None


def _restored(row: dict) -> dict:
    """Undo `neutralise`: take off the apostrophe the export put before formula-like cells."""
    for key, value in row.items():
        if isinstance(value, str) and value.startswith("'"):
            row[key] = restore(value)
    return row
