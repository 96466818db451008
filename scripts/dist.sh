#!/usr/bin/env bash
# `make dist`: the release artifacts, built from the static binaries into build/dist/:
#
#   pgboot-V.tgz                  npm: the `pgboot` command (a small JS launcher,
#                                 scripts/dist/pgboot.js) and exact-version optional
#                                 dependencies on the per-platform packages below
#   pgboot-linux-x64-V.tgz        npm: @pgboot/linux-x64, the binary (os/cpu fields)
#   pgboot-linux-arm64-V.tgz      npm: @pgboot/linux-arm64
#   pgboot-V-py3-none-TAGS.whl    PyPI: one wheel per architecture, the binary in
#                                 .data/scripts (pip puts it on the venv's PATH)
#   pgboot_V_amd64.deb, _arm64    apt: /usr/bin/pgboot and pgboot(1) (dpkg-deb)
#   pgboot-V-linux-ARCH.tar.gz    the binary, README.md and pgboot.1
#   SHA256SUMS                    over all of the above
#
#   scripts/dist.sh [--arch ARCH]...
#
# ARCH is x86_64 or aarch64 (amd64, arm64). Without --arch: the machine's own
# architecture, and the other one when its cross build exists (build/static-aarch64/
# pgboot on an x86_64 machine; `make static ARCH=aarch64` makes it). A binary that is
# missing or older than the sources is (re)built with scripts/build-static.sh (the
# dependencies are cached, so only pgboot itself is compiled when they are there).
# The version of every artifact is PGBOOT_VERSION of include/version_info.h, the one
# `pgboot version` prints (checked: the native binary is run). The files' dates are
# SOURCE_DATE_EPOCH (default: the last commit's), so the same commit gives the same
# bytes. Nothing is published. Needs npm, python3, dpkg-deb, gzip; tests/dist/run.sh
# installs and runs every artifact.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { echo "dist: $*" >&2; }
die() { echo "dist: error: $*" >&2; exit 1; }

arches=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	--arch) [ $# -ge 2 ] || { echo "dist: --arch needs an architecture" >&2; exit 2; }
		for a in $2; do arches+=("$a"); done; shift ;;
	--arch=*) for a in ${1#--arch=}; do arches+=("$a"); done ;;
	*) echo "dist: unknown argument \"$1\" (try --help)" >&2; exit 2 ;;
	esac
	shift
done

host=$(uname -m)
other=aarch64
[ "$host" != aarch64 ] || other=x86_64
# the output directory of build-static.sh for an architecture
static_dir() { if [ "$1" = "$host" ]; then echo build/static; else echo "build/static-$1"; fi; }
explicit=1
if [ ${#arches[@]} -eq 0 ]; then
	explicit=0
	arches=("$host")
	if [ -x "$(static_dir "$other")/pgboot" ]; then arches+=("$other"); fi
fi
for i in "${!arches[@]}"; do
	case "${arches[i]}" in
	x86_64 | amd64) arches[i]=x86_64 ;;
	aarch64 | arm64) arches[i]=aarch64 ;;
	*) echo "dist: unsupported architecture \"${arches[i]}\" (x86_64 or aarch64)" >&2; exit 2 ;;
	esac
done

version=$(sed -n 's/^#define PGBOOT_VERSION "\(.*\)"$/\1/p' include/version_info.h)
[ -n "$version" ] || die "no PGBOOT_VERSION in include/version_info.h"
case "$version" in *[!0-9A-Za-z.+~-]*) die "PGBOOT_VERSION \"$version\" is not a version every packager takes" ;; esac
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || stat -c %Y include/version_info.h)}
export SOURCE_DATE_EPOCH=$epoch
date=$(date -u -d "@$epoch" +%Y-%m-%d)
maintainer=${PGBOOT_MAINTAINER:-pgboot maintainers <pgboot@example.invalid>}
summary="prepares a PostgreSQL database, then starts the application"
scripts/install-deps.sh dist </dev/null || die "the packages of install-deps.sh's group dist are missing"
for tool in npm python3 dpkg-deb gzip; do
	command -v "$tool" >/dev/null || die "$tool is not installed (scripts/install-deps.sh dist)"
done

