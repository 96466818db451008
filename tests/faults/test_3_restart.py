"""Scenario 3, server restart and failover.

Restarts (fast and immediate) of the suite's server while pgboot waits for it,
while it holds the migration lock (sleeping between DDL lock retries), and during
a migration: pgboot recovers within --wait-timeout (reconnect, re-take the lock,
re-read the history, continue) or exits 69 with a clear message, and history and
schema never disagree. Then a primary and a streaming standby of our own on
loopback with a multi-host URL (target_session_attrs=read-write): pgboot finds the
primary; with only the standby up it waits; the standby is promoted mid-wait and
pgboot proceeds."""
import os
import re
import time

import faultlib
from faultlib import check, say

SLEEPY_MARKER = "no-more-sleep"


def _restart(t, mode):
    t.on_cleanup(lambda: faultlib.pgtmp("start", t.server.dir, check_rc=False))
    faultlib.pgtmp("restart", t.server.dir, mode)


def _sleepy(t, v, seconds=20):
    """A transactional migration that sleeps only until the test creates the
    marker file (a re-run after a reconnect does not sleep again)."""
    marker = t.path(SLEEPY_MARKER)
    text = ("CREATE TABLE t_%s (id int);\n"
            "SELECT pg_sleep(CASE WHEN (pg_stat_file('%s', true)).size IS NULL THEN %d ELSE 0 END);\n"
            "INSERT INTO ledger (version) VALUES ('%s');\n") % (v, marker, seconds, v)
    return faultlib.Mig(v, "sleepy", text, ["t_%s" % v]), marker


def _running(needle):
    return faultlib.running(needle)


def _wait_active(t, needle, timeout=15):
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' "
                                "AND state = 'active' AND %s" % _running(needle)) != "0",
                 timeout=timeout, what="pgboot running %s" % needle)


# ---- while waiting ---------------------------------------------------------------

def _while_waiting(t, mode):
    migs = [faultlib.ledger_mig(), faultlib.tx_mig("0002")]
    p = t.project(migrations=faultlib.files(migs))
    db = t.db
    t.on_cleanup(lambda: faultlib.pgtmp("start", t.server.dir, check_rc=False))
    faultlib.pgtmp("stop", t.server.dir, mode)
    proc = t.spawn("migrate", "--wait-timeout", "30s", project=p)
    proc.wait_for_text("waiting for the database", timeout=10)
    time.sleep(0.5)
    up = time.time()
    faultlib.pgtmp("start", t.server.dir)
    r = proc.wait(40).expect(0)
    say(t, "restart (%s) while waiting: pgboot finished %.2fs after the server was started" % (mode, time.time() - up))
    faultlib.check_consistent(t, migs, db=db)
    check(len(faultlib.history_rows(t)) == 2, "both applied")


def test_restart_while_waiting_fast(t):
    _while_waiting(t, "fast")


def test_restart_while_waiting_immediate(t):
    _while_waiting(t, "immediate")


# ---- while holding the lock (between DDL lock retries) -------------------------------

def _while_holding_lock(t, mode):
    base = [faultlib.ledger_mig(), faultlib.tx_mig("0002")]
    p = t.project(migrations=faultlib.files(base))
    t.pgboot("migrate", project=p).expect(0)
    alter = faultlib.Mig("0003", "alter", "ALTER TABLE t_0002 ADD COLUMN c int;\nINSERT INTO ledger (version) VALUES ('0003');\n",
                         [None])
    p.write("migrations", alter.file, alter.text)
    migs = base + [alter]
    t.hold("BEGIN; LOCK TABLE t_0002 IN ACCESS EXCLUSIVE MODE")
    proc = t.spawn("migrate", "--ddl-lock-timeout", "300ms", "--ddl-lock-retries", "30", "--wait-timeout", "30s",
                   project=p)
    proc.wait_for_text("retrying", timeout=15)
    check(faultlib.advisory_locks(t) == "1", "pgboot holds the migration lock while it waits to retry")
    t0 = time.time()
    _restart(t, mode)  # the holder's session dies with it
    r = proc.wait(60)
    faultlib.wait_server_up(t)
    faultlib.settle(t)
    faultlib.check_consistent(t, migs)
    hist = faultlib.history_rows(t)
    say(t, "restart (%s) while holding the lock: exit %s after %.2fs" % (mode, r.code, time.time() - t0))
    r.expect(0)  # reconnect-and-resume: the blocker is gone, the migration applies
    check("0003" in hist, "0003 applied after the reconnect", hist)
    check(t.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 't_0002' AND column_name = 'c'") == "1",
          "the column is there")


def test_restart_while_holding_lock_fast(t):
    _while_holding_lock(t, "fast")


def test_restart_while_holding_lock_immediate(t):
    _while_holding_lock(t, "immediate")


# ---- during a migration ----------------------------------------------------------------

