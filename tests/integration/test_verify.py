"""verify: the user checks go to the server together (framed by savepoints) and
every check is judged on its own: violations, checks that fail as they run,
syntax errors, files the lexer cannot split, several statements per check."""
import re

from harness import check

MIGS = {"0001_a.sql": "CREATE TABLE a (id int);"}

CHECKS = {
    "010_ok.sql": "SELECT 1 WHERE false;",
    "020_rows.sql": "SELECT 1 AS one;\n",
    "030_runtime.sql": "-- two statements\nSELECT 1 WHERE false;\nSELECT 1/0 AS boom;\n",
    "035_ok_after_runtime.sql": "SELECT id FROM a WHERE id < 0;",
    "040_syntax.sql": "SELECT 1 WHERE false;\nSELEC oops;\n",
    "050_rows_comment.sql": "SELECT 2 AS two -- no newline, no semicolon",
    "060_empty.sql": "-- nothing here\n",
    "070_lexer.sql": "SELECT 'unterminated\n",
    "080_second_stmt.sql": "SELECT 1 WHERE false;\nSELECT 3 AS three;\n",
    "090_ok.sql": "SELECT 1 WHERE false",
}

FAILING = ["020_rows", "030_runtime", "040_syntax", "050_rows_comment", "070_lexer", "080_second_stmt"]


def failed_checks(r):
    return re.findall(r'check "([^"]+)" (?:failed|could not run)', r.err)


def test_each_check_judged_alone(t):
    p = t.project(migrations=MIGS, verify=CHECKS)
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("verify", project=p).expect(4, "verification failed: 6 of 13 checks", where="err")
    check(failed_checks(r) == FAILING, "exactly the failing checks, each once, in name order: %s" % failed_checks(r), r)
    r.expect_text("one=1", "two=2", "three=3", where="err")


def test_errors_point_into_the_check_file(t):
    p = t.project(migrations=MIGS, verify=CHECKS)
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("verify", project=p).expect(4)
    r.expect_text('030_runtime.sql:3:1: error: check "030_runtime" could not run: division by zero',
                  '040_syntax.sql:2:1: error: check "040_syntax" could not run: syntax error at or near "SELEC"',
                  '070_lexer.sql:1:8: error: check "070_lexer" could not run: unterminated quoted string',
                  where="err")
    check("pgboot_check" not in r.err, "pgboot's savepoints never show in a message", r)


