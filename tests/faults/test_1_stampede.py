"""Scenario 1, stampede: PGBOOT_FAULTS_PROCS (64) pgboot processes start at once
against an empty database with PGBOOT_FAULTS_MIGRATIONS (200) migrations: every
migration applied exactly once, every process execs its app, none errors. Again
with half of them started while the first migration runs. The time until the
last app starts is reported against a single pgboot."""
import os
import time

import faultlib
from faultlib import check, say


def _project(t, n, first_sleep=0.0):
    migs = [faultlib.ledger_mig("0001")]
    for i in range(2, n + 1):
        migs.append(faultlib.tx_mig("%04d" % i, rows=20))
    if first_sleep:
        migs[0].text += "SELECT pg_sleep(%g);\n" % first_sleep
    return t.project(migrations=faultlib.files(migs)), migs


def _app(t, i):
    marker = t.path("started.%d" % i)
    return ["sh", "-c", 'date +%%s.%%N > "%s"' % marker], marker


def _spawn_run(t, p, i, db, gate=None):
    argv, marker = _app(t, i)
    return (gate or t).spawn("run", "--lock-timeout", "120s", "--", *argv, project=p, url=t.url(db)), marker


def _check_all(t, procs, markers, migs, db, t0):
    results = [pr.wait(180) for pr in procs]
    bad = [r for r in results if r.code != 0]
    check(not bad, "every process exits 0 (its app ran)", *bad[:3])
    errs = [r for r in results if "pgboot: error" in r.err or "error:" in r.err.lower()]
    check(not errs, "no process logged an error", *errs[:3])
    missing = [m for m in markers if not os.path.exists(m)]
    check(not missing, "every app started (%d missing)" % len(missing))
    counts = t.psql("SELECT count(*), count(DISTINCT version), max(n) FROM "
                    "(SELECT version, count(*) n FROM ledger GROUP BY version) s", db=db)
    check(counts == "%d|%d|1" % (len(migs), len(migs)), "every migration exactly once (ledger: %s)" % counts)
    check(t.psql("SELECT count(*) FROM pgboot_migrations", db=db) == str(len(migs)), "one history row each")
    faultlib.check_consistent(t, migs, db=db)
    check(faultlib.advisory_locks(t, db) == "0", "no advisory lock left")
    last = max(float(open(m).read()) for m in markers)
    first = min(float(open(m).read()) for m in markers)
    return last - t0, first - t0, results


def _single(t, n):
    db = t.new_database()
    p, migs = _project(t, n)
    argv, marker = _app(t, 10000)
    t0 = time.time()
    t.pgboot("run", "--", *argv, project=p, url=t.url(db), timeout=120).expect(0)
    return float(open(marker).read()) - t0


def test_stampede_all_at_once(t):
    nproc, nmig = faultlib.size("PROCS", 64), faultlib.size("MIGRATIONS", 200)
    single = _single(t, nmig)
    db = t.new_database()
    p, migs = _project(t, nmig)
    gate = faultlib.Gate(t)
    s0 = time.time()
    started = [_spawn_run(t, p, i, db, gate) for i in range(nproc)]
    spawn_ms = (time.time() - s0) * 1000
    time.sleep(0.3)
    t0 = gate.open()
    last, first, results = _check_all(t, [s[0] for s in started], [s[1] for s in started], migs, db, t0)
    appliers = sum(1 for r in results if "applied migration" in r.err)
    say(t, "stampede: %d processes, %d migrations: last app started after %.2fs (first %.2fs), one pgboot "
           "alone %.2fs; %d process(es) applied migrations; spawning took %.0f ms"
        % (nproc, nmig, last, first, single, appliers, spawn_ms))


test_stampede_all_at_once.timeout = 300


def test_stampede_half_during_first_migration(t):
    nproc, nmig = faultlib.size("PROCS", 64), faultlib.size("MIGRATIONS", 200)
    db = t.new_database()
    p, migs = _project(t, nmig, first_sleep=1.0)
    half = nproc // 2
    gate1, gate2 = faultlib.Gate(t), faultlib.Gate(t)
    started = [_spawn_run(t, p, i, db, gate1) for i in range(half)]
    started2 = [_spawn_run(t, p, i, db, gate2) for i in range(half, nproc)]
    time.sleep(0.3)
    t0 = gate1.open()
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' "
                                "AND wait_event = 'PgSleep' AND state = 'active'", db=db) == "1",
                 timeout=10, what="the first migration running")
    mid = time.time() - t0
    gate2.open()
    started += started2
    last, first, results = _check_all(t, [s[0] for s in started], [s[1] for s in started], migs, db, t0)
    say(t, "stampede (half started at %.2fs, during the first migration, which sleeps 1s): "
           "last app started after %.2fs" % (mid, last))


test_stampede_half_during_first_migration.timeout = 300


def test_stampede_skip_migrate_replicas(t):
    """Replicas with --skip-migrate started before the migrating job: they wait
    for the schema, then all exec; none applies anything."""
    nproc, nmig = faultlib.size("PROCS", 64) // 2, faultlib.size("MIGRATIONS", 200) // 4
    db = t.new_database()
    p, migs = _project(t, nmig)
    t0 = time.time()
    reps = []
    for i in range(nproc):
        argv, marker = _app(t, i)
        reps.append((t.spawn("run", "--skip-migrate", "--wait-timeout", "60s", "--", *argv, project=p,
                             url=t.url(db)), marker))
    time.sleep(0.5)
    check(not any(os.path.exists(m) for _, m in reps), "no replica started before the schema was there")
    job = t.spawn("migrate", project=p, url=t.url(db))
    job.wait(120).expect(0)
    last, first, results = _check_all(t, [r for r, _ in reps], [m for _, m in reps], migs, db, t0)
    check(not any("applied migration" in r.err for r in results), "the replicas applied nothing")


test_stampede_skip_migrate_replicas.timeout = 240
