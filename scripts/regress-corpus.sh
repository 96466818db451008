#!/usr/bin/env bash
# Fetch PostgreSQL 15's regression SQL files (src/test/regress/sql/*.sql of
# Debian 12's postgresql-15 source package) for the psql equivalence test.
#
#   scripts/regress-corpus.sh        prints the directory holding the *.sql files
#
# Cached under build/regress-corpus/ (never committed): the download happens
# once. Prefers the source version of the installed psql (the oracle), then
# the candidate, then any other version apt knows (the security archive
# drops superseded versions). Adds a deb-src entry of its own,
# /etc/apt/sources.list.d/pgboot-deb-src.sources, when apt has none.
set -euo pipefail

cd "$(dirname "$0")/.."
cache=build/regress-corpus
out=$cache/sql
if [ -f "$out/.complete" ]; then
	echo "$PWD/$out"
	exit 0
fi
mkdir -p "$cache"

if [ -z "$(apt-cache showsrc postgresql-15 2>/dev/null | sed -n 's/^Version: //p')" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "regress-corpus: apt has no deb-src entry for postgresql-15 (run as root to add one)" >&2
		exit 1
	fi
	cat >/etc/apt/sources.list.d/pgboot-deb-src.sources <<'SRC'
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
SRC
	apt-get update -qq >&2
fi

installed=$(dpkg-query -W -f='${Version}' postgresql-client-15 2>/dev/null || true)
versions=$( (echo "$installed"; apt-cache showsrc postgresql-15 | sed -n 's/^Version: //p') | awk 'NF && !seen[$0]++')
dl=$cache/download
rm -rf "$dl"
mkdir -p "$dl"
got=
for v in $versions; do
	if (cd "$dl" && apt-get source --download-only -qq "postgresql-15=$v" >/dev/null 2>&1); then
		got=$v
		break
	fi
	echo "regress-corpus: postgresql-15 $v could not be downloaded, trying the next version" >&2
	rm -f "$dl"/*
done
[ -n "$got" ] || { echo "regress-corpus: could not download the postgresql-15 source package" >&2; exit 1; }

orig=$(ls "$dl"/postgresql-15_*.orig.tar.* | head -n1)
rm -rf "$out" "$cache/src"
mkdir -p "$cache/src" "$out"
tar -xf "$orig" -C "$cache/src" --wildcards '*/src/test/regress/sql/*.sql'
cp "$cache"/src/*/src/test/regress/sql/*.sql "$out"/
rm -rf "$cache/src" "$dl"
echo "$got" >"$out/.complete"
echo "regress-corpus: $(ls "$out"/*.sql | wc -l) files from postgresql-15 $got" >&2
echo "$PWD/$out"
