"""The integration-test harness: a throwaway PostgreSQL server, fresh databases,
temporary pgboot projects, and pgboot itself run with a clean environment.

Python 3 standard library only. run.py builds one Fixture per test; a test is a
plain function taking it:

    def test_fresh_database(t):
        p = t.project(migrations={"0001_init.sql": "CREATE TABLE a (id int);"})
        r = t.pgboot("migrate", project=p)
        r.expect(0)
        assert t.psql("SELECT count(*) FROM pgboot_migrations") == "1"
"""

import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PSQL = "/usr/lib/postgresql/15/bin/psql"
if not os.path.exists(PSQL):
    PSQL = shutil.which("psql") or "psql"

# Short timeouts so the suite stays fast; tests override them where they matter.
DEFAULT_ENV = {
    "PGBOOT_WAIT_TIMEOUT": "10s",
    "PGBOOT_LOCK_TIMEOUT": "30s",
}


class TestFailure(AssertionError):
    pass


class TestSkipped(Exception):
    """A test that cannot run on this machine (a tool scripts/install-deps.sh
    installs is missing): run.py prints it as "ok - NAME # SKIP why". Under
    CI=true raise TestFailure instead (skip_or_fail does)."""


def skip_or_fail(why):
    """A missing prerequisite: fails the test under CI=true (a CI machine
    installs everything), else skips it with why shown."""
    if os.environ.get("CI") == "true":
        raise TestFailure(why + " (CI=true: nothing may be skipped)")
    raise TestSkipped(why)


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on (and nobody will, with luck)."""
    for _ in range(200):
        port = random.randint(20000, 23999)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def sha256_hex(data):
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def lock_key(dbname, history_display):
    """DESIGN.md: the first 8 bytes of a libsodium generic hash (BLAKE2b, 32-byte
    output, no key) of "pgboot:" + database name + the qualified history table
    name, as a signed bigint."""
    digest = hashlib.blake2b(("pgboot:" + dbname + history_display).encode(), digest_size=32).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Result:
    """What one pgboot run did: code, out (stdout), err (stderr), elapsed seconds."""

    def __init__(self, args, code, out, err, elapsed):
        self.args, self.code, self.out, self.err, self.elapsed = args, code, out, err, elapsed

    def __iter__(self):
        return iter((self.code, self.out, self.err))

    @property
    def all(self):
        return self.out + self.err

    def __str__(self):
        return "$ pgboot %s\n  exit %s after %.2fs\n  --- stdout ---\n%s  --- stderr ---\n%s" % (
            " ".join(self.args), self.code, self.elapsed, _indent(self.out), _indent(self.err))

    def expect(self, code, *needles, where="all"):
        """Fail unless the exit code is code and every needle (str or compiled
        regex) occurs in stderr+stdout (or where="out"/"err")."""
        if self.code != code:
            raise TestFailure("expected exit %s, got %s\n%s" % (code, self.code, self))
        self.expect_text(*needles, where=where)
        return self

    def expect_text(self, *needles, where="all"):
        text = getattr(self, where)
        for n in needles:
            ok = n.search(text) if hasattr(n, "search") else n in text
            if not ok:
                raise TestFailure("expected %r in %s\n%s" % (getattr(n, "pattern", n), where, self))
        return self

    def expect_no_text(self, *needles, where="all"):
        text = getattr(self, where)
        for n in needles:
            ok = n.search(text) if hasattr(n, "search") else n in text
            if ok:
                raise TestFailure("did not expect %r in %s\n%s" % (getattr(n, "pattern", n), where, self))
        return self

    def json_lines(self, where="err"):
        """Every non-empty line of stderr parsed as JSON (fails on a non-JSON line)."""
        out = []
        for line in getattr(self, where).splitlines():
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except ValueError as e:
                raise TestFailure("not a JSON line: %r (%s)\n%s" % (line, e, self))
        return out


def _indent(s):
    if not s:
        return "    (empty)\n"
    return "".join("    " + line + "\n" for line in s.splitlines())


def check(cond, msg, *context):
    if not cond:
        raise TestFailure(msg + "".join("\n" + str(c) for c in context))


class Server:
    """The test server started by scripts/pgtmp.sh: reads DIR/env."""

    def __init__(self, dir):
        self.dir = os.path.abspath(dir)
        env = {}
        with open(os.path.join(self.dir, "env")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k] = v
        self.sock = env["PGHOST"]
        self.port = int(env["PGPORT"])
        self.user = env.get("PGUSER", "postgres")
        self.password = env["PGBOOT_TEST_PASSWORD"]
        self._n = 0

    def psql(self, db, sql, check=True, timeout=60, user=None):
        """Run sql with psql -X -At over the socket; returns stdout stripped."""
        p = subprocess.run(
            [PSQL, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p", str(self.port),
             "-U", user or self.user, "-d", db, "-c", sql],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
            env=clean_env({"PGAPPNAME": "pgboot-tests"}))
        if check and p.returncode != 0:
            raise TestFailure("psql failed on %s: %s\n%s" % (db, sql, p.stderr))
        return p.stdout.strip() if check else p

    def new_database(self, prefix="t"):
        self._n += 1
        name = "%s_%d_%d_%04x" % (prefix, os.getpid(), self._n, random.randrange(65536))
        name = re.sub(r"[^a-z0-9_]", "_", name.lower())[:63]
        self.psql("postgres", 'CREATE DATABASE "%s"' % name)
        return name

    def drop_database(self, name):
        self.psql("postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name, check=False)

    def url(self, db, password=None, user=None, host="127.0.0.1", port=None, query=None):
        """postgres://USER:PASSWORD@127.0.0.1:PORT/db (TCP, scram-sha-256)."""
        pw = self.password if password is None else password
        u = urllib.parse.quote(user or self.user, safe="")
        cred = u + (":" + urllib.parse.quote(pw, safe="") if pw != "" else "")
        s = "postgres://%s@%s:%d/%s" % (cred, host, port or self.port, db)
        if query:
            s += "?" + urllib.parse.urlencode(query)
        return s

    def keyword_url(self, db, socket=True, password=None, **extra):
        """A libpq keyword string: over the socket (trust) by default."""
        if socket:
            parts = {"host": self.sock, "port": self.port, "dbname": db, "user": self.user}
        else:
            parts = {"host": "127.0.0.1", "port": self.port, "dbname": db, "user": self.user,
                     "password": self.password if password is None else password}
        parts.update(extra)
        return " ".join("%s=%s" % (k, v) for k, v in parts.items())


def clean_env(extra=None):
    """A minimal environment: nothing of the caller's PGBOOT_*, DATABASE_URL, PG*."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C",
    }
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


class Project:
    """A temporary pgboot project: DIR/migrations, DIR/seeds, DIR/verify."""

    def __init__(self, dir, migrations=None, seeds=None, verify=None):
        self.dir = dir
        self.migrations = os.path.join(dir, "migrations")
        self.seeds = os.path.join(dir, "seeds")
        self.verify = os.path.join(dir, "verify")
        os.makedirs(self.migrations, exist_ok=True)
        for sub, files in (("migrations", migrations), ("seeds", seeds), ("verify", verify)):
            for name, content in (files or {}).items():
                self.write(sub, name, content)

    def path(self, sub, name):
        return os.path.join(self.dir, sub, name)

    def write(self, sub, name, content):
        d = os.path.join(self.dir, sub)
        os.makedirs(d, exist_ok=True)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(os.path.join(d, name), mode) as f:
            f.write(content)
        return os.path.join(d, name)

    def remove(self, sub, name):
        os.unlink(os.path.join(self.dir, sub, name))

    def read(self, sub, name):
        with open(os.path.join(self.dir, sub, name), "rb") as f:
            return f.read()


class Proc:
    """A pgboot started in the background; output goes to files (no pipe stalls)."""

    def __init__(self, fixture, args, popen, out_path, err_path, start):
        self.fixture, self.args, self.popen = fixture, args, popen
        self.out_path, self.err_path, self.start = out_path, err_path, start
        self.result = None

    @property
    def pid(self):
        return self.popen.pid

    def poll(self):
        return self.popen.poll()

    def signal(self, sig):
        self.popen.send_signal(sig)

    def stderr_so_far(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def wait_for_text(self, needle, timeout=10):
        """Wait until stderr contains needle; fail if pgboot exits first."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if needle in self.stderr_so_far():
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.02)
        if needle in self.stderr_so_far():
            return
        raise TestFailure("pgboot never wrote %r\n%s" % (needle, self.wait(5)))

    def wait(self, timeout=60):
        if self.result:
            return self.result
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            code = self.popen.wait()
            code = "TIMEOUT (killed after %ss)" % timeout
        elapsed = time.time() - self.start
        with open(self.out_path, errors="replace") as f:
            out = f.read()
        with open(self.err_path, errors="replace") as f:
            err = f.read()
        if isinstance(code, int) and code < 0:
            code = "killed by signal %d" % -code
        self.result = Result(self.args, code, out, err, elapsed)
        self.fixture.transcript.append(str(self.result))
        return self.result


