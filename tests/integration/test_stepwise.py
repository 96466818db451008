"""Issue 3: files that cannot run as one transaction (a no-transaction directive,
transaction control in the middle), their progress rows and recovery, concurrent
index builds that succeed or leave an INVALID index, the peers' directive
spellings, and error locations through every mode (multi-byte columns,
PL/pgSQL bodies)."""
import re
import signal

from harness import check

BASE = {"0001_base.sql": "CREATE TABLE base (id int, email text);\nINSERT INTO base VALUES (1, 'a'), (2, 'a');\n"}


def progress(t, version):
    return t.psql("SELECT coalesce(progress::text, 'done') FROM pgboot_migrations WHERE version = '%s'" % version)


def test_mid_file_commit_concurrent_index_begin(t):
    body = ("CREATE TABLE orders (id int, total int);\n"
            "COMMIT;\n"
            "CREATE INDEX CONCURRENTLY orders_total ON orders (total);\n"
            "BEGIN;\n"
            "INSERT INTO orders VALUES (1, 10);\n")
    p = t.project(migrations=dict(BASE, **{"0002_orders.sql": body}))
    r = t.pgboot("migrate", project=p).expect(0, "not atomic", where="err")
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_total'::regclass") == "t",
          "the concurrent build ran outside any transaction and is valid", r)
    check(t.psql("SELECT count(*) FROM orders") == "1", "the part after BEGIN committed with pgboot's COMMIT")
    check(progress(t, "0002") == "done", "the history row is finished")
    check(t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' "
                 "AND state LIKE 'idle in transaction%'") == "0", "no transaction left open")
    t.pgboot("migrate", project=p).expect(0, "up to date")


def test_failed_concurrent_unique_index_reports_invalid_index(t):
    body = "-- pgboot:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY base_email ON base (email);\n"
    p = t.project(migrations=dict(BASE, **{"0002_uniq.sql": body}))
    r = t.pgboot("migrate", project=p).expect(3, "0002_uniq.sql:2", "DROP INDEX CONCURRENTLY", where="err")
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'base_email'::regclass") == "f",
          "the failed build left an INVALID index", r)
    check(progress(t, "0002") == "0", "the history shows the file started, nothing committed", r)
    s = t.pgboot("status", project=p)
    check("partial" in s.out, "status shows the half-applied file", s)
    # verify's built-in check finds the invalid index too
    v = t.pgboot("verify", project=p).expect(4, "invalid", where="err")
    check("DROP INDEX CONCURRENTLY" in v.err, "with the statement that fixes it", v)


def test_failed_concurrent_unique_index_reruns_after_the_hint(t):
    """pgboot's own hint (drop the invalid index, fix the data) is enough: nothing of the file
    is committed, so it runs again, even though CREATE UNIQUE INDEX cannot run twice."""
    body = "-- pgboot:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY base_email ON base (email);\n"
    p = t.project(migrations=dict(BASE, **{"0002_uniq.sql": body}))
    t.pgboot("migrate", project=p).expect(3, "DROP INDEX CONCURRENTLY", where="err")
    check(progress(t, "0002") == "0", "nothing committed")
    # an INVALID index still there: the rerun fails on it, loudly, and changes nothing
    r = t.pgboot("migrate", project=p).expect(3, "base_email", where="err")
    check("half applied" not in r.err, "not refused as half applied", r)
    t.psql("DROP INDEX CONCURRENTLY base_email")
    t.psql("DELETE FROM base b USING base c WHERE b.email = c.email AND b.ctid > c.ctid")
    r = t.pgboot("migrate", project=p).expect(0)
    check(progress(t, "0002") == "done", "finished now", r)
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'base_email'::regclass") == "t",
          "the index is valid", r)


def test_rerun_runs_again_only_what_is_safe_twice(t):
    """Only the committed statements run twice: a non-idempotent statement after the one that
    failed does not stop the rerun; one before it does."""
    body = ("-- pgboot:no-transaction\nCREATE TABLE IF NOT EXISTS rr (id int);\nSELECT * FROM nope;\n"
            "CREATE TABLE rr2 (id int);\n")
    p = t.project(migrations=dict(BASE, **{"0002_rr.sql": body}))
    t.pgboot("migrate", "--no-verify", project=p).expect(3, "statement 2 of 3", where="err")
    check(progress(t, "0002") == "1", "one statement committed")
    p.write("migrations", "0002_rr.sql", body.replace("SELECT * FROM nope;", "SELECT 1;"))
    t.pgboot("migrate", "--no-verify", project=p).expect(0, "running it again", where="err")
    check(t.table_exists("rr2"), "the rest ran")


