"""HSDS import then export gives back every field Causeway holds, byte for byte.

The property test builds HSDS organizations (Korean text, long descriptions, optional
fields left out, services), imports them, exports, imports the export and exports again:
the first export is the input, the second the first. Each example runs in a transaction
rolled back at its end, so the test runs the same on SQLite and PostgreSQL.
"""

import json
import string
import tempfile
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from directory.hsds import export, importer, mapping
from directory.models import Country, Organization
from tests.factories import make_focus_area, make_issue, make_org, make_program

pytestmark = pytest.mark.django_db

HANGUL = "".join(chr(code) for code in range(0xAC00, 0xAC00 + 400))
WORD_CHARS = string.ascii_letters + string.digits + HANGUL + ".,()'-"
LEGAL_STATUSES = [str(label) for _value, label in Organization.OrgType.choices]


def _normalised(data):
    return json.loads(json.dumps(data, sort_keys=True, ensure_ascii=False))


def _page_file(directory: str, contents: list[dict], name: str) -> Path:
    path = Path(directory) / name
    path.write_text(json.dumps(export.page(contents), ensure_ascii=False), encoding="utf-8")
    return path


def _exported() -> list[dict]:
    return _normalised(list(export.organizations(include_all=True)))


# Strategies

words = st.text(WORD_CHARS, min_size=1, max_size=12)
one_line = st.lists(words, min_size=1, max_size=8).map(" ".join)
# Lines of up to ~600 characters: longer than a summary may be, sometimes.
lines = st.one_of(
    one_line,
    st.lists(words, min_size=20, max_size=60).map(" ".join),
    st.text(HANGUL, min_size=280, max_size=400),
)
separators = st.sampled_from(["\n\n", "\n", "\r\n", "\n\n\n", " \n\n", "\n\n\t"])


@st.composite
def descriptions(draw) -> str:
    parts = draw(st.lists(lines, min_size=1, max_size=4))
    text = parts[0]
    for part in parts[1:]:
        text += draw(separators) + part
    return text + draw(st.sampled_from(["", "", "\n", "\n\n"]))


def _optional(doc: dict, key: str, strategy, draw) -> None:
    value = draw(st.one_of(st.none(), strategy))
    if value is not None:
        doc[key] = value


urls = st.builds("https://{}.example/{}".format, st.sampled_from(["a", "b-c", "org"]), words)
urls = urls.filter(lambda url: url.isascii())
emails = st.sampled_from(["hello@example.org", "info@causeway.example", "x.y@mail.example"])


@st.composite
def services(draw, org_id: str) -> dict:
    doc = {
        "id": str(draw(st.uuids())),
        "organization_id": org_id,
        "name": draw(one_line.filter(lambda name: len(name) <= 200)),
        "status": draw(st.sampled_from(["active", "inactive"])),
        "service_areas": [],
        "attributes": [],
    }
    _optional(doc, "description", descriptions(), draw)
    _optional(doc, "url", urls, draw)
    return doc


@st.composite
def organizations(draw) -> dict:
    org_id = str(draw(st.uuids()))
    doc = {
        "id": org_id,
        "name": draw(one_line.filter(lambda name: len(name) <= 200)),
        "description": draw(descriptions()),
        "legal_status": draw(st.sampled_from(LEGAL_STATUSES)),
        "locations": [],
        "attributes": [],
    }
    _optional(doc, "alternate_name", one_line.filter(lambda name: len(name) <= 200), draw)
    _optional(doc, "email", emails, draw)
    _optional(doc, "website", urls, draw)
    _optional(doc, "year_incorporated", st.integers(1800, 2020), draw)
    schemes = draw(st.lists(st.sampled_from(["US-EIN", "GB-CHC", "KR-NTS"]), unique=True))
    identifiers = []
    for scheme in schemes:
        identifier = {
            "id": str(draw(st.uuids())),
            "organization_id": org_id,
            "identifier_scheme": scheme,
            "identifier": draw(st.text(string.digits + "-", min_size=1, max_size=20)),
            # Required by HSDS, so always written; it may be empty.
            "identifier_type": draw(st.just("") | one_line.filter(lambda t: len(t) <= 100)),
        }
        identifiers.append(identifier)
    doc["organization_identifiers"] = sorted(identifiers, key=lambda i: i["id"])
    found = draw(st.lists(services(org_id), max_size=3, unique_by=lambda s: s["id"]))
    doc["services"] = sorted(found, key=lambda s: s["id"])
    return doc


