"""Signals: SIGTERM/SIGINT/SIGQUIT while waiting, during a statement, while
waiting for the lock and for another pgboot's migrations: exit 128+N, quickly,
nothing applied, the server-side query cancelled."""
import signal
import time

from harness import check, free_port


def _closed_url(t):
    return t.server.url(t.db, port=free_port())


def _signal_while_waiting(t, sig):
    proc = t.spawn("wait", "--wait-timeout", "30s", url=_closed_url(t))
    proc.wait_for_text("waiting for the database", timeout=10)
    sent = time.time()
    proc.signal(sig)
    r = proc.wait(10)
    check(r.code == 128 + sig, "exit %d" % (128 + sig), r)
    check(time.time() - sent < 1.5, "stopped at once (%.2fs)" % (time.time() - sent), r)
    return r


def test_sigterm_while_waiting(t):
    _signal_while_waiting(t, signal.SIGTERM)


def test_sigint_while_waiting(t):
    _signal_while_waiting(t, signal.SIGINT)


def test_sigquit_while_waiting(t):
    _signal_while_waiting(t, signal.SIGQUIT)


def test_sigterm_while_waiting_run(t):
    marker = t.path("started")
    p = t.project(migrations={"0001_a.sql": "SELECT 1;"})
    proc = t.spawn("run", "--wait-timeout", "30s", "--", "touch", marker, project=p, url=_closed_url(t))
    proc.wait_for_text("waiting for the database", timeout=10)
    proc.signal(signal.SIGTERM)
    r = proc.wait(5)
    check(r.code == 143, "exit 143", r)
    check(t.read("started") is None, "the app did not start")


def _signal_during_statement(t, sig):
    p = t.project(migrations={
        "0001_first.sql": "CREATE TABLE first (id int);",
        "0002_sleepy.sql": "CREATE TABLE sleepy (id int);\nSELECT pg_sleep(30);\n",
        "0003_after.sql": "CREATE TABLE after (id int);",
    })
    proc = t.spawn("migrate", project=p)
    # pgboot's session sleeping (the query text is the batch's first KB: 0002 may lie beyond it)
    q = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' AND wait_event = 'PgSleep' "
         "AND pid <> pg_backend_pid()")
    t.wait_until(lambda: t.psql(q) == "1", what="the migration's pg_sleep(30) to run")
    sent = time.time()
    proc.signal(sig)
    r = proc.wait(10)
    took = time.time() - sent
    check(r.code == 128 + sig, "exit %d" % (128 + sig), r)
    check(took < 2.5, "stopped within ~2 s (%.2fs)" % took, r)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' "
                                "AND state = 'active' AND pid <> pg_backend_pid()") == "0",
                 timeout=2, what="the backend's pg_sleep(30) to be cancelled")
    check(not t.table_exists("sleepy"), "0002 rolled back")
    check(not t.table_exists("after"), "0003 never ran")
    check(t.history() == [("migration", "0001", "first")], "only 0001 recorded", t.history())
    check(t.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == "0", "the lock is gone")
    return r


def test_sigterm_during_migration(t):
    r = _signal_during_statement(t, signal.SIGTERM)
    r.expect_text("0002_sleepy.sql", where="err")


def test_sigint_during_migration(t):
    _signal_during_statement(t, signal.SIGINT)


def test_sigterm_then_migrate_again(t):
    p = t.project(migrations={"0001_sleepy.sql": "CREATE TABLE sleepy (id int);\nSELECT pg_sleep(30);\n"})
    proc = t.spawn("migrate", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' "
                                "AND pid <> pg_backend_pid()") == "1", what="pg_sleep(30)")
    proc.signal(signal.SIGTERM)
    proc.wait(10)
    p.write("migrations", "0001_sleepy.sql", "CREATE TABLE sleepy (id int);\n")
    t.pgboot("migrate", "--lock-timeout", "2s", project=p).expect(0)
    check(t.table_exists("sleepy"), "the next run applied it (nothing was recorded, no lock left)")


def test_sigterm_while_waiting_for_lock(t):
    p = t.project(migrations={"0001_slow.sql": "SELECT pg_sleep(8);"})
    first = t.spawn("migrate", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(8)%' "
                                "AND application_name = 'pgboot'") == "1", what="the first pgboot")
    second = t.spawn("migrate", "--lock-timeout", "30s", project=p)
    second.wait_for_text("waiting for the migration lock", timeout=10)
    sent = time.time()
    second.signal(signal.SIGTERM)
    r = second.wait(5)
    check(r.code == 143 and time.time() - sent < 1.5, "exit 143 at once", r)
    first.signal(signal.SIGTERM)
    first.wait(10)


