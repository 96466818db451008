"""pgboot reset: every applied migration rolled back, newest first, then the
seeds' rows deleted from the history (the table stays, empty, or is dropped
with --drop-history); without --confirm only the plan (exit 10). And
--save-backup on rollback and reset: pg_dump from PATH before the first
destructive statement, the password never in its argv; a missing, old or
failing pg_dump changes nothing."""
import os
import signal
import stat
import subprocess

from harness import check

PGBIN = "/usr/lib/postgresql/15/bin"
FILES = {
    "0001_a.sql": "CREATE TABLE a (id int PRIMARY KEY, v text);\n-- pgboot:down\nDROP TABLE a;\n",
    "0002_b.sql": "CREATE TABLE b (id int);\nCREATE INDEX b_id ON b (id);\n-- pgboot:down\nDROP TABLE b;\n",
    "0003_c.sql": "CREATE VIEW c AS SELECT id FROM a;\n-- pgboot:down\nDROP VIEW c;\n",
}
SEEDS = {"0001_rows.sql": "INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 50) g;\n"
                          "INSERT INTO b SELECT generate_series(1, 7);\n"}
ALL = [("migration", "0001", "a"), ("migration", "0002", "b"), ("migration", "0003", "c"), ("seed", "0001", "rows")]


def _seeded(t):
    p = t.project(migrations=dict(FILES), seeds=dict(SEEDS))
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    check(t.history() == ALL, "migrated and seeded", t.history())
    return p


def _intact(t, *context):
    check(t.history() == ALL, "the history is untouched", t.history(), *context)
    check(t.table_exists("a") and t.table_exists("b") and t.table_exists("c"), "the tables are there", *context)
    check(t.psql("SELECT count(*) FROM a") == "50", "the rows are there", *context)


def _path_with(t, name, **scripts):
    """A directory holding only the given scripts (name -> text), executable: a PATH of its own."""
    d = t.path(name)
    os.makedirs(d, exist_ok=True)
    for prog, text in scripts.items():
        f = os.path.join(d, prog)
        with open(f, "w") as fh:
            fh.write(text)
        os.chmod(f, 0o755)
    return d


def _fake_pg_dump(body, version="pg_dump (PostgreSQL) 15.4"):
    return "#!/bin/sh\nif [ \"$1\" = --version ]; then echo '%s'; exit 0; fi\n%s\n" % (version, body)


def _real_restore():
    return "#!/bin/sh\nexec %s/pg_restore \"$@\"\n" % PGBIN


