"""Imports HSDS 3.0 into the directory, all or nothing.

Accepted: JSON holding one organization, a list of them or a Page (`{"contents": [...]}`),
with services and programs nested; services with their organization nested (as
`service_full.json`); taxonomy terms (those of Causeway's taxonomies become issues and
focus areas); and the tabular package, as a folder or .zip of CSV files, or as the
specification's `tabular.json`. A file is read and checked in full before anything is
written: every problem is collected with its file, row or JSON path, HSDS field and
message (a JSON path such as `export.json $.contents[3].services[0]`), and a file with
any problem writes nothing. Objects are matched on their HSDS id, so importing a file
again updates what the first import created. Text the database refuses (NUL) or that
would break where it is shown (other control characters, line breaks in names) is a
problem too, and a CSV package past the HSDS_IMPORT_MAX_* settings (`limits`) is refused
before it fills the memory.

A nested list that is present is complete: an organization's `services` replace its
programs, its `attributes` its issues, focus areas and links, its `locations` its
countries. A list that is absent leaves those alone (HSDS "basic" organizations have none).
Data Causeway has no place for (contacts, phones, schedules, other taxonomies...) is
ignored, and counted in `Result.ignored`: every field of an object holding a value that
the import does not read (as "service schedules"), every table of a package it does not
read (as "phones.csv"), and every value it reads only in part (a service status
"defunct", a legal status that is not a Causeway type).
"""

import gc
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction

from directory.hsds import bulk, csv_package, limits
from directory.hsds.checks import Planner
from directory.hsds.plan import Problem, Result
from directory.models import Organization
from directory.search import index

__all__ = ["ImportFailed", "Problem", "Result", "import_documents", "import_path", "read"]

# Above this many organizations one index rebuild beats refreshing them one batch at a time.
REBUILD_THRESHOLD = 1000


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Source:
    """What a file holds: organizations and standalone services, each with where it is."""

    name: str
    organizations: list[tuple[dict, str]]
    services: list[tuple[dict, str]]
    origins: csv_package.Origins
    problems: list[Problem]
    terms: list[tuple[dict, str]] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)


def _no_progress(iterable, **_kwargs):
    return iterable


def import_path(path, *, publish=False, dry_run=False, progress=_no_progress) -> Result:
    """Check and (unless `dry_run`) write the file at `path`; raises ImportFailed."""
    # An import allocates millions of objects that live until it ends and makes almost no
    # reference cycles: the cyclic collector's repeated passes over them cost a quarter of
    # a large import's time, so it rests until the import is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        source = read(Path(path))
        if len(source.organizations) <= REBUILD_THRESHOLD:
            progress = _no_progress
        return _import(source, publish=publish, dry_run=dry_run, progress=progress)
    finally:
        if collecting:
            gc.enable()


def import_documents(documents: list, *, name: str, publish=False, dry_run=False) -> Result:
    """Check and (unless `dry_run`) write HSDS documents already read (a harvest's pages),
    all or nothing, as `import_path` does a file's; raises ImportFailed."""
    source = _from_documents(documents, name, f"{name} $")
    return _import(source, publish=publish, dry_run=dry_run, progress=_no_progress)


def _import(source: Source, *, publish, dry_run, progress) -> Result:
    planner = Planner(publish=publish, origins=source.origins, progress=progress)
    plan = planner.plan(source.organizations, source.services, source.terms)
    problems = source.problems + planner.problems
    if problems:
        raise ImportFailed(problems)
    counts = plan.counts()
    counts.ignored.update(source.ignored)
    counts.ignored.update(planner.ignored)
    if dry_run:
        return counts
    try:
        with transaction.atomic():
            org_ids, issue_ids = bulk.write(plan, progress=progress)
            if publish:
                counts.held_back = _hold_back_sourceless(org_ids)
            if len(org_ids) > REBUILD_THRESHOLD:
                index.rebuild()
            elif org_ids or issue_ids:
                index.refresh_issues(issue_ids)
                index.refresh_organizations(org_ids)
    except IntegrityError as error:
        # Someone took a slug or an identifier between the checks and the writes.
        message = f"The directory changed during the import ({error}); run it again."
        raise ImportFailed([Problem(source.name, "", message)]) from None
    return counts


def _hold_back_sourceless(org_ids) -> list[str]:
    """Publishing needs a source, which HSDS does not carry: organizations without one
    stay in review, and the import names them."""
    sourceless = Organization.objects.filter(
        pk__in=org_ids, status=Organization.Status.PUBLISHED
    ).without_sources()
    names = sorted(sourceless.values_list("name", flat=True))
    Organization.objects.filter(pk__in=sourceless.values("pk")).update(
        status=Organization.Status.REVIEW
    )
    return names


