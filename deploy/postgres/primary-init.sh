#!/usr/bin/env bash
# Runs once, when the official postgres image initialises an empty data directory
# (mounted into /docker-entrypoint-initdb.d/). It prepares the primary for the streaming
# replica: a replication role, a physical slot so the primary keeps the WAL the replica
# still needs, and a pg_hba.conf line that lets that role connect for replication (the
# image's own "host all all all" line does not cover the replication pseudo-database).
# It also creates agent_fleet_app, the role the agents connect as; its privileges come
# from deploy/postgres/app-role.sql, which the image runs next (20-app-role.sql).
#
# The entrypoint executes this file when it is executable and sources it otherwise; the
# entrypoint already runs with `set -Eeo pipefail`, so setting -e and pipefail here is
# harmless when sourced (and -u, which would be harmful there, is left alone).
#
# wal_level, max_wal_senders and max_slot_wal_keep_size are server settings: they are
# passed as `-c` options on the primary's command line in docker-compose.yml.

set -eo pipefail

: "${POSTGRES_REPLICATION_USER:=replicator}"
: "${POSTGRES_REPLICATION_SLOT:=replica_1}"
for required in POSTGRES_REPLICATION_PASSWORD POSTGRES_APP_PASSWORD; do
	if [ -z "${!required:-}" ]; then
		echo >&2 "primary-init: ${required} must be set"
		exit 1
	fi
done

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	--set user="$POSTGRES_REPLICATION_USER" \
	--set password="$POSTGRES_REPLICATION_PASSWORD" \
	--set slot="$POSTGRES_REPLICATION_SLOT" \
	--set app_password="$POSTGRES_APP_PASSWORD" <<-'EOSQL'
	CREATE ROLE :"user" WITH REPLICATION LOGIN PASSWORD :'password';
	SELECT pg_create_physical_replication_slot(:'slot');
	CREATE ROLE agent_fleet_app WITH LOGIN PASSWORD :'app_password';
EOSQL

echo "host replication ${POSTGRES_REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
