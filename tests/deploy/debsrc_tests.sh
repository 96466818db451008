#!/usr/bin/env bash
# scripts/lib/debsrc.sh's fallback between source versions (issue 11, item 7):
# every try keeps its own log, and the reason a try failed is printed. apt-get
# is a stand-in on PATH: version 1.0-1 fails with a 404 (a mirror without the
# security pool), 1.0-2 with another error, 1.0-3 downloads.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { # CONDITION-EXIT-STATUS DESCRIPTION
	if [ "$1" -eq 0 ]; then echo "ok - $2"; passed=$((passed + 1)); else echo "not ok - $2"; failed=$((failed + 1)); fi
}

mkdir -p "$work/bin"
cat >"$work/bin/apt-get" <<'STUB'
#!/bin/sh
# stand-in for `apt-get source -qq --download-only PKG=VER`
for a; do spec=$a; done
case "$spec" in
*=1.0-1) echo "W: Download is performed unsandboxed as root" >&2
	echo "Err:1 http://deb.debian.org/debian-security bookworm-security/main demo 1.0-1 (dsc)" >&2
	echo "  404  Not Found [IP: 151.101.2.132 80]" >&2
	echo "E: Failed to fetch http://deb.debian.org/debian-security/pool/updates/main/d/demo/demo_1.0-1.dsc  404  Not Found" >&2
	exit 100 ;;
*=1.0-2) echo "E: Unable to find a source package for demo=1.0-2" >&2; exit 100 ;;
*=1.0-3) echo "Format: 3.0 (quilt)" >demo_1.0-3.dsc; exit 0 ;;
esac
exit 1
STUB
chmod +x "$work/bin/apt-get"

# shellcheck source=scripts/lib/debsrc.sh
got=$(cd "$work" && PATH="$work/bin:$PATH" bash -c ". '$root/scripts/lib/debsrc.sh'; debsrc_download dl demo 1.0-1 1.0-2 1.0-3" 2>"$work/err") || true
check "$([ "$got" = 1.0-3 ]; echo $?)" "debsrc_download falls back to the first version it can fetch (got: $got)"
check "$([ -f "$work/dl/demo_1.0-3.dsc" ]; echo $?)" "the fetched version's files are in DIR"
check "$(grep -q '404  Not Found' "$work/dl/demo_1.0-1.fetch.log"; echo $?)" "the first try's log is kept (demo_1.0-1.fetch.log, the 404)"
check "$(grep -q 'Unable to find' "$work/dl/demo_1.0-2.fetch.log"; echo $?)" "the second try's log is kept too (demo_1.0-2.fetch.log)"
check "$(grep -q 'could not fetch demo 1.0-1: E: Failed to fetch .*404  Not Found' "$work/err"; echo $?)" \
	"the 404 is printed as the reason of the first try"
check "$(grep -q 'could not fetch demo 1.0-2: E: Unable to find a source package' "$work/err"; echo $?)" \
	"the second try's reason is printed"
[ "$failed" -eq 0 ] || sed 's/^/# /' "$work/err"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
