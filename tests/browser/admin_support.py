"""What the curation tests share: the two roles, and a signed-in admin tab that drives the
admin as a person does (the login form, select2 autocompletes, inline rows, the buttons).

Every save goes through the page as rendered, so a field the page forgets to render (the
edit-conflict version, say) breaks these tests as it breaks a curator's day."""

import importlib
import re

from django.contrib.auth.models import Group, Permission

PASSWORD = "a long and unguessable passphrase"
ROLES = importlib.import_module("directory.migrations.0010_curator_and_editor_groups")
OPPORTUNITIES = importlib.import_module("directory.migrations.0012_curators_manage_opportunities")
VERIFICATIONS = importlib.import_module("directory.migrations.0027_curators_record_verifications")
HARVEST = importlib.import_module("directory.migrations.0028_harvest_feeds")


def ensure_roles() -> None:
    """Put back the Curators and Editors groups the migrations create, with the same
    permissions: a live-server test's database is flushed afterwards, groups included."""
    curating = [
        f"{action}_{model}" for model in ROLES.CURATED for action in ("add", "change", "view")
    ]
    curating += [f"{action}_{model}" for model in ROLES.MODERATED for action in ("change", "view")]
    curating += ["view_country", "view_linkcheck"]
    curating += [
        f"{action}_{model}"
        for model in [*OPPORTUNITIES.MODELS, *VERIFICATIONS.MODELS]
        for action in ("add", "change", "view")
    ]
    editing = [
        *curating,
        "publish_organization",
        "delete_program",
        "delete_keyfact",
        "delete_organizationidentifier",
    ]
    mine = Permission.objects.filter(content_type__app_label="directory")
    curating += HARVEST.GRANTS["Curators"]
    editing += HARVEST.GRANTS["Editors"]
    for name, codenames in [("Curators", curating), ("Editors", editing)]:
        group, created = Group.objects.get_or_create(name=name)
        if created:
            group.permissions.set(mine.filter(codename__in=codenames))


