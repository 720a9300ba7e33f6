"""PostgreSQL: GIN indexes over organizations' search documents alone.

Programs outnumber organizations three to one in the document table, so with indexes
over every document the planner would scan the table for an organization search whose
words are common among programs, and a rare word would cost a scan of millions of rows.
Partial indexes (`WHERE kind = 'organization'`) answer the organization searches from
organizations' entries only. SQLite has a full-text table per kind instead (0017).

Its statements now live, as the schema stands today, in `directory/search/schema.py`, which
migration 0031 installs; a database migrated before 0031 ran them here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0017_search_index_by_kind")]

    operations = []