def test_status_shows_partial_and_plan_says_it_cannot_rerun(t):
    """README: a partial file is pending work, so status exits 0 and shows it; plan, which changes
    nothing, says with exit 5 that migrate would refuse to run it again."""
    body = "-- pgboot:no-transaction\nCREATE TABLE pp (id int);\nSELECT * FROM nope;\n"
    p = t.project(migrations=dict(BASE, **{"0002_pp.sql": body}))
    t.pgboot("migrate", "--no-verify", project=p).expect(3)
    check(progress(t, "0002") == "1", "one statement committed")
    t.pgboot("status", project=p).expect(0, "partial", where="out")
    t.pgboot("plan", project=p).expect(5, "half applied", where="err")


def test_kill_half_way_then_refused_then_idempotent_rerun(t):
    body = ("-- pgboot:no-transaction\nCREATE TABLE half (id int);\n"
            "SELECT pg_sleep(30);\nINSERT INTO half VALUES (1);\n")
    p = t.project(migrations=dict(BASE, **{"0002_half.sql": body}))
    proc = t.spawn("migrate", "--no-verify", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' "
                                "AND query LIKE '%pg_sleep(30)%'") == "1", timeout=10, what="the sleep runs")
    proc.signal(signal.SIGKILL)
    proc.wait(10)
    # a killed client's statement runs on until the server notices: end it as a restarted pod would find it
    t.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgboot'")
    check(progress(t, "0002") == "1", "one statement committed before the kill")
    check(t.table_exists("half"), "its table exists")
    r = t.pgboot("migrate", "--no-verify", project=p).expect(5, "left half applied", where="err")
    check(re.search(r"0002_half\.sql:2:1", r.err), "names the statement that is not safe to re-run", r)
    # the author makes the file safe to re-run: pgboot runs it again from the start
    p.write("migrations", "0002_half.sql",
            "-- pgboot:no-transaction\nCREATE TABLE IF NOT EXISTS half (id int);\nSELECT 1;\n")
    r = t.pgboot("migrate", "--no-verify", project=p).expect(0, "running it again", where="err")
    check(progress(t, "0002") == "done", "finished now", r)


def test_idempotent_directive_allows_rerun(t):
    body = ("-- pgboot:no-transaction\n-- pgboot:idempotent\nCREATE TABLE IF NOT EXISTS dd (id int);\n"
            "INSERT INTO dd SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM dd);\nSELECT * FROM nope;\n")
    p = t.project(migrations=dict(BASE, **{"0002_dd.sql": body}))
    t.pgboot("migrate", "--no-verify", project=p).expect(3, "statement 3 of 3", where="err")
    check(progress(t, "0002") == "2", "two statements committed")
    p.write("migrations", "0002_dd.sql", body.replace("SELECT * FROM nope;\n", "SELECT 1;\n"))
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    check(t.psql("SELECT count(*) FROM dd") == "1", "the re-run did not duplicate the row")


def test_mid_file_failure_keeps_committed_part(t):
    body = ("CREATE TABLE first_part (id int);\nCOMMIT;\nBEGIN;\n"
            "CREATE TABLE second_part (id int);\nSELECT nope FROM first_part;\n")
    p = t.project(migrations=dict(BASE, **{"0002_mid.sql": body}))
    r = t.pgboot("migrate", "--no-verify", project=p).expect(3, "0002_mid.sql:5:8", where="err")
    check(t.table_exists("first_part"), "the part before the file's COMMIT stays", r)
    check(not t.table_exists("second_part"), "the open part rolled back", r)
    check(progress(t, "0002") == "2", "progress: CREATE and COMMIT", r)


