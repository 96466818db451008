"""Memory does not grow with what the server returns: a migration whose
statement returns many rows, a check with many violating rows. The rows are
discarded as they stream in (libpq's single-row mode); a check keeps its first
rows and counts the rest. Peak RSS (ru_maxrss of pgboot, through
/usr/bin/time) stays within 2 MB of a run that returns one row, and under 8 MB
for the static binary (the dynamic one maps libpq's shared libraries too:
about 10 MB whatever the rows)."""
import re
import subprocess

from harness import check

RSS_LIMIT_KB = 8 * 1024
GROWTH_LIMIT_KB = 2 * 1024
ROWS = 1000000


def _static(t):
    out = subprocess.run(["file", "-L", t.bin], stdout=subprocess.PIPE).stdout.decode()
    return "statically linked" in out or "static-pie" in out


def _baseline_kb(t, args, migrations, verify=None):
    p = t.project(migrations=migrations, verify=verify)
    return _peak_kb(_timed(t, *args, project=p))


def _sanitized(t):
    """A wrapper script (valgrind) or an AddressSanitizer build: freed memory is held in
    quarantine, so RSS says nothing about what pgboot keeps."""
    with open(t.bin, "rb") as f:
        data = f.read()
    return not data.startswith(b"\x7fELF") or b"__asan_init" in data


def _check_peak(t, kb, base, what, r):
    print("# %s: peak RSS %d kB (one row: %d kB)" % (what, kb, base))
    if _sanitized(t):
        print("# a sanitizer build or a wrapper: the RSS bound is not checked")
        return
    check(kb - base < GROWTH_LIMIT_KB, "peak RSS %d kB within %d kB of %d kB" % (kb, GROWTH_LIMIT_KB, base), r)
    if _static(t):
        check(kb < RSS_LIMIT_KB, "peak RSS %d kB < %d kB" % (kb, RSS_LIMIT_KB), r)


def _peak_kb(r):
    m = re.search(r"^pgboot-maxrss-kb=(\d+)$", r.err, re.M)
    check(m, "/usr/bin/time reported the peak RSS", r)
    return int(m.group(1))


def _timed(t, *args, project):
    return t.pgboot(*args, project=project, via=["/usr/bin/time", "-f", "pgboot-maxrss-kb=%M"], timeout=120)


def test_migration_returning_many_rows(t):
    """A backfill `SELECT fn(id) FROM t` returns every row to the client: none is kept."""
    p = t.project(migrations={"0001_rows.sql": "SELECT g, repeat('x', 100) AS pad FROM generate_series(1, %d) g;\n"
                                               % ROWS})
    r = _timed(t, "migrate", "--no-verify", project=p).expect(0, "applied", where="err")
    base = _baseline_kb(t, ["migrate", "--no-verify", "--history-table", "h2"],
                        {"0001_rows.sql": "SELECT 1 AS one, repeat('x', 100) AS pad;\n"})
    _check_peak(t, _peak_kb(r), base, "migration returning %d rows" % ROWS, r)


def test_check_with_many_violations(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"},
                  verify={"010_many.sql": "SELECT g AS id, repeat('y', 100) AS pad FROM generate_series(1, %d) g;\n"
                                          % ROWS,
                          "020_rows.sql": "SELECT 1 AS after;"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = _timed(t, "verify", project=p).expect(4, 'check "010_many" failed: %d violations' % ROWS,
                                               "id=1, pad=" + "y" * 100, "id=5, pad=",
                                               "... and %d more" % (ROWS - 5), 'check "020_rows" failed', where="err")
    check("id=6," not in r.err, "only the first 5 rows are shown", r)
    base = _baseline_kb(t, ["verify"], {"0001_a.sql": "CREATE TABLE a (id int);"},
                        {"010_one.sql": "SELECT 1 AS id, repeat('y', 100) AS pad;\n", "020_rows.sql": "SELECT 1 AS after;"})
    _check_peak(t, _peak_kb(r), base, "check returning %d rows" % ROWS, r)


def test_check_values_cut_in_messages(t):
    """A failing check returning 1 MB values: each value is cut (saying how much), and
    every line pgboot writes stays well under 16 KB."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"},
                  verify={"010_big.sql": "SELECT g AS id, repeat('z', 1048576) AS big, repeat('w', 1048576) AS big2 "
                                         "FROM generate_series(1, 10) g;\n"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    for fmt in ("text", "json"):
        r = t.pgboot("verify", "--log-format", fmt, project=p).expect(4, 'check \\"010_big\\" failed' if fmt == "json"
                                                                    else 'check "010_big" failed', where="err")
        r.expect_text("more bytes)", "... and", where="err")
        longest = max(len(line) for line in r.err.splitlines())
        check(longest < 8192, "the longest %s line has %d characters" % (fmt, longest), r)


def test_migration_error_with_huge_message_cut(t):
    """A server message can be as long as a migration makes it (RAISE of a 1 MB text): cut too."""
    p = t.project(migrations={"0001_big.sql": "DO $$BEGIN RAISE NOTICE '%', repeat('n', 1048576); "
                                              "RAISE EXCEPTION '%', repeat('m', 1048576) "
                                              "USING DETAIL = repeat('d', 1048576), HINT = repeat('h', 1048576); END$$;\n",
                              })
    for fmt in ("text", "json"):
        r = t.pgboot("migrate", "--log-format", fmt, project=p).expect(3, "more bytes)", "nnnnn", "mmmmm",
                                                                    "ddddd", "hhhhh", where="err")
        longest = max(len(line) for line in r.err.splitlines())
        check(longest < 16384, "the longest %s line has %d characters" % (fmt, longest), r)


def test_migration_error_on_a_long_line_cut(t):
    """A failing statement on a 1 MB line: the excerpt shows the part around the caret."""
    p = t.project(migrations={"0001_long.sql": "SELECT '%s' AS a b c;\n" % ("x" * 1048576)})
    for fmt in ("text", "json"):
        r = t.pgboot("migrate", "--log-format", fmt, project=p).expect(3, "0001_long.sql", "syntax error", where="err")
        r.expect_text("...xxx", where="err")
        longest = max(len(line) for line in r.err.splitlines())
        check(longest < 16384, "the longest %s line has %d characters" % (fmt, longest), r)
