#!/usr/bin/env bash
# The release artifacts of `make dist`, installed the way a user installs them
# and run: each into a clean place (a fresh Node project, a fresh venv, a
# throwaway dpkg root, an unpacked tarball), then `pgboot version` and
# `pgboot migrate` against a throwaway PostgreSQL 15 (scripts/pgtmp.sh, as a
# non-root user). Offline: npm gets --offline and a registry that does not
# answer, pip --no-index. The aarch64 artifacts' binaries run under qemu-user
# (tests/cross/run.sh's way): version, and through the npm launcher migrate too.
#
#   tests/dist/run.sh [--no-build] [--arch ARCH]... [--keep]
#
#   --arch ARCH  build and require ARCH's artifacts (x86_64, aarch64; repeatable);
#                default: what `make dist` builds (aarch64 when its cross build exists)
#   --no-build   test build/dist as it is, do not run scripts/dist.sh first
#   --keep       keep the work directory
#
# Prints "ok - ..." / "not ok - ..." per check and ends with "N passed, N failed".
# Environment: PGBOOT_QEMU (default qemu-aarch64).

# shellcheck disable=SC2154,SC2034,SC2317 # work and pgdir are set by scripts/lib/suite.sh, keep
# read by it; check, version_check and migrate_check run the functions they are given
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)

build=1
keep=0
arches=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) build=0 ;;
	--keep) keep=1 ;;
	--arch) [ $# -ge 2 ] || { echo "dist: --arch needs an architecture" >&2; exit 2; }
		arches+=("$2"); shift ;;
	-h | --help) sed -n '2,/^$/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "dist: unknown option \"$1\" (try --help)" >&2; exit 2 ;;
	esac
	shift
done

. scripts/lib/suite.sh
suite_begin dist

