"""Curation journeys in the admin, in Chromium against the live server: adding and
publishing a listing, editing every kind of curated object, edit conflicts, history and
reverts, and what each role may do.

Everything goes through the pages as rendered: the real login form, select2 autocompletes
picked by typing, inline rows added with their links, the real buttons. A field the admin
forgets to render, or a widget that stops working, fails here as it would fail a curator."""

import csv
import io

import pytest

from directory.admin.spreadsheets import OrganizationResource
from directory.models import FocusArea, Issue, KeyFact, Organization, Program, Source
from tests.browser.admin_support import AdminTab, change_url, latest_version, staff_member
from tests.browser.support import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

ORGANIZATIONS = "/admin/directory/organization/"
Status = Organization.Status
EDITOR_ACTIONS = [
    "Publish selected organizations",
    "Archive selected organizations",
    "Restore selected archived organizations to review",
]


@pytest.fixture
def sign_in(browser, site, django_user_model):
    """Sign a member of a role in through the admin's login form, in a browser of their own."""
    tabs = []

    def signed_in(role: str, username: str) -> AdminTab:
        staff_member(django_user_model, role, username)
        tab = AdminTab(browser, site)
        tabs.append(tab)
        tab.sign_in(username)
        return tab

    yield signed_in
    for tab in tabs:
        tab.close()


def public_text(tab: AdminTab, path: str, part: str = "main") -> str:
    """What a visitor reads on a public page (or one part of it)."""
    response = tab.page.goto(tab.site.url(path))
    assert response.status == 200, f"{path}: {response.status}"
    return tab.page.locator(part).inner_text()


def status_of(org) -> str:
    return Organization.objects.get(pk=org.pk).status


# 1. Adding and publishing --------------------------------------------------------------------


def test_a_curator_adds_a_listing_and_an_editor_publishes_it(site, sign_in):
    name = "Harbor Light Refuge"
    curator = sign_in("Curators", "carla")
    curator.open(ORGANIZATIONS + "add/")
    curator.fill("name", name)
    assert curator.value("slug") == "harbor-light-refuge"  # filled in from the name
    curator.fill("summary", "Shelters North Korean women who escaped trafficking in China.")
    curator.add_inline_row("Add another Program")
    curator.fill("programs-0-name", "Safe Houses")
    curator.fill("programs-0-slug", "safe-houses")
    curator.pick("issues", "Human Trafficking", typing="traffick")
    curator.pick("issues", "Refugees and Defectors", typing="refugee")
    curator.pick("focus_areas", "Rescue and Safe Passage", typing="rescue")
    curator.pick("countries", "China", typing="china")
    curator.pick("countries", "Thailand", typing="thai")
    curator.pick("sources", str(Source.objects.get(slug="borgen-north-korean-refugees")), "how to")
    curator.add_inline_row("Add another Organization identifier")
    curator.fill("identifiers-0-identifier_scheme", "US-EIN")
    curator.fill("identifiers-0-identifier", "12-3456789")
    assert "was added successfully" in curator.save()

    org = Organization.objects.get(slug="harbor-light-refuge")
    assert org.status == Status.DRAFT
    assert [program.slug for program in org.programs.all()] == ["safe-houses"]
    assert [str(identifier) for identifier in org.identifiers.all()] == ["US-EIN 12-3456789"]
    assert sorted(org.countries.values_list("code", flat=True)) == ["CN", "TH"]
    assert org.sources.count() == 1 and org.focus_areas.count() == 1

    editor = sign_in("Editors", "edith")
    published = editor.run_action(ORGANIZATIONS, org, "Publish selected organizations")
    assert published == ["1 organization published."]

    # The public pages show it at once: no cache, index or delay stands in the way.
    link = "main a[href='/organizations/harbor-light-refuge/']"
    for path in ["/organizations/", "/issues/human-trafficking/", f"/search/?q={name}"]:
        public_text(editor, path)
        assert editor.page.locator(link).count() >= 1, f"{name} is not on {path}"
    public_text(editor, org.get_absolute_url())
    assert editor.page.locator("h1").inner_text() == name
    assert "US-EIN: 12-3456789" in editor.page.locator(".trust").inner_text()
    assert editor.page.locator("#program-safe-houses h3").inner_text() == "Safe Houses"


