#!/usr/bin/env bash
# Build and run every libFuzzer target in tests/fuzz/fuzz_*.c for a bounded time.
#
#   scripts/fuzz.sh [SECONDS]     (default: $PGBOOT_FUZZ_SECONDS, else 60 per target)
#
# Each target names the sources it needs on a line of its own near the top:
#   // fuzz-sources: src/sqlsplit.c src/error.c src/xmem.c src/strbuf.c
# (and optionally "// fuzz-libs: -lpq -lsodium"). Seeds come from
# tests/fuzz/corpus/NAME/ (NAME = the file name without "fuzz_" and ".c");
# inputs found while running go to build/fuzz/corpus-NAME/, which is not
# committed; a crash leaves its input in build/fuzz/artifacts/ and should be
# added to tests/fuzz/corpus/NAME/ as a regression case once fixed.
# Ends with "N passed, N failed"; exits non-zero if any target failed.
set -uo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
[ $# -le 1 ] || { echo "fuzz.sh: unexpected argument \"$2\" (try --help)" >&2; exit 2; }

cd "$(dirname "$0")/.."
seconds=${1:-${PGBOOT_FUZZ_SECONDS:-60}}
case "$seconds" in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a number (try --help)" >&2; exit 2 ;; esac

if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	scripts/install-deps.sh fuzz || exit 1
fi

pg_inc=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
flags=(-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes -Wvla
	-Iinclude -I"$pg_inc")
mkdir -p build/fuzz/artifacts
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp}

passed=0 failed=0
for target in tests/fuzz/fuzz_*.c; do
	[ -e "$target" ] || continue
	name=$(basename "$target" .c)
	short=${name#fuzz_}
	srcs=$(sed -n 's|^// fuzz-sources:||p' "$target" | head -n1)
	libs=$(sed -n 's|^// fuzz-libs:||p' "$target" | head -n1)
	if [ -z "$srcs" ]; then
		# no list: everything but main.c, with the libraries they may need
		srcs=$(ls src/*.c src/*/*.c 2>/dev/null | grep -v '^src/main.c$' | tr '\n' ' ')
		libs=${libs:--lpq -lsodium}
	fi
	bin=build/fuzz/$name
	# shellcheck disable=SC2086
	if ! clang "${flags[@]}" -o "$bin" "$target" $srcs $libs 2>build/fuzz/$name.build.log; then
		cat build/fuzz/$name.build.log >&2
		echo "not ok - fuzz: $name (build failed)"
		failed=$((failed + 1))
		continue
	fi
	seeds=tests/fuzz/corpus/$short
	work=build/fuzz/corpus-$short
	mkdir -p "$seeds" "$work"
	dict=()
	[ -f tests/fuzz/$name.dict ] && dict=(-dict=tests/fuzz/$name.dict)
	log=build/fuzz/$name.log
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/artifacts/$name- "${dict[@]}" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	if [ $rc -eq 0 ]; then
		echo "ok - fuzz: $name (${seconds}s, ${execs:-?} executions)"
		passed=$((passed + 1))
	else
		tail -n 40 "$log" >&2
		echo "not ok - fuzz: $name (exit $rc; input in build/fuzz/artifacts/, log in $log)"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
