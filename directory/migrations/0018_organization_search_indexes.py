"""PostgreSQL: GIN indexes over organizations' search documents alone.

Programs outnumber organizations three to one in the document table, so with indexes
over every document the planner would scan the table for an organization search whose
words are common among programs, and a rare word would cost a scan of millions of rows.
Partial indexes (`WHERE kind = 'organization'`) answer the organization searches from
organizations' entries only. SQLite has a full-text table per kind instead (0017).
"""

from django.db import migrations

INDEXES = {
    "directory_searchdoc_org_vector": "gin (vector)",
    "directory_searchdoc_org_ngrams": "gin (ngram_vector)",
    "directory_searchdoc_org_name_trgm": "gin (name gin_trgm_ops)",
}


def _run(create):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, method in INDEXES.items():
            if create:
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON directory_searchdocument "
                    f"USING {method} WHERE kind = 'organization'"
                )
            else:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0017_search_index_by_kind")]

    operations = [migrations.RunPython(_run(True), _run(False))]
