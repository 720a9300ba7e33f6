"""The streaming import: JSON read an item at a time, batches checked and written in one
transaction, and what must hold across a file (ids, slugs) held across batches."""

import io
import json
import uuid
from itertools import islice

import pytest

from directory.hsds import bulk, importer, jsonstream
from directory.models import Organization, Program
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def _org(name="Haven", **fields) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "description": f"{name} helps.", **fields}


def _service(name="Clinic", **fields) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "status": "active", **fields}


def _write(tmp_path, data, name="orgs.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def batches_of_two(monkeypatch):
    """Batches of two documents, and the number of organizations each write stored."""
    monkeypatch.setattr(importer, "BATCH", 2)
    written = []
    write = bulk.write

    def counting_write(plan, *, progress):
        written.append(len(plan.organizations))
        return write(plan, progress=progress)

    monkeypatch.setattr(bulk, "write", counting_write)
    return written


class _Generated(io.RawIOBase):
    """A JSON array of `count` organizations, generated as it is read, counting the bytes
    given: reading the whole list first would read them all."""

    def __init__(self, count: int, *, page=False):
        items = (json.dumps(_org(f"Org {n}")).encode() for n in range(count))
        head, tail = (
            (b'{"total_items": 0, "contents": [', b'], "size": 0}') if page else (b"[", b"]")
        )
        self.parts = iter([head, *self._joined(items, len(head)), tail])
        self.pending = bytearray()
        self.given = 0

    def _joined(self, items, offset: int):
        """The items, separated; `ends` gets where each ends in the file."""
        self.ends = []
        for number, item in enumerate(items):
            part = (b", " if number else b"") + item
            offset += len(part)
            self.ends.append(offset)
            yield part

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self.pending) < len(buffer):
            part = next(self.parts, None)
            if part is None:
                break
            self.pending += part
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        del self.pending[:size]
        self.given += size
        return size


# Reading JSON


@pytest.mark.parametrize("page", [False, True])
def test_the_json_reader_gives_the_first_items_having_read_only_the_start(page, monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 4096)
    source = _Generated(10_000, page=page)  # about 900 kB
    document = jsonstream.open_json(io.BufferedReader(source, 4096))
    first = list(islice(document.items, 3))
    assert [item["name"] for item in first] == ["Org 0", "Org 1", "Org 2"]
    assert source.given <= 4 * 4096
    assert document.label == ("$.contents" if page else "$")


def test_the_json_reader_stays_a_few_chunks_ahead_of_the_item_it_gives(monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 4096)
    source = _Generated(5_000)
    document = jsonstream.open_json(io.BufferedReader(source, 4096))
    ahead = [source.given - source.ends[number] for number, _item in enumerate(document.items)]
    assert len(ahead) == 5_000
    assert max(ahead) <= 2 * 4096  # the items are ASCII: a character is a byte


def test_the_json_reader_reads_every_item_and_checks_the_page_to_its_end():
    document = jsonstream.open_json(io.BufferedReader(_Generated(5_000, page=True)))
    assert sum(1 for _item in document.items) == 5_000


DOCUMENTS = [
    '[{"a": 1.5e-3, "b": [true, false, null]}, {"c": "\\u00e9\\n\\"q\\" 탈북민"}, 12345678]',
    '{"total_items": 2, "contents": [{"id": 1}, {"id": 2}], "page": {"n": [1, 2]}}',
    "  \n[ ]  \n",
    '{"name": "one organization", "services": [{"id": 1}]}',
    '"a lone string"',
]