class Fixture:
    """What every test gets: the server, the binary, a temp dir, a fresh database
    (created on first use), and helpers to run pgboot and psql."""

    def __init__(self, server, binary, name):
        self.server = server
        self.bin = os.path.abspath(binary)
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="pgboot-it-")
        os.chmod(self.tmp, 0o755)
        self.transcript = []
        self._db = None
        self._dbs = []
        self._procs = []
        self._cleanups = []
        self._nproj = 0

    # ---- databases -------------------------------------------------------

    @property
    def db(self):
        if self._db is None:
            self._db = self.new_database()
        return self._db

    def new_database(self):
        name = self.server.new_database("it")
        self._dbs.append(name)
        return name

    @property
    def password(self):
        return self.server.password

    def url(self, db=None, **kw):
        return self.server.url(db or self.db, **kw)

    def keyword_url(self, db=None, **kw):
        return self.server.keyword_url(db or self.db, **kw)

    def psql(self, sql, db=None, **kw):
        return self.server.psql(db or self.db, sql, **kw)

    def history(self, db=None, table="pgboot_migrations"):
        """[(kind, version, name)] in version order."""
        out = self.psql("SELECT kind, version, name FROM %s ORDER BY kind, version" % table, db=db)
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def table_exists(self, name, db=None):
        return self.psql("SELECT to_regclass('%s') IS NOT NULL" % name, db=db) == "t"

    def hold(self, sql, db=None, ready_sql=None, timeout=10):
        """Run sql in a background psql session that then sleeps; wait until
        ready_sql (run from another session) returns 't'. Returns the session's
        application_name; the session is terminated at cleanup (or release())."""
        app = "holder_%04x" % random.randrange(65536)
        d = db or self.db
        full = "%s; SELECT pg_sleep(600);" % sql.rstrip().rstrip(";")
        p = subprocess.Popen(
            [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.server.sock, "-p", str(self.server.port),
             "-U", self.server.user, "-d", d, "-c", full],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=clean_env({"PGAPPNAME": app}))
        self._procs.append(p)
        self._cleanups.append(lambda: self.release(app, d))
        ready_sql = ready_sql or ("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '%s' "
                                  "AND query LIKE '%%pg_sleep(600)%%' AND wait_event = 'PgSleep')" % app)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if p.poll() is not None:
                raise TestFailure("holder session ended: %s" % p.stderr.read().decode(errors="replace"))
            if self.psql(ready_sql, db=d) == "t":
                return app
            time.sleep(0.05)
        raise TestFailure("holder session never became ready: %s" % sql)

    def holder_pid(self, app, db=None):
        return self.psql("SELECT pid FROM pg_stat_activity WHERE application_name = '%s'" % app, db=db)

    def release(self, app, db=None):
        self.server.psql(db or self.db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE application_name = '%s'" % app, check=False)

    # ---- projects --------------------------------------------------------

    def project(self, migrations=None, seeds=None, verify=None):
        self._nproj += 1
        d = os.path.join(self.tmp, "project%d" % self._nproj)
        os.makedirs(d)
        return Project(d, migrations, seeds, verify)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, content, mode=0o644):
        p = self.path(name)
        with open(p, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content)
        os.chmod(p, mode)
        return p

    def read(self, name, default=None):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return default

    # ---- pgboot ----------------------------------------------------------

    def env_for(self, env=None, url="default", project=None):
        """The environment of a pgboot run: clean, DEFAULT_ENV, DATABASE_URL
        (url="default": the fixture's database over TCP with the password;
        None: no URL at all), then env (None values remove a variable)."""
        e = clean_env(DEFAULT_ENV)
        if url == "default":
            url = self.url()
        if url is not None:
            e["DATABASE_URL"] = url
        return clean_env({**e, **(env or {})})

    def _argv(self, args, via=None):
        return list(via or []) + [self.bin] + [str(a) for a in args]

    def pgboot(self, *args, env=None, url="default", project=None, cwd=None, timeout=60, stdin=None, via=None):
        """Run pgboot to completion. cwd defaults to the project's directory (so
        ./migrations, ./seeds and ./verify are the defaults pgboot finds); via
        is a launcher command that execs pgboot."""
        e = self.env_for(env, url, project)
        cwd = cwd or (project.dir if project else self.tmp)
        start = time.time()
        try:
            p = subprocess.run(self._argv(args, via), env=e, cwd=cwd, timeout=timeout,
                               input=stdin if stdin is not None else None,
                               stdin=None if stdin is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            code, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as ex:
            code, out, err = "TIMEOUT (killed after %ss)" % timeout, ex.stdout or b"", ex.stderr or b""
        if isinstance(code, int) and code < 0:
            code = "killed by signal %d" % -code
        r = Result([str(a) for a in args], code, out.decode(errors="replace"), err.decode(errors="replace"),
                   time.time() - start)
        r.raw_out, r.raw_err = out, err
        self.transcript.append(str(r))
        return r

    def spawn(self, *args, env=None, url="default", project=None, cwd=None, stdin=subprocess.DEVNULL):
        """Start pgboot in the background; returns a Proc (wait() gives a Result)."""
        e = self.env_for(env, url, project)
        cwd = cwd or (project.dir if project else self.tmp)
        n = len(self._procs)
        out_path = os.path.join(self.tmp, "proc%d.out" % n)
        err_path = os.path.join(self.tmp, "proc%d.err" % n)
        with open(out_path, "wb") as o, open(err_path, "wb") as er:
            p = subprocess.Popen(self._argv(args), env=e, cwd=cwd, stdin=stdin, stdout=o, stderr=er)
        self._procs.append(p)
        return Proc(self, [str(a) for a in args], p, out_path, err_path, time.time())

    def wait_until(self, cond, timeout=10, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.02)
        raise TestFailure("timed out after %ss waiting for %s" % (timeout, what))

    def on_cleanup(self, fn):
        self._cleanups.append(fn)

    def note(self, text):
        self.transcript.append(text)

    def cleanup(self, passed, keep=False):
        for p in self._procs:
            if p.poll() is None:
                try:
                    p.kill()
                    p.wait(5)
                except Exception:
                    pass
        for fn in reversed(self._cleanups):
            try:
                fn()
            except Exception:
                pass
        if keep and not passed:
            return
        for d in self._dbs:
            self.server.drop_database(d)
        shutil.rmtree(self.tmp, ignore_errors=True)


class TcpForwarder:
    """A TCP proxy 127.0.0.1:port -> the server, started on demand: lets a test
    make 'the database' appear while pgboot is waiting for it."""

    def __init__(self, target_port, port=None):
        self.target = ("127.0.0.1", target_port)
        self.port = port or free_port()
        self.sock = None
        self.threads = []
        self.closed = False

    def start(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        return self

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                s = socket.create_connection(self.target)
            except OSError:
                c.close()
                continue
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.closed = True
        if self.sock:
            self.sock.close()


# Signals by name for the tests
SIGTERM, SIGINT, SIGQUIT = signal.SIGTERM, signal.SIGINT, signal.SIGQUIT
