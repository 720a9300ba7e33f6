"""Spreadsheet import and export of organizations and programs (CSV and XLSX).

An export carries every field a curator edits, so importing it unchanged changes nothing
(every row is skipped, no history is written). An import reads every cell strictly: a cell
it cannot read is an error named on its row and column in the preview, and nothing is
applied until the file is fixed. django-import-export's own many-to-many widget drops
values it does not know, so a cell written with commas instead of `|` used to remove all
of a listing's links; here it is an error.

Exported cells that a spreadsheet would run as a formula are neutralised with a leading
apostrophe (OWASP's advice); the importer takes the apostrophe off again.
"""

import re
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from directory.catalog import flush
from directory.models import (
    Country,
    FocusArea,
    Issue,
    Organization,
    OrganizationIdentifier,
    Program,
    Source,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


# A value that already starts with an apostrophe gets one more, so restoring is exact.
NEEDS_PREFIX = (*FORMULA_STARTS, "'")
# Spreadsheets and text-mode CSV readers may hand a carriage return back as a line feed.
RESTORABLE = (*NEEDS_PREFIX, "\n")

SEPARATOR = "|"
# What people type between values when they do not know the separator.
WRONG_SEPARATORS = (",", ";")


def neutralise(value):
    if isinstance(value, str) and value.startswith(NEEDS_PREFIX):
        return "'" + value
    return value


def restore(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(RESTORABLE):
        return value[1:]
    return value


def _separator_hint(values) -> str:
    if any(wrong in value for value in values for wrong in WRONG_SEPARATORS):
        return f"; use {SEPARATOR} between values, not commas or semicolons."
    return ""


def _cell_text(value) -> str:
    """A cell as text: XLSX hands back numbers as floats (2024.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


# --- widgets: each raises ValueError naming what it cannot read -------------------------------


class DateWidget(widgets.DateWidget):
    """XLSX hands dates back as datetimes; compare and save them as dates."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        return value.date() if isinstance(value, datetime) else value


class IntegerWidget(widgets.IntegerWidget):
    """The library's widget fails on text with a bare Decimal error and cuts 2006.5 to
    2006."""

    def clean(self, value, row=None, **kwargs):
        try:
            number = super().clean(value, row, **kwargs)
            whole = number is None or Decimal(_cell_text(value)) == number
        except ArithmeticError:  # Decimal's errors
            whole = False
        if not whole:
            raise ValueError(f"Cannot read {value!r} as a whole number.")
        return number


class BooleanWidget(widgets.BooleanWidget):
    """The library's widget reads anything it does not know ("yes", "no") as false."""

    def clean(self, value, row=None, **kwargs):
        if value not in (*self.TRUE_VALUES, *self.FALSE_VALUES, *self.NULL_VALUES):
            raise ValueError(f"Cannot read {value!r} as yes or no: write 1 or 0.")
        return super().clean(value, row, **kwargs)


def _unknown(noun: str, names: list[str], help_text: str) -> str:
    plural = "s" if len(names) > 1 else ""
    return f"Unknown {noun}{plural}: {', '.join(repr(name) for name in names)}{help_text}"


class StrictForeignKeyWidget(widgets.ForeignKeyWidget):
    """A value naming nothing is an error naming the value (the library raises
    DoesNotExist, which the preview shows without its column)."""

    def __init__(self, model, field: str, noun: str, help_text: str = "."):
        self.noun, self.help_text = noun, help_text
        super().__init__(model, field=field)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(_cell_text(value), row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(_unknown(self.noun, [_cell_text(value)], self.help_text)) from None


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Values separated by `|`; a value it does not know is an error, never dropped."""

    def __init__(self, model, field: str, noun: str, help_text: str = "."):
        self.noun, self.help_text = noun, help_text
        super().__init__(model, separator=SEPARATOR, field=field)

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in _cell_text(value).split(self.separator)]
        names = list(dict.fromkeys(name for name in names if name))
        found = list(self.model.objects.filter(**{f"{self.field}__in": names}))
        known = {str(getattr(obj, self.field)) for obj in found}
        unknown = [name for name in names if name not in known]
        if unknown:
            hint = _separator_hint(unknown)
            raise ValueError(_unknown(self.noun, unknown, hint or self.help_text))
        return found

    def same(self, cleaned, manager) -> bool:
        return {obj.pk for obj in cleaned} == {obj.pk for obj in manager.all()}

    def apply(self, cleaned, manager) -> None:
        manager.set(cleaned)


class IdentifiersWidget(widgets.Widget):
    """Registration numbers as `SCHEME:NUMBER (type)` separated by `|`, the type optional:
    `US-EIN:12-3456789 (Employer ID number)|KR-NTS:123`. A backslash escapes `\\ | : ( )`
    inside a part, so every value the admin accepts comes back exactly."""

    # Each column of a number, and what the error messages call it.
    PARTS = {"identifier_scheme": "scheme", "identifier_type": "type", "identifier": "number"}
    SPECIAL = re.compile(r"([\\|:()])")
    TEXT = r"(?:\\.|[^\\|:()])+"
    ENTRY = re.compile(rf"(?P<scheme>{TEXT}):(?P<number>{TEXT})(?:\((?P<type>{TEXT})\))?")
    EXAMPLE = "write SCHEME:NUMBER, e.g. US-EIN:12-3456789 or US-EIN:12-3456789 (Employer ID)"

    def clean(self, value, row=None, **kwargs) -> list[tuple[str, str, str]]:
        """(scheme, type, number) for each registration number in the cell."""
        cleaned, seen = [], set()
        for entry in _split_unescaped(_cell_text(value), SEPARATOR):
            entry = entry.strip()
            if not entry:
                continue
            match = self.ENTRY.fullmatch(entry)
            if not match:
                hint = _separator_hint([entry]) or "."
                raise ValueError(
                    f"Cannot read {entry!r} as a registration number: {self.EXAMPLE}{hint}"
                )
            number = tuple(_unescape(match[part]) for part in ("scheme", "type", "number"))
            if (number[0], number[2]) in seen:
                raise ValueError(f"{entry!r} is listed twice.")
            seen.add((number[0], number[2]))
            self._validate(entry, number)
            cleaned.append(number)
        return cleaned

    def _validate(self, entry: str, number: tuple[str, str, str]) -> None:
        """The model's own rules for each part (lengths, the scheme's form)."""
        try:
            OrganizationIdentifier(**dict(zip(self.PARTS, number, strict=True))).clean_fields(
                exclude=["organization"]
            )
        except ValidationError as error:
            problems = [
                f"the {self.PARTS[name]} is not valid. {message}"
                for name, messages in error.message_dict.items()
                for message in messages
            ]
            raise ValueError(f"{entry!r}: {' '.join(problems)}") from None

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None or value.instance.pk is None:  # an unsaved listing has none yet
            return ""
        numbers = sorted(value.all(), key=lambda row: (row.identifier_scheme, row.identifier))
        return SEPARATOR.join(self._entry(row) for row in numbers)

    def _entry(self, row) -> str:
        scheme, number, kind = (
            self.SPECIAL.sub(r"\\\1", text)
            for text in (row.identifier_scheme, row.identifier, row.identifier_type)
        )
        return f"{scheme}:{number} ({kind})" if kind else f"{scheme}:{number}"

    def same(self, cleaned, manager) -> bool:
        return set(cleaned) == set(manager.values_list(*self.PARTS))

    def apply(self, cleaned, manager) -> None:
        """Change only the rows that differ: an unchanged number keeps its row, its HSDS id
        and its history."""
        wanted = {(scheme, number): kind for scheme, kind, number in cleaned}
        for row in manager.all():
            kind = wanted.pop((row.identifier_scheme, row.identifier), None)
            if kind is None:
                row.delete()
            elif kind != row.identifier_type:
                row.identifier_type = kind
                row.save(update_fields=["identifier_type"])
        for (scheme, number), kind in wanted.items():
            manager.create(identifier_scheme=scheme, identifier_type=kind, identifier=number)


def _split_unescaped(text: str, separator: str) -> list[str]:
    """`text` split at each separator not escaped by a backslash; escapes are kept."""
    parts, current, chars = [], "", iter(text)
    for char in chars:
        if char == "\\":
            current += char + next(chars, "")
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _unescape(text: str | None) -> str:
    return re.sub(r"\\(.)", r"\1", text or "", flags=re.DOTALL).strip()


LINK_WIDGETS = (StrictManyToManyWidget, IdentifiersWidget)


def _links(model, column: str, field: str, noun: str, help_text: str = ".") -> fields.Field:
    widget = StrictManyToManyWidget(model, field, noun, help_text)
    return fields.Field(attribute=column, column_name=column, widget=widget)


class ExportOnly(fields.Field):
    """A column exported for reference that an import may not change."""

    def __init__(self, column: str, widget, reason: str):
        super().__init__(attribute=column, column_name=column, widget=widget, readonly=True)
        self.reason = reason

    def check(self, instance, row) -> None:
        if self.clean(row) != self.get_value(instance):
            raise ValueError(self.reason)


# --- resources -----------------------------------------------------------------------------------


class ListingResource(resources.ModelResource):
    """Reads every cell before anything is saved, and reports each cell it cannot read
    under its own column."""

    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "TextField": widgets.CharWidget,  # the default widget reads a blank cell as None
        "BooleanField": BooleanWidget,
        **{
            name: IntegerWidget
            for name, widget in resources.ModelResource.WIDGETS_MAP.items()
            if widget is widgets.IntegerWidget
        },
    }
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def import_data(self, dataset, *args, **kwargs):
        # A confirmed import applies all of the file or none of it, even if the data
        # changed between preview and confirmation.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, *args, **kwargs)

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        return queryset.select_related(*self.select_related).prefetch_related(
            *self.prefetch_related
        )

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key, value in list(row.items()):
            row[key] = restore(value)

    def get_instance(self, instance_loader, row):
        # The row's key is read first; a key that names nothing is an error on its cell.
        errors = {}
        for name in self.get_import_id_fields():
            field = self.fields[name]
            if field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.column_name] = str(error)
        if errors:
            raise ValidationError(errors)
        return super().get_instance(instance_loader, row)

    def import_instance(self, instance, row, **kwargs):
        """Read every cell, each error under its column. Links (many-to-many, registration
        numbers) are read here and written by save_m2m() once the instance is saved."""
        errors, links = {}, {}
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue  # a column left out of the file changes nothing
            try:
                if isinstance(field, ExportOnly):
                    field.check(instance, row)
                elif isinstance(field.widget, LINK_WIDGETS):
                    links[field.column_name] = field.clean(row)
                else:
                    self.import_field(field, instance, row, **kwargs)
            except ValueError as error:
                errors[field.column_name] = ValidationError(str(error), code="invalid")
        instance._spreadsheet_links = links
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged: every cell, links included, equals what is saved."""
        if import_validation_errors or not self._meta.skip_unchanged:
            return False
        if original is None or original.pk is None:
            return False
        links = instance._spreadsheet_links
        for field in self.get_import_fields():
            if field.column_name in links:
                if not field.widget.same(links[field.column_name], field.get_value(original)):
                    return False
            elif field.get_value(instance) != field.get_value(original):
                return False
        return True

    def save_m2m(self, instance, row, **kwargs):
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        links = instance._spreadsheet_links
        for field in self.get_import_fields():
            if field.column_name in links:
                field.widget.apply(links[field.column_name], field.get_value(instance))

    def after_import(self, dataset, result, **kwargs):
        # Each row's saves told the catalog what changed; the whole file reaches search,
        # counts and pages at once, in the import's transaction. A preview is rolled back.
        if not kwargs.get("dry_run"):
            flush()


EDITOR_ONLY = (Organization.Status.PUBLISHED, Organization.Status.ARCHIVED)
COUNTRY_HELP = "; use ISO 3166 two-letter codes in capitals, such as KR."


class OrganizationResource(ListingResource):
    headquarters = fields.Field(
        attribute="headquarters",
        column_name="headquarters",
        widget=StrictForeignKeyWidget(Country, "code", "country code", COUNTRY_HELP),
    )
    countries = _links(Country, "countries", "code", "country code", COUNTRY_HELP)
    sources = _links(Source, "sources", "slug", "source slug")
    issues = _links(Issue, "issues", "slug", "issue slug")
    focus_areas = _links(FocusArea, "focus_areas", "slug", "focus area slug")
    identifiers = fields.Field(
        attribute="identifiers", column_name="identifiers", widget=IdentifiersWidget()
    )
    last_verified = ExportOnly(
        "last_verified",
        DateWidget(),
        reason="The date follows the listing's latest verification: record one in the "
        "admin instead.",
    )

    select_related = ("headquarters",)
    prefetch_related = ("countries", "sources", "issues", "focus_areas", "identifiers")

    class Meta:
        model = Organization
        import_id_fields = ["slug"]
        fields = [
            "slug", "name", "name_ko", "alternate_name", "summary", "summary_ko",
            "description", "description_ko", "org_type", "founded", "headquarters",
            "countries", "website", "donate_url", "volunteer_url", "advocacy_url",
            "fundraising_url", "email", "status", "sources", "last_verified", "issues",
            "focus_areas", "identifiers",
        ]  # fmt: skip
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def before_import_row(self, row, **kwargs):
        """The admin form's status rules: only editors publish, archive, or take a listing
        back from either; anyone may leave a status as it is."""
        super().before_import_row(row, **kwargs)
        user = kwargs.get("user")
        if user is not None and user.has_perm("directory.publish_organization"):
            return
        saved = Organization.objects.filter(slug=row.get("slug")).values_list("status", flat=True)
        current = saved.first()
        status = row.get("status", current)
        if status == current:
            return
        if status in EDITOR_ONLY:
            raise ValidationError(
                {
                    "status": "Only editors can import listings as published or archived; "
                    "use draft or review."
                }
            )
        if current in EDITOR_ONLY:
            raise ValidationError(
                {"status": "Only editors can take a published or archived listing back."}
            )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The admin's rule for publishing (a listing needs a source) holds for files too.
        errors = dict(import_validation_errors or {})
        if instance.status == Organization.Status.PUBLISHED and "sources" not in errors:
            problem = instance.publishing_problem(sources=self._sources(instance))
            if problem:
                errors["sources"] = [ValidationError(problem)]
        super().validate_instance(instance, errors, validate_unique)

    @staticmethod
    def _sources(instance) -> list:
        links = instance._spreadsheet_links
        if "sources" in links:
            return links["sources"]
        return list(instance.sources.all()) if instance.pk else []


class ProgramResource(ListingResource):
    organization = fields.Field(
        attribute="organization",
        column_name="organization",
        widget=StrictForeignKeyWidget(Organization, "slug", "organization slug"),
    )
    issues = _links(Issue, "issues", "slug", "issue slug")
    focus_areas = _links(FocusArea, "focus_areas", "slug", "focus area slug")
    countries = _links(Country, "countries", "code", "country code", COUNTRY_HELP)

    select_related = ("organization",)
    prefetch_related = ("issues", "focus_areas", "countries")

    class Meta:
        model = Program
        import_id_fields = ["organization", "slug"]
        fields = [
            "organization", "slug", "name", "name_ko", "summary", "summary_ko",
            "description", "description_ko", "issues", "focus_areas", "countries",
            "active", "url",
        ]  # fmt: skip
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
