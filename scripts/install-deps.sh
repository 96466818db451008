#!/usr/bin/env bash
# Install what pgboot's build, tests, demo and benchmark need, from Debian's
# packages, only when something is missing. Usage: scripts/install-deps.sh [GROUP...]
# Groups: build (default), test, static, fuzz, bench, containers. --help (-h) prints this.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build)

pkgs=()
for g in "${groups[@]}"; do
	case "$g" in
	build) pkgs+=(gcc make libc6-dev libpq-dev libsodium-dev pkg-config) ;;
	test) pkgs+=(gcc make libc6-dev libpq-dev libsodium-dev postgresql-15
		postgresql-client-15 pgbouncer python3 python3-yaml util-linux procps valgrind openssl) ;;
	static) pkgs+=(gcc make musl-tools musl-dev dpkg-dev autoconf automake libtool bison flex
		perl file xz-utils ca-certificates binutils) ;;
	fuzz) pkgs+=(clang libclang-rt-14-dev) ;;
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
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# postgresql-common would create and start a "main" cluster; the tests start their own.
mkdir -p /etc/postgresql-common
[ -f /etc/postgresql-common/createcluster.conf ] ||
	echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
