# shellcheck shell=bash
# Debian 12's source packages, for the scripts that build from them
# (scripts/build-static.sh: OpenSSL, libpq, libsodium) or read them
# (scripts/regress-corpus.sh: PostgreSQL's regression SQL). Sourced, not run.
#
#   debsrc_ensure PKG                 make apt list source package PKG; as root, add
#                                     /etc/apt/sources.list.d/pgboot-deb-src.sources
#                                     (the machine's own sources are left alone) and
#                                     refresh the package lists
#   debsrc_download DIR PKG VERSION...
#                                     download source package PKG into DIR (.dsc, tarballs),
#                                     the first VERSION apt can fetch; print that version
#
# Both say what went wrong on stderr, prefixed with the calling script's name,
# and return 1; the caller decides whether that ends it. Nothing is printed on
# stdout but debsrc_download's version.

debsrc_prog=$(basename "$0" .sh)

debsrc_listed() {
	# Not grep -q: with pipefail, apt-cache killed by SIGPIPE would count as "no".
	apt-cache showsrc "$1" 2>/dev/null | grep "^Package: $1\$" >/dev/null
}

debsrc_ensure() {
	local pkg=$1 f=/etc/apt/sources.list.d/pgboot-deb-src.sources
	debsrc_listed "$pkg" && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "$debsrc_prog: apt has no deb-src entry for bookworm ($pkg); run this once as root, or add one like $f" >&2
		return 1
	fi
	if [ ! -f "$f" ]; then
		echo "$debsrc_prog: adding $f" >&2
		cat >"$f" <<'EOF'
# Added by pgboot's scripts/lib/debsrc.sh: the static build compiles OpenSSL,
# libpq and libsodium from Debian 12's source packages, the psql equivalence
# test reads PostgreSQL's regression SQL from one.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	fi
	apt-get update -qq >&2
	debsrc_listed "$pkg" && return 0
	echo "$debsrc_prog: apt still lists no source package $pkg after adding $f" >&2
	return 1
}

# debsrc_reason LOG: the line of an apt-get log that says why it failed (its
# first error, e.g. a 404 from a mirror without the security pool)
debsrc_reason() {
	local line
	line=$(grep -m 1 '^E:' "$1" 2>/dev/null) ||
		line=$(grep -v -E '^W:|^ *$' "$1" 2>/dev/null | tail -n 1) || true
	printf '%s' "${line:-no error message}"
}

# A version that cannot be fetched (a mirror without the security pool, or one
# the security archive dropped) falls back to the next. Each try downloads into
# a fresh directory of its own, so a failed one leaves nothing in DIR, and logs
# to a file of its own (DIR/PKG_VERSION.fetch.log): every try's log is kept,
# and its reason printed.
debsrc_download() {
	local dir=$1 pkg=$2 ver try log
	shift 2
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd) # apt-get runs in a subdirectory
	for ver; do
		echo "$debsrc_prog: fetching source package $pkg $ver" >&2
		log=$dir/${pkg}_${ver//[:\/]/_}.fetch.log
		try=$(mktemp -d "$dir/.fetch.XXXXXX")
		# apt-get as root warns that the _apt sandbox user cannot write here: harmless.
		if (cd "$try" && apt-get source -qq --download-only "$pkg=$ver" >/dev/null 2>"$log") &&
			[ -f "$try/${pkg}_${ver#*:}.dsc" ]; then
			mv -f "$try"/* "$dir"/
			rmdir "$try"
			echo "$ver"
			return 0
		fi
		rm -rf "$try"
		echo "$debsrc_prog: could not fetch $pkg $ver: $(debsrc_reason "$log") (log: $log); trying the next version" >&2
	done
	echo "$debsrc_prog: could not download source package $pkg (tried: $*)" >&2
	return 1
}