# 2. Saving every kind of object, again and again ---------------------------------------------


def save_three_times(tab: AdminTab, path: str, field: str, text: str) -> str:
    """Open a change page, change one field, Save; open it again, change the field, Save
    and continue editing, change it once more, Save. The page a save comes back to must be
    as good to save from as a freshly opened one. Returns the text saved last."""
    tab.open(path)
    tab.fill(field, f"{text} (first)")
    assert "was changed successfully" in tab.save()
    tab.open(path)
    tab.fill(field, f"{text} (second)")
    assert "was changed successfully" in tab.save("Save and continue editing")
    assert tab.value(field) == f"{text} (second)"
    tab.fill(field, f"{text} (third)")
    assert "was changed successfully" in tab.save()
    return f"{text} (third)"


def test_every_kind_of_listing_saves_from_its_page_again_and_again(site, sign_in):
    curator = sign_in("Curators", "carla")
    org = Organization.objects.get(slug="pscore")
    public = org.get_absolute_url()

    curator.open(change_url(org))
    curator.fill("summary", "Helps North Korean defectors study and tell their stories.")
    assert "was changed successfully" in curator.save()
    assert "Helps North Korean defectors study" in public_text(curator, public, ".lead")

    summary = save_three_times(curator, change_url(org), "summary", "Teaches defectors")
    assert public_text(curator, public, ".lead") == summary

    program = org.programs.get(slug="education-program")
    summary = save_three_times(curator, change_url(program), "summary", "English tutoring")
    assert summary in public_text(curator, public, "#program-education-program")

    issue = Issue.objects.get(slug="child-labor")
    summary = save_three_times(curator, change_url(issue), "summary", "Children made to work")
    assert public_text(curator, issue.get_absolute_url(), ".lead") == summary

    fact = issue.facts.get()  # a key fact is edited in its row on its issue's page
    statement = save_three_times(curator, change_url(issue), "facts-0-statement", "Farm work")
    assert KeyFact.objects.get(pk=fact.pk).statement == statement
    assert statement in public_text(curator, issue.get_absolute_url(), ".fact")

    source = Source.objects.get(slug="pscore-about")
    title = save_three_times(curator, change_url(source), "title", "About PSCORE")
    assert title in public_text(curator, public, ".sources")

    area = FocusArea.objects.get(slug="education-and-mentoring")
    description = save_three_times(curator, change_url(area), "description", "Classes")
    assert public_text(curator, area.get_absolute_url(), ".lead") == description

    opportunity = site.opportunity
    description = save_three_times(curator, change_url(opportunity), "description", "Stories")
    assert description in public_text(curator, opportunity.get_absolute_url())


def test_a_save_changes_only_the_field_that_was_changed(site, sign_in):
    curator = sign_in("Curators", "carla")
    org = Organization.objects.get(slug="helping-hands-korea")
    assert "\n" in org.description  # a description of several paragraphs

    curator.open(change_url(org))
    curator.fill("summary", "Delivers aid inside North Korea and shelters orphans in China.")
    curator.save()

    newest, before = org.history.order_by("-history_id")[:2]
    assert [change.field for change in newest.diff_against(before).changes] == ["summary"]


# 3. Edit conflicts ----------------------------------------------------------------------


def test_an_edit_conflict_stops_the_second_save_and_keeps_what_was_typed(site, sign_in):
    org = Organization.objects.get(slug="liberty-in-north-korea")
    ana = sign_in("Curators", "ana")
    ben = sign_in("Curators", "ben")
    ana.open(change_url(org))
    ben.open(change_url(org))

    ana.fill("summary", "Ana's summary: rescues refugees hiding in China.")
    assert "was changed successfully" in ana.save()

    bens = "Ben's summary: funds rescues and resettlement."
    ben.fill("summary", bens)
    ben.press("Save")
    assert ben.messages() == []
    [message] = [text for text in ben.errors() if "after you opened it" in text]
    assert "ana saved this organization" in message
    assert "nothing was saved" in message
    assert ben.value("summary") == bens  # nothing Ben typed is lost
    assert Organization.objects.get(pk=org.pk).summary.startswith("Ana's summary")

    # Having read the warning, Ben saves again on purpose: his version wins.
    assert "was changed successfully" in ben.save()
    assert Organization.objects.get(pk=org.pk).summary == bens
    assert public_text(ben, org.get_absolute_url(), ".lead") == bens


