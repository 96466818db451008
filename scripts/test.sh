#!/usr/bin/env bash
# pgboot's test command ("make test"): installs what is missing, builds, runs
# the unit tests, starts one throwaway PostgreSQL 15 for the whole run, runs the
# integration suite against ./pgboot (and against build/static/pgboot when it
# exists or PGBOOT_TEST_STATIC=1), runs the deployment checks when present and the demo (make demo), and
# ends with exactly one line "N passed, N failed". Exit status 1 if anything failed.
#
#   scripts/test.sh [--integration-only] [-k PATTERN]... [--keep]
#
#   --integration-only  skip the dependency install of the build group and the unit tests
#   -k PATTERN          only the integration tests whose "file::name" contains PATTERN
#   --keep              keep the server dir and the databases of failed tests
#
# Environment: PGBOOT_TEST_STATIC=1 builds (make static) and tests the static binary too;
# PGBOOT_TEST_ALL=1 adds the fault, bad-input, memory-safety, fuzz, psql-equivalence and
# container (tests/containers/run.sh: the images and compose with podman, as root) suites
# and the aarch64 cross build with its core integration cases under qemu (tests/cross/run.sh),
# then make dist's artifacts installed with npm, pip, dpkg and tar and run (tests/dist/run.sh);
# CI=true makes the build warnings fatal (the Makefile's -Werror).
set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

integration_only=0
keep=0
kargs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--integration-only) integration_only=1 ;;
	-k) [ $# -ge 2 ] || { echo "test.sh: -k needs a pattern" >&2; exit 2; }
		kargs+=(-k "$2"); shift ;;
	-k*) kargs+=(-k "${1#-k}") ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test.sh: unknown option \"$1\" (try --help)" >&2; exit 2 ;;
	esac
	shift
done

. scripts/lib/suite.sh

# step_failed LABEL: a step that could not run counts as one failure
step_failed() {
	failed=$((failed + 1))
	summary+=("$1: FAILED")
}