def test_multibyte_error_column(t):
    body = "CREATE TABLE m (id int);\n-- naïve café\nSELECT 'ñandú', '日本語', nosuch FROM m;\n"
    p = t.project(migrations=dict(BASE, **{"0002_mb.sql": body}))
    r = t.pgboot("migrate", project=p).expect(3, "0002_mb.sql:3:24", where="err")
    lines = r.err.splitlines()
    i = next(k for k, line in enumerate(lines) if "LINE 3:" in line)
    caret = lines[i + 1]
    # the caret sits under the "n" of nosuch: the text before it is 'ñandú', '日本語', (wide: 2 cells each)
    prefix = "    LINE 3: SELECT 'ñandú', '日本語', "
    width = len(prefix) + 3  # the three wide characters take one extra cell each
    check(caret.index("^") == width, "the caret is under nosuch", r)


def test_multibyte_error_column_in_no_transaction_file(t):
    body = "-- pgboot:no-transaction\nSELECT 1;\n  SELECT 'é',\n    nosuch;\n"
    p = t.project(migrations=dict(BASE, **{"0002_mbn.sql": body}))
    t.pgboot("migrate", project=p).expect(3, "0002_mbn.sql:4:5", where="err")


def test_wrapped_file_error_location(t):
    body = "BEGIN ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE w (id int);\nSELECT é FROM w;\nCOMMIT;\n"
    p = t.project(migrations=dict(BASE, **{"0002_w.sql": body}))
    t.pgboot("migrate", project=p).expect(3, "0002_w.sql:3:8", where="err")
    check(not t.table_exists("w"), "rolled back")


def test_plpgsql_error_line_from_context(t):
    body = ("CREATE TABLE q (id int);\n"
            "DO $$\n"
            "DECLARE n int;\n"
            "BEGIN\n"
            "  n := 1;\n"
            "  RAISE EXCEPTION 'boom %', n;\n"
            "END\n"
            "$$;\n")
    p = t.project(migrations=dict(BASE, **{"0002_do.sql": body}))
    r = t.pgboot("migrate", project=p).expect(3, "0002_do.sql:6", "boom 1", where="err")
    check("LINE 6:" in r.err, "shows the RAISE line", r)


def test_plpgsql_compile_error_position(t):
    body = "DO $$\nBEGIN\n  PERFORM 1;\n  SELEC 2;\nEND\n$$;\n"
    p = t.project(migrations=dict(BASE, **{"0002_bad.sql": body}))
    t.pgboot("migrate", project=p).expect(3, "0002_bad.sql:4:3", where="err")


def test_error_in_later_statement_points_at_it(t):
    body = ("CREATE TABLE ok1 (id int);\n"
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
            "SELECT f() / 0;\n")
    p = t.project(migrations=dict(BASE, **{"0002_div.sql": body}))
    t.pgboot("migrate", project=p).expect(3, "0002_div.sql:3", "division by zero", where="err")


def test_peer_directives(t):
    files = {
        "0002_dbmate.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY b1 ON base (id);\n"
                           "-- migrate:down\nDROP INDEX b1;\n",
        "0003_goose.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY b2 ON base (email);\n"
                          "-- +goose Down\nDROP INDEX b2;\n",
        "0004_morph.sql": "-- morph:nontransactional\nVACUUM base;\n",
        "0005_sqlx.sql": "-- no-transaction\nCREATE INDEX CONCURRENTLY b3 ON base (id, email);\n",
    }
    p = t.project(migrations=dict(BASE, **files))
    r = t.pgboot("migrate", project=p).expect(0)
    for idx in ("b1", "b2", "b3"):
        check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = '%s'::regclass" % idx) == "t", idx, r)
    check(t.psql("SELECT down_sql FROM pgboot_migrations WHERE version = '0002'").strip() == "DROP INDEX b1;",
          "dbmate's down marker splits the file", r)


def test_copy_to_stdout_refused(t):
    p = t.project(migrations=dict(BASE, **{"0002_out.sql": "SELECT 1;\nCOPY base TO STDOUT;\n"}))
    t.pgboot("migrate", project=p).expect(78, "0002_out.sql:2:1", 'COPY TO STDOUT in "migrations/0002_out.sql" is not '
                                          "supported", "no one to send rows to", where="err")
    check(not t.table_exists("base") and not t.table_exists("pgboot_migrations"), "nothing applied")


