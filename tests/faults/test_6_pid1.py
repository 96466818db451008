"""Scenario 6, pgboot as PID 1 of a new PID namespace (unshare --pid --fork
--mount-proc): SIGTERM while waiting exits within 100 ms with 143; SIGTERM during
a long statement cancels it, rolls back, exits 143, and leaves no backend running
the statement. The signal is sent from outside to pgboot itself (the child of
unshare); PID 1 only gets the signals it has a handler for."""
import os
import shutil
import subprocess
import time

import faultlib
from faultlib import TestFailure, check, say

UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"


def _spawn_pid1(t, args, project=None, url="default"):
    env = t.env_for(None, url, project)
    out, err = t.path("pid1.%d.out" % len(t._procs)), t.path("pid1.%d.err" % len(t._procs))
    with open(out, "wb") as o, open(err, "wb") as e:
        cmd = [UNSHARE, "--pid", "--fork", "--mount-proc", t.bin] + list(args)
        if os.geteuid() != 0:
            cmd = [UNSHARE, "--map-root-user"] + cmd[1:]
        p = subprocess.Popen(cmd, env=env, cwd=project.dir if project else t.tmp, stdin=subprocess.DEVNULL,
                             stdout=o, stderr=e)
    t._procs.append(p)
    # pgboot is unshare's child
    deadline = time.time() + 5
    child = None
    while time.time() < deadline and child is None:
        try:
            with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                kids = f.read().split()
            if kids:
                child = int(kids[0])
        except OSError:
            pass
        time.sleep(0.01)
    if child is None:
        p.kill()
        raise TestFailure("unshare started no child: %s" % open(err).read())
    with open("/proc/%d/status" % child) as f:
        nspid = [l for l in f if l.startswith("NSpid:")][0].split()
    check(nspid[-1] == "1", "pgboot is PID 1 in its namespace (NSpid %s)" % nspid[1:])
    return p, child, err


def _err(path):
    with open(path, errors="replace") as f:
        return f.read()


def _wait_exit(p, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if p.poll() is not None:
            return p.returncode
        time.sleep(0.002)
    return None


def test_pid1_sigterm_while_waiting(t):
    worst = 0
    for i in range(5):
        p, child, err = _spawn_pid1(t, ["wait", "--wait-timeout", "30s"], url=t.server.url(t.db, port=faultlib.free_port()))
        t.wait_until(lambda: "waiting for the database" in _err(err), timeout=10, what="waiting")
        time.sleep(0.1 + 0.05 * i)
        sent = time.time()
        os.kill(child, 15)
        code = _wait_exit(p, 5)
        took = time.time() - sent
        worst = max(worst, took)
        check(code == 143, "exit 143 (got %s)" % code, _err(err))
        check(took < 0.1, "exited within 100 ms (%.0f ms)" % (took * 1000), _err(err))
    say(t, "PID 1, SIGTERM while waiting: worst %.0f ms over 5 runs" % (worst * 1000))


def test_pid1_sigterm_during_long_statement(t):
    p_ = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);",
                               "0002_long.sql": "CREATE TABLE long (id int);\nSELECT pg_sleep(60);\n"})
    p, child, err = _spawn_pid1(t, ["migrate"], project=p_)
    q = ("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND state = 'active' "
         "AND pid <> pg_backend_pid() AND datname = current_database()")
    t.wait_until(lambda: t.psql(q) == "1", timeout=15, what="the long statement")
    sent = time.time()
    os.kill(child, 15)
    code = _wait_exit(p, 10)
    took = time.time() - sent
    check(code == 143, "exit 143 (got %s)" % code, _err(err))
    t.wait_until(lambda: t.psql(q) == "0", timeout=2, what="no backend running the statement")
    faultlib.settle(t, timeout=5)
    check(not t.table_exists("long"), "0002 rolled back")
    check(t.history() == [("migration", "0001", "a")], "only 0001 recorded", t.history())
    check(faultlib.advisory_locks(t) == "0", "the lock is gone")
    say(t, "PID 1, SIGTERM during a statement: exit 143 after %.0f ms" % (took * 1000))


def test_pid1_sigint_sigquit_while_waiting(t):
    for sig in (2, 3):
        p, child, err = _spawn_pid1(t, ["wait", "--wait-timeout", "30s"], url=t.server.url(t.db, port=faultlib.free_port()))
        t.wait_until(lambda: "waiting for the database" in _err(err), timeout=10, what="waiting")
        sent = time.time()
        os.kill(child, sig)
        code = _wait_exit(p, 5)
        check(code == 128 + sig, "exit %d (got %s)" % (128 + sig, code), _err(err))
        check(time.time() - sent < 0.5, "at once")