finish() {
	echo
	echo "== summary"
	local s
	for s in "${summary[@]}"; do echo "   $s"; done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

start_time=$(date +%s)
suite_begin test

# ---- dependencies and build ---------------------------------------------------
echo "== dependencies"
if [ "$integration_only" -eq 1 ]; then deps=(test npmtools); else deps=(build test npmtools); fi
if ! scripts/install-deps.sh "${deps[@]}" </dev/null; then
	echo "test.sh: could not install the dependencies" >&2
	step_failed "install-deps"
	finish
fi

echo "== build"
if ! make -j2 pgboot; then
	step_failed "make"
	finish
fi

# ---- unit tests ---------------------------------------------------------------------
if [ "$integration_only" -eq 0 ]; then
	echo "== unit tests"
	make -j2 build/unit_tests >"$work/unit-build.log" 2>&1 || { cat "$work/unit-build.log"; }
	if [ -x build/unit_tests ] && make unit >"$work/unit.log" 2>&1; then
		tail -n 5 "$work/unit.log"
	else
		cat "$work/unit.log" 2>/dev/null
	fi
	if [ -f "$work/unit.log" ]; then add_counts unit "$work/unit.log"; else step_failed "unit build"; fi
fi

# ---- the server ---------------------------------------------------------------------
echo "== PostgreSQL"
if ! suite_server 24000-25999; then
	echo "test.sh: could not start the test server" >&2
	step_failed "test server"
	finish
fi
echo "   server in $pgdir on port $port"

run_suite() { # LABEL BINARY
	local label=$1 src=$2 log="$work/integration-$1.log" bin="$work/bin-$1/pgboot"
	# test a snapshot: a rebuild in the working tree during the run must not
	# swap the binary under the tests' feet
	mkdir -p "$work/bin-$label"
	chmod 755 "$work/bin-$label"
	if ! cp "$src" "$bin"; then
		step_failed "integration($label): copy $src"
		return
	fi
	echo "== integration tests ($label: $src)"
	python3 tests/integration/run.py --server-dir "$pgdir" --bin "$bin" --label "$label" \
		${kargs[@]+"${kargs[@]}"} $([ "$keep" -eq 1 ] && echo --keep) </dev/null 2>&1 | tee "$log"
	add_counts "integration($label)" "$log"
}

run_suite dynamic "$root/pgboot"

if [ "${PGBOOT_TEST_STATIC:-0}" = 1 ]; then
	echo "== static build"
	if ! make static </dev/null; then
		echo "test.sh: make static failed" >&2
		step_failed "make static"
	fi
fi
if [ -x build/static/pgboot ]; then
	newer=$(find src include -newer build/static/pgboot -name '*.[ch]' 2>/dev/null | head -n 3)
	[ -z "$newer" ] || echo "test.sh: note: build/static/pgboot is older than $(echo $newer) ...; \"make static\" (or PGBOOT_TEST_STATIC=1) rebuilds it" >&2
	run_suite static "$root/build/static/pgboot"
elif [ "${PGBOOT_TEST_STATIC:-0}" = 1 ]; then
	echo "test.sh: PGBOOT_TEST_STATIC=1 but build/static/pgboot was not built" >&2
	step_failed "static binary"
fi

# ---- deployment checks: the files, and the static binary in scratch-like roots ------
if [ "$integration_only" -eq 0 ] && [ ${#kargs[@]} -eq 0 ] && [ -f tests/deploy/run.sh ]; then
	echo "== deployment checks"
	bash tests/deploy/run.sh </dev/null >"$work/deploy.log" 2>&1
	tail -n 15 "$work/deploy.log"
	add_counts "deploy" "$work/deploy.log"
fi

# ---- the README's first command: the demo runs and execs its app ---------------------
if [ "$integration_only" -eq 0 ] && [ ${#kargs[@]} -eq 0 ]; then
	echo "== demo (make demo)"
	if bash scripts/demo.sh </dev/null >"$work/demo.log" 2>&1 && grep -q '^pgboot: verified: ' "$work/demo.log" &&
		grep -q '^morse-app: started' "$work/demo.log" &&
		grep -q '^demo: the schema after rollback and migrate is identical' "$work/demo.log"; then
		echo "ok - make demo: MORSE applied and verified, the app exec'd" | tee "$work/demo.result"
		echo "1 passed, 0 failed" >>"$work/demo.result"
	else
		tail -n 20 "$work/demo.log"
		echo "not ok - make demo" | tee "$work/demo.result"
		echo "0 passed, 1 failed" >>"$work/demo.result"
	fi
	add_counts "demo" "$work/demo.result"
fi

# ---- the long suites: CI runs them all (PGBOOT_TEST_ALL=1) -------------------------
# step LABEL COMMAND...: run a suite that prints its own "N passed, N failed"
step() {
	local label=$1 log="$work/$1.log" t0
	shift
	t0=$(date +%s)
	echo "== $label: $*"
	"$@" </dev/null >"$log" 2>&1
	step_report "$label" "$t0"
}
step_report() { # LABEL T0: the suite's failures, its last lines and its time
	local log="$work/$1.log"
	grep -E '^(not ok|FAIL)' "$log" | head -n 40
	tail -n 3 "$log"
	echo "   ($1 took $(( $(date +%s) - $2 ))s)"
	add_counts "$1" "$log"
}
# step_bg LABEL COMMAND...: start a suite in the background (step_wait LABEL reports it)
declare -A bg_pid bg_t0
step_bg() {
	local label=$1
	shift
	echo "== $label (in the background): $*"
	bg_t0[$label]=$(date +%s)
	"$@" </dev/null >"$work/$label.log" 2>&1 &
	bg_pid[$label]=$!
}
step_wait() {
	wait "${bg_pid[$1]}"
	echo "== $1 (from the background)"
	step_report "$1" "${bg_t0[$1]}"
}
if [ "${PGBOOT_TEST_ALL:-0}" = 1 ] && [ "$integration_only" -eq 0 ] && [ ${#kargs[@]} -eq 0 ]; then
	step faults scripts/faults.sh
	step memcheck-asan scripts/memcheck.sh --asan-only
	# valgrind is one process at a time, its timing-bound tests left out: it runs
	# beside the build-bound suites below (2 cores), which saves a quarter hour
	step_bg memcheck-valgrind scripts/memcheck.sh --valgrind-only
	step fuzz env PGBOOT_FUZZ_SECONDS="${PGBOOT_FUZZ_SECONDS:-45}" scripts/fuzz.sh
	step psql-equiv tests/psql_equiv/run.sh
	# the lint against Squawk over the unsafe/safe corpora, MORSE, the examples, the regression files
	step lint-oracle tests/lint/run.sh
	# the aarch64 cross build (its own cache) and its core cases under qemu-user
	step cross-aarch64 tests/cross/run.sh --build
	# make dist's npm packages, wheels, .debs and tarballs (both architectures, the
	# aarch64 binary just built), each installed as a user would and run
	step dist tests/dist/run.sh --arch x86_64 --arch aarch64
	# The images and docker-compose.yml built and run with podman (root only;
	# about 15 min on a fresh machine, a few with its cached base images).
	step containers tests/containers/run.sh
	step_wait memcheck-valgrind
fi

echo "   (took $(( $(date +%s) - start_time ))s)"
finish
