"""What an import would write: the plan that `checks` and `match` build and `bulk` stores.

A dry run reports the plan's counts and stops; a real import writes it. Also the small
lookups both stages share: rows by HSDS id, in chunks, and unique slugs.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.utils.text import slugify

from directory.models import FocusArea, Issue, Organization, OrganizationIdentifier, Program

CHUNK = 5000  # ids per IN (...) query, well under SQLite's limit on variables
CLEANED = {
    Organization: {
        "name", "alternate_name", "summary", "description", "email", "website", "founded",
        "org_type", "donate_url", "volunteer_url",
    },
    Program: {"name", "summary", "description", "url"},
    OrganizationIdentifier: {"identifier_scheme", "identifier_type", "identifier"},
    Issue: {"name", "slug", "summary"},
    FocusArea: {"name", "slug", "description"},
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}, {self.field}: {self.message}" if self.field else (
            f"{self.where}: {self.message}"
        )  # fmt: skip


@dataclass
class Result:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    ignored: Counter = field(default_factory=Counter)


@dataclass
class ProgramPlan:
    values: dict
    where: str
    org_id: uuid.UUID | None
    issues: list | None = None  # None: leave as they are
    focus_areas: list | None = None
    countries: list[str] | None = None
    obj: Program | None = None


@dataclass
class OrgPlan:
    values: dict
    where: str
    issues: list | None = None  # None: leave as they are
    focus_areas: list | None = None
    links: dict | None = None  # donate_url / volunteer_url -> (url, where)
    countries: list[str] | None = None
    headquarters: str | None = None
    identifiers: list[tuple[dict, str]] | None = None
    programs: list[ProgramPlan] = field(default_factory=list)
    complete_programs: bool = False  # programs not listed are deleted
    obj: Organization | None = None


@dataclass
class Plan:
    organizations: list[OrgPlan]
    programs: list[ProgramPlan]
    identifiers: list[OrganizationIdentifier]
    terms: list[Issue | FocusArea]
    stale_programs: list[int]
    stale_identifiers: list[int]
    touched: set[int]  # organizations that lose a program or identifier to another

    def counts(self) -> Result:
        result = Result()
        objects = [p.obj for p in self.organizations] + [p.obj for p in self.programs]
        for obj in [*objects, *self.identifiers, *self.terms]:
            bucket = result.created if obj.pk is None else result.updated
            bucket[obj._meta.verbose_name_plural] += 1
        result.deleted["programs"] = len(self.stale_programs)
        result.deleted["organization identifiers"] = len(self.stale_identifiers)
        return result


def as_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def by_hsds_id(model, ids) -> dict:
    ids = sorted({i for i in ids if i is not None})
    found = {}
    for start in range(0, len(ids), CHUNK):
        chunk = model.objects.filter(hsds_id__in=ids[start : start + CHUNK])
        found |= {obj.hsds_id: obj for obj in chunk}
    return found


def column_pairs(model, column: str, pks, *fields) -> list[tuple]:
    pks = sorted(pks)
    rows = []
    for start in range(0, len(pks), CHUNK):
        chunk = model.objects.filter(**{f"{column}__in": pks[start : start + CHUNK]})
        rows += chunk.values_list(column, *fields)
    return rows


def unique_slug(text: str, taken: set, fallback: str, limit: int = 190) -> str:
    base = slugify(text)[:limit].strip("-") or fallback
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug
