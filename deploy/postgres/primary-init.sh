#!/bin/sh
# The primary's one-time set-up for streaming replication. The postgres image runs the
# scripts in /docker-entrypoint-initdb.d/ once, when it creates the data folder, and may
# source rather than execute them: so no `exit` and no `set -u` here, which would leak
# into its own script.
#
# A role that may only replicate (not read the app's tables through SQL) and a pg_hba line
# that lets it connect for replication with a password; the image's own catch-all line
# covers ordinary connections but not replication ones.
set -e

psql --no-psqlrc -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL

echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
