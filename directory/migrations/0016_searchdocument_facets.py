"""Facet values on organizations' search documents, filled for the documents already there
with the rule `directory.search.index.facet_tokens` applies: an issue, focus area or
country counts when the organization names it directly or through a program.

The column is added with ALTER TABLE on both databases: Django's SQLite AddField would
rebuild the table for a NOT NULL column, and with it drop the triggers that keep the
full-text tables current (migration 0004)."""

from collections import defaultdict

from django.db import migrations, models

BATCH = 2000


def _grouped(rows):
    grouped = defaultdict(set)
    for owner, value in rows:
        grouped[owner].add(value)
    return grouped


def fill_facets(apps, schema_editor):
    Document = apps.get_model("directory", "SearchDocument")
    Organization = apps.get_model("directory", "Organization")
    Program = apps.get_model("directory", "Program")
    documents = Document.objects.filter(kind="organization").order_by("pk")
    ids = list(documents.values_list("object_id", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        orgs = dict(
            Organization.objects.filter(pk__in=batch).values_list("pk", "org_type")
        )
        hq = dict(
            Organization.objects.filter(pk__in=batch, headquarters__isnull=False).values_list(
                "pk", "headquarters_id"
            )
        )
        program_owner = dict(
            Program.objects.filter(organization_id__in=batch).values_list("pk", "organization_id")
        )
        values = {}
        for facet, org_through, program_through, field in (
            ("issue", Organization.issues.through, Program.issues.through, "issue_id"),
            ("focus", Organization.focus_areas.through, Program.focus_areas.through, "focusarea_id"),
            ("country", Organization.countries.through, Program.countries.through, "country_id"),
        ):
            found = _grouped(
                org_through.objects.filter(organization_id__in=batch).values_list(
                    "organization_id", field
                )
            )
            rows = program_through.objects.filter(program_id__in=list(program_owner))
            for program_id, value in rows.values_list("program_id", field):
                found[program_owner[program_id]].add(value)
            values[facet] = found
        for org_id, code in hq.items():
            values["country"][org_id].add(code)
        changed = []
        for document in documents.filter(object_id__in=batch):
            tokens = [f"type:{orgs.get(document.object_id, '')}"]
            for facet in ("issue", "focus", "country"):
                tokens += [f"{facet}:{v}" for v in sorted(values[facet][document.object_id])]
            document.facets = " ".join(tokens)
            changed.append(document)
        Document.objects.bulk_update(changed, ["facets"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0015_api_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="searchdocument",
                    name="facets",
                    field=models.TextField(
                        blank=True,
                        help_text="An organization's facet values (type, issues, focus areas, countries), from which the counts of a search's results are read.",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE directory_searchdocument ADD COLUMN facets text NOT NULL DEFAULT ''",
                    "ALTER TABLE directory_searchdocument DROP COLUMN facets",
                ),
            ],
        ),
        migrations.RunPython(fill_facets, migrations.RunPython.noop),
    ]
