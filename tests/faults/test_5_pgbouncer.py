"""Scenario 5, PgBouncer in transaction pooling mode (Debian's pgbouncer on a
loopback port, auth_type=scram-sha-256 with an auth_file, pool_mode=transaction).

--lock-mode transaction (PGBOOT_LOCK_MODE): the whole run is one transaction under
pg_advisory_xact_lock, so PGBOOT_FAULTS_POOLED (16) concurrent runs through the
pooler apply everything exactly once; all pending migrations commit together or
not at all; a no-transaction migration is refused with exit 78. Session mode
through a transaction pooler is unsafe: test_session_mode_through_pooler_is_unsafe
records what happens (informational, never fails on the outcome)."""
import re
import time

import faultlib
from faultlib import check, say


def _bouncer(t, **kw):
    b = faultlib.Bouncer(t.server.port, t.server.password, **kw).start()
    t.on_cleanup(b.stop)
    return b


def _url(t, b, db=None):
    return t.server.url(db or t.db, port=b.port)


def _migs(n=30):
    return [faultlib.ledger_mig()] + [faultlib.tx_mig("%04d" % i, sleep=0.01 if i % 5 == 0 else 0, rows=50)
                                      for i in range(2, n + 1)]


def test_transaction_mode_concurrent_through_pgbouncer(t):
    n = faultlib.size("POOLED", 16)
    b = _bouncer(t, pool_size=4)
    migs = _migs()
    p = t.project(migrations=faultlib.files(migs))
    gate = faultlib.Gate(t)
    procs = [gate.spawn("run", "--lock-mode", "transaction", "--lock-timeout", "60s", "--", "true", project=p,
                        url=_url(t, b)) for _ in range(n)]
    time.sleep(0.3)
    t0 = gate.open()
    results = [pr.wait(120) for pr in procs]
    took = time.time() - t0
    bad = [r for r in results if r.code != 0]
    check(not bad, "every run through the pooler exits 0", *(bad[:3] + [b.log()[-2000:]]))
    hist = faultlib.check_consistent(t, migs)
    check(len(hist) == len(migs) and all(v is None for v in hist.values()), "everything applied", hist)
    check(t.psql("SELECT max(n) FROM (SELECT count(*) n FROM ledger GROUP BY version) s") == "1", "each exactly once")
    check(faultlib.advisory_locks(t) == "0", "no advisory lock left behind in a pooled server session")
    say(t, "pgbouncer transaction mode: %d concurrent runs, %d migrations, %.2fs" % (n, len(migs), took))


test_transaction_mode_concurrent_through_pgbouncer.timeout = 180


def test_transaction_mode_env_variable_through_pgbouncer(t):
    b = _bouncer(t, pool_size=2)
    migs = _migs(5)
    p = t.project(migrations=faultlib.files(migs))
    procs = [t.spawn("migrate", project=p, url=_url(t, b), env={"PGBOOT_LOCK_MODE": "transaction"}) for _ in range(4)]
    for pr in procs:
        pr.wait(60).expect(0)
    check(len(faultlib.check_consistent(t, migs)) == 5, "applied once")


def test_transaction_mode_all_or_nothing(t):
    migs = _migs(3)
    p = t.project(migrations=faultlib.files(migs[:1]))
    t.pgboot("migrate", project=p).expect(0)
    for m in migs[1:]:
        p.write("migrations", m.file, m.text)
    p.write("migrations", "0004_broken.sql", "CREATE TABLE t_0004 (id int);\nSELECT no_such_column FROM t_0004;\n")
    r = t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(3, "0004_broken.sql", where="err")
    hist = faultlib.check_consistent(t, migs)
    check(sorted(hist) == ["0001"], "0002 and 0003 rolled back with 0004 (one transaction)", hist, r)
    check(not t.table_exists("t_0004"), "0004 rolled back")
    # the same files in session mode: 0002 and 0003 stay applied
    t.pgboot("migrate", project=p).expect(3)
    check(sorted(faultlib.history_rows(t)) == ["0001", "0002", "0003"], "session mode keeps what committed")


def test_transaction_mode_refuses_no_transaction_file(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);",
                              "0002_idx.sql": "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY a_idx ON a (id);\n"})
    before = faultlib.fingerprint(t)
    r = t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(78, "0002_idx.sql", where="err")
    r.expect_text(re.compile(r"transaction", re.I), where="err")
    check(faultlib.fingerprint(t) == before, "nothing applied (not even 0001)", r)
    # a file with COMMIT in its middle is not atomic either
    p.remove("migrations", "0002_idx.sql")
    p.write("migrations", "0002_mid.sql", "CREATE TABLE m (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY m_idx ON m (id);\nBEGIN;\n")
    t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(78, "0002_mid.sql", where="err")
    check(faultlib.fingerprint(t) == before, "nothing applied")


def test_lock_mode_bad_value(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    r = t.pgboot("migrate", "--lock-mode", "sessions", project=p)
    check(r.code in (2, 78), "a bad --lock-mode is a usage or configuration error", r)
    r.expect_text("sessions", where="err")
    r = t.pgboot("migrate", project=p, env={"PGBOOT_LOCK_MODE": "xact"})
    check(r.code in (2, 78), "a bad PGBOOT_LOCK_MODE too", r)
    r.expect_text("PGBOOT_LOCK_MODE", where="err")
    check(not t.table_exists("a"), "nothing applied")


def test_session_mode_through_pooler_is_unsafe(t):
    """Informational: session mode behind a transaction pooler. The session lock
    stays on whichever server connection ran pg_try_advisory_lock; the next
    statements may run elsewhere, another client may be handed the lock's
    connection (and get the lock re-entrantly), and the unlock may run on a
    connection that does not hold it. Records what happened; passes whatever it was."""
    n = 8
    b = _bouncer(t, pool_size=2)
    migs = [faultlib.ledger_mig()] + [faultlib.tx_mig("%04d" % i, sleep=0.05) for i in range(2, 11)]
    p = t.project(migrations=faultlib.files(migs))
    gate = faultlib.Gate(t)
    procs = [gate.spawn("migrate", "--lock-timeout", "5s", project=p, url=_url(t, b)) for _ in range(n)]
    time.sleep(0.3)
    gate.open()
    results = [pr.wait(90) for pr in procs]
    codes = sorted(str(r.code) for r in results)
    try:
        faultlib.check_consistent(t, migs)
        consistent = "consistent"
    except faultlib.TestFailure as e:
        consistent = "INCONSISTENT: " + str(e).splitlines()[1].strip()
    leftover = faultlib.advisory_locks(t)
    warn = sum(1 for r in results if "lock" in r.err and ("not held" in r.err or "did not" in r.err or "warning" in r.err))
    say(t, "session mode through a transaction pooler (%d runs): exit codes %s; %s; advisory locks left on pooled "
           "server connections: %s; runs with lock warnings: %d" % (n, codes, consistent, leftover, warn))