def _schema_dump(t, db):
    p = subprocess.run([PGBIN + "/pg_dump", "--schema-only", "--no-owner", "-h", t.server.sock, "-p",
                        str(t.server.port), "-U", t.server.user, db],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
    return "\n".join(l for l in p.stdout.splitlines() if not l.startswith(("\\restrict", "\\unrestrict", "--")))


# ---- reset ---------------------------------------------------------------------


def test_reset_without_confirm_shows_plan(t):
    p = _seeded(t)
    r = t.pgboot("reset", project=p).expect(10, "reset not confirmed", where="err")
    r.expect_text("would roll back 3 migrations", "would delete 1 seed row", "would stay, empty", where="out")
    check(r.out.index("0003_c") < r.out.index("0001_a"), "newest first", r)
    _intact(t, r)
    r = t.pgboot("reset", "--drop-history", project=p).expect(10)
    r.expect_text('would drop history table "public.pgboot_migrations"', where="out")
    _intact(t, r)


def test_reset_confirm(t):
    p = _seeded(t)
    # the seed was applied after the migrations: its row goes with the first down part, none is left after
    r = t.pgboot("reset", "--confirm", project=p).expect(0, "removed seed 0001_rows", "deleted 0 seed rows",
                                                          where="err")
    check(t.history() == [], "the history is empty", t.history(), r)
    check(t.table_exists("pgboot_migrations"), "the history table stays", r)
    check(not t.table_exists("a") and not t.table_exists("b") and not t.table_exists("c"), "every down ran", r)
    # a new migrate --with-test-data starts from scratch, seeds too
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    _intact(t)
    # nothing left: a second reset has nothing to do
    t.pgboot("reset", "--confirm", project=p).expect(0)
    t.pgboot("reset", "--confirm", project=p).expect(0, "no applied migration", where="err")


def test_reset_drop_history(t):
    p = _seeded(t)
    r = t.pgboot("reset", "--confirm", "--drop-history", project=p, env={"PGBOOT_CONFIRM": None}).expect(0)
    check(not t.table_exists("pgboot_migrations"), "the history table is dropped", r)
    check(not t.table_exists("a"), "every down ran", r)
    t.pgboot("status", project=p).expect(0)


def test_reset_takes_no_choice_and_needs_downs(t):
    p = _seeded(t)
    t.pgboot("reset", "--all", "--confirm", project=p).expect(2)
    t.pgboot("reset", "--steps", "1", "--confirm", project=p).expect(2)
    _intact(t)
    t.psql("UPDATE pgboot_migrations SET down_sql = NULL WHERE version = '0002'")
    r = t.pgboot("reset", "--confirm", project=p).expect(78, "0002_b", where="err")
    _intact(t, r)


# ---- --save-backup ----------------------------------------------------------------


def test_reset_save_backup_restores(t):
    """The real pg_dump: the backup restores into a fresh database with the same schema and rows."""
    p = _seeded(t)
    before = _schema_dump(t, t.db)
    backup = t.path("before-reset.dump")
    env = {"PATH": PGBIN + ":" + os.environ.get("PATH", "/usr/bin:/bin")}
    r = t.pgboot("reset", "--confirm", "--save-backup", backup, project=p, env=env).expect(0, "saved the backup",
                                                                                             where="err")
    check(stat.S_ISREG(os.stat(backup).st_mode) and not os.path.exists(backup + ".partial"), "the backup is there", r)
    check(t.history() == [] and not t.table_exists("a"), "then the reset ran", r)
    fresh = t.new_database()
    subprocess.run([PGBIN + "/pg_restore", "--no-owner", "-h", t.server.sock, "-p", str(t.server.port), "-U",
                    t.server.user, "-d", fresh, backup], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(_schema_dump(t, fresh) == before, "the restored schema equals the original", r)
    check(t.history(db=fresh) == ALL, "the history is restored", t.history(db=fresh))
    check(t.psql("SELECT count(*) FROM a", db=fresh) == "50" and t.psql("SELECT count(*) FROM b", db=fresh) == "7",
          "the rows are restored")


def test_save_backup_private_and_never_overwritten(t):
    """The dump is readable by its owner only, and an existing backup (perhaps the only copy of what an
    earlier rollback dropped) is never replaced: 78 before anything changes; a stale .partial is no obstacle."""
    p = _seeded(t)
    env = {"PATH": PGBIN + ":" + os.environ.get("PATH", "/usr/bin:/bin")}
    backup = t.path("pre.dump")
    with open(backup + ".partial", "w") as f:
        f.write("left by a killed run")
    r = t.pgboot("rollback", "--confirm", "--save-backup", backup, project=p, env=env).expect(0, "saved the backup",
                                                                                                where="err")
    check(stat.S_IMODE(os.stat(backup).st_mode) == 0o600, "the backup is 0600", oct(os.stat(backup).st_mode), r)
    check(not os.path.exists(backup + ".partial"), "no .partial left", r)
    size = os.path.getsize(backup)
    r = t.pgboot("rollback", "--confirm", "--save-backup", backup, project=p, env=env).expect(78, "exists", where="err")
    check(os.path.getsize(backup) == size, "the first backup is untouched", r)
    check([v for k, v, _ in t.history() if k == "migration"] == ["0001", "0002"], "nothing more rolled back",
          t.history(), r)


def test_save_backup_password_not_in_argv_nor_logs(t):
    """A pg_dump first on PATH records its argv and environment names, then runs the real one."""
    p = _seeded(t)
    rec = t.path("argv.txt")
    body = ("printf '%%s\\n' \"$@\" >> %s\n/usr/bin/env | /usr/bin/cut -d= -f1 > %s.env\nexec %s/pg_dump \"$@\""
            % (rec, rec, PGBIN))
    d = _path_with(t, "bin-record", pg_dump=_fake_pg_dump(body), pg_restore=_real_restore())
    backup = t.path("b.dump")
    r = t.pgboot("reset", "--confirm", "--save-backup", backup, project=p, env={"PATH": d}).expect(0)
    argv = t.read("argv.txt")
    envnames = t.read("argv.txt.env").split()
    check(t.password not in argv, "no password in pg_dump's argv", argv)
    check("--format=custom" in argv and "--dbname=" in argv and "password=" not in argv, "pg_dump's argv", argv)
    check("PGPASSWORD" in envnames and "DATABASE_URL" not in envnames, "the password in the environment", envnames)
    check(t.password not in r.all, "nor in pgboot's output", r)
    check(os.path.getsize(backup) > 0, "the backup is made", r)


def test_save_backup_without_pg_dump(t):
    """PATH without pg_dump: 78 saying how to get one; nothing changed, for reset and rollback."""
    p = _seeded(t)
    d = _path_with(t, "bin-empty")
    for cmd in (["reset"], ["rollback", "--all"]):
        r = t.pgboot(*cmd, "--confirm", "--save-backup", t.path("x.dump"), project=p, env={"PATH": d})
        r.expect(78, 'could not find "pg_dump" on PATH', "one-off container", where="err")
        _intact(t, r)
        check(not os.path.exists(t.path("x.dump")), "no backup file", r)


def test_save_backup_old_pg_dump(t):
    p = _seeded(t)
    d = _path_with(t, "bin-old", pg_dump=_fake_pg_dump("exit 0", "pg_dump (PostgreSQL) 13.0"),
                   pg_restore=_real_restore())
    r = t.pgboot("reset", "--confirm", "--save-backup", t.path("x.dump"), project=p, env={"PATH": d})
    r.expect(78, "13.0", "PostgreSQL 15", "older than the server", where="err")
    _intact(t, r)


def test_save_backup_failing_pg_dump(t):
    """pg_dump fails: its stderr in the detail, the password in it masked; nothing changed, no file left."""
    p = _seeded(t)
    body = "echo 'pg_dump: error: connection to %s failed' >&2\nexit 1" % t.url()
    d = _path_with(t, "bin-fail", pg_dump=_fake_pg_dump(body), pg_restore=_real_restore())
    backup = t.path("x.dump")
    r = t.pgboot("rollback", "--confirm", "--save-backup", backup, project=p, env={"PATH": d})
    r.expect(69, "could not save the backup", "pg_dump: error: connection to", where="err")
    check(t.password not in r.all, "the password is masked", r)
    _intact(t, r)
    check(not os.path.exists(backup) and not os.path.exists(backup + ".partial"), "no file left", r)
    # an archive pg_restore cannot read is no backup either
    d = _path_with(t, "bin-garbage", pg_dump=_fake_pg_dump(
        'for a; do case "$a" in --file=*) echo garbage > "${a#--file=}";; esac; done; exit 0'),
        pg_restore=_real_restore())
    r = t.pgboot("reset", "--confirm", "--save-backup", backup, project=p, env={"PATH": d})
    r.expect(69, "the backup is incomplete", where="err")
    _intact(t, r)


def test_save_backup_sigterm_during_dump(t):
    """SIGTERM while pg_dump runs: the child is ended, exit 143, nothing changed."""
    p = _seeded(t)
    pidfile = t.path("dump.pid")
    body = "echo $$ > %s\nexec /bin/sleep 60" % pidfile
    d = _path_with(t, "bin-slow", pg_dump=_fake_pg_dump(body), pg_restore=_real_restore())
    proc = t.spawn("reset", "--confirm", "--save-backup", t.path("x.dump"), project=p, env={"PATH": d})
    t.wait_until(lambda: os.path.exists(pidfile) and t.read("dump.pid").strip(), what="pg_dump started")
    proc.signal(signal.SIGTERM)
    r = proc.wait(15).expect(143)
    pid = int(t.read("dump.pid").strip())
    check(not os.path.exists("/proc/%d" % pid) or "zombie" in open("/proc/%d/status" % pid).read().lower(),
          "pg_dump is ended", r)
    _intact(t, r)


def test_save_backup_outlasts_idle_timeouts(t):
    """pgboot's session waits while pg_dump runs: a database's idle_session_timeout and
    idle_in_transaction_session_timeout do not end it meanwhile, in either lock mode."""
    p = _seeded(t)
    t.psql("ALTER DATABASE %s SET idle_session_timeout = '400ms'" % t.db)
    t.psql("ALTER DATABASE %s SET idle_in_transaction_session_timeout = '400ms'" % t.db)
    slow = "#!/bin/sh\nif [ \"$1\" = --version ]; then exec %s/pg_dump --version; fi\nsleep 1.5\nexec %s/pg_dump \"$@\"\n" \
        % (PGBIN, PGBIN)
    d = _path_with(t, "bin-slow-dump", pg_dump=slow, pg_restore=_real_restore())
    for mode, steps in (("session", "1"), ("transaction", "1")):
        r = t.pgboot("rollback", "--confirm", "--steps", steps, "--lock-mode", mode, "--save-backup",
                     t.path("idle-%s.dump" % mode), project=p, env={"PATH": d + ":/usr/bin:/bin"}).expect(0)
        r.expect_text("saved the backup", where="err")
    check([v for k, v, _ in t.history() if k == "migration"] == ["0001"], "both rollbacks ran", t.history())
