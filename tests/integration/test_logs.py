"""Logs: text lines prefixed "pgboot:" on stderr, --log-format json (one object per
line with ts, level, event and the event's fields), levels, no color off a TTY."""
import re

from harness import check

MIGS = {"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "CREATE TABLE b (id int);"}


def test_text_lines_prefixed(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("migrate", project=p).expect(0)
    for line in r.err.splitlines():
        check(line.startswith("pgboot: "), "every stderr line starts with \"pgboot: \": %r" % line, r)
    check(r.out == "", "migrate writes nothing to stdout", r)
    check("\033[" not in r.err, "no color codes off a TTY", r)


def test_json_lines(t):
    p = t.project(migrations=MIGS, verify={"010_ok.sql": "SELECT 1 WHERE false;"})
    r = t.pgboot("migrate", "--log-format", "json", project=p).expect(0)
    events = r.json_lines()
    check(events, "some events", r)
    for e in events:
        check({"ts", "level", "event"} <= set(e), "ts, level and event in every line", e)
        check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$", e["ts"]), "ts is ISO 8601", e)
        check(e["level"] in ("debug", "info", "warning", "error"), "a known level", e)
    applied = [e for e in events if e["event"] == "migration_applied"]
    check([(e.get("version"), e.get("name")) for e in applied] == [("0001", "a"), ("0002", "b")],
          "migration_applied events with version and name", events)
    check(all(isinstance(e.get("ms"), int) for e in applied), "ms is a number", applied)
    names = [e["event"] for e in events]
    check("ready" in names and "verified" in names, "ready and verified events", names)


def test_json_error_line(t):
    p = t.project(migrations={"0001_bad.sql": "SELECT *\nFROM nope;"})
    r = t.pgboot("migrate", "--log-format", "json", project=p).expect(3)
    errors = [e for e in r.json_lines() if e["level"] == "error"]
    check(len(errors) == 1, "one error event", r)
    e = errors[0]
    check(e.get("sqlstate") == "42P01", "sqlstate field", e)
    check("0001_bad.sql" in str(e.get("file")) and e.get("line") == 2, "file and line fields", e)


def test_json_via_environment(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("migrate", project=p, env={"PGBOOT_LOG_FORMAT": "json"}).expect(0)
    r.json_lines()


def test_json_usage_error(t):
    """PGBOOT_LOG_FORMAT=json is known before argv is parsed: a usage error is JSON too."""
    r = t.pgboot("migrate", "--nope", url=None, env={"PGBOOT_LOG_FORMAT": "json"}).expect(2)
    events = r.json_lines()
    check(events and events[-1]["level"] == "error", "the usage error as JSON", r)


def test_json_wait_failure(t):
    from harness import free_port
    r = t.pgboot("wait", "--log-format", "json", "--wait-timeout", "300ms",
                 url=t.url(port=free_port())).expect(69)
    r.json_lines()


def test_quiet_and_verbose(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("migrate", "-q", project=p).expect(0)
    check(r.err == "", "-q: nothing on success", r)
    p2 = t.project(migrations=MIGS)
    r = t.pgboot("migrate", "-v", project=p2, url=t.url(t.new_database())).expect(0)
    check("debug" in r.err, "-v shows debug lines", r)
    r = t.pgboot("migrate", project=p, env={"PGBOOT_LOG_LEVEL": "warning"}).expect(0)
    check(r.err == "", "PGBOOT_LOG_LEVEL=warning", r)


def test_quiet_still_reports_errors(t):
    p = t.project(migrations={"0001_bad.sql": "SELECT * FROM nope;"})
    t.pgboot("migrate", "-q", project=p).expect(3, "nope", where="err")


def test_server_notices_logged(t):
    p = t.project(migrations={"0001_n.sql": "DO $$ BEGIN RAISE WARNING 'careful now'; END $$;"})
    t.pgboot("migrate", project=p).expect(0, "careful now", where="err")


FORGE = "E'boom\\npgboot: applied migration 9999_fake\\r\\n\\u001b[2K\\u001b[1Ggone\\u009b31m'"


def test_text_escapes_server_control_characters(t):
    """A server message (an exception, a notice, its detail and hint) with a newline, a carriage
    return, an ESC sequence or a C1 control cannot forge a pgboot line or drive the terminal: text
    output escapes them. pgboot's own multi-line excerpt (the file's line, then the caret) stays."""
    raise_sql = ("DO $$ BEGIN RAISE NOTICE '%%', %s; RAISE EXCEPTION '%%', %s USING DETAIL = %s, HINT = %s; END $$;"
                 % (FORGE, FORGE, FORGE, FORGE))
    p = t.project(migrations={"0001_forge.sql": raise_sql})
    r = t.pgboot("migrate", project=p).expect(3)
    lines = r.err.splitlines()
    check(not [ln for ln in lines if ln.startswith("pgboot: applied") or ln.startswith("gone")],
          "a forged line", r)
    check("\033" not in r.err and "\r" not in r.err and "\u009b" not in r.err, "a control character passed", r)
    r.expect_text("\\npgboot: applied migration 9999_fake\\r\\n\\x1b[2K", "\\u009b", where="err")
    check(all(ln.startswith("pgboot: ") or ln.startswith("    ") for ln in lines), "every line is pgboot's", r)
    # pgboot's own excerpt keeps its two lines, the caret under the error
    p = t.project(migrations={"0001_bad.sql": "SELECT 1;\nSELECT * FROM \"no\u001bpe\";"})
    r = t.pgboot("migrate", project=p).expect(3)
    r.expect_text('\n    LINE 2: SELECT * FROM "no\\x1bpe";\n' + " " * 26 + "^\n", where="err")
    # JSON escapes them as JSON does
    r = t.pgboot("migrate", "--log-format", "json", project=t.project(migrations={"0001_forge.sql": raise_sql})).expect(3)
    errors = [e for e in r.json_lines() if e["level"] == "error"]
    check(errors and errors[0]["msg"].startswith("boom\npgboot: applied"), "JSON carries the text itself", r)
