"""Batches: consecutive pending migrations that run in one transaction each go
to the server in one simple-query message (apply.h's apply_batch), each still
its own BEGIN ... history row ... COMMIT. Logged one by one as each commits,
durations by the server's clock; the first error stops the message; a lock
timeout is retried from the migration that hit it; --no-batch sends one
migration a message."""

import re
import signal
import time

from harness import check

# while pgboot's session sleeps: when its message arrived (the query text shows only its first KB)
SLEEPING = ("SELECT extract(epoch FROM query_start) FROM pg_stat_activity WHERE application_name = 'pgboot' "
            "AND wait_event = 'PgSleep' AND datname = current_database()")
# when the committed rows' transactions began
STARTS = "SELECT min(extract(epoch FROM applied_at)), max(extract(epoch FROM applied_at)) FROM pgboot_migrations"


def _one_message(t, db=None):
    """While 0003 sleeps: True when its message is the one 0001 and 0002 committed in (it
    arrived before their transactions began), False when it came after them."""
    t.wait_until(lambda: t.psql(SLEEPING, db=db) != "", what="0003's pg_sleep to run")
    arrived = float(t.psql(SLEEPING, db=db))
    first, last = (float(x) for x in t.psql(STARTS, db=db).split("|"))
    check(arrived <= first or arrived > last, "the message came before 0001 or after 0002", arrived, first, last)
    return arrived <= first


def _applied_lines(text):
    return re.findall(r"applied migration (\w+) \((\d+) ms[;)]", text)


def _history_matches_schema(t, tables):
    """Every table of tables exists exactly when its migration's row does."""
    versions = {v for _, v, _ in t.history()}
    for version, table in tables.items():
        check(t.table_exists(table) == (version in versions),
              "table %s exists exactly when %s is in the history" % (table, version), t.history())


def _sleepy_project(t, sleep):
    return t.project(migrations={
        "0001_a.sql": "CREATE TABLE ba (id int);",
        "0002_b.sql": "CREATE TABLE bb (id int);\nINSERT INTO bb VALUES (1);",
        "0003_sleepy.sql": "CREATE TABLE bs (id int);\nSELECT pg_sleep(%s);" % sleep,
        "0004_c.sql": "CREATE TABLE bc (id int);",
        "0005_d.sql": "BEGIN;\nCREATE TABLE bd (id int);\nCOMMIT;",
    })


def test_batch_in_order_with_durations_and_off_switch(t):
    for batched in (True, False):
        db = t.new_database()
        p = _sleepy_project(t, "0.7")
        args = ("migrate", "--log-format", "json") + (() if batched else ("--no-batch",))
        proc = t.spawn(*args, project=p, url=t.url(db))
        check(_one_message(t, db) == batched, "0001 to 0003 in one message exactly when batched")
        r = proc.wait(30).expect(0)
        events = [e for e in r.json_lines() if e["event"] == "migration_applied"]
        check([e["version"] for e in events] == ["0001", "0002", "0003", "0004", "0005"],
              "one applied event each, in order", events)
        ms = {e["version"]: e["ms"] for e in events}
        # each duration is the migration's own, from its transaction's start: not the message's
        check(ms["0003"] >= 700 and ms["0004"] < 500 and ms["0005"] < 500, "per-migration durations", ms)
        rows = t.psql("SELECT version, duration_ms, extract(epoch FROM applied_at) FROM pgboot_migrations "
                      "ORDER BY version", db=db).splitlines()
        hist = {v: (int(d), float(a)) for v, d, a in (row.split("|") for row in rows)}
        check(hist["0003"][0] >= 700 and hist["0004"][0] < 500 and hist["0005"][0] < 500,
              "duration_ms in the history is each migration's own", hist)
        check(hist["0004"][1] - hist["0003"][1] >= 0.69, "0004's applied_at is its own start, after 0003's sleep",
              hist)
        check(all(hist[v][1] <= hist[w][1] for v, w in zip(sorted(hist), sorted(hist)[1:])),
              "applied_at in order", hist)
        # each part's lock record (the INSERT's RETURNING) is read back and logged with its line
        check(t.psql("SELECT count(*) FROM pgboot_migrations WHERE locks IS NULL", db=db) == "0",
              "every row has its lock record", r)
        check(all("locks" in e for e in events), "every applied event carries its locks", events)


