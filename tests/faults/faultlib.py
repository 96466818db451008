"""Helpers shared by the fault-injection and bad-input suites.

Sizes (environment, all optional):
  PGBOOT_FAULTS_SEED         seed of every random choice (default: time-based; always printed)
  PGBOOT_FAULTS_KILLS        kill -9 points of scenario 2 (default 100)
  PGBOOT_FAULTS_PROCS        processes of the stampede (default 64)
  PGBOOT_FAULTS_MIGRATIONS   migrations of the stampede (default 200)
  PGBOOT_FAULTS_POOLED       concurrent runs through PgBouncer (default 16)
  PGBOOT_FAULTS_ROLLBACK_KILLS kill -9 points of the rollback scenario (default 3)
  PGBOOT_FAULTS_RESTARTS     rounds of each restart scenario (default 1)
"""

import os
import random
import shutil
import signal
import subprocess
import tempfile
import time

import harness
from harness import TestFailure, check, clean_env, free_port

ROOT = harness.ROOT
PGBIN = "/usr/lib/postgresql/15/bin"
PGTMP = os.path.join(ROOT, "scripts", "pgtmp.sh")
IS_ROOT = os.geteuid() == 0


def size(name, default):
    v = os.environ.get("PGBOOT_FAULTS_" + name)
    return int(v) if v else default


_seed = None


def seed():
    global _seed
    if _seed is None:
        v = os.environ.get("PGBOOT_FAULTS_SEED")
        _seed = int(v) if v else int(time.time() * 1000) % 1000000007
    return _seed


def rng(t, salt):
    """A random.Random for one test, seeded from the suite seed and the test's
    name; the seed is printed (a note starting with "# " is echoed by run.py)."""
    s = "%d:%s" % (seed(), salt)
    t.note("# %s: PGBOOT_FAULTS_SEED=%d" % (salt, seed()))
    return random.Random(s)


def say(t, text):
    t.note("# " + text)


# ---- the server side ---------------------------------------------------------

def running(needle):
    """A pg_stat_activity condition: the session runs the statement the needle names. A batch
    sends many files in one message, whose text pg_stat_activity cuts at 1 KB: a pg_sleep is
    found by its wait event, anything else by its text."""
    if needle.startswith("pg_sleep"):
        return "wait_event = 'PgSleep'"
    return "query LIKE '%%%s%%'" % needle


def settle(t, db=None, timeout=15):
    """Wait until no backend of pgboot is left in db (a killed pgboot's backend
    finishes its statement, then sees the closed socket and rolls back)."""
    d = db or t.db
    deadline = time.time() + timeout
    while time.time() < deadline:
        n = t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot' "
                   "AND datname = current_database()", db=d)
        if n == "0":
            return
        time.sleep(0.02)
    raise TestFailure("a pgboot backend is still there after %ss: %s" % (timeout, t.psql(
        "SELECT string_agg(pid || ' ' || state || ' ' || left(query, 80), E'\\n') FROM pg_stat_activity "
        "WHERE application_name = 'pgboot' AND datname = current_database()", db=d)))


def advisory_locks(t, db=None):
    return t.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                  "(SELECT oid FROM pg_database WHERE datname = current_database())", db=db)


