#!/usr/bin/env python3
"""pgboot's benchmark against its peers (make bench -> scripts/bench.sh -> here).

Scenarios (issue 6):
  uptodate    process start -> app's first instruction on a database with N migrations applied
  fresh       apply M small migrations, and the MORSE project, to an empty database
  readiness   tool started before the server; delay from "ready to accept connections" to the app
  stampede    32 and 64 processes at once, on an up-to-date and on an empty database
  size        stripped binary sizes, peak RSS of a MORSE run
  rows        peak RSS when the server returns many rows: a migration whose statement returns
              3,000,000 (a `SELECT fn(id) FROM t` backfill), a check with 1,000,000 violations
  roundtrips  protocol round trips counted in front of the server (bench/rtproxy.py)
  rollback    roll back 300 migrations (each with a down part): `pgboot rollback --all --confirm`
              against dbmate's loop of `dbmate rollback` (one migration per invocation)
  lint        pgboot lint on MORSE's 12 files: --offline, online against an empty database (all
              pending, sized), and a fresh MORSE apply with --lint off against --lint warn; PostgreSQL's
              regression SQL (scripts/regress-corpus.sh) when fetched: files/s, statements/s
  latency     a database ~1 ms away (bench/rtproxy.py delaying each chunk 0.5 ms each way):
              fresh apply of 300 migrations and an up-to-date start, pgboot against dbmate; then
              fresh apply of each PGBOOT_BENCH_LATENCY_SIZES (300,1000): pgboot batched (the
              default), pgboot --no-batch and dbmate through the proxy, pgboot both ways on loopback

Runs alternate between tools, the order rotating each repetition; ratios are
peer/pgboot per pair of runs (the same repetition). Writes the JSON given by
--out. Only loopback addresses are used; every loop and wait is bounded.
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtproxy  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
WORK = os.path.join(BENCH, "work")
PGBIN = "/usr/lib/postgresql/15/bin"
PASSWORD = "pgboot-test-secret"


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


CFG = {
    "reps": env_int("PGBOOT_BENCH_REPS", 30),               # up-to-date start, per tool
    "apply_reps": env_int("PGBOOT_BENCH_APPLY_REPS", 5),    # fresh 1,000 migrations
    "morse_reps": env_int("PGBOOT_BENCH_MORSE_REPS", 5),    # fresh MORSE
    "slow_reps": env_int("PGBOOT_BENCH_SLOW_REPS", 1),      # sqitch and the psql loop on 1,000 migrations
    "ready_reps": env_int("PGBOOT_BENCH_READY_REPS", 5),
    "stampede_reps": env_int("PGBOOT_BENCH_STAMPEDE_REPS", 2),
    "uptodate_migrations": env_int("PGBOOT_BENCH_UPTODATE_MIGRATIONS", 300),
    "migrations": env_int("PGBOOT_BENCH_MIGRATIONS", 1000),
    "rt_migrations": env_int("PGBOOT_BENCH_RT_MIGRATIONS", 100),
    "stampede": [int(x) for x in os.environ.get("PGBOOT_BENCH_STAMPEDE", "32,64").split(",") if x.strip()],
    "port": env_int("PGBOOT_BENCH_PORT", 32600),
    "psql_wait_interval": os.environ.get("PGBOOT_BENCH_PSQL_WAIT_INTERVAL", "1"),
    "peers": [p for p in os.environ.get("PGBOOT_BENCH_PEERS", "dbmate,psql,node-pg-migrate,sqitch").split(",") if p],
    "scenarios": [s for s in os.environ.get(
        "PGBOOT_BENCH_SCENARIOS",
        "size,rows,roundtrips,uptodate,fresh,readiness,stampede,rollback,latency,lint").split(",") if s],
    "rows_migration": env_int("PGBOOT_BENCH_ROWS_MIGRATION", 3000000),
    "rows_check": env_int("PGBOOT_BENCH_ROWS_CHECK", 1000000),
    "timeout_s": env_int("PGBOOT_BENCH_TIMEOUT", 300),
    "rollback_migrations": env_int("PGBOOT_BENCH_ROLLBACK_MIGRATIONS", 300),
    "rollback_reps": env_int("PGBOOT_BENCH_ROLLBACK_REPS", 3),
    "latency_migrations": env_int("PGBOOT_BENCH_LATENCY_MIGRATIONS", 300),
    "latency_sizes": [int(x) for x in os.environ.get("PGBOOT_BENCH_LATENCY_SIZES", "300,1000").split(",")
                      if x.strip()],
    "latency_apply_reps": env_int("PGBOOT_BENCH_LATENCY_APPLY_REPS", 5),
    "latency_reps": env_int("PGBOOT_BENCH_LATENCY_REPS", 20),
    "latency_delay_ms": float(os.environ.get("PGBOOT_BENCH_LATENCY_DELAY_MS", "") or 0.5),
    "lint_reps": env_int("PGBOOT_BENCH_LINT_REPS", 10),                # lint runs per build and mode
    "lint_apply_reps": env_int("PGBOOT_BENCH_LINT_APPLY_REPS", 5),     # fresh MORSE, --lint off / warn
    "lint_corpus_reps": env_int("PGBOOT_BENCH_LINT_CORPUS_REPS", 3),   # the regression corpus, per build
    "regress_corpus": os.environ.get("PGBOOT_BENCH_REGRESS_CORPUS", "") or os.path.join(ROOT, "build",
                                                                                         "regress-corpus", "sql"),
}

CHILDREN = set()


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def kill_children():
    for p in list(CHILDREN):
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass
        CHILDREN.discard(p)


# ---- statistics -------------------------------------------------------------

def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * q
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def summary(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"n": len(xs), "median": round(statistics.median(xs), 3), "p10": round(pct(xs, 0.1), 3),
            "p90": round(pct(xs, 0.9), 3), "min": round(min(xs), 3), "max": round(max(xs), 3)}


def ratios(runs, base=None):
    """peer/pgboot per pair of runs (same repetition index); pgboot is the static binary
    that ships when it was built, else the dynamic one."""
    out = {}
    if base is None:
        base = "pgboot-static" if runs.get("pgboot-static") else "pgboot"
    b = runs.get(base, [])
    for tool, xs in runs.items():
        if tool == base:
            continue
        rs = [x / y for x, y in zip(xs, b) if x is not None and y]
        if rs:
            s = summary(rs)
            out[tool] = s
    return out


# ---- the server -------------------------------------------------------------

class Server:
    def __init__(self, port):
        self.dir = os.path.join(WORK, "pg")
        self.port = port
        self.sock = os.path.join(self.dir, "sock")
        self.logfile = os.path.join(self.dir, "log")

    def running(self):
        pid = os.path.join(self.dir, "data", "postmaster.pid")
        if not os.path.exists(pid):
            return False
        r = subprocess.run([PGBIN + "/pg_isready", "-q", "-h", self.sock, "-p", str(self.port)])
        return r.returncode == 0

    def start(self, reuse=False):
        if reuse and self.running():
            return
        subprocess.run([os.path.join(ROOT, "scripts/pgtmp.sh"), "start", self.dir, str(self.port)], check=True)

    def stop(self, mode="fast"):
        subprocess.run([os.path.join(ROOT, "scripts/pgtmp.sh"), "stop", self.dir, mode], check=False)

    def psql(self, sql, db="postgres", capture=False):
        r = subprocess.run([PGBIN + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.sock,
                            "-p", str(self.port), "-U", "postgres", "-d", db, "-c", sql],
                           check=True, capture_output=True, text=True, timeout=120)
        return r.stdout.strip()

    def configure(self):
        self.psql("ALTER SYSTEM SET log_timezone = 'UTC'")
        self.psql("SELECT pg_reload_conf()")

    def reset_db(self, name):
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE template0')

    def url(self, db, port=None):
        return f"postgres://postgres:{PASSWORD}@127.0.0.1:{port or self.port}/{db}?sslmode=disable"

    def socket_conninfo(self, db):
        return f"host={self.sock} port={self.port} user=postgres dbname={db}"

    def version(self):
        return self.psql("SHOW server_version")


# ---- migration sets, in each tool's layout -------------------------------------

def small_migration(i):
    """one small migration: a table and a row"""
    t = f"t_{i:04d}"
    return (f"CREATE TABLE {t} (id bigint PRIMARY KEY, name text NOT NULL);\n"
            f"INSERT INTO {t} (id, name) VALUES (1, 'row {i}');\n")


def small_down(i):
    """the down part of small_migration(i)"""
    return f"DROP TABLE t_{i:04d};\n"


def morse_files():
    """(version, name, up SQL) of the repo's migrations/ (the up part only)."""
    out = []
    d = os.path.join(ROOT, "migrations")
    for fn in sorted(os.listdir(d)):
        m = re.match(r"^(\d+)_(.+)\.sql$", fn)
        if not m:
            continue
        text = open(os.path.join(d, fn), encoding="utf-8").read()
        up = re.split(r"(?m)^--\s*pgboot:down\s*$", text)[0]
        out.append((m.group(1), m.group(2), up))
    return out


