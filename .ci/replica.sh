#!/usr/bin/env bash
# A hot-standby PostgreSQL on 127.0.0.1:5433 replicating the primary on 127.0.0.1:5432, for
# the read-replica tests (tests/test_replica.py). Run as root or as the postgres user.
#
#   .ci/replica.sh          start it (nothing to do when a standby of the primary answers)
#   .ci/replica.sh --stop   stop it and remove the data directory this script made
#
# It allows replication connections from 127.0.0.1 for user postgres in the primary's
# pg_hba.conf when they are refused (and reloads the primary), takes a base backup into a
# fresh directory (/tmp/causeway-replica.XXXXXX), writes its own postgresql.conf there and
# starts it with pg_ctl. Environment: PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432),
# REPLICA_PORT (5433), PG_BIN (the primary's major version's binaries).
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
MARKER=.causeway-replica  # in the directories this script made, and only those

die() {
  echo "replica.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 [--stop]" >&2
  exit 2
}

stop=false
case "${1:-}" in
  "") ;;
  --stop) stop=true ;;
  -h | --help) usage ;;
  *) usage ;;
esac
[ $# -le 1 ] || usage

# Server processes run as postgres: through runuser when we are root.
if [ "$(id -u)" -eq 0 ]; then
  as_postgres() { runuser -u postgres -- "$@"; }
elif [ "$(id -un)" = postgres ]; then
  as_postgres() { "$@"; }
else
  die "run me as root or as the postgres user (I start a server as postgres)"
fi

# psql with no ~/.psqlrc, unaligned and quiet, never asking for a password: q HOST PORT ...
q() {
  local host=$1 port=$2
  shift 2
  "$PSQL" -X -w -At -h "$host" -p "$port" -U postgres -d postgres "$@"
}

# Binaries of the primary's major version (the standby must run the same one).
if [ -z "${PG_BIN:-}" ]; then
  command -v psql >/dev/null || die "psql not found; set PG_BIN to PostgreSQL's bin directory"
  PSQL=psql
  major=$(PGCONNECT_TIMEOUT=5 psql -X -w -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres \
    -d postgres -c "SELECT current_setting('server_version_num')::int / 10000" 2>/dev/null) ||
    major=""
  if [ -z "$major" ]; then
    if $stop; then
      # Stopping needs no primary: use the newest installed binaries.
      major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
    else
      die "the primary does not answer on $PRIMARY_HOST:$PRIMARY_PORT as user postgres"
    fi
  fi
  PG_BIN=/usr/lib/postgresql/$major/bin
fi
[ -x "$PG_BIN/pg_ctl" ] || die "no pg_ctl in $PG_BIN; set PG_BIN to PostgreSQL's bin directory"
PSQL=$PG_BIN/psql

replica_answers() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$REPLICA_PORT" -t 2
}

