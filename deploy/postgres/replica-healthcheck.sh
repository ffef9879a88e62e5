#!/usr/bin/env bash
# Health check of the postgres-replica service (docker-compose.yml): healthy only while
# the server accepts connections and its WAL receiver is streaming from the primary.
# pg_isready alone stays healthy on a replica that will never catch up, e.g. one whose
# slot the primary invalidated (max_slot_wal_keep_size) or whose primary is gone: its WAL
# receiver fails and restarts, never `streaming`. docs/deployment.md says how to re-seed.
set -euo pipefail

: "${PGHOST:=127.0.0.1}"
: "${PGPORT:=5432}"
: "${PGUSER:=agent_fleet}"
: "${PGDATABASE:=agent_fleet}"
export PGHOST PGPORT PGUSER PGDATABASE

pg_isready --quiet
status=$(psql --no-psqlrc --quiet --tuples-only --no-align --command 'SELECT status FROM pg_stat_wal_receiver')
if [ "$status" != streaming ]; then
	echo "replica: WAL receiver is ${status:-not running}, not streaming from the primary" >&2
	exit 1
fi
