#!/usr/bin/env bash
# Restores an archive written by scripts/backup.sh into the PostgreSQL database named by
# DATABASE_URL, replacing the objects it contains (pg_restore --clean --if-exists), in
# one transaction: on any error nothing changes.
#
# Redis is not restored: projections are rebuilt from the event log. After a restore they
# must be, because Redis may hold events the restored log no longer has.
set -euo pipefail

usage() {
	cat <<-'USAGE'
	usage: DATABASE_URL=postgres://user:password@host:5432/db scripts/restore.sh FILE [pg_restore options...]

	Restores FILE (a custom-format archive from scripts/backup.sh) into DATABASE_URL,
	dropping and recreating the objects it contains. Stop the agents first, and run
	`npm run projections:rebuild` afterwards.
	USAGE
}

source "$(dirname -- "${BASH_SOURCE[0]}")/lib/archive-arguments.sh"
require_file_and_database_url restore "$@"

file=$1
shift
if [ ! -r "$file" ]; then
	echo "restore: cannot read $file" >&2
	exit 2
fi
# Refuse anything that is not a pg_dump archive before touching the database.
pg_restore --list "$file" > /dev/null

pg_restore --dbname="$DATABASE_URL" --clean --if-exists --single-transaction "$@" "$file"
# The log's transaction ids come from the cluster that wrote them. Into a brand-new
# cluster, whose counter is far lower, the log clock moves past them, so that gap-safe
# readers see the restored history and new events sort after it (docs/adr/0008).
offset=$(psql --dbname="$DATABASE_URL" --no-psqlrc --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 \
	--command='SELECT log_clock_realign()')
echo "restore: restored $file (log clock offset $offset); now rebuild the projections (npm run projections:rebuild)"
