#!/usr/bin/env bash
# make bench: pgboot against its peers on one machine, side by side.
#
# Installs what is missing (Debian packages through scripts/install-deps.sh,
# the npm peers into bench/work/npm), builds ./pgboot (and uses
# build/static/pgboot when it exists; PGBOOT_BENCH_STATIC=1 builds it first),
# starts its own PostgreSQL in bench/work/pg, runs bench/run.py, then writes
# bench/results/latest.json and a dated copy, bench/results/chart.svg and .png,
# and docs/bench.md.
#
# Sizes (defaults sized for about 13 minutes on 2 idle cores; more on a shared machine):
#   PGBOOT_BENCH_REPS=30                 up-to-date start runs per tool
#   PGBOOT_BENCH_MIGRATIONS=1000         fresh-apply size
#   PGBOOT_BENCH_UPTODATE_MIGRATIONS=300
#   PGBOOT_BENCH_APPLY_REPS=5            fresh 1,000 runs per tool (after one untimed warm-up)
#   PGBOOT_BENCH_MORSE_REPS=5            fresh MORSE runs per tool
#   PGBOOT_BENCH_SLOW_REPS=1             sqitch and psql-loop runs on the 1,000 migrations
#   PGBOOT_BENCH_READY_REPS=5            readiness runs per tool (a server restart each)
#   PGBOOT_BENCH_STAMPEDE=32,64          stampede sizes (1 is always measured too)
#   PGBOOT_BENCH_STAMPEDE_REPS=2
#   PGBOOT_BENCH_RT_MIGRATIONS=100       round-trip counting: N and 2N migrations
#   PGBOOT_BENCH_PEERS=dbmate,psql,node-pg-migrate,sqitch
#   PGBOOT_BENCH_ROWS_MIGRATION=3000000  rows a migration's SELECT returns (peak RSS, scenario rows)
#   PGBOOT_BENCH_ROWS_CHECK=1000000      violations a check returns (the same)
#   PGBOOT_BENCH_ROLLBACK_MIGRATIONS=300 rollback: migrations (with down parts) rolled back
#   PGBOOT_BENCH_ROLLBACK_REPS=3         rollback runs per tool (each after an untimed apply)
#   PGBOOT_BENCH_LATENCY_MIGRATIONS=300  latency: fresh-apply size through the delaying proxy
#   PGBOOT_BENCH_LATENCY_APPLY_REPS=5    latency: fresh runs per tool
#   PGBOOT_BENCH_LATENCY_REPS=20         latency: up-to-date start runs per tool
#   PGBOOT_BENCH_LATENCY_DELAY_MS=0.5    latency: delay each way (0.5: a database ~1 ms away)
#   PGBOOT_BENCH_LATENCY_SIZES=300,1000  latency: fresh-apply sizes, pgboot batched / --no-batch / dbmate
#                                        through the proxy, pgboot both ways on loopback
#   PGBOOT_BENCH_LINT_REPS=10            lint: `pgboot lint` runs per build, --offline and online, MORSE's files
#   PGBOOT_BENCH_LINT_APPLY_REPS=5       lint: fresh MORSE applies per build, --lint off and --lint warn
#   PGBOOT_BENCH_LINT_CORPUS_REPS=3      lint: runs over PostgreSQL's regression SQL, per build (measured only
#                                        when scripts/regress-corpus.sh has fetched it)
#   PGBOOT_BENCH_REGRESS_CORPUS=DIR      lint: that corpus's directory [default: build/regress-corpus/sql]
#   PGBOOT_BENCH_SCENARIOS=size,rows,roundtrips,uptodate,fresh,readiness,stampede,rollback,latency,lint
#   PGBOOT_BENCH_PSQL_WAIT_INTERVAL=1    the psql peer's pg_isready interval, seconds
#   PGBOOT_BENCH_PORT=32600              the server's loopback port
# A longer run: PGBOOT_BENCH_REPS=50 PGBOOT_BENCH_APPLY_REPS=10 make bench
#
# Usage: scripts/bench.sh [--report]
# Only with --report: re-render the chart and docs/bench.md from latest.json.
# --help (-h) prints this and changes nothing.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
case "${1:-}" in --report | "") [ $# -le 1 ] || { echo "bench.sh: unexpected argument \"$2\" (try --help)" >&2; exit 2; } ;;
*) echo "bench.sh: unknown argument \"$1\" (try --help)" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$root/bench/work
results=$root/bench/results
port=${PGBOOT_BENCH_PORT:-32600}
t0=$(date +%s)

say() { echo "bench: $*" >&2; }

render() {
	python3 bench/report.py --json "$results/latest.json" --chart-data "$work/chart.dat" \
		--doc docs/bench.md
	for fmt in svg png; do
		gnuplot -e "datafile='$work/chart.dat'; outfile='$results/chart.$fmt'; fmt='$fmt'" bench/chart.gp
	done
	say "wrote $results/chart.svg, $results/chart.png and docs/bench.md"
}

if [ "${1:-}" = "--report" ]; then
	render
	exit 0
fi

scripts/install-deps.sh build bench

# npm comes with NodeSource's nodejs, and as its own package with Debian's
if ! command -v npm >/dev/null; then
	[ "$(id -u)" -eq 0 ] || { say "npm is missing (apt-get install npm)"; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# the npm peers, pinned in bench/peers/package.json, installed locally;
# node-pg-migrate 9 needs node >= 20.11, so an older node (Debian 12 has 18) gets 7.9.1
mkdir -p "$work/npm"
want=$(cat bench/peers/package.json)
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=11)?0:1)'; then
	want=$(printf '%s\n' "$want" | sed 's/"node-pg-migrate": "[^"]*"/"node-pg-migrate": "7.9.1"/')
fi
if [ "$want" != "$(cat "$work/npm/package.json" 2>/dev/null)" ] || [ ! -d "$work/npm/node_modules" ]; then
	say "installing dbmate, node-pg-migrate and pg from npm into bench/work/npm"
	printf '%s\n' "$want" >"$work/npm/package.json"
	rm -rf "$work/npm/node_modules" "$work/npm/package-lock.json"
	(cd "$work/npm" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

make -s pgboot >/dev/null
if [ "${PGBOOT_BENCH_STATIC:-0}" = 1 ]; then
	make -s static
fi
static=""
[ -x build/static/pgboot ] && static=$root/build/static/pgboot
[ -n "$static" ] || say "build/static/pgboot not built: the static binary is left out (PGBOOT_BENCH_STATIC=1 builds it)"
cc -O2 -o "$work/stamp" bench/stamp.c

# stop the benchmark's server and any process left behind, whatever happens
cleanup() {
	local rc=$?
	if [ -f "$work/pg/data/postmaster.pid" ]; then
		scripts/pgtmp.sh stop "$work/pg" fast || scripts/pgtmp.sh stop "$work/pg" immediate || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# a fresh server each run: nothing left from an earlier one
if [ -f "$work/pg/data/postmaster.pid" ]; then
	scripts/pgtmp.sh stop "$work/pg" immediate || true
fi
rm -rf "$work/pg" "$work/sets"
scripts/pgtmp.sh start "$work/pg" "$port"

mkdir -p "$results"
python3 bench/run.py --out "$results/latest.json" --pgboot "$root/pgboot" ${static:+--pgboot-static "$static"}
cp "$results/latest.json" "$results/$(date -u +%Y-%m-%d).json"
render
say "done in $(($(date +%s) - t0)) s"
