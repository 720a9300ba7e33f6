"""The query parameters of the lists, read and checked: anything malformed or out of
bounds raises BadParameter (a 400), never a 500."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from directory.api.http import BadParameter
from directory.search import InvalidQuery, ParsedQuery, parse

PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Filters:
    search: ParsedQuery | None = None
    taxonomy_term_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    modified_after: datetime | None = None


def text(request, name: str) -> str:
    value = request.GET.get(name, "")
    if "\x00" in value:
        raise BadParameter(f"“{name}” contains a null character.")
    return value.strip()


def _integer(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = text(request, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"“{name}” must be a whole number.") from None
    if value < 1 or (maximum is not None and value > maximum):
        bound = f"from 1 to {maximum}" if maximum else "1 or more"
        raise BadParameter(f"“{name}” must be {bound}.")
    return value


def pagination(request) -> tuple[int, int]:
    """(page, per_page): page from 1, per_page from 1 to MAX_PER_PAGE."""
    return _integer(request, "page", 1), _integer(request, "per_page", PER_PAGE, MAX_PER_PAGE)


def _uuid(request, name: str) -> uuid.UUID | None:
    raw = text(request, name)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise BadParameter(f"“{name}” must be a UUID.") from None


def _datetime(request, name: str) -> datetime | None:
    raw = text(request, name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
        if value is None:
            raise ValueError
        # A datetime with no offset is UTC; converting now catches years that would
        # overflow in the database.
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadParameter(f"“{name}” must be an ISO 8601 datetime.") from None
    return value


def _search(request) -> ParsedQuery | None:
    raw = text(request, "search")
    if not raw:
        return None
    try:
        return parse(raw)
    except InvalidQuery as problem:
        raise BadParameter(str(problem)) from None


def filters(request, allowed: set[str]) -> Filters:
    """The filters in `allowed` that the request sets; the others stay None."""
    readers = {
        "search": lambda: _search(request),
        "taxonomy_term_id": lambda: _uuid(request, "taxonomy_term_id"),
        "organization_id": lambda: _uuid(request, "organization_id"),
        "taxonomy_id": lambda: _uuid(request, "taxonomy_id"),
        "modified_after": lambda: _datetime(request, "modified_after"),
    }
    return Filters(**{name: readers[name]() for name in allowed})


def boolean(request, name: str) -> bool | None:
    """true or false (any case), or None when absent."""
    raw = text(request, name).lower()
    if not raw:
        return None
    if raw not in ("true", "false"):
        raise BadParameter(f"“{name}” must be true or false.")
    return raw == "true"


def uuid_value(request, name: str) -> uuid.UUID | None:
    return _uuid(request, name)


FORMATS = ("json",)


def response_format(request) -> str:
    """The `format` of a list: json, the default. The specification's other format,
    ndjson (every result, unpaginated), is refused by name rather than ignored."""
    raw = text(request, "format").lower()
    if raw and raw not in FORMATS:
        raise BadParameter(f"Unsupported value for “format”: {raw[:40]} (only json is served).")
    return raw or "json"


def proximity(request) -> float | None:
    """Meters from a postcode's centroid: a number, 0 or more."""
    raw = text(request, "proximity")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter("“proximity” must be a number of meters.") from None
    if not value >= 0 or value == float("inf"):
        raise BadParameter("“proximity” must be a number of meters, 0 or more.")
    return value
