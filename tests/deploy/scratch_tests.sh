#!/usr/bin/env bash
# The static pgboot in scratch-like environments: a directory holding only the
# binary and the files of each case (tests/deploy/scratch_env.sh), against a
# throwaway PostgreSQL with TLS (a CA and a server certificate for 127.0.0.1 and
# localhost, made here with the openssl CLI).
#
#   tests/deploy/scratch_tests.sh [BINARY]     default: build/static/pgboot
#
# Environment: PGBOOT_SCRATCH_PORT (a port or a range; default a free one of 29000-29499), PGBOOT_SCRATCH_DIR (default a
# fresh temporary directory, removed at the end unless PGBOOT_KEEP=1).
# Prints "ok - ..."/"not ok - ..." per case and "N passed, N failed"; exits 1 on
# any failure. Needs root, or user namespaces (the --user cases then skip).
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
case "${1:-}" in -*) echo "scratch_tests.sh: unknown option \"$1\" (try --help)" >&2; exit 2 ;; esac
[ $# -le 1 ] || { echo "scratch_tests.sh: unexpected argument \"$2\" (try --help)" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/static/pgboot}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
port=${PGBOOT_SCRATCH_PORT:-29000-29499}
work=${PGBOOT_SCRATCH_DIR:-$(mktemp -d /tmp/pgboot-scratch.XXXXXX)}
se=$root/tests/deploy/scratch_env.sh
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
skip() { pass=$((pass + 1)); echo "ok - $1 # SKIP $2"; }
finish() {
	"$root/scripts/pgtmp.sh" stop "$work/pg" >/dev/null 2>&1 || true
	[ "${PGBOOT_KEEP:-0}" = 1 ] || rm -rf "$work"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
# A setup step that fails (set -e) must not end in "0 failed".
trap 'rc=$?; [ "$rc" -eq 0 ] || [ "$fail" -gt 0 ] || notok "setup failed (exit $rc)"; finish; exit $?' EXIT
chmod 755 "$work" # the server runs as postgres and must reach $work/pg

[ -x "$bin" ] || { notok "static binary $bin exists (make static)"; exit 1; }
"$root/scripts/install-deps.sh" test static >/dev/null

# --- the binary -----------------------------------------------------------
info=$(file -b "$bin")
case "$info" in *"statically linked"*) ok "file: $info" ;; *) notok "file says statically linked: $info" ;; esac
if ldd "$bin" >/dev/null 2>&1; then notok "ldd: not a dynamic executable"; else ok "ldd: not a dynamic executable"; fi
ok "size: $(stat -c %s "$bin") bytes"

# --- a server with TLS ------------------------------------------------------
mkdir -p "$work/tls"
(
	cd "$work/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
		-subj "/CN=pgboot scratch test CA" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 2 \
		-subj "/CN=some other CA"
	openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext.cnf
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
		-days 2 -extfile ext.cnf
) >"$work/tls/openssl.log" 2>&1
"$root/scripts/pgtmp.sh" start "$work/pg" "$port"
port=$(sed -n 's/^PGPORT=//p' "$work/pg/env")
cp "$work/tls/server.crt" "$work/tls/server.key" "$work/pg/data/"
chmod 600 "$work/pg/data/server.key"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/pg/data/server.crt" "$work/pg/data/server.key"
printf "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n" >>"$work/pg/data/postgresql.conf"
"$root/scripts/pgtmp.sh" restart "$work/pg"
set -a; . "$work/pg/env"; set +a
psql -X -q -c "CREATE DATABASE scratch" -c "CREATE DATABASE scratch2"
pw=$PGBOOT_TEST_PASSWORD
url="host=127.0.0.1 port=$port user=postgres password=$pw dbname=scratch"
tls="sslmode=verify-full sslrootcert=/certs/ca.crt"
printf '127.0.0.1 localhost\n' >"$work/hosts"
printf '%s %s\n' "$url" "$tls" >"$work/secret"
: >"$work/termination-log"
chmod 666 "$work/termination-log"

# run NAME EXPECT_RC GREP -- scratch_env options... -- command...
# EXPECT_RC: a number, or "nz" for any failure. GREP: an extended regex the
# output must match ("" for none).
n=0
out=""
run() {
	local name=$1 want=$2 pattern=$3 rc d
	shift 3
	n=$((n + 1))
	d=$work/case$n
	set +e
	out=$("$se" --bin "$bin:/pgboot" "$d" "$@" 2>&1)
	rc=$?
	set -e
	last_dir=$d
	if { [ "$want" = nz ] && [ "$rc" -ne 0 ]; } || [ "$rc" = "$want" ]; then
		if [ -z "$pattern" ] || grep -Eq -- "$pattern" <<<"$out"; then
			ok "$name (exit $rc)"
			return 0
		fi
	fi
	notok "$name: exit $rc, want $want${pattern:+, output matching /$pattern/}"
	sed 's/^/    # /' <<<"$out" | tail -n 15
}
files=(--dir "$root/migrations:/migrations" --dir "$root/seeds:/seeds" --dir "$root/verify:/verify")
ca=(--file "$work/tls/ca.crt:/certs/ca.crt")
user=()
if [ "$(id -u)" -eq 0 ]; then user=(--user 65534:65534); fi

run "version with nothing else in the root" 0 '^pgboot [0-9]' -- /pgboot version
run "migrate MORSE with test data over verify-full TLS, uid without a passwd entry" 0 'verified' \
	"${files[@]}" "${ca[@]}" "${user[@]}" --env "PGBOOT_DATABASE_URL=$url $tls" \
	-- /pgboot migrate --with-test-data
