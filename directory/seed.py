"""Loads the seed content in `fixtures/seed.json` into the directory.

Objects are matched by slug. By default only missing objects are created, so running the
loader again, or after curators have edited a listing, changes nothing; with
`update=True` existing objects are brought back in line with the file. Either way a
second run writes nothing. The whole load is one transaction.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from directory.models import (
    Country,
    FocusArea,
    Issue,
    KeyFact,
    Organization,
    OrganizationIdentifier,
    Program,
    Source,
)
from directory.search import index

SEED_FILE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"


class SeedError(ValueError):
    pass


@dataclass
class Stats:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict, model) -> None:
        name = model._meta.verbose_name_plural
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class _Loader:
    def __init__(self, update: bool):
        self.update = update
        self.stats = Stats()

    def upsert(self, model, lookup: dict, values: dict, m2m: dict | None = None):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            self.stats.count(self.stats.created, model)
            self.set_m2m(obj, m2m or {})
            return obj, True
        if not self.update:
            return obj, False
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        if changed:
            obj.full_clean()
            obj.save()
        if self.set_m2m(obj, m2m or {}) or changed:
            self.stats.count(self.stats.updated, model)
        return obj, False

    @staticmethod
    def set_m2m(obj, m2m: dict) -> bool:
        changed = False
        for name, targets in m2m.items():
            manager = getattr(obj, name)
            if set(manager.values_list("pk", flat=True)) != {t.pk for t in targets}:
                manager.set(targets)
                changed = True
        return changed


def _pick(mapping: dict, where: str, keys: list[str], optional: tuple[str, ...] = ()) -> dict:
    unknown = set(mapping) - set(keys) - set(optional)
    missing = set(keys) - set(mapping)
    if unknown or missing:
        raise SeedError(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    return mapping


def _korean(row: dict, where: str) -> dict:
    """The row's optional Korean name and summary ("ko"), as the fields that hold them."""
    if "ko" not in row:
        return {}
    _pick(row["ko"], f"{where} ko", ["name", "summary"])
    return {"name_ko": row["ko"]["name"], "summary_ko": row["ko"]["summary"]}


def _resolve(objects: dict, slugs: list[str], where: str) -> list:
    try:
        return [objects[slug] for slug in slugs]
    except KeyError as error:
        raise SeedError(f"{where}: unknown reference {error.args[0]!r}") from None


def _countries(codes: list[str], where: str) -> list[Country]:
    found = Country.objects.in_bulk(codes)
    missing = [code for code in codes if code not in found]
    if missing:
        raise SeedError(f"{where}: unknown country codes {missing}")
    return [found[code] for code in codes]


@transaction.atomic
def load(data: dict, *, update: bool = False) -> Stats:
    loader = _Loader(update)
    _pick(data, "seed", ["sources", "focus_areas", "issues", "organizations"])

    sources = {}
    for row in data["sources"]:
        _pick(row, f"source {row.get('slug')}", ["slug", "title", "publisher", "year", "url"])
        values = {k: row[k] for k in ("title", "publisher", "year", "url")}
        sources[row["slug"]], _ = loader.upsert(Source, {"slug": row["slug"]}, values)

    focus_areas = {}
    for row in data["focus_areas"]:
        where = f"focus area {row.get('slug')}"
        _pick(row, where, ["slug", "name", "description"], ("ko",))
        values = {"name": row["name"], "description": row["description"], **_korean(row, where)}
        focus_areas[row["slug"]], _ = loader.upsert(FocusArea, {"slug": row["slug"]}, values)

    issues, created_issues = {}, set()
    for row in data["issues"]:
        where = f"issue {row.get('slug')}"
        _pick(row, where, ["slug", "name", "summary", "brief", "related", "facts"], ("ko",))
        values = {k: row[k] for k in ("name", "summary", "brief")} | _korean(row, where)
        issue, created = loader.upsert(Issue, {"slug": row["slug"]}, values)
        issues[row["slug"]] = issue
        if created:
            created_issues.add(issue.pk)
        if created or update:
            _load_facts(loader, issue, row["facts"], sources, where)
    # `related` is symmetrical: a link declared on either side belongs to both.
    related: dict[str, set[str]] = {slug: set() for slug in issues}
    for row in data["issues"]:
        _resolve(issues, row["related"], f"issue {row['slug']}")
        for other in row["related"]:
            related[row["slug"]].add(other)
            related[other].add(row["slug"])
    for slug, issue in issues.items():
        new = issue.pk in created_issues
        if not (new or update):
            continue
        links = {"related": [issues[other] for other in sorted(related[slug])]}
        if loader.set_m2m(issue, links) and not new:
            loader.stats.count(loader.stats.updated, Issue)

    org_ids = [
        _load_organization(loader, row, sources, issues, focus_areas)
        for row in data["organizations"]
    ]
    if loader.stats.changed:
        index.refresh_issues([issue.pk for issue in issues.values()])
        index.refresh_organizations(org_ids)
    return loader.stats


