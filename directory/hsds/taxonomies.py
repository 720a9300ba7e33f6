"""The three taxonomies Causeway publishes in HSDS, and the ids it derives for objects it
does not store.

Issues and focus areas are the terms of "Causeway issues" and "Causeway focus areas"
(each term's id is the model's `hsds_id`). "Causeway ways to help" has one fixed term per
way in `directory.ways_to_help` (Donate, Volunteer, ...); an attribute with that term
carries the organization's link as its value. Taxonomy ids and the ids of terms,
locations, service areas and attributes Causeway does not store are uuid5 values of a
fixed namespace: the same data always gets the same ids, on every export.
"""

import uuid
from dataclasses import dataclass
from functools import cache

from django.utils import translation

from directory.ways_to_help import WAYS

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://causeway.org/hsds")


def derived_id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


@dataclass(frozen=True)
class Taxonomy:
    slug: str
    name: str
    description: str
    link_type: str

    @property
    def id(self) -> str:
        return derived_id("taxonomy", self.slug)

    def to_hsds(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description}


ISSUES = Taxonomy(
    "issues", "Causeway issues", "The causes organizations and their services address.", "issue"
)
FOCUS_AREAS = Taxonomy(
    "focus-areas",
    "Causeway focus areas",
    "How organizations and their services work: rescue, resettlement, advocacy, research...",
    "focus_area",
)
WAYS_TO_HELP = Taxonomy(
    "ways-to-help",
    "Causeway ways to help",
    "Where the public can give or volunteer; an attribute's value is the link.",
    "url",
)
TAXONOMIES = (ISSUES, FOCUS_AREAS, WAYS_TO_HELP)


def make_term(taxonomy: Taxonomy, term_id, code: str, name: str, description: str) -> dict:
    return {
        "id": str(term_id),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": taxonomy.name,
        "taxonomy_id": taxonomy.id,
    }


def issue_term(issue) -> dict:
    return make_term(ISSUES, issue.hsds_id, issue.slug, issue.name, issue.summary)


def focus_area_term(area) -> dict:
    return make_term(FOCUS_AREAS, area.hsds_id, area.slug, area.name, area.description)


HELP_FIELDS = [way.field for way in WAYS]


@cache
def help_terms() -> dict[str, dict]:
    """The "ways to help" term of each link field, in English whatever the request's
    language: an export is the same document for everyone."""
    with translation.override("en"):
        return {
            way.field: make_term(
                WAYS_TO_HELP,
                derived_id("term", code),
                code,
                str(way.label),
                str(way.explanation),
            )
            for way in WAYS
            for code in [way.field.removesuffix("_url")]
        }


@cache
def help_field_by_term() -> dict[uuid.UUID, str]:
    return {uuid.UUID(term["id"]): field for field, term in help_terms().items()}


def taxonomy_of(term: dict) -> Taxonomy | None:
    """The Causeway taxonomy a term belongs to, by taxonomy id or name; None for others."""
    detail = term.get("taxonomy_detail") or {}
    keys = {term.get("taxonomy_id"), term.get("taxonomy"), detail.get("id"), detail.get("name")}
    return next((t for t in TAXONOMIES if t.id in keys or t.name in keys), None)
