# shellcheck shell=bash
# What the test drivers (scripts/test.sh, faults.sh, memcheck.sh) share: a work
# directory holding a throwaway PostgreSQL 15 (scripts/pgtmp.sh), both gone at
# exit, and the tally of the "N passed, N failed" lines their suites print.
# Sourced, not run, from the repository's root.
#
#   suite_begin NAME       work=$(mktemp -d "$TMPDIR/pgboot-NAME.XXXXXX"), pgdir=$work/pg;
#                          at exit the server is stopped and $work removed (kept, and
#                          named on stderr, when the caller's keep is 1); INT and TERM
#                          end the script with 130 and 143
#   suite_server LO-HI     start the server in $pgdir on a free port between LO and HI
#                          (every suite's range is below 32768, Linux's first ephemeral
#                          port: a client socket of another test cannot hold it);
#                          sets port. Returns 1 (pgtmp.sh said why) when it could not.
#   add_counts LABEL FILE  add FILE's last "N passed, N failed" to the caller's passed
#                          and failed, and "LABEL: N passed, N failed" to its summary
#                          array; a FILE without one counts as one failure
#
# Sourcing it zeroes passed, failed and summary; the caller sets keep (0 or 1).
# shellcheck disable=SC2154 # keep is the caller's

suite_prog=${0##*/}
passed=0
failed=0
summary=()

suite_cleanup() {
	if [ -f "$pgdir/data/postmaster.pid" ]; then
		scripts/pgtmp.sh stop "$pgdir" immediate >/dev/null 2>&1 || true
	fi
	if [ "$keep" -eq 0 ]; then rm -rf "$work"; else echo "$suite_prog: kept $work" >&2; fi
}

suite_begin() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/pgboot-$1.XXXXXX")
	chmod 755 "$work" # the server runs as postgres and must reach $work/pg
	pgdir=$work/pg
	trap suite_cleanup EXIT
	trap 'echo "$suite_prog: interrupted" >&2; exit 130' INT
	trap 'echo "$suite_prog: terminated" >&2; exit 143' TERM
}

suite_server() {
	scripts/pgtmp.sh start "$pgdir" "$1" </dev/null || return 1
	# shellcheck disable=SC2034 # for the caller
	port=$(sed -n 's/^PGPORT=//p' "$pgdir/env")
}

add_counts() {
	local label=$1 file=$2 line p f
	line=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$file" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$suite_prog: $label printed no \"N passed, N failed\" line: counted as 1 failure" >&2
		failed=$((failed + 1))
		summary+=("$label: no summary (1 failure)")
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	passed=$((passed + p))
	failed=$((failed + f))
	summary+=("$label: $line")
}