def test_runtime_error_does_not_hide_later_checks(t):
    """Only a check that errors as it runs: the ones before and after it are judged in the same run."""
    p = t.project(migrations=MIGS, verify={"010_rows.sql": "SELECT 1 AS before;",
                                           "020_boom.sql": "SELECT 1/0;",
                                           "030_rows.sql": "SELECT 1 AS after;",
                                           "040_boom.sql": "SELECT 'x'::int;",
                                           "050_rows.sql": "SELECT 1 AS last;"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("verify", project=p).expect(4, "verification failed: 5 of 8 checks", where="err")
    check(failed_checks(r) == ["010_rows", "020_boom", "030_rows", "040_boom", "050_rows"], failed_checks(r), r)


def test_read_only_after_a_failed_check(t):
    p = t.project(migrations=MIGS, verify={"010_write.sql": "INSERT INTO a VALUES (1);",
                                           "020_none.sql": "SELECT * FROM a;",
                                           "030_txn.sql": "SELECT pg_catalog.txid_current_if_assigned() AS x "
                                                          "WHERE pg_catalog.current_setting('transaction_read_only') <> 'on';"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("verify", project=p).expect(4, "verification failed: 1 of 6 checks", where="err")
    check(failed_checks(r) == ["010_write"], "only the write failed (read-only transaction)", r)
    check(t.psql("SELECT count(*) FROM a") == "0", "nothing was written")


def test_many_checks_pass(t):
    checks = {"%03d_c.sql" % i: "SELECT %d WHERE false;\n-- %s\n" % (i, "é" * i) for i in range(200)}
    p = t.project(migrations=MIGS, verify=checks)
    t.pgboot("migrate", project=p).expect(0, "verified: 203 checks passed", where="err")


def test_position_after_multibyte_text(t):
    """The server counts error positions in characters of the whole message: a
    check after checks full of multibyte text still gets its own line and column."""
    checks = {"010_utf8.sql": "SELECT 'ééééé' WHERE false;\n", "020_col.sql": "SELECT 1 WHERE false;\nSELECT nosuchcol FROM a;\n"}
    p = t.project(migrations=MIGS, verify=checks)
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    t.pgboot("verify", project=p).expect(4, '020_col.sql:2:8: error: check "020_col" could not run: column "nosuchcol" does not exist',
                                         where="err")


REMOTE_DOWN = "DO $$BEGIN RAISE EXCEPTION 'remote down' USING ERRCODE = '08001'; END$$;\n"


def test_connection_class_error_is_a_failed_check(t):
    """An ERROR with a connection-exception SQLSTATE (dblink and postgres_fdw raise
    08001 when their remote is down) fails the check; pgboot's own session is fine,
    so no reconnecting and no 69."""
    p = t.project(migrations=MIGS, verify={"010_remote.sql": REMOTE_DOWN, "020_rows.sql": "SELECT 1 AS after;"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("run", "--", "true", project=p).expect(4, 'check "010_remote" could not run: remote down',
                                                         'check "020_rows" failed', where="err")
    check("connecting again" not in r.err and "lost the connection" not in r.err, "no reconnect", r)


def test_migration_with_connection_class_error_exits_3(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n" + REMOTE_DOWN})
    r = t.pgboot("migrate", project=p).expect(3, "0001_a.sql:2", "remote down", where="err")
    check("connecting again" not in r.err, "no reconnect", r)
    check(not t.table_exists("a"), "rolled back")


def test_batch_locates_a_runtime_error(t):
    """No syntax error anywhere: the checks go in one message, and an error with no
    position in a check's second statement is placed at that statement's line."""
    p = t.project(migrations=MIGS, verify={"010_ok.sql": "SELECT 1 WHERE false;",
                                           "020_second.sql": "SELECT 1 WHERE false;\n\n  SELECT 1/0;\n",
                                           "030_rows.sql": "SELECT 3 AS three;"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("verify", "--log-level", "debug", project=p).expect(4, where="err")
    r.expect_text('020_second.sql:3:3: error: check "020_second" could not run: division by zero',
                  'check "030_rows" failed', "three=3", where="err")
    r.expect_text("4 checks in 2 messages", where="err")


def test_passing_checks_go_in_one_message(t):
    checks = {"%03d_c.sql" % i: "SELECT %d WHERE false;" % i for i in range(20)}
    p = t.project(migrations=MIGS, verify=checks)
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    t.pgboot("verify", "--log-level", "debug", project=p).expect(0, "21 checks in 1 message", where="err")


def test_transaction_control_in_a_check_refused(t):
    p = t.project(migrations=MIGS, verify={"010_ok.sql": "SELECT 1 WHERE false;",
                                           "020_txn.sql": "SELECT 1 WHERE false;\n  COMMIT;\n"})
    r = t.pgboot("migrate", project=p).expect(78, '020_txn.sql:2:3: error: check "020_txn" controls the transaction',
                                              where="err")
    check(not t.table_exists("a"), "refused before anything was applied", r)


def test_check_with_a_byte_order_mark(t):
    p = t.project(migrations=MIGS, verify={"010_bom.sql": "\ufeffSELECT 1 WHERE false;",
                                           "020_col.sql": "\ufeffSELECT 1 WHERE false;\nSELECT nosuchcol FROM a;\n"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("verify", project=p).expect(4, "verification failed: 1 of 5 checks", where="err")
    r.expect_text('020_col.sql:2:8: error: check "020_col" could not run: column "nosuchcol" does not exist', where="err")


# ---- a check cannot write, whatever standard_conforming_strings says ----------

HIDDEN_WRITES = {
    # the observed case: the quote hides the rest under scs=on, not under scs=off
    "plain": "SELECT 'it\\'s' AS x WHERE false; COMMIT; INSERT INTO a VALUES (1); COMMIT;\n",
    "no_commit_after": "SELECT 'it\\'s' AS x WHERE false; COMMIT; INSERT INTO a VALUES (2);\n",
    "estring_end": "SELECT E'it\\'s' AS x WHERE false; SELECT 'a\\'; END; INSERT INTO a VALUES (3); END;\n",
    # the server lexes the whole message with the setting at its start: a SET inside changes nothing
    "set_on_inside": "SET standard_conforming_strings = on; SELECT 'it\\'s' AS x WHERE false; COMMIT; "
                     "INSERT INTO a VALUES (4); COMMIT; -- '\n",
    "rollback": "SELECT 'it\\'s' AS x WHERE false; ROLLBACK; INSERT INTO a VALUES (5); COMMIT;\n",
}


def _hidden_write(t, name, level, sql=None):
    p = t.project(migrations=MIGS, verify={"010_ok.sql": "SELECT 1 WHERE false;",
                                           "020_hide.sql": sql or HIDDEN_WRITES[name]})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    role = t.psql("SELECT current_user")
    target = {"database": 'DATABASE "%s"' % t.db, "role": 'ROLE "%s"' % role}.get(level)
    if target:
        t.psql("ALTER %s SET standard_conforming_strings = off" % target)
    try:
        for cmd in (["verify"], ["run", "--", "true"]):
            r = t.pgboot(*cmd, project=p)
            check(t.psql("SELECT count(*) FROM a") == "0", "nothing was written by %s" % name, r)
            r.expect(78, 'check "020_hide" controls the transaction', where="err")
            if name != "estring_end":  # the one the load-time lexing (scs on) sees already
                r.expect_text("standard_conforming_strings = %s" % ("on" if level is None else "off"), where="err")
    finally:
        if target:
            t.psql("ALTER %s RESET standard_conforming_strings" % target)


def test_hidden_commit_database_scs_off(t):
    for name in HIDDEN_WRITES:
        _hidden_write(t, name, "database")


def test_hidden_commit_role_scs_off(t):
    _hidden_write(t, "plain", "role")
    _hidden_write(t, "estring_end", "role")


def test_hidden_commit_set_off_inside_check(t):
    """scs on (the default): the check's own SET does not change how the server lexes
    the message it is in, so the COMMIT is seen, though psql would not see it."""
    _hidden_write(t, "set_off", None, "SET standard_conforming_strings = off; SELECT 'a\\' AS x WHERE false; COMMIT; "
                                       "INSERT INTO a VALUES (6); COMMIT; -- '\n")


# ---- verify starts from the state of a new session ---------------------------

STATE_CHECK = ("SELECT current_user AS who, current_setting('search_path') AS sp, "
               "current_setting('standard_conforming_strings') AS scs, "
               "current_setting('statement_timeout') AS st, 'a\\b' AS lit\n"
               "WHERE current_user <> session_user OR current_setting('search_path') <> '\"$user\", public'\n"
               "   OR current_setting('standard_conforming_strings') <> 'on' OR 'a\\b' <> E'a\\\\b'\n"
               "   OR current_setting('statement_timeout') <> '1min';\n")

SETTING_MIGRATION = ("CREATE SCHEMA reporting;\n"
                     # (pgboot records the file after it, in the state it left)
                     "GRANT ALL ON public.pgboot_migrations TO pg_monitor;\n"
                     "SET search_path = reporting, public;\n"
                     "SET ROLE pg_monitor;\n"
                     "SET standard_conforming_strings = off;\n"
                     "SET statement_timeout = '5s';\n")


def test_verify_in_run_sees_a_new_session(t):
    """A migration's SET search_path, SET ROLE, SET standard_conforming_strings do not
    reach verify: the check sees the same in the run as `pgboot verify` after it."""
    for mode in ("session", "transaction"):
        db = t.new_database()
        p = t.project(migrations={"0001_set.sql": SETTING_MIGRATION}, verify={"010_state.sql": STATE_CHECK})
        r = t.pgboot("run", "--lock-mode", mode, "--statement-timeout", "1m", "--", "true",
                     project=p, url=t.url(db))
        r.expect(0, "verified: 4 checks passed", where="err")
        t.pgboot("verify", "--statement-timeout", "1m", project=p, url=t.url(db)).expect(0)


# ---- "-- pgboot:requires VERSION" ----------------------------------------

REQ_MIGS = {"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "CREATE TABLE b (id int);"}


def test_requires_applied_version_runs_and_fails(t):
    p = t.project(migrations=REQ_MIGS, verify={
        "010_b_empty.sql": "-- what 0002 made\n-- pgboot:requires 0002\nSELECT 'row' FROM b UNION ALL SELECT 'x';\n",
        "020_c.sql": "-- pgboot:requires 0001\n-- PGBOOT : REQUIRES 3 -- the next release's\nSELECT * FROM c;\n"})
    r = t.pgboot("migrate", project=p).expect(4, "010_b_empty", 'skipped check "020_c"', "requires migration 3",
                                              "verification failed: 1 of 4 checks; 1 skipped")
    r.expect_no_text('skipped check "010_b_empty"', 'relation "c" does not exist')


def test_requires_version_not_applied_is_skipped(t):
    p = t.project(migrations=REQ_MIGS, verify={
        "010_c.sql": "-- pgboot:requires 0003 -- made by the next release\nSELECT * FROM c;\n",
        "020_a.sql": "-- pgboot:requires 0001\nSELECT * FROM a;\n"})
    t.pgboot("migrate", project=p).expect(0, 'skipped check "010_c"', "verify/010_c.sql", "requires migration 0003",
                                          "which is not applied and has no file", "verified: 4 checks passed",
                                          "; 1 skipped")
    r = t.pgboot("verify", "--log-format", "json", project=p).expect(0)
    events = {e.get("event"): e for e in r.json_lines()}
    check(events["check_skipped"]["requires"] == "0003" and events["check_skipped"]["file"].endswith("010_c.sql"),
          "the JSON log names the skipped check's file and version", r)
    check(events["check_skipped"]["level"] == "warning", "no file has 0003: a warning (a typo?)", r)
    check(events["verified"]["skipped"] == 1, "the verified event counts it", r)
    # 0003's file is there but not applied yet: skipped at info (verify fails: 0003 is pending)
    p.write("migrations", "0003_c.sql", "CREATE TABLE c (id int);")
    r = t.pgboot("verify", "--log-format", "json", project=p).expect(4)
    skipped = [e for e in r.json_lines() if e.get("event") == "check_skipped"]
    check([(e["level"], e["check"]) for e in skipped] == [("info", "010_c")], "skipped at info", r)
    # a history where 0003 was applied, then removed by hand, with an older release's files
    t.pgboot("migrate", project=p).expect(0, "verified").expect_no_text("skipped check")
    t.psql("DROP TABLE c; DELETE FROM pgboot_migrations WHERE version = '0003'")
    p.remove("migrations", "0003_c.sql")
    t.pgboot("verify", project=p).expect(0, 'skipped check "010_c"', "requires migration 0003")


def test_requires_malformed_is_78_with_line(t):
    for body, needle in (("-- a check\n-- pgboot:requires 00x3\nSELECT 1 WHERE false;\n", "00x3"),
                         ("-- pgboot:requires\nSELECT 1 WHERE false;\n", "names no version"),
                         ("\n-- pgboot:require 0001\nSELECT 1 WHERE false;\n", "unrecognized marker"),
                         ("-- pgboot:no-transaction\nSELECT 1 WHERE false;\n", "not understood in a check file")):
        p = t.project(migrations=REQ_MIGS, verify={"010_x.sql": body})
        line = 2 if body.startswith(("-- a", "\n")) else 1
        t.pgboot("migrate", project=p).expect(78, "verify/010_x.sql:%d" % line, needle)
        check(not t.table_exists("a"), "nothing applied")
