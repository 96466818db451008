#!/usr/bin/env bash
# The lint oracle: pgboot's lint compared with Squawk's (docs/lint.md) over
# tests/lint/corpus/unsafe (strict: a statement Squawk flags for a rule both
# have, or that an "-- expect:" line names, must be flagged by pgboot too,
# unless tests/lint/disagreements.txt says why not), tests/lint/corpus/safe,
# the MORSE migrations (migrations/), the examples' migrations and
# PostgreSQL 15's regression SQL files (scripts/regress-corpus.sh).
#
#   tests/lint/run.sh [BINARY...]    default: ./pgboot, and build/static/pgboot
#                                    when it exists
#
# Squawk is squawk-cli, pinned in tests/npm-tools (scripts/install-deps.sh
# npmtools puts it in build/npm-tools). Prints the comparison table, the
# differences, an "ok"/"not ok" line per check and "N passed, N failed";
# exits non-zero on a failure. About 20 s.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
for a in "$@"; do case "$a" in -*) echo "run.sh: unknown option \"$a\" (try --help)" >&2; exit 2 ;; esac; done

cd "$(dirname "$0")/../.."
bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then
	bins=(./pgboot)
	[ -x build/static/pgboot ] && bins+=(build/static/pgboot)
fi
for b in "${bins[@]}"; do
	[ -x "$b" ] || { echo "run.sh: no pgboot binary \"$b\" (make)" >&2; exit 2; }
done

scripts/install-deps.sh npmtools >&2
# the native binary itself, not npm's node wrapper (a timed-out wrapper would leave it running)
squawk=$(node -e 'console.log(require(process.argv[1]).getBinaryPath())' "$PWD/build/npm-tools/node_modules/squawk-cli/js/index.js")
mkdir -p build
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Iinclude -o build/split_dump tests/psql_equiv/split_dump.c \
	src/sqlsplit.c src/rules/stmt.c src/error.c src/xmem.c src/strbuf.c src/utf8.c
regress=$(scripts/regress-corpus.sh)

pgargs=()
for b in "${bins[@]}"; do pgargs+=(--pgboot "$b"); done
exec python3 tests/lint/squawk_compare.py --squawk "$squawk" "${pgargs[@]}" --split-dump build/split_dump \
	--disagreements tests/lint/disagreements.txt --tap \
	--corpus unsafe=tests/lint/corpus/unsafe:strict \
	--corpus safe=tests/lint/corpus/safe \
	--corpus morse=migrations:project \
	--corpus kaiwa=examples/kaiwa/migrations:project \
	--corpus kaiwa-drizzle=examples/kaiwa-drizzle/drizzle:project \
	--corpus metrics=examples/metrics/migrations:project \
	--corpus stt=examples/stt/migrations:project \
	--corpus regress="$regress":partial