def test_two_phase_commit_refused(t):
    for name, body, line in (("0002_prep.sql", "BEGIN;\nCREATE TABLE p (id int);\nPREPARE TRANSACTION 'x';\n", 3),
                             ("0002_commitprep.sql", "SELECT 1;\nCOMMIT PREPARED 'x';\n", 2),
                             ("0002_rollbackprep.sql", "ROLLBACK PREPARED 'x';\n", 1)):
        p = t.project(migrations=dict(BASE, **{name: body}))
        t.pgboot("migrate", project=p).expect(78, "%s:%d:1" % (name, line), "a two-phase commit statement in",
                                              "is not supported", "PREPARE TRANSACTION would leave", where="err")
        check(not t.table_exists("base") and not t.table_exists("pgboot_migrations"), "nothing applied", name)


def test_unterminated_quote_refused_with_opening_line(t):
    p = t.project(migrations=dict(BASE, **{"0002_open.sql": "SELECT 1;\nSELECT 'never closed;\nSELECT 2;\n"}))
    t.pgboot("migrate", project=p).expect(78, "0002_open.sql:2", "unterminated", where="err")
    check(not t.table_exists("base"), "nothing applied")


def test_transaction_lock_mode_refuses_non_atomic_file(t):
    p = t.project(migrations=dict(BASE, **{"0002_c.sql": "-- pgboot:no-transaction\nVACUUM base;\n"}))
    t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(78, "0002_c.sql", "--lock-mode", where="err")
    check(not t.table_exists("base"), "nothing applied")


def test_transaction_lock_mode_is_all_or_nothing(t):
    p = t.project(migrations=dict(BASE, **{"0002_ok.sql": "CREATE TABLE ok (id int);\n",
                                           "0003_bad.sql": "SELECT nope;\n"}))
    t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(3, "0003_bad.sql:1:8", where="err")
    check(not t.table_exists("base") and not t.table_exists("ok"), "the whole run rolled back")
    p.write("migrations", "0003_bad.sql", "SELECT 1;\n")
    t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(0, "committed", where="err")
    check(len(t.history()) == 3, "all three recorded", t.history())


def test_transaction_lock_mode_logs_only_what_commits(t):
    """In the run's transaction no file is applied before the COMMIT: the log says
    "ran ... (commits with the run)" per file, one "committed" line at the end, and
    on a failure that the files before it are rolled back too; JSON says the same."""
    p = t.project(migrations=dict(BASE, **{"0002_ok.sql": "CREATE TABLE ok (id int);\n",
                                           "0003_bad.sql": "SELECT nope;\n"}))
    r = t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(3, "0003_bad.sql:1:8", where="err")
    r.expect_no_text("applied migration", where="err")
    r.expect_text("ran migration 0001_base", "ran migration 0002_ok", "(commits with the run)",
                  "rolled back with the 2 migrations run before it; nothing was applied", where="err")
    r = t.pgboot("migrate", "--lock-mode", "transaction", "--log-format", "json", project=p).expect(3)
    events = r.json_lines()
    names = [e["event"] for e in events]
    check("migration_applied" not in names, "no migration_applied event before the COMMIT", names)
    check([e["version"] for e in events if e["event"] == "migration_ran"] == ["0001", "0002"], "migration_ran", names)
    stopped = [e for e in events if e["event"] == "stopped"]
    check(len(stopped) == 1 and stopped[0].get("rolled_back") == 2 and stopped[0].get("version") == "0003",
          "a stopped event naming 0003 with the 2 files rolled back", stopped)
    p.write("migrations", "0003_bad.sql", "SELECT 1;\n")
    r = t.pgboot("migrate", "--lock-mode", "transaction", "--log-format", "json", project=p).expect(0)
    events = r.json_lines()
    committed = [e for e in events if e["event"] == "committed"]
    check(len(committed) == 1 and committed[0].get("files") == 3 and committed[0].get("migrations") == 3
          and committed[0].get("seeds") == 0, "one committed event for the 3 files", events)
    check("applied 3 migrations" in committed[0].get("msg", ""), "its message says what was applied", committed)
    check(len(t.history()) == 3, "all three recorded", t.history())


