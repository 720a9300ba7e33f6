"""SQLite: a covering index for the ranking query's lookup of each candidate.

The ranking query joins each full-text candidate to its document for the object id and
the facet values. A document row holds its whole text (about 2 KB for an organization),
so the lookup read a page per candidate, and `facets`, added last, sat at the end of it.
This index holds only what the lookup reads; the query names it (`INDEXED BY`), so a
table rebuild that lost it would fail every search's tests instead of slowing down.
PostgreSQL is unchanged: its ranking query reads the rows it ranks anyway.

Its statements now live, as the schema stands today, in `directory/search/schema.py`, which
migration 0031 installs; a database migrated before 0031 ran them here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0018_organization_search_indexes")]

    operations = []
