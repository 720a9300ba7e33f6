"""PostgreSQL: the organizations' full-text indexes also index each document's block of
4,096 organizations (`object_id / 4096`, through btree_gin), and the other indexes leave
organizations out.

A GIN index is read through a bitmap scan, which reads every posting of every word before
the first row comes back: about 200,000 postings for a word a fifth of a million
organizations hold, whatever the LIMIT. With the block in the same index, a search for
`vector @@ q AND object_id / 4096 < k` intersects the word's postings with the first k
blocks' and skips the rest of them, so it reads about as many postings as it needs
matches (`directory.search.backends.postgres`). The new indexes replace 0018's, whose
queries they answer as well.

The indexes over every document (0004) now hold programs and issues only, so that an
organization search has no other index to combine with: the planner would otherwise
intersect the whole of a common word's postings there with the blocks' here.
SQLite is unchanged: FTS5 reads its postings in order and stops at the LIMIT.

Its statements now live, as the schema stands today, in `directory/search/schema.py`, which
migration 0031 installs; a database migrated before 0031 ran them here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0019_search_ranking_index")]

    operations = []