def write_layouts(setname, files):
    """Write one directory per tool under work/sets/SETNAME; return their paths.
    files: (version, name, up SQL) or (version, name, up SQL, down SQL); a down part goes
    into each tool's own format (pgboot's `-- pgboot:down`, dbmate's `-- migrate:down`,
    node-pg-migrate's `-- Down Migration`; the psql loop and sqitch do not use it)."""
    base = os.path.join(WORK, "sets", setname)
    if os.path.isdir(base):
        shutil.rmtree(base)
    paths = {}
    for tool in ("pgboot", "dbmate", "psql", "node-pg-migrate"):
        d = os.path.join(base, tool)
        os.makedirs(d)
        paths[tool] = d
        for ver, name, sql, *down in files:
            down = down[0] if down else ""
            fn = os.path.join(d, f"{ver}_{name}.sql")
            if tool == "dbmate":
                body = "-- migrate:up\n" + sql + "\n-- migrate:down\n" + down
            elif tool == "node-pg-migrate":
                body = "-- Up Migration\n" + sql + "\n" + ("-- Down Migration\n" + down if down else "")
            elif tool == "pgboot" and down:
                body = sql + "\n-- pgboot:down\n" + down
            else:
                body = sql
            with open(fn, "w", encoding="utf-8") as f:
                f.write(body)
    # sqitch: a project with a plan; each deploy script in its own transaction
    d = os.path.join(base, "sqitch")
    for sub in ("deploy", "revert", "verify"):
        os.makedirs(os.path.join(d, sub))
    with open(os.path.join(d, "sqitch.conf"), "w") as f:
        f.write(f'[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n'
                f'[engine "pg"]\n\tclient = {PGBIN}/psql\n')
    with open(os.path.join(d, "sqitch.plan"), "w") as f:
        f.write("%syntax-version=1.0.0\n%project=bench\n\n")
        for ver, name, sql, *_ in files:
            change = f"c{ver}_{name}"
            f.write(f"{change} 2025-01-01T00:00:00Z Bench <bench@example.invalid> # {name}\n")
            with open(os.path.join(d, "deploy", change + ".sql"), "w", encoding="utf-8") as g:
                g.write("BEGIN;\n" + sql + "\nCOMMIT;\n")
            with open(os.path.join(d, "revert", change + ".sql"), "w") as g:
                g.write("-- not used\n")
    paths["sqitch"] = d
    # the working directory of every run: no verify/ there
    paths["cwd"] = base
    return paths


# ---- tools --------------------------------------------------------------------

class Tools:
    def __init__(self, server, pgboot, pgboot_static):
        self.s = server
        self.pgboot = pgboot
        self.pgboot_static = pgboot_static
        npm = os.path.join(WORK, "npm", "node_modules")
        self.dbmate = os.path.join(npm, "@dbmate", "linux-x64", "bin", "dbmate")
        self.npm_migrate = os.path.join(npm, "node-pg-migrate", "bin", "node-pg-migrate.js")
        self.psql_script = os.path.join(BENCH, "peers", "psql-migrate.sh")
        self.stamp = os.path.join(WORK, "stamp")
        sq = os.path.join(WORK, "sqitch-user.conf")
        with open(sq, "w") as f:
            f.write("[user]\n\tname = Bench\n\temail = bench@example.invalid\n")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
        self.env.update({"PATH": PGBIN + ":" + os.environ.get("PATH", "/usr/bin:/bin"), "PGSSLMODE": "disable",
                         "SQITCH_USER_CONFIG": sq, "SQITCH_SYSTEM_CONFIG": "/dev/null", "NO_COLOR": "1",
                         "PSQL_WAIT_INTERVAL": CFG["psql_wait_interval"], "PSQL_WAIT_TRIES": "120"})

    def available(self, tool):
        if tool == "dbmate":
            return os.access(self.dbmate, os.X_OK)
        if tool == "node-pg-migrate":
            return os.path.exists(self.npm_migrate) and shutil.which("node")
        if tool == "sqitch":
            return shutil.which("sqitch") is not None
        if tool == "pgboot-static":
            return bool(self.pgboot_static)
        return True

    def commands(self, tool, paths, db, app=None, url=None, extra=None):
        """The commands one start runs, in order: [(argv, cwd)], env."""
        url = url or self.s.url(db)
        app = app or ["true"]
        cwd = paths["cwd"]
        env = dict(self.env)
        if tool in ("pgboot", "pgboot-static"):
            b = self.pgboot_static if tool == "pgboot-static" else self.pgboot
            argv = [b, "run", "-q", "--database-url", url, "--migrations", paths["pgboot"]] + (extra or []) + ["--"] + app
            return [(argv, cwd)], env
        if tool == "floor":  # the same binary's bare connect + one query
            return [([self.pgboot, "wait", "-q", "--database-url", url], cwd)], env
        if tool == "floor-static":
            return [([self.pgboot_static, "wait", "-q", "--database-url", url], cwd)], env
        if tool == "psql-select1":
            return [([PGBIN + "/psql", "-X", "-q", "-d", url, "-c", "SELECT 1"], cwd)], env
        if tool == "dbmate":
            argv = [self.dbmate, "--url", url, "--migrations-dir", paths["dbmate"], "--no-dump-schema",
                    "--wait", "--wait-timeout", "60s", "up"]
        elif tool == "psql":
            env["DATABASE_URL"] = url
            argv = ["/bin/sh", self.psql_script, paths["psql"]]
        elif tool == "node-pg-migrate":
            env["DATABASE_URL"] = url
            argv = ["node", self.npm_migrate, "up", "-m", paths["node-pg-migrate"], "--no-verbose"]
        elif tool == "sqitch":
            argv = ["sqitch", "--quiet", "deploy", f"db:pg://postgres:{PASSWORD}@127.0.0.1:{self.s.port}/{db}"]
            cwd = paths["sqitch"]
        else:
            raise ValueError(tool)
        return [(argv, cwd), (app, paths["cwd"])], env

    def run(self, tool, paths, db, app=None, url=None, extra=None, timeout=None):
        """Run one start; returns (wall ms, client CPU ms, ok)."""
        cmds, env = self.commands(tool, paths, db, app, url, extra)
        return self.timed(tool, cmds, env, timeout)

    def rollback_commands(self, tool, paths, db, n):
        """Roll back all n migrations: pgboot in one run; dbmate, which rolls back one
        migration per invocation (it has no count), in a shell loop of n `dbmate rollback`
        (without --wait: its fastest way, the server is known to be up)."""
        url = self.s.url(db)
        if tool in ("pgboot", "pgboot-static"):
            b = self.pgboot_static if tool == "pgboot-static" else self.pgboot
            return [([b, "rollback", "--all", "--confirm", "-q", "--database-url", url, "--migrations",
                      paths["pgboot"]], paths["cwd"])]
        if tool == "dbmate":
            one = " ".join(_sh(a) for a in [self.dbmate, "--url", url, "--migrations-dir", paths["dbmate"],
                                             "--no-dump-schema", "rollback"])
            loop = f'i=0; while [ "$i" -lt {int(n)} ]; do {one} || exit; i=$((i + 1)); done'
            return [(["/bin/sh", "-c", loop], paths["cwd"])]
        raise ValueError(tool)

    def timed(self, tool, cmds, env, timeout=None, ok_codes=(0,)):
        """Run the commands in order; returns (wall ms, client CPU ms, ok): ok when each exits with
        one of ok_codes."""
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        ok = True
        for argv, cwd in cmds:
            try:
                p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   timeout=timeout or CFG["timeout_s"])
            except subprocess.TimeoutExpired:
                ok = False
                log(f"{tool}: timed out")
                break
            if p.returncode not in ok_codes:
                ok = False
                log(f"{tool} failed ({p.returncode}): {p.stderr.decode(errors='replace')[-600:]}")
                break
        t1 = time.perf_counter()
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime) * 1000
        return (t1 - t0) * 1000, cpu, ok


def rotate(xs, k):
    k %= len(xs)
    return xs[k:] + xs[:k]


# ---- scenarios --------------------------------------------------------------

def measure_alternating(T, tools, reps, prepare, run_one, label):
    """reps x tools, order rotating; prepare(tool) untimed before each run."""
    runs = {t: [] for t in tools}
    cpu = {t: [] for t in tools}
    fails = {t: 0 for t in tools}
    for r in range(reps):
        for tool in rotate(tools, r):
            if prepare:
                prepare(tool)
            ms, c, ok = run_one(tool)
            runs[tool].append(ms if ok else None)
            cpu[tool].append(c if ok else None)
            fails[tool] += 0 if ok else 1
        log(f"{label}: rep {r + 1}/{reps}: " + ", ".join(
            f"{t} {runs[t][-1]:.1f}" if runs[t][-1] is not None else f"{t} -" for t in tools))
    return {"runs_ms": runs, "cpu_ms": cpu, "failures": fails,
            "summary_ms": {t: summary(v) for t, v in runs.items()},
            "summary_cpu_ms": {t: summary(v) for t, v in cpu.items()},
            "ratio_vs_pgboot": ratios(runs)}


def scenario_uptodate(S, T, peers, sets):
    n = CFG["uptodate_migrations"]
    paths = sets["uptodate"]
    tools = ["pgboot"] + (["pgboot-static"] if T.pgboot_static else []) + peers
    dbs = {}
    for tool in tools:
        db = "u_" + tool.replace("-", "_")
        dbs[tool] = db
        S.reset_db(db)
        log(f"uptodate: applying {n} migrations with {tool} (untimed)")
        ms, _, ok = T.run(tool, paths, db, timeout=1800)
        if not ok:
            raise SystemExit(f"bench: {tool} could not apply the up-to-date set")
    # pgboot's variants and the floor use pgboot's database
    variants = {
        "floor": ("floor", dbs["pgboot"], None, None),
        "pgboot --no-verify": ("pgboot", dbs["pgboot"], None, ["--no-verify"]),
        "pgboot socket": ("pgboot", dbs["pgboot"], S.socket_conninfo(dbs["pgboot"]), None),
        "floor socket": ("floor", dbs["pgboot"], S.socket_conninfo(dbs["pgboot"]), None),
        "psql -c 'SELECT 1'": ("psql-select1", dbs["pgboot"], None, None),
        # the lint parses pending files only: the default (--lint warn) must cost nothing here
        "pgboot --lint off": ("pgboot", dbs["pgboot"], None, ["--lint", "off"]),
    }
    if T.pgboot_static:
        variants["pgboot-static --lint off"] = ("pgboot-static", dbs["pgboot-static"], None, ["--lint", "off"])
        variants["floor-static"] = ("floor-static", dbs["pgboot"], None, None)
        variants["pgboot-static socket"] = ("pgboot-static", dbs["pgboot"], S.socket_conninfo(dbs["pgboot"]), None)
        variants["floor-static socket"] = ("floor-static", dbs["pgboot"], S.socket_conninfo(dbs["pgboot"]), None)
    order = tools + list(variants)

    def run_one(name):
        if name in variants:
            tool, db, url, extra = variants[name]
            return T.run(tool, paths, db, url=url, extra=extra)
        return T.run(name, paths, dbs[name])

    for name in order:  # warm-up
        run_one(name)
    res = measure_alternating(T, order, CFG["reps"], None, run_one, "uptodate")
    res["migrations"] = n
    for tool in ("pgboot", "pgboot-static"):
        a, b = res["summary_ms"].get(tool), res["summary_ms"].get(tool + " --lint off")
        if a and b:
            r = ratios({tool: res["runs_ms"][tool], "off": res["runs_ms"][tool + " --lint off"]}, base="off")
            ca, cb = res["summary_cpu_ms"][tool], res["summary_cpu_ms"][tool + " --lint off"]
            log(f"uptodate: {tool} (default --lint warn) {a['median']:.2f} ms, --lint off {b['median']:.2f} ms "
                f"(medians); warn/off per pair {r[tool]['median']:.3f} (p10 {r[tool]['p10']:.3f}, p90 {r[tool]['p90']:.3f}); "
                f"client CPU {ca['median']:.2f} ms and {cb['median']:.2f} ms")
    return res


def scenario_fresh(S, T, peers, sets, which):
    paths = sets[which]
    tools = ["pgboot"] + (["pgboot-static"] if T.pgboot_static else []) + peers
    variants = {}
    if which == "morse":
        variants["pgboot +verify"] = ("pgboot", ["--verify", os.path.join(ROOT, "verify")])
        variants["pgboot --no-verify"] = ("pgboot", ["--no-verify"])
    reps = CFG["apply_reps"] if which == "fresh" else CFG["morse_reps"]
    order = tools + list(variants)

    def db_of(name):
        return "f_" + re.sub(r"[^a-z0-9]+", "_", name)

    def prepare(name):
        S.reset_db(db_of(name))
    # a run skipped on purpose (sqitch, psql loop past PGBOOT_BENCH_SLOW_REPS) returns (None, None, True): missing, not failed

    counter = {"sqitch": 0, "psql": 0}

    def run_one(name):
        if name in counter and which == "fresh":
            counter[name] += 1
            if counter[name] > CFG["slow_reps"]:
                return None, None, True
        if name in variants:
            tool, extra = variants[name]
            return T.run(tool, paths, db_of(name), extra=extra, timeout=1800)
        return T.run(name, paths, db_of(name), timeout=1800)

    # the first apply into a new database of a new cluster is slower for every tool (the file system
    # allocates the relations' files for the first time): one untimed run first, so that it is no pair's
    warm = db_of("warm-up")
    S.reset_db(warm)
    log(f"{which}: warm-up apply with pgboot (untimed)")
    T.run("pgboot", paths, warm, timeout=1800)
    S.psql(f'DROP DATABASE IF EXISTS "{warm}" WITH (FORCE)')
    res = measure_alternating(T, order, reps, prepare, run_one, which)
    for name in order:
        S.psql(f'DROP DATABASE IF EXISTS "{db_of(name)}" WITH (FORCE)')
    res["migrations"] = len(os.listdir(paths["pgboot"]))
    return res


def lint_counts(argv, cwd, env):
    """One untimed `pgboot lint --json` run: its exit code and the findings' counts."""
    p = subprocess.run(argv + ["--json"], cwd=cwd, env=env, capture_output=True, timeout=600)
    try:
        d = json.loads(p.stdout)
        return {"exit": p.returncode, "counts": d.get("counts"), "offline": d.get("offline"),
                "files_with_findings": len({f["file"] for f in d.get("findings", [])})}
    except ValueError:
        log(f"lint: {argv[0]} --json gave no JSON ({p.returncode}): {p.stderr.decode(errors='replace')[-400:]}")
        return {"exit": p.returncode}


def corpus_statements(files):
    """SQL statements pgboot's lexer finds in each file (tests/psql_equiv/split_dump.c, built here):
    {path: count}, a file the lexer refuses counted 0."""
    dump = os.path.join(WORK, "split_dump")
    src = ["tests/psql_equiv/split_dump.c", "src/sqlsplit.c", "src/rules/stmt.c", "src/error.c", "src/xmem.c", "src/strbuf.c",
           "src/utf8.c"]
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Iinclude", "-o", dump] + src, cwd=ROOT, check=True)
    out = {}
    for f in files:
        p = subprocess.run([dump, f], capture_output=True, timeout=120)
        out[f] = 0 if p.returncode else sum(1 for rec in p.stdout.split(b"\0") if rec.startswith(b"S"))
    return out


def scenario_lint(S, T):
    """pgboot lint over MORSE's 12 files (the repository's migrations/): --offline, and online against an
    empty database (all pending, the sizing query included; the database must be left unchanged); then the
    cost of the preflight lint in a fresh MORSE apply (`migrate --lint off` against `--lint warn`, a new
    database each run, paired); then PostgreSQL's regression SQL when scripts/regress-corpus.sh fetched it.
    `pgboot lint` exits 0, or 6 when a finding is graded warning or above: both count as a run."""
    mdir = os.path.join(ROOT, "migrations")
    files = sorted(os.path.join(mdir, f) for f in os.listdir(mdir) if f.endswith(".sql"))
    builds = {"pgboot": T.pgboot}
    if T.pgboot_static:
        builds["pgboot-static"] = T.pgboot_static
    tools = list(builds)
    ok = (0, 6)
    res = {"files": len(files)}

    def offline_argv(tool):
        return [builds[tool], "lint", "--offline"] + files

    res["offline"] = measure_alternating(
        T, tools, CFG["lint_reps"], None,
        lambda t: T.timed(t, [(offline_argv(t), ROOT)], T.env, ok_codes=ok), "lint --offline")
    res["offline"]["json"] = lint_counts(offline_argv("pgboot"), ROOT, T.env)

    db = "lint_empty"
    S.reset_db(db)

    def online_argv(tool):
        return [builds[tool], "lint", "--database-url", S.url(db), "--migrations", mdir]

    for t in tools:  # warm-up
        T.timed(t, [(online_argv(t), ROOT)], T.env, ok_codes=ok)
    res["online_empty"] = measure_alternating(
        T, tools, CFG["lint_reps"], None,
        lambda t: T.timed(t, [(online_argv(t), ROOT)], T.env, ok_codes=ok), "lint online, empty database")
    res["online_empty"]["json"] = lint_counts(online_argv("pgboot"), ROOT, T.env)
    res["online_empty"]["relations_after"] = int(S.psql(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')", db=db))
    if res["online_empty"]["relations_after"]:
        log(f"lint: the online lint left {res['online_empty']['relations_after']} relations in an empty database")
    S.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    # the preflight lint's cost in a fresh apply: --lint off against the default, a new database each run
    variants = {f"{t} --lint {m}": (t, m) for t in tools for m in ("off", "warn")}

    def db_of(name):
        return "lint_" + re.sub(r"[^a-z0-9]+", "_", name)

    def apply_argv(name):
        t, mode = variants[name]
        return [builds[t], "migrate", "-q", "--no-verify", "--lint", mode, "--database-url", S.url(db_of(name)),
                "--migrations", mdir]

    warm = db_of("warm-up")
    S.reset_db(warm)
    subprocess.run([T.pgboot, "migrate", "-q", "--no-verify", "--database-url", S.url(warm), "--migrations", mdir],
                   cwd=ROOT, env=T.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    S.psql(f'DROP DATABASE IF EXISTS "{warm}" WITH (FORCE)')
    ap = measure_alternating(T, list(variants), CFG["lint_apply_reps"], lambda n: S.reset_db(db_of(n)),
                             lambda n: T.timed(n, [(apply_argv(n), ROOT)], T.env), "lint fresh MORSE apply")
    ap["lint_cost_ms"], ap["lint_cost_cpu_ms"], ap["warn_over_off"] = {}, {}, {}
    for t in tools:
        warn, off = ap["runs_ms"][f"{t} --lint warn"], ap["runs_ms"][f"{t} --lint off"]
        ap["lint_cost_ms"][t] = summary([a - b for a, b in zip(warn, off) if a is not None and b is not None])
        # pgboot's own CPU (the parse and the rules), less noisy than the wall time on a busy machine
        cw, co = ap["cpu_ms"][f"{t} --lint warn"], ap["cpu_ms"][f"{t} --lint off"]
        ap["lint_cost_cpu_ms"][t] = summary([a - b for a, b in zip(cw, co) if a is not None and b is not None])
        ap["warn_over_off"][t] = ratios({"warn": warn, "off": off}, base="off").get("warn")
    for name in variants:
        S.psql(f'DROP DATABASE IF EXISTS "{db_of(name)}" WITH (FORCE)')
    res["fresh_apply"] = ap

    med = {k: (v or {}).get("median") for k, v in
           list(res["offline"]["summary_ms"].items()) + [("online " + k, v) for k, v in res["online_empty"]["summary_ms"].items()]
           + list(ap["summary_ms"].items())}
    log("lint (medians): " + ", ".join(f"{k} {v:.1f} ms" for k, v in med.items() if v))
    for t in tools:
        c, r, cc = ap["lint_cost_ms"][t], ap["warn_over_off"][t], ap["lint_cost_cpu_ms"][t]
        if c and r and cc:
            log(f"lint: {t} fresh MORSE apply, --lint warn - --lint off per pair: {c['median']:.1f} ms "
                f"(p10 {c['p10']:.1f}, p90 {c['p90']:.1f}); warn/off {r['median']:.3f}; client CPU "
                f"{cc['median']:.1f} ms (p10 {cc['p10']:.1f}, p90 {cc['p90']:.1f})")
    cpu = {k: (v or {}).get("median") for k, v in
           list(res["offline"]["summary_cpu_ms"].items()) + [("online " + k, v) for k, v in
                                                             res["online_empty"]["summary_cpu_ms"].items()]}
    log("lint, client CPU (medians): " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items() if v))

    corpus = CFG["regress_corpus"]
    if os.path.exists(os.path.join(corpus, ".complete")):
        cf = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".sql"))
        stmts = sum(corpus_statements(cf).values())

        def corpus_argv(tool):
            return [builds[tool], "lint", "--offline"] + cf

        rc = measure_alternating(T, tools, CFG["lint_corpus_reps"], None,
                                 lambda t: T.timed(t, [(corpus_argv(t), ROOT)], T.env, ok_codes=ok),
                                 "lint --offline, regression corpus")
        rc.update({"dir": corpus, "files": len(cf), "statements": stmts, "bytes": sum(os.path.getsize(f) for f in cf),
                   "json": lint_counts(corpus_argv("pgboot"), ROOT, T.env), "per_s": {}})
        for t in tools:
            m = (rc["summary_ms"].get(t) or {}).get("median")
            if m:
                rc["per_s"][t] = {"files": round(len(cf) / m * 1000, 1), "statements": round(stmts / m * 1000)}
                log(f"lint: {t} regression corpus, {len(cf)} files, {stmts} statements: {m:.0f} ms "
                    f"(client CPU {rc['summary_cpu_ms'][t]['median']:.0f} ms), "
                    f"{rc['per_s'][t]['files']:.0f} files/s, {rc['per_s'][t]['statements']} statements/s")
        res["regress_corpus"] = rc
    else:
        log(f"lint: no regression corpus in {corpus} (scripts/regress-corpus.sh fetches it): left out")
    return res