def staff_member(django_user_model, role: str, username: str):
    """A staff user in the Curators or Editors group, with `PASSWORD`."""
    ensure_roles()
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def exactly(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


class AdminTab:
    """One person's browser (a context of its own, so two people can be signed in at once)
    on the admin. Script errors and blocked scripts are collected and fail the test.

    Two third-party admin templates (django-simple-history's history list and
    django-import-export's import page) carry `style` attributes, which the site's CSP
    blocks; that costs some spacing, not a function, so blocked inline styles are tolerated
    here, unlike on the public pages."""

    def __init__(self, browser, site):
        self.site = site
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text and "Applying inline style" not in text:
            self.problems.append(text)

    def close(self) -> None:
        self.context.close()
        assert self.problems == [], self.problems

    # Pages -------------------------------------------------------------------------------

    def open(self, path: str) -> None:
        response = self.page.goto(self.site.url(path))
        assert response.status == 200, f"{path}: {response.status}"

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.open("/admin/login/?next=/admin/")
        self.page.locator("#id_username").press_sequentially(username)
        self.page.locator("#id_password").press_sequentially(password)
        self.press("Log in")
        assert self.page.url == self.site.url("/admin/"), self.errors()

    def press(self, label: str) -> None:
        """Press a submit button (Save, Revert, Go...) and wait for the next page."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=label, exact=True).first.click()

    def save(self, label: str = "Save") -> str:
        """Press a save button and return the success message, failing with the page's
        errors when it did not save."""
        self.press(label)
        success = self.page.locator(".messagelist .success")
        assert success.count() == 1, self.errors() or self.messages()
        return success.inner_text()

    def messages(self) -> list[str]:
        return self.page.locator(".messagelist li").all_inner_texts()

    def errors(self) -> list[str]:
        return self.page.locator(".errornote, .errorlist li").all_inner_texts()

    # Fields ------------------------------------------------------------------------------

    def field(self, name: str):
        """The control of a form field, by its name (inline rows: `programs-0-name`)."""
        return self.page.locator(f"#id_{name}")

    def fill(self, name: str, text: str) -> None:
        """Clear a field and type into it, key by key (the admin's scripts listen for keys)."""
        self.field(name).fill("")
        self.field(name).press_sequentially(text)

    def value(self, name: str) -> str:
        return self.field(name).input_value()

    def options(self, name: str) -> list[str]:
        """The choices a select offers."""
        return self.field(name).locator("option").all_inner_texts()

    def chosen(self, name: str) -> list[str]:
        """What a select (an autocomplete's included) has chosen, sorted."""
        texts = self.field(name).evaluate("s => Array.from(s.selectedOptions, o => o.text)")
        return sorted(text.strip() for text in texts)

    def pick(self, name: str, text: str, typing: str | None = None) -> None:
        """Choose `text` in an autocomplete: click its box, type, click the result."""
        widget = self.page.locator(f"#id_{name} + .select2")  # select2 draws it after the select
        widget.locator(".select2-selection").click()
        search = self.page.locator(".select2-container--open .select2-search__field")
        search.press_sequentially(typing or text)
        results = self.page.locator(".select2-container--open .select2-results__option")
        results.filter(has_text=exactly(text)).click()
        assert text in self.chosen(name), f"{text!r} not chosen in {name}: {self.chosen(name)}"

    def unpick(self, name: str, text: str) -> None:
        """Take `text` out of a many-valued autocomplete with its × button."""
        widget = self.page.locator(f"#id_{name} + .select2")
        label = re.compile(rf"^\s*×?\s*{re.escape(text)}\s*$")  # the × is part of its text
        choice = widget.locator(".select2-selection__choice").filter(has_text=label)
        choice.locator(".select2-selection__choice__remove").click()
        # Removing a choice opens the results list; a person closes it again.
        if self.page.locator(".select2-container--open .select2-dropdown").count():
            self.page.keyboard.press("Escape")
        assert text not in self.chosen(name), f"{text!r} still chosen in {name}"

    def add_inline_row(self, label: str) -> None:
        """Press an inline's "Add another ..." link."""
        self.page.get_by_role("button", name=label, exact=True).click()

    # Changelists, history, import ----------------------------------------------------------

    def action_choices(self, changelist: str) -> list[str]:
        self.open(changelist)
        return self.page.locator("select[name=action] option").all_inner_texts()

    def run_action(self, changelist: str, obj, action: str) -> list[str]:
        """Tick the object's row in the changelist, choose the action, press Go; return the
        messages shown."""
        self.open(changelist)
        link = self.page.get_by_role("link", name=str(obj), exact=True)
        self.page.locator("#result_list tr", has=link).locator("input.action-select").check()
        self.page.locator("select[name=action]").select_option(label=action)
        self.press("Go")
        return self.messages()

    def history_reasons(self, obj) -> list[str]:
        """The change reason of each row of the object's History page, newest first."""
        self.open(change_url(obj).replace("/change/", "/history/"))
        table = self.page.locator("#change-history")
        # text_content, not inner_text: the admin's style shows headers in capitals.
        headers = [text.strip() for text in table.locator("thead th").all_text_contents()]
        column = headers.index("Change reason") + 1
        cells = table.locator(f"tbody tr td:nth-child({column})")
        return [text.strip() for text in cells.all_text_contents()]

    def open_version(self, obj, version: int) -> None:
        """Open the object's History and, from it, one of its versions."""
        self.open(change_url(obj).replace("/change/", "/history/"))
        with self.page.expect_navigation():
            self.page.locator(f"#change-history a[href$='/history/{version}/']").click()

    def upload(self, changelist: str, name: str, content: bytes) -> None:
        """Send a CSV file to the changelist's spreadsheet import, up to its preview."""
        self.open(changelist + "import/")
        self.page.locator("#id_import_file").set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
        )
        self.page.locator("#id_format").select_option(label="csv")
        self.press("Submit")

    def import_errors(self) -> list[str]:
        """The errors an import preview shows: a row's failure, or a cell's validation."""
        shown = self.page.locator(".import-error-display-message, .validation-error-list li")
        return shown.all_inner_texts()


def change_url(obj) -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def latest_version(obj) -> int:
    """The id of the object's newest history record."""
    return obj.history.order_by("-history_id").values_list("history_id", flat=True).first()
