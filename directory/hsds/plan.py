"""What an import would write: the plan that `checks` and `match` build and `bulk` stores.

A dry run reports the plan's counts and stops; a real import writes it. Also the small
lookups both stages share: rows by HSDS id, in chunks, and unique slugs.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.text import slugify

from directory.hsds.taxonomies import HELP_FIELDS
from directory.models import FocusArea, Issue, Organization, OrganizationIdentifier, Program

CHUNK = 900  # ids per IN (...): under the 999 variables older SQLite builds allow
CLEANED = {
    Organization: {
        "name", "alternate_name", "summary", "description", "email", "website", "founded",
        "org_type", *HELP_FIELDS,
    },
    Program: {"name", "summary", "description", "url"},
    OrganizationIdentifier: {"identifier_scheme", "identifier_type", "identifier"},
    Issue: {"name", "slug", "summary"},
    FocusArea: {"name", "slug", "description"},
}  # fmt: skip
LINKS = {  # many-to-many relation -> the plan attribute listing its targets
    Organization: [
        (Organization.issues, "issues"),
        (Organization.focus_areas, "focus_areas"),
        (Organization.countries, "countries"),
    ],
    Program: [
        (Program.issues, "issues"),
        (Program.focus_areas, "focus_areas"),
        (Program.countries, "countries"),
    ],
}


# Problems quote the file's values and go to a terminal: control characters in them are
# shown escaped, never sent (an escape sequence could rewrite what the screen shows).
ESCAPED = {code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]}
ESCAPED |= {ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file: where (file and row, or JSON path), which HSDS field."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        place = f"{self.where}, {self.field}" if self.field else self.where
        return f"{place}: {self.message}".translate(ESCAPED)


HELD_BACK_NAMED = 20


@dataclass
class Result:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    ignored: Counter = field(default_factory=Counter)
    # With --publish: how many organizations were kept in review because they cite no
    # source, and the first HELD_BACK_NAMED of their names in alphabetical order (a
    # million-organization file without sources would otherwise list a million names).
    held_back: int = 0
    held_back_names: list[str] = field(default_factory=list)

    def add(self, other: "Result") -> None:
        """Count `other` (one batch's) in this result too."""
        for name in ("created", "updated", "deleted", "unchanged", "ignored"):
            getattr(self, name).update(getattr(other, name))
        self.held_back += other.held_back
        self._name_held_back(other.held_back_names)

    def hold_back(self, names: list[str]) -> None:
        """Count these organizations as kept in review."""
        self.held_back += len(names)
        self._name_held_back(names)

    def _name_held_back(self, names: list[str]) -> None:
        self.held_back_names = sorted([*self.held_back_names, *names])[:HELD_BACK_NAMED]


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
    links: dict | None = None  # a ways-to-help field -> (url, where)
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
    touched: set[int]  # organizations that lose a program or identifier
    changed: set[int]  # id() of the existing rows the file changes

    def counts(self) -> Result:
        result = Result()
        objects = [p.obj for p in self.organizations] + [p.obj for p in self.programs]
        for obj in [*objects, *self.identifiers, *self.terms]:
            if obj.pk is None:
                bucket = result.created
            else:
                bucket = result.updated if id(obj) in self.changed else result.unchanged
            bucket[obj._meta.verbose_name_plural] += 1
        result.deleted["programs"] = len(self.stale_programs)
        result.deleted["organization identifiers"] = len(self.stale_identifiers)
        return result


def as_uuid(value) -> uuid.UUID | None:
    return _parse_uuid(str(value))


@lru_cache(maxsize=10_000)  # the same few term ids recur in every attribute
def _parse_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def by_hsds_id(model, ids) -> dict:
    ids = list({i for i in ids if i is not None})
    if not ids or not model.objects.exists():
        return {}
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
