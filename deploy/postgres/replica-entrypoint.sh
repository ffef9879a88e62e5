#!/usr/bin/env bash
# Entrypoint of the postgres-replica service (official postgres image). On the first
# start, while the data directory is empty, it waits for the primary and clones it with
# `pg_basebackup -R`, which also writes standby.signal and primary_conninfo (and, with
# -S, primary_slot_name). Then it hands over to the image's own docker-entrypoint.sh,
# which finds an initialised directory, skips initdb, drops to the postgres user and
# starts the server as a hot standby that streams from the primary.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:=postgres-primary}"
: "${PRIMARY_PORT:=5432}"
: "${POSTGRES_REPLICATION_USER:=replicator}"
: "${POSTGRES_REPLICATION_SLOT:=replica_1}"
: "${POSTGRES_REPLICATION_PASSWORD:?POSTGRES_REPLICATION_PASSWORD must be set}"
: "${PRIMARY_WAIT_SECONDS:=120}"

as_postgres() {
	if [ "$(id -u)" = 0 ]; then
		gosu postgres "$@"
	else
		"$@"
	fi
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	waited=0
	until pg_isready --quiet --host "$PRIMARY_HOST" --port "$PRIMARY_PORT"; do
		if [ "$waited" -ge "$PRIMARY_WAIT_SECONDS" ]; then
			echo >&2 "replica: primary ${PRIMARY_HOST}:${PRIMARY_PORT} not ready after ${waited}s"
			exit 1
		fi
		echo "replica: waiting for primary ${PRIMARY_HOST}:${PRIMARY_PORT}"
		sleep 2
		waited=$((waited + 2))
	done

	mkdir -p "$PGDATA"
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$PGDATA"
	fi
	chmod 0700 "$PGDATA"

	echo "replica: cloning ${PRIMARY_HOST}:${PRIMARY_PORT} into ${PGDATA}"
	# pg_basebackup removes what it wrote if it fails, so a failed clone is retried on
	# the next start instead of leaving a half-copied directory behind.
	PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD" as_postgres pg_basebackup \
		--host "$PRIMARY_HOST" --port "$PRIMARY_PORT" \
		--username "$POSTGRES_REPLICATION_USER" --no-password \
		--pgdata "$PGDATA" \
		--wal-method stream --slot "$POSTGRES_REPLICATION_SLOT" \
		--checkpoint fast --write-recovery-conf
	echo "replica: clone complete"
fi

# The password was only for the clone; primary_conninfo written by -R carries its own.
unset POSTGRES_REPLICATION_PASSWORD
exec docker-entrypoint.sh "$@"