def test_batch_failure_in_the_middle(t):
    tables = {"0001": "fa", "0002": "fb", "0003": "fc", "0004": "fd"}
    p = t.project(migrations={
        "0001_a.sql": "CREATE TABLE fa (id int);",
        "0002_b.sql": "CREATE TABLE fb (id int);",
        "0003_bad.sql": "CREATE TABLE fc (id int);\nINSERT INTO fc VALUES (1);\nSELECT nosuch FROM fc;\n",
        "0004_d.sql": "CREATE TABLE fd (id int);",
    })
    r = t.pgboot("migrate", project=p).expect(3, "0003_bad.sql:3:8", "nosuch", where="err")
    check([v for v, _ in _applied_lines(r.err)] == ["0001_a", "0002_b"], "the two before are logged applied", r)
    check("0004" not in r.err.split("0003_bad.sql:3:8")[0].split("was rolled back")[-1], "0004 is not logged", r)
    check([v for _, v, _ in t.history()] == ["0001", "0002"], "0001 and 0002 committed", t.history())
    _history_matches_schema(t, tables)
    # a syntax error fails the whole message before it runs: the ones before still commit
    db = t.new_database()
    p.write("migrations", "0003_bad.sql", "CREATE TABLE fc (id int);\n  SELEC 1;\n")
    r = t.pgboot("migrate", project=p, url=t.url(db)).expect(3, "0003_bad.sql:2:3", "SELEC", where="err")
    check([v for v, _ in _applied_lines(r.err)] == ["0001_a", "0002_b"], "the two before are logged applied", r)
    check([v for _, v, _ in t.history(db=db)] == ["0001", "0002"], "0001 and 0002 committed", t.history(db=db))
    # and the run's transaction (--lock-mode transaction): one message, nothing applied
    db = t.new_database()
    r = t.pgboot("migrate", "--lock-mode", "transaction", project=p, url=t.url(db)).expect(
        3, "0003_bad.sql:2:3", "rolled back", where="err")
    check(not t.table_exists("fa", db=db) and "applied migration" not in r.err, "nothing applied", r)


def test_batch_lock_mode_transaction(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE ta (id int);",
                              "0002_b.sql": "CREATE TABLE tb (id int);\nSELECT pg_sleep(0.3);",
                              "0003_c.sql": "CREATE TABLE tc (id int);"})
    r = t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(0)
    ran = re.findall(r"ran migration (\w+) \((\d+) ms; commits with the run", r.err)
    check([v for v, _ in ran] == ["0001_a", "0002_b", "0003_c"], "each ran, in order", r)
    check(int(ran[1][1]) >= 300 and int(ran[2][1]) < 300, "each its own duration", ran)
    r.expect_text("committed the run's transaction: applied 3 migrations")
    check([v for _, v, _ in t.history()] == ["0001", "0002", "0003"], "all recorded", t.history())


def test_batch_lock_timeout_retried_from_the_migration(t):
    t.psql("CREATE TABLE busy (id int)")
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE la (id int);",
                              "0002_alter.sql": "ALTER TABLE busy ADD COLUMN x int;",
                              "0003_c.sql": "CREATE TABLE lc (id int);",
                              # alone, after the batch: what the session holds prepared then
                              "0004_left.sql": "-- pgboot:no-transaction\n"
                                               "CREATE TABLE leftover AS SELECT name FROM pg_prepared_statements;"})
    app = t.hold("BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE")
    proc = t.spawn("migrate", "-v", "--ddl-lock-timeout", "200ms", "--ddl-lock-retries", "5", project=p)
    proc.wait_for_text("attempt 1 of 5", timeout=10)
    check([v for _, v, _ in t.history()] == ["0001"], "0001 committed before the retry", t.history())
    t.release(app)
    r = proc.wait(30).expect(0)
    check([v for v, _ in _applied_lines(r.err)] == ["0001_a", "0002_alter", "0003_c", "0004_left"],
          "each applied once", r)
    check("0002_alter.sql\" waited more than 200ms" in r.err, "the retry names 0002", r)
    check([v for _, v, _ in t.history()] == ["0001", "0002", "0003", "0004"], "all recorded", t.history())
    # the failed message's prepared lock record was deallocated: the retry prepared its own again
    check("computes its own" not in r.err, "the retried batch still prepares the lock record", r)
    check(t.psql("SELECT count(*) FROM leftover") == "0", "no prepared statement outlives its batch",
          t.psql("SELECT name FROM leftover"))
    check(t.psql("SELECT locks FROM pgboot_migrations WHERE version = '0002'") == "ACCESS EXCLUSIVE public.busy",
          "the retried migration's lock record", t.psql("SELECT version, locks FROM pgboot_migrations"))


