"""A tabular package's rows, kept on disk and nested one batch of organizations at a time.

The rows of a CSV package may come in any order (a service before its organization, an
attribute anywhere), so nesting needs every table at hand. Rather than hold them all in
memory, `Staged` puts each row, as it is read, in a private temporary SQLite database
(deleted when it closes), indexed by the id of the row it belongs to. `organizations()`
then reads organizations.csv in its order, a batch at a time, and nests each batch's
identifiers, locations (with their addresses), programs, services (with their service
areas), attributes and taxonomy terms into it, as the specification's nesting would.
Memory holds one batch of rows, whatever the package's size.

A table that is present is complete: an organization with no rows in it gets an empty
list (and so loses, say, its locations). A row that names an organization the package
does not hold is a problem when it is an identifier, a program or a service (`orphans`),
and is ignored otherwise (an attribute of a phone, a location of no organization).
"""

import json
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import islice

# What each table's rows belong to: (the column naming it, the key nested under).
PARENTS = {
    "organization_identifiers.csv": ("organization_id", "organization_identifiers"),
    "locations.csv": ("organization_id", "locations"),
    "addresses.csv": ("location_id", "addresses"),
    "programs.csv": ("organization_id", "programs"),
    "services.csv": ("organization_id", "services"),
    "service_areas.csv": ("service_id", "service_areas"),
    "attributes.csv": ("link_id", "attributes"),
}
# Rows of these must belong to an organization of the package.
REQUIRED = ("organization_identifiers.csv", "programs.csv", "services.csv")
# Rows per statement: under the 999 variables older SQLite builds allow.
CHUNK = 900
# Organizations nested together.
BATCH = 1000


def key(value) -> str:
    """How ids are compared: as text, without case or surrounding spaces."""
    return str(value).strip().lower() if value not in (None, "") else ""