# --- the binaries, fresh ---------------------------------------------------
bins=()
for arch in "${arches[@]}"; do
	bin=$(static_dir "$arch")/pgboot
	stale=
	[ -x "$bin" ] && stale=$(find src include scripts/build-static.sh -newer "$bin" -type f | head -n 1)
	if [ ! -x "$bin" ] || [ -n "$stale" ]; then
		if [ ! -x "$bin" ] && [ "$arch" != "$host" ] && [ ! -d "build/static-deps-$arch" ]; then
			say "building $bin: the first cross build compiles OpenSSL, libpq and libsodium (minutes)"
		fi
		say "$bin is ${stale:+older than $stale}${stale:-missing}: scripts/build-static.sh --arch $arch"
		scripts/build-static.sh --arch "$arch" </dev/null || die "the $arch static build failed"
	fi
	bins+=("$bin")
done
[ "$explicit" = 1 ] || [ ${#arches[@]} -gt 1 ] ||
	say "no $other artifacts: $(static_dir "$other")/pgboot is missing (make static ARCH=$other, or make dist ARCH=\"$host $other\")"
native=$(static_dir "$host")/pgboot
[ -x "$native" ] || scripts/build-static.sh </dev/null || die "the native static build (for the man page) failed"
said=$("$native" version) || die "$native version failed"
[ "$said" = "pgboot $version" ] || die "$native says \"$said\", include/version_info.h says $version"

out=$root/build/dist
stage=$root/build/dist-stage
rm -rf "$out" "$stage"
mkdir -p "$out" "$stage"

# --- the man page, from the native binary's help -------------------------------
python3 scripts/dist/manpage.py --date "$date" "$native" >"$stage/pgboot.1"
gzip -9n <"$stage/pgboot.1" >"$stage/pgboot.1.gz"

# names of an architecture: npm's, Debian's
npm_arch() { case "$1" in x86_64) echo x64 ;; aarch64) echo arm64 ;; esac; }
deb_arch() { case "$1" in x86_64) echo amd64 ;; aarch64) echo arm64 ;; esac; }

npm_pack() { # DIR: npm pack it into $out, offline
	(cd "$1" && npm pack --pack-destination "$out" --offline --no-update-notifier --loglevel=error \
		--json >/dev/null) || die "npm pack $1 failed"
}

# --- npm: the launcher package ---------------------------------------------------
pkg=$stage/npm/pgboot
mkdir -p "$pkg/bin"
install -m 755 scripts/dist/pgboot.js "$pkg/bin/pgboot.js"
cat >"$pkg/package.json" <<JSON
{
  "name": "pgboot",
  "version": "$version",
  "description": "pgboot $summary",
  "keywords": ["postgresql", "postgres", "migrations", "migrate", "database"],
  "bin": {
    "pgboot": "bin/pgboot.js"
  },
  "files": ["bin"],
  "engines": {
    "node": ">=14"
  },
  "optionalDependencies": {
    "@pgboot/linux-x64": "$version",
    "@pgboot/linux-arm64": "$version"
  }
}
JSON
cat >"$pkg/README.md" <<MD
# pgboot