def _load_facts(loader, issue, facts, sources, where):
    for position, fact in enumerate(facts):
        _pick(fact, f"{where} fact {position}", ["statement", "figure", "year", "source"])
        values = {
            "figure": fact["figure"],
            "year": fact["year"],
            "source": _resolve(sources, [fact["source"]], where)[0],
            "position": position,
        }
        loader.upsert(KeyFact, {"issue": issue, "statement": fact["statement"]}, values)


ORG_KEYS = [
    "slug", "name", "alternate_name", "summary", "description", "org_type", "founded",
    "headquarters", "countries", "website", "donate_url", "volunteer_url", "email", "status",
    "last_verified", "sources", "issues", "focus_areas", "identifiers", "programs",
]  # fmt: skip
PROGRAM_KEYS = [
    "slug", "name", "summary", "description", "focus_areas", "issues", "countries", "active", "url"
]  # fmt: skip


def _load_organization(loader, row, sources, issues, focus_areas) -> int:
    where = f"organization {row.get('slug')}"
    _pick(row, where, ORG_KEYS, ("ko",))
    scalar = [
        "name", "alternate_name", "summary", "description", "org_type", "founded",
        "website", "donate_url", "volunteer_url", "email", "status",
    ]  # fmt: skip
    values = {key: row[key] for key in scalar} | _korean(row, where)
    values["headquarters"] = (
        _countries([row["headquarters"]], where)[0] if row["headquarters"] else None
    )
    values["last_verified"] = (
        date.fromisoformat(row["last_verified"]) if row["last_verified"] else None
    )
    m2m = {
        "countries": _countries(row["countries"], where),
        "sources": _resolve(sources, row["sources"], where),
        "issues": _resolve(issues, row["issues"], where),
        "focus_areas": _resolve(focus_areas, row["focus_areas"], where),
    }
    org, created = loader.upsert(Organization, {"slug": row["slug"]}, values, m2m)
    if not (created or loader.update):
        return org.pk
    for ident in row["identifiers"]:
        _pick(ident, where, ["identifier_scheme", "identifier_type", "identifier"])
        lookup = {"organization": org, **{k: ident[k] for k in ("identifier_scheme", "identifier")}}
        loader.upsert(OrganizationIdentifier, lookup, {"identifier_type": ident["identifier_type"]})
    for program in row["programs"]:
        pwhere = f"{where} program {program.get('slug')}"
        _pick(program, pwhere, PROGRAM_KEYS, ("ko",))
        values = {k: program[k] for k in ("name", "summary", "description", "active", "url")}
        values |= _korean(program, pwhere)
        m2m = {
            "issues": _resolve(issues, program["issues"], pwhere),
            "focus_areas": _resolve(focus_areas, program["focus_areas"], pwhere),
            "countries": _countries(program["countries"], pwhere),
        }
        loader.upsert(Program, {"organization": org, "slug": program["slug"]}, values, m2m)
    return org.pk


def load_file(path: Path = SEED_FILE, *, update: bool = False) -> Stats:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SeedError(f"{path}: {error}") from None
    return load(data, update=update)