class Staged:
    """A package's tables in a temporary database; use as a context manager."""

    def __init__(self, *, prefix: str = "", start: int = 2, keep: int | None = None):
        self.prefix, self.start = prefix, start  # rows are named "<prefix><file> row <n>"
        self.origins = Origins(keep)  # of the rows of the last `keep` organizations
        self.tables: dict[str, str] = {}  # file name -> table name
        # An empty file name: a private database on disk, deleted when it is closed.
        self.db = sqlite3.connect("")
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")

    def __enter__(self) -> "Staged":
        return self

    def __exit__(self, *exc) -> None:
        self.db.close()

    def add(self, name: str, rows: Iterable[dict]) -> None:
        """Stage the rows of the file `name`, in their order; an empty cell is an absent
        field, as in JSON, and a cell past the header is dropped."""
        table = self.tables[name] = f"t{len(self.tables)}"
        self.db.execute(
            f"CREATE TABLE {table} (n INTEGER PRIMARY KEY, id TEXT, parent TEXT, data TEXT)"
        )
        column = PARENTS.get(name, (None,))[0]
        numbered = enumerate(rows, start=self.start)
        while chunk := list(islice(numbered, CHUNK)):
            values = []
            for number, cells in chunk:
                row = {k: v for k, v in cells.items() if k is not None and v not in ("", None)}
                parent = key(row.get(column)) if column else ""
                values.append((number, key(row.get("id")), parent, json.dumps(row)))
            self.db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", values)
        self.db.execute(f"CREATE INDEX {table}_id ON {table} (id)")
        self.db.execute(f"CREATE INDEX {table}_parent ON {table} (parent)")

    def where(self, name: str, number: int) -> str:
        return f"{self.prefix}{name} row {number}"

    def orphans(self) -> list[tuple[str, str, str]]:
        """(where, column, message) for each identifier, program or service that names no
        organization of the package."""
        problems = []
        organizations = self.tables.get("organizations.csv")
        held = f"SELECT id FROM {organizations} WHERE id != ''" if organizations else "''"
        for name in REQUIRED:
            if name not in self.tables:
                continue
            rows = self.db.execute(
                f"SELECT n, data FROM {self.tables[name]} WHERE parent = '' OR parent NOT IN "
                f"({held}) ORDER BY n"
            )
            for number, data in rows:
                named = json.loads(data).get("organization_id", "")
                message = f"No organization with id “{named}” in organizations.csv."
                problems.append((self.where(name, number), "organization_id", message))
        return problems

    def organizations(self) -> Iterator[tuple[dict, str]]:
        """The package's organizations in the file's order, nested, each with where it is."""
        if "organizations.csv" not in self.tables:
            return
        table = self.tables["organizations.csv"]
        last = 0
        while True:
            rows = self.db.execute(
                f"SELECT n, data FROM {table} WHERE n > ? ORDER BY n LIMIT ?", [last, BATCH]
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            self.origins.start_batch(len(rows))
            orgs = [self._row("organizations.csv", number, data) for number, data in rows]
            self._nest(orgs)
            yield from ((org, self.origins.get(org, "organizations.csv")) for org in orgs)

    # Nesting one batch

    def _row(self, name: str, number: int, data: str) -> dict:
        row = json.loads(data)
        self.origins.add(row, self.where(name, number))
        return row

    def _children(self, name: str, parents: Iterable[str]) -> list[tuple[str, dict]]:
        """(parent key, row) of the rows of `name` belonging to `parents`, in file order."""
        return self._select(name, "parent", parents)

    def _select(self, name: str, column: str, keys: Iterable[str]) -> list[tuple[str, dict]]:
        keys = sorted(set(keys) - {""})
        found = []
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            found += self.db.execute(
                f"SELECT n, {column}, data FROM {self.tables[name]} WHERE {column} IN ({marks})",
                chunk,
            ).fetchall()
        found.sort()
        return [(owner, self._row(name, number, data)) for number, owner, data in found]

    def _attach(self, name: str, parents: dict[str, dict]) -> None:
        if name not in self.tables:
            return
        nested_as = PARENTS[name][1]
        for parent in parents.values():
            parent.setdefault(nested_as, [])
        for owner, row in self._children(name, parents):
            parents[owner][nested_as].append(row)

    def _nest(self, orgs: list[dict]) -> None:
        # An organization without an id has no rows of its own.
        by_org = {id_: org for org in orgs if (id_ := key(org.get("id")))}
        self._attach("locations.csv", by_org)
        locations = {key(row.get("id")): row for org in orgs for row in org.get("locations", [])}
        self._attach("addresses.csv", locations)
        for name in ("organization_identifiers.csv", "programs.csv", "services.csv"):
            self._attach(name, by_org)
        services = {key(s.get("id")): s for org in orgs for s in org.get("services", [])}
        self._attach("service_areas.csv", services)
        self._attach("attributes.csv", by_org | services)
        owners = [*orgs, *services.values()]
        self._terms([attribute for owner in owners for attribute in owner.get("attributes", [])])

    def _terms(self, attributes: list[dict]) -> None:
        """Give each attribute its taxonomy term, and each term its taxonomy."""
        if "taxonomy_terms.csv" not in self.tables:
            return
        wanted = {key(a.get("taxonomy_term_id")) for a in attributes}
        terms = dict(self._select("taxonomy_terms.csv", "id", wanted))  # the last of an id
        if "taxonomies.csv" in self.tables:
            named = {key(term.get("taxonomy_id")) for term in terms.values()}
            taxonomies = dict(self._select("taxonomies.csv", "id", named))
            for term in terms.values():
                if key(term.get("taxonomy_id")) in taxonomies:
                    term["taxonomy_detail"] = taxonomies[key(term.get("taxonomy_id"))]
        for attribute in attributes:
            if key(attribute.get("taxonomy_term_id")) in terms:
                attribute["taxonomy_term"] = terms[key(attribute["taxonomy_term_id"])]


class Origins:
    """Where each row came from ("services.csv row 4"), looked up by the row itself.

    Rows are held here, so no other object can take the identity of one kept. Given
    `keep`, only the rows of the batches holding the last `keep` documents are: the
    reader of the documents plans them no further behind than that."""

    def __init__(self, keep: int | None = None):
        self.keep = keep
        self._rows: dict[int, tuple[dict, str]] = {}
        self._batches: list[tuple[int, list[int]]] = [(0, [])]  # (documents, row ids)

    def add(self, row: dict, where: str) -> None:
        self._rows[id(row)] = (row, where)
        self._batches[-1][1].append(id(row))

    def get(self, obj, default: str) -> str:
        row, where = self._rows.get(id(obj), (None, default))
        return where if row is obj else default

    def start_batch(self, documents: int) -> None:
        """Start a batch of `documents`, forgetting the batches no longer needed."""
        self._batches.append((documents, []))
        if self.keep is None:
            return
        while sum(n for n, _ids in self._batches[1:]) >= self.keep:
            for identity in self._batches.pop(0)[1]:
                self._rows.pop(identity, None)
