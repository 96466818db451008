#!/usr/bin/env bash
# The cross-built aarch64 binary, run for real: the integration suite's core
# cases on it under qemu-user, against a throwaway PostgreSQL 15 like
# scripts/test.sh's. No binfmt_misc: each run goes through an explicit wrapper,
# `exec qemu-aarch64 BINARY "$@"`, given to tests/integration/run.py as --bin.
# qemu-user forwards signals to the emulated program and passes its execve()
# of the app to the kernel, so `run` still execs the (native) app in place.
#
#   tests/cross/run.sh [--build] [--keep] [-k PATTERN]... [BINARY]
#
#   BINARY      default build/static-aarch64/pgboot (`make static ARCH=aarch64`;
#               build/static/pgboot on an aarch64 machine)
#   --build     build it first (make static ARCH=aarch64; the dependencies are
#               cached in build/static-deps-aarch64)
#   -k PATTERN  run these integration tests ("file::name" contains PATTERN)
#               instead of the core list below
#   --keep      keep the server dir and the databases of failed tests
#
# Prints "ok - ..." / "not ok - ..." per check, the integration runner's lines,
# and ends with "N passed, N failed". Environment: PGBOOT_QEMU (default
# qemu-aarch64), PGBOOT_CROSS_TIMEOUT (a test's time limit, default 180 s).
# shellcheck disable=SC2154 # work and pgdir are set by scripts/lib/suite.sh
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)

# The core lifecycle, kept lean (CI's time): migrate, the up-to-date start,
# a failing migration, drift, run's exec of the app, status, verify, plain and
# TLS connections with SCRAM, the lock between concurrent starts, signals.
CORE=(
	test_migrate.py::test_fresh_database
	test_migrate.py::test_second_run_is_noop_without_lock
	test_migrate.py::test_failing_migration_rolls_back
	test_migrate.py::test_edited_applied_file_stops_with_5
	test_migrate.py::test_migration_with_dollar_quotes_and_semicolons
	test_migrate.py::test_migrate_via_keyword_string_over_socket
	test_run.py::test_run_execs_app_after_migrating
	test_run.py::test_app_exit_code_is_pgboots
	test_run.py::test_app_environment_scrubbed
	test_run.py::test_failed_migration_stops_app
	test_run.py::test_termination_log_on_failure
	test_status.py::test_status_text
	test_status.py::test_status_json
	test_status.py::test_verify_command
	test_verify.py::test_each_check_judged_alone
	test_wait.py::test_closed_port_waits_then_69
	test_wait.py::test_wrong_password_77_at_once
	test_tls_keys.py::test_good_keys_connect
	test_concurrency.py::test_two_at_once
	test_concurrency.py::test_lock_held_by_session_gives_75
	test_concurrency.py::test_lock_wait_then_success
	test_signals.py::test_sigterm_while_waiting
	test_signals.py::test_sigterm_during_migration
	test_signals.py::test_sigterm_while_waiting_for_lock
)

build=0
keep=0
bin=
pats=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=1 ;;
	--keep) keep=1 ;;
	-k) [ $# -ge 2 ] || { echo "cross: -k needs a pattern" >&2; exit 2; }
		pats+=("$2"); shift ;;
	-h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	-*) echo "cross: unknown option \"$1\" (try --help)" >&2; exit 2 ;;
	*) bin=$1 ;;
	esac
	shift
done
[ ${#pats[@]} -gt 0 ] || pats=("${CORE[@]}")
# On an aarch64 machine, `make static ARCH=aarch64` is the native build/static.
native=$root/build/static-aarch64/pgboot
[ "$(uname -m)" != aarch64 ] || native=$root/build/static/pgboot
bin=${bin:-$native}
qemu=${PGBOOT_QEMU:-qemu-aarch64}

. scripts/lib/suite.sh
suite_begin cross

ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }
finish() {
	echo "# cross(aarch64) took $(($(date +%s) - t0))s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
t0=$(date +%s)

scripts/install-deps.sh test qemu </dev/null

if [ "$build" = 1 ]; then
	tb=$(date +%s)
	if make static ARCH=aarch64 </dev/null; then
		ok "make static ARCH=aarch64 ($(($(date +%s) - tb))s)"
	else
		notok "make static ARCH=aarch64"
		finish
	fi
fi

# The binary is what it claims: an aarch64 executable with nothing to load.
info=$(file -b "$bin" 2>&1 || true)
case "$info" in
*"ARM aarch64"*"statically linked"*) ok "$bin is a static aarch64 executable ($(stat -c %s "$bin") bytes)" ;;
*) notok "$bin is a static aarch64 executable: file says: $info"; finish ;;
esac

# The wrapper the tests run; a snapshot of the binary, as scripts/test.sh does.
mkdir -p "$work/bin"
chmod 755 "$work" "$work/bin"
cp "$bin" "$work/bin/pgboot-aarch64"
qpath=$(command -v "$qemu") || { notok "$qemu is installed (Debian package qemu-user)"; finish; }
wrapper=$work/bin/pgboot
printf '#!/bin/sh\nexec %s %s "$@"\n' "$qpath" "$work/bin/pgboot-aarch64" >"$wrapper"
chmod 755 "$wrapper"

# It runs under qemu and says which version it is (no server needed).
if v=$("$wrapper" version 2>&1) && [ -n "$v" ]; then
	ok "qemu-aarch64 runs it: $(echo "$v" | head -n 1)"
else
	notok "qemu-aarch64 runs it: $v"
	finish
fi

if ! suite_server 23000-23999; then
	notok "the test server starts"
	finish
fi

log=$work/integration.log
kargs=()
for p in "${pats[@]}"; do kargs+=(-k "$p"); done
[ "$keep" -eq 0 ] || kargs+=(--keep)
python3 tests/integration/run.py --server-dir "$pgdir" --bin "$wrapper" --label aarch64-qemu \
	--timeout "${PGBOOT_CROSS_TIMEOUT:-180}" "${kargs[@]}" \
	</dev/null 2>&1 | tee "$log" || true
# Every pattern must have run a test: a renamed test must not shrink the list unseen.
unmatched=()
for p in "${pats[@]}"; do
	grep -E '^(ok|not ok) - ' "$log" | grep -iF -- "$p" >/dev/null || unmatched+=("$p")
done
if [ ${#unmatched[@]} -eq 0 ]; then
	ok "every one of the ${#pats[@]} patterns ran a test"
else
	notok "every pattern ran a test: none for ${unmatched[*]}"
fi
add_counts "integration(aarch64-qemu)" "$log"
finish
