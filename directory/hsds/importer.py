"""Imports HSDS 3.0 into the directory, all or nothing.

Accepted: JSON holding one organization, a list of them or a Page (`{"contents": [...]}`),
with services and programs nested; services with their organization nested (as
`service_full.json`); taxonomy terms (those of Causeway's taxonomies become issues and
focus areas); and the tabular package, as a folder or .zip of CSV files, or as the
specification's `tabular.json`. A JSON list (or a Page's `contents`) is read, checked
and written a batch of documents at a time, so memory holds one batch whatever the file's
size; a CSV package's rows are staged on disk as they are read and nested a batch of
organizations at a time (`staging`: its rows may come in any order). Every batch is
written in one transaction: every problem is collected with its file, row or JSON path,
HSDS field and message (a JSON path such as `export.json $.contents[3].services[0]`), and
a file with any problem, in any batch, writes nothing. What must hold across the file
(ids not repeated, slugs unique) is kept as small sets of keys in the `checks.Planner`.
Objects are matched on their HSDS id, so importing a file again updates what the first
import created. Text the database refuses (NUL) or that would break where it is shown
(other control characters, line breaks in names) is a problem too, and a CSV package past
the HSDS_IMPORT_MAX_* settings (`limits`) is refused before it fills the disk.

A nested list that is present is complete: an organization's `services` replace its
programs, its `attributes` its issues, focus areas and links, its `locations` its
countries. A list that is absent leaves those alone (HSDS "basic" organizations have none).
Data Causeway has no place for (contacts, phones, schedules, other taxonomies...) is
ignored, and counted in `Result.ignored`: every field of an object holding a value that
the import does not read (as "service schedules"), every table of a package it does not
read (as "phones.csv"), and every value it reads only in part (a service status
"defunct", a legal status that is not a Causeway type).

Batches see one another only through the directory and those keys: a standalone service
must come after its organization in the file (or name one the directory has); a program
moving between two organizations listed in different batches is deleted and created
again rather than moved; an HSDS program is taken as carried by its services only when
they are in its batch.
"""

import gc
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from directory import catalog
from directory.hsds import bulk, csv_package, jsonstream, limits, staging
from directory.hsds.checks import Planner
from directory.hsds.plan import CHUNK, Problem, Result, as_uuid
from directory.models import Organization
from directory.search import index

__all__ = ["ImportFailed", "Problem", "Result", "import_documents", "import_path", "read"]

# Documents checked and written together: enough for bulk statements to pay, few enough
# that a batch's documents, plans and model instances stay a few megabytes.
BATCH = 1000
# Above this many organizations one index rebuild beats refreshing them one batch at a time.
REBUILD_THRESHOLD = 1000
# How many documents are read before they are planned, at most (`_with_progress` reads
# ahead to see whether a progress bar is worth it): where their rows are is kept that long.
LOOKAHEAD = REBUILD_THRESHOLD + 1 + BATCH
# The cyclic garbage collector's automatic passes cost a quarter of an import's time, and a
# batch makes little cyclic garbage: the collector rests during an import and runs every
# this many batches instead, so that garbage stays bounded too.
COLLECT_EVERY = 20


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Source:
    """What a file holds: its documents, each with where it is, read as they are needed,
    and what reading them found (problems, ignored tables and objects)."""

    name: str
    documents: Iterable[tuple[Any, str]]
    origins: staging.Origins = field(default_factory=staging.Origins)
    problems: list[Problem] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)


@dataclass
class Batch:
    """Documents sorted by kind, each as (document, where it is)."""

    organizations: list = field(default_factory=list)
    services: list = field(default_factory=list)
    terms: list = field(default_factory=list)
    nested: list = field(default_factory=list)  # organizations inside services
    size: int = 0


def _no_progress(iterable, **_kwargs):
    return iterable


def import_path(path, *, publish=False, dry_run=False, progress=_no_progress) -> Result:
    """Check and (unless `dry_run`) write the file at `path`; raises ImportFailed."""
    with read(Path(path)) as source:
        return _import(source, publish=publish, dry_run=dry_run, progress=progress)


def import_documents(documents: list, *, name: str, publish=False, dry_run=False) -> Result:
    """Check and (unless `dry_run`) write HSDS documents already read (a harvest's pages),
    all or nothing, as `import_path` does a file's; raises ImportFailed."""
    source = Source(name, _located(documents, f"{name} $"))
    return _import(source, publish=publish, dry_run=dry_run, progress=_no_progress)