def _during_migration(t, mode):
    sleepy, marker = _sleepy(t, "0003")
    migs = [faultlib.ledger_mig(), faultlib.tx_mig("0002"), sleepy, faultlib.tx_mig("0004")]
    p = t.project(migrations=faultlib.files(migs))
    proc = t.spawn("migrate", "--wait-timeout", "30s", project=p)
    _wait_active(t, "pg_sleep(CASE")
    t.write(SLEEPY_MARKER, "x")
    t0 = time.time()
    _restart(t, mode)
    r = proc.wait(60)
    faultlib.wait_server_up(t)
    faultlib.settle(t)
    hist = faultlib.check_consistent(t, migs)
    say(t, "restart (%s) during a migration: exit %s after %.2fs; history %s" % (mode, r.code, time.time() - t0,
                                                                              sorted(hist)))
    r.expect_text("0003", where="err")
    r.expect(0)  # reconnect-and-resume
    check(len(hist) == 4, "everything applied, 0003 once", hist)
    r.expect_text(re.compile(r"reconnect|connecting again"), where="err")


def test_restart_during_migration_fast(t):
    _during_migration(t, "fast")


def test_restart_during_migration_immediate(t):
    _during_migration(t, "immediate")


def test_server_gone_during_migration_gives_69(t):
    """The server stops and stays down: 69 within about --wait-timeout, a clear
    message; once it is back, history and schema agree and the next run finishes."""
    sleepy, marker = _sleepy(t, "0003")
    migs = [faultlib.ledger_mig(), faultlib.tx_mig("0002"), sleepy]
    p = t.project(migrations=faultlib.files(migs))
    proc = t.spawn("migrate", "--wait-timeout", "3s", project=p)
    _wait_active(t, "pg_sleep(CASE")
    t.write(SLEEPY_MARKER, "x")
    t.on_cleanup(lambda: faultlib.pgtmp("start", t.server.dir, check_rc=False))
    faultlib.pgtmp("stop", t.server.dir, "fast")
    t0 = time.time()
    r = proc.wait(30)
    took = time.time() - t0
    faultlib.pgtmp("start", t.server.dir)
    r.expect(69, "0003", where="err")
    r.expect_text("connection", where="err")
    check(took < 10, "gave up within about --wait-timeout (%.1fs)" % took, r)
    faultlib.settle(t)
    faultlib.check_consistent(t, migs)
    t.pgboot("migrate", project=p).expect(0)
    check(len(faultlib.check_consistent(t, migs)) == 3, "the next run finished the job")


# ---- primary + streaming standby ----------------------------------------------------------

_pair = {}


def _clusters():
    if "primary" not in _pair:
        _pair["primary"] = faultlib.Cluster.primary()
        _pair["primary"].psql("postgres", "CREATE DATABASE app")
        _pair["standby"] = _pair["primary"].standby()
    return _pair["primary"], _pair["standby"]


def teardown():
    for c in _pair.values():
        c.destroy()
    _pair.clear()


def _multi_url(*clusters):
    return ("host=%s port=%s dbname=app user=postgres password=%s target_session_attrs=read-write connect_timeout=2"
            % (",".join("127.0.0.1" for _ in clusters), ",".join(str(c.port) for c in clusters),
               clusters[0].password))


def _wait_replayed(standby, table, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if standby.psql("app", "SELECT to_regclass('%s') IS NOT NULL" % table) == "t":
            return
        time.sleep(0.1)
    raise faultlib.TestFailure("the standby never replayed %s" % table)


def test_multihost_finds_primary(t):
    primary, standby = _clusters()
    check(standby.psql("postgres", "SELECT pg_is_in_recovery()") == "t", "the standby is a standby")
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    # the standby listed first: libpq skips it for the read-write primary
    r = t.pgboot("migrate", project=p, url=_multi_url(standby, primary)).expect(0)
    check(primary.psql("app", "SELECT count(*) FROM pgboot_migrations") == "1", "applied on the primary", r)
    _wait_replayed(standby, "a")


test_multihost_finds_primary.timeout = 180


def test_standby_only_waits_then_69(t):
    primary, standby = _clusters()
    primary.stop("fast")
    try:
        p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "CREATE TABLE b (id int);"})
        r = t.pgboot("migrate", "--wait-timeout", "3s", project=p, url=_multi_url(primary, standby))
        r.expect(69, "waiting for the database", where="err")
        check(2.5 < r.elapsed < 10, "waited about --wait-timeout (%.1fs)" % r.elapsed, r)
    finally:
        primary.start()


test_standby_only_waits_then_69.timeout = 120


def test_promote_standby_mid_wait(t):
    primary, standby = _clusters()
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "CREATE TABLE b (id int);"})
    primary.stop("fast")
    proc = t.spawn("migrate", "--wait-timeout", "60s", project=p, url=_multi_url(primary, standby))
    proc.wait_for_text("waiting for the database", timeout=15)
    time.sleep(2)
    check(proc.poll() is None, "pgboot waits while only the standby is up", proc.stderr_so_far())
    t0 = time.time()
    standby.promote()
    r = proc.wait(60).expect(0)
    lag = time.time() - t0
    say(t, "failover: pgboot proceeded %.2fs after pg_ctl promote returned" % lag)
    check(standby.psql("app", "SELECT count(*) FROM pgboot_migrations") == "2", "applied on the promoted standby", r)
    check(lag < 5, "followed the promotion soon (%.1fs)" % lag, r)


test_promote_standby_mid_wait.timeout = 180
