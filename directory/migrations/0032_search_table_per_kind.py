"""SQLite: programs and issues get a full-text table each, instead of sharing one with a
`kind` column, so a search for issues no longer reads every program's postings of its
words (`/search/` searches the three kinds). As `directory/search/schema.py` now
declares it; `install()` drops the shared table and builds the new ones from the
documents. PostgreSQL is unchanged."""

from django.db import migrations

from directory.search import schema


def install(apps, schema_editor):
    schema.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("directory", "0031_search_schema")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
