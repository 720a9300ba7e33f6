"""Programs' full-text indexes with their block, as organizations' have (0020), declared in
`directory/search/schema.py`: a common word's first program matches are found among the
first blocks instead of in every program's postings (at 1M, 3 million programs: `/search/`
read a common word's whole posting list for its programs)."""

from django.db import migrations

from directory.search import schema


def install(apps, schema_editor):
    schema.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("directory", "0033_search_document_version")]

    # Back: the indexes stay (the earlier schema's queries are answered by them as well);
    # 0031's reversal drops them with the rest.
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
