"""SQLite: organizations get a full-text table of their own.

Nearly every search is for organizations. In the shared table their words sat in the same
posting lists as those of three times as many programs, and each query had to intersect a
`kind` token held by every document; bm25 counts the documents of each phrase over the
whole table. Organizations now have `directory_search_org_fts` and the shared table keeps
programs and issues. Each is an external-content table over a view of its rows, so that
FTS5's 'rebuild' reads only those; triggers on the document table keep both current, and
an update of the facet values alone no longer rewrites the text index.
PostgreSQL is unchanged: its GIN index already answers one kind without the other.

Its statements now live, as the schema stands today, in `directory/search/schema.py`, which
migration 0031 installs; a database migrated before 0031 ran them here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0016_searchdocument_facets")]

    operations = []