run "run --skip-migrate execs the app (here pgboot version)" 0 'pgboot [0-9]' \
	"${files[@]}" "${ca[@]}" "${user[@]}" --env "PGBOOT_DATABASE_URL=$url $tls" \
	-- /pgboot run --skip-migrate -- /pgboot version
run "URL form with channel_binding=require (SCRAM-SHA-256-PLUS)" 0 '' \
	"${files[@]}" "${ca[@]}" --env \
	"PGBOOT_DATABASE_URL=postgres://postgres:$pw@127.0.0.1:$port/scratch?sslmode=verify-full&sslrootcert=/certs/ca.crt&channel_binding=require" \
	-- /pgboot verify
run "PGBOOT_DATABASE_URL_FILE read from a mounted file" 0 '' \
	"${files[@]}" "${ca[@]}" --file "$work/secret:/run/secrets/db" \
	--env PGBOOT_DATABASE_URL_FILE=/run/secrets/db -- /pgboot status
run "host=localhost resolves with an /etc/hosts" 0 '' \
	"${ca[@]}" --file "$work/hosts:/etc/hosts" \
	--env "PGBOOT_DATABASE_URL=host=localhost port=$port user=postgres password=$pw dbname=scratch $tls" \
	-- /pgboot wait
# localhost with no /etc/hosts never resolves (musl asks /etc/hosts, then DNS, which does not
# answer for it): 78 after the first try (the resolver's own timeout, 5 s with no DNS server),
# not the whole --wait-timeout. Another name may be DNS not up yet, and is waited for.
start=$SECONDS
run "host=localhost without /etc/hosts fails at once (78), saying why" 78 \
	'cannot be resolved: there is no /etc/hosts' \
	--env "PGBOOT_DATABASE_URL=host=localhost port=$port user=postgres password=$pw dbname=scratch" \
	--env PGBOOT_WAIT_TIMEOUT=60s -- /pgboot wait
took=$((SECONDS - start))
if [ "$took" -lt 15 ]; then ok "it gave up in ${took}s of a 60s wait timeout"; else notok "it took ${took}s (wait timeout 60s)"; fi
if grep -q 'hint: Use host=127.0.0.1 .*"127.0.0.1 localhost"' <<<"$out"; then
	ok "the hint names host=127.0.0.1 and an /etc/hosts line"
else
	notok "the hint names host=127.0.0.1 and an /etc/hosts line"
fi
printf '127.0.0.1 db\n' >"$work/hosts-no-localhost"
run "host=localhost with an /etc/hosts that does not list it fails at once (78)" 78 \
	'cannot be resolved: /etc/hosts does not list it' --file "$work/hosts-no-localhost:/etc/hosts" \
	--env "PGBOOT_DATABASE_URL=host=localhost port=$port user=postgres password=$pw dbname=scratch" \
	--env PGBOOT_WAIT_TIMEOUT=60s -- /pgboot wait
run "another name that does not resolve is waited for (69), naming the missing /etc/resolv.conf" 69 \
	'no /etc/resolv.conf' \
	--env "PGBOOT_DATABASE_URL=host=db.invalid port=$port user=postgres password=$pw dbname=scratch" \
	--env PGBOOT_WAIT_TIMEOUT=2s -- /pgboot wait
run "no user= and no passwd entry fails at once (78), naming the uid" 78 'could not look up local user ID' \
	--env "PGBOOT_DATABASE_URL=host=127.0.0.1 port=$port password=$pw dbname=scratch" \
	--env PGBOOT_WAIT_TIMEOUT=20s -- /pgboot wait
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/passwd-root-only"
if [ ${#user[@]} -gt 0 ]; then
	run "no user= and an /etc/passwd without the uid fails at once (78), naming the uid" 78 'local user with ID 65534' \
		--file "$work/passwd-root-only:/etc/passwd" "${user[@]}" \
		--env "PGBOOT_DATABASE_URL=host=127.0.0.1 port=$port password=$pw dbname=scratch" \
		--env PGBOOT_WAIT_TIMEOUT=20s -- /pgboot wait
else
	skip "an /etc/passwd without the uid" "needs root for --user"
fi
run "verify-full without sslrootcert and without a home directory fails" nz 'root certificate file' \
	--env "PGBOOT_DATABASE_URL=host=127.0.0.1 port=$port user=postgres password=$pw dbname=scratch sslmode=verify-full" \
	--env PGBOOT_WAIT_TIMEOUT=2s -- /pgboot wait
run "verify-full against the wrong CA fails" nz 'certificate verify failed' \
	--file "$work/tls/other-ca.crt:/certs/ca.crt" \
	--env "PGBOOT_DATABASE_URL=$url $tls" --env PGBOOT_WAIT_TIMEOUT=2s \
	-- /pgboot wait
run "HOME/.postgresql/root.crt is found with HOME set" 0 '' \
	--file "$work/tls/ca.crt:/home/app/.postgresql/root.crt" --env HOME=/home/app \
	--env "PGBOOT_DATABASE_URL=$url sslmode=verify-full" -- /pgboot wait
run "a failing migrate writes /dev/termination-log" nz '' \
	--dir "$root/migrations:/migrations" --file "$work/termination-log:/dev/termination-log" \
	--env "PGBOOT_DATABASE_URL=host=127.0.0.1 port=$port user=postgres password=wrong dbname=scratch2" \
	--env PGBOOT_WAIT_TIMEOUT=2s -- /pgboot migrate
if [ -s "$last_dir/dev/termination-log" ]; then
	ok "termination log: $(head -c 200 "$last_dir/dev/termination-log" | tr '\n' ' ')"
else
	notok "the termination log is empty after a failing migrate"
fi
