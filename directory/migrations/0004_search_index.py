"""Full-text indexes over SearchDocument and SearchTerm, one kind per database.

SQLite: an external-content FTS5 table with porter stemming over every column (Hangul
n-grams included), a trigram FTS5 table over names for substrings, and a trigram table
over the vocabulary for typo correction, all kept in step by triggers.
PostgreSQL: a stored, weighted tsvector column with a GIN index, a second one over the
Hangul n-grams, and pg_trgm indexes over names and the vocabulary.

Its statements now live, as the schema stands today, in `directory/search/schema.py`, which
migration 0031 installs; a database migrated before 0031 ran them here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_search_ngrams_and_vocabulary")]

    operations = []