def read(path: Path) -> Source:
    """The documents a file holds, each with where it is; raises ImportFailed when the
    file cannot be read at all."""
    name = path.name
    if not path.exists():
        raise ImportFailed([Problem(name, "", "No such file or folder.")])
    try:
        if path.is_dir() or _looks_like_zip(path):
            source = _from_tables(name, csv_package.read(path), prefix="", start=2)
            source.ignored.update(csv_package.unread_tables(path))
            return source
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
        if _is_tabular(data):
            _check_tables(name, data)
            return _from_tables(name, data, prefix=f"{name}: ", start=1)
    except (csv_package.PackageError, limits.TooLarge) as error:
        raise ImportFailed([Problem(name, "", str(error))]) from None
    except UnicodeDecodeError as error:
        raise ImportFailed([Problem(name, "", f"Not UTF-8 text ({error}).")]) from None
    except json.JSONDecodeError as error:
        raise ImportFailed([Problem(name, "", f"Invalid JSON: {error}.")]) from None
    except RecursionError:
        # The decoder recurses once per level: 100,000 nested lists exhaust the stack.
        message = "Invalid JSON: nested too deeply to read."
        raise ImportFailed([Problem(name, "", message)]) from None
    if isinstance(data, dict) and "contents" in data:
        items, label = data["contents"], f"{name} $.contents"
    elif isinstance(data, list):
        items, label = data, f"{name} $"
    else:
        items, label = [data], None
    if not isinstance(items, list):
        raise ImportFailed([Problem(name, "contents", "Expected a list.")])
    return _from_documents(items, name, label)


def _is_tabular(data) -> bool:
    """The specification's `tabular.json`: file names mapping to rows."""
    return isinstance(data, dict) and bool(data) and all(str(k).endswith(".csv") for k in data)


def _check_tables(name: str, data: dict) -> None:
    if not all(isinstance(rows, list) for rows in data.values()):
        raise ImportFailed([Problem(name, "", "Each table must be a list of rows.")])
    problems = [
        Problem(f"{name}: {table} row {number}", "", "Expected an object.")
        for table, rows in data.items()
        for number, row in enumerate(rows, start=1)
        if not isinstance(row, dict)
    ]
    if problems:
        raise ImportFailed(problems)
    limits.Budget().add_rows(sum(len(rows) for rows in data.values()))


def _looks_like_zip(path: Path) -> bool:
    with path.open("rb") as file:
        return path.suffix.lower() == ".zip" or file.read(4) == b"PK\x03\x04"


def _from_tables(name: str, tables: dict, *, prefix: str, start: int) -> Source:
    orgs, origins, orphans = csv_package.nest(tables, prefix=prefix, start=start)
    problems = [Problem(*orphan) for orphan in orphans]
    located = [(org, origins.get(org, name)) for org in orgs]
    source = Source(name, located, [], origins, problems)
    source.ignored.update(table for table in tables if table not in csv_package.READ)
    return source


# HSDS objects carry no type: these keys tell the others apart from organizations.
KINDS = [
    ("services at locations", {"service", "location", "service_id", "location_id"}),
    ("services", {"status", "organization", "organization_id"}),
    ("terms", {"taxonomy", "taxonomy_id", "taxonomy_detail", "code", "parent_id", "term_uri"}),
    ("locations", {"location_type", "latitude", "longitude", "addresses", "transportation"}),
    ("API descriptions", {"openapi_url", "profile"}),
    ("taxonomies", {"version"}),
]


def _kind(item: dict) -> str:
    return next((kind for kind, keys in KINDS if keys & item.keys()), "organizations")


def _from_documents(items: list, name: str, label: str | None) -> Source:
    found: dict[str, list] = {kind: [] for kind, _keys in [*KINDS, ("organizations", ())]}
    problems = []
    for number, item in enumerate(items):
        where = f"{label}[{number}]" if label else f"{name} $"
        if isinstance(item, dict):
            found[_kind(item)].append((item, where))
        else:
            problems.append(Problem(where, "", "Expected an object."))
    services = found["services"]
    for item, where in found.pop("services at locations"):
        if isinstance(item.get("service"), dict):
            services.append((item["service"], f"{where}.service"))
    orgs = found["organizations"]
    # A service's nested organization is imported too, unless the file holds it in full.
    known = {str(org.get("id")) for org, _where in orgs}
    for service, where in services:
        org = service.get("organization")
        if isinstance(org, dict) and str(org.get("id")) not in known:
            known.add(str(org.get("id")))
            orgs.append((org, f"{where}.organization"))
    source = Source(name, orgs, services, csv_package.Origins(), problems, found.pop("terms"))
    # Causeway's taxonomies are its own; a location means something only within an
    # organization (its country).
    source.ignored.update(
        {
            kind: len(items)
            for kind, items in found.items()
            if kind not in ("organizations", "services")
        }
    )
    return source