replica_in_recovery() {
  [ "$(PGCONNECT_TIMEOUT=5 q 127.0.0.1 "$REPLICA_PORT" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]
}

system_id() {
  PGCONNECT_TIMEOUT=5 q "$1" "$2" -c 'SELECT system_identifier FROM pg_control_system()' 2>/dev/null
}

streaming() {
  [ "$(q 127.0.0.1 "$REPLICA_PORT" -c 'SELECT status FROM pg_stat_wal_receiver' 2>/dev/null)" = streaming ]
}

# Stops the standby answering on REPLICA_PORT; removes its directory when this script made it.
stop_standby() {
  local datadir parent
  datadir=$(q 127.0.0.1 "$REPLICA_PORT" -c 'SHOW data_directory') ||
    die "could not ask the standby on $REPLICA_PORT for its data directory"
  echo "replica.sh: stopping the standby on $REPLICA_PORT ($datadir)"
  as_postgres "$PG_BIN/pg_ctl" -D "$datadir" -m fast -w stop ||
    die "pg_ctl stop failed for $datadir"
  parent=$(dirname "$datadir")
  if [ -e "$parent/$MARKER" ]; then
    rm -rf -- "$parent"
    echo "replica.sh: removed $parent"
  fi
}

# ------------------------------------------------------------------------------- --stop
if $stop; then
  if ! replica_answers; then
    echo "replica.sh: nothing answers on 127.0.0.1:$REPLICA_PORT; nothing to stop"
    exit 0
  fi
  replica_in_recovery ||
    die "127.0.0.1:$REPLICA_PORT is not a standby (not in recovery); not stopping it"
  stop_standby
  exit 0
fi

# ------------------------------------------------------------------------------- start
primary_id=$(system_id "$PRIMARY_HOST" "$PRIMARY_PORT") || primary_id=""
[ -n "$primary_id" ] || die "cannot query the primary on $PRIMARY_HOST:$PRIMARY_PORT"

# pg_isready: 0 accepting, 1 rejecting (starting up, or a standby not yet consistent), 2 no
# answer (nothing listens, or something that is not PostgreSQL).
isready_status() {
  local status=0
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$REPLICA_PORT" -t 2 || status=$?
  echo "$status"
}
for _ in $(seq 1 60); do
  [ "$(isready_status)" = 1 ] || break
  sleep 0.5
done
if [ "$(isready_status)" != 0 ] && (exec 3<>"/dev/tcp/127.0.0.1/$REPLICA_PORT") 2>/dev/null; then
  die "something listens on 127.0.0.1:$REPLICA_PORT but accepts no PostgreSQL connections; stop it or set REPLICA_PORT"
fi
if replica_answers; then
  replica_in_recovery ||
    die "a server answers on 127.0.0.1:$REPLICA_PORT but is not a standby; stop it or set REPLICA_PORT"
  [ "$(system_id 127.0.0.1 "$REPLICA_PORT")" = "$primary_id" ] ||
    die "the standby on 127.0.0.1:$REPLICA_PORT replicates another cluster than $PRIMARY_HOST:$PRIMARY_PORT"
  # A test that stopped half-way may have left replay paused.
  if [ "$(q 127.0.0.1 "$REPLICA_PORT" -c 'SELECT pg_is_wal_replay_paused()')" = t ]; then
    q 127.0.0.1 "$REPLICA_PORT" -c 'SELECT pg_wal_replay_resume()' >/dev/null
    echo "replica.sh: resumed WAL replay on the standby (it was paused)"
  fi
  for _ in $(seq 1 40); do
    streaming && break
    sleep 0.25
  done
  if streaming; then
    echo "replica.sh: a standby of the primary already answers on 127.0.0.1:$REPLICA_PORT"
    exit 0
  fi
  # Without a replication slot, a standby left down while the primary recycled its WAL
  # can never catch up: one this script made is made afresh.
  [ -e "$(dirname "$(q 127.0.0.1 "$REPLICA_PORT" -c 'SHOW data_directory')")/$MARKER" ] ||
    die "the standby on 127.0.0.1:$REPLICA_PORT does not stream from the primary (see its log)"
  echo "replica.sh: the standby on 127.0.0.1:$REPLICA_PORT does not stream; making it afresh"
  stop_standby
fi

# Replication connections from 127.0.0.1 for postgres: tried for real, since "all" in
# pg_hba.conf does not cover them and an earlier line may decide otherwise.
can_replicate() {
  PGCONNECT_TIMEOUT=5 "$PSQL" -X -w -At \
    "host=$PRIMARY_HOST port=$PRIMARY_PORT user=postgres dbname=postgres replication=true" \
    -c IDENTIFY_SYSTEM >/dev/null 2>&1
}
if ! can_replicate; then
  hba=$(q "$PRIMARY_HOST" "$PRIMARY_PORT" -c 'SHOW hba_file') || die "cannot ask the primary for its hba_file"
  [ -w "$hba" ] || die "replication from 127.0.0.1 is refused and I cannot write $hba"
  echo "replica.sh: allowing replication from 127.0.0.1 for postgres in $hba"
  printf '\n# Added by causeway .ci/replica.sh: a local hot standby for the replica tests.\n%s\n' \
    "host replication postgres 127.0.0.1/32 trust" >>"$hba"
  q "$PRIMARY_HOST" "$PRIMARY_PORT" -c 'SELECT pg_reload_conf()' >/dev/null || die "could not reload the primary"
  for _ in $(seq 1 20); do
    can_replicate && break
    sleep 0.25
  done
  can_replicate || die "replication connections are still refused after editing $hba and \
reloading (an earlier line may reject them; see SELECT * FROM pg_hba_file_rules)"
fi

# The standby must allow at least as many of these as the primary, or it refuses to start.
limits=$(q "$PRIMARY_HOST" "$PRIMARY_PORT" -F = -c "SELECT name, setting FROM pg_settings WHERE name IN \
('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', \
'max_locks_per_transaction')") || die "cannot read the primary's settings"

base=$(mktemp -d /tmp/causeway-replica.XXXXXX)
touch "$base/$MARKER"
datadir=$base/data
log=$base/postgresql.log
chown postgres: "$base" 2>/dev/null || true
chmod 700 "$base"
cleanup_on_failure() {
  echo "replica.sh: the standby's log ($log):" >&2
  tail -n 30 "$log" >&2 2>/dev/null || true
  as_postgres "$PG_BIN/pg_ctl" -D "$datadir" -m immediate stop >/dev/null 2>&1 || true
  rm -rf -- "$base"
}

echo "replica.sh: base backup of $PRIMARY_HOST:$PRIMARY_PORT into $datadir"
if ! as_postgres "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -w \
  -D "$datadir" -R -X stream -c fast; then
  rm -rf -- "$base"
  die "pg_basebackup failed"
fi

# Debian keeps the configuration outside the data directory, so the backup has none: the
# standby gets its own (any copied from elsewhere is replaced).
{
  echo "# Written by causeway .ci/replica.sh"
  echo "listen_addresses = '127.0.0.1'"
  echo "port = $REPLICA_PORT"
  echo "unix_socket_directories = '/tmp'"
  echo "hot_standby = on"
  echo "shared_buffers = 32MB"
  echo "logging_collector = off"
  echo "$limits" | sed -e 's/=/ = /'
} | as_postgres tee "$datadir/postgresql.conf" >/dev/null
printf '%s\n' "local all all trust" "host all all 127.0.0.1/32 trust" \
  "host replication all 127.0.0.1/32 trust" | as_postgres tee "$datadir/pg_hba.conf" >/dev/null
as_postgres touch "$datadir/pg_ident.conf"
[ -e "$datadir/standby.signal" ] || {
  cleanup_on_failure
  die "pg_basebackup -R wrote no standby.signal"
}

echo "replica.sh: starting the standby on 127.0.0.1:$REPLICA_PORT (log: $log)"
if ! as_postgres "$PG_BIN/pg_ctl" -D "$datadir" -o "-p $REPLICA_PORT -k /tmp" -l "$log" -w \
  -t 60 start >/dev/null; then
  cleanup_on_failure
  die "pg_ctl start failed"
fi

ready=false
for _ in $(seq 1 120); do
  if replica_answers && replica_in_recovery; then
    ready=true
    break
  fi
  sleep 0.25
done
if ! $ready; then
  cleanup_on_failure
  die "the standby did not come up in recovery on 127.0.0.1:$REPLICA_PORT within 30 s"
fi

# Streaming, not just replaying what the backup brought.
ok=false
for _ in $(seq 1 120); do
  if streaming; then
    ok=true
    break
  fi
  sleep 0.25
done
if ! $ok; then
  cleanup_on_failure
  die "the standby started but does not stream from the primary"
fi
echo "replica.sh: standby ready on 127.0.0.1:$REPLICA_PORT, streaming from $PRIMARY_HOST:$PRIMARY_PORT"
