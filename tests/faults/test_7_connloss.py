"""Scenario 7, connection loss mid-run: pg_terminate_backend of pgboot's backend
(application_name 'pgboot') during a migration (transactional and not) and during
the verify step. pgboot reconnects and resumes (reconnect-and-resume: re-take
the lock, re-read the history, continue) within --wait-timeout, or, when it
cannot, exits 69 with a clear message; history and schema always agree; the app
never starts on an unverified database."""
import os
import re
import time

import faultlib
from faultlib import check, say

MARK = "go-fast"


def _gated_sleep(t, seconds=20):
    """SQL that sleeps until the test creates the marker file."""
    return "SELECT pg_sleep(CASE WHEN (pg_stat_file('%s', true)).size IS NULL THEN %d ELSE 0 END)" % (t.path(MARK), seconds)


def _terminate_when(t, needle, timeout=15):
    q = ("SELECT pid FROM pg_stat_activity WHERE application_name = 'pgboot' AND state = 'active' "
         "AND datname = current_database() AND %s" % faultlib.running(needle))
    t.wait_until(lambda: t.psql(q) != "", timeout=timeout, what="pgboot running %s" % needle)
    pid = t.psql(q).split()[0]
    t.write(MARK, "x")
    t.psql("SELECT pg_terminate_backend(%s)" % pid)
    return pid


def _terminated(t, migs, *args):
    """Run pgboot ARGS on migs, terminate its backend once it sleeps in the gated
    statement, and wait for it. Returns its result and the history, checked
    against the schema."""
    proc = t.spawn(*args, project=t.project(migrations=faultlib.files(migs)))
    _terminate_when(t, "pg_sleep(CASE")
    r = proc.wait(30)
    faultlib.settle(t)
    return r, faultlib.check_consistent(t, migs)


def test_terminate_during_transactional_migration(t):
    sleepy = faultlib.Mig("0003", "sleepy", "CREATE TABLE t_0003 (id int);\n%s;\nINSERT INTO ledger (version) VALUES ('0003');\n"
                          % _gated_sleep(t), ["t_0003"])
    migs = [faultlib.ledger_mig(), faultlib.tx_mig("0002"), sleepy, faultlib.tx_mig("0004")]
    marker = t.path("app-started")
    r, hist = _terminated(t, migs, "run", "--wait-timeout", "10s", "--", "touch", marker)
    say(t, "terminated during a migration: exit %s after %.2fs" % (r.code, r.elapsed))
    r.expect_text(re.compile(r"terminat|lost the connection"), where="err")
    r.expect(0)  # resumed
    check(len(hist) == 4 and os.path.exists(marker), "resumed: everything applied once, the app started", hist, r)


def test_terminate_during_no_transaction_migration(t):
    """A no-transaction file whose statements are all safe to re-run: the resume
    runs it again from the start."""
    text = ("-- pgboot:no-transaction\nCREATE TABLE IF NOT EXISTS n_a (id int);\n%s;\n"
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS n_idx ON n_a (id);\n" % _gated_sleep(t))
    m = faultlib.Mig("0002", "nontx", text, ["n_a", None, "n_idx"], atomic=False, ledger=False)
    migs = [faultlib.ledger_mig(), m]
    r, hist = _terminated(t, migs, "migrate", "--wait-timeout", "10s")
    say(t, "terminated during a no-transaction file: exit %s, history %s" % (r.code, hist))
    r.expect(0)
    check(hist == {"0001": None, "0002": None}, "finished", hist)


def test_terminate_during_not_rerunnable_no_transaction_migration(t):
    """Half of a file that is not safe to re-run is committed: the resume must not
    run it again; exit 5 with the "left half applied" message, naming the file."""
    text = ("-- pgboot:no-transaction\nCREATE TABLE x_a (id int);\n%s;\nCREATE TABLE x_b (id int);\n" % _gated_sleep(t))
    m = faultlib.Mig("0002", "nontx", text, ["x_a", None, "x_b"], atomic=False, idempotent=False, ledger=False)
    migs = [faultlib.ledger_mig(), m]
    r, hist = _terminated(t, migs, "migrate", "--wait-timeout", "10s")
    r.expect(5, "left half applied", "0002_nontx.sql", where="err")
    check(hist.get("0002") == 1, "progress: the first statement committed", hist)
    check(not t.table_exists("x_b"), "the rest not run")


def test_terminate_during_verify(t):
    t.psql("SELECT 1")
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"},
                  verify={"010_slow.sql": "SELECT 1 WHERE (%s)::text = 'never';\n" % _gated_sleep(t)})
    marker = t.path("app-started")
    proc = t.spawn("run", "--wait-timeout", "10s", "--", "touch", marker, project=p)
    _terminate_when(t, "pg_sleep(CASE")
    r = proc.wait(30)
    say(t, "terminated during verify: exit %s after %.2fs" % (r.code, r.elapsed))
    check(r.code in (0, 69), "resumed (0) or a clear 69", r)
    if r.code == 0:
        check(os.path.exists(marker), "resumed: verified, then the app started", r)
        r.expect_text(re.compile(r"verified"), where="err")
    else:
        check(not os.path.exists(marker), "the app did not start on an unverified database", r)
        r.expect_text(re.compile(r"verif", re.I), re.compile(r"connection|terminat"), where="err")
    check(t.history() == [("migration", "0001", "a")], "the history is intact", t.history())


def test_terminate_repeatedly_gives_69(t):
    """Every new backend is terminated as soon as it shows up: pgboot does not loop
    forever; it exits 69 within about --wait-timeout with a clear message, and the
    history and schema agree."""
    sleepy = faultlib.Mig("0002", "sleepy", "CREATE TABLE t_0002 (id int);\nSELECT pg_sleep(20);\n"
                          "INSERT INTO ledger (version) VALUES ('0002');\n", ["t_0002"])
    migs = [faultlib.ledger_mig(), sleepy]
    p = t.project(migrations=faultlib.files(migs))
    proc = t.spawn("migrate", "--wait-timeout", "3s", project=p)
    deadline = time.time() + 25
    kills = 0
    while proc.poll() is None and time.time() < deadline:
        n = t.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'pgboot' "
                   "AND datname = current_database() AND wait_event = 'PgSleep'")
        kills += int(n)
        time.sleep(0.1)
    r = proc.wait(10)
    say(t, "terminated %d times: exit %s after %.1fs" % (kills, r.code, r.elapsed))
    check(r.code == 69, "gave up with 69", r)
    r.expect_text("0002_sleepy.sql", where="err")
    faultlib.settle(t)
    faultlib.check_consistent(t, migs)
    check(r.elapsed < 20, "bounded (%.1fs)" % r.elapsed, r)


test_terminate_repeatedly_gives_69.timeout = 60
