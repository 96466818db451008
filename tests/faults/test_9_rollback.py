"""Scenario 9, a rollback under faults: 50 applied migrations, each with a down
part that drops its table, deletes its ledger row and sleeps a little, rolled
back with `rollback --to 0001 --confirm`, hit by kill -9 of pgboot during a down
part (PGBOOT_FAULTS_ROLLBACK_KILLS rounds, 3 by default, at random moments: seed
printed) and by an immediate restart of the server during a down part.
Afterwards the history matches the schema exactly (faultlib.check_consistent:
every migration applied with its row and ledger row, or rolled back without
them), the rolled-back ones are the newest, a seed that filled the newest
migration's table is recorded exactly while that migration is applied (its row
goes in that down part's transaction), and a second `rollback --to 0001
--confirm` finishes the job."""
import signal
import time

import faultlib
from faultlib import check, say

N = 50


def _down_mig(v):
    m = faultlib.tx_mig(v, rows=50)
    m.text += ("-- pgboot:down\nDROP TABLE t_%s;\nDELETE FROM ledger WHERE version = '%s';\n"
               "SELECT pg_sleep(0.03);\n") % (v, v)
    return m


def _migs():
    return [faultlib.ledger_mig("0001")] + [_down_mig("%04d" % i) for i in range(2, N + 1)]


NEWEST = "%04d" % N
SEEDS = {"0001_fill.sql": "INSERT INTO t_%s VALUES (100000, 'seed') ON CONFLICT DO NOTHING;\n" % NEWEST}


def _seeded(t):
    return t.psql("SELECT count(*) FROM pgboot_migrations WHERE kind = 'seed'") == "1"


def _applied(t, migs):
    p = t.project(migrations=faultlib.files(migs), seeds=dict(SEEDS))
    t.pgboot("migrate", "--with-test-data", project=p, timeout=120).expect(0)
    check(_seeded(t), "the seed applied")
    check(len(faultlib.history_rows(t)) == N, "%d migrations applied" % N)
    return p


def _wait_down_running(t, timeout=15):
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' "
                                "AND state = 'active' AND query LIKE '%DELETE FROM ledger%'") != "0",
                 timeout=timeout, what="pgboot running a down part")


def _consistent(t, migs, context):
    """History and schema agree, and what is rolled back is the newest migrations."""
    hist = faultlib.check_consistent(t, migs, context=context)
    kept = sorted(hist)
    check(kept == [m.version for m in migs[:len(kept)]], "%s: the newest ones rolled back, newest first" % context,
          kept)
    check(all(p is None for p in hist.values()), "%s: no row half-way" % context, hist)
    check(_seeded(t) == (NEWEST in hist), "%s: the seed is recorded exactly while %s is applied" % (context, NEWEST),
          kept)
    return kept


def _finish(t, p, migs):
    r = t.pgboot("rollback", "--to", "0001", "--confirm", "--lock-timeout", "30s", project=p, timeout=120).expect(0)
    check(_consistent(t, migs, "after the finishing rollback") == ["0001"], "everything newer than 0001 rolled back", r)
    check(faultlib.advisory_locks(t) == "0", "no advisory lock left")
    return r


def test_rollback_kill9_during_down_parts(t):
    migs = _migs()
    p = _applied(t, migs)
    rng = faultlib.rng(t, "rollback_kill9")
    for i in range(faultlib.size("ROLLBACK_KILLS", 3)):
        proc = t.spawn("rollback", "--to", "0001", "--confirm", project=p)
        _wait_down_running(t)
        time.sleep(rng.uniform(0, 0.4))
        proc.signal(signal.SIGKILL)
        proc.wait(10)
        faultlib.settle(t)
        kept = _consistent(t, migs, "after kill %d" % (i + 1))
        say(t, "kill %d: %d migrations still applied" % (i + 1, len(kept)))
        if len(kept) == 1:
            break
    _finish(t, p, migs)


test_rollback_kill9_during_down_parts.timeout = 240


def test_rollback_server_restart_immediate(t):
    migs = _migs()
    p = _applied(t, migs)
    rng = faultlib.rng(t, "rollback_restart")
    proc = t.spawn("rollback", "--to", "0001", "--confirm", "--wait-timeout", "30s", project=p)
    _wait_down_running(t)
    time.sleep(rng.uniform(0, 0.4))
    t.on_cleanup(lambda: faultlib.pgtmp("start", t.server.dir, check_rc=False))
    t0 = time.time()
    faultlib.pgtmp("restart", t.server.dir, "immediate")
    r = proc.wait(60)
    faultlib.wait_server_up(t)
    faultlib.settle(t)
    kept = _consistent(t, migs, "after the restart")
    say(t, "restart (immediate) during a down part: exit %s after %.2fs; %d migrations still applied"
        % (r.code, time.time() - t0, len(kept)))
    r.expect(69, "connection", where="err")
    check(len(kept) > 1, "the restart stopped the rollback half-way", kept)
    _finish(t, p, migs)


test_rollback_server_restart_immediate.timeout = 240
