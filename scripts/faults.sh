#!/usr/bin/env bash
# pgboot's fault-injection suite (tests/faults, issue 5's scenarios 1-7) and the
# bad-input suite (tests/badinput, scenario 8), against a throwaway PostgreSQL 15
# of their own. Ends with exactly one line "faults: N passed, N failed".
#
#   scripts/faults.sh [--faults-only|--badinput-only] [-k PATTERN]... [--bin PATH] [--keep]
#
# Sizes (environment): a long soak is one command, e.g.
#   PGBOOT_FAULTS_KILLS=1000 PGBOOT_FAULTS_PROCS=128 scripts/faults.sh --faults-only -k kill9
#   PGBOOT_FAULTS_SEED       seed of the random choices (printed by every seeded test)
#   PGBOOT_FAULTS_KILLS      kill -9 points (default 100)
#   PGBOOT_FAULTS_PROCS      stampede processes (default 64)
#   PGBOOT_FAULTS_MIGRATIONS stampede migrations (default 200)
#   PGBOOT_FAULTS_POOLED     concurrent runs through PgBouncer (default 16)
#   PGBOOT_FAULTS_ROLLBACK_KILLS kill -9 points of the rollback scenario (default 3)
# Needs PostgreSQL 15, pgbouncer and util-linux's unshare (scripts/install-deps.sh test);
# scenario 6 needs root or unprivileged user namespaces.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

suites=(faults badinput)
kargs=()
bin="$root/pgboot"
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--faults-only) suites=(faults) ;;
	--badinput-only) suites=(badinput) ;;
	-k) [ $# -ge 2 ] || { echo "faults.sh: -k needs a pattern" >&2; exit 2; }
		kargs+=(-k "$2"); shift ;;
	--bin) [ $# -ge 2 ] || { echo "faults.sh: --bin needs a path" >&2; exit 2; }
		bin=$2; shift ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "faults.sh: unknown option \"$1\" (try --help)" >&2; exit 2 ;;
	esac
	shift
done

. scripts/lib/suite.sh
suite_begin faults

finish() {
	echo "faults: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

start=$(date +%s)
if [ "$bin" = "$root/pgboot" ] && ! make -j2 pgboot >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	failed=1
	finish
fi
# a snapshot: a rebuild in the working tree must not swap the binary mid-run
mkdir -p "$work/bin"
chmod 755 "$work/bin"
cp "$bin" "$work/bin/pgboot" || { failed=1; finish; }

if ! suite_server 27500-28999; then
	echo "faults.sh: could not start the test server" >&2
	failed=1
	finish
fi
echo "== server in $pgdir on port $port; seed ${PGBOOT_FAULTS_SEED:-(time-based, printed by each test)}"

for s in "${suites[@]}"; do
	log="$work/$s.log"
	echo "== $s"
	python3 tests/faults/run.py --server-dir "$pgdir" --bin "$work/bin/pgboot" --dir "tests/$s" --label "$s" \
		${kargs[@]+"${kargs[@]}"} $([ "$keep" -eq 1 ] && echo --keep) </dev/null 2>&1 | tee "$log"
	add_counts "$s" "$log"
done
echo "   (took $(( $(date +%s) - start ))s)"
finish
