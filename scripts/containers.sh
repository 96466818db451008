#!/usr/bin/env bash
# A container engine and the base images the Dockerfile and docker-compose.yml
# need, from Debian 12's packages alone: no Docker daemon, no registry (pulls
# fail on the CI machines). Used by tests/containers/run.sh; as root.
#
#   scripts/containers.sh [setup|debian|postgres|bases|env|all]    (default: all)
#
#   setup  install podman buildah runc podman-compose debootstrap and the CNI DNS
#          plugin (scripts/install-deps.sh containers), and write the engine's
#          configuration under $PGBOOT_CONTAINERS_CONF (below)
#   bases  make the STAND-IN base images (debian, then postgres: one each), each
#          only when it is not there yet:
#            docker.io/library/debian:bookworm-slim   debootstrap --variant=minbase
#            docker.io/library/postgres:15-bookworm   Debian's postgresql-15 and gosu,
#                                                     with the official image's
#                                                     entrypoint behaviour (below)
#          They are NOT the official images, only close enough for the tests: the
#          same Debian release and PostgreSQL major, the same paths and variables.
#   env    print the environment the engine needs (eval it): CONTAINERS_CONF and
#          CONTAINERS_STORAGE_CONF
#
# The machine's own /etc/containers is left alone: the configuration lives in
# $PGBOOT_CONTAINERS_CONF (default build/containers/conf): runtime runc with
# default ulimits (crun fails on these machines: setrlimit RLIMIT_NOFILE, then
# "cgroups in hybrid mode not supported"), storage driver vfs in
# $PGBOOT_CONTAINERS_ROOT (default /var/lib/containers/pgboot), so the images
# stay cached between runs on the same machine; the debootstrap tree is cached
# as build/containers/debian-bookworm-slim.tar.
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac

cd "$(dirname "$0")/.."
root=$(pwd)
cache=$root/build/containers
conf=${PGBOOT_CONTAINERS_CONF:-$cache/conf}
store=${PGBOOT_CONTAINERS_ROOT:-/var/lib/containers/pgboot}
debian_ref=docker.io/library/debian:bookworm-slim
postgres_ref=docker.io/library/postgres:15-bookworm
stand_in_label=org.pgboot.stand-in

say() { echo "containers: $*" >&2; }

print_env() {
	echo "export CONTAINERS_CONF=$conf/containers.conf"
	echo "export CONTAINERS_STORAGE_CONF=$conf/storage.conf"
}

setup() {
	scripts/install-deps.sh containers
	mkdir -p "$conf" "$store"
	cat >"$conf/containers.conf" <<'EOF'
# Written by pgboot's scripts/containers.sh (crun fails on these machines).
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "cni"
EOF
	cat >"$conf/storage.conf" <<EOF
# Written by pgboot's scripts/containers.sh.
[storage]
driver = "vfs"
graphroot = "$store"
runroot = "/run/containers/pgboot"
EOF
}

have_image() { podman image exists "$1" 2>/dev/null; }

debian_base() {
	local tar=$cache/debian-bookworm-slim.tar dir
	if have_image "$debian_ref"; then
		say "$debian_ref: present (stand-in: $(podman image inspect -f "{{index .Labels \"$stand_in_label\"}}" "$debian_ref" 2>/dev/null))"
		return 0
	fi
	if [ ! -s "$tar" ]; then
		dir=$(mktemp -d "$cache/debootstrap.XXXXXX")
		chmod 755 "$dir" # it becomes the image's /: mktemp's 0700 would lock out non-root users
		say "debootstrap --variant=minbase bookworm (a few minutes)"
		if ! debootstrap --variant=minbase bookworm "$dir" http://deb.debian.org/debian \
			>"$cache/debootstrap.log" 2>&1; then
			tail -n 20 "$cache/debootstrap.log" >&2
			rm -rf "$dir"
			say "debootstrap failed (log: $cache/debootstrap.log)"
			return 1
		fi
		# The official image's sources: the release, its updates and security.
		rm -f "$dir/etc/apt/sources.list"
		cat >"$dir/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
		rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
		tar -C "$dir" -cf "$tar.tmp" .
		mv "$tar.tmp" "$tar"
		rm -rf "$dir"
	fi
	say "importing $tar as $debian_ref (a stand-in)"
	podman import --change "LABEL $stand_in_label=debootstrap --variant=minbase bookworm" \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'CMD ["bash"]' "$tar" "$debian_ref" >/dev/null
}

postgres_base() {
	local dir=tests/containers/postgres-standin sum have
	# Rebuilt when its files change (the apt layer then comes from the cache).
	sum=$(cat "$dir/Containerfile" "$dir/docker-entrypoint.sh" | sha256sum | cut -c1-16)
	have=$(podman image inspect -f '{{index .Labels "org.pgboot.stand-in-files"}}' "$postgres_ref" 2>/dev/null) || true
	if [ "$have" = "$sum" ]; then
		say "$postgres_ref: present (the stand-in of $dir, $sum)"
		return 0
	fi
	say "building $postgres_ref (a stand-in: Debian's postgresql-15)"
	buildah bud --isolation chroot --network host --layers -q -t "$postgres_ref" \
		--label "org.pgboot.stand-in-files=$sum" -f "$dir/Containerfile" "$dir" >/dev/null
}

mkdir -p "$cache"
what=${1:-all}
case "$what" in
env) print_env; exit 0 ;;
setup) setup ;;
debian) eval "$(print_env)"; debian_base ;;
postgres) eval "$(print_env)"; postgres_base ;;
bases | all)
	[ "$what" = bases ] || setup
	eval "$(print_env)"
	debian_base
	postgres_base
	;;
*) say "unknown command \"$what\" (try --help)"; exit 2 ;;
esac
