#!/bin/sh
# A streaming replica of db-primary on the official postgres image, run as the postgres
# user. First start (empty data folder): copy the primary with pg_basebackup, which also
# writes standby.signal and primary_conninfo (-R) and creates a replication slot (-C) so
# the primary keeps the WAL this replica has not received yet (bounded by the primary's
# max_slot_wal_keep_size). Every start: run postgres, which follows the primary as a
# read-only hot standby.
set -eu

: "${PRIMARY_HOST:=db-primary}"
: "${REPLICATION_SLOT:=replica_1}"
export PGPASSWORD="$REPLICATION_PASSWORD"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready --quiet --host "$PRIMARY_HOST" --username replicator; do
        echo "waiting for $PRIMARY_HOST" >&2
        sleep 1
    done
    pg_basebackup --host "$PRIMARY_HOST" --username replicator --pgdata "$PGDATA" \
        --write-recovery-conf --wal-method stream --checkpoint fast \
        --create-slot --slot "$REPLICATION_SLOT" --progress
    # The image makes the folder world-writable (1777) for arbitrary users; postgres
    # refuses to start on anything but 0700 or 0750.
    chmod 0700 "$PGDATA"
fi

# PGPASSWORD stays exported: the WAL receiver connects through libpq, which reads it
# whenever it reconnects to the primary.
exec postgres
