"""The one mapping between Causeway's models and HSDS 3.0 objects.

The exporter, the importer and the API translate through these functions, so each field
is mapped in one place:

- Organization -> organization. HSDS requires `description`: it is the summary, a blank
  line, then the description, or the description alone when the summary was derived from
  it (`summary_of`): an imported description that does not split back exactly into a
  one-line summary and the rest is kept whole, so import then export gives it back byte
  for byte. `year_incorporated` is `founded`; `legal_status` is the English label of the
  type.
- Program -> service, `status` "active" or "inactive"; its countries -> `service_areas`
  (`extent_type` "text", `extent` the ISO 3166-1 code).
- Headquarters and countries of operation -> organization `locations`, with the ISO code
  as `external_identifier`; the headquarters is the location named "Headquarters".
- Issues, focus areas, and the ways to help (donate, volunteer, advocacy, fundraising
  links) -> `attributes` pointing at terms of three Causeway taxonomies. HSDS 3.0 has no
  field for such links (`funding` holds only a free-text `source`), so a link is the
  `value` of a "ways to help" attribute.

Objects Causeway does not store (taxonomies, locations, service areas, attributes) get ids
derived from the ids of what they describe (see `taxonomies`), so exporting the same data
gives the same document. Empty optional fields are left out rather than written as "".
"""

import re
import uuid
from functools import cache

from django.utils import translation
from django.utils.text import slugify

from directory.hsds.taxonomies import (
    FOCUS_AREAS,
    HELP_FIELDS,
    ISSUES,
    WAYS_TO_HELP,
    Taxonomy,
    derived_id,
    focus_area_term,
    help_terms,
    issue_term,
)
from directory.models import Organization

ISO_3166 = "ISO 3166-1 alpha-2"
HEADQUARTERS = "Headquarters"
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
SUMMARY_LENGTH = 300

# Model field -> the HSDS field it comes from, to report problems in the file's terms.
ORGANIZATION_FIELDS = {
    "hsds_id": "id", "name": "name", "slug": "name", "alternate_name": "alternate_name",
    "summary": "description", "description": "description", "email": "email",
    "website": "website", "founded": "year_incorporated", "org_type": "legal_status",
}  # fmt: skip
SERVICE_FIELDS = {
    "hsds_id": "id", "name": "name", "slug": "name", "summary": "description",
    "description": "description", "url": "url", "active": "status",
}  # fmt: skip
IDENTIFIER_FIELDS = {
    "hsds_id": "id", "identifier_scheme": "identifier_scheme",
    "identifier_type": "identifier_type", "identifier": "identifier",
}  # fmt: skip
TERM_FIELDS = {
    "hsds_id": "id", "name": "name", "slug": "code", "summary": "description",
    "description": "description",
}  # fmt: skip

# The keys of each HSDS object the import reads (or, for locations and service areas, that
# the export writes again from the country). Every other key holding a value is data
# Causeway has no place for: the import counts it under "Ignored" as "<object> <key>".
READ_KEYS = {
    "organization": {
        "id", "name", "alternate_name", "description", "email", "website",
        "year_incorporated", "legal_status", "organization_identifiers", "locations",
        "attributes", "services", "programs",
    },
    "service": {
        "id", "organization_id", "organization", "name", "description", "url", "status",
        "attributes", "service_areas",
    },
    "program": {"id", "organization_id", "name", "description"},
    "organization_identifier": {
        "id", "organization_id", "identifier_scheme", "identifier_type", "identifier",
    },
    "location": {
        "id", "organization_id", "location_type", "name", "description",
        "external_identifier", "external_identifier_type", "addresses",
    },
    "service_area": {"id", "service_id", "name", "description", "extent", "extent_type"},
}  # fmt: skip


EMPTY = (None, "", [], {})


def unread_keys(doc: dict, kind: str) -> list[str]:
    """The keys of `doc` holding a value that the import does not read."""
    known = READ_KEYS[kind]
    return [key for key, value in doc.items() if key not in known and value not in EMPTY]


# Export: models -> HSDS. Relations must be prefetched (see export.organizations()).


