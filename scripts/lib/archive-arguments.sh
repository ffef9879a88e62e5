# Sourced by backup.sh and restore.sh. The caller defines usage() first, then calls
# require_file_and_database_url with its name (for messages) and its own arguments.

# Exits 0 after printing usage for -h/--help, 2 when FILE or DATABASE_URL is missing.
require_file_and_database_url() {
	local name=$1
	shift
	case "${1:-}" in
		-h | --help) usage; exit 0 ;;
		'') usage >&2; exit 2 ;;
	esac
	if [ -z "${DATABASE_URL:-}" ]; then
		echo "$name: DATABASE_URL is not set" >&2
		usage >&2
		exit 2
	fi
}
