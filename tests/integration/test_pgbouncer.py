"""pgboot through PgBouncer in session mode (the mode that keeps session advisory
locks): migrate, run, and several at once. Transaction mode is a later issue."""
import os
import shutil
import subprocess
import time

from harness import check, free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _start_pgbouncer(t):
    check(os.path.exists(PGBOUNCER), "pgbouncer is installed (scripts/install-deps.sh test)")
    d = t.path("pgbouncer")
    os.makedirs(d)
    port = free_port()
    with open(os.path.join(d, "users.txt"), "w") as f:
        f.write('"postgres" ""\n')
    with open(os.path.join(d, "pgbouncer.ini"), "w") as f:
        f.write("[databases]\n* = host=%s port=%d\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = %d\n"
                "unix_socket_dir =\nauth_type = trust\nauth_file = %s/users.txt\npool_mode = session\n"
                "max_client_conn = 100\ndefault_pool_size = 20\nlogfile = %s/pgbouncer.log\n"
                "ignore_startup_parameters = extra_float_digits\n"
                % (t.server.sock, t.server.port, port, d, d))
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
