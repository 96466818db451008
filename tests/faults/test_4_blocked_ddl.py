"""Scenario 4, blocked DDL: a session holds a lock on a table a migration alters
(LOCK TABLE ... IN ACCESS SHARE MODE, or a long transaction that read it). With
--ddl-lock-timeout 500ms pgboot gives up each attempt quickly, retries with
backoff, logs the blocker (pid, state, query from pg_stat_activity); meanwhile
other sessions' SELECTs on the table keep answering within about the DDL lock
timeout; when the blocker ends, the migration completes."""
import re
import subprocess
import threading
import time

import faultlib
import harness
from faultlib import check, say

DDL_TIMEOUT = 0.5


def _probe(t, stop, latencies):
    """SELECT from t every 100 ms from fresh sessions; record each latency."""
    while not stop.is_set():
        t0 = time.time()
        p = subprocess.run([harness.PSQL, "-X", "-At", "-h", t.server.sock, "-p", str(t.server.port), "-U", "postgres",
                            "-d", t.db, "-c", "SELECT count(*) FROM t"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30,
                           env=harness.clean_env({"PGAPPNAME": "prober"}))
        latencies.append((time.time() - t0, p.returncode, p.stdout.strip()))
        time.sleep(0.1)


def _blocked(t, hold_sql):
    p = t.project(migrations={"0001_t.sql": "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100);"})
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_alter.sql", "ALTER TABLE t ADD COLUMN c int;\n")
    app = t.hold(hold_sql)
    blocker = t.holder_pid(app)
    proc = t.spawn("migrate", "--ddl-lock-timeout", "500ms", "--ddl-lock-retries", "20", project=p)
    # baseline probe latency, while pgboot is busy
    stop, lat = threading.Event(), []
    th = threading.Thread(target=_probe, args=(t, stop, lat), daemon=True)
    th.start()
    try:
        proc.wait_for_text("retrying", timeout=10)
        time.sleep(3.5)  # two more attempts (backoff 1 s, 2 s)
    finally:
        stop.set()
        th.join(35)
    err = proc.stderr_so_far()
    check(proc.poll() is None, "still retrying while the blocker holds its lock", err)
    retries = err.count("retrying")
    check(retries >= 2, "retries logged (%d)" % retries, err)
    t.release(app)
    r = proc.wait(60).expect(0)
    check(t.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'") == "1",
          "the migration completed after the blocker ended", r)
    failed = [x for x in lat if x[1] != 0 or x[2] != "100"]
    check(not failed, "every probe answered", failed)
    worst = max(x[0] for x in lat)
    say(t, "blocked DDL (%s): %d probes, worst %.0f ms, median %.0f ms; %d retries logged"
        % (hold_sql, len(lat), worst * 1000, sorted(x[0] for x in lat)[len(lat) // 2] * 1000, retries))
    check(worst < DDL_TIMEOUT + 0.4, "SELECTs on t not stalled behind the waiting ALTER (worst %.0f ms)" % (worst * 1000),
          lat)
    # the blocker named: pid, state and query (pg_stat_activity)
    r.expect_text(re.compile(r"\bpid:? %s\b" % blocker), where="err")
    r.expect_text(re.compile(r"active|idle in transaction"), where="err")
    r.expect_text(re.compile(r"LOCK TABLE t|SELECT count\(\*\) FROM t|pg_sleep\(600\)"), where="err")
    return r


def test_blocked_by_lock_table_access_share(t):
    _blocked(t, "BEGIN; LOCK TABLE t IN ACCESS SHARE MODE")


test_blocked_by_lock_table_access_share.timeout = 90


def test_blocked_by_long_transaction_that_read(t):
    _blocked(t, "BEGIN; SELECT count(*) FROM t")


test_blocked_by_long_transaction_that_read.timeout = 90


def test_blocked_gives_up_after_retries(t):
    """The blocker never ends: after --ddl-lock-retries attempts exit 3, nothing
    applied, the hint names the way out."""
    p = t.project(migrations={"0001_t.sql": "CREATE TABLE t (id int);"})
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_alter.sql", "ALTER TABLE t ADD COLUMN c int;\n")
    app = t.hold("BEGIN; LOCK TABLE t IN ACCESS SHARE MODE")
    r = t.pgboot("migrate", "--ddl-lock-timeout", "200ms", "--ddl-lock-retries", "2", project=p, timeout=30)
    r.expect(3, "0002_alter.sql", "55P03", where="err")
    check(len(t.history()) == 1, "0002 not recorded", t.history())
    check(faultlib.advisory_locks(t) == "0", "the migration lock released")
    t.release(app)
