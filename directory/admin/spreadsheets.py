"""Spreadsheet import and export of organizations and programs (CSV and XLSX).

Exported cells that a spreadsheet would run as a formula are neutralised with a leading
apostrophe (OWASP's advice); the importer takes the apostrophe off again, so a round trip
changes nothing.
"""

from datetime import datetime

from import_export import fields, resources, widgets

from directory.models import Country, FocusArea, Issue, Organization, Program
from directory.search import index

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


# A value that already starts with an apostrophe gets one more, so restoring is exact.
NEEDS_PREFIX = (*FORMULA_STARTS, "'")
# Spreadsheets and text-mode CSV readers may hand a carriage return back as a line feed.
RESTORABLE = (*NEEDS_PREFIX, "\n")


def neutralise(value):
    if isinstance(value, str) and value.startswith(NEEDS_PREFIX):
        return "'" + value
    return value


def restore(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(RESTORABLE):
        return value[1:]
    return value


class DateWidget(widgets.DateWidget):
    """XLSX hands dates back as datetimes; compare and save them as dates."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        return value.date() if isinstance(value, datetime) else value


class SafeResource(resources.ModelResource):
    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key, value in list(row.items()):
            row[key] = restore(value)


def _slugs(model, column):
    return fields.Field(
        attribute=column,
        column_name=column,
        widget=widgets.ManyToManyWidget(model, field="slug", separator="|"),
    )


def _imported_ids(result) -> list[int]:
    return [row.object_id for row in result.valid_rows() if row.object_id]


class OrganizationResource(SafeResource):
    issues = _slugs(Issue, "issues")
    focus_areas = _slugs(FocusArea, "focus_areas")
    countries = fields.Field(
        attribute="countries",
        column_name="countries",
        widget=widgets.ManyToManyWidget(Country, field="code", separator="|"),
    )
    headquarters = fields.Field(
        attribute="headquarters",
        column_name="headquarters",
        widget=widgets.ForeignKeyWidget(Country, field="code"),
    )
    description = fields.Field(
        attribute="description", column_name="description", widget=widgets.CharWidget()
    )
    last_verified = fields.Field(
        attribute="last_verified", column_name="last_verified", widget=DateWidget()
    )

    class Meta:
        model = Organization
        import_id_fields = ["slug"]
        fields = [
            "slug", "name", "alternate_name", "summary", "description", "org_type", "founded",
            "headquarters", "countries", "website", "donate_url", "volunteer_url",
            "advocacy_url", "fundraising_url", "email",
            "status", "last_verified", "issues", "focus_areas",
        ]  # fmt: skip
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        user = kwargs.get("user")
        if user is not None and user.has_perm("directory.publish_organization"):
            return
        editor_only = ("published", "archived")
        if row.get("status") in editor_only:
            raise ValueError(
                "Only editors can import listings as published or archived; use draft or review."
            )
        current = Organization.objects.filter(slug=row.get("slug")).values_list("status", flat=True)
        current_status = current.first()
        if current_status in editor_only and row.get("status", current_status) != current_status:
            raise ValueError("Only editors can take a published or archived listing back.")

    def after_import(self, dataset, result, **kwargs):
        if not kwargs.get("dry_run"):
            index.refresh_organizations(_imported_ids(result))


class ProgramResource(SafeResource):
    organization = fields.Field(
        attribute="organization",
        column_name="organization",
        widget=widgets.ForeignKeyWidget(Organization, field="slug"),
    )
    issues = _slugs(Issue, "issues")
    focus_areas = _slugs(FocusArea, "focus_areas")
    description = fields.Field(
        attribute="description", column_name="description", widget=widgets.CharWidget()
    )

    class Meta:
        model = Program
        import_id_fields = ["organization", "slug"]
        fields = [
            "organization", "slug", "name", "summary", "description", "issues", "focus_areas",
            "active", "url",
        ]  # fmt: skip
        skip_unchanged = True
        clean_model_instances = True
        use_transactions = True

    def after_import(self, dataset, result, **kwargs):
        if not kwargs.get("dry_run"):
            programs = Program.objects.filter(pk__in=_imported_ids(result))
            index.refresh_organizations(programs.values_list("organization_id", flat=True))
