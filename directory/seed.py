"""Loads the seed content in `fixtures/seed.json` into the directory.

Objects are matched by slug. By default only missing objects are created, so running the
loader again, or after curators have edited a listing, changes nothing; with
`update=True` existing objects are brought back in line with the file. Either way a
second run writes nothing. The whole load is one transaction, and every object the file
describes is validated (`full_clean`, so a source without a URL or document number is
refused) before anything is saved.

Seeded listings are never marked verified: `last_verified` comes only from a curator's
verification, so the file has no such field and the loader records no verification.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from directory.catalog import flush
from directory.models import (
    Country,
    FocusArea,
    Issue,
    KeyFact,
    Opportunity,
    Organization,
    OrganizationIdentifier,
    Program,
    Skill,
    Source,
)

SEED_FILE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"


# The reason the seed's writes carry in each object's history.
SEED_REASON = "Loaded from fixtures/seed.json"


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
            obj._change_reason = SEED_REASON
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
        obj._change_reason = f"{SEED_REASON} (seed --update)"
        # Validate what the file says even when it matches the row: a rule added since
        # the row was written (a source needs a URL or document number) still applies.
        obj.full_clean()
        if changed:
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


# The Korean text each kind of row may carry under "ko", and the field that holds it. The
# name and summary are required in a "ko" entry; the long text is optional.
KOREAN_FIELDS = {"name": "name_ko", "summary": "summary_ko"}
KOREAN_LONG_TEXT = {
    "focus area": {},
    "issue": {"brief": "brief_ko"},
    "organization": {"description": "description_ko"},
    "program": {"description": "description_ko"},
}


def _korean(row: dict, where: str, kind: str) -> dict:
    """The row's Korean text ("ko"), as the fields that hold it."""
    if "ko" not in row:
        return {}
    long_text = KOREAN_LONG_TEXT[kind]
    _pick(row["ko"], f"{where} ko", list(KOREAN_FIELDS), tuple(long_text))
    fields = KOREAN_FIELDS | long_text
    return {fields[key]: value for key, value in row["ko"].items()}


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
    _pick(data, "seed", ["sources", "focus_areas", "issues", "organizations"], ("opportunities",))

    sources = {}
    for row in data["sources"]:
        where = f"source {row.get('slug')}"
        _pick(row, where, ["slug", "title", "publisher", "year", "url"], ("document_number",))
        values = {k: row[k] for k in ("title", "publisher", "year", "url")}
        values["document_number"] = row.get("document_number", "")
        sources[row["slug"]], _ = loader.upsert(Source, {"slug": row["slug"]}, values)

    focus_areas = {}
    for row in data["focus_areas"]:
        where = f"focus area {row.get('slug')}"
        _pick(row, where, ["slug", "name", "description"], ("ko",))
        values = {"name": row["name"], "description": row["description"]}
        values |= _korean(row, where, "focus area")
        focus_areas[row["slug"]], _ = loader.upsert(FocusArea, {"slug": row["slug"]}, values)

    issues, created_issues = {}, set()
    for row in data["issues"]:
        where = f"issue {row.get('slug')}"
        _pick(row, where, ["slug", "name", "summary", "brief", "related", "facts"], ("ko",))
        values = {k: row[k] for k in ("name", "summary", "brief")} | _korean(row, where, "issue")
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

    organizations, created_orgs = {}, set()
    for row in data["organizations"]:
        org, created = _load_organization(loader, row, sources, issues, focus_areas)
        organizations[row["slug"]] = org
        if created:
            created_orgs.add(org.pk)
    # Like programs, an organization's opportunities are loaded with it: when it is new, or
    # with `update`; so one a curator removed comes back only with `update`.
    for row in data.get("opportunities", []):
        where = f"opportunity {row.get('organization')}/{row.get('slug')}"
        _pick(row, where, OPPORTUNITY_KEYS, OPPORTUNITY_OPTIONAL)
        org = _resolve(organizations, [row["organization"]], where)[0]
        if org.pk in created_orgs or update:
            _load_opportunity(loader, row, org, issues, where)
    flush()  # what the saves changed, in the load's transaction
    return loader.stats


FACT_KEYS = ["statement", "figure", "year", "source"]
FACT_OPTIONAL = ("statement_ko", "estimated_by")