def test_batch_lock_record_prepared_and_deallocated_by_a_file(t):
    """A batch prepares the lock record's query once (APPLY_LOCKREC_STATEMENT); each row's record is
    still its own migration's. A file that deallocates it (DEALLOCATE ALL) is rolled back and runs
    again with rows that compute their own: applied once, nothing lost."""
    t.psql("CREATE TABLE pre (id int)")
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE na (id int);",
                              "0002_alter.sql": "ALTER TABLE pre ADD COLUMN x int;",
                              "0003_dealloc.sql": "DEALLOCATE ALL;\nINSERT INTO pre VALUES (1);",
                              "0004_lock.sql": "LOCK TABLE pre IN SHARE MODE;\nCREATE INDEX ON na (id);"})
    r = t.pgboot("migrate", "-v", project=p).expect(0, "each row computes its own", where="err")
    check([v for v, _ in _applied_lines(r.err)] == ["0001_a", "0002_alter", "0003_dealloc", "0004_lock"],
          "each applied once, in order", r)
    locks = dict(line.split("|") for line in t.psql("SELECT version, locks FROM pgboot_migrations").splitlines())
    check(locks == {"0001": "", "0002": "ACCESS EXCLUSIVE public.pre", "0003": "ROW EXCLUSIVE public.pre",
                    "0004": "SHARE public.na, SHARE public.pre"}, "each row its own migration's locks", locks)
    check(t.psql("SELECT count(*) FROM pre") == "1", "0003 ran once: its first try rolled back", r)
    check("locks: ACCESS EXCLUSIVE public.pre" in r.err, "the applied line carries the record", r)


def test_batch_sigterm_mid_batch(t):
    p = _sleepy_project(t, "30")
    proc = t.spawn("migrate", project=p)
    check(_one_message(t), "0001 to 0003 in one message")
    sent = time.time()
    proc.signal(signal.SIGTERM)
    r = proc.wait(10)
    check(r.code == 143 and time.time() - sent < 2.5, "exit 143 at once", r)
    check([v for v, _ in _applied_lines(r.err)] == ["0001_a", "0002_b"], "what committed is logged, only that", r)
    r.expect_text("0003_sleepy.sql", where="err")
    check([v for _, v, _ in t.history()] == ["0001", "0002"], "0001 and 0002 committed", t.history())
    _history_matches_schema(t, {"0001": "ba", "0002": "bb", "0003": "bs", "0004": "bc", "0005": "bd"})
    t.wait_until(lambda: t.psql(SLEEPING) == "", timeout=3, what="the pg_sleep(30) to be cancelled")


def test_batch_without_plpgsql(t):
    """The reset that keeps a file's start needs PL/pgSQL: without it pgboot goes back to
    one file a message, and every row still has its own start and duration."""
    t.psql("DROP EXTENSION plpgsql")
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE pa (id int);",
                              "0002_b.sql": "CREATE TABLE pb (id int);\nSELECT pg_sleep(0.4);",
                              "0003_c.sql": "CREATE TABLE pc (id int);"})
    r = t.pgboot("migrate", "-v", project=p).expect(0, "PL/pgSQL is not available", where="err")
    check([v for v, _ in _applied_lines(r.err)] == ["0001_a", "0002_b", "0003_c"], "each applied once, in order", r)
    rows = dict(line.split("|") for line in t.psql("SELECT version, duration_ms FROM pgboot_migrations").splitlines())
    check(int(rows["0002"]) >= 400 and int(rows["0003"]) < 300, "each row its own duration", rows)
    _history_matches_schema(t, {"0001": "pa", "0002": "pb", "0003": "pc"})


def test_batch_files_that_reset_everything(t):
    """A file may RESET ALL (pgboot.t0 with the rest: its row falls back to the transaction's
    start) or DEALLOCATE ALL (the batch's prepared lock record with the rest, even in the last
    file, a repeatable whose row needs none: the closing DEALLOCATE finds nothing, and nothing
    is lost): each applied once, exit 0, alone and in a batch."""
    import os
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE ra (id int);\nRESET ALL;",
                              "0002_b.sql": "CREATE TABLE rb (id int);"})
    r = t.pgboot("migrate", project=p).expect(0)
    check([v for v, _ in _applied_lines(r.err)] == ["0001_a", "0002_b"], "both applied, in order", r)
    p1 = t.project(migrations={"0001_a.sql": "RESET ALL;\nCREATE TABLE ra1 (id int);"})
    t.psql("DROP TABLE pgboot_migrations")
    t.pgboot("migrate", project=p1).expect(0, "applied migration 0001_a")

    t.psql("DROP TABLE pgboot_migrations")
    fw = t.project()
    d = os.path.join(fw.dir, "db", "migration")
    os.makedirs(d)
    for name, text in {"V1__t.sql": "CREATE TABLE fw (id int);\n",
                       "R__v.sql": "DEALLOCATE ALL;\nCREATE OR REPLACE VIEW fwv AS SELECT id FROM fw;\n"}.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    r = t.pgboot("migrate", "--migrations", "db/migration", project=fw).expect(0)
    check(t.psql("SELECT to_regclass('fwv') IS NOT NULL") == "t", "the repeatable's view is there", r)
    t.pgboot("migrate", "--migrations", "db/migration", project=fw).expect(0)
