#!/usr/bin/env bash
# Memory safety (issue 5, scenario 9): the unit tests and a representative subset
# of the integration, fault and bad-input suites against pgboot built with
# AddressSanitizer + UBSan (make asan), then a subset under valgrind
# (--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite).
# A sanitizer or valgrind report anywhere counts as a failure, even when the test
# itself passed. Ends with exactly one line "memcheck: N passed, N failed".
#
#   scripts/memcheck.sh [--asan-only|--valgrind-only] [--keep]
#
# Environment: PGBOOT_MEMCHECK_ASAN_K / PGBOOT_MEMCHECK_VALGRIND_K: space-separated
# -k patterns that replace the default subsets.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

do_asan=1
do_vg=1
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--asan-only) do_vg=0 ;;
	--valgrind-only) do_asan=0 ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "memcheck.sh: unknown option \"$1\" (try --help)" >&2; exit 2 ;;
	esac
	shift
done

# Integration tests that are functional, not timing-bound (valgrind is ~30x slower); of
# rollback, a representative few under valgrind (every one of them runs under ASan)
ASAN_K=${PGBOOT_MEMCHECK_ASAN_K:-"test_migrate test_copy_stdin test_run test_stepwise test_txn_control test_status test_seeds test_files test_secrets test_concurrency test_signals test_cli test_logs test_rollback test_pg_dump test_verify test_layout_ test_layouts test_adopt test_baseline test_new test_repeatable test_lint test_batching test_lock_record test_progress"}
VG_K=${PGBOOT_MEMCHECK_VALGRIND_K:-"test_migrate test_stepwise test_txn_control test_status test_files test_cli test_pg_dump test_rollback_steps_n test_rollback_failing_down_part test_rollback_no_transaction_down_resumes test_rollback_to_files_older_image test_rollback_save_backup test_lint test_batch_failure_in_the_middle test_batch_lock_record_prepared test_batch_without_plpgsql test_batch_files_that_reset test_lock_record"}
FAULTS_ASAN_K="test_7_connloss test_4_blocked test_5_pgbouncer::test_transaction_mode_all test_3_restart::test_restart_during"

. scripts/lib/suite.sh
suite_begin memcheck

