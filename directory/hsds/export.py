"""Writes the directory as HSDS 3.0: JSON or the tabular CSV package.

The JSON document is a Page, as the HSDS API returns for `GET /organizations?full=true`:
`contents` holds every organization with its services nested, and `total_items`,
`total_pages` (1), `size` and the rest describe that single page. It is written one
organization per line, so a large export streams and diffs well. Keys are sorted and
organizations, like every nested list, are ordered by id: the same data always gives the
same bytes.

Only published organizations are exported unless `include_all` is set.
"""

import json
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.db.models import Prefetch

from directory.hsds import csv_package, mapping
from directory.models import Organization, Program

CHUNK = 300  # organizations per query; their programs stay under 999 ids too


def organizations(*, include_all: bool = False) -> Iterator[dict]:
    """HSDS organizations ordered by id, read a chunk at a time."""
    queryset = Organization.objects.all() if include_all else Organization.objects.published()
    rows = sorted((str(hsds_id), pk) for hsds_id, pk in queryset.values_list("hsds_id", "pk"))
    pks = [pk for _hsds_id, pk in rows]
    programs = Program.objects.prefetch_related("issues", "focus_areas", "countries")
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        found = Organization.objects.filter(pk__in=chunk).select_related("headquarters")
        found = found.prefetch_related(
            "identifiers", "issues", "focus_areas", "countries", Prefetch("programs", programs)
        )
        by_pk = {org.pk: org for org in found}
        for pk in chunk:
            yield mapping.organization(by_pk[pk])


def page(contents: list[dict]) -> dict:
    """A single Page holding `contents`."""
    size = len(contents)
    return {"contents": contents, **_page_fields(size)}


def _page_fields(size: int) -> dict:
    return {
        "empty": size == 0,
        "first_page": True,
        "last_page": True,
        "page_number": 1,
        "size": size,
        "total_items": size,
        "total_pages": 1,
    }


def write_json(path: Path, docs: Iterator[dict]) -> int:
    """Write a Page of `docs` to `path`; returns how many were written."""
    count = 0
    with path.open("w", encoding="utf-8") as file:
        file.write('{"contents": [')
        for doc in docs:
            file.write(",\n" if count else "\n")
            file.write(json.dumps(doc, sort_keys=True, ensure_ascii=False))
            count += 1
        file.write("\n]" if count else "]")
        for key, value in _page_fields(count).items():
            file.write(f", {json.dumps(key)}: {json.dumps(value)}")
        file.write("}\n")
    return count


def write_csv(path: Path, docs: Iterator[dict]) -> int:
    """Write the tabular package to the folder `path`, or zip it when `path` ends in .zip."""
    if path.suffix.lower() != ".zip":
        return csv_package.write(docs, path)
    with tempfile.TemporaryDirectory() as scratch:
        count = csv_package.write(docs, Path(scratch))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(Path(scratch).iterdir()):
                # A fixed timestamp keeps the archive identical from one export to the next.
                info = zipfile.ZipInfo(member.name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, member.read_bytes())
    return count
