#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests, the demo and the benchmark.
#
#   scripts/pgtmp.sh start DIR [PORT]   initdb DIR (once) and start it
#   scripts/pgtmp.sh start DIR LO-HI    the same on a free port between LO and HI
#   scripts/pgtmp.sh stop DIR [MODE]    stop it (MODE: fast, the default, or immediate)
#   scripts/pgtmp.sh restart DIR [MODE]
#
# With LO-HI a new server tries up to five random ports of the range that
# nothing listens on, starting afresh after a failed try (another process may
# take the port between the check and the start); DIR/env then names the port.
# A server already made in DIR keeps its port.
# The server runs as a non-root user (postgres, or the caller when not root),
# listens on 127.0.0.1:PORT and on the Unix socket DIR/sock, logs to DIR/log.
# Local socket connections are trusted; TCP connections need the password in
# DIR/env (scram-sha-256). DIR/env holds PGHOST, PGPORT, PGUSER and
# PGBOOT_TEST_PASSWORD for the callers to source.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
case "${1:-}" in start | stop | restart) ;; *) echo "pgtmp.sh: unknown command \"${1:-}\" (usage: pgtmp.sh start|stop|restart DIR [PORT|MODE]; try --help)" >&2; exit 2 ;; esac

cmd=${1:?usage: pgtmp.sh start|stop|restart DIR [PORT|MODE]}
dir=${2:?usage: pgtmp.sh start|stop|restart DIR [PORT|MODE]}
bindir=/usr/lib/postgresql/15/bin
[ -x "$bindir/postgres" ] || { echo "pgtmp: PostgreSQL 15 is not installed (scripts/install-deps.sh test)" >&2; exit 1; }

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# init_cluster PORT: a new cluster in $dir listening on PORT, and $dir/env
init_cluster() {
	local port=$1
	mkdir -p "$dir/data" "$dir/sock"
	[ "$(id -u)" -ne 0 ] || chown -R postgres: "$dir"
	chmod 755 "$dir"
	as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust \
		--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; return 1; }
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 5
hot_standby = on
log_line_prefix = '%m [%p] %a '
CONF
	echo "host replication all 127.0.0.1/32 scram-sha-256" >>"$dir/data/pg_hba.conf"
	printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=postgres\nPGBOOT_TEST_PASSWORD=pgboot-test-secret\n' \
		"$dir/sock" "$port" >"$dir/env"
}

# start_cluster [PORT]: start the cluster in $dir; a new one, listening on PORT, gets the
# password of $dir/env
start_cluster() {
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null || return 1
	[ $# -eq 1 ] || return 0
	as_owner "$bindir/psql" -X -q -h "$dir/sock" -p "$1" -U postgres -d postgres \
		-c "ALTER ROLE postgres PASSWORD 'pgboot-test-secret'" >/dev/null
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (the server could bind it)
port_free() {
	python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}

case "$cmd" in
start)
	port=${3:-54329}
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/data/PG_VERSION" ]; then
		start_cluster
		exit
	fi
	case "$port" in
	[0-9]*-[0-9]*)
		lo=${port%-*} hi=${port#*-}
		for _ in 1 2 3 4 5; do
			p=$((lo + RANDOM % (hi - lo + 1)))
			port_free "$p" || continue
			if init_cluster "$p" && start_cluster "$p"; then
				exit 0
			fi
			tail -n 5 "$dir/log" >&2 2>/dev/null || true
			as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
			rm -rf "$dir/data" "$dir/sock" "$dir/env" "$dir/log" "$dir/initdb.log"
		done
		echo "pgtmp: could not start a server on a port in $port" >&2
		exit 1
		;;
	esac
	init_cluster "$port"
	start_cluster "$port"
	;;
stop)
	mode=${3:-fast}
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null
	;;
restart)
	mode=${3:-fast}
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -m "$mode" -w -t 60 restart >/dev/null
	;;
*)
	echo "pgtmp: unknown command \"$cmd\"" >&2
	exit 2
	;;
esac
