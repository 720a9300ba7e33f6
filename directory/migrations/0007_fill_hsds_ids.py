"""Give every existing row an HSDS id (a random UUID), in one UPDATE per table."""

from django.db import migrations

TABLES = [
    "directory_organization",
    "directory_program",
    "directory_issue",
    "directory_focusarea",
    "directory_organizationidentifier",
]
# A version-4 UUID as the 32 hex digits Django stores on SQLite.
SQLITE_UUID4 = (
    "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2)"
    " || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)"
    " || hex(randomblob(6)))"
)


def fill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    expression = "gen_random_uuid()" if vendor == "postgresql" else SQLITE_UUID4
    for table in TABLES:
        # AddField gave every existing row the same default value: replace them all.
        schema_editor.execute(f"UPDATE {table} SET hsds_id = {expression}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0006_history_and_hsds_ids")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