def _with_optional(doc: dict, **optional) -> dict:
    doc.update({key: value for key, value in optional.items() if value not in ("", None)})
    return doc


def _by_id(doc: dict) -> str:
    return doc["id"]


def join_text(summary: str, description: str) -> str:
    return "\n\n".join(part for part in (summary, description) if part)


def summary_of(text: str) -> str:
    """The one-line summary derived from a description: its first non-blank line, spaces
    collapsed, cut at a word with "…" when longer than a summary may be."""
    line = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    if len(line) <= SUMMARY_LENGTH:
        return line
    cut = line[: SUMMARY_LENGTH - 1]
    return f"{cut.rsplit(' ', 1)[0] if ' ' in cut.strip() else cut}…"


def hsds_text(summary: str, description: str) -> str:
    """The HSDS description: the description alone when the summary is derived from it
    (as `read_text` stores a description it could not split), else `join_text`."""
    if description and summary == summary_of(description):
        return description
    return join_text(summary, description)


@cache
def _legal_statuses() -> dict[str, str]:
    with translation.override("en"):
        return {value: str(label) for value, label in Organization.OrgType.choices}


def _attributes(link_id: str, entity: str, issues, focus_areas, links=()) -> list[dict]:
    pairs = [(ISSUES, issue_term(issue), "") for issue in issues]
    pairs += [(FOCUS_AREAS, focus_area_term(area), "") for area in focus_areas]
    pairs += [(WAYS_TO_HELP, help_terms()[field], url) for field, url in links if url]
    attributes = [
        _with_optional(
            {
                "id": derived_id("attribute", link_id, term["id"]),
                "link_id": link_id,
                "link_entity": entity,
                "link_type": taxonomy.link_type,
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
            },
            value=value,
        )
        for taxonomy, term, value in pairs
    ]
    return sorted(attributes, key=_by_id)


def _location(org_id: str, key: str, name: str, description: str, country) -> dict:
    return {
        "id": derived_id("location", org_id, key),
        "organization_id": org_id,
        "location_type": "physical",
        "name": name,
        "description": description,
        "external_identifier": country.code,
        "external_identifier_type": ISO_3166,
    }


# The columns organization_row and service_row read: all a list page needs to load.
ORGANIZATION_ROW_COLUMNS = (
    "hsds_id", "name", "alternate_name", "summary", "description", "email", "website",
    "founded", "org_type",
)  # fmt: skip
SERVICE_ROW_COLUMNS = ("hsds_id", "name", "active", "summary", "description", "url")


def organization_row(org) -> dict:
    """The organization's one-to-one fields, as an HSDS organization list shows them."""
    doc = {
        "id": str(org.hsds_id),
        "name": org.name,
        "description": hsds_text(org.summary, org.description),
    }
    return _with_optional(
        doc,
        alternate_name=org.alternate_name,
        email=org.email,
        website=org.website,
        year_incorporated=org.founded,
        legal_status=_legal_statuses()[org.org_type],
    )


def _nest(row: dict, first: tuple[str, ...], nested: dict) -> dict:
    """`row` with `nested` after its `first` keys, in the order the documents always had."""
    return {**{key: row[key] for key in first}, **nested, **row}


def organization(org) -> dict:
    row = organization_row(org)
    org_id = row["id"]
    locations = [
        _location(org_id, c.code, c.name, f"Works in {c.name}.", c) for c in org.countries.all()
    ]
    if org.headquarters:
        hq = org.headquarters
        locations.append(
            _location(org_id, "headquarters", HEADQUARTERS, f"Headquartered in {hq.name}.", hq)
        )
    identifiers = [
        _with_optional(
            {
                "id": str(ident.hsds_id),
                "organization_id": org_id,
                "identifier_type": ident.identifier_type,
                "identifier": ident.identifier,
            },
            identifier_scheme=ident.identifier_scheme,
        )
        for ident in org.identifiers.all()
    ]
    links = [(field, getattr(org, field)) for field in HELP_FIELDS]
    nested = {
        "organization_identifiers": sorted(identifiers, key=_by_id),
        "locations": sorted(locations, key=_by_id),
        "attributes": _attributes(
            org_id, "organization", org.issues.all(), org.focus_areas.all(), links
        ),
        "services": sorted((service(p, org_id) for p in org.programs.all()), key=_by_id),
    }
    return _nest(row, ("id", "name", "description"), nested)