pgboot $summary: it waits for PostgreSQL, takes an advisory lock, applies the
migrations, verifies and execs the app. One static binary (linux x64 and arm64), run by
\`npx pgboot\` from the package of your platform (\`@pgboot/linux-x64\`, \`@pgboot/linux-arm64\`,
optional dependencies that npm installs only where they fit). No postinstall script.

    npm install --save-dev pgboot
    npx pgboot migrate --database-url "\$DATABASE_URL"

\`man pgboot\` is in the .deb; \`npx pgboot --help\` and \`npx pgboot COMMAND --help\` say the same.
MD
npm_pack "$pkg"

# --- per architecture -----------------------------------------------------------
for i in "${!arches[@]}"; do
	arch=${arches[i]} bin=${bins[i]}
	na=$(npm_arch "$arch") da=$(deb_arch "$arch")

	# npm: @pgboot/linux-ARCH, the binary, selected by os and cpu
	pkg=$stage/npm/linux-$na
	mkdir -p "$pkg/bin"
	install -m 755 "$bin" "$pkg/bin/pgboot"
	cat >"$pkg/package.json" <<JSON
{
  "name": "@pgboot/linux-$na",
  "version": "$version",
  "description": "The linux $na binary of pgboot (static, musl)",
  "preferUnplugged": true,
  "os": ["linux"],
  "cpu": ["$na"],
  "files": ["bin"]
}
JSON
	printf '# @pgboot/linux-%s\n\nThe linux %s binary of pgboot, run by the `pgboot` package.\n' "$na" "$na" >"$pkg/README.md"
	npm_pack "$pkg"

	# PyPI: the wheel (manylinux for glibc, musllinux for Alpine: the binary needs neither)
	printf '# pgboot\n\npgboot %s: it waits for PostgreSQL, takes an advisory lock, applies the\nmigrations, verifies and execs the app. This wheel installs its static %s binary as\n`pgboot` on the environment'"'"'s PATH.\n\n    pip install pgboot\n    pgboot migrate --database-url "$DATABASE_URL"\n' \
		"$summary" "$arch" >"$stage/wheel-README.md"
	python3 scripts/dist/wheel.py --name pgboot --version "$version" \
		--tag "py3-none-manylinux_2_17_$arch.manylinux2014_$arch.musllinux_1_1_$arch" \
		--binary "$bin" --summary "$summary" --description "$stage/wheel-README.md" \
		--epoch "$epoch" "$out" >/dev/null || die "the $arch wheel failed"

	# apt: a .deb with /usr/bin/pgboot and pgboot(1); static, so no Depends, but
	# Built-Using names the Debian sources linked in (Debian policy 7.8)
	deb=$stage/deb-$da
	mkdir -p "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/share/man/man1"
	install -m 755 "$bin" "$deb/usr/bin/pgboot"
	install -m 644 "$stage/pgboot.1.gz" "$deb/usr/share/man/man1/pgboot.1.gz"
	deps=build/static-deps
	[ "$arch" = "$host" ] || deps=build/static-deps-$arch
	built_using=
	if [ -f "$deps/stamps/libpq" ]; then
		musl=$(dpkg-query -W -f='${source:Version}' "musl-dev:$da" 2>/dev/null || true)
		built_using="${musl:+musl (= $musl), }openssl (= $(head -n 1 "$deps/stamps/openssl")), postgresql-15 (= $(head -n 1 "$deps/stamps/libpq")), libsodium (= $(head -n 1 "$deps/stamps/libsodium"))"
		[ ! -f "$deps/stamps/libpg_query" ] ||
			built_using="$built_using, libpg-query (= $(head -n 1 "$deps/stamps/libpg_query"))"
	fi
	cat >"$deb/DEBIAN/control" <<CONTROL
Package: pgboot
Version: $version
Architecture: $da
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$deb" | cut -f1)
Section: database
Priority: optional
${built_using:+Built-Using: $built_using
}Description: $summary
 pgboot waits for PostgreSQL, takes an advisory lock, applies the migrations
 (and the seeds when asked), runs the checks and then execs the application,
 or exits for an init container or a pre-deploy job.
 .
 One statically linked binary: libpq (TLS through OpenSSL), libsodium and
 libpg_query (the PostgreSQL parser) are built in, so it depends on nothing.
CONTROL
	find "$deb" -exec touch -h -d "@$epoch" {} +
	dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/pgboot_${version}_$da.deb" >/dev/null ||
		die "dpkg-deb --build failed for $da"

	# the release tarball
	name=pgboot-$version-linux-$arch
	t=$stage/tar/$name
	mkdir -p "$t"
	install -m 755 "$bin" "$t/pgboot"
	install -m 644 README.md "$t/README.md"
	install -m 644 "$stage/pgboot.1" "$t/pgboot.1"
	[ ! -f LICENSE ] || install -m 644 LICENSE "$t/LICENSE"
	find "$t" -exec touch -h -d "@$epoch" {} +
	tar -C "$stage/tar" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
		--format=gnu -cf - "$name" | gzip -9n >"$out/$name.tar.gz"
done

rm -rf "$stage"
(cd "$out" && sha256sum -- *.tgz *.whl *.deb *.tar.gz >SHA256SUMS)
say "pgboot $version for ${arches[*]} in ${out#"$root"/}:"
(cd "$out" && for f in *; do printf '  %9s  %s\n' "$(stat -c %s "$f")" "$f"; done) >&2