def _import(source: Source, *, publish, dry_run, progress) -> Result:
    """Check and write the source batch by batch in one transaction, rolled back when any
    batch has a problem (after checking the rest, to report every problem) or for a dry
    run, which so counts exactly what an import would write."""
    planner = Planner(publish=publish, origins=source.origins)
    result, changes = Result(), _Changes()
    try:
        with _collector_resting(), transaction.atomic():
            for number, batch in enumerate(_batches(source, planner, progress), start=1):
                if number % COLLECT_EVERY == 0:
                    gc.collect()
                plan = planner.plan(batch.organizations, batch.services, batch.terms, batch.nested)
                if source.problems or planner.problems:
                    continue  # nothing more is written, but the rest is still checked
                result.add(plan.counts())
                org_ids, issue_ids = bulk.write(plan, progress=_no_progress)
                changes.add(org_ids, issue_ids)
                if publish and not dry_run:
                    result.hold_back(_hold_back_sourceless(org_ids))
            if source.problems or planner.problems:
                raise ImportFailed(source.problems + planner.problems)
            if dry_run:
                transaction.set_rollback(True)
            else:
                changes.apply()
    except IntegrityError as error:
        # Someone took a slug or an identifier between the checks and the writes.
        message = f"The directory changed during the import ({error}); run it again."
        raise ImportFailed([Problem(source.name, "", message)]) from None
    finally:
        planner.close()
    result.ignored.update(source.ignored)
    result.ignored.update(planner.ignored)
    return result


@contextmanager
def _collector_resting():
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class _Changes:
    """The organizations and issues whose search documents an import changed; past
    REBUILD_THRESHOLD organizations, only that the whole index is to be rebuilt."""

    def __init__(self):
        self.organizations: set[int] = set()
        self.issues: list[int] = []
        self.rebuild = False

    def add(self, org_ids, issue_ids) -> None:
        self.issues += issue_ids
        if not self.rebuild:
            self.organizations.update(org_ids)
            if len(self.organizations) > REBUILD_THRESHOLD:
                self.rebuild, self.organizations = True, set()

    def apply(self) -> None:
        """Through the writer, inside the import's transaction: bulk writes send no
        signals, so the import names what it wrote (`catalog.changed`)."""
        if self.rebuild:
            index.rebuild()
        else:
            catalog.changed(organizations=self.organizations, issues=self.issues)
        catalog.flush()


def _hold_back_sourceless(org_ids) -> list[str]:
    """Publishing needs a source, which HSDS does not carry: organizations without one
    stay in review, and the import names them.

    Each statement looks the batch's organizations up by id and nothing else. Asked as one
    join (published ones without a source, then an UPDATE of that subquery), or with the
    status in the condition, PostgreSQL read them through the status index, where every
    organization the import had written and held back so far is still listed as published
    until the transaction ends: each batch read all those before it, and a 1M import
    slowed down batch after batch."""
    published = Organization.Status.PUBLISHED
    cited, sourceless = set(), []
    for chunk in bulk.batches(sorted(org_ids), CHUNK):
        links = Organization.sources.through.objects.filter(organization_id__in=chunk)
        cited.update(links.values_list("organization_id", flat=True))
        rows = Organization.objects.filter(pk__in=chunk).values_list("pk", "name", "status")
        sourceless += [(pk, name) for pk, name, status in rows if status == published]
    sourceless = [(pk, name) for pk, name in sourceless if pk not in cited]
    for chunk in bulk.batches([pk for pk, _name in sourceless], CHUNK):
        Organization.objects.filter(pk__in=chunk).update(status=Organization.Status.REVIEW)
    return [name for _pk, name in sourceless]


# Reading


@contextmanager
def read(path: Path) -> Iterator[Source]:
    """The documents a file holds, each with where it is, read while the context is open;
    raises ImportFailed when the file cannot be read at all, now or as it is read."""
    name = path.name
    if not path.exists():
        raise ImportFailed([Problem(name, "", "No such file or folder.")])
    if path.is_dir() or _looks_like_zip(path):
        with staging.Staged(prefix="", start=2, keep=LOOKAHEAD) as staged:
            with _unreadable(name):
                csv_package.read(path, staged)
            source = _from_staged(name, staged)
            source.ignored.update(csv_package.unread_tables(path))
            yield source
        return
    with path.open("rb") as file:
        with _unreadable(name):
            document = jsonstream.open_json(file)
        if document.items is None:
            with _from_value(name, document.value) as source:
                yield source
        else:
            located = _located(document.items, f"{name} {document.label}")
            yield Source(name, _read_to_the_end(name, located))


