#!/usr/bin/env bash
# The images and docker-compose.yml built and run for real (issue 11), with
# Debian's podman, buildah and podman-compose (scripts/containers.sh sets them
# up, and makes STAND-IN base images: debian:bookworm-slim by debootstrap,
# postgres:15-bookworm from Debian's postgresql-15 with the official image's
# entrypoint behaviour; no registry is reachable on the CI machines).
#
#   tests/containers/run.sh [--keep]        as root; scripts/test.sh runs it
#                                           when PGBOOT_TEST_ALL=1
#
# 0. docker-compose.yml is valid for Debian's docker-compose 1.29 too;
# 1. builds the Dockerfile's default (scratch) and demo targets with
#    `buildah bud --isolation chroot --network host --layers`: the build stage
#    is built once, the demo target takes it from the layer cache;
# 2. the image's /pgboot is byte-identical to `make static`'s build/static/pgboot
#    (built with scripts/build-static.sh when absent); both images run as
#    10001:10001, the demo's user morse:morse;
# 3. runs the images against PostgreSQL (the stand-in in a container): migrate
#    (and again: nothing applied), run with the app as PID 1, SIGTERM to the app
#    and to a waiting pgboot (exit codes), the termination log on a mounted path;
# 4. no secrets/ file in the build context: a throwaway image copies the whole
#    context and lists it;
# 5. docker-compose.yml with podman-compose end to end: roles, the migrate
#    service, the app up as PID 1 with only its own credential (it cannot read
#    the owner's secret), the app role can read the history but not write it,
#    a second `up` applies nothing.
#
# podman-compose 1.0.3 ignores depends_on conditions (service_healthy,
# service_completed_successfully) and runs no health checks (no systemd): the
# services start together, and the test relies on what makes that safe anyway:
# pgboot waits for the server itself, and `run --skip-migrate` waits until the
# migrate service has applied everything.
#
# Prints one "ok"/"not ok" line per check, "# time PHASE: N s" per phase, and
# "N passed, N failed". Its containers, network and volumes are removed at exit
# (--keep keeps them); the images are kept as the cache of the next run.
# shellcheck disable=SC2317 # the functions run from traps and from check
set -uo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
keep=0
[ "${1:-}" != --keep ] || keep=1

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
passed=0 failed=0 times=()
ok() { echo "ok - $1"; passed=$((passed + 1)); }
notok() { echo "not ok - $1"; failed=$((failed + 1)); [ -z "${2:-}" ] || printf '%s\n' "$2" | tail -n 15 | sed 's/^/#   /'; }
check() { # DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$what"; else notok "$what" "$out"; fi
}
finish() {
	echo "# times: ${times[*]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
t0=0
phase_begin() { t0=$(date +%s); echo "# phase $1"; }
phase_end() { local d=$(($(date +%s) - t0)); times+=("$1=${d}s"); echo "# time $1: $d s"; }

if [ "$(id -u)" -ne 0 ]; then
	notok "tests/containers/run.sh runs as root (the engine is set up and run as root)"
	finish
fi

# ---- the engine and the stand-in base images ------------------------------------
phase_begin install
if ! scripts/containers.sh setup </dev/null; then notok "container engine installed"; finish; fi
phase_end install
eval "$(scripts/containers.sh env)"
# Debian's docker-compose 1.29 rejects Compose v2 keys (a top-level name:); it
# needs no daemon to read the file.
check "docker-compose 1.29 accepts docker-compose.yml (docker-compose config)" \
	docker-compose -f docker-compose.yml config -q
export BUILDAH_ISOLATION=chroot # podman-compose's builds too
phase_begin debootstrap
check "stand-in debian:bookworm-slim (debootstrap --variant=minbase)" scripts/containers.sh debian
phase_end debootstrap
check "the stand-in's / is 0755 (a non-root user can reach /usr/local/bin)" \
	test "$(podman run --rm --network none docker.io/library/debian:bookworm-slim stat -c %a / 2>&1)" = 755
phase_begin postgres-standin
check "stand-in postgres:15-bookworm (Debian's postgresql-15)" scripts/containers.sh postgres
phase_end postgres-standin

tag=pgboot-ci-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/pgboot-containers.XXXXXX")
chmod 755 "$work"
cleanup() {
	if [ "$keep" -eq 1 ]; then
		echo "# kept $work and the containers named $tag-*" >&2
		return
	fi
	podman rm -f -t 0 "$tag-run" "$tag-wait" >/dev/null 2>&1
	podman rm -f -t 0 "$tag-db" >/dev/null 2>&1
	podman volume rm -f "$tag-db" >/dev/null 2>&1
	[ ! -f "$work/compose.yml" ] ||
		(cd "$root" && podman-compose -p "$tag" down -v -t 1 >/dev/null 2>&1)
	podman network rm -f "${tag}_default" >/dev/null 2>&1 # podman-compose 1.0.3 leaves it
	podman rmi -f "localhost/$tag-context" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the static binary `make static` builds ---------------------------------------
if [ ! -x build/static/pgboot ]; then
	phase_begin make-static
	check "scripts/build-static.sh builds build/static/pgboot" scripts/build-static.sh
	phase_end make-static
fi

# ---- the two targets ---------------------------------------------------------------
bud() { buildah bud --isolation chroot --network host --layers "$@" </dev/null; }
phase_begin build-default
if bud --target pgboot -t localhost/pgboot:ci . >"$work/build-default.log" 2>&1; then
	ok "buildah builds the default target (FROM scratch)"
else
	notok "buildah builds the default target (FROM scratch)" "$(cat "$work/build-default.log")"
fi
phase_end build-default
phase_begin build-demo
if bud --target demo -t localhost/pgboot-demo:ci . >"$work/build-demo.log" 2>&1; then
	ok "buildah builds the demo target"
else
	notok "buildah builds the demo target" "$(cat "$work/build-demo.log")"
fi
phase_end build-demo
check "the demo target reuses the default target's build stage (layer cache: no dependency rebuilt)" \
	bash -c "! grep -E 'fetching source package|Configuring OpenSSL|build-static: ' '$work/build-demo.log'"
if ! podman image exists localhost/pgboot:ci || ! podman image exists localhost/pgboot-demo:ci; then finish; fi

size=$(podman image inspect -f '{{.Size}}' localhost/pgboot:ci)
echo "# the default image: $size bytes; the demo image: $(podman image inspect -f '{{.Size}}' localhost/pgboot-demo:ci) bytes"
mnt=$(podman image mount localhost/pgboot:ci)
check "the image's /pgboot is byte-identical to make static's build/static/pgboot" \
	cmp "$mnt/pgboot" build/static/pgboot
check "the default image holds /pgboot and nothing else" \
	bash -c "[ \"\$(cd '$mnt' && find . -mindepth 1 | sort | tr '\n' ' ')\" = './pgboot ' ]"
podman image unmount localhost/pgboot:ci >/dev/null
for img in pgboot pgboot-demo; do
	user=$(podman image inspect -f '{{.Config.User}}' "localhost/$img:ci")
	check "image $img runs as 10001:10001 by default (got \"$user\")" test "$user" = 10001:10001
done
check "the demo image's user is morse:morse (uid and gid 10001, the group named)" \
	bash -c "[ \"\$(podman run --rm --network none --entrypoint /usr/bin/id localhost/pgboot-demo:ci)\" = 'uid=10001(morse) gid=10001(morse) groups=10001(morse)' ]"

# ---- no secret in the build context ------------------------------------------------
printf 'FROM scratch\nCOPY . /ctx/\n' >"$work/Containerfile.context"
if bud -f "$work/Containerfile.context" -t "localhost/$tag-context" . >"$work/context.log" 2>&1; then
	mnt=$(podman image mount "localhost/$tag-context")
	(cd "$mnt/ctx" && find . -type f | sed 's#^\./##' | sort) >"$work/context.list"
	podman image unmount "localhost/$tag-context" >/dev/null
	check "the build context holds the sources (src/main.c, deploy/compose/initdb/10-roles.sql)" \
		bash -c "grep -qx src/main.c '$work/context.list' && grep -qx deploy/compose/initdb/10-roles.sql '$work/context.list'"
	check "no file of a secrets/ folder, no .env in the build context ($(wc -l <"$work/context.list") files)" \
		bash -c "! grep -E '(^|/)secrets/|(^|/)\\.env\$' '$work/context.list'"
	check "no build product in the build context (build/, .git)" \
		bash -c "! grep -E '^(build|\\.git)/' '$work/context.list'"
else
	notok "a throwaway image copies the build context" "$(cat "$work/context.log")"
fi

# ---- the images against PostgreSQL ---------------------------------------------------
phase_begin runs
pgpass=ci-$$-pass
url="postgres://postgres:$pgpass@127.0.0.1:5432/postgres"
podman run -d --name "$tag-db" -e POSTGRES_PASSWORD="$pgpass" -v "$tag-db:/var/lib/postgresql/data" \
	docker.io/library/postgres:15-bookworm >/dev/null
# pgboot waits by itself; this only keeps the first check's time honest.
for _ in $(seq 60); do podman exec "$tag-db" pg_isready -q -h 127.0.0.1 2>/dev/null && break; sleep 1; done
net=(--network "container:$tag-db")
ro=(-v "$root/migrations:/migrations:ro" -v "$root/seeds:/seeds:ro" -v "$root/verify:/verify:ro")
scratch() { podman run --rm "${net[@]}" "${ro[@]}" -e PGBOOT_DATABASE_URL="$url" "$@"; }

out=$(scratch localhost/pgboot:ci migrate --with-test-data 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q 'verified' <<<"$out" && grep -qi 'applied' <<<"$out"; then
	ok "the scratch image: migrate --with-test-data applies MORSE and verifies (exit 0)"
else
	notok "the scratch image: migrate --with-test-data applies MORSE and verifies (exit $rc)" "$out"
fi
n1=$(podman exec "$tag-db" psql -U postgres -At -c 'SELECT count(*), max(applied_at) FROM pgboot_migrations' 2>&1)
out=$(scratch localhost/pgboot:ci migrate 2>&1); rc=$?
n2=$(podman exec "$tag-db" psql -U postgres -At -c 'SELECT count(*), max(applied_at) FROM pgboot_migrations' 2>&1)
check "the scratch image: a second migrate applies nothing (exit $rc, history $n1 -> $n2)" \
	test "$rc" -eq 0 -a "$n1" = "$n2" -a -n "$n1"

# run: the app is PID 1 and gets SIGTERM itself; its exit code is the container's
app='echo "app: pid $$"; trap "echo app: got TERM; exit 7" TERM; while :; do sleep 0.2; done'
podman run -d --name "$tag-run" "${net[@]}" -e PGBOOT_DATABASE_URL="$url" \
	localhost/pgboot-demo:ci sh -c "$app" >/dev/null
for _ in $(seq 60); do podman logs "$tag-run" 2>&1 | grep '^app: pid' >/dev/null && break; sleep 0.5; done
check "the demo image: pgboot run verifies, then execs the app as PID 1" \
	bash -c "podman logs '$tag-run' 2>&1 | grep -qx 'app: pid 1'"
check "the app's environment holds no PGBOOT_* variable" \
	bash -c "! podman exec '$tag-run' cat /proc/1/environ | tr '\\0' '\\n' | grep '^PGBOOT_'"
podman stop -t 20 "$tag-run" >/dev/null 2>&1
rc=$(podman inspect -f '{{.State.ExitCode}}' "$tag-run")
check "SIGTERM (podman stop) reaches the app, whose exit code (7) is the container's (got $rc)" \
	bash -c "[ '$rc' = 7 ] && podman logs '$tag-run' 2>&1 | grep -qx 'app: got TERM'"

# SIGTERM while pgboot itself waits (nothing listens on port 1): 128+15 at once
podman run -d --name "$tag-wait" "${net[@]}" "${ro[@]}" -e PGBOOT_DATABASE_URL="postgres://postgres@127.0.0.1:1/postgres" \
	localhost/pgboot:ci run --wait-timeout 120s -- /pgboot version >/dev/null
sleep 2
start=$(date +%s)
podman stop -t 20 "$tag-wait" >/dev/null 2>&1
rc=$(podman inspect -f '{{.State.ExitCode}}' "$tag-wait")
check "SIGTERM to a waiting pgboot (PID 1 of the scratch image) ends it with 143 at once (got $rc in $(($(date +%s) - start)) s)" \
	test "$rc" = 143 -a $(($(date +%s) - start)) -lt 10

# the termination log, on a mounted path, written by a non-root pgboot
mkdir -p "$work/bad/migrations" "$work/termlog"
cp migrations/* "$work/bad/migrations/"
printf 'CREATE TABLE ci_broken (;\n' >"$work/bad/migrations/99990101000000_ci_broken.sql"
chown -R 10001:10001 "$work/termlog"
out=$(podman run --rm "${net[@]}" -v "$work/bad/migrations:/migrations:ro" -v "$work/termlog:/termlog" \
	-e PGBOOT_DATABASE_URL="$url" -e PGBOOT_TERMINATION_LOG=/termlog/log localhost/pgboot:ci migrate 2>&1); rc=$?
check "a failing migration exits 3 (got $rc)" test "$rc" = 3
check "the termination log (PGBOOT_TERMINATION_LOG on a mounted path) names the failed file" \
	grep -q 99990101000000_ci_broken "$work/termlog/log"
echo "#   termination log: $(head -c 300 "$work/termlog/log" 2>/dev/null)"
# the containers sharing db's network first: podman refuses to remove it before them
podman rm -f -t 0 "$tag-run" "$tag-wait" >/dev/null 2>&1
podman rm -f -t 0 "$tag-db" >/dev/null 2>&1
podman volume rm -f "$tag-db" >/dev/null 2>&1
phase_end runs

# ---- docker-compose.yml with podman-compose ---------------------------------------------
phase_begin compose
: >"$work/compose.yml" # cleanup: bring the project down
pc() { (cd "$root" && podman-compose -p "$tag" "$@" </dev/null); }
cid() { podman ps -a --filter "label=io.podman.compose.project=$tag" \
	--filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n 1; }
# The owner's and the app's views of the database, through the db container.
db_as() { # ROLE PASSWORD SQL
	podman exec -e PGPASSWORD="$2" "$(cid db)" psql -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -U "$1" -d morse -c "$3"
}
export tag
export -f cid db_as # for the checks' bash -c
wait_exit() { # SERVICE: its container's exit code, once it has exited (90 s at most)
	local c
	for _ in $(seq 180); do
		c=$(cid "$1")
		[ -n "$c" ] && [ "$(podman inspect -f '{{.State.Status}}' "$c")" = exited ] &&
			{ podman inspect -f '{{.State.ExitCode}}' "$c"; return; }
		sleep 0.5
	done
	echo timeout
}
wait_log() { # SERVICE PATTERN
	for _ in $(seq 180); do
		podman logs "$(cid "$1")" 2>&1 | grep -- "$2" >/dev/null && return 0
		sleep 0.5
	done
	return 1
}

# --build: podman-compose 1.0.3 builds an image only when it is missing, and it
# would run a stale pgboot-demo:latest of an earlier run.
t_up=$(date +%s)
if pc up -d --build >"$work/compose-up.log" 2>&1; then
	ok "podman-compose up -d --build (builds the demo image, starts db, migrate, app)"
else
	notok "podman-compose up -d --build" "$(cat "$work/compose-up.log")"
fi
check "compose's image is the demo target built above (the same image, from the layer cache)" \
	test "$(podman image inspect -f '{{.Id}}' localhost/pgboot-demo:latest 2>&1)" = \
	"$(podman image inspect -f '{{.Id}}' localhost/pgboot-demo:ci)"
echo "#   podman-compose up -d --build took $(( $(date +%s) - t_up )) s"
t_up=$(date +%s)
rc=$(wait_exit migrate)
echo "#   the migrate service exited in $(( $(date +%s) - t_up )) s"
check "the migrate service applies and verifies MORSE, and exits 0 (got $rc)" \
	bash -c "[ '$rc' = 0 ] && podman logs '$(cid migrate)' 2>&1 | grep -q verified"
check "the app service: pgboot run --skip-migrate waited for the migrations, then exec'd the app as PID 1" \
	wait_log app '^morse-app: serving'
check "the app's first lines show it is PID 1 and read MORSE as morse_app" \
	bash -c "podman logs '$(cid app)' 2>&1 | grep -q '^morse-app: started (pid 1)' &&
		podman logs '$(cid app)' 2>&1 | grep -q '^morse-app: [1-9][0-9]* users'"
check "the app container cannot read the owner's secret (/run/secrets/pgboot_database_url)" \
	bash -c "! podman exec '$(cid app)' cat /run/secrets/pgboot_database_url"
check "the owner's password is nowhere in the app container's configuration or PID 1's environment" \
	bash -c "! { podman inspect '$(cid app)'; podman exec '$(cid app)' cat /proc/1/environ; } | grep -a morse-owner-demo"
check "the migrate container did read the owner's secret (the test above is not vacuous)" \
	bash -c "podman inspect '$(cid migrate)' | grep -q pgboot_database_url"
check "initdb made the roles: morse_owner owns the database, morse_app logs in" \
	bash -c "[ \"\$(db_as morse_app morse-app-demo 'SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()')\" = morse_owner ]"
check "the app role reads the history (pgboot.pgboot_migrations)" \
	bash -c "[ \"\$(db_as morse_app morse-app-demo 'SELECT count(*) > 0 FROM pgboot.pgboot_migrations')\" = t ]"
for stmt in "INSERT INTO pgboot.pgboot_migrations (kind, version, name, checksum, applied_by) VALUES ('migration', '1', 'x', 'x', 'x')" \
	"DELETE FROM pgboot.pgboot_migrations" "UPDATE pgboot.pgboot_migrations SET name = name" \
	"TRUNCATE pgboot.pgboot_migrations"; do
	out=$(db_as morse_app morse-app-demo "$stmt" 2>&1)
	if grep -q 'permission denied' <<<"$out"; then ok "the app role cannot ${stmt%% *} the history"
	else notok "the app role cannot ${stmt%% *} the history" "$out"; fi
done
check "the app role may still write the app's tables (default privileges): INSERT, UPDATE, DELETE on users" \
	bash -c "[ \"\$(db_as morse_app morse-app-demo \"SELECT has_table_privilege('users', 'INSERT') AND has_table_privilege('users', 'UPDATE') AND has_table_privilege('users', 'DELETE')\")\" = t ]"
check "the history has one table, in schema pgboot (none in public)" \
	bash -c "[ \"\$(db_as morse_owner morse-owner-demo \"SELECT string_agg(schemaname, ',') FROM pg_tables WHERE tablename = 'pgboot_migrations'\")\" = pgboot ]"

h1=$(db_as morse_owner morse-owner-demo 'SELECT count(*), max(applied_at) FROM pgboot.pgboot_migrations' 2>&1)
podman logs "$(cid migrate)" >"$work/migrate-1.log" 2>&1
if pc up -d >"$work/compose-up2.log" 2>&1; then ok "a second podman-compose up -d"
else notok "a second podman-compose up -d" "$(cat "$work/compose-up2.log")"; fi
sleep 2
rc=$(wait_exit migrate)
h2=$(db_as morse_owner morse-owner-demo 'SELECT count(*), max(applied_at) FROM pgboot.pgboot_migrations' 2>&1)
check "the second up applies nothing: migrate exits $rc, the history is unchanged ($h1 -> $h2)" \
	test "$rc" = 0 -a "$h1" = "$h2" -a -n "$h1"
check "the app is up after the second up" wait_log app '^morse-app: serving'
echo "#   second up, migrate's log: $(podman logs --tail 3 "$(cid migrate)" 2>&1 | tr '\n' ' ' | head -c 400)"
phase_end compose
finish
