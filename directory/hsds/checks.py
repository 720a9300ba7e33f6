"""Reads nested HSDS documents into plans, checking every object on the way.

`Planner.plan()` converts each object through `mapping` and keeps every problem with
where it came from (file and row, or JSON path) and the HSDS field; `match` then ties the
plans to existing rows and runs the models' validators.

An import plans a file one batch of documents at a time with one Planner, which keeps what
must hold across the whole file: the ids seen so far, with where each was first seen, and
the organization slugs taken (`_Scratch`, on disk), never the documents themselves.
"""

import sqlite3
from collections import Counter
from collections.abc import Iterable

from django.core.exceptions import ValidationError

from directory.hsds import mapping
from directory.hsds.mapping import Reader
from directory.hsds.match import Resolver, Terms
from directory.hsds.plan import CLEANED, OrgPlan, Plan, Problem, ProgramPlan, as_uuid
from directory.hsds.staging import Origins
from directory.hsds.taxonomies import help_field_by_term
from directory.models import Country, Issue, Organization

ORGANIZATION = "organization"
NESTED = "nested organization"  # kept apart from ORGANIZATION, see Planner.plan


class Planner:
    """Turns a file's documents into a Plan, collecting every problem on the way."""

    def __init__(self, *, publish: bool, origins: Origins):
        self.publish = publish
        self.origins = origins
        self.problems: list[Problem] = []
        self._reported: set[tuple[str, str]] = set()
        self._seen = _Scratch()
        names = dict(Country.objects.values_list("code", "name"))
        self.codes = set(names)
        self.codes_by_name = {name.casefold(): code for code, name in names.items()}
        self.terms = Terms(self)
        self._not_cleaned = {
            model: {f.name for f in model._meta.fields} - names for model, names in CLEANED.items()
        }
        self.ignored: Counter = Counter()

    # Bookkeeping

    def report(self, where: str, field: str, message: str) -> None:
        if (where, field) not in self._reported:  # one message per field is enough
            self._reported.add((where, field))
            self.problems.append(Problem(where, field, message))

    def report_all(self, where: str, problems) -> None:
        for field_name, message in problems:
            self.report(where, field_name, message)

    def clean(self, obj, fields: dict[str, str], where: str, overrides=None) -> None:
        """Run the model's field validators; report in HSDS terms, at `overrides` for
        fields that came from elsewhere (a link from an attribute)."""
        try:
            obj.clean_fields(exclude=self._not_cleaned[type(obj)])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                at, hsds_field = (overrides or {}).get(name, (where, fields.get(name, name)))
                self.report(at, hsds_field, messages[0])

    def unique(self, kind: str, hsds_id, where: str) -> None:
        """Report an id already seen in the file, in this batch or any before it."""
        if hsds_id is None:
            return
        first = self._seen.first(kind, hsds_id, where)
        if first != where:
            self.report(where, "id", f"Duplicate {kind} id “{hsds_id}”, also at {first}.")

    def seen_organization(self, hsds_id) -> bool:
        """Whether the file holds the organization, in full or nested in a service."""
        return self._seen.has(ORGANIZATION, hsds_id) or self._seen.has(NESTED, hsds_id)

    def taken_slugs(self):
        """The organization slugs taken, as a set: read once, then kept current as slugs
        are given (rereading them for every batch would read the whole table a thousand
        times)."""
        slugs = Organization.objects.values_list("slug", flat=True)
        return self._seen.taken_slugs(slugs.iterator(chunk_size=10_000))

    def close(self) -> None:
        """Drop what the import kept across the file."""
        self._seen.close()

    def unread(self, doc: dict, kind: str) -> None:
        """Count the fields of `doc` Causeway has no place for, as "<object> <field>"."""
        for key in mapping.unread_keys(doc, kind):
            self.ignored[f"{kind} {key}"] += 1

    def items(self, doc: dict, key: str, where: str) -> list[tuple[dict, str]]:
        value = doc.get(key) or []
        if not isinstance(value, list):
            self.report(where, key, "Expected a list.")
            return []
        items = []
        for number, item in enumerate(value):
            at = self.origins.get(item, f"{where}.{key}[{number}]")
            if isinstance(item, dict):
                items.append((item, at))
            else:
                self.report(at, "", "Expected an object.")
        return items

    # Reading documents

    def plan(self, orgs, services, terms=(), nested=()) -> Plan:
        """Plans for organizations, standalone services, standalone taxonomy terms and
        the organizations nested in those services, each given as (document, where it is).

        A nested organization may come in full later in the file: it is counted apart,
        so that is no duplicate, and the full one then updates what it created."""
        covered = _covered_programs([*orgs, *nested], services)
        for term, where in terms:
            if self.terms.resolve(as_uuid(term.get("id")), term, where) is None:
                self.ignored["taxonomy terms of other taxonomies"] += 1
        org_plans = [self.organization(doc, where, covered) for doc, where in orgs]
        org_plans += [self.organization(doc, where, covered, NESTED) for doc, where in nested]
        programs = [p for org in org_plans for p in org.programs]
        for doc, where in services:
            owner = doc.get("organization") if isinstance(doc.get("organization"), dict) else {}
            org_id = as_uuid(doc.get("organization_id") or owner.get("id"))
            if org_id is None:
                self.report(where, "organization_id", "Enter the id of an organization.")
            programs.append(self.service(doc, where, org_id))
        return Resolver(self).resolve(org_plans, programs)

    def organization(self, doc: dict, where: str, covered: set[str], kind=ORGANIZATION) -> OrgPlan:
        reader = Reader(doc)
        plan = OrgPlan(mapping.organization_fields(reader), where)
        self.report_all(where, reader.problems)
        self.unread(doc, "organization")
        legal_status = doc.get("legal_status")
        if legal_status not in mapping.EMPTY and not mapping.known_legal_status(legal_status):
            self.ignored["organization legal_status not a Causeway type (read as Other)"] += 1
        org_id = plan.values["hsds_id"]
        self.unique(kind, org_id, where)
        if "organization_identifiers" in doc:
            plan.identifiers = self.identifiers(doc, where)
        if "locations" in doc:
            plan.countries = []
            for item, at in self.items(doc, "locations", where):
                self.unread(item, "location")
                found = mapping.location_country(item)
                if found is None:
                    self.ignored["locations without a country"] += 1
                if found is None or not self.known_country(found[0], at, found[2]):
                    continue
                code, is_headquarters, _source = found
                if is_headquarters:
                    plan.headquarters = code
                elif code not in plan.countries:
                    plan.countries.append(code)
        if "attributes" in doc:
            plan.issues, plan.focus_areas, plan.links = self.attributes(doc, where)
        plan.complete_programs = "services" in doc
        for item, at in self.items(doc, "services", where):
            plan.programs.append(self.service(item, at, org_id))
        for item, at in self.items(doc, "programs", where):
            if str(item.get("id", "")).lower() not in covered:
                plan.programs.append(self.service(item, at, org_id, program=True))
        return plan

    def identifiers(self, doc: dict, where: str) -> list[tuple[dict, str]]:
        identifiers, pairs = [], set()
        for item, at in self.items(doc, "organization_identifiers", where):
            reader = Reader(item)
            values = mapping.identifier_fields(reader)
            self.report_all(at, reader.problems)
            self.unread(item, "organization_identifier")
            self.unique("organization identifier", values["hsds_id"], at)
            pair = (values["identifier_scheme"], values["identifier"])
            if pair in pairs:
                self.report(at, "identifier", "This identifier is listed twice.")
            pairs.add(pair)
            identifiers.append((values, at))
        return identifiers

    def service(self, doc: dict, where: str, org_id, *, program=False) -> ProgramPlan:
        """A program from an HSDS service, or from an HSDS program no service carries."""
        reader = Reader(doc)
        plan = ProgramPlan(mapping.service_fields(reader, hsds_program=program), where, org_id)
        self.report_all(where, reader.problems)
        self.unread(doc, "program" if program else "service")
        self.unique("service", plan.values["hsds_id"], where)
        if program:
            return plan
        if doc.get("status") in mapping.SERVICE_STATUSES[2:]:
            self.ignored[f"service status “{doc['status']}” (read as inactive)"] += 1
        if "attributes" in doc:
            plan.issues, plan.focus_areas, links = self.attributes(doc, where)
            if links:
                self.ignored["service ways-to-help attributes"] += len(links)
        if "service_areas" in doc:
            plan.countries = []
            for item, at in self.items(doc, "service_areas", where):
                self.unread(item, "service_area")
                code = mapping.service_area_country(item, self.codes_by_name)
                if not code:
                    self.ignored["service areas that are not a country"] += 1
                if code and self.known_country(code, at, "extent") and code not in plan.countries:
                    plan.countries.append(code)
        return plan

    def known_country(self, code: str, where: str, field_name: str) -> bool:
        if code not in self.codes:
            self.report(where, field_name, f"Unknown country code “{code}” (ISO 3166-1 alpha-2).")
        return code in self.codes

    def attributes(self, doc: dict, where: str) -> tuple[list, list, dict]:
        """Issues, focus areas and links (model field -> (url, where)) named by attributes;
        attributes of other taxonomies are ignored."""
        issues, focus_areas, links = [], [], {}
        for item, at in self.items(doc, "attributes", where):
            term = item.get("taxonomy_term") if isinstance(item.get("taxonomy_term"), dict) else {}
            term_id = as_uuid(item.get("taxonomy_term_id") or term.get("id"))
            if term_id in help_field_by_term():
                reader = Reader(item)
                links[help_field_by_term()[term_id]] = (reader.text("value"), at)
                self.report_all(at, reader.problems)
                continue
            obj = self.terms.resolve(term_id, term, self.origins.get(term, at))
            if obj is None:
                self.ignored["attributes of other taxonomies"] += 1
            chosen = issues if isinstance(obj, Issue) else focus_areas
            if obj is not None and obj not in chosen:
                chosen.append(obj)
        return issues, focus_areas, links


