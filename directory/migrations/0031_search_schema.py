"""The search schema (full-text tables, views, triggers, generated columns and indexes) as
`directory/search/schema.py` declares it. On a database that already holds it, as every
database migrated through 0030 does, this changes nothing; a new database gets it here.
A later change to the schema is a change to that module and a migration like this one."""

from django.db import migrations

from directory.search import schema


def install(apps, schema_editor):
    schema.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("directory", "0030_facet_members")]

    operations = [migrations.RunPython(install, uninstall)]
