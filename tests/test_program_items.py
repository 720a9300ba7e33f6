"""The program items of the issue and focus-area pages: cached per program and language,
rendered again only for what a change changed, and never stale."""

import re

import pytest

from directory import catalog
from directory.models import FocusArea, Organization, Program
from tests.factories import make_issue, make_org, make_program
from tests.rendering import count_renders

pytestmark = pytest.mark.django_db

ISSUE_URL = "/issues/child-labor/"


@pytest.fixture
def programs(settings):
    settings.PAGE_CACHE_SECONDS = 0  # each request renders the page afresh
    issue = make_issue("Child labor", slug="child-labor")
    for name in ("Alpha Aid", "Beta Trust", "Gamma Fund"):
        make_program(make_org(name), f"{name} School", issues=[issue])
    catalog.flush()  # what the fixture's writes left for the writer


@pytest.fixture
def renders(monkeypatch):
    """The programs whose items are rendered (not read from the cache)."""
    from directory import program_items

    return count_renders(monkeypatch, program_items, program_items.TEMPLATE, "program")


def saved(obj, capture, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    with capture(execute=True):
        obj.save()  # the writer hears it through the model's signal, on commit


def test_a_warm_page_shows_the_same_items_without_rendering_them(client, programs, renders):
    first = client.get(ISSUE_URL).content.decode()
    assert sorted(renders) == ["Alpha Aid School", "Beta Trust School", "Gamma Fund School"]
    renders.clear()

    second = client.get(ISSUE_URL).content.decode()

    assert second == first
    assert renders == []
    assert re.search(r'by <a href="/organizations/[\w-]+/">Beta Trust</a>', second)


def test_a_change_to_an_organization_renders_again_only_its_items(
    client, programs, renders, django_capture_on_commit_callbacks
):
    client.get(ISSUE_URL)
    renders.clear()
    beta = Organization.objects.get(name="Beta Trust")

    saved(beta, django_capture_on_commit_callbacks, name="Beta Renamed")
    html = client.get(ISSUE_URL).content.decode()

    assert renders == ["Beta Trust School"]
    assert re.search(r'by <a href="/organizations/[\w-]+/">Beta Renamed</a>', html)
    assert ">Beta Trust<" not in html


def test_a_program_renamed_or_ended_shows_so_at_once(
    client, programs, django_capture_on_commit_callbacks
):
    client.get(ISSUE_URL)
    program = Program.objects.get(name="Gamma Fund School")

    saved(program, django_capture_on_commit_callbacks, name="Gamma Night Classes", active=False)
    html = client.get(ISSUE_URL).content.decode()

    assert "Gamma Fund School" not in html
    item = html.split("Gamma Night Classes</a>", 1)[1].split("</li>", 1)[0]
    assert "Ended" in item


def test_an_item_is_cached_per_language(client, programs, django_capture_on_commit_callbacks):
    program = Program.objects.get(name="Alpha Aid School")
    saved(program, django_capture_on_commit_callbacks, name_ko="알파 학교")

    english = client.get(ISSUE_URL).content.decode()
    korean = client.get("/ko" + ISSUE_URL).content.decode()

    assert "Alpha Aid School" in english and "알파 학교" not in english
    assert "알파 학교" in korean


def test_the_focus_area_page_lists_its_programs_items(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    rescue = FocusArea.objects.create(name="Rescue", slug="rescue")
    make_program(make_org("Delta Mission"), "Delta Rescue Fund", focus_areas=[rescue])

    html = client.get("/focus-areas/rescue/").content.decode()

    assert re.search(r'by <a href="/organizations/[\w-]+/">Delta Mission</a>', html)
    assert "Delta Rescue Fund</a>" in html


def test_a_program_deleted_after_its_page_was_planned_is_left_out(client, programs, monkeypatch):
    # Between reading which programs to show and reading those not cached, one is deleted:
    # the page shows the others instead of failing.
    from directory import program_items

    real = program_items._versions

    def deleting_one(pks):
        Program.objects.filter(name="Beta Trust School").delete()
        return real(pks)

    monkeypatch.setattr(program_items, "_versions", deleting_one)

    response = client.get(ISSUE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha Aid School" in html and "Beta Trust School" not in html
