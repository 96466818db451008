#!/usr/bin/env bash
# Install what pgboot's build, tests, demo and benchmark need, from Debian's
# packages, only when something is missing. Usage: scripts/install-deps.sh [GROUP...]
# Groups: build (default), test, static, fuzz, bench, containers, cross-arm64
# (alias cross), cross-amd64, qemu, dist, npmtools. --help (-h) prints this.
#
# dist is what `make dist` (scripts/dist.sh) and tests/dist/run.sh need beyond the
# static build: npm, Debian's python3 with venv and pip, dpkg-deb, man to render the
# page.
#
# cross-arm64 is what `make static ARCH=aarch64` needs on an amd64 machine:
# Debian's cross compiler and musl-dev:arm64 (its aarch64-linux-musl-gcc
# wrapper, headers and libc.a), which takes `dpkg --add-architecture arm64`,
# done here when missing; cross-amd64 is the same the other way round. qemu is
# qemu-user, which runs the aarch64 binary's tests (tests/cross/run.sh).
# containers is podman, buildah, podman-compose and what they need
# (tests/containers/run.sh, scripts/containers.sh).
# The test group also installs pinned npm packages into build/node (ignored by
# git): the Kubernetes types the schema check of deploy/kubernetes compiles
# against (tests/deploy/check_k8s_schema.py).
# npmtools is the other migration tools the adoption and coexistence tests run
# (dbmate, node-pg-migrate, drizzle-orm's migrator, pg) and Squawk, the lint
# oracle of tests/lint (squawk-cli: its native binary is in the platform
# package @squawk-cli/linux-x64, no download at install), installed from
# tests/npm-tools/package.json and its package-lock.json into build/npm-tools
# (ignored by git), again only when that lock changed; scripts/test.sh asks for it.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build)

pkgs=() node_pkgs=() npm_tools=0
for g in "${groups[@]}"; do
	case "$g" in
	build) pkgs+=(gcc make libc6-dev libpq-dev libsodium-dev libpg-query-dev pkg-config) ;;
	test) pkgs+=(gcc make libc6-dev libpq-dev libsodium-dev libpg-query-dev postgresql-15
		postgresql-client-15 pgbouncer python3 python3-yaml util-linux procps valgrind openssl)
		node_pkgs=(typescript@5.9.3 kubernetes-types@1.30.0)
		command -v node >/dev/null || pkgs+=(nodejs)
		command -v npm >/dev/null || pkgs+=(npm) ;;
	static) pkgs+=(gcc make musl-tools musl-dev dpkg-dev autoconf automake libtool bison flex
		perl file xz-utils ca-certificates binutils) ;;
	fuzz) pkgs+=(clang libclang-rt-14-dev) ;;
	cross | cross-arm64) pkgs+=(crossbuild-essential-arm64 musl-dev:arm64 file) ;;
	cross-amd64) pkgs+=(crossbuild-essential-amd64 musl-dev:amd64 file) ;;
	qemu) pkgs+=(qemu-user) ;;
	dist) pkgs+=(python3 python3-venv python3-pip dpkg gzip tar man-db groff-base bsdextrautils)
		command -v node >/dev/null || pkgs+=(nodejs)
		command -v npm >/dev/null || pkgs+=(npm) ;;
	npmtools) npm_tools=1
		command -v node >/dev/null || pkgs+=(nodejs)
		command -v npm >/dev/null || pkgs+=(npm) ;;
	bench) pkgs+=(gnuplot-nox hyperfine postgresql-15 postgresql-client-15 sqitch libdbd-pg-perl nodejs
		valgrind python3 time binutils gcc libc6-dev linux-perf) ;;
	# tests/containers/run.sh (scripts/containers.sh): podman, buildah, podman-compose,
	# the CNI DNS plugin so compose services find each other, debootstrap for the
	# stand-in base images, docker-compose 1.29 to validate docker-compose.yml
	containers) pkgs+=(podman buildah runc podman-compose debootstrap containernetworking-plugins
		golang-github-containernetworking-plugin-dnsname iptables docker-compose) ;;
	*) echo "install-deps: unknown group \"$g\" (try --help)" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The npm packages, into build/node unless every one is there at its version.
install_node_pkgs() {
	[ ${#node_pkgs[@]} -gt 0 ] || return 0
	local dir p name have=1
	dir=$(cd "$(dirname "$0")/.." && pwd)/build/node
	for p in "${node_pkgs[@]}"; do
		name=${p%@*}
		grep -qs "\"version\": \"${p##*@}\"" "$dir/node_modules/$name/package.json" || have=0
	done
	[ "$have" = 0 ] || return 0
	echo "install-deps: installing ${node_pkgs[*]} into build/node" >&2
	mkdir -p "$dir"
	[ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
	npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "${node_pkgs[@]}" >&2
}

# The pinned tools of tests/npm-tools into build/npm-tools, unless the lock
# there is the same and dbmate's and squawk's per-platform binaries run.
install_npm_tools() {
	[ "$npm_tools" = 1 ] || return 0
	local root src dir
	root=$(cd "$(dirname "$0")/.." && pwd)
	src=$root/tests/npm-tools dir=$root/build/npm-tools
	if cmp -s "$src/package-lock.json" "$dir/package-lock.json" &&
		"$dir/node_modules/.bin/dbmate" --version >/dev/null 2>&1 &&
		"$dir/node_modules/.bin/squawk" --version >/dev/null 2>&1; then
		return 0
	fi
	echo "install-deps: installing tests/npm-tools (dbmate, node-pg-migrate, drizzle-orm, pg, squawk-cli) into build/npm-tools" >&2
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$src/package.json" "$src/package-lock.json" "$dir/"
	# install, not ci: the lock holds dbmate's and squawk's binaries for this platform only
	# (the others are optional), and install adds the one this machine needs
	# at the locked version; --no-save leaves the copied lock as it is
	npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error >&2
	"$dir/node_modules/.bin/dbmate" --version >/dev/null || {
		echo "install-deps: dbmate from npm does not run on this machine ($(uname -m))" >&2
		return 1
	}
	"$dir/node_modules/.bin/squawk" --version >/dev/null || {
		echo "install-deps: squawk from npm does not run on this machine ($(uname -m))" >&2
		return 1
	}
}

[ ${#missing[@]} -eq 0 ] && { install_node_pkgs; install_npm_tools; exit 0; }

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A package of another architecture (musl-dev:arm64) needs it added to dpkg.
for p in "${missing[@]}"; do
	case "$p" in
	*:*) a=${p#*:}
		if [ "$a" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$a"; then
			echo "install-deps: dpkg --add-architecture $a" >&2
			dpkg --add-architecture "$a"
		fi ;;
	esac
done
# postgresql-common would create and start a "main" cluster; the tests start their own.
mkdir -p /etc/postgresql-common
[ -f /etc/postgresql-common/createcluster.conf ] ||
	echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_node_pkgs
install_npm_tools
