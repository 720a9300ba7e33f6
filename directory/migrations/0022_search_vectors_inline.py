"""PostgreSQL: keep each document's tsvector in its row.

A document row holds its whole text, so PostgreSQL moved its largest values out of line,
the tsvector among them: ranking a search's candidates then read each one's vector from
the TOAST table (an index probe and a few pages per candidate: about 4 microseconds each,
6 buffer reads). With storage MAIN the vector stays in the row, compressed, and the
descriptions go out of line first. Rows written before this migration keep their vectors
where they are until they are rewritten: `manage.py rebuild_search_index` (or
`VACUUM FULL directory_searchdocument`) rewrites them all. SQLite is unchanged.

Its statements now live, as the schema stands today, in `directory/search/schema.py`, which
migration 0031 installs; a database migrated before 0031 ran them here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0021_search_org_names")]

    operations = []
