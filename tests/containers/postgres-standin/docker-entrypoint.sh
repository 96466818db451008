#!/bin/bash
# The stand-in postgres image's entrypoint (see Containerfile): the behaviour of
# docker-library/postgres's docker-entrypoint.sh that pgboot's tests use.
set -Eeuo pipefail

file_env() { # VAR [DEFAULT]: VAR, or the contents of the file VAR_FILE names
	local var=$1 fvar=${1}_FILE def=${2:-} val
	if [ -n "${!var:-}" ] && [ -n "${!fvar:-}" ]; then
		echo "error: both $var and $fvar are set (but are exclusive)" >&2
		exit 1
	fi
	val=$def
	if [ -n "${!var:-}" ]; then val=${!var}; elif [ -n "${!fvar:-}" ]; then val=$(<"${!fvar}"); fi
	export "$var"="$val"
	unset "$fvar"
}

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	chmod 3777 /var/run/postgresql
	exec gosu postgres "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	if [ -z "$POSTGRES_PASSWORD" ]; then
		echo "error: database is uninitialized and superuser password is not specified" >&2
		echo "       set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
		exit 1
	fi
	initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
		--auth-local=trust --auth-host=scram-sha-256 >/dev/null
	echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
	echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	# A temporary server on the Unix socket only, for the init scripts.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
	export PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
	psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ "$POSTGRES_DB" != postgres ]; then
		"${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
	fi
	psql+=(--dbname "$POSTGRES_DB")
	for f in /docker-entrypoint-initdb.d/*; do
		# shellcheck disable=SC1090 # the image's init scripts
	case "$f" in
		*.sh) if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
		*.sql) echo "$0: running $f"; "${psql[@]}" -f "$f" ;;
		*) [ ! -e "$f" ] || echo "$0: ignoring $f" ;;
		esac
	done
	unset PGPASSWORD
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
