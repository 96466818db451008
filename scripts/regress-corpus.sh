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
# /etc/apt/sources.list.d/pgboot-deb-src.sources, when apt has none
# (scripts/lib/debsrc.sh, shared with the static build).
set -euo pipefail
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
[ $# -eq 0 ] || { echo "regress-corpus.sh: unknown argument \"$1\" (try --help)" >&2; exit 2; }

cd "$(dirname "$0")/.."
cache=build/regress-corpus
out=$cache/sql
if [ -f "$out/.complete" ]; then
	echo "$PWD/$out"
	exit 0
fi
mkdir -p "$cache"

. scripts/lib/debsrc.sh
debsrc_ensure postgresql-15 || exit 1
installed=$(dpkg-query -W -f='${Version}' postgresql-client-15 2>/dev/null || true)
versions=$( (echo "$installed"; apt-cache showsrc postgresql-15 | sed -n 's/^Version: //p') | awk 'NF && !seen[$0]++')
dl=$cache/download
rm -rf "$dl"
# shellcheck disable=SC2086
got=$(debsrc_download "$dl" postgresql-15 $versions) || exit 1

orig=$(ls "$dl"/postgresql-15_*.orig.tar.* | head -n1)
rm -rf "$out" "$cache/src"
mkdir -p "$cache/src" "$out"
tar -xf "$orig" -C "$cache/src" --wildcards '*/src/test/regress/sql/*.sql'
cp "$cache"/src/*/src/test/regress/sql/*.sql "$out"/
rm -rf "$cache/src" "$dl"
echo "$got" >"$out/.complete"
echo "regress-corpus: $(ls "$out"/*.sql | wc -l) files from postgresql-15 $got" >&2
echo "$PWD/$out"
