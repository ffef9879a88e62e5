#!/usr/bin/env bash
# Backs up the PostgreSQL primary named by DATABASE_URL: one pg_dump archive in custom
# format (compressed, restorable with scripts/restore.sh).
#
# Redis needs no backup: its projections are rebuilt from the event log in PostgreSQL
# (`npm run projections:rebuild`).
set -euo pipefail

usage() {
	cat <<-'USAGE'
	usage: DATABASE_URL=postgres://user:password@host:5432/db scripts/backup.sh FILE [pg_dump options...]

	Writes a custom-format pg_dump archive of DATABASE_URL to FILE. The archive appears
	only when the dump succeeded. pg_dump must be of the server's major version or newer.
	USAGE
}

source "$(dirname -- "${BASH_SOURCE[0]}")/lib/archive-arguments.sh"
require_file_and_database_url backup "$@"

file=$1
shift
partial="${file}.partial"
trap 'rm -f -- "$partial"' EXIT

pg_dump --dbname="$DATABASE_URL" --format=custom --file="$partial" "$@"
mv -- "$partial" "$file"
echo "backup: wrote $file"