def wait_server_up(t, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        p = t.server.psql("postgres", "SELECT 1", check=False)
        if p.returncode == 0:
            return
        time.sleep(0.1)
    raise TestFailure("the server did not come back")


def pgtmp(*args, check_rc=True, timeout=120):
    p = subprocess.run([PGTMP] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check_rc and p.returncode != 0:
        raise TestFailure("pgtmp.sh %s failed: %s" % (" ".join(map(str, args)), p.stdout))
    return p


def as_postgres(argv):
    return (["runuser", "-u", "postgres", "--"] + argv) if IS_ROOT else argv


def fingerprint(t, db=None):
    """Schema + data of a database (every user table's rows, the history table
    included), as one comparable string."""
    d = db or t.db
    schema = t.psql(
        "SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM ("
        " SELECT 'col ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type"
        "   || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS x"
        " FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        " UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        " UNION ALL SELECT 'obj ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c"
        "   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        " UNION ALL SELECT 'ns ' || nspname FROM pg_namespace"
        " UNION ALL SELECT 'fn ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        "   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
        ") s", db=d)
    tables = t.psql("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' "
                    "ORDER BY 1", db=d).split()
    data = []
    for tb in tables:
        data.append(tb + " " + t.psql("SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '-') "
                                      "FROM %s x" % tb, db=d))
    return schema + "\n--\n" + "\n".join(data)


# ---- ledger migrations: every migration's effect is checkable -----------------

class Mig:
    """One migration file and what each of its statements creates.

    objects[i] is the table/index created by statement i (or None); atomic says
    whether the file is applied as one transaction; idempotent whether pgboot may
    run it again after a half-way stop."""

    def __init__(self, version, name, text, objects, atomic=True, idempotent=True, ledger=True):
        self.version, self.name, self.text = version, name, text
        self.objects, self.atomic, self.idempotent, self.ledger = objects, atomic, idempotent, ledger

    @property
    def file(self):
        return "%s_%s.sql" % (self.version, self.name)


def tx_mig(v, sleep=0.0, rows=200):
    """A transactional migration: a table named after its version, filled, and a
    ledger row; all in one transaction."""
    text = ("CREATE TABLE t_%s (id int PRIMARY KEY, v text);\n"
            "INSERT INTO t_%s SELECT g, md5(g::text) FROM generate_series(1, %d) g;\n"
            "%s"
            "INSERT INTO ledger (version) VALUES ('%s');\n") % (
        v, v, rows, ("SELECT pg_sleep(%g);\n" % sleep) if sleep else "", v)
    return Mig(v, "tx", text, ["t_%s" % v])


def ledger_mig(v="0001"):
    text = ("CREATE TABLE ledger (version text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());\n"
            "INSERT INTO ledger (version) VALUES ('%s');\n" % v)
    return Mig(v, "ledger", text, ["ledger"])


def wrapped_mig(v, sleep=0.0):
    """A file with its own BEGIN/COMMIT (run as one transaction)."""
    text = ("BEGIN;\nCREATE TABLE w_%s (id int);\n%sINSERT INTO ledger (version) VALUES ('%s');\nCOMMIT;\n"
            % (v, ("SELECT pg_sleep(%g);\n" % sleep) if sleep else "", v))
    return Mig(v, "wrapped", text, ["w_%s" % v])


def _nontx(v, sleep, idempotent):
    """A no-transaction file of four statements (a table, a sleep, a concurrent
    index, a table), each guarded with IF NOT EXISTS when idempotent."""
    p, guard = ("n", "IF NOT EXISTS ") if idempotent else ("x", "")
    text = ("-- pgboot:no-transaction\n"
            "CREATE TABLE {g}{p}_{v}_a (id int);\n"
            "SELECT pg_sleep({s});\n"
            "CREATE INDEX CONCURRENTLY {g}{p}_{v}_idx ON {p}_{v}_a (id);\n"
            "CREATE TABLE {g}{p}_{v}_b (id int);\n").format(g=guard, p=p, v=v, s="%g" % (sleep or 0.01))
    return Mig(v, "nontx_idem" if idempotent else "nontx_plain", text,
               ["%s_%s_a" % (p, v), None, "%s_%s_idx" % (p, v), "%s_%s_b" % (p, v)],
               atomic=False, idempotent=idempotent, ledger=False)


def nontx_idempotent(v, sleep=0.0):
    return _nontx(v, sleep, True)


def nontx_plain(v, sleep=0.0):
    return _nontx(v, sleep, False)


def midcommit_mig(v):
    """Transaction control in the middle (tracked like a no-transaction file)."""
    text = ("CREATE TABLE m_%s_a (id int);\n"
            "COMMIT;\n"
            "CREATE INDEX CONCURRENTLY m_%s_idx ON m_%s_a (id);\n"
            "BEGIN;\n"
            "CREATE TABLE m_%s_b (id int);\n") % (v, v, v, v)
    return Mig(v, "midcommit", text, ["m_%s_a" % v, None, "m_%s_idx" % v, None, "m_%s_b" % v],
               atomic=False, idempotent=False, ledger=False)


def files(migs):
    return {m.file: m.text for m in migs}


def history_rows(t, db=None, table="pgboot_migrations"):
    """{version: progress or None} of the migrations in history ({} when no table)."""
    d = db or t.db
    if t.psql("SELECT to_regclass('%s') IS NOT NULL" % table, db=d) != "t":
        return {}
    has_progress = t.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = '%s' "
                          "AND column_name = 'progress'" % table.split(".")[-1], db=d) == "1"
    q = "SELECT version, %s FROM %s WHERE kind = 'migration'" % ("coalesce(progress, -1)" if has_progress else "-1", table)
    out = {}
    for line in t.psql(q, db=d).splitlines():
        v, p = line.split("|")
        out[v] = None if p == "-1" else int(p)
    return out


def existing(t, names, db=None):
    if not names:
        return set()
    q = "SELECT n FROM unnest(ARRAY[%s]) n WHERE to_regclass(n) IS NOT NULL" % ",".join("'%s'" % n for n in names)
    return set(t.psql(q, db=db).split())


def check_consistent(t, migs, db=None, context=""):
    """History matches schema exactly. Returns {version: progress} of the history.

    - a finished migration: every object exists, its ledger row exactly once;
    - no history row: none of its objects, no ledger row;
    - a non-atomic file with progress p: statements before p committed (objects
      exist), none after p+1 (the statement at p may have committed just before
      the kill, when its progress had not been recorded yet)."""
    d = db or t.db
    hist = history_rows(t, d)
    allnames = [o for m in migs for o in m.objects if o]
    have = existing(t, allnames, d)
    ledger = {}
    if "ledger" in have:
        for line in t.psql("SELECT version, count(*) FROM ledger GROUP BY version", db=d).splitlines():
            v, n = line.split("|")
            ledger[v] = int(n)
    problems = []
    for m in migs:
        objs = [(i, o) for i, o in enumerate(m.objects) if o]
        if m.version not in hist:
            bad = [o for _, o in objs if o in have]
            if bad:
                problems.append("%s: not in the history but %s exist" % (m.file, bad))
            if ledger.get(m.version):
                problems.append("%s: not in the history but its ledger row exists" % m.file)
            continue
        p = hist[m.version]
        if p is None:
            missing = [o for _, o in objs if o not in have]
            if missing:
                problems.append("%s: recorded as applied but %s missing" % (m.file, missing))
            if m.ledger and ledger.get(m.version, 0) != 1:
                problems.append("%s: applied but its ledger row is there %d times" % (m.file, ledger.get(m.version, 0)))
        else:
            if m.atomic:
                problems.append("%s: an atomic file has a progress row (%d)" % (m.file, p))
            missing = [o for i, o in objs if i < p and o not in have]
            extra = [o for i, o in objs if i > p and o in have]
            if missing or extra:
                problems.append("%s: progress %d but missing %s, unexpected %s" % (m.file, p, missing, extra))
    for v, n in ledger.items():
        if n > 1:
            problems.append("version %s ran %d times (ledger)" % (v, n))
    if problems:
        raise TestFailure("history and schema disagree%s:\n  %s\nhistory: %s\nobjects: %s" % (
            (" (" + context + ")") if context else "", "\n  ".join(problems), hist, sorted(have)))
    return hist


# ---- extra clusters (primary/standby) ---------------------------------------------

class Cluster:
    """A PostgreSQL 15 cluster of our own in a temp dir (scripts/pgtmp.sh's
    settings), or a standby made with pg_basebackup -R from another one."""

    def __init__(self, dir, port):
        self.dir, self.port = dir, port
        self.data = os.path.join(dir, "data")
        self.sock = os.path.join(dir, "sock")
        self.password = "pgboot-test-secret"

    @classmethod
    def primary(cls):
        d = tempfile.mkdtemp(prefix="pgboot-fault-pg-")
        os.chmod(d, 0o755)
        # pgtmp.sh picks a free port of the range, and another after a lost race
        p = pgtmp("start", d, "31000-32499", check_rc=False)
        if p.returncode != 0:
            shutil.rmtree(d, ignore_errors=True)
            raise TestFailure("could not start a cluster: %s" % p.stdout)
        return cls(d, harness.Server(d).port)

    def standby(self):
        d = tempfile.mkdtemp(prefix="pgboot-fault-standby-")
        os.chmod(d, 0o755)
        os.makedirs(os.path.join(d, "sock"))
        if IS_ROOT:
            subprocess.run(["chown", "-R", "postgres:", d], check=True)
        port = free_port()
        r = subprocess.run(as_postgres([PGBIN + "/pg_basebackup", "-h", self.sock, "-p", str(self.port), "-U",
                                        "postgres", "-D", os.path.join(d, "data"), "-R", "-X", "stream",
                                        "-c", "fast"]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        if r.returncode != 0:
            raise TestFailure("pg_basebackup failed: " + r.stdout)
        with open(os.path.join(d, "data", "postgresql.auto.conf"), "a") as f:
            f.write("port = %d\nunix_socket_directories = '%s'\n" % (port, os.path.join(d, "sock")))
        with open(os.path.join(d, "env"), "w") as f:
            f.write("PGHOST=%s\nPGPORT=%d\nPGUSER=postgres\nPGBOOT_TEST_PASSWORD=%s\n"
                    % (os.path.join(d, "sock"), port, self.password))
        s = Cluster(d, port)
        s.start()
        return s

    def ctl(self, *args, timeout=90):
        r = subprocess.run(as_postgres([PGBIN + "/pg_ctl", "-D", self.data] + list(args)),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return r

    def start(self):
        r = self.ctl("-l", os.path.join(self.dir, "log"), "-w", "-t", "60", "start")
        if r.returncode != 0:
            raise TestFailure("pg_ctl start failed: %s\n%s" % (r.stdout, self.log_tail()))

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.ctl("-m", mode, "-w", "-t", "60", "stop")

    def promote(self):
        r = self.ctl("-w", "-t", "60", "promote")
        if r.returncode != 0:
            raise TestFailure("pg_ctl promote failed: " + r.stdout)

    def log_tail(self, n=20):
        try:
            with open(os.path.join(self.dir, "log"), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def psql(self, db, sql, check=True, timeout=30):
        p = subprocess.run([harness.PSQL, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p", str(self.port),
                            "-U", "postgres", "-d", db, "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout, env=clean_env({"PGAPPNAME": "pgboot-tests"}))
        if check and p.returncode != 0:
            raise TestFailure("psql failed on port %d: %s\n%s" % (self.port, sql, p.stderr))
        return p.stdout.strip() if check else p

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- PgBouncer -------------------------------------------------------------------

class Bouncer:
    """Debian's pgbouncer on a loopback port, transaction pooling, SCRAM, an auth_file."""

    def __init__(self, server_port, password, pool_mode="transaction", pool_size=4, auth_type="scram-sha-256"):
        self.dir = tempfile.mkdtemp(prefix="pgboot-bouncer-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.ini = os.path.join(self.dir, "pgbouncer.ini")
        with open(os.path.join(self.dir, "userlist.txt"), "w") as f:
            f.write('"postgres" "%s"\n' % password)
        with open(self.ini, "w") as f:
            f.write("""[databases]
* = host=127.0.0.1 port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = %s
auth_file = %s/userlist.txt
pool_mode = %s
default_pool_size = %d
max_client_conn = 400
logfile = %s/pgbouncer.log
pidfile = %s/pgbouncer.pid
admin_users = postgres
""" % (server_port, self.port, auth_type, self.dir, pool_mode, pool_size, self.dir, self.dir))
        if IS_ROOT:
            subprocess.run(["chown", "-R", "postgres:", self.dir], check=True)
        self.proc = None

    def start(self):
        # pgbouncer refuses to run as root: switch in the child itself (not through runuser,
        # which forks) so that the process stop() signals is pgbouncer, not a wrapper
        kw = {"user": "postgres", "group": "postgres", "extra_groups": []} if IS_ROOT else {}
        self.proc = subprocess.Popen(["/usr/sbin/pgbouncer", self.ini], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, **kw)
        import socket
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("pgbouncer exited: " + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise TestFailure("pgbouncer did not listen: " + self.log())

    def log(self):
        try:
            with open(os.path.join(self.dir, "pgbouncer.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- starting many processes at the same instant -----------------------------------

class Gate:
    """Processes spawned through a gate block (reading a FIFO) until open() is
    called, then all exec pgboot at the same instant. Use as t.bin replacement:

        g = Gate(t); procs = [g.spawn("run", ...) for _ in range(64)]; g.open()
    """

    def __init__(self, t):
        self.t = t
        self.fifo = t.path("gate.%d" % random.randrange(1 << 30))
        os.mkfifo(self.fifo)
        self.wrapper = t.write("gate-%d.sh" % random.randrange(1 << 30),
                               '#!/bin/sh\nread _ < "%s"\nexec "%s" "$@"\n' % (self.fifo, t.bin), mode=0o755)
        self.n = 0

    def spawn(self, *args, **kw):
        real = self.t.bin
        self.t.bin = self.wrapper
        try:
            proc = self.t.spawn(*args, **kw)
        finally:
            self.t.bin = real
        self.n += 1
        return proc

    def open(self):
        """Wake every process spawned through the gate: one line each, written at
        once; the FIFO stays open until the test's cleanup (a late reader must
        not block). Returns the time."""
        fd = os.open(self.fifo, os.O_RDWR)
        t0 = time.time()
        os.write(fd, b"\n" * self.n)
        self.t.on_cleanup(lambda: os.close(fd))
        return t0
