"""A standby (or a server in recovery) is transient: pgboot waits, and connects
once it is promoted — a failover during a deploy is waited out. The standby is a
pg_basebackup of the test server, started on its own port."""
import os
import shutil
import subprocess
import time

from harness import check, free_port

BINDIR = "/usr/lib/postgresql/15/bin"


def _as_postgres():
    if os.geteuid() == 0:
        return {"user": "postgres", "group": "postgres", "extra_groups": []}
    return {}


def _run(cmd, env=None, timeout=120):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
                       env=env, **_as_postgres())
    if p.returncode != 0:
        raise AssertionError("%s failed:\n%s" % (" ".join(cmd), p.stdout))
    return p.stdout


def _start_standby(t):
    d = t.path("standby")
    os.makedirs(d)
    if os.geteuid() == 0:
        shutil.chown(d, "postgres")
    os.chmod(d, 0o700)
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGPASSWORD": t.password, "LANG": "C"}
    _run([BINDIR + "/pg_basebackup", "-h", "127.0.0.1", "-p", str(t.server.port), "-U", "postgres",
          "-D", os.path.join(d, "data"), "-R", "-X", "stream", "-c", "fast"], env=env)
    with open(os.path.join(d, "data", "postgresql.auto.conf"), "a") as f:
        f.write("\nport = %d\nunix_socket_directories = '%s'\nhot_standby = on\n" % (port, d))
    data = os.path.join(d, "data")
    _run([BINDIR + "/pg_ctl", "-D", data, "-l", os.path.join(d, "log"), "-w", "-t", "60", "start"], env=env)

    def stop():
        try:
            _run([BINDIR + "/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], env=env)
        except Exception:
            pass
    t.on_cleanup(stop)
    return d, data, port, env


def test_standby_is_waited_out_until_promoted(t):
    t.psql("CREATE TABLE marker (id int)")  # the database exists before the base backup
    d, data, port, env = _start_standby(t)
    url = t.server.url(t.db, port=port)
    r = subprocess.run([BINDIR + "/psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "-d", t.db, "-c", "SELECT pg_is_in_recovery()"], env=env, stdout=subprocess.PIPE,
                       text=True)
    check(r.stdout.strip() == "t", "the standby is in recovery", r.stdout)
    proc = t.spawn("wait", "--wait-timeout", "30s", url=url)
    proc.wait_for_text("standby", timeout=10)
    time.sleep(0.5)
    check(proc.poll() is None, "pgboot keeps waiting on a standby")
    _run([BINDIR + "/pg_ctl", "-D", data, "-w", "promote"], env=env)
    res = proc.wait(20).expect(0)
    check(res.elapsed < 15, "connected soon after the promotion", res)


test_standby_is_waited_out_until_promoted.timeout = 120


def test_standby_times_out_69(t):
    t.psql("CREATE TABLE marker (id int)")
    d, data, port, env = _start_standby(t)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    r = t.pgboot("migrate", "--wait-timeout", "1500ms", project=p, url=t.server.url(t.db, port=port))
    r.expect(69, "standby", where="err")


test_standby_times_out_69.timeout = 120
