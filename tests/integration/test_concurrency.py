"""Several pgboot processes at once, and the migration lock (exit 75)."""
import random
import re
import time

from harness import check, lock_key

# Every migration counts its own runs: a migration applied twice shows as 2.
COUNTED = {
    "0001_counter.sql": "CREATE TABLE runs (version text NOT NULL); INSERT INTO runs VALUES ('0001');"
                        "SELECT pg_sleep(0.3);",
    "0002_two.sql": "CREATE TABLE two (id int); INSERT INTO runs VALUES ('0002');",
    "0003_three.sql": "INSERT INTO runs VALUES ('0003'); SELECT pg_sleep(0.2);",
    "0004_four.sql": "CREATE INDEX ON two (id); INSERT INTO runs VALUES ('0004');",
}


def _many_at_once(t, n):
    p = t.project(migrations=COUNTED)
    procs = [t.spawn("migrate", project=p) for _ in range(n)]
    results = [pr.wait(60) for pr in procs]
    for r in results:
        r.expect(0)
    counts = t.psql("SELECT string_agg(version || '=' || n, ' ' ORDER BY version) FROM "
                    "(SELECT version, count(*) AS n FROM runs GROUP BY version) s")
    check(counts == "0001=1 0002=1 0003=1 0004=1", "each migration ran exactly once", counts, *results)
    check(t.psql("SELECT count(*), count(DISTINCT version) FROM pgboot_migrations") == "4|4",
          "four unique history rows", t.history())
    appliers = [r for r in results if "applied migration" in r.err]
    check(len(appliers) >= 1, "someone applied", *results)
    return results


def test_two_at_once(t):
    _many_at_once(t, 2)


def test_eight_at_once(t):
    results = _many_at_once(t, 8)
    waited = [r for r in results if "waiting for the migration lock" in r.err or "another pgboot" in r.err
              or "up to date" in r.err]
    check(len(waited) >= 1, "the others found the work done", *results)


def test_eight_at_once_with_run(t):
    p = t.project(migrations=COUNTED)
    procs = [t.spawn("run", "--", "sh", "-c", "exit 0", project=p) for _ in range(8)]
    for pr in procs:
        pr.wait(60).expect(0)
    check(t.psql("SELECT count(*) FROM runs") == "4", "each migration once")


def test_waiter_with_nothing_left_verifies_without_the_lock(t):
    """A pgboot that finds everything applied once it has the lock gives the lock back at once: its checks
    run without it, as on the fast path, so the next waiter does not queue behind them."""
    gate_key = 4711
    p = t.project(migrations={"0001_a.sql": "SELECT pg_advisory_xact_lock(%d); CREATE TABLE a (id int);" % gate_key},
                  verify={"010_slow.sql": "SELECT 1 FROM pg_sleep(2) WHERE random() < 0;"})
    mine = "FROM pg_stat_activity WHERE application_name = 'pgboot' AND datname = current_database() "
    checking = "SELECT count(*) " + mine + "AND query LIKE '%pg_sleep(2)%' AND state = 'active'"
    key = lock_key(t.db, "public.pgboot_migrations")
    migration_lock = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                      "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                      "AND objid = (%d & 4294967295)::oid AND classid = ((%d >> 32) & 4294967295)::oid" % (key, key))
    # the test holds a gate the first migration waits for: the second pgboot reads the history while it waits
    gate = t.hold("SELECT pg_advisory_lock(%d)" % gate_key,
                  ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                            "AND objid = %d" % gate_key)
    first = t.spawn("migrate", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) " + mine + "AND wait_event_type = 'Lock'") == "1",
                 what="the first pgboot migrating, at the gate")
    second = t.spawn("migrate", "--lock-timeout", "30s", project=p)
    second.wait_for_text("taking the migration lock", timeout=15)
    t.release(gate)
    t.wait_until(lambda: t.psql(checking) == "1", timeout=15, what="the first pgboot checking")
    check(t.psql(migration_lock) == "1", "the applier verifies under the lock (DESIGN.md's order)")
    second.wait_for_text("another pgboot applied everything", timeout=15)
    first.wait(15).expect(0)
    t.wait_until(lambda: t.psql(checking) == "1", timeout=15, what="the second pgboot checking")
    check(t.psql(migration_lock) == "0", "no migration lock held while the second one checks")
    second.wait(15).expect(0)


