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
"""

from django.db import migrations

BLOCK = 4096
ORGANIZATIONS = "kind = 'organization'"
OTHERS = "kind <> 'organization'"
# name: (method before, method after, condition before, condition after)
INDEXES = {
    "directory_searchdoc_org_vector": (
        "gin (vector)",
        f"gin (vector, (object_id / {BLOCK}))",
        ORGANIZATIONS,
        ORGANIZATIONS,
    ),
    "directory_searchdoc_org_ngrams": (
        "gin (ngram_vector)",
        f"gin (ngram_vector, (object_id / {BLOCK}))",
        ORGANIZATIONS,
        ORGANIZATIONS,
    ),
    "directory_searchdocument_vector": ("gin (vector)", "gin (vector)", None, OTHERS),
    "directory_searchdocument_ngram_vector": (
        "gin (ngram_vector)",
        "gin (ngram_vector)",
        None,
        OTHERS,
    ),
    "directory_searchdocument_name_trgm": (
        "gin (name gin_trgm_ops)",
        "gin (name gin_trgm_ops)",
        None,
        OTHERS,
    ),
}


def _recreate(forward):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        if forward:
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        for name, (*methods, before, after) in INDEXES.items():
            method = methods[1] if forward else methods[0]
            condition = after if forward else before
            where = f" WHERE {condition}" if condition else ""
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE INDEX {name} ON directory_searchdocument USING {method}{where}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0019_search_ranking_index")]

    operations = [migrations.RunPython(_recreate(True), _recreate(False))]
