#!/bin/sh
# The MORSE demo app: what `make demo` execs once pgboot has waited for
# PostgreSQL, migrated, seeded (--with-test-data) and verified:
#
#     pgboot run --with-test-data -- demo/app.sh
#
# It connects the way a real app would, with DATABASE_URL (or libpq's PG*
# variables when DATABASE_URL is unset), prints a few figures from the
# schema pgboot prepared, and exits 0. With DEMO_APP_SERVE=1 it then stays
# up like a server until SIGTERM/SIGINT (it is PID 1 in a container).
# pgboot removed every PGBOOT_* variable before the exec: the app never sees
# the schema owner's credentials.
#
#     demo/app.sh --probe alive|ready
#
# is the Kubernetes probes' check (deploy/kubernetes/deployment.yaml): exit 0
# when the serving app (PID 1, or DEMO_APP_PROBE_PID) wrote that file in
# DEMO_APP_STATE_DIR, and for "alive" in the last minute. A file left by an
# earlier run of the container (an emptyDir outlives a restart) does not count.

# a process's start time (/proc/PID/stat field 22, after a comm that may hold spaces)
started() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }

if [ "${1:-}" = --probe ]; then
	f=${DEMO_APP_STATE_DIR:?DEMO_APP_STATE_DIR is not set}/${2:?alive or ready}
	[ -f "$f" ] && [ "$(cat "$f")" = "$(started "${DEMO_APP_PROBE_PID:-1}")" ] || exit 1
	[ "$2" != alive ] || [ -n "$(find "$f" -mmin -1)" ]
	exit
fi

echo "morse-app: started (pid $$)"

if ! command -v psql >/dev/null 2>&1; then
	echo "morse-app: psql not found; not querying the database"
else
	q() {
		psql -X -q -At -v ON_ERROR_STOP=1 -F ' ' ${DATABASE_URL:+"$DATABASE_URL"} -c "$1"
	}
	figures=$(q "SELECT (SELECT count(*) FROM users),
	                    (SELECT count(*) FROM user_devices),
	                    (SELECT count(*) FROM workouts),
	                    (SELECT count(*) FROM session_summaries),
	                    (SELECT count(*) FROM session_summaries WHERE NOT is_claimed),
	                    (SELECT count(*) FROM exercise_library)") || {
		echo "morse-app: could not query the database" >&2
		exit 1
	}
	# shellcheck disable=SC2086 # split the figures into $1..$6 on purpose
	set -- $figures
	echo "morse-app: $1 users, $2 devices, $3 workouts, $4 sessions ($5 unclaimed), $6 library exercises"

	device=$(q "SELECT d.device_name || coalesce(' (' || u.display_name || ')', ' (unlinked)')
	              FROM find_device_by_suffix('c4b9') d LEFT JOIN users u ON u.id = d.user_id
	             LIMIT 1") || exit 1
	[ -n "$device" ] && echo "morse-app: device ...c4b9 is $device"

	login=$(q "SELECT CASE WHEN authenticate_app_user('testuser', 'TestPassword123') IS NULL
	                       THEN 'no test login' ELSE 'testuser signs in' END") || exit 1
	echo "morse-app: $login"
fi

if [ "${DEMO_APP_SERVE:-0}" = 1 ]; then
	# With DEMO_APP_STATE_DIR (deploy/kubernetes/deployment.yaml) it keeps the
	# files its probes read (--probe), holding its start time: "alive" written
	# every 10 s by this loop, "ready" while its last query of the database
	# succeeded (removed when it fails, and on SIGTERM, so no new work is sent
	# to a pod that is stopping).
	state=${DEMO_APP_STATE_DIR:-}
	me=$(started $$)
	echo "morse-app: serving (DEMO_APP_SERVE=1); stop with SIGTERM"
	sleeper=
	trap 'echo "morse-app: stopping"; [ -z "$state" ] || rm -f "$state/ready"; [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null; exit 0' TERM INT
	while :; do
		if [ -n "$state" ]; then
			echo "$me" >"$state/alive"
			if command -v psql >/dev/null 2>&1 && q "SELECT 1" >/dev/null 2>&1; then
				echo "$me" >"$state/ready"
			else
				rm -f "$state/ready"
			fi
		fi
		sleep "${DEMO_APP_TICK:-10}" &
		sleeper=$!
		wait "$sleeper" || :
	done
fi
echo "morse-app: ready"
exit 0
