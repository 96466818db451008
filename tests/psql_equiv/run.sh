#!/usr/bin/env bash
# The psql equivalence test: the lexer's statements equal the queries psql
# itself sends, on PostgreSQL 15's regression SQL files and our own tricky
# cases (tests/psql_equiv/cases/). See compare.py for what "equal" means and
# exceptions.txt for the files excused, with reasons.
#
#   tests/psql_equiv/run.sh [FILE.sql...]    (default: the whole corpus)
#
# Needs psql (postgresql-client-15), python3 and cc; fetches the corpus with
# scripts/regress-corpus.sh. No PostgreSQL server: psql talks to fakepg.py.
# Ends with "N passed, N failed"; exits non-zero on a failure.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
for a in "$@"; do case "$a" in -*) echo "run.sh: unknown option \"$a\" (try --help)" >&2; exit 2 ;; esac; done

cd "$(dirname "$0")/../.."
mkdir -p build
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
	-Wvla -Iinclude -o build/split_dump tests/psql_equiv/split_dump.c src/sqlsplit.c src/rules/stmt.c src/error.c src/xmem.c \
	src/strbuf.c src/utf8.c

if [ $# -gt 0 ]; then
	files=("$@")
else
	corpus=$(scripts/regress-corpus.sh)
	files=("$corpus"/*.sql tests/psql_equiv/cases/*.sql)
fi

sock=$(mktemp -d /tmp/pgboot-psql-equiv.XXXXXX)
port=55500
python3 tests/psql_equiv/fakepg.py "$sock" "$port" >"$sock/fakepg.out" 2>&1 &
fake=$!
trap 'kill "$fake" 2>/dev/null; wait "$fake" 2>/dev/null || true; rm -rf "$sock"' EXIT
for _ in $(seq 50); do
	grep -q ready "$sock/fakepg.out" 2>/dev/null && break
	sleep 0.1
done

rc=0
python3 tests/psql_equiv/compare.py --dump build/split_dump --host "$sock" --port "$port" \
	--jobs "$(nproc)" --exceptions tests/psql_equiv/exceptions.txt "${files[@]}" || rc=$?
exit $rc
