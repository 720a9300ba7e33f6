"""PostgreSQL: the organizations' full-text indexes also index each document's block of
4,096 organizations (`object_id / 4096`, through btree_gin).

A GIN index is read through a bitmap scan, which reads every posting of every word before
the first row comes back: about 200,000 postings for a word a fifth of a million
organizations hold, whatever the LIMIT. With the block in the same index, a search for
`vector @@ q AND object_id / 4096 < k` intersects the word's postings with the first k
blocks' and skips the rest of them, so it reads about as many postings as it needs
matches (`directory.search.backends.postgres`). The new indexes replace 0018's
organization indexes, whose queries they answer as well. SQLite is unchanged: FTS5 reads
its postings in order and stops at the LIMIT.
"""

from django.db import migrations

BLOCK = 4096
COLUMNS = {
    "directory_searchdoc_org_vector": "vector",
    "directory_searchdoc_org_ngrams": "ngram_vector",
}


def _recreate(with_block):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        if with_block:
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        for name, column in COLUMNS.items():
            columns = f"{column}, (object_id / {BLOCK})" if with_block else column
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE INDEX {name} ON directory_searchdocument "
                f"USING gin ({columns}) WHERE kind = 'organization'"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0019_search_ranking_index")]

    operations = [migrations.RunPython(_recreate(True), _recreate(False))]
