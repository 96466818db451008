"""pgboot through PgBouncer: in session mode (the mode that keeps session advisory
locks) migrate, run, and several at once; in transaction mode, the default session
lock is refused (78) and leaves no lock behind, and nothing pgboot sets outlives its
transaction."""
import os
import shutil
import subprocess
import time

from harness import PSQL, check, free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
PSQL_BIN = PSQL


def _start_pgbouncer(t, mode="session", pool_size=20, extra=""):
    check(os.path.exists(PGBOUNCER), "pgbouncer is installed (scripts/install-deps.sh test)")
    d = t.path("pgbouncer")
    os.makedirs(d)
    port = free_port()
    with open(os.path.join(d, "users.txt"), "w") as f:
        f.write('"postgres" ""\n')
    with open(os.path.join(d, "pgbouncer.ini"), "w") as f:
        f.write("[databases]\n* = host=%s port=%d\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = %d\n"
                "unix_socket_dir =\nauth_type = trust\nauth_file = %s/users.txt\npool_mode = %s\n"
                "max_client_conn = 100\ndefault_pool_size = %d\nlogfile = %s/pgbouncer.log\n"
                "ignore_startup_parameters = extra_float_digits\n%s"
                % (t.server.sock, t.server.port, port, d, mode, pool_size, d, extra))
    cmd = [PGBOUNCER, os.path.join(d, "pgbouncer.ini")]
    kw = {}
    if os.geteuid() == 0:
        # pgbouncer refuses to run as root; switch in the child itself (not via
        # runuser) so that the process killed at cleanup is pgbouncer
        shutil.chown(d, "postgres")
        for n in os.listdir(d):
            shutil.chown(os.path.join(d, n), "postgres")
        kw = {"user": "postgres", "group": "postgres", "extra_groups": []}
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    t._procs.append(p)

    def stop():
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
    t.on_cleanup(stop)
    deadline = time.time() + 10
    import socket
    while time.time() < deadline:
        if p.poll() is not None:
            raise AssertionError("pgbouncer exited: %s" % p.stderr.read().decode(errors="replace"))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return port
        except OSError:
            time.sleep(0.05)
    raise AssertionError("pgbouncer did not start")


def test_migrate_through_pgbouncer_session_mode(t):
    port = _start_pgbouncer(t)
    url = "postgres://postgres@127.0.0.1:%d/%s" % (port, t.db)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "INSERT INTO a VALUES (1);"},
                  verify={"010_ok.sql": "SELECT 1 WHERE false;"})
    t.pgboot("migrate", project=p, url=url).expect(0)
    check(t.psql("SELECT count(*) FROM a") == "1", "applied through pgbouncer")
    t.pgboot("run", "--", "true", project=p, url=url).expect(0, "up to date")
    t.pgboot("status", project=p, url=url).expect(0)


def test_concurrent_through_pgbouncer(t):
    port = _start_pgbouncer(t)
    url = "postgres://postgres@127.0.0.1:%d/%s" % (port, t.db)
    p = t.project(migrations={
        "0001_runs.sql": "CREATE TABLE runs (v text); INSERT INTO runs VALUES ('1'); SELECT pg_sleep(0.3);",
        "0002_more.sql": "INSERT INTO runs VALUES ('2');"})
    procs = [t.spawn("migrate", project=p, url=url) for _ in range(4)]
    for pr in procs:
        pr.wait(60).expect(0)
    check(t.psql("SELECT string_agg(v, ',' ORDER BY v) FROM runs") == "1,2", "each migration once")


