#!/usr/bin/env bash
# Run a command in a directory that holds only the files a test names: the model
# of a `FROM scratch` image. No /etc/passwd, no /etc/hosts, no /etc/resolv.conf,
# no CA bundle, no shell, unless the test puts them there.
#
#   tests/deploy/scratch_env.sh [OPTIONS] DIR -- COMMAND [ARGS...]
#
#   --bin PATH[:DEST]    copy an executable in (default DEST: /BASENAME)
#   --file PATH:DEST     copy a file in (mode kept), e.g. --file ca.crt:/certs/ca.crt
#   --dir PATH:DEST      copy a directory in, e.g. --dir migrations:/app/migrations
#   --bind PATH:DEST     bind-mount a host directory (a server's socket directory)
#   --dev                provide /dev/null, /dev/zero, /dev/random, /dev/urandom,
#                        as every container runtime does (bind mounts of the host's)
#   --proc               mount /proc, as container runtimes do
#   --user UID[:GID]     run COMMAND as this uid (needs real root; no passwd entry
#                        exists for it inside, as in an image run with `--user`)
#   --env NAME=VALUE     set a variable (repeatable); COMMAND starts with an
#                        otherwise empty environment, as `docker run` of a scratch
#                        image does (PATH=/ only)
#
# DIR must not exist or be empty; it is left behind for the caller to inspect
# and remove. COMMAND is a path inside DIR. The network is the host's, so a
# server on 127.0.0.1 is reachable over TCP. Works as root (unshare --mount +
# chroot) and as a normal user where user namespaces are allowed (unshare -r).
# The exit status is COMMAND's.
set -euo pipefail

usage() { sed -n '2,/^set -e/p' "$0" | sed -e '/^set -e/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "scratch_env: $*" >&2; exit 2; }

copies=() binds=() envs=("PATH=/") dev=0 proc=0 user=""
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) [ $# -ge 2 ] || usage; copies+=("bin:$2"); shift 2 ;;
	--file) [ $# -ge 2 ] || usage; copies+=("file:$2"); shift 2 ;;
	--dir) [ $# -ge 2 ] || usage; copies+=("dir:$2"); shift 2 ;;
	--bind) [ $# -ge 2 ] || usage; binds+=("$2"); shift 2 ;;
	--dev) dev=1; shift ;;
	--proc) proc=1; shift ;;
	--user) [ $# -ge 2 ] || usage; user=$2; shift 2 ;;
	--env) [ $# -ge 2 ] || usage; envs+=("$2"); shift 2 ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) die "unknown option \"$1\"" ;;
	*) [ -z "${dir:-}" ] || usage; dir=$1; shift ;;
	esac
done
[ -n "${dir:-}" ] && [ $# -gt 0 ] || usage

mkdir -p "$dir"
[ -z "$(ls -A "$dir")" ] || die "directory \"$dir\" is not empty"
dir=$(cd "$dir" && pwd)
[ "$dir" != / ] || die "refusing to use / as the scratch root"
chmod 755 "$dir" # mktemp -d makes 0700: a --user could not even enter it

for c in ${copies[@]+"${copies[@]}"}; do
	kind=${c%%:*} spec=${c#*:}
	src=${spec%%:*}
	if [ "$src" = "$spec" ]; then
		[ "$kind" = bin ] || die "--$kind needs PATH:DEST"
		dest=/$(basename "$src")
	else
		dest=${spec#*:}
	fi
	case "$dest" in /*) ;; *) dest=/$dest ;; esac
	mkdir -p "$dir$(dirname "$dest")"
	if [ "$kind" = dir ]; then
		[ -d "$src" ] || die "no such directory \"$src\""
		cp -pR "$src" "$dir$dest"
		continue
	fi
	[ -f "$src" ] || die "no such file \"$src\""
	cp -p "$src" "$dir$dest"
	[ "$kind" = file ] || chmod 755 "$dir$dest"
done

# Everything below runs in a private mount namespace, so the mounts vanish
# with the command and never show on the host.
setup=""
q() { printf '%q' "$1"; }
if [ "$dev" = 1 ]; then
	mkdir -p "$dir/dev"
	for d in null zero random urandom; do
		: >"$dir/dev/$d"
		setup+="mount --bind /dev/$d $(q "$dir/dev/$d") && "
	done
fi
if [ "$proc" = 1 ]; then
	mkdir -p "$dir/proc"
	setup+="mount -t proc proc $(q "$dir/proc") && "
fi
for b in ${binds[@]+"${binds[@]}"}; do
	src=${b%%:*} dest=${b#*:}
	[ "$src" != "$b" ] || die "--bind needs PATH:DEST"
	[ -d "$src" ] || die "no such directory \"$src\""
	mkdir -p "$dir$dest"
	setup+="mount --bind $(q "$src") $(q "$dir$dest") && "
done

chroot_opts=()
if [ "$(id -u)" -eq 0 ]; then
	ns=(unshare --mount --propagation private --fork)
	[ -z "$user" ] || chroot_opts+=("--userspec=$user")
else
	[ -z "$user" ] || die "--user needs root"
	# A user namespace maps us to root inside it: enough for mount and chroot.
	ns=(unshare --map-root-user --mount --propagation private --fork)
fi

exec "${ns[@]}" -- /bin/sh -c "${setup}exec env -i \"\$@\"" scratch_env \
	${envs[@]+"${envs[@]}"} "$(command -v chroot)" ${chroot_opts[@]+"${chroot_opts[@]}"} "$dir" "$@"