# 4. History and reverts --------------------------------------------------------------------


def seen(tab: AdminTab, obj, links: list[str], public_part: str) -> dict:
    """What a curator sees of the object on its change page (its summary and the links
    each autocomplete has chosen), and what a visitor sees of it on its public page."""
    tab.open(change_url(obj))
    shown = {"summary": tab.value("summary"), **{name: tab.chosen(name) for name in links}}
    return {**shown, "public page": public_text(tab, obj.get_absolute_url(), public_part)}


def revert(tab: AdminTab, obj, version: int) -> None:
    tab.open_version(obj, version)
    assert "was changed successfully" in tab.save("Revert")


def test_a_revert_brings_back_text_and_links_and_can_itself_be_undone(site, sign_in):
    curator = sign_in("Curators", "carla")
    org = Organization.objects.get(slug="crossing-borders")
    links = ["issues", "focus_areas", "countries", "sources"]

    curator.open(change_url(org))
    curator.fill("summary", "Cares for refugee children in China (save 1).")
    curator.unpick("issues", "Stateless Children")
    curator.pick("issues", "Child Labor", typing="child")
    curator.pick("countries", "Thailand", typing="thai")
    curator.save()
    after_1, version_1 = seen(curator, org, links, "article.org"), latest_version(org)

    curator.open(change_url(org))
    curator.fill("summary", "Runs shelters and foster homes (save 2).")
    curator.unpick("issues", "Child Labor")
    curator.pick("issues", "Political Prison Camps", typing="prison")
    curator.unpick("countries", "Thailand")
    curator.pick("countries", "Laos", typing="lao")
    curator.unpick("focus_areas", "Child Welfare")
    curator.pick("focus_areas", "Advocacy and Awareness", typing="advoca")
    curator.pick("sources", str(Source.objects.get(slug="c4ads-dispatched-2018")), "dispatched")
    curator.save()
    after_2, version_2 = seen(curator, org, links, "article.org"), latest_version(org)
    assert all(after_2[name] != after_1[name] for name in after_1)

    revert(curator, org, version_1)
    assert seen(curator, org, links, "article.org") == after_1
    reasons = curator.history_reasons(org)
    assert reasons[0].startswith("Reverted to the version of"), reasons[:3]

    # A revert is a version like any other: reverting to the one before it undoes it.
    revert(curator, org, version_2)
    assert seen(curator, org, links, "article.org") == after_2


def test_a_program_revert_brings_back_its_issues_and_countries(site, sign_in):
    curator = sign_in("Curators", "carla")
    program = Program.objects.get(organization__slug="crossing-borders", slug="refugee-care")
    links, shown = ["issues", "focus_areas", "countries"], "#program-refugee-care"

    curator.open(change_url(program))
    curator.fill("summary", "Shelter and food for refugees in China (save 1).")
    curator.unpick("issues", "Human Trafficking")
    curator.pick("issues", "Stateless Children", typing="stateless")
    curator.pick("countries", "Thailand", typing="thai")
    curator.save()
    after_1, version_1 = seen(curator, program, links, shown), latest_version(program)

    curator.open(change_url(program))
    curator.fill("summary", "Safe houses along the route (save 2).")
    curator.pick("issues", "Women's Rights", typing="women")
    curator.unpick("countries", "China")
    curator.pick("countries", "Vietnam", typing="viet")
    curator.save()
    after_2, version_2 = seen(curator, program, links, shown), latest_version(program)
    assert after_2["issues"] != after_1["issues"]
    assert after_2["countries"] != after_1["countries"]

    revert(curator, program, version_1)
    assert seen(curator, program, links, shown) == after_1
    assert curator.history_reasons(program)[0].startswith("Reverted to the version of")

    revert(curator, program, version_2)
    assert seen(curator, program, links, shown) == after_2


def spreadsheet(org, **changes) -> bytes:
    """The organization as the admin exports it, with some cells changed, as CSV."""
    exported = OrganizationResource().export(queryset=Organization.objects.filter(pk=org.pk))
    [row] = csv.DictReader(io.StringIO(exported.csv))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow({**row, **changes})
    return out.getvalue().encode()


