#!/usr/bin/env bash
# make demo: a throwaway PostgreSQL, the MORSE migrations, seeds and checks,
# and the demo app exec'd by pgboot. Everything lives in a temp dir that is
# removed at the end.
#
#   scripts/demo.sh            (no arguments; --help prints this)
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
[ $# -eq 0 ] || { echo "demo.sh: unknown argument \"$1\" (try --help)" >&2; exit 2; }
cd "$(dirname "$0")/.."

scripts/install-deps.sh build test
make -s -j2 pgboot

dir=$(mktemp -d /tmp/pgboot-demo.XXXXXX)
chmod 755 "$dir" # the server runs as postgres (or the caller) and must reach $dir/pg
port=${PGBOOT_DEMO_PORT:-$((29500 + RANDOM % 1500))}
cleanup() {
	scripts/pgtmp.sh stop "$dir/pg" immediate >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT

echo "demo: starting a throwaway PostgreSQL 15 on port $port ($dir)"
scripts/pgtmp.sh start "$dir/pg" "$port"
password=$(sed -n 's/^PGBOOT_TEST_PASSWORD=//p' "$dir/pg/env")
psql -X -q -h "$dir/pg/sock" -p "$port" -U postgres -d postgres -c 'CREATE DATABASE morse'

# The schema owner's URL is pgboot's; the app gets DATABASE_URL only.
export PGBOOT_DATABASE_URL="postgres://postgres:${password}@127.0.0.1:${port}/morse"
export DATABASE_URL="$PGBOOT_DATABASE_URL"
app=demo/app.sh
[ -x "$app" ] || app="sh -c 'echo demo app started'"

echo "demo: pgboot run --with-test-data -- $app"
echo
./pgboot run --with-test-data -- $app
echo
echo "demo: a second start is a no-op that takes no lock:"
./pgboot run --with-test-data -- true
echo
./pgboot status
echo
# the way back: the newest migration rolled back with the down part stored when it was
# applied, then applied again; the schema ends where it started
schema() { pg_dump -h "$dir/pg/sock" -p "$port" -U postgres --schema-only --no-owner morse |
	grep -v '^\\\(un\)\{0,1\}restrict ' ; }
before=$(schema)
echo "demo: pgboot rollback --steps 1 (the plan, then --confirm)"
./pgboot rollback --steps 1 || [ $? -eq 10 ]
./pgboot rollback --steps 1 --confirm
echo
echo "demo: pgboot migrate --with-test-data applies it again, and the seeds the rollback forgot"
./pgboot migrate --with-test-data
if [ "$(schema)" = "$before" ]; then
	echo "demo: the schema after rollback and migrate is identical to before"
else
	echo "demo: the schema differs after rollback and migrate" >&2
	exit 1
fi
