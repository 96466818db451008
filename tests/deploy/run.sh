#!/usr/bin/env bash
# Every check of the shipped artifact and its deployment files, for scripts/test.sh
# and CI:
#
#   tests/deploy/run.sh [BINARY]     default: build/static/pgboot when it exists
#
#   check_dockerfile.py   the Dockerfile's stages, build script, scratch stage
#   check_deploy.py       docker-compose.yml, deploy/kubernetes (and its pods against
#                         the restricted Pod Security level), deploy/render
#   check_k8s_schema.py   deploy/kubernetes against the Kubernetes API's types,
#                         strictly (npm's kubernetes-types and typescript, pinned
#                         in build/node by scripts/install-deps.sh test)
#   demo_probe_tests.sh   the demo app's probe check (demo/app.sh --probe), as the
#                         Kubernetes exec probes run it
#   debsrc_tests.sh       scripts/lib/debsrc.sh: each try of a source download logged and explained
#   scratch_tests.sh      the static binary in scratch-like roots (needs BINARY,
#                         root or user namespaces, PostgreSQL 15)
#
# With BINARY, the pgboot command lines of the files are checked against its
# --help. Prints every check's line, then the total "N passed, N failed".
set -uo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
case "${1:-}" in -*) echo "run.sh: unknown option \"$1\" (try --help)" >&2; exit 2 ;; esac
[ $# -le 1 ] || { echo "run.sh: unexpected argument \"$2\" (try --help)" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-}
[ -n "$bin" ] || { [ -x "$root/build/static/pgboot" ] && bin=$root/build/static/pgboot; }
"$root/scripts/install-deps.sh" test >/dev/null || exit 1

passed=0 failed=0
tally() {
	local out line
	out=$("$@" 2>&1)
	printf '%s\n' "$out" | sed '$d'
	line=$(printf '%s\n' "$out" | tail -n 1)
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
	else
		echo "not ok - $* ended without a summary: $line"
		failed=$((failed + 1))
	fi
}
tally python3 "$root/tests/deploy/check_dockerfile.py" ${bin:+"$bin"}
tally python3 "$root/tests/deploy/check_deploy.py" ${bin:+"$bin"}
tally python3 "$root/tests/deploy/check_k8s_schema.py"
tally "$root/tests/deploy/demo_probe_tests.sh"
tally bash "$root/tests/deploy/debsrc_tests.sh"
if [ -z "$bin" ]; then
	echo "ok - scratch_tests.sh # SKIP no static binary (make static)"
	passed=$((passed + 1))
else
	tally "$root/tests/deploy/scratch_tests.sh" "$bin"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