class _Scratch:
    """What an import keeps across the whole file, in a private temporary SQLite database
    on disk (deleted when it is closed) rather than in memory: a million organizations
    bring four million ids and a million slugs.

    `first(kind, id, where)`: where the id was first seen (`where` if this is the first
    time); `has(kind, id)`; and `slugs`, the organization slugs taken, as a set."""

    def __init__(self):
        self.db = sqlite3.connect("")
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute(
            "CREATE TABLE seen (kind INTEGER, id BLOB, at TEXT, PRIMARY KEY (kind, id)) "
            "WITHOUT ROWID"
        )
        self.kinds: dict[str, int] = {}
        self.slugs: _Slugs | None = None

    def close(self) -> None:
        self.db.close()

    def first(self, kind: str, hsds_id, where: str) -> str:
        key = (self.kinds.setdefault(kind, len(self.kinds)), hsds_id.bytes)
        if self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (*key, where)).rowcount:
            return where
        return self.db.execute("SELECT at FROM seen WHERE kind = ? AND id = ?", key).fetchone()[0]

    def has(self, kind: str, hsds_id) -> bool:
        if hsds_id is None or kind not in self.kinds:
            return False
        key = (self.kinds[kind], hsds_id.bytes)
        return bool(self.db.execute("SELECT 1 FROM seen WHERE kind = ? AND id = ?", key).fetchone())

    def taken_slugs(self, slugs: Iterable[str]) -> "_Slugs":
        if self.slugs is None:
            self.slugs = _Slugs(self.db, slugs)
        return self.slugs


class _Slugs:
    """A set of slugs (`in`, `add`) in the scratch database, for `plan.unique_slug`."""

    def __init__(self, db, slugs: Iterable[str]):
        self.db = db
        db.execute("CREATE TABLE slugs (slug TEXT PRIMARY KEY) WITHOUT ROWID")
        db.executemany("INSERT OR IGNORE INTO slugs VALUES (?)", ((slug,) for slug in slugs))

    def __contains__(self, slug: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM slugs WHERE slug = ?", (slug,)).fetchone())

    def add(self, slug: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO slugs VALUES (?)", (slug,))


def _covered_programs(orgs, services) -> set[str]:
    """Ids of HSDS programs that a service in the file belongs to: the services carry them."""
    all_services = [s for s, _where in services]
    for doc, _where in orgs:
        nested = doc.get("services")
        all_services += nested if isinstance(nested, list) else []
    covered = set()
    for service in all_services:
        if isinstance(service, dict):
            program = service.get("program") if isinstance(service.get("program"), dict) else {}
            covered.add(str(service.get("program_id") or program.get("id") or "").lower())
    return covered - {""}