@pytest.mark.parametrize("text", DOCUMENTS)
@pytest.mark.parametrize("chunk", [1, 3, 7, 4096])
def test_the_json_reader_reads_what_json_loads_reads_whatever_the_chunks(text, chunk, monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    document = jsonstream.open_json(io.BytesIO(text.encode()))
    expected = json.loads(text)
    if document.items is None:
        assert document.value == expected
    else:
        items = list(document.items)
        assert items == (expected["contents"] if isinstance(expected, dict) else expected)


BROKEN = [
    '{"contents": [{"id": ',
    '[{"id": 1},\n {"id": 2}\n {"id": 3}]',
    '[{"id": 1},\n\n {"id": tru}]',
    "[1, 2,]",
    "[1, 2] [3]",
    '{"contents": [1, 2], "size": }',
    '{"size" 1}',
    '{"a": 1,}',
    '[{"name": "unterminated}]',
    "",
    '{"contents": [{"id": 1}]\n\n\n   x',
]


@pytest.mark.parametrize("text", BROKEN)
@pytest.mark.parametrize("chunk", [1, 5, 4096])
def test_broken_json_is_reported_at_the_line_and_column_json_loads_names(text, chunk, monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(jsonstream.InvalidJSON) as failure:
        document = jsonstream.open_json(io.BytesIO(text.encode()))
        list(document.items or [])
    assert str(failure.value) == str(expected.value)


def test_bytes_that_are_not_utf8_are_reported_at_their_offset_in_the_file(monkeypatch):
    monkeypatch.setattr(jsonstream, "CHUNK", 4)
    with pytest.raises(jsonstream.InvalidText, match="byte 0xff in position 10"):
        list(jsonstream.open_json(io.BytesIO(b"[1, 2, 3, \xff]")).items)


# Importing in batches


def test_a_problem_in_a_late_batch_rolls_back_the_batches_written_before(tmp_path, batches_of_two):
    docs = [_org("One"), _org("Two"), _org("Three"), _org("Four"), {"id": str(uuid.uuid4())}]
    with pytest.raises(importer.ImportFailed, match=r"orgs.json \$\[4\], name: This field"):
        importer.import_path(_write(tmp_path, docs))
    assert batches_of_two == [2, 2]  # written, then rolled back
    assert not Organization.objects.exists()


def test_invalid_json_after_written_batches_rolls_them_back(tmp_path, batches_of_two, monkeypatch):
    monkeypatch.setattr(importer, "REBUILD_THRESHOLD", 1)  # reads no further ahead
    path = tmp_path / "cut.json"
    path.write_text(json.dumps([_org(f"Org {n}") for n in range(5)])[:-40])
    with pytest.raises(importer.ImportFailed, match=r"cut\.json: Invalid JSON: "):
        importer.import_path(path)
    assert batches_of_two == [2, 2]
    assert not Organization.objects.exists()


def test_problems_in_every_batch_are_all_reported(tmp_path, batches_of_two):
    docs = [{"id": str(uuid.uuid4())}, _org("Two"), _org("Three"), _org("Four"), 7]
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_path(_write(tmp_path, docs))
    problems = [str(problem) for problem in failure.value.problems]
    assert "orgs.json $[4]: Expected an object." in problems
    assert "orgs.json $[0], name: This field is required." in problems
    assert batches_of_two == []
    assert not Organization.objects.exists()


def test_an_organization_id_repeated_in_a_later_batch_is_reported(tmp_path, batches_of_two):
    twin = _org("Haven")
    docs = [twin, _org("Two"), _org("Three"), {**twin, "name": "Haven again"}]
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_path(_write(tmp_path, docs))
    assert str(failure.value) == (
        f"orgs.json $[3], id: Duplicate organization id “{twin['id']}”, also at orgs.json $[0]."
    )
    assert not Organization.objects.exists()


def test_a_service_id_repeated_in_a_later_batch_is_reported(tmp_path, batches_of_two):
    clinic = _service()
    docs = [_org("One", services=[clinic]), _org("Two"), _org("Three", services=[clinic])]
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_path(_write(tmp_path, docs))
    assert str(failure.value) == (
        f"orgs.json $[2].services[0], id: Duplicate service id “{clinic['id']}”, "
        "also at orgs.json $[0].services[0]."
    )
    assert not Program.objects.exists()


def test_slugs_stay_unique_across_batches(tmp_path, batches_of_two):
    make_org("Haven", slug="haven")
    importer.import_path(_write(tmp_path, [_org("Haven") for _n in range(5)]))
    slugs = sorted(Organization.objects.values_list("slug", flat=True))
    assert slugs == ["haven", "haven-2", "haven-3", "haven-4", "haven-5", "haven-6"]
    assert batches_of_two == [2, 2, 1]


def test_a_service_finds_its_organization_written_in_an_earlier_batch(tmp_path, batches_of_two):
    org = _org("Haven")
    docs = [org, _org("Two"), _service(organization_id=org["id"])]
    result = importer.import_path(_write(tmp_path, docs))
    assert result.created["programs"] == 1
    assert Program.objects.get().organization.name == "Haven"


def test_a_service_of_an_organization_with_problems_is_not_reported_as_orphaned(
    tmp_path, batches_of_two
):
    org = {"id": str(uuid.uuid4()), "name": "No description"}
    docs = [org, _org("Two"), _service(organization_id=org["id"])]
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_path(_write(tmp_path, docs))
    assert [str(p) for p in failure.value.problems] == [
        "orgs.json $[0], description: This field is required."
    ]


def test_a_dry_run_counts_every_batch_and_writes_nothing(tmp_path, batches_of_two):
    result = importer.import_path(
        _write(tmp_path, [_org(f"Org {n}") for n in range(5)]), dry_run=True
    )
    assert result.created["organizations"] == 5
    assert batches_of_two == [2, 2, 1]
    assert not Organization.objects.exists()


def test_documents_are_read_no_further_ahead_than_a_batch(batches_of_two, monkeypatch):
    monkeypatch.setattr(importer, "REBUILD_THRESHOLD", 1)
    produced, at_first_write = [], []
    write = bulk.write

    def documents():
        for n in range(10):
            produced.append(n)
            yield _org(f"Org {n}")

    def noting_write(plan, *, progress):
        at_first_write.append(len(produced))
        return write(plan, progress=progress)

    monkeypatch.setattr(bulk, "write", noting_write)
    result = importer.import_documents(documents(), name="harvest")
    assert result.created["organizations"] == 10
    # The progress bar looks two documents ahead; a batch is two.
    assert at_first_write[0] <= 2 + 2


def test_import_documents_reports_where_each_document_came_from(batches_of_two):
    docs = [_org("One"), _org("Two"), {"id": str(uuid.uuid4()), "description": "x"}]
    with pytest.raises(importer.ImportFailed, match=r"^harvest \$\[2\], name: This field"):
        importer.import_documents(docs, name="harvest")
    assert not Organization.objects.exists()


def test_an_organization_nested_in_a_service_may_come_in_full_in_a_later_batch(
    tmp_path, batches_of_two
):
    org = _org("Haven")
    nested = {"id": org["id"], "name": "Haven", "description": "Short."}
    docs = [_service(organization=nested), _org("Two"), {**org, "description": "In full."}]
    result = importer.import_path(_write(tmp_path, docs))
    assert (result.created["organizations"], result.updated["organizations"]) == (2, 1)
    haven = Organization.objects.get(name="Haven")
    assert (haven.summary, haven.programs.get().name) == ("In full.", "Clinic")