def test_lock_held_by_another_pgboot_gives_75(t):
    p = t.project(migrations={"0001_slow.sql": "SELECT pg_sleep(6); CREATE TABLE slow (id int);"})
    first = t.spawn("migrate", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(6)%' "
                                "AND application_name = 'pgboot'") == "1", what="the first pgboot migrating")
    holder = t.psql("SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(6)%' AND application_name = 'pgboot'")
    r = t.pgboot("migrate", "--lock-timeout", "1s", project=p).expect(75)
    check(0.9 < r.elapsed < 4, "gave up after about --lock-timeout (%.1fs)" % r.elapsed, r)
    r.expect_text("pid %s" % holder, where="err")
    r.expect_text("waiting for the migration lock", where="err")
    first.signal(15)
    first.wait(10)


def test_lock_held_by_session_gives_75(t):
    """DESIGN.md's key: BLAKE2b-256 of "pgboot:" + db + qualified table, first 8 bytes."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    key = lock_key(t.db, "public.pgboot_migrations")
    app = t.hold("SELECT pg_advisory_lock(%d)" % key,
                 ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND granted "
                           "AND objid = (%d & 4294967295)::oid" % key)
    pid = t.holder_pid(app)
    r = t.pgboot("migrate", "--lock-timeout", "1s", project=p).expect(75, "pid %s" % pid, where="err")
    check(not t.table_exists("a"), "nothing applied")
    r.expect_text(app, where="err")  # the holder's application_name
    # PGBOOT_LOCK_TIMEOUT works too
    t.pgboot("migrate", project=p, env={"PGBOOT_LOCK_TIMEOUT": "500ms"}).expect(75)


def test_lock_wait_then_success(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    key = lock_key(t.db, "public.pgboot_migrations")
    app = t.hold("SELECT pg_advisory_lock(%d)" % key,
                 ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND granted "
                           "AND objid = (%d & 4294967295)::oid" % key)
    proc = t.spawn("migrate", "--lock-timeout", "20s", project=p)
    proc.wait_for_text("waiting for the migration lock", timeout=10)
    t.release(app)
    r = proc.wait(20).expect(0)
    check(t.table_exists("a"), "applied after the lock was released", r)


def test_lock_key_depends_on_history_table(t):
    """A lock on the default history table does not block a project that uses another one."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    key = lock_key(t.db, "public.pgboot_migrations")
    t.hold("SELECT pg_advisory_lock(%d)" % key,
           ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND granted")
    t.pgboot("migrate", "--lock-timeout", "1s", "--history-table", "other_history", project=p).expect(0)


def test_lock_released_after_migrate(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == "0", "no advisory lock left")
    p.write("migrations", "0002_b.sql", "CREATE TABLE b (id int);")
    t.pgboot("migrate", "--lock-timeout", "1s", project=p).expect(0)


def test_app_does_not_inherit_lock_or_connection(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    out = t.path("seen")
    sql = ("SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) || ' ' || "
           "(SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' AND datname = current_database())")
    t.pgboot("run", "--", "sh", "-c", "sleep 0.3; psql -X -At -h %s -p %d -U postgres -d %s -c \"%s\" > %s"
             % (t.server.sock, t.server.port, t.db, sql, out), project=p).expect(0)
    check(t.read("seen").strip() == "0 0", "before exec the lock and the connection are released", t.read("seen"))


def test_transaction_mode_waiter_does_not_stall_concurrent_index(t):
    """A --lock-mode transaction run waiting for the lock holds no transaction open: the
    session-mode run that holds the lock reaches CREATE INDEX CONCURRENTLY (which waits for
    every older transaction) and both finish promptly."""
    p = t.project(migrations={
        "0001_a.sql": "CREATE TABLE a (id int); INSERT INTO a SELECT generate_series(1, 1000); SELECT pg_sleep(1.5);",
        "0002_idx.sql": "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);"})
    holder = t.spawn("migrate", "--lock-timeout", "30s", "-v", project=p)
    holder.wait_for_text("took the migration lock", timeout=10)
    waiter = t.spawn("migrate", "--lock-mode", "transaction", "--lock-timeout", "30s", project=p)
    r1 = holder.wait(40)
    r2 = waiter.wait(40)
    r1.expect(0)
    r2.expect(0)
    check(r1.elapsed < 10 and r2.elapsed < 10, "neither waited for the other's lock timeout", r1, r2)
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'a_id'::regclass") == "t", "the index is valid")


# An old release (files 1..3) and a new one (1..5) of the same project; every migration counts its runs.
ROLLOUT_NEW = {
    "0001_runs.sql": "CREATE TABLE runs (version text NOT NULL); INSERT INTO runs VALUES ('0001');",
    "0002_b.sql": "CREATE TABLE b (id int); INSERT INTO runs VALUES ('0002'); SELECT pg_sleep(0.05);",
    "0003_c.sql": "CREATE TABLE c (id int); INSERT INTO runs VALUES ('0003');",
    "0004_d.sql": "CREATE TABLE d (id int); INSERT INTO runs VALUES ('0004'); SELECT pg_sleep(0.05);",
    "0005_e.sql": "ALTER TABLE b ADD COLUMN e int; INSERT INTO runs VALUES ('0005');",
}
ROLLOUT_OLD = {k: v for k, v in ROLLOUT_NEW.items() if k < "0004"}


def test_old_and_new_release_started_together(t):
    """A rollout (or a rollback) runs the previous image beside the new one:
    whatever the timing, both reach their app, each migration runs once, and
    the history ends with the new release's 5 rows. Repeated with either one
    first, a random head start, and the old one with --skip-migrate too."""
    old, new = t.project(migrations=ROLLOUT_OLD), t.project(migrations=ROLLOUT_NEW)
    rnd = random.Random(10)
    for i in range(8):
        db = t.new_database()
        url = t.url(db=db)
        old_args = ["run", "--skip-migrate", "--wait-timeout", "20s"] if i % 4 == 3 else ["run"]
        starts = [(old, old_args), (new, ["run"])]
        if i % 2:
            starts.reverse()
        procs = []
        for n, (proj, args) in enumerate(starts):
            if n:
                time.sleep(rnd.choice([0, 0, 0.01, 0.03, 0.08, 0.15]))
            procs.append(t.spawn(*args, "--", "sh", "-c", "exit 0", project=proj, url=url))
        results = [pr.wait(60) for pr in procs]
        for r in results:
            r.expect(0)
        counts = t.psql("SELECT string_agg(version || '=' || n, ' ' ORDER BY version) FROM "
                        "(SELECT version, count(*) AS n FROM runs GROUP BY version) s", db=db)
        check(counts == "0001=1 0002=1 0003=1 0004=1 0005=1", "round %d: each migration once" % i, counts, *results)
        check(len(t.history(db=db)) == 5, "round %d: the history has the new release's 5 rows" % i, *results)


def test_old_release_skip_migrate_beside_migrated_schema(t):
    """The new release migrated; the old image with --skip-migrate (the app
    replicas of a two-step deploy) starts: it warns about 0004 and 0005 and execs."""
    t.pgboot("migrate", project=t.project(migrations=ROLLOUT_NEW)).expect(0)
    r = t.pgboot("run", "--skip-migrate", "--wait-timeout", "5s", "--", "sh", "-c", "exit 0",
                 project=t.project(migrations=ROLLOUT_OLD)).expect(0)
    r.expect_text("0004", "0005", "newer release", where="err")
    check(r.elapsed < 4, "at once, not after --wait-timeout", r)