def test_no_history_row_shows_none_as_its_reason(site, sign_in):
    # Rows written outside the change form (the seed loader, the spreadsheet import) carry
    # no reason; the list must show nothing for it, not the word "None".
    editor = sign_in("Editors", "edith")
    org = Organization.objects.get(slug="helping-hands-korea")

    editor.open(change_url(org))
    editor.fill("summary", "Delivers aid inside North Korea and shelters orphans in China.")
    editor.save()
    editor.run_action(ORGANIZATIONS, org, "Send selected organizations to review")
    editor.upload(ORGANIZATIONS, "organizations.csv", spreadsheet(org, founded="1997"))
    editor.press("Confirm import")
    assert Organization.objects.get(pk=org.pk).founded == 1997

    reasons = editor.history_reasons(org)
    assert "Edited in the admin" in reasons
    assert "None" not in reasons, reasons


# 5. Roles: only editors publish, archive and restore --------------------------------------


@pytest.fixture
def back_in_review():
    """C4ADS, published once and since sent back to review: its history holds a published
    version, which only an editor may bring back."""
    org = Organization.objects.get(slug="c4ads")
    published = latest_version(org)
    org.status = Status.REVIEW
    org._change_reason = "Sent back to review"
    org.save()
    return org, published


def test_a_curator_cannot_publish_archive_or_restore_by_any_path(site, sign_in, back_in_review):
    org, published = back_in_review
    archived = Organization.objects.get(slug="ministry-of-unification")
    archived.status = Status.ARCHIVED
    archived.save()
    curator = sign_in("Curators", "carla")

    curator.open(ORGANIZATIONS + "add/")
    assert curator.options("status") == ["Draft", "In review"]
    curator.open(change_url(org))
    assert curator.options("status") == ["Draft", "In review"]
    curator.open(change_url(archived))
    assert curator.options("status") == ["Archived"]  # no way back to review either

    offered = curator.action_choices(ORGANIZATIONS)
    assert "Send selected organizations to review" in offered
    assert not set(EDITOR_ACTIONS) & set(offered)

    # Reverting to the published version would publish it: refused, and nothing saved.
    before = latest_version(org)
    curator.open_version(org, published)
    curator.press("Revert")
    assert any("Only editors can publish" in text for text in curator.errors()), curator.errors()
    assert status_of(org) == Status.REVIEW
    assert latest_version(org) == before

    curator.upload(ORGANIZATIONS, "organizations.csv", spreadsheet(org, status="published"))
    errors = curator.import_errors()
    assert any("Only editors can import listings as published" in text for text in errors), errors
    assert curator.page.get_by_role("button", name="Confirm import").count() == 0
    assert status_of(org) == Status.REVIEW
    assert latest_version(org) == before


def test_an_editor_can_publish_archive_and_restore_by_each_path(site, sign_in, back_in_review):
    org, published = back_in_review
    editor = sign_in("Editors", "edith")
    listed = f"main a[href='{org.get_absolute_url()}']"

    editor.open(change_url(org))
    assert editor.options("status") == ["Draft", "In review", "Published", "Archived"]
    assert set(EDITOR_ACTIONS) <= set(editor.action_choices(ORGANIZATIONS))

    revert(editor, org, published)
    assert status_of(org) == Status.PUBLISHED
    public_text(editor, "/organizations/")
    assert editor.page.locator(listed).count() >= 1

    archived = editor.run_action(ORGANIZATIONS, org, "Archive selected organizations")
    assert archived == ["1 organization archived."]
    assert status_of(org) == Status.ARCHIVED
    restore = "Restore selected archived organizations to review"
    assert editor.run_action(ORGANIZATIONS, org, restore) == ["1 organization restored."]
    assert status_of(org) == Status.REVIEW

    for status in ["Published", "Archived", "In review"]:
        editor.open(change_url(org))
        editor.field("status").select_option(label=status)
        assert "was changed successfully" in editor.save()
        assert Organization.objects.get(pk=org.pk).get_status_display() == status

    editor.upload(ORGANIZATIONS, "organizations.csv", spreadsheet(org, status="published"))
    assert editor.import_errors() == []
    editor.press("Confirm import")
    assert status_of(org) == Status.PUBLISHED
    public_text(editor, "/organizations/")
    assert editor.page.locator(listed).count() >= 1