def test_transaction_lock_mode_commit_failure_exits_3(t):
    """A deferred constraint fails at the run's COMMIT: exit 3 with the server's
    message, everything rolled back (not 70)."""
    p = t.project(migrations=dict(BASE, **{"0002_deferred.sql": (
        "CREATE TABLE parent (id int PRIMARY KEY);\n"
        "CREATE TABLE child (pid int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\n"
        "INSERT INTO child VALUES (1);\n")}))
    r = t.pgboot("migrate", "--lock-mode", "transaction", project=p)
    r.expect(3, "could not commit the run's transaction", 'violates foreign key constraint "child_pid_fkey"',
             "SQLSTATE 23503", "Key (pid)=(1) is not present", where="err")
    r.expect_text("did not commit: it is rolled back with the 2 migrations it ran; nothing was applied", where="err")
    r.expect_no_text("committed the run's transaction", where="err")
    check(not t.table_exists("base") and not t.table_exists("parent"), "nothing applied", r)
    check(not t.table_exists("pgboot_migrations"), "not even the history table", r)


def _history_trigger(t, when, timing="BEFORE UPDATE"):
    """Make the history table refuse a row change when the PL/pgSQL condition
    `when` holds (NEW and OLD as in a row trigger)."""
    t.psql("CREATE FUNCTION refuse_history() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
           "IF %s THEN RAISE EXCEPTION 'history write refused'; END IF; RETURN NEW; END$$" % when)
    t.psql("CREATE TRIGGER refuse_history %s ON pgboot_migrations FOR EACH ROW EXECUTE FUNCTION refuse_history()"
           % timing)


NT3 = "-- pgboot:no-transaction\nCREATE TABLE nt1 (id int);\nCREATE TABLE nt2 (id int);\nCREATE TABLE nt3 (id int);\n"
# statements that cannot share a message with their progress (a DO block may COMMIT): each is
# committed on its own, then its progress is recorded in a message of its own
NT3_ALONE = ("-- pgboot:no-transaction\nDO $$BEGIN CREATE TABLE nt1 (id int); END$$;\n"
             "DO $$BEGIN CREATE TABLE nt2 (id int); END$$;\nDO $$BEGIN CREATE TABLE nt3 (id int); END$$;\n")


def test_history_start_failure_names_the_file(t):
    p = t.project(migrations=BASE)
    t.pgboot("migrate", project=p).expect(0)
    _history_trigger(t, "NEW.progress = 0", "BEFORE INSERT")
    p.write("migrations", "0002_nt.sql", NT3)
    r = t.pgboot("migrate", project=p).expect(3, where="err")
    r.expect_text("0002_nt.sql: error: history write refused (recording its start in the history table; none of "
                  "its statements ran)", where="err")
    check(not t.table_exists("nt1"), "no statement ran", r)


def test_history_finish_failure_names_the_file(t):
    p = t.project(migrations=BASE)
    t.pgboot("migrate", project=p).expect(0)
    _history_trigger(t, "NEW.progress IS NULL AND OLD.progress IS NOT NULL")
    p.write("migrations", "0002_nt.sql", NT3)
    r = t.pgboot("migrate", project=p).expect(3, where="err")
    r.expect_text("0002_nt.sql: error: history write refused (marking it finished in the history table; all 3 "
                  "statements are committed, the history table records progress 3)", where="err")
    check(t.table_exists("nt3") and progress(t, "0002") == "3", "all three ran and are recorded", r)


def test_progress_failure_reports_what_is_committed(t):
    """The statement committed; its progress UPDATE failed (twice): the report says
    so, and what the history table records, instead of "1 committed"."""
    p = t.project(migrations=BASE)
    t.pgboot("migrate", project=p).expect(0)
    _history_trigger(t, "NEW.progress = 2")
    p.write("migrations", "0002_nt.sql", NT3_ALONE)
    r = t.pgboot("migrate", project=p).expect(3, where="err")
    r.expect_text("0002_nt.sql: error: history write refused (statement 2 of 3, line 3, is committed, but recording "
                  "its progress failed; the history table still records progress 1)", where="err")
    check(t.table_exists("nt2") and not t.table_exists("nt3"), "statement 2 committed, 3 never ran", r)
    check(progress(t, "0002") == "1", "the row says 1", r)


def test_progress_failure_of_a_statement_sharing_its_message_rolls_it_back(t):
    """An autocommit statement that can share a transaction block is sent with its
    progress (one round trip): when the progress fails, the statement is rolled back
    with it, and the report says so."""
    p = t.project(migrations=BASE)
    t.pgboot("migrate", project=p).expect(0)
    _history_trigger(t, "NEW.progress = 2")
    p.write("migrations", "0002_nt.sql", NT3)
    r = t.pgboot("migrate", project=p).expect(3, where="err")
    r.expect_text("0002_nt.sql: error: history write refused (recording the progress of statement 2 of 3, line 3; its "
                  "transaction is rolled back, 1 committed before it stay applied)", where="err")
    check(t.table_exists("nt1") and not t.table_exists("nt2"), "statement 2 rolled back with its progress", r)
    check(progress(t, "0002") == "1", "the row says 1", r)