@contextmanager
def _unreadable(name: str):
    """A file that cannot be read at all becomes one problem naming why."""
    try:
        yield
    except (csv_package.PackageError, limits.TooLarge) as error:
        raise ImportFailed([Problem(name, "", str(error))]) from None
    except (UnicodeDecodeError, jsonstream.InvalidText) as error:
        raise ImportFailed([Problem(name, "", f"Not UTF-8 text ({error}).")]) from None
    except (json.JSONDecodeError, jsonstream.InvalidJSON) as error:
        raise ImportFailed([Problem(name, "", f"Invalid JSON: {error}.")]) from None
    except RecursionError:
        # The decoder recurses once per level: 100,000 nested lists exhaust the stack.
        message = "Invalid JSON: nested too deeply to read."
        raise ImportFailed([Problem(name, "", message)]) from None


def _read_to_the_end(name: str, documents: Iterator) -> Iterator:
    """`documents`, failing the import (and so rolling back what it wrote) if the file
    turns out not to be JSON further on."""
    with _unreadable(name):
        yield from documents


def _located(documents: Iterable, label: str) -> Iterator[tuple[Any, str]]:
    return ((document, f"{label}[{number}]") for number, document in enumerate(documents))


@contextmanager
def _from_value(name: str, data) -> Iterator[Source]:
    """A file holding one document that is not a list of them: one organization or
    service, or the specification's `tabular.json`."""
    with _unreadable(name):
        tabular = _is_tabular(data)
        if tabular:
            _check_tables(name, data)
    if tabular:
        with staging.Staged(prefix=f"{name}: ", start=1, keep=LOOKAHEAD) as staged:
            for table, rows in data.items():
                if table in csv_package.READ:
                    staged.add(table, rows)
            source = _from_staged(name, staged)
            source.ignored.update(table for table in data if table not in csv_package.READ)
            yield source
        return
    if isinstance(data, dict) and "contents" in data:  # a list would have been streamed
        raise ImportFailed([Problem(name, "contents", "Expected a list.")])
    yield Source(name, [(data, f"{name} $")])


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


def _from_staged(name: str, staged: staging.Staged) -> Source:
    problems = [Problem(*orphan) for orphan in staged.orphans()]
    return Source(name, staged.organizations(), staged.origins, problems)


# Batching


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


def _batches(source: Source, planner: Planner, progress) -> Iterator[Batch]:
    """The source's documents, BATCH at a time, sorted by kind."""
    batch = Batch()
    for document, where in _with_progress(source.documents, progress):
        _sort_into(batch, source, document, where)
        if batch.size >= BATCH:
            yield _with_nested(batch, planner)
            batch = Batch()
    if batch.size:
        yield _with_nested(batch, planner)


def _with_progress(documents: Iterable, progress) -> Iterable:
    """The documents, with a progress bar once there are more than a small import holds."""
    documents = iter(documents)
    head = list(islice(documents, REBUILD_THRESHOLD + 1))
    if len(head) <= REBUILD_THRESHOLD:
        return head
    return progress(chain(head, documents), desc="Checking and writing", unit=" documents")


def _sort_into(batch: Batch, source: Source, document, where: str) -> None:
    batch.size += 1
    if not isinstance(document, dict):
        source.problems.append(Problem(where, "", "Expected an object."))
        return
    kind = _kind(document)
    if kind == "services at locations":
        if isinstance(document.get("service"), dict):
            batch.services.append((document["service"], f"{where}.service"))
    elif kind in ("organizations", "services", "terms"):
        getattr(batch, kind).append((document, where))
    else:
        # Causeway's taxonomies are its own; a location means something only within an
        # organization (its country).
        source.ignored[kind] += 1


def _with_nested(batch: Batch, planner: Planner) -> Batch:
    """A service's nested organization is imported too, unless the file holds it in
    full (in this batch) or it came already (in an earlier one)."""
    known = {str(org.get("id")) for org, _where in batch.organizations}
    for service, where in batch.services:
        org = service.get("organization")
        if not isinstance(org, dict):
            continue
        org_id = str(org.get("id"))
        if org_id not in known and not planner.seen_organization(as_uuid(org_id)):
            known.add(org_id)
            batch.nested.append((org, f"{where}.organization"))
    return batch
