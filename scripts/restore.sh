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

case "${1:-}" in
	-h | --help) usage; exit 0 ;;
	'') usage >&2; exit 2 ;;
esac
if [ -z "${DATABASE_URL:-}" ]; then
	echo 'restore: DATABASE_URL is not set' >&2
	usage >&2
	exit 2
fi

file=$1
shift
if [ ! -r "$file" ]; then
	echo "restore: cannot read $file" >&2
	exit 2
fi
# Refuse anything that is not a pg_dump archive before touching the database.
pg_restore --list "$file" > /dev/null

pg_restore --dbname="$DATABASE_URL" --clean --if-exists --single-transaction "$@" "$file"
echo "restore: restored $file; now rebuild the projections (npm run projections:rebuild)"