def test_progress_failure_once_is_recorded_on_the_second_try(t):
    p = t.project(migrations=BASE)
    t.pgboot("migrate", project=p).expect(0)
    t.psql("CREATE SEQUENCE once")
    _history_trigger(t, "NEW.progress = 2 AND nextval('once') = 1")  # a sequence does not roll back
    p.write("migrations", "0002_nt.sql", NT3_ALONE)
    r = t.pgboot("migrate", project=p).expect(0, "trying once more", where="err")
    check(t.table_exists("nt3") and progress(t, "0002") == "done", "finished, recorded as finished", r)


def test_sigterm_while_recording_progress_keeps_it(t):
    """SIGTERM while the progress of a committed statement is being written: the
    write is not cancelled (the statement is committed), the run stops before the
    next statement with 143, and the row says 1."""
    p = t.project(migrations=BASE)
    t.pgboot("migrate", project=p).expect(0)
    t.psql("CREATE FUNCTION slow_history() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
           "IF NEW.progress = 1 THEN PERFORM pg_sleep(1.5); END IF; RETURN NEW; END$$")
    t.psql("CREATE TRIGGER slow_history BEFORE UPDATE ON pgboot_migrations FOR EACH ROW EXECUTE FUNCTION slow_history()")
    p.write("migrations", "0002_nt.sql", NT3_ALONE)
    proc = t.spawn("migrate", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%UPDATE %progress = GREATEST(progress, 1)%' "
                                "AND wait_event = 'PgSleep'") == "1", what="the progress UPDATE to run")
    proc.signal(signal.SIGTERM)
    r = proc.wait(10)
    check(r.code == 143, "exit 143", r)
    check(t.table_exists("nt1") and not t.table_exists("nt2"), "statement 1 committed, 2 never ran", r)
    check(progress(t, "0002") == "1", "the row says what is committed", progress(t, "0002"), r)


def test_progress_failure_inside_a_transaction_says_so(t):
    """In a file with transaction control in its middle, a statement's progress is
    sent with it; when that UPDATE fails, the error says the statement ran and its
    transaction is rolled back (not that the statement failed), and names the file."""
    p = t.project(migrations=BASE)
    t.pgboot("migrate", project=p).expect(0)
    _history_trigger(t, "NEW.progress = 5")
    p.write("migrations", "0002_mid.sql", "CREATE TABLE s1 (id int);\nCOMMIT;\nCREATE TABLE s2 (id int);\nBEGIN;\n"
                                          "CREATE TABLE s3 (id int);\nCREATE TABLE s4 (id int);\n")
    r = t.pgboot("migrate", project=p).expect(3, where="err")
    r.expect_text("0002_mid.sql: error: history write refused (recording the progress of statement 5 of 6, line 5; "
                  "its transaction is rolled back, 3 committed before it stay applied)", where="err")
    r.expect_no_text("0002_mid.sql:6", where="err")
    check(t.table_exists("s2") and not t.table_exists("s3"), "the open transaction rolled back", r)
    check(progress(t, "0002") == "3", "the row says 3", r)


def test_psql_only_escape_refused(t):
    p = t.project(migrations=dict(BASE, **{"0002_esc.sql": "SELECT 1\\; SELECT 2;\n"}))
    t.pgboot("migrate", project=p).expect(78, "0002_esc.sql:1:9", where="err")
    check(not t.table_exists("base"), "nothing applied")


def test_utf8_bom_is_skipped(t):
    p = t.project(migrations={"0001_bom.sql": b"\xef\xbb\xbfCREATE TABLE bom (id int);\nSELECT nope FROM bom;\n"})
    # the error column counts no character for the mark, like psql
    t.pgboot("migrate", project=p).expect(3, "0001_bom.sql:2:8", where="err")
    p.write("migrations", "0001_bom.sql", b"\xef\xbb\xbfCREATE TABLE bom (id int);\n")
    t.pgboot("migrate", project=p).expect(0)
    check(t.table_exists("bom"), "applied")


