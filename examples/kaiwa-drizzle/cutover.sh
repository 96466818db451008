#!/usr/bin/env bash
# Kaiwa's cut-over from drizzle to pgboot, as a deploy does it, against the
# database DATABASE_URL names (an empty one: the old image builds it first).
#
#   examples/kaiwa-drizzle/cutover.sh [PGBOOT]
#
# 1. The old image: the app ran drizzle's migrator at start (drizzle-orm's
#    migrate(db, {migrationsFolder: "./drizzle"})), on its folder, which
#    ends at 0022 (tests/npm-tools/drizzle-migrate.cjs stands in for the
#    app; drizzle-orm from build/npm-tools, scripts/install-deps.sh npmtools).
# 2. The new image: the same folder plus 0023_round_gateway; its entrypoint is
#    pgboot, the app's own migrate() call removed:
#        pgboot run --adopt --migrations drizzle --verify verify -- node server.js
#    The first start adopts drizzle's history (one transaction, under the
#    lock), applies 0023 and starts the app; every later start finds the
#    database up to date. drizzle's own table is left as it was, so an old
#    replica still running during the rollout keeps starting.
# Prints each step; exit status: the first step that failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pgboot=${1:-$root/pgboot}
: "${DATABASE_URL:?set DATABASE_URL to the database to build and cut over}"
tools=$root/build/npm-tools/node_modules
[ -d "$tools/drizzle-orm" ] || { echo "cutover: drizzle-orm is not in build/npm-tools (run scripts/install-deps.sh npmtools)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the old image's folder: the journal without its newest entry
mkdir -p "$work/old"
cp -r "$here/drizzle" "$work/old/drizzle"
newest=$(node -e 'const j=require(process.argv[1]); console.log(j.entries[j.entries.length-1].tag)' \
	"$here/drizzle/meta/_journal.json")
rm "$work/old/drizzle/$newest.sql"
node -e 'const fs=require("fs"), p=process.argv[1], j=JSON.parse(fs.readFileSync(p));
	j.entries.pop(); fs.writeFileSync(p, JSON.stringify(j, null, 2) + "\n")' "$work/old/drizzle/meta/_journal.json"

echo "cutover: 1. the old image starts: drizzle's migrator on drizzle/ up to the entry before $newest"
NODE_PATH=$tools node "$root/tests/npm-tools/drizzle-migrate.cjs" "$work/old/drizzle"

echo "cutover: 2. the new image starts: pgboot run --adopt --migrations drizzle --verify verify -- <the app>"
cd "$here"
"$pgboot" run --adopt --migrations drizzle --verify verify -- sh -c 'echo "kaiwa-app: started"'

echo "cutover: 3. the next start of the new image: nothing to adopt, nothing to apply"
"$pgboot" run --adopt --migrations drizzle --verify verify -- sh -c 'echo "kaiwa-app: started"'