def server_ready_ts(logfile, offset):
    with open(logfile, "rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    ts = None
    for line in text.splitlines():
        if "database system is ready to accept connections" in line:
            m = re.match(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC", line)
            if m:
                dt = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").replace(
                    tzinfo=datetime.timezone.utc)
                ts = dt.timestamp()
    return ts


def scenario_rollback(S, T, peers, sets):
    """Roll back every one of N migrations (each with a down part) from the same applied state:
    each repetition applies them with each tool first (untimed), then times the rollback and
    checks that nothing is left (history rows, tables)."""
    paths = sets["rollback"]
    n = CFG["rollback_migrations"]
    tools = ["pgboot"] + (["pgboot-static"] if T.pgboot_static else []) + (["dbmate"] if "dbmate" in peers else [])
    left = {t: [] for t in tools}

    def db_of(tool):
        return "rb_" + tool.replace("-", "_")

    def prepare(tool):
        db = db_of(tool)
        S.reset_db(db)
        ms, _, ok = T.run(tool, paths, db, timeout=1800)
        if not ok or history_count(S, tool, db) != n:
            raise SystemExit(f"bench: {tool} could not apply the rollback set")

    def run_one(tool):
        db = db_of(tool)
        ms, cpu, ok = T.timed(tool, T.rollback_commands(tool, paths, db, n), T.env, timeout=1800)
        rows = history_count(S, tool, db)
        tables = int(S.psql("SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\\_%'", db=db))
        left[tool].append({"history_rows": rows, "tables": tables})
        if rows or tables:
            log(f"rollback: {tool} left {rows} history rows and {tables} tables")
            ok = False
        return ms, cpu, ok

    res = measure_alternating(T, tools, CFG["rollback_reps"], prepare, run_one, "rollback")
    for tool in tools:
        S.psql(f'DROP DATABASE IF EXISTS "{db_of(tool)}" WITH (FORCE)')
    res["migrations"] = n
    res["left_after"] = left
    return res


def scenario_latency(S, T, peers, sets):
    """A database ~1 ms away: every connection goes through bench/rtproxy.py, which forwards each
    chunk latency_delay_ms after it arrived, both ways. A fresh apply of N migrations (a new
    database each run), then the up-to-date start on the databases that leaves, and the floor
    (pgboot wait: connect + one query) through the same proxy."""
    delay_ms = CFG["latency_delay_ms"]
    proxy = rtproxy.Proxy(0, S.port, delay_s=delay_ms / 1000).start()
    paths = sets["latency"]
    tools = ["pgboot"] + (["pgboot-static"] if T.pgboot_static else []) + (["dbmate"] if "dbmate" in peers else [])

    def db_of(tool):
        return "l_" + tool.replace("-", "_")

    def url_of(tool):
        return S.url(db_of(tool), port=proxy.port)

    def prepare(tool):
        S.reset_db(db_of(tool))

    def run_one(tool):
        if tool == "floor":
            return T.run("floor", paths, db_of("pgboot"), url=url_of("pgboot"))
        return T.run(tool, paths, db_of(tool), url=url_of(tool), timeout=1800)

    out = {"delay_ms_each_way": delay_ms, "proxy_rtt_ms": rtproxy.echo_rtt(delay_ms / 1000)}
    log(f"latency: a round trip through the proxy takes {out['proxy_rtt_ms']['median']:.2f} ms "
        f"(p90 {out['proxy_rtt_ms']['p90']:.2f})")
    try:
        warm = "l_warm_up"
        S.reset_db(warm)
        log("latency: warm-up apply with pgboot (untimed)")
        T.run("pgboot", paths, warm, url=S.url(warm, port=proxy.port), timeout=1800)
        S.psql(f'DROP DATABASE IF EXISTS "{warm}" WITH (FORCE)')
        out["fresh"] = measure_alternating(T, tools, CFG["latency_apply_reps"], prepare, run_one, "latency fresh")
        # each tool's database now has every migration applied (its last fresh run)
        for tool in tools:
            if history_count(S, tool, db_of(tool)) != CFG["latency_migrations"]:
                raise SystemExit(f"bench: {tool} did not apply the latency set")
        order = tools + ["floor"]
        for name in order:  # warm-up
            run_one(name)
        out["uptodate"] = measure_alternating(T, order, CFG["latency_reps"], None, run_one, "latency up-to-date")
    finally:
        proxy.stop()
        for tool in tools:
            S.psql(f'DROP DATABASE IF EXISTS "{db_of(tool)}" WITH (FORCE)')
    out["migrations"] = CFG["latency_migrations"]
    out["sizes"] = {}
    for n in CFG["latency_sizes"]:
        out["sizes"][str(n)] = latency_batches(S, T, peers, sets[f"latency_{n}"], n, delay_ms)
    return out


def latency_batches(S, T, peers, paths, n, delay_ms):
    """Fresh apply of n migrations at 2 x delay_ms round trip: pgboot (batched), pgboot --no-batch
    and dbmate through the proxy; pgboot both ways on loopback. Logs the medians and ratios."""
    proxy = rtproxy.Proxy(0, S.port, delay_s=delay_ms / 1000).start()
    variants = {  # name: (tool, extra arguments, through the proxy)
        "pgboot": ("pgboot", None, True),
        "pgboot --no-batch": ("pgboot", ["--no-batch"], True),
        "pgboot loopback": ("pgboot", None, False),
        "pgboot --no-batch loopback": ("pgboot", ["--no-batch"], False),
    }
    if "dbmate" in peers:
        variants["dbmate"] = ("dbmate", None, True)

    def db_of(name):
        return "lb_" + re.sub(r"[^a-z0-9]+", "_", name)

    def prepare(name):
        S.reset_db(db_of(name))

    def run_one(name):
        tool, extra, proxied = variants[name]
        url = S.url(db_of(name), port=proxy.port) if proxied else S.url(db_of(name))
        return T.run(tool, paths, db_of(name), url=url, extra=extra, timeout=1800)

    try:
        res = measure_alternating(T, list(variants), CFG["latency_apply_reps"], prepare, run_one,
                                  f"latency fresh {n}")
        for name, (tool, _, _) in variants.items():
            if history_count(S, tool, db_of(name)) != n:
                raise SystemExit(f"bench: {name} did not apply the {n} migrations")
    finally:
        proxy.stop()
        for name in variants:
            S.psql(f'DROP DATABASE IF EXISTS "{db_of(name)}" WITH (FORCE)')
    med = {k: (v or {}).get("median") for k, v in res["summary_ms"].items()}
    line = ", ".join(f"{k} {v:.0f} ms" for k, v in med.items() if v)
    log(f"latency fresh {n} at {2 * delay_ms:g} ms RTT (medians): {line}")
    if med.get("dbmate") and med.get("pgboot"):
        log(f"latency fresh {n}: dbmate/pgboot {med['dbmate'] / med['pgboot']:.1f}x, "
            f"pgboot --no-batch/pgboot {med['pgboot --no-batch'] / med['pgboot']:.1f}x, "
            f"pgboot at {2 * delay_ms:g} ms / loopback {med['pgboot'] / med['pgboot loopback']:.2f}x, "
            f"loopback --no-batch/batched {med['pgboot --no-batch loopback'] / med['pgboot loopback']:.2f}x")
    res["migrations"] = n
    return res


def scenario_readiness(S, T, peers, sets, dbs_ready):
    tools = ["pgboot"] + (["pgboot-static"] if T.pgboot_static else []) + [p for p in peers if p in ("dbmate", "psql")]
    paths = sets["uptodate"]
    stampfile = os.path.join(WORK, "stamp.out")
    runs = {t: [] for t in tools}
    fails = {t: 0 for t in tools}
    for r in range(CFG["ready_reps"]):
        for tool in rotate(tools, r):
            db = dbs_ready[tool]
            S.stop()
            if os.path.exists(stampfile):
                os.unlink(stampfile)
            cmds, env = T.commands(tool, paths, db, app=[T.stamp, stampfile])
            # peers: the tool, then the app; pgboot execs the app itself
            script = " && ".join(" ".join(_sh(a) for a in argv) for argv, _ in cmds)
            p = subprocess.Popen(["/bin/sh", "-c", script], cwd=paths["cwd"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            CHILDREN.add(p)
            time.sleep(0.4)
            offset = os.path.getsize(S.logfile) if os.path.exists(S.logfile) else 0
            S.start()
            try:
                rc = p.wait(timeout=90)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = -1
            CHILDREN.discard(p)
            ready = server_ready_ts(S.logfile, offset)
            started = None
            if rc == 0 and os.path.exists(stampfile):
                started = float(open(stampfile).read().strip())
            if ready is None or started is None:
                runs[tool].append(None)
                fails[tool] += 1
            else:
                runs[tool].append((started - ready) * 1000)
        log(f"readiness: rep {r + 1}: " + ", ".join(
            f"{t} {runs[t][-1]:.0f}" if runs[t][-1] is not None else f"{t} FAIL" for t in tools))
    return {"runs_ms": runs, "failures": fails, "summary_ms": {t: summary(v) for t, v in runs.items()},
            "ratio_vs_pgboot": ratios(runs), "psql_wait_interval_s": CFG["psql_wait_interval"]}


def _sh(s):
    return "'" + s.replace("'", "'\\''") + "'"


def history_count(S, tool, db):
    table = {"pgboot": "pgboot_migrations", "pgboot-static": "pgboot_migrations", "dbmate": "schema_migrations",
             "psql": "schema_history", "node-pg-migrate": "pgmigrations", "sqitch": "sqitch.changes"}[tool]
    try:
        cond = " WHERE kind = 'migration'" if tool.startswith("pgboot") else ""
        total = int(S.psql(f"SELECT count(*) FROM {table}{cond}", db=db))
        return total
    except subprocess.CalledProcessError:
        return None


def stampede_once(T, tool, paths, db, n):
    cmds, env = T.commands(tool, paths, db)
    if len(cmds) == 1:
        argv = cmds[0][0]
        shell = None
    else:
        shell = " && ".join(" ".join(_sh(a) for a in argv) for argv, _ in cmds)
    procs = []
    t0 = time.perf_counter()
    for _ in range(n):
        if shell:
            p = subprocess.Popen(["/bin/sh", "-c", shell], cwd=cmds[0][1], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        else:
            p = subprocess.Popen(argv, cwd=cmds[0][1], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        CHILDREN.add(p)
        procs.append(p)
    codes = []
    errs = []
    deadline = time.time() + CFG["timeout_s"]
    for p in procs:
        try:
            _, err = p.communicate(timeout=max(1, deadline - time.time()))
            codes.append(p.returncode)
            if p.returncode:
                errs.append(err.decode(errors="replace").strip().splitlines()[-1:] or [""])
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            codes.append(-9)
        CHILDREN.discard(p)
    t1 = time.perf_counter()
    failed = sum(1 for c in codes if c != 0)
    sample = errs[0][0][:200] if errs else ""
    return (t1 - t0) * 1000, failed, sample


def scenario_stampede(S, T, peers, sets, dbs_ready):
    tools = ["pgboot"] + (["pgboot-static"] if T.pgboot_static else []) + [p for p in peers if p != "sqitch"]
    out = {}
    for state, setname in (("uptodate", "uptodate"), ("empty", "morse")):
        paths = sets[setname]
        for n in [1] + CFG["stampede"]:
            key = f"{state}_{n}"
            runs = {t: [] for t in tools}
            failed = {t: [] for t in tools}
            correct = {t: [] for t in tools}
            samples = {}
            for r in range(CFG["stampede_reps"]):
                for tool in rotate(tools, r):
                    db = dbs_ready[tool] if state == "uptodate" else "s_" + tool.replace("-", "_")
                    if state == "empty":
                        S.reset_db(db)
                    ms, nf, sample = stampede_once(T, tool, paths, db, n)
                    runs[tool].append(ms)
                    failed[tool].append(nf)
                    if sample:
                        samples[tool] = sample
                    if state == "empty":
                        cnt = history_count(S, tool, db)
                        ok = cnt == len(os.listdir(paths["pgboot"]))
                        if tool.startswith("pgboot"):
                            v = subprocess.run([T.pgboot, "verify", "-q", "--database-url", S.url(db),
                                                "--migrations", paths["pgboot"], "--verify",
                                                os.path.join(ROOT, "verify")], env=T.env,
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                            ok = ok and v.returncode == 0
                        correct[tool].append({"history_rows": cnt, "ok": ok})
                log(f"stampede {key}: rep {r + 1}: " + ", ".join(
                    f"{t} {runs[t][-1]:.0f} ({failed[t][-1]} failed)" for t in tools))
            out[key] = {"n": n, "state": state, "runs_ms": runs, "failed_processes": failed,
                        "correctness": correct if state == "empty" else None, "error_samples": samples,
                        "summary_ms": {t: summary(v) for t, v in runs.items()}, "ratio_vs_pgboot": ratios(runs)}
        for tool in tools:
            if state == "empty":
                S.psql(f'DROP DATABASE IF EXISTS "s_{tool.replace("-", "_")}" WITH (FORCE)')
    return out


def stripped_size(path):
    if not path or not os.path.exists(path):
        return None
    tmp = os.path.join(WORK, "stripped.tmp")
    subprocess.run(["strip", "-o", tmp, path], check=True, stderr=subprocess.DEVNULL)
    n = os.path.getsize(tmp)
    os.unlink(tmp)
    return n


def du(path):
    total = 0
    for dp, _, fns in os.walk(path):
        for fn in fns:
            try:
                total += os.lstat(os.path.join(dp, fn)).st_size
            except OSError:
                pass
    return total


def scenario_size(S, T, peers, sets):
    res = {"stripped_bytes": {}, "peak_rss_kb": {}, "notes": {}}
    sz = res["stripped_bytes"]
    sz["pgboot (dynamic)"] = stripped_size(T.pgboot)
    if T.pgboot_static:
        sz["pgboot (static)"] = stripped_size(T.pgboot_static)
    libs = subprocess.run(["ldd", T.pgboot], capture_output=True, text=True).stdout
    dyn_libs = sum(os.path.getsize(m) for m in re.findall(r"=> (/\S+)", libs) if os.path.exists(m))
    res["notes"]["pgboot (dynamic)"] = f"plus {dyn_libs} bytes of shared libraries (libpq, libssl, libcrypto, libsodium, libc ...)"
    if "dbmate" in peers:
        sz["dbmate"] = os.path.getsize(T.dbmate)
        res["notes"]["dbmate"] = "the Go binary as shipped by npm (already stripped)"
    if "node-pg-migrate" in peers:
        sz["node-pg-migrate"] = du(os.path.join(WORK, "npm", "node_modules")) - du(
            os.path.join(WORK, "npm", "node_modules", "@dbmate")) - du(os.path.join(WORK, "npm", "node_modules", "dbmate"))
        res["notes"]["node-pg-migrate"] = f"node_modules without dbmate; plus the node runtime ({os.path.getsize(shutil.which('node'))} bytes)"
    if "psql" in peers:
        sz["psql"] = os.path.getsize(PGBIN + "/psql")
        res["notes"]["psql"] = "psql alone, plus libpq and a shell"
    # peak RSS of a fresh MORSE run
    paths = sets["morse"]
    tools = ["pgboot"] + (["pgboot-static"] if T.pgboot_static else []) + peers
    for tool in tools:
        variants = [(tool, None)]
        if tool.startswith("pgboot"):
            variants = [(tool, ["--no-verify"]), (tool + " +verify +seeds",
                                                  ["--verify", os.path.join(ROOT, "verify"), "--seeds",
                                                   os.path.join(ROOT, "seeds"), "--with-test-data"])]
        for label, extra in variants:
            db = "r_" + re.sub(r"[^a-z0-9]+", "_", label)
            S.reset_db(db)
            cmds, env = T.commands(tool, paths, db, extra=extra)
            argv, cwd = cmds[0]
            out = os.path.join(WORK, "time.out")
            p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out] + argv, cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
            rss = int(open(out).read().split()[-1]) if p.returncode == 0 else None
            if p.returncode:
                log(f"size: {label} failed: {p.stderr.decode(errors='replace')[-400:]}")
            res["peak_rss_kb"][label] = rss
            S.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return res


def scenario_rows(S, T):
    """Peak RSS of pgboot (each build) when the server returns many rows it does not
    keep: a backfill migration's SELECT, and a failing check (first rows shown, the
    rest counted)."""
    n_mig, n_check = CFG["rows_migration"], CFG["rows_check"]
    base = os.path.join(WORK, "sets", "rows")
    shutil.rmtree(base, ignore_errors=True)
    for d in ("migrations", "verify"):
        os.makedirs(os.path.join(base, d))
    files = {
        "migrations/0001_big.sql": f"CREATE TABLE big AS SELECT g AS id FROM generate_series(1, {n_mig}) g;\n",
        "migrations/0002_backfill.sql": "CREATE FUNCTION bench_fn(i int) RETURNS text LANGUAGE sql IMMUTABLE\n"
                                        "    AS $$ SELECT md5(i::text) $$;\nSELECT bench_fn(id) FROM big;\n",
        "verify/010_violations.sql": f"SELECT id, md5(id::text) AS h FROM big WHERE id <= {n_check};\n",
    }
    for name, text in files.items():
        with open(os.path.join(base, name), "w") as f:
            f.write(text)
    res = {"rows": {"migration": n_mig, "check": n_check}, "peak_rss_kb": {}}
    for tool in ["pgboot"] + (["pgboot-static"] if T.pgboot_static else []):
        b = T.pgboot_static if tool == "pgboot-static" else T.pgboot
        db = "rows_" + tool.replace("-", "_")
        S.reset_db(db)
        url = S.url(db)
        kb = {}
        for case, argv, want in (("migration", [b, "migrate", "-q", "--no-verify"], 0),
                                 ("check", [b, "verify", "-q"], 4)):
            out = os.path.join(WORK, "time.out")
            p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out] + argv + ["--database-url", url], cwd=base,
                               env=T.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
            kb[case] = int(open(out).read().split()[-1]) if p.returncode == want else None
            if p.returncode != want:
                log(f"rows: {tool} {case} exited {p.returncode}: {p.stderr.decode(errors='replace')[-400:]}")
        res["peak_rss_kb"][tool] = kb
        log(f"rows: {tool}: peak RSS {kb['migration']} kB ({n_mig} rows from a migration), "
            f"{kb['check']} kB ({n_check} from a check)")
        S.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    return res


def scenario_roundtrips(S, T, peers, sets):
    """Counts for a fresh apply of N and of 2N small migrations and an up-to-date run;
    the cost of one migration is the slope (2N - N) / N, the rest is fixed."""
    proxy = rtproxy.Proxy(0, S.port).start()
    out = {}
    try:
        nmig = len(os.listdir(sets["rt"]["pgboot"]))
        tools = ["pgboot"] + peers
        for tool in tools:
            db = "rt_" + tool.replace("-", "_")
            r = {}
            for phase, setname in (("fresh_n", "rt"), ("fresh_2n", "rt2"), ("uptodate", "rt2")):
                paths = sets[setname]
                if phase != "uptodate":
                    S.reset_db(db)
                url = S.url(db, port=proxy.port)
                proxy.counts.reset()
                cmds, env = T.commands(tool, paths, db, url=url)
                if tool == "sqitch":
                    cmds[0][0][-1] = f"db:pg://postgres:{PASSWORD}@127.0.0.1:{proxy.port}/{db}"
                for argv, cwd in cmds:
                    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       timeout=900)
                    if p.returncode:
                        log(f"roundtrips: {tool} {phase} failed: {p.stderr.decode(errors='replace')[-400:]}")
                time.sleep(0.3)
                r[phase] = proxy.counts.snapshot()
            per = (r["fresh_2n"]["round_trips"] - r["fresh_n"]["round_trips"]) / nmig
            r["per_migration"] = round(per, 2)
            r["per_migration_queries"] = round(
                (r["fresh_2n"]["query_round_trips"] - r["fresh_n"]["query_round_trips"]) / nmig, 2)
            r["connections_per_migration"] = round(
                (r["fresh_2n"]["connections"] - r["fresh_n"]["connections"]) / nmig, 2)
            r["fixed"] = round(r["fresh_n"]["round_trips"] - per * nmig, 1)
            r["uptodate_round_trips"] = r["uptodate"]["round_trips"]
            out[tool] = r
            S.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            log(f"roundtrips {tool}: per migration {r['per_migration']} ({r['per_migration_queries']} queries, "
                f"{r['connections_per_migration']} connections), fixed {r['fixed']}, up-to-date {r['uptodate']['round_trips']}")
        # the floor and the MORSE project, pgboot only
        db = "rt_floor"
        S.reset_db(db)
        u = S.url(db, port=proxy.port)
        mdir = sets["morse"]["pgboot"]
        for label, argv in (("floor", [T.pgboot, "wait", "-q", "--database-url", u]),
                            ("pgboot morse fresh --no-verify",
                             [T.pgboot, "run", "-q", "--database-url", u, "--migrations", mdir, "--no-verify", "--", "true"]),
                            ("pgboot morse up-to-date --no-verify",
                             [T.pgboot, "run", "-q", "--database-url", u, "--migrations", mdir, "--no-verify", "--", "true"]),
                            ("pgboot morse up-to-date (built-in checks)",
                             [T.pgboot, "run", "-q", "--database-url", u, "--migrations", mdir, "--", "true"]),
                            ("pgboot morse up-to-date +56 checks",
                             [T.pgboot, "run", "-q", "--database-url", u, "--migrations", mdir, "--verify",
                              os.path.join(ROOT, "verify"), "--", "true"])):
            proxy.counts.reset()
            subprocess.run(argv, cwd=sets["morse"]["cwd"], env=T.env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=600)
            time.sleep(0.3)
            out[label] = proxy.counts.snapshot()
        S.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        out["migrations"] = nmig
    finally:
        proxy.stop()
    return out


def machine(S):
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    osr = ""
    try:
        osr = dict(l.rstrip().split("=", 1) for l in open("/etc/os-release") if "=" in l).get("PRETTY_NAME", "").strip('"')
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_mb": mem, "kernel": platform.release(), "os": osr,
            "postgresql": S.version(), "loadavg_start": settle()}


def settle(limit_s=120):
    """Wait (at most limit_s) for the 1-minute load average to fall below the CPU count: a run started
    right after another one (or after a test suite) would inherit its load. Returns the load then."""
    deadline = time.time() + limit_s
    said = False
    cpus = len(os.sched_getaffinity(0)) or 1
    while os.getloadavg()[0] >= cpus and time.time() < deadline:
        if not said:
            log(f"waiting up to {limit_s} s for the load average ({os.getloadavg()[0]:.1f}) to settle")
            said = True
        time.sleep(5)
    return os.getloadavg()


def versions(T):
    def out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=T.env).stdout.strip().splitlines()[0]
        except Exception:
            return None

    def pkg(name):
        try:
            return json.load(open(os.path.join(WORK, "npm", "node_modules", name, "package.json")))["version"]
        except Exception:
            return None
    return {"pgboot": out([T.pgboot, "version"]), "dbmate": out([T.dbmate, "--version"]),
            "node-pg-migrate": pkg("node-pg-migrate"), "pg (node)": pkg("pg"), "node": out(["node", "--version"]),
            "sqitch": out(["sqitch", "--version"]), "psql": out([PGBIN + "/psql", "--version"])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--pgboot", required=True)
    ap.add_argument("--pgboot-static", default="")
    args = ap.parse_args()
    t_start = time.time()
    S = Server(CFG["port"])
    S.start(reuse=True)
    S.configure()
    T = Tools(S, os.path.abspath(args.pgboot), os.path.abspath(args.pgboot_static) if args.pgboot_static else "")
    peers = [p for p in CFG["peers"] if T.available(p)]
    missing = [p for p in CFG["peers"] if p not in peers]
    if missing:
        log("peers not available, skipped: " + ", ".join(missing))
    log("generating the migration sets")
    sets = {
        "uptodate": write_layouts("uptodate", [(f"{i:04d}", f"t_{i:04d}", small_migration(i))
                                               for i in range(1, CFG["uptodate_migrations"] + 1)]),
        "fresh": write_layouts("fresh", [(f"{i:04d}", f"t_{i:04d}", small_migration(i))
                                         for i in range(1, CFG["migrations"] + 1)]),
        "rt": write_layouts("rt", [(f"{i:04d}", f"t_{i:04d}", small_migration(i))
                                   for i in range(1, CFG["rt_migrations"] + 1)]),
        "rt2": write_layouts("rt2", [(f"{i:04d}", f"t_{i:04d}", small_migration(i))
                                     for i in range(1, 2 * CFG["rt_migrations"] + 1)]),
        "morse": write_layouts("morse", morse_files()),
    }
    if "rollback" in CFG["scenarios"]:
        sets["rollback"] = write_layouts("rollback", [(f"{i:04d}", f"t_{i:04d}", small_migration(i), small_down(i))
                                                      for i in range(1, CFG["rollback_migrations"] + 1)])
    if "latency" in CFG["scenarios"]:
        sets["latency"] = write_layouts("latency", [(f"{i:04d}", f"t_{i:04d}", small_migration(i))
                                                    for i in range(1, CFG["latency_migrations"] + 1)])
        for n in CFG["latency_sizes"]:
            sets[f"latency_{n}"] = write_layouts(f"latency_{n}", [(f"{i:04d}", f"t_{i:04d}", small_migration(i))
                                                                 for i in range(1, n + 1)])
    # the MORSE set for pgboot is the repository's own directory (down parts and all)
    sets["morse"]["pgboot"] = os.path.join(ROOT, "migrations")
    result = {"meta": {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                       "machine": machine(S), "versions": versions(T), "config": CFG, "peers": peers,
                       "url": S.url("DB").replace(PASSWORD, "***"),
                       "notes": []},
              "scenarios": {}}
    sc = result["scenarios"]
    todo = CFG["scenarios"]
    try:
        if "size" in todo:
            log("scenario: size")
            sc["size"] = scenario_size(S, T, peers, sets)
        if "rows" in todo:
            log("scenario: rows (peak RSS when the server returns many rows)")
            sc["rows"] = scenario_rows(S, T)
        if "roundtrips" in todo:
            log("scenario: round trips")
            sc["roundtrips"] = scenario_roundtrips(S, T, peers, sets)
        dbs_ready = {}
        if any(s in todo for s in ("uptodate", "readiness", "stampede")):
            log("scenario: up-to-date start")
            sc["uptodate"] = scenario_uptodate(S, T, peers, sets)
            dbs_ready = {t: "u_" + t.replace("-", "_") for t in ["pgboot", "pgboot-static"] + peers}
            if "uptodate" not in todo:
                del sc["uptodate"]
        if "fresh" in todo:
            log("scenario: fresh apply, MORSE")
            sc["fresh_morse"] = scenario_fresh(S, T, peers, sets, "morse")
            log(f"scenario: fresh apply, {CFG['migrations']} migrations")
            sc["fresh"] = scenario_fresh(S, T, peers, sets, "fresh")
        if "stampede" in todo:
            log("scenario: stampede")
            sc["stampede"] = scenario_stampede(S, T, peers, sets, dbs_ready)
        if "readiness" in todo:
            log("scenario: readiness")
            sc["readiness"] = scenario_readiness(S, T, peers, sets, dbs_ready)
        if "rollback" in todo:
            log(f"scenario: rollback of {CFG['rollback_migrations']} migrations")
            sc["rollback"] = scenario_rollback(S, T, peers, sets)
        if "lint" in todo:
            log("scenario: lint, MORSE's 12 files")
            sc["lint"] = scenario_lint(S, T)
        if "latency" in todo:
            log(f"scenario: a database {2 * CFG['latency_delay_ms']:g} ms away (round trip)")
            sc["latency"] = scenario_latency(S, T, peers, sets)
    finally:
        kill_children()
        result["meta"]["loadavg_end"] = os.getloadavg()
        result["meta"]["duration_s"] = round(time.time() - t_start, 1)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1, sort_keys=False)
        log(f"wrote {args.out} ({result['meta']['duration_s']} s)")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: (kill_children(), sys.exit(143)))
    main()