t0=$(date +%s)
ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }
# check LABEL COMMAND...: ok when COMMAND succeeds, else not ok with its output
check() {
	local label=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$label"; else notok "$label"; echo "$out" | sed 's/^/#   /' | tail -n 15; fi
}
finish() {
	echo "# dist took $(($(date +%s) - t0))s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

scripts/install-deps.sh test dist qemu </dev/null >/dev/null || { notok "install-deps test dist qemu"; finish; }

dist=$root/build/dist
if [ "$build" = 1 ]; then
	archargs=()
	[ ${#arches[@]} -eq 0 ] || archargs=(ARCH="${arches[*]}")
	tb=$(date +%s)
	if make --no-print-directory dist "${archargs[@]+"${archargs[@]}"}" </dev/null >"$work/dist.log" 2>&1; then
		ok "make dist ($(($(date +%s) - tb))s)"
	else
		notok "make dist"; tail -n 20 "$work/dist.log" | sed 's/^/#   /'; finish
	fi
fi
version=$(sed -n 's/^#define PGBOOT_VERSION "\(.*\)"$/\1/p' include/version_info.h)
want="pgboot $version"
have_arch() { [ -f "$dist/pgboot-$version-linux-$1.tar.gz" ]; }
[ ${#arches[@]} -gt 0 ] || { arches=(x86_64); have_arch aarch64 && arches+=(aarch64); }
for a in "${arches[@]}"; do
	case "$a" in amd64) a=x86_64 ;; arm64) a=aarch64 ;; esac
	have_arch "$a" || notok "build/dist has the $a artifacts"
done
echo "# artifacts of pgboot $version (include/version_info.h):"
(cd "$dist" && for f in *; do printf '#   %9s  %s\n' "$(stat -c %s "$f")" "$f"; done)

# The server, a database per install, and the project every install migrates.
suite_server 22000-22999 || { notok "the test server starts"; finish; }
export PGPASSWORD=pgboot-test-secret
sock=$pgdir/sock
psql_q() { psql -h "$sock" -p "$port" -U postgres -X -Atq -v ON_ERROR_STOP=1 "$@"; }
proj=$work/proj
mkdir -p "$proj/migrations"
printf 'CREATE TABLE dist_note (id int PRIMARY KEY, note text NOT NULL);\n' >"$proj/migrations/0001_note.sql"
printf "INSERT INTO dist_note VALUES (1, 'installed');\n" >"$proj/migrations/0002_row.sql"
chmod -R a+rX "$work"

# migrate_check LABEL COMMAND...: COMMAND migrate, from the project's directory,
# creates the table and its row in a database of its own; a second run applies nothing
migrate_check() {
	local label=$1 db="dist_$1" out got
	shift
	psql_q -c "CREATE DATABASE $db" || { notok "$label: create database $db"; return; }
	if ! out=$(cd "$proj" && "$@" migrate --database-url "postgresql://postgres@127.0.0.1:$port/$db" 2>&1); then
		notok "$label: migrate exits 0"; echo "$out" | sed 's/^/#   /' | tail -n 10; return
	fi
	got=$(psql_q -d "$db" -c "SELECT note FROM dist_note WHERE id = 1" 2>&1)
	if [ "$got" != installed ] || ! grep -q 'applied migration 0002_row' <<<"$out"; then
		notok "$label: migrate applied both migrations (got: $got)"; echo "$out" | sed 's/^/#   /' | tail -n 10; return
	fi
	if out=$(cd "$proj" && "$@" migrate --database-url "postgresql://postgres@127.0.0.1:$port/$db" 2>&1) &&
		! grep -q 'applied migration' <<<"$out"; then
		ok "$label: migrate applied 0001 and 0002 to $db, a second run nothing"
	else
		notok "$label: the second migrate applies nothing"; echo "$out" | sed 's/^/#   /' | tail -n 10
	fi
}
# version_check LABEL COMMAND...: COMMAND version prints "pgboot VERSION"
version_check() {
	local label=$1 out
	shift
	if out=$("$@" version 2>&1) && [ "$out" = "$want" ]; then ok "$label: version says \"$want\""
	else notok "$label: version says \"$want\" (got: $out)"; fi
}
qemu=${PGBOOT_QEMU:-qemu-aarch64}
qemu_path=$(command -v "$qemu" || true)
aarch64() { [ -n "$qemu_path" ] && "$qemu_path" "$@"; }

# ---- SHA256SUMS: every artifact, every sum right ------------------------------------------
n_files=$(find "$dist" -maxdepth 1 -type f ! -name SHA256SUMS | wc -l)
n_sums=$(grep -c . "$dist/SHA256SUMS")
if (cd "$dist" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1) && [ "$n_files" = "$n_sums" ]; then
	ok "sha256sum -c SHA256SUMS: the $n_sums artifacts"
else
	notok "sha256sum -c SHA256SUMS covers and matches the $n_files artifacts ($n_sums lines)"
fi

# ---- npm -------------------------------------------------------------------------
npm_flags=(--offline --no-audit --no-fund --no-update-notifier --loglevel=error
	--registry=http://127.0.0.1:9/ --fetch-retries=0)
new_node_project() { # DIR: a Node project with the migrations, its own empty npm cache
	mkdir -p "$1" && echo '{"name": "app", "private": true}' >"$1/package.json" &&
		cp -R "$proj/migrations" "$1/"
}
npm_in() { local d=$1; shift; (cd "$d" && npm --cache="$d/.npm-cache" "$@"); }
main_tgz=$dist/pgboot-$version.tgz

pj() { tar -xzOf "$1" package/package.json | node -e "const p=JSON.parse(require('fs').readFileSync(0,'utf8')); $2"; }
if out=$(pj "$main_tgz" 'const o=p.optionalDependencies||{};
	if (p.version!=="'"$version"'" || o["@pgboot/linux-x64"]!==p.version || o["@pgboot/linux-arm64"]!==p.version) throw new Error(JSON.stringify(p));
	if (p.scripts) throw new Error("scripts: "+JSON.stringify(p.scripts));
	if (!p.bin || p.bin.pgboot!=="bin/pgboot.js") throw new Error("bin: "+JSON.stringify(p.bin));' 2>&1); then
	ok "npm pgboot-$version.tgz: version $version, exact optionalDependencies on both platform packages, bin, no install scripts"
else
	notok "npm pgboot package.json: $out"
fi

npm_x64() {
	local p=$work/npm-x64 out
	new_node_project "$p"
	if ! out=$(npm_in "$p" install "${npm_flags[@]}" "$main_tgz" "$dist/pgboot-linux-x64-$version.tgz" 2>&1); then
		notok "npm install ./pgboot-$version.tgz ./pgboot-linux-x64-$version.tgz (offline)"; echo "$out" | sed 's/^/#   /'; return
	fi
	ok "npm install ./pgboot-$version.tgz ./pgboot-linux-x64-$version.tgz in a fresh project, offline"
	version_check "npm x64: npx pgboot" npm_in "$p" exec --offline --no -- pgboot
	migrate_check npm_x64 npm_in "$p" exec --offline --no -- pgboot
	# the exit status passes through the launcher (and npx)
	local code
	(cd "$p" && npx --offline --no pgboot wait --database-url "postgresql://postgres@127.0.0.1:1/x" --wait-timeout=1s) >/dev/null 2>&1
	code=$?
	if [ "$code" = 69 ]; then ok "npm x64: npx pgboot wait on a closed port exits 69, pgboot's own status"
	else notok "npm x64: npx pgboot wait on a closed port exits 69 (got $code)"; fi
	# SIGTERM to the launcher reaches pgboot, and the launcher ends by it (143)
	local launcher=$p/node_modules/.bin/pgboot child pid
	"$launcher" wait --database-url "postgresql://postgres@127.0.0.1:1/x" --wait-timeout=60s >/dev/null 2>"$work/npm-term.err" &
	pid=$!
	for _ in $(seq 50); do child=$(pgrep -P "$pid" || true); [ -z "$child" ] || break; sleep 0.1; done
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid"
	code=$?
	if [ -n "$child" ] && [ "$code" = 143 ] && ! kill -0 "$child" 2>/dev/null && grep -qi 'signal\|SIGTERM\|terminat' "$work/npm-term.err"; then
		ok "npm x64: SIGTERM to the launcher stops pgboot (it says so), the launcher ends with 143"
	else
		notok "npm x64: SIGTERM passed through (status $code, child ${child:-none} $(kill -0 "${child:-0}" 2>/dev/null && echo alive))"
		sed 's/^/#   /' "$work/npm-term.err" | tail -n 5
		[ -z "$child" ] || kill -KILL "$child" 2>/dev/null
	fi
	# other platforms: one line, exit 1, no stack trace
	printf "Object.defineProperty(process, 'platform', {value: 'darwin'});\nObject.defineProperty(process, 'arch', {value: 'arm64'});\n" >"$work/fake-darwin.js"
	out=$(node -r "$work/fake-darwin.js" "$p/node_modules/pgboot/bin/pgboot.js" version 2>&1)
	code=$?
	if [ "$code" = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && grep -q '^pgboot: no binary for darwin arm64' <<<"$out"; then
		ok "npm: on darwin arm64 the launcher says so in one line and exits 1: $out"
	else
		notok "npm: darwin arm64 gives one line and exit 1 (got $code: $out)"
	fi
}
npm_x64

# the platform package left out (--omit=optional): a clear message, not a stack trace
p=$work/npm-omit
new_node_project "$p"
if out=$(npm_in "$p" install "${npm_flags[@]}" --omit=optional "$main_tgz" 2>&1); then
	out=$(cd "$p" && npx --offline --no pgboot version 2>&1)
	code=$?
	if [ "$code" = 1 ] && grep -q '^pgboot: the package "@pgboot/linux-x64" .* is not installed' <<<"$out" && ! grep -q '    at ' <<<"$out"; then
		ok "npm --omit=optional: npx pgboot names the missing @pgboot/linux-x64 and exits 1"
	else
		notok "npm --omit=optional: a clear message (got $code: $out)"
	fi
else
	notok "npm install --omit=optional ./pgboot-$version.tgz: $out"
fi

if have_arch aarch64; then
	arm_tgz=$dist/pgboot-linux-arm64-$version.tgz
	# cpu is honoured: npm refuses the arm64 package on x64
	p=$work/npm-arm64
	new_node_project "$p"
	if out=$(npm_in "$p" install "${npm_flags[@]}" "$main_tgz" "$arm_tgz" 2>&1); then
		notok "npm refuses @pgboot/linux-arm64 on x64 (it installed)"
	elif grep -q EBADPLATFORM <<<"$out"; then
		ok "npm refuses @pgboot/linux-arm64 on x64 (EBADPLATFORM: its os/cpu fields)"
	else
		notok "npm refuses @pgboot/linux-arm64 with EBADPLATFORM: $out"
	fi
	# forced in, and run through the launcher as on arm64: process.arch faked, the
	# binary it resolves started under qemu
	if out=$(npm_in "$p" install "${npm_flags[@]}" --force "$main_tgz" "$arm_tgz" 2>&1); then
		cat >"$work/fake-arm64.js" <<JS
Object.defineProperty(process, 'arch', {value: 'arm64'});
const cp = require('child_process');
const spawn = cp.spawn;
cp.spawn = (file, args, opts) => spawn('$qemu_path', [file, ...args], opts);
JS
		launch_arm64() { node -r "$work/fake-arm64.js" "$p/node_modules/pgboot/bin/pgboot.js" "$@"; }
		if [ -n "$qemu_path" ]; then
			version_check "npm arm64 (launcher as on arm64, under qemu)" launch_arm64
			migrate_check npm_arm64 launch_arm64
		else
			notok "$qemu is installed (qemu-user)"
		fi
	else
		notok "npm install --force the arm64 package: $out"
	fi
fi

# ---- PyPI: a venv, pip from the wheel file -----------------------------------------------
py=/usr/bin/python3
[ -x "$py" ] || py=python3
whl() { echo "$dist/pgboot-$version-py3-none-manylinux_2_17_$1.manylinux2014_$1.musllinux_1_1_$1.whl"; }
# RECORD lists every file with its sha256 and size
record_ok() {
	"$py" - "$@" <<'PY'
import base64, hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = set(z.namelist())
rec = [n for n in names if n.endswith(".dist-info/RECORD")]
assert len(rec) == 1, rec
listed = set()
for line in z.read(rec[0]).decode().splitlines():
    name, h, size = line.rsplit(",", 2)
    listed.add(name)
    if name == rec[0]:
        continue
    data = z.read(name)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert h == want and int(size) == len(data), name
assert listed == names, names ^ listed
exe = [i for i in z.infolist() if i.filename.endswith(".data/scripts/pgboot")]
assert exe and (exe[0].external_attr >> 16) & 0o111, "the binary is not executable in the zip"
meta = z.read([n for n in names if n.endswith("dist-info/METADATA")][0]).decode()
assert "\nVersion: " + sys.argv[2] + "\n" in meta, meta
PY
}
venv=$work/venv
if out=$("$py" -m venv "$venv" 2>&1); then
	for a in "${arches[@]}"; do check "wheel $a: RECORD hashes and sizes, the executable bit, METADATA's version" record_ok "$(whl "$a")" "$version"; done
	w=$(whl x86_64)
	if out=$("$venv/bin/pip" install --no-index --no-deps --disable-pip-version-check "$w" 2>&1); then
		ok "pip install --no-index ./$(basename "$w") into a fresh venv ($("$venv/bin/pip" --version | cut -d' ' -f1-2))"
		if [ "$(PATH=$venv/bin:$PATH command -v pgboot)" = "$venv/bin/pgboot" ]; then
			ok "pip: pgboot is on the venv's PATH ($venv/bin/pgboot)"
		else
			notok "pip: pgboot on the venv's PATH (found: $(PATH=$venv/bin:$PATH command -v pgboot))"
		fi
		version_check "pip x86_64" env PATH="$venv/bin:$PATH" pgboot
		migrate_check pip_x86_64 env PATH="$venv/bin:$PATH" pgboot
		if "$venv/bin/pip" uninstall -y --disable-pip-version-check pgboot >/dev/null 2>&1 && [ ! -e "$venv/bin/pgboot" ]; then
			ok "pip uninstall pgboot removes bin/pgboot (RECORD lists it)"
		else
			notok "pip uninstall pgboot removes bin/pgboot"
		fi
	else
		notok "pip install --no-index $w: $out"
	fi
	if have_arch aarch64; then
		w=$(whl aarch64)
		if out=$("$venv/bin/pip" install --no-index --no-deps --disable-pip-version-check "$w" 2>&1); then
			notok "pip refuses the aarch64 wheel on x86_64 (it installed)"
		elif grep -q 'not a supported wheel on this platform' <<<"$out"; then
			ok "pip refuses the aarch64 wheel on x86_64 (not a supported wheel on this platform)"
		else
			notok "pip refuses the aarch64 wheel for its platform: $out"
		fi
		# as pip on an aarch64 musl or glibc machine would install it
		if out=$("$venv/bin/pip" install --no-index --no-deps --disable-pip-version-check --only-binary=:all: \
			--platform musllinux_1_1_aarch64 --target "$work/pip-aarch64" "$w" 2>&1); then
			version_check "pip aarch64 (--platform musllinux_1_1_aarch64 --target, under qemu)" aarch64 "$work/pip-aarch64/bin/pgboot"
		else
			notok "pip install --platform musllinux_1_1_aarch64 --target: $out"
		fi
	fi
else
	notok "$py -m venv (Debian's python3-venv): $out"
fi

# ---- apt: the .deb -----------------------------------------------------------------------
deb_check() { # ARCH DEBARCH
	local a=$1 da=$2 d="$dist/pgboot_${version}_$2.deb" x=$work/deb-x-$1 fields
	fields=$(dpkg-deb -f "$d" Package Version Architecture Depends Pre-Depends Maintainer Description 2>&1)
	if grep -qx "Package: pgboot" <<<"$fields" && grep -qx "Version: $version" <<<"$fields" &&
		grep -qx "Architecture: $da" <<<"$fields" && ! grep -q '^\(Pre-\)\{0,1\}Depends:' <<<"$fields" &&
		grep -q '^Maintainer: .*<.*@.*>' <<<"$fields" && grep -q '^Description: .' <<<"$fields" &&
		[ -z "$(dpkg-deb -c "$d" | awk '{print $2}' | grep -v '^root/root$')" ]; then
		ok "deb $da: Package pgboot, Version $version, Architecture $da, no Depends, files owned by root"
	else
		notok "deb $da control fields: $fields"
	fi
	mkdir -p "$x"
	if dpkg-deb -x "$d" "$x" && [ -x "$x/usr/bin/pgboot" ] && [ -f "$x/usr/share/man/man1/pgboot.1.gz" ]; then
		ok "deb $da: dpkg-deb -x gives usr/bin/pgboot and usr/share/man/man1/pgboot.1.gz"
	else
		notok "deb $da: dpkg-deb -x gives usr/bin/pgboot and the man page"; return
	fi
	if [ "$a" = "$(uname -m)" ]; then version_check "deb $da (dpkg-deb -x)" "$x/usr/bin/pgboot"
	else version_check "deb $da (dpkg-deb -x, under qemu)" aarch64 "$x/usr/bin/pgboot"; fi
}
deb_check x86_64 amd64
have_arch aarch64 && deb_check aarch64 arm64

# dpkg -i into a throwaway root: installed, run, its man page renders, removed
r=$work/dpkg-root
mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/usr/bin"
: >"$r/var/lib/dpkg/status"
d=$dist/pgboot_${version}_amd64.deb
if out=$(dpkg --root="$r" --force-not-root --log=/dev/null -i "$d" 2>&1) &&
	[ "$(dpkg --root="$r" -s pgboot 2>/dev/null | sed -n 's/^Status: //p')" = "install ok installed" ]; then
	ok "dpkg --root=DIR -i pgboot_${version}_amd64.deb: install ok installed"
	version_check "deb amd64 (dpkg -i)" "$r/usr/bin/pgboot"
	migrate_check deb_amd64 "$r/usr/bin/pgboot"
	man_out=$(MANWIDTH=80 man --warnings -l "$r/usr/share/man/man1/pgboot.1.gz" 2>"$work/man.err" | col -b)
	if [ -s "$work/man.err" ]; then
		notok "man -l pgboot.1.gz renders without warnings: $(head -n 3 "$work/man.err")"
	elif grep -q '^NAME' <<<"$man_out" && grep -q '^PGBOOT MIGRATE' <<<"$man_out" &&
		grep -q -- '--database-url=URL' <<<"$man_out" && grep -q "pgboot $version" <<<"$man_out"; then
		ok "man -l pgboot.1.gz renders, no groff warnings: NAME, PGBOOT MIGRATE, --database-url, pgboot $version ($(echo "$man_out" | wc -l) lines)"
	else
		notok "man -l pgboot.1.gz has NAME, PGBOOT MIGRATE, --database-url and the version"
	fi
	if dpkg --root="$r" --force-not-root --log=/dev/null -r pgboot >/dev/null 2>&1 && [ ! -e "$r/usr/bin/pgboot" ] &&
		[ ! -e "$r/usr/share/man/man1/pgboot.1.gz" ]; then
		ok "dpkg --root=DIR -r pgboot removes the binary and the man page"
	else
		notok "dpkg -r pgboot removes its files"
	fi
else
	notok "dpkg --root=DIR -i $d: $out"
fi

# ---- the release tarballs ---------------------------------------------------------------
for a in "${arches[@]}"; do
	name=pgboot-$version-linux-$a
	x=$work/tar-$a
	mkdir -p "$x"
	if tar -xzf "$dist/$name.tar.gz" -C "$x" && [ -x "$x/$name/pgboot" ] && [ -f "$x/$name/README.md" ] &&
		[ -f "$x/$name/pgboot.1" ]; then
		ok "tarball $name.tar.gz: $name/pgboot, README.md, pgboot.1"
	else
		notok "tarball $name.tar.gz holds $name/pgboot, README.md, pgboot.1"; continue
	fi
	if [ "$a" = "$(uname -m)" ]; then
		version_check "tarball $a" "$x/$name/pgboot"
		migrate_check "tar_$a" "$x/$name/pgboot"
	else
		version_check "tarball $a (under qemu)" aarch64 "$x/$name/pgboot"
	fi
done

# ---- the same commit gives the same bytes -----------------------------------------------
if [ "$build" = 1 ]; then
	cp "$dist/SHA256SUMS" "$work/SHA256SUMS.first"
	if make --no-print-directory dist "${archargs[@]+"${archargs[@]}"}" </dev/null >"$work/dist2.log" 2>&1 &&
		cmp -s "$dist/SHA256SUMS" "$work/SHA256SUMS.first"; then
		ok "make dist again gives byte-identical artifacts (SHA256SUMS the same)"
	else
		notok "make dist is reproducible"; diff "$work/SHA256SUMS.first" "$dist/SHA256SUMS" | sed 's/^/#   /'
	fi
fi
finish
