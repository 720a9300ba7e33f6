"""SQLite: a full-text table of organizations' names alone.

A search ranks the matches in names above the rest, and first asks whether any name holds
the query's first word at all. Asked of the organizations' table (`name : word`), that
reads every position of the word in every column of every document: about 1.3 ms for a
common word at 100,000 organizations, against microseconds in a table of names. The new
table reads the names from the same view as the organizations' table (0017), with the
same tokenizer, and triggers on the document table keep it current.
PostgreSQL is unchanged: it finds names through its trigram index.

Its statements now live, as the schema stands today, in `directory/search/schema.py`, which
migration 0031 installs; a database migrated before 0031 ran them here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0020_search_index_blocks")]

    operations = []