def test_sigterm_while_skip_migrate_waits(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    proc = t.spawn("run", "--skip-migrate", "--wait-timeout", "30s", "--", "true", project=p)
    proc.wait_for_text("waiting for another pgboot", timeout=10)
    sent = time.time()
    proc.signal(signal.SIGTERM)
    r = proc.wait(5)
    check(r.code == 143 and time.time() - sent < 1.5, "exit 143 at once", r)


def test_termination_log_on_signal(t):
    log = t.write("termination-log", "")
    proc = t.spawn("wait", "--wait-timeout", "30s", url=_closed_url(t), env={"PGBOOT_TERMINATION_LOG": log})
    proc.wait_for_text("waiting for the database", timeout=10)
    proc.signal(signal.SIGTERM)
    proc.wait(5)
    text = t.read("termination-log")
    check("143" in text and "signal" in text, "the summary says why", repr(text))


def _signal_during_check(t, *args):
    marker = t.path("started")
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"},
                  verify={"010_slow.sql": "SELECT pg_sleep(5);"})
    if args[0] == "verify":
        t.pgboot("migrate", "--no-verify", project=p).expect(0)
    proc = t.spawn(*(args + ("--", "touch", marker) if args[0] == "run" else args), project=p)
    running = ("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(5)%%' AND state = 'active' "
               "AND pid <> pg_backend_pid()")
    t.wait_until(lambda: t.psql(running) == "1", what="the check's pg_sleep(5) to run")
    sent = time.time()
    proc.signal(signal.SIGTERM)
    r = proc.wait(10)
    took = time.time() - sent
    check(r.code == 143, "exit 143", r)
    check(took < 2.5, "stopped within ~2 s (%.2fs)" % took, r)
    r.expect_text('check "010_slow" did not finish', where="err")
    t.wait_until(lambda: t.psql(running) == "0", timeout=2, what="no backend left running the check")
    check(t.read("started") is None, "the app did not start", r)
    check(t.table_exists("a"), "the migration before the checks stays applied", r)
    return r


def test_sigterm_during_verify_phase_of_run(t):
    _signal_during_check(t, "run")


def test_sigterm_during_verify_command(t):
    _signal_during_check(t, "verify")


def test_terminated_check_named_no_reconnect_storm(t):
    """Every backend that runs the check is terminated (pg_terminate_backend from
    another session): the error names the check, and `run` reconnects a bounded
    number of times (3), not as often as --wait-timeout allows."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"},
                  verify={"010_slow.sql": "SELECT 1 WHERE (SELECT pg_sleep(5))::text = 'never';"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    marker = t.path("started")
    proc = t.spawn("run", "--wait-timeout", "20s", "--", "touch", marker, project=p)
    kills, deadline = 0, time.time() + 15
    while proc.poll() is None and time.time() < deadline:
        kills += int(t.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = "
                            "'pgboot' AND datname = current_database() AND query LIKE '%pg_sleep(5)%'"))
        time.sleep(0.05)
    r = proc.wait(10)
    check(r.code == 69, "exit 69", r)
    r.expect_text('check "010_slow" did not finish', "terminating connection", where="err")
    reconnects = r.err.count("connecting again")
    check(reconnects <= 3, "at most 3 reconnects (%d, %d backends terminated)" % (reconnects, kills), r)
    check(r.elapsed < 10, "stopped long before --wait-timeout (%.1fs)" % r.elapsed, r)
    check(t.read("started") is None, "the app did not start", r)


def test_terminated_check_named_by_verify(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"},
                  verify={"010_slow.sql": "SELECT 1 WHERE (SELECT pg_sleep(5))::text = 'never';"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    proc = t.spawn("verify", project=p)
    q = ("SELECT pid FROM pg_stat_activity WHERE application_name = 'pgboot' AND datname = current_database() "
         "AND query LIKE '%pg_sleep(5)%'")
    t.wait_until(lambda: t.psql(q) != "", what="the check to run")
    t.psql("SELECT pg_terminate_backend(%s)" % t.psql(q).split()[0])
    r = proc.wait(10)
    check(r.code == 69, "exit 69", r)
    r.expect_text('verify/010_slow.sql: error: check "010_slow" did not finish: terminating connection', where="err")
