"""A CSV package is read row by row and nested a batch of organizations at a time
(`directory.hsds.staging`): rows in any order, across batches, nest as a whole-file
nesting would, and memory keeps only the last batches' rows."""

import csv
import json
import random
import uuid
from itertools import pairwise

import pytest

from directory.hsds import csv_package, export, importer, staging
from directory.models import Country, Organization, OrganizationIdentifier, Program
from tests.factories import make_focus_area, make_issue, make_org, make_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_batches(monkeypatch):
    """Two organizations a batch, so a package of a few spans several."""
    monkeypatch.setattr(staging, "BATCH", 2)


def _directory():
    issues = [make_issue(f"Issue {n}") for n in range(3)]
    areas = [make_focus_area(f"Area {n}") for n in range(2)]
    for n in range(7):
        org = make_org(
            f"Org {n}",
            issues=issues[n % 3 : n % 3 + 1],
            focus_areas=areas[: n % 2 + 1],
            countries=["KR", "CN"][: n % 3],
            headquarters=Country.objects.get(pk="KR") if n % 2 else None,
            donate_url=f"https://give.example/{n}" if n % 2 else "",
        )
        OrganizationIdentifier.objects.create(
            organization=org, identifier_scheme="US-EIN", identifier_type="tax", identifier=f"{n}"
        )
        for m in range(n % 3 + 1):
            make_program(
                org, f"Program {n}.{m}", issues=issues[m : m + 1], countries=["TH"][: m % 2]
            )


def _exported() -> list[dict]:
    documents = export.organizations(include_all=True)
    return json.loads(json.dumps(list(documents), sort_keys=True))


def _shuffle_rows(folder, seed=1):
    """Every table's rows in a random order, the header first still."""
    rng = random.Random(seed)
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as file:
            header, *rows = list(csv.reader(file))
        rng.shuffle(rows)
        with path.open("w", encoding="utf-8", newline="") as file:
            csv.writer(file, lineterminator="\n").writerows([header, *rows])


def test_rows_in_any_order_across_batches_nest_as_their_organizations(tmp_path, small_batches):
    _directory()
    before = _exported()
    export.write_csv(tmp_path, iter(before))
    _shuffle_rows(tmp_path)
    Program.objects.all().delete()
    OrganizationIdentifier.objects.all().delete()
    Organization.objects.update(name="Renamed", donate_url="", headquarters=None)
    for org in Organization.objects.all():
        org.issues.clear(), org.focus_areas.clear(), org.countries.clear()

    result = importer.import_path(tmp_path)

    assert result.created["programs"] == sum(n % 3 + 1 for n in range(7))
    assert _exported() == before


def test_importing_the_package_again_changes_nothing(tmp_path, small_batches):
    _directory()
    export.write_csv(tmp_path / "package.zip", iter(_exported()))

    result = importer.import_path(tmp_path / "package.zip")

    assert not result.created and not result.updated and not result.deleted.total()
    assert result.unchanged["organizations"] == 7


def test_a_service_naming_an_organization_of_a_later_batch_is_no_problem(tmp_path, small_batches):
    orgs = [
        {"id": str(uuid.uuid4()), "name": f"Org {n}", "description": "Helps."} for n in range(5)
    ]
    service = {"id": str(uuid.uuid4()), "organization_id": orgs[4]["id"], "name": "Clinic"}
    orphan = {"id": str(uuid.uuid4()), "organization_id": str(uuid.uuid4()), "name": "Lost"}
    service["status"] = orphan["status"] = "active"
    (tmp_path / "tabular.json").write_text(
        json.dumps({"organizations.csv": orgs, "services.csv": [service, orphan]})
    )

    with pytest.raises(importer.ImportFailed) as failed:
        importer.import_path(tmp_path / "tabular.json")

    assert [str(problem) for problem in failed.value.problems] == [
        f"tabular.json: services.csv row 2, organization_id: "
        f"No organization with id “{orphan['organization_id']}” in organizations.csv."
    ]
    del orphan["organization_id"]
    (tmp_path / "tabular.json").write_text(
        json.dumps({"organizations.csv": orgs, "services.csv": [service]})
    )
    importer.import_path(tmp_path / "tabular.json")
    assert Program.objects.get().organization.name == "Org 4"


def _held(folder, keep) -> list[int]:
    """How many rows' origins are held as each organization is read."""
    with staging.Staged(keep=keep) as staged:
        csv_package.read(folder, staged)
        return [len(staged.origins._rows) for _document in staged.organizations()]


def test_reading_a_package_keeps_only_the_last_organizations_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "BATCH", 1)
    _directory()
    export.write_csv(tmp_path, iter(_exported()))
    every = _held(tmp_path, keep=None)
    own = [b - a for a, b in pairwise([0, *every])]  # each organization's rows
    two = [a + b for a, b in pairwise(own)]  # those of two in a row

    assert _held(tmp_path, keep=2) == [own[0], *two]
    assert every[-1] > max(two)
