#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests, the demo and the benchmark.
#
#   scripts/pgtmp.sh start DIR [PORT]   initdb DIR (once) and start it
#   scripts/pgtmp.sh stop DIR [MODE]    stop it (MODE: fast, the default, or immediate)
#   scripts/pgtmp.sh restart DIR [MODE]
#
# The server runs as a non-root user (postgres, or the caller when not root),
# listens on 127.0.0.1:PORT and on the Unix socket DIR/sock, logs to DIR/log.
# Local socket connections are trusted; TCP connections need the password in
# DIR/env (scram-sha-256). DIR/env holds PGHOST, PGPORT, PGUSER and
# PGBOOT_TEST_PASSWORD for the callers to source.
set -euo pipefail

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

case "$cmd" in
start)
	port=${3:-54329}
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		mkdir -p "$dir/data" "$dir/sock"
		[ "$(id -u)" -ne 0 ] || chown -R postgres: "$dir"
		chmod 755 "$dir"
		as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust \
			--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
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
		fresh=1
	fi
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null
	if [ "${fresh:-0}" = 1 ]; then
		as_owner "$bindir/psql" -X -q -h "$dir/sock" -p "$port" -U postgres -d postgres \
			-c "ALTER ROLE postgres PASSWORD 'pgboot-test-secret'" >/dev/null
	fi
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