def _migration_locks(t):
    """Advisory locks held in the test's database, asked directly (not through the pooler)."""
    return t.psql("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                  "WHERE l.locktype = 'advisory' AND d.datname = current_database()")


def _warm_pool(t, port, n):
    """Open n server connections (n clients in a transaction at once), so the pool has that many."""
    url = "postgres://postgres@127.0.0.1:%d/%s" % (port, t.db)
    procs = [subprocess.Popen([PSQL_BIN, "-X", "-At", "-d", url, "-c", "SELECT pg_sleep(0.3)"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]
    for p in procs:
        p.wait(30)


def test_session_lock_through_transaction_pooler_is_refused(t):
    # server_round_robin: each transaction goes to the next server connection, as it does under load
    port = _start_pgbouncer(t, mode="transaction", pool_size=4, extra="server_round_robin = 1\n")
    _warm_pool(t, port, 4)
    url = "postgres://postgres@127.0.0.1:%d/%s" % (port, t.db)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    r = t.pgboot("migrate", project=p, url=url)
    r.expect(78, "did not stay with this session", "--lock-mode transaction")
    check(r.elapsed < 5, "stopped at once", r)
    check(not t.table_exists("a"), "nothing applied")
    check(_migration_locks(t) == "0", "no lock left on a pooled server connection", r)
    # the next, correct deploy does not wait for a lock nobody holds
    r = t.pgboot("migrate", "--lock-mode", "transaction", "--lock-timeout", "3s", project=p, url=url)
    r.expect(0)
    check(r.elapsed < 3, "no wait for a stranded lock", r)


def test_session_lock_through_transaction_pooler_replicas(t):
    port = _start_pgbouncer(t, mode="transaction", pool_size=3)
    _warm_pool(t, port, 3)
    url = "postgres://postgres@127.0.0.1:%d/%s" % (port, t.db)
    p = t.project(migrations={
        "0001_a.sql": "CREATE TABLE a (id int); SELECT pg_sleep(0.2);",
        "0002_b.sql": "INSERT INTO a VALUES (1);"})
    procs = [t.spawn("migrate", "--lock-timeout", "20s", project=p, url=url) for _ in range(8)]
    results = [pr.wait(60) for pr in procs]
    codes = [r.code for r in results]
    check(all(c in (0, 78) for c in codes), "every replica is done (0) or refused (78): %s" % codes,
          *[str(r) for r in results if r.code not in (0, 78)])
    # whether a replica lands where the lock is depends on timing: a LIFO pool may hand every
    # statement of a run the same server connection (then it is done, correctly); the
    # round-robin test above makes the detection certain
    t.note("exit codes of the pooled replicas: %s" % codes)
    check(_migration_locks(t) == "0", "no lock left on a pooled server connection")
    r = t.pgboot("migrate", "--lock-mode", "transaction", "--lock-timeout", "3s", project=p, url=url)
    r.expect(0)
    check(t.psql("SELECT count(*) FROM a") == "1", "each migration once")


def _pool_settings(t, port, n, name):
    """SHOW name on every server connection of the pool (n clients in a transaction at once)."""
    url = "postgres://postgres@127.0.0.1:%d/%s" % (port, t.db)
    procs = [subprocess.Popen([PSQL_BIN, "-X", "-At", "-d", url, "-c",
                               "BEGIN; SELECT current_setting('%s') || ' ' || pg_backend_pid() "
                               "FROM pg_sleep(0.5); COMMIT;" % name],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    outs = [p.communicate(timeout=30) for p in procs]
    lines = [line for out, _ in outs for line in out.split("\n") if line.strip() and line not in ("BEGIN", "COMMIT")]
    check(len({line.split()[1] for line in lines}) == n, "every server connection asked: %s %s" % (lines, outs))
    return {line.split()[0] for line in lines}


def test_transaction_mode_sets_nothing_for_the_pool(t):
    """status, wait and verify take --lock-mode transaction too: --statement-timeout is SET LOCAL
    in pgboot's transactions, never left on a pooled server connection for the app."""
    port = _start_pgbouncer(t, mode="transaction", pool_size=2)
    _warm_pool(t, port, 2)
    url = "postgres://postgres@127.0.0.1:%d/%s" % (port, t.db)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"},
                  verify={"010_timeout.sql": "SELECT 1 WHERE current_setting('statement_timeout') <> '1s';"})
    t.pgboot("migrate", "--lock-mode", "transaction", "--statement-timeout", "1s", project=p, url=url).expect(0)
    for cmd in ("verify", "status", "wait", "plan"):
        t.pgboot(cmd, "--lock-mode", "transaction", "--statement-timeout", "1s", project=p, url=url).expect(0)
    check(_pool_settings(t, port, 2, "statement_timeout") == {"0"}, "statement_timeout unchanged for the pool")
    env = {"PGBOOT_LOCK_MODE": "transaction", "PGBOOT_STATEMENT_TIMEOUT": "1s"}
    t.pgboot("verify", project=p, url=url, env=env).expect(0)
    check(_pool_settings(t, port, 2, "statement_timeout") == {"0"}, "statement_timeout unchanged for the pool")
