#!/usr/bin/env bash
# The demo app's probe check (demo/app.sh --probe alive|ready), as
# deploy/kubernetes/deployment.yaml's exec probes run it: the app serving with
# DEMO_APP_STATE_DIR, a stand-in psql on PATH (the database up or down), and
# the probe asked about the app's PID (DEMO_APP_PROBE_PID; PID 1 in the pod).
#
#   tests/deploy/demo_probe_tests.sh
#
# Prints "ok - ..."/"not ok - ..." per check and "N passed, N failed".
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
[ $# -eq 0 ] || { echo "demo_probe_tests.sh: unexpected argument \"$1\" (try --help)" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
app=$root/demo/app.sh
work=$(mktemp -d /tmp/pgboot-probe.XXXXXX)
pass=0 fail=0 pid="" other=""
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() {
	for p in $pid $other; do kill "$p" 2>/dev/null || :; done
	rm -rf "$work"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
trap 'rc=$?; [ "$rc" -eq 0 ] || [ "$fail" -gt 0 ] || notok "setup failed (exit $rc)"; finish; exit $?' EXIT

# psql that answers every query with six figures, or fails while $work/down exists
mkdir -p "$work/bin" "$work/state"
printf '#!/bin/sh\n[ ! -e "%s/down" ] || exit 2\necho "1 2 3 4 5 6"\n' "$work" >"$work/bin/psql"
chmod 755 "$work/bin/psql"

probe() { # probe PID alive|ready: the probe's exit status
	DEMO_APP_STATE_DIR=$work/state DEMO_APP_PROBE_PID=$1 "$app" --probe "$2" >/dev/null 2>&1
}
expect() { # expect WANT PID WHAT description
	local rc=0
	probe "$2" "$3" || rc=$?
	if { [ "$1" = 0 ] && [ "$rc" = 0 ]; } || { [ "$1" != 0 ] && [ "$rc" != 0 ]; }; then
		ok "$4 (--probe $3: exit $rc)"
	else
		notok "$4 (--probe $3: exit $rc, want $1)"
	fi
}
wait_for() { # wait_for CONDITION...: up to 10 s
	local _
	for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done
	return 1
}

expect 1 $$ alive "an empty state directory: not alive"
expect 1 $$ ready "an empty state directory: not ready"

PATH=$work/bin:$PATH DEMO_APP_SERVE=1 DEMO_APP_STATE_DIR=$work/state DEMO_APP_TICK=1 \
	"$app" >"$work/app.log" 2>&1 &
pid=$!
wait_for probe "$pid" ready || :
expect 0 "$pid" alive "the serving app is alive"
expect 0 "$pid" ready "the serving app is ready while its query succeeds"

: >"$work/down"
not_ready() { ! probe "$pid" ready; }
wait_for not_ready || :
expect 1 "$pid" ready "the database down: not ready"
expect 0 "$pid" alive "the database down: still alive (the database stays out of liveness)"
rm -f "$work/down"
wait_for probe "$pid" ready || :
expect 0 "$pid" ready "the database back: ready again"

# another process in the app's place (the container restarted: the emptyDir kept the files)
sleep 60 &
other=$!
expect 1 "$other" alive "a file left by the app before a restart is not alive"
expect 1 "$other" ready "a file left by the app before a restart is not ready"

kill -STOP "$pid"
touch -d '2 minutes ago' "$work/state/alive"
expect 1 "$pid" alive "an app whose loop stopped writing for over a minute is not alive"
kill -CONT "$pid"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
if [ "$rc" = 0 ] && [ ! -e "$work/state/ready" ]; then
	ok "SIGTERM: the app exits 0 and is no longer ready"
else
	notok "SIGTERM: exit $rc, ready file $( [ -e "$work/state/ready" ] && echo kept || echo removed)"
fi
if grep -q 'morse-app: 1 users' "$work/app.log"; then
	ok "the app ran its queries (stand-in psql)"
else
	notok "the app ran its queries: $(tr '\n' ' ' <"$work/app.log")"
fi