def test_rerun_keeps_the_furthest_progress(t):
    """A half-applied file that is safe to re-run starts again from the top; if the
    re-run stops earlier than the first run did, the history still says how far
    the first one got (its objects exist), never less."""
    body = ("-- pgboot:no-transaction\n"
            "SELECT 1 / (SELECT count(*) FROM ctl WHERE k = 'one');\n"
            "CREATE TABLE IF NOT EXISTS made (id int);\n"
            "SELECT 1 / (SELECT count(*) FROM ctl WHERE k = 'three');\n")
    p = t.project(migrations={"0001_ctl.sql": "CREATE TABLE ctl (k text);\nINSERT INTO ctl VALUES ('one');\n",
                              "0002_steps.sql": body})
    t.pgboot("migrate", project=p).expect(3, "0002_steps.sql:4", "division by zero", where="err")
    check(progress(t, "0002") == "2", "two statements committed")
    t.psql("DELETE FROM ctl")
    t.pgboot("migrate", project=p).expect(3, "0002_steps.sql:2", "division by zero", where="err")
    check(progress(t, "0002") == "2", "the re-run stopped at its first statement; the history still says 2 "
          "(table \"made\" exists)", progress(t, "0002"))
    t.pgboot("status", project=p).expect(0, "partial (2 done)", where="out")
    t.psql("INSERT INTO ctl VALUES ('one'), ('three')")
    t.pgboot("migrate", project=p).expect(0)
    check(progress(t, "0002") == "done", "finished")


def test_lookalikes_of_refused_statements_run(t):
    """Refusals go by tokens: a savepoint named "prepared_rows" is no two-phase
    commit, and a server file whose name says stdout is no COPY TO STDOUT."""
    p = t.project(migrations={"0001_sp.sql": "CREATE TABLE sp (id int);\nSAVEPOINT prepared_rows;\n"
                                             "INSERT INTO sp VALUES (1);\nRELEASE SAVEPOINT prepared_rows;\n"})
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT count(*) FROM sp") == "1", "the savepoint ran")
    p.write("migrations", "0002_copy.sql", "COPY sp FROM '/nonexistent/stdout.csv';\n")
    r = t.pgboot("migrate", project=p).expect(3, "0002_copy.sql", where="err")
    check("not supported" not in r.err and "COPY TO STDOUT" not in r.err, "the server ran it (and could not open the file)", r)


def test_stepwise_file_setting_lock_timeout_in_its_transaction_does_not_outlast_it(t):
    """A session SET inside the file's own transaction survives its COMMIT: the statements
    after it run with pgboot's --ddl-lock-timeout again, not the file's."""
    body = ("CREATE TABLE lt (step int, v text);\nCOMMIT;\n"
            "INSERT INTO lt VALUES (1, current_setting('lock_timeout'));\n"
            "BEGIN;\nSET lock_timeout = 0;\nCOMMIT;\n"
            "INSERT INTO lt VALUES (2, current_setting('lock_timeout'));\n")
    p = t.project(migrations={"0001_lt.sql": body})
    r = t.pgboot("migrate", "--ddl-lock-timeout", "3s", project=p).expect(0)
    got = t.psql("SELECT string_agg(step || '=' || v, ' ' ORDER BY step) FROM lt")
    check(got == "1=3s 2=3s", "each statement ran with pgboot's lock_timeout", got, r)


def test_no_transaction_file_whose_finish_was_lost_is_only_marked_finished(t):
    """Every statement committed and recorded, but marking the row finished failed (a lost
    connection): the next run marks it finished and runs nothing again, even a statement
    that is not safe to run twice."""
    body = "-- pgboot:no-transaction\nCREATE TABLE IF NOT EXISTS once (id int);\nINSERT INTO once VALUES (1);\n"
    p = t.project(migrations={"0001_once.sql": body})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    t.psql("UPDATE pgboot_migrations SET progress = 2 WHERE version = '0001'")  # as a lost finish leaves it
    r = t.pgboot("migrate", "--no-verify", project=p).expect(0, "marking it finished", where="err")
    check(t.psql("SELECT count(*) FROM once") == "1", "the INSERT ran once", r)
    check(progress(t, "0001") == "done", "the row is finished", r)