finish() {
	echo
	echo "== summary"
	local s
	for s in "${summary[@]}"; do echo "   $s"; done
	echo "   (took $(( $(date +%s) - start ))s)"
	echo "memcheck: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

# reports LABEL DIR: every non-empty report file in DIR is one failure
reports() {
	local label=$1 dir=$2 n=0 r
	for r in "$dir"/*; do
		[ -s "$r" ] || continue
		n=$((n + 1))
		echo "---- $label report $r"
		head -n 60 "$r"
	done
	if [ "$n" -gt 0 ]; then
		failed=$((failed + n)); summary+=("$label: $n sanitizer/valgrind report(s)")
	else
		passed=$((passed + 1)); summary+=("$label: no reports")
	fi
}

kflags() { local k; for k in $1; do printf -- '-k\n%s\n' "$k"; done; }

# Timing-bound tests that a ~30x slower valgrind run cannot meet (not memory errors)
VG_EXCLUDE=${PGBOOT_MEMCHECK_VALGRIND_EXCLUDE:-"test_second_run_is_noop_without_lock|_at_once|_quickly|timing|concurrently|waits_for|kill9|sigterm"}

# vg_kflags: one -k per integration test of the valgrind subset, minus the excluded ones
vg_kflags() {
	local k re=""
	for k in $VG_K; do re="$re${re:+|}$k"; done
	python3 tests/integration/run.py --list | grep -E "$re" | grep -vE "$VG_EXCLUDE" |
		while read -r t; do printf -- '-k\n%s\n' "$t"; done
}

start=$(date +%s)
if [ "$do_asan" -eq 1 ]; then
	echo "== make asan"
	if ! make asan >"$work/asan-build.log" 2>&1; then
		cat "$work/asan-build.log"
		failed=$((failed + 1)); summary+=("make asan: FAILED")
		do_asan=0
	fi
fi

if ! suite_server 26000-27499; then
	echo "memcheck.sh: could not start the test server" >&2
	failed=$((failed + 1))
	finish
fi

if [ "$do_asan" -eq 1 ]; then
	mkdir -p "$work/asan-reports" "$work/bin"
	chmod 777 "$work/asan-reports"
	chmod 755 "$work/bin"
	cp build/asan/pgboot "$work/bin/pgboot-asan"
	opts="detect_leaks=1:abort_on_error=0:exitcode=99:log_path=$work/asan-reports/asan"
	uopts="print_stacktrace=1:halt_on_error=1:log_path=$work/asan-reports/ubsan"
	# the harness scrubs the environment: the options travel in a wrapper used as the binary
	printf '#!/bin/sh\nASAN_OPTIONS=%s UBSAN_OPTIONS=%s exec %s "$@"\n' "$opts" "$uopts" "$work/bin/pgboot-asan" >"$work/bin/asan-wrapper"
	chmod 755 "$work/bin/asan-wrapper"

	echo "== unit tests (ASan + UBSan)"
	ASAN_OPTIONS="$opts" UBSAN_OPTIONS="$uopts" build/asan/unit_tests >"$work/unit-asan.log" 2>&1
	tail -n 3 "$work/unit-asan.log"
	add_counts "unit(asan)" "$work/unit-asan.log"

	echo "== integration subset (ASan + UBSan)"
	mapfile -t ks < <(kflags "$ASAN_K")
	python3 tests/integration/run.py --server-dir "$pgdir" --bin "$work/bin/asan-wrapper" --label asan \
		"${ks[@]}" </dev/null >"$work/it-asan.log" 2>&1
	grep -E '^(not ok|integration)' "$work/it-asan.log"
	add_counts "integration(asan)" "$work/it-asan.log"

	echo "== bad input + fault subset (ASan + UBSan)"
	python3 tests/faults/run.py --server-dir "$pgdir" --bin "$work/bin/asan-wrapper" --dir tests/badinput \
		--label "badinput(asan)" </dev/null >"$work/bad-asan.log" 2>&1
	grep -E '^(not ok|badinput)' "$work/bad-asan.log"
	add_counts "badinput(asan)" "$work/bad-asan.log"
	mapfile -t ks < <(kflags "$FAULTS_ASAN_K")
	PGBOOT_FAULTS_KILLS=20 python3 tests/faults/run.py --server-dir "$pgdir" --bin "$work/bin/asan-wrapper" \
		--label "faults(asan)" "${ks[@]}" </dev/null >"$work/faults-asan.log" 2>&1
	grep -E '^(not ok|faults)' "$work/faults-asan.log"
	add_counts "faults(asan)" "$work/faults-asan.log"
	reports "asan+ubsan" "$work/asan-reports"
fi

if [ "$do_vg" -eq 1 ]; then
	if ! command -v valgrind >/dev/null; then
		echo "memcheck.sh: valgrind is not installed (apt-get install valgrind)" >&2
		failed=$((failed + 1)); summary+=("valgrind: not installed")
		finish
	fi
	make -j2 pgboot >"$work/build.log" 2>&1 || { cat "$work/build.log"; failed=$((failed + 1)); finish; }
	mkdir -p "$work/vg-reports" "$work/bin"
	chmod 777 "$work/vg-reports"
	chmod 755 "$work/bin"
	cp pgboot "$work/bin/pgboot-vg"
	printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --log-file=%s/vg.%%p %s "$@"\n' \
		"$work/vg-reports" "$work/bin/pgboot-vg" >"$work/bin/vg-wrapper"
	chmod 755 "$work/bin/vg-wrapper"
	echo "== integration subset (valgrind)"
	mapfile -t ks < <(vg_kflags)
	python3 tests/integration/run.py --server-dir "$pgdir" --bin "$work/bin/vg-wrapper" --label valgrind \
		--timeout 240 "${ks[@]}" </dev/null >"$work/it-vg.log" 2>&1
	grep -E '^(not ok|integration)' "$work/it-vg.log"
	add_counts "integration(valgrind)" "$work/it-vg.log"
	echo "== bad input (valgrind)"
	python3 tests/faults/run.py --server-dir "$pgdir" --bin "$work/bin/vg-wrapper" --dir tests/badinput \
		--label "badinput(valgrind)" --timeout 240 </dev/null >"$work/bad-vg.log" 2>&1
	grep -E '^(not ok|badinput)' "$work/bad-vg.log"
	add_counts "badinput(valgrind)" "$work/bad-vg.log"
	reports "valgrind" "$work/vg-reports"
fi
finish