def service_row(program, org_id: str) -> dict:
    """The program's one-to-one fields, as an HSDS service list shows them."""
    doc = {
        "id": str(program.hsds_id),
        "organization_id": org_id,
        "name": program.name,
        "status": "active" if program.active else "inactive",
    }
    return _with_optional(
        doc, description=hsds_text(program.summary, program.description), url=program.url
    )


def service(program, org_id: str) -> dict:
    row = service_row(program, org_id)
    service_id = row["id"]
    areas = [
        {
            "id": derived_id("service_area", service_id, country.code),
            "service_id": service_id,
            "name": country.name,
            "description": f"{ISO_3166}: {country.code}",
            "extent": country.code,
            "extent_type": "text",
        }
        for country in program.countries.all()
    ]
    nested = {
        "service_areas": sorted(areas, key=_by_id),
        "attributes": _attributes(
            service_id, "service", program.issues.all(), program.focus_areas.all()
        ),
    }
    return _nest(row, ("id", "organization_id", "name", "status"), nested)


# Import: HSDS -> model field values. A Reader collects every problem in an object
# rather than stopping at the first, so one run reports all of them.


# PostgreSQL refuses NUL in text, and UTF-8 has no lone surrogates (JSON can spell them).
# Other control characters are no part of any text; a line break in a name would break
# the email headers and one-line places that show it (str.splitlines breaks at these too).
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029]")
SURROGATE = re.compile(r"[\ud800-\udfff]")


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why `value` cannot be stored, or None."""
    if "\x00" in value:
        return "This text contains a NUL character."
    if found := CONTROL.search(value):
        return f"This text contains a control character (U+{ord(found[0]):04X})."
    if not multiline and LINE_BREAK.search(value):
        return "This text must be one line, without line breaks or tabs."
    if SURROGATE.search(value):
        return "This text is not valid Unicode (it holds a lone surrogate)."
    return None


class Reader:
    """Reads one HSDS object's fields; `problems` holds (HSDS field, message) pairs."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.problems: list[tuple[str, str]] = []

    def text(self, key: str, *, required: bool = False, multiline: bool = False) -> str:
        """The text at `key`, on one line unless `multiline` (descriptions)."""
        value = self.doc.get(key)
        if isinstance(value, bool | dict | list):
            self.problems.append((key, "Expected text."))
            return ""
        value = "" if value is None else str(value)
        if problem := text_problem(value, multiline=multiline):
            self.problems.append((key, problem))
        if required and not value.strip():
            self.problems.append((key, "This field is required."))
        return value

    def id(self, key: str = "id") -> uuid.UUID | None:
        value = self.text(key, required=True)
        try:
            return uuid.UUID(value) if value else None
        except ValueError:
            self.problems.append((key, f"“{value}” is not a valid UUID."))
            return None

    def year(self, key: str) -> int | None:
        value = self.doc.get(key)
        if value in (None, ""):
            return None
        try:
            number = float(value)
            if isinstance(value, bool) or not number.is_integer():
                raise ValueError
            return int(number)
        except (TypeError, ValueError):
            self.problems.append((key, "Enter a whole year, e.g. 2011."))
            return None


def split_text(text: str, *, summary_required: bool) -> tuple[str, str]:
    """Undo join_text: the first paragraph is the summary when it is short enough.

    A longer one stays whole in the description, with its cut-down start as the summary
    when one is required (organizations) and no summary otherwise (programs).
    """
    head, _, tail = text.partition("\n\n")
    if len(head) <= SUMMARY_LENGTH:
        return head, tail
    if not summary_required:
        return "", text
    cut = head[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0]
    return f"{cut}…", text