# Tests


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(docs=st.lists(organizations(), min_size=1, max_size=2, unique_by=lambda d: d["id"]))
def test_import_then_export_gives_back_every_field_causeway_holds(db, docs):
    docs = sorted(docs, key=lambda doc: doc["id"])
    ids = [doc["id"] for doc in docs]
    ids += [item["id"] for doc in docs for item in doc["services"]]
    ids += [item["id"] for doc in docs for item in doc["organization_identifiers"]]
    assume(len(set(ids)) == len(ids))  # a file repeating an id is refused, rightly
    unheld = {"phones": [{"id": str(uuid.uuid4()), "number": "+82 2 123 4567"}]}
    with transaction.atomic(), tempfile.TemporaryDirectory() as scratch:
        result = importer.import_path(
            _page_file(scratch, [{**doc, **unheld} for doc in docs], "in.json")
        )
        assert result.ignored["organization phones"] == len(docs)
        first = _exported()
        assert first == _normalised(docs)
        importer.import_path(_page_file(scratch, first, "again.json"))
        assert _exported() == first
        transaction.set_rollback(True)


def test_a_description_longer_than_a_summary_comes_back_unchanged(tmp_path):
    description = "이 단체는 탈북민의 정착을 돕습니다. " * 30 + "\n\nMore."
    doc = {"id": str(uuid.uuid4()), "name": "Long", "description": description}
    path = tmp_path / "org.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    importer.import_path(path)
    org = Organization.objects.get()
    assert org.description == description
    assert len(org.summary) <= mapping.SUMMARY_LENGTH and org.summary.endswith("…")
    [exported] = export.organizations(include_all=True)
    assert exported["description"] == description


@pytest.mark.parametrize(
    "description",
    [
        "One line.\n\nMore.",  # splits into summary and description
        "One line.",
        "One line.\n\n",  # would not join back: kept whole
        "Same.\n\nSame.",  # the rest's summary is the head: kept whole
        "First\nsecond line.\n\nMore.",  # a two-line head is no summary
        "\n\nStarts blank.",
        "Ends in spaces.  ",
    ],
)
def test_the_hsds_description_survives_import_and_export(description):
    summary, stored = mapping.read_text(description, summary_required=True)
    assert summary.strip() and "\n" not in summary
    assert mapping.hsds_text(summary, stored) == description
    program_summary, program_stored = mapping.read_text(description, summary_required=False)
    assert mapping.hsds_text(program_summary, program_stored) == description


def test_fields_causeway_does_not_hold_are_counted_as_ignored(tmp_path):
    org_id = str(uuid.uuid4())
    doc = {
        "id": org_id,
        "name": "Counted",
        "description": "Helps.",
        "logo": "https://counted.example/logo.png",
        "phones": [{"id": str(uuid.uuid4()), "number": "123"}],
        "legal_status": "501(c)(3)",
        "locations": [{"id": str(uuid.uuid4()), "name": "Office", "latitude": 37.5}],
        "services": [
            {
                "id": str(uuid.uuid4()),
                "organization_id": org_id,
                "name": "Clinic",
                "status": "defunct",
                "alternate_name": "The clinic",
                "email": "clinic@counted.example",
                "schedules": [{"id": str(uuid.uuid4()), "freq": "WEEKLY"}],
                "fees_description": "",  # empty: nothing lost
            }
        ],
    }
    path = tmp_path / "org.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = StringIO()
    call_command("import_hsds", str(path), stdout=out, stderr=StringIO())
    ignored = out.getvalue().split("Ignored: ", 1)[1].splitlines()[0]
    for label in [
        "1 organization logo",
        "1 organization phones",
        "1 organization legal_status not a Causeway type (read as Other)",
        "1 location latitude",
        "1 locations without a country",
        "1 service alternate_name",
        "1 service email",
        "1 service schedules",
        "1 service status “defunct” (read as inactive)",
    ]:
        assert label in ignored
    assert "fees_description" not in ignored


def test_tables_of_a_package_causeway_does_not_read_are_counted(tmp_path):
    org_id = str(uuid.uuid4())
    (tmp_path / "organizations.csv").write_text(f"id,name,description\n{org_id},Org,Helps.\n")
    (tmp_path / "phones.csv").write_text(f"id,organization_id,number\n1,{org_id},123\n")
    result = importer.import_path(tmp_path)
    assert result.ignored["phones.csv"] == 1


@pytest.mark.parametrize("name", ["export.json", "package", "package.zip"])
def test_reimporting_an_export_ignores_nothing(tmp_path, name):
    issue, area = make_issue("Human trafficking"), make_focus_area("Rescue")
    org = make_org(
        "Crossing Borders",
        summary="Shelter.",
        description="Founded in 2003.",
        donate_url="https://crossing.example/give",
        headquarters=Country.objects.get(pk="US"),
        issues=[issue],
        focus_areas=[area],
        countries=["KR", "CN"],
    )
    make_program(org, "Clinic", issues=[issue], countries=["CN"], url="https://c.example")
    path = tmp_path / name
    fmt = "json" if name.endswith("json") else "csv"
    call_command("export_hsds", str(path), "--format", fmt, "--all", stdout=StringIO())
    before = _exported()
    result = importer.import_path(path)
    assert not +result.ignored
    assert _exported() == before