def _load_facts(loader, issue, facts, sources, where):
    for position, fact in enumerate(facts):
        _pick(fact, f"{where} fact {position}", FACT_KEYS, FACT_OPTIONAL)
        values = {
            "figure": fact["figure"],
            "year": fact["year"],
            "source": _resolve(sources, [fact["source"]], where)[0],
            "position": position,
            "statement_ko": fact.get("statement_ko", ""),
            "estimated_by": fact.get("estimated_by", ""),
        }
        loader.upsert(KeyFact, {"issue": issue, "statement": fact["statement"]}, values)


ORG_KEYS = [
    "slug", "name", "alternate_name", "summary", "description", "org_type", "founded",
    "headquarters", "countries", "website", "donate_url", "volunteer_url", "email", "status",
    "sources", "issues", "focus_areas", "identifiers", "programs",
]  # fmt: skip
ORG_OPTIONAL = ("ko", "advocacy_url", "fundraising_url")
PROGRAM_KEYS = [
    "slug", "name", "summary", "description", "focus_areas", "issues", "countries", "active", "url"
]  # fmt: skip
OPPORTUNITY_KEYS = [
    "organization", "slug", "title", "description", "mode", "country", "apply_url", "issues",
    "skills",
]  # fmt: skip
OPPORTUNITY_OPTIONAL = ("city", "time_commitment", "expires", "status")


def _load_organization(loader, row, sources, issues, focus_areas) -> tuple[Organization, bool]:
    where = f"organization {row.get('slug')}"
    _pick(row, where, ORG_KEYS, ORG_OPTIONAL)
    scalar = [
        "name", "alternate_name", "summary", "description", "org_type", "founded",
        "website", "donate_url", "volunteer_url", "email", "status",
    ]  # fmt: skip
    values = {key: row[key] for key in scalar} | _korean(row, where, "organization")
    values |= {key: row.get(key, "") for key in ("advocacy_url", "fundraising_url")}
    values["headquarters"] = (
        _countries([row["headquarters"]], where)[0] if row["headquarters"] else None
    )
    m2m = {
        "countries": _countries(row["countries"], where),
        "sources": _resolve(sources, row["sources"], where),
        "issues": _resolve(issues, row["issues"], where),
        "focus_areas": _resolve(focus_areas, row["focus_areas"], where),
    }
    org, created = loader.upsert(Organization, {"slug": row["slug"]}, values, m2m)
    if not (created or loader.update):
        return org, created
    for ident in row["identifiers"]:
        _pick(ident, where, ["identifier_scheme", "identifier_type", "identifier"])
        lookup = {"organization": org, **{k: ident[k] for k in ("identifier_scheme", "identifier")}}
        loader.upsert(OrganizationIdentifier, lookup, {"identifier_type": ident["identifier_type"]})
    for program in row["programs"]:
        pwhere = f"{where} program {program.get('slug')}"
        _pick(program, pwhere, PROGRAM_KEYS, ("ko",))
        values = {k: program[k] for k in ("name", "summary", "description", "active", "url")}
        values |= _korean(program, pwhere, "program")
        m2m = {
            "issues": _resolve(issues, program["issues"], pwhere),
            "focus_areas": _resolve(focus_areas, program["focus_areas"], pwhere),
            "countries": _countries(program["countries"], pwhere),
        }
        loader.upsert(Program, {"organization": org, "slug": program["slug"]}, values, m2m)
    return org, created


def _load_opportunity(loader, row, org, issues, where) -> None:
    """A volunteer opportunity, published with no expiry unless the file gives them."""
    expires = row.get("expires")
    values = {
        "title": row["title"],
        "description": row["description"],
        "mode": row["mode"],
        "country": _countries([row["country"]], where)[0] if row["country"] else None,
        "city": row.get("city", ""),
        "time_commitment": row.get("time_commitment", ""),
        "apply_url": row["apply_url"],
        "expires": date.fromisoformat(expires) if expires else None,
        "status": row.get("status", Opportunity.Status.PUBLISHED),
    }
    skills = []
    for name in row["skills"]:
        skill, _ = loader.upsert(Skill, {"slug": slugify(name)}, {"name": name})
        skills.append(skill)
    m2m = {"issues": _resolve(issues, row["issues"], where), "skills": skills}
    loader.upsert(Opportunity, {"organization": org, "slug": row["slug"]}, values, m2m)


def load_file(path: Path = SEED_FILE, *, update: bool = False) -> Stats:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SeedError(f"{path}: {error}") from None
    return load(data, update=update)