def read_text(text: str, *, summary_required: bool) -> tuple[str, str]:
    """The summary and description for an HSDS description, such that `hsds_text` gives
    the description back exactly.

    A description that is a one-line first paragraph (at most SUMMARY_LENGTH characters), a
    blank line and the rest splits into them, as `join_text` made it. Any other stays whole
    in the description, with a summary derived from it (`summary_of`) when one is required
    (organizations) and none otherwise (programs).
    """
    head, _, tail = text.partition("\n\n")
    splits = (
        head.strip()
        and len(head) <= SUMMARY_LENGTH
        and not LINE_BREAK.search(head)
        and join_text(head, tail) == text
        and head != summary_of(tail)
    )
    if splits:
        return head, tail
    return (summary_of(text) if summary_required else ""), text


def _org_type(legal_status: str) -> str:
    wanted = legal_status.strip().casefold()
    for value, label in _legal_statuses().items():
        if wanted in (value, label.casefold()):
            return value
    return Organization.OrgType.OTHER


def known_legal_status(legal_status) -> bool:
    """Whether `legal_status` names one of Causeway's types (anything else reads as Other)."""
    wanted = str(legal_status).strip().casefold()
    return any(wanted in (value, label.casefold()) for value, label in _legal_statuses().items())


def organization_fields(reader: Reader) -> dict:
    text = reader.text("description", required=True, multiline=True)
    summary, description = read_text(text, summary_required=True)
    return {
        "hsds_id": reader.id(),
        "name": reader.text("name", required=True),
        "alternate_name": reader.text("alternate_name"),
        "summary": summary,
        "description": description,
        "email": reader.text("email"),
        "website": reader.text("website"),
        "founded": reader.year("year_incorporated"),
        "org_type": _org_type(reader.text("legal_status")),
    }


def service_fields(reader: Reader, *, hsds_program: bool = False) -> dict:
    """A Program from an HSDS service, or from an HSDS program (always active, no link)."""
    summary, description = read_text(
        reader.text("description", multiline=True), summary_required=False
    )
    values = {"hsds_id": reader.id(), "name": reader.text("name", required=True)}
    values |= {"summary": summary, "description": description, "active": True}
    if hsds_program:
        return values
    status = reader.text("status", required=True)
    if status and status not in SERVICE_STATUSES:
        reader.problems.append(("status", f"Must be one of: {', '.join(SERVICE_STATUSES)}."))
    return values | {"url": reader.text("url"), "active": status == "active"}


def identifier_fields(reader: Reader) -> dict:
    return {
        "hsds_id": reader.id(),
        "identifier_scheme": reader.text("identifier_scheme"),
        "identifier_type": reader.text("identifier_type"),
        "identifier": reader.text("identifier", required=True),
    }


def term_fields(reader: Reader, taxonomy: Taxonomy) -> dict:
    """An Issue or a FocusArea from a taxonomy term. An issue needs a one-line summary:
    the start of the description, else the name."""
    name = reader.text("name", required=True)
    values = {"hsds_id": reader.id(), "name": name}
    values["slug"] = slugify(reader.text("code") or name)[:100]
    description = reader.text("description", multiline=True)
    if taxonomy is ISSUES:
        return values | {"summary": split_text(description, summary_required=True)[0] or name}
    return values | {"description": description}


def location_country(location: dict) -> tuple[str, bool, str] | None:
    """The ISO code a location stands for, whether it is the headquarters, and the field
    the code came from: the external identifier, else the first address's country."""
    if location.get("external_identifier_type") == ISO_3166 and location.get("external_identifier"):
        code, source = location["external_identifier"], "external_identifier"
    else:
        addresses = [a for a in location.get("addresses") or [] if isinstance(a, dict)]
        code = next((a["country"] for a in addresses if a.get("country")), "")
        source = "addresses.country"
    if not code:
        return None
    return str(code).strip().upper(), location.get("name") == HEADQUARTERS, source


def service_area_country(area: dict, codes_by_name: dict[str, str]) -> str | None:
    """The country a service area names; None for a drawn or free-text area."""
    extent = str(area.get("extent") or "").strip()
    if area.get("extent_type") == "text" and re.fullmatch(r"[A-Za-z]{2}", extent):
        return extent.upper()
    return codes_by_name.get(str(area.get("name") or "").strip().casefold())
