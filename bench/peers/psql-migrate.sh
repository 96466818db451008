#!/bin/sh
# The hand-written entrypoint pgboot replaces, as an init_database.sh would do
# it: wait with a pg_isready loop, then one `psql -1 -v ON_ERROR_STOP=1 -f` per
# file not yet in a hand-made history table, each file and its history row in
# one transaction. Benchmark peer; not part of pgboot.
#
#   DATABASE_URL=postgres://... psql-migrate.sh MIGRATIONS_DIR
#
# PSQL_WAIT_INTERVAL  seconds between pg_isready attempts (default 1, the
#                     `sleep 1` of the scripts this stands for)
# PSQL_WAIT_TRIES     attempts before giving up (default 60)
set -eu

: "${DATABASE_URL:?DATABASE_URL is not set}"
dir=${1:-migrations}
interval=${PSQL_WAIT_INTERVAL:-1}
tries=${PSQL_WAIT_TRIES:-60}

i=0
until pg_isready -q -d "$DATABASE_URL"; do
	i=$((i + 1))
	if [ "$i" -ge "$tries" ]; then
		echo "psql-migrate: database not ready after $tries attempts" >&2
		exit 1
	fi
	sleep "$interval"
done

psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "SET client_min_messages = warning" \
	-c "CREATE TABLE IF NOT EXISTS schema_history (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
applied=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "SELECT version FROM schema_history")

for f in "$dir"/*.sql; do
	[ -e "$f" ] || continue
	v=$(basename "$f" .sql)
	v=${v%%_*}
	if printf '%s\n' "$applied" | grep -qx "$v"; then
		continue
	fi
	psql -X -q -1 -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f "$f" \
		-c "INSERT INTO schema_history (version) VALUES ('$v')" >/dev/null
done
