"""pgboot rollback: applied migrations undone, newest first, with the down part
the history stored when each was applied, each in one transaction with the
deletion of its row, under the migration lock; without --confirm only the plan
(exit 10)."""
import json
import os
import signal
import time

from harness import ROOT, check, lock_key

FILES = {
    "0001_a.sql": "CREATE TABLE a (id int);\n-- pgboot:down\nDROP TABLE a;\n",
    "0002_b.sql": "CREATE TABLE b (id int);\n-- pgboot:down\nDROP TABLE b;\n",
    "0003_c.sql": "CREATE TABLE c (id int);\n-- pgboot:down\nDROP TABLE c;\n",
}


def _versions(t):
    return [v for _, v, _ in t.history()]


def _migrated(t, files=None):
    p = t.project(migrations=dict(files or FILES))
    t.pgboot("migrate", project=p).expect(0)
    return p


def _schema(t):
    return t.psql("SELECT string_agg(c.relname || ':' || c.relkind::text || ':' || "
                  "coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' "
                  "ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
                  "AND NOT a.attisdropped), ''), ';' ORDER BY c.relname) FROM pg_class c "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                  "AND c.relname <> 'pgboot_migrations' AND c.relname NOT LIKE 'pgboot_migrations_%'")


def test_rollback_steps_default_one(t):
    """Without a choice, the newest applied migration; the log says "rolled back migration"."""
    p = _migrated(t)
    r = t.pgboot("rollback", "--confirm", project=p).expect(0, "rolled back migration 0003_c (", where="err")
    check(_versions(t) == ["0001", "0002"], "0003 rolled back", t.history(), r)
    check(not t.table_exists("c") and t.table_exists("b"), "its down part ran", r)


def test_rollback_steps_n(t):
    p = _migrated(t)
    r = t.pgboot("rollback", "--steps", "2", "--confirm", project=p).expect(0)
    check(_versions(t) == ["0001"], "the two newest rolled back", t.history(), r)
    check(r.err.index("0003_c") < r.err.index("0002_b"), "newest first", r)
    check(not t.table_exists("b") and t.table_exists("a"), "their down parts ran", r)


def test_rollback_to_version(t):
    p = _migrated(t)
    r = t.pgboot("rollback", "--to", "0001", "--confirm", project=p).expect(0)
    check(_versions(t) == ["0001"], "everything newer than 0001 rolled back, 0001 stays", t.history(), r)
    # an unknown version is 78, nothing changed
    t.pgboot("migrate", project=p).expect(0)
    t.pgboot("rollback", "--to", "0009", "--confirm", project=p).expect(78, '"0009" is not applied')
    check(_versions(t) == ["0001", "0002", "0003"], "nothing rolled back", t.history())


def test_rollback_all(t):
    p = _migrated(t)
    r = t.pgboot("rollback", "--all", "--confirm", project=p).expect(0)
    check(_versions(t) == [], "every migration rolled back", t.history(), r)
    check(not t.table_exists("a"), "down parts ran", r)
    t.pgboot("rollback", "--all", "--confirm", project=p).expect(0, "no applied migration", where="err")


def test_rollback_choices_exclusive(t):
    p = _migrated(t)
    t.pgboot("rollback", "--all", "--steps", "2", "--confirm", project=p).expect(2, "cannot be used together")
    t.pgboot("rollback", "--to", "0001", "--to-files", project=p).expect(2, "cannot be used together")
    t.pgboot("migrate", "--confirm", project=p).expect(2, "cannot be used with command")
    check(_versions(t) == ["0001", "0002", "0003"], "nothing rolled back", t.history())


def test_rollback_without_confirm_shows_plan(t):
    """The plan on stdout, newest first, exit 10, nothing changed; PGBOOT_CONFIRM=1 confirms.
    A down part missing is 78 even then (the plan shows which)."""
    p = _migrated(t, {**FILES, "0004_d.sql": "CREATE TABLE d (id int);\n"})
    r = t.pgboot("rollback", "--to", "0002", project=p).expect(78, "0004_d")
    r.expect_text("would roll back 2 migrations", "0004_d\tno down part", "0003_c\tdown part stored", where="out")
    check(r.out.index("0004_d") < r.out.index("0003_c"), "newest first", r)
    t.pgboot("rollback", "--to", "0004", project=p).expect(0, "nothing to roll back", where="out")
    p.write("migrations", "0004_d.sql", "CREATE TABLE d (id int);\n-- pgboot:down\nDROP TABLE d;\n")
    r = t.pgboot("rollback", "--steps", "2", "--use-file-down", project=p).expect(10, "not confirmed", where="err")
    r.expect_text("0004_d\tdown part from the file", where="out")
    check(_versions(t) == ["0001", "0002", "0003", "0004"], "nothing changed", t.history(), r)
    t.pgboot("rollback", project=p, env={"PGBOOT_CONFIRM": "1"}).expect(78, "0004_d")  # stored: none
    t.pgboot("rollback", "--use-file-down", project=p, env={"PGBOOT_CONFIRM": "1"}).expect(0)
    check(_versions(t) == ["0001", "0002", "0003"], "PGBOOT_CONFIRM=1 confirms", t.history())


def test_rollback_missing_down_is_78(t):
    """Every migration to roll back must have a stored down part: 78 naming each one without, nothing changed."""
    p = _migrated(t, {"0001_a.sql": "CREATE TABLE a (id int);\n",
                      "0002_b.sql": "CREATE TABLE b (id int);\n-- pgboot:down\nDROP TABLE b;\n",
                      "0003_c.sql": "CREATE TABLE c (id int);\n"})
    r = t.pgboot("rollback", "--all", "--confirm", project=p).expect(78, "0003_c, 0001_a", "no down part")
    r.expect_no_text("0002_b,", where="err")
    check(_versions(t) == ["0001", "0002", "0003"], "nothing rolled back", t.history(), r)
    check(t.table_exists("b"), "no down part ran", r)


def test_rollback_failing_down_part(t):
    """A down part that fails: 3, named "VERSION_NAME.sql (down)" with the line of the stored text;
    the newer ones already rolled back stay rolled back, it and the older ones stay applied."""
    p = _migrated(t, {**FILES,
                      "0002_b.sql": "CREATE TABLE b (id int);\n-- pgboot:down\n\nDROP TABLE b;\nDROP TABLE nope;\n"})
    r = t.pgboot("rollback", "--all", "--confirm", project=p).expect(3, "0002_b.sql (down):3:1", "nope")
    r.expect_text("^", "1 newer migration stays rolled back", where="err")
    check(_versions(t) == ["0001", "0002"], "0003 stays rolled back, 0002 applied", t.history(), r)
    check(t.table_exists("b"), "0002's down part rolled back whole", r)


def test_rollback_uses_stored_down(t):
    """The down SQL is the one stored at apply time: a file whose down part changed is warned of;
    --use-file-down runs the file's (its errors at the file's own line)."""
    p = _migrated(t)
    p.write("migrations", "0003_c.sql", "CREATE TABLE c (id int);\n-- pgboot:down\nDROP TABLE c; CREATE TABLE x (id int);\n")
    r = t.pgboot("rollback", "--confirm", project=p).expect(0, "differs from the one stored", where="err")
    check(not t.table_exists("x"), "the stored down part ran", r)
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0003_c.sql", "CREATE TABLE c (id int);\n-- pgboot:down\nDROP TABLE c;\nCREATE TABLE y (id int);\n")
    r = t.pgboot("rollback", "--confirm", "--use-file-down", project=p).expect(0)
    check(t.table_exists("y") and not t.table_exists("c"), "the file's down part ran", r)
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0003_c.sql", "CREATE TABLE c (id int);\n-- pgboot:down\nDROP TABLE c;\nDROP TABLE nope;\n")
    t.pgboot("rollback", "--confirm", "--use-file-down", project=p).expect(3, "migrations/0003_c.sql (down):4")


def test_rollback_to_files_older_image(t):
    """An older image beside a newer release's history: --to-files rolls back exactly what the newer one added."""
    _migrated(t, {**FILES, "0004_d.sql": "CREATE TABLE d (id int);\n-- pgboot:down\nDROP TABLE d;\n"})
    old = t.project(migrations={k: v for k, v in FILES.items() if k != "0003_c.sql"})
    r = t.pgboot("rollback", "--to-files", project=old).expect(10)
    r.expect_text("0004_d\tdown part stored (no file here)", "0003_c\tdown part stored (no file here)", where="out")
    r = t.pgboot("rollback", "--to-files", "--confirm", project=old).expect(0)
    check(_versions(t) == ["0001", "0002"], "the newer release's migrations rolled back", t.history(), r)
    check(not t.table_exists("d") and not t.table_exists("c") and t.table_exists("b"), "their down parts ran", r)
    t.pgboot("migrate", project=old).expect(0, "up to date", where="err")


def test_rollback_to_files_refuses_an_older_missing_file(t):
    """--to-files undoes a newer release only: an older migration whose file is gone is drift (5), nothing rolled back."""
    _migrated(t, {**FILES, "0004_d.sql": "CREATE TABLE d (id int);\n-- pgboot:down\nDROP TABLE d;\n"})
    gap = t.project(migrations={k: v for k, v in FILES.items() if k != "0002_b.sql"})
    for args in (["--to-files"], ["--to-files", "--confirm"]):
        t.pgboot("rollback", *args, project=gap).expect(5, "0002", "missing", where="err")
    check(_versions(t) == ["0001", "0002", "0003", "0004"], "nothing rolled back", t.history())


def test_rollback_then_migrate_same_schema(t):
    files = {**FILES,
             "0004_cols.sql": "ALTER TABLE a ADD COLUMN name text NOT NULL DEFAULT '';\nCREATE INDEX a_name ON a (name);\n"
                              "-- pgboot:down\nDROP INDEX a_name;\nALTER TABLE a DROP COLUMN name;\n",
             "0005_view.sql": "BEGIN;\nCREATE VIEW v AS SELECT id FROM a;\nCOMMIT;\n-- pgboot:down\nBEGIN;\nDROP VIEW v;\nCOMMIT;\n"}
    p = _migrated(t, files)
    before = _schema(t)
    r = t.pgboot("rollback", "--steps", "3", "--confirm", project=p).expect(0)
    check(_schema(t) != before and _versions(t) == ["0001", "0002"], "rolled back", _schema(t), r)
    t.pgboot("migrate", project=p).expect(0)
    check(_schema(t) == before, "the same schema again", before, _schema(t))


def test_rollback_runs_checks_but_pending(t):
    """Verify runs after a rollback without the pending check (pending files are the point); a user check can fail it."""
    p = _migrated(t)
    t.pgboot("rollback", "--confirm", project=p).expect(0, "verified: 1 check passed", where="err")
    p.write("verify", "c_exists.sql", "SELECT 1 WHERE to_regclass('c') IS NULL;\n")
    t.pgboot("migrate", project=p).expect(0)
    r = t.pgboot("rollback", "--confirm", project=p).expect(4, "c_exists.sql")
    check(_versions(t) == ["0001", "0002"], "rolled back before the checks ran", t.history(), r)
    t.pgboot("migrate", project=p).expect(0)
    t.pgboot("rollback", "--confirm", "--no-verify", project=p).expect(0)


def test_rollback_waits_for_migration_lock(t):
    """Under the same advisory lock as migrate: a rollback waits for the holder, then rolls back."""
    p = _migrated(t)
    key = lock_key(t.db, "public.pgboot_migrations")
    app = t.hold("SELECT pg_advisory_lock(%d)" % key,
                 ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                           "AND objid = (%d & 4294967295)::oid" % key)
    t.pgboot("rollback", "--confirm", "--lock-timeout", "1s", project=p).expect(75)
    check(_versions(t) == ["0001", "0002", "0003"], "nothing rolled back", t.history())
    proc = t.spawn("rollback", "--confirm", "--lock-timeout", "20s", project=p)
    proc.wait_for_text("waiting for the migration lock", timeout=10)
    t.release(app)
    r = proc.wait(20).expect(0)
    check(_versions(t) == ["0001", "0002"], "rolled back after the lock was released", t.history(), r)


def test_rollback_lock_mode_transaction(t):
    p = _migrated(t)
    r = t.pgboot("rollback", "--steps", "2", "--confirm", "--lock-mode", "transaction", project=p)
    r.expect(0, "committed the run's transaction: rolled back 2 migrations", where="err")
    check(_versions(t) == ["0001"], "rolled back", t.history(), r)


def test_status_shows_what_can_be_rolled_back(t):
    p = _migrated(t, {"0001_a.sql": "CREATE TABLE a (id int);\n",
                      "0002_b.sql": "CREATE TABLE b (id int);\n-- pgboot:down\nDROP TABLE b;\n"})
    r = t.pgboot("status", project=p).expect(0)
    lines = {l.split()[1]: l.split() for l in r.out.splitlines() if l.startswith("migration")}
    # KIND VERSION NAME STATE APPLIED-AT MS CHECKSUM DOWN LOCKS
    check(lines["0001"][7] == "no" and lines["0002"][7] == "yes", "the DOWN column", r)
    items = {i["version"]: i for i in json.loads(t.pgboot("status", "--json", project=p).expect(0).out)["items"]}
    check(items["0001"]["can_roll_back"] is False and items["0002"]["can_roll_back"] is True, "can_roll_back", items)


def test_rollback_down_part_not_atomic_refused(t):
    """A down part with transaction control in its middle cannot be one transaction: 78 before anything runs."""
    p = _migrated(t, {**FILES, "0004_d.sql": "CREATE TABLE d (id int);\n-- pgboot:down\n"
                                              "DROP TABLE d;\nCOMMIT;\nBEGIN;\nSELECT 1;\n"})
    r = t.pgboot("rollback", "--steps", "2", "--confirm", project=p).expect(78, "0004_d.sql (down)", "atomically")
    check(_versions(t) == ["0001", "0002", "0003", "0004"] and t.table_exists("d"), "nothing rolled back", r)


def test_rollback_json_log(t):
    p = _migrated(t)
    r = t.pgboot("rollback", "--confirm", "--log-format", "json", project=p).expect(0)
    events = [e for e in r.json_lines() if e.get("event") == "migration_rolled_back"]
    check(len(events) == 1 and events[0].get("version") == "0003", "one migration_rolled_back event", r)


def test_rollback_and_migrate_concurrently(t):
    """A migrate and a rollback started together: the rollback waits for the migrate's lock, then
    rolls back what is newest then; both succeed."""
    files = {**FILES, "0004_slow.sql": "SELECT pg_sleep(1);\nCREATE TABLE d (id int);\n-- pgboot:down\nDROP TABLE d;\n"}
    p = _migrated(t, {k: v for k, v in files.items() if k != "0004_slow.sql"})
    p.write("migrations", "0004_slow.sql", files["0004_slow.sql"])
    mig = t.spawn("migrate", project=p)
    mig.wait_for_text("taking the migration lock", timeout=10)
    time.sleep(0.3)
    rb = t.spawn("rollback", "--confirm", project=p)
    r1, r2 = mig.wait(30).expect(0), rb.wait(30).expect(0)
    # it chose again under the lock: the migration applied while it waited is the newest one now
    r2.expect_text("rolled back migration 0004_slow", where="err")
    check(_versions(t) == ["0001", "0002", "0003"] and not t.table_exists("d"), "the rollback went second", r1, r2)


SLOW_DOWN = {**FILES, "0004_slow.sql": "CREATE TABLE d (id int);\n-- pgboot:down\nDROP TABLE d;\nSELECT pg_sleep(2);\n"}


def _wait_for_down(t):
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%DROP TABLE d;%' "
                                "AND wait_event = 'PgSleep'") == "1", what="the down part running")


def test_rollback_kill9_consistent(t):
    """kill -9 during a down part: the down part and the deletion of its row commit together or not at all."""
    p = _migrated(t, SLOW_DOWN)
    proc = t.spawn("rollback", "--steps", "2", "--confirm", project=p)
    _wait_for_down(t)
    proc.signal(signal.SIGKILL)
    proc.wait(10)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%DROP TABLE d;%' "
                                "AND pid <> pg_backend_pid()") == "0", what="the killed session's end")
    check(t.table_exists("d") == ("0004" in _versions(t)), "table and history agree", t.history())
    check(t.table_exists("c"), "0003 was not reached")
    t.pgboot("rollback", "--to", "0002", "--confirm", project=p).expect(0)
    check(_versions(t) == ["0001", "0002"] and not t.table_exists("c"), "a new run finishes the job", t.history())


def test_rollback_sigterm_during_down(t):
    """SIGTERM during a down part: the statement is cancelled, it stays applied, exit 143."""
    p = _migrated(t, SLOW_DOWN)
    proc = t.spawn("rollback", "--confirm", project=p)
    _wait_for_down(t)
    proc.signal(signal.SIGTERM)
    proc.wait(10).expect(143)
    check(_versions(t) == ["0001", "0002", "0003", "0004"] and t.table_exists("d"), "nothing rolled back", t.history())


def test_rollback_save_backup(t):
    """--save-backup with the real pg_dump: taken under the lock before the first down part, it restores
    the database as it was; without --confirm no backup is taken."""
    import os
    import subprocess
    pgbin = "/usr/lib/postgresql/15/bin"
    p = _migrated(t)
    t.psql("INSERT INTO c SELECT generate_series(1, 12)")
    env = {"PATH": pgbin + ":" + os.environ.get("PATH", "/usr/bin:/bin")}
    backup = t.path("rollback.dump")
    t.pgboot("rollback", "--save-backup", backup, project=p, env=env).expect(10)
    check(not os.path.exists(backup), "no backup without --confirm")
    r = t.pgboot("rollback", "--confirm", "--save-backup", backup, "--lock-mode", "transaction", project=p,
                 env=env).expect(0)
    check(r.err.index("saved the backup") < r.err.index("undid migration 0003_c"), "backup first", r)
    check(_versions(t) == ["0001", "0002"] and not t.table_exists("c"), "then rolled back", t.history(), r)
    fresh = t.new_database()
    subprocess.run([pgbin + "/pg_restore", "-h", t.server.sock, "-p", str(t.server.port), "-U", t.server.user,
                    "-d", fresh, backup], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(t.history(db=fresh) == [("migration", v, n) for v, n in (("0001", "a"), ("0002", "b"), ("0003", "c"))],
          "the backup holds the history before the rollback", t.history(db=fresh))
    check(t.psql("SELECT count(*) FROM c", db=fresh) == "12", "and the rows")


# ---- seeds after a rollback ---------------------------------------------------------

SEED_FILES = {
    "0001_a.sql": "CREATE TABLE a (id int);\n-- pgboot:down\nDROP TABLE a;\n",
    "0002_b.sql": "CREATE TABLE b (id int PRIMARY KEY);\n-- pgboot:down\nDROP TABLE b;\n",
}
SEEDS = {"0001_b_rows.sql": "INSERT INTO b VALUES (1), (2) ON CONFLICT DO NOTHING;\n"}


def _seeds(t):
    return [v for k, v, _ in t.history() if k == "seed"]


def test_rollback_removes_seeds_applied_after(t):
    """A seed applied after a rolled-back migration may have filled its tables: its row goes with the
    migration's, in the same transaction, and --with-test-data applies it again. A seed applied before
    every rolled-back migration stays."""
    p = t.project(migrations=dict(SEED_FILES), seeds=dict(SEEDS))
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    p.write("migrations", "0003_c.sql", "CREATE TABLE c (id int);\n-- pgboot:down\nDROP TABLE c;\n")
    t.pgboot("migrate", project=p).expect(0)
    r = t.pgboot("rollback", "--confirm", project=p).expect(0)
    r.expect_no_text("seed", where="err")
    check(_seeds(t) == ["0001"], "a seed applied before 0003 stays", t.history(), r)
    r = t.pgboot("rollback", project=p).expect(10)
    r.expect_text("0002_b\tdown part stored", "seed applied after it: 0001_b_rows", where="out")
    r = t.pgboot("rollback", "--confirm", project=p).expect(0, "removed seed 0001_b_rows from the history", where="err")
    check(_seeds(t) == [] and not t.table_exists("b"), "the seed's row went with 0002's", t.history(), r)
    t.pgboot("migrate", "--with-test-data", project=p).expect(0, "applied seed 0001_b_rows", where="err")
    check(t.psql("SELECT count(*) FROM b") == "2" and _seeds(t) == ["0001"], "the seed's data is back", t.history())


def test_rollback_seed_rows_go_with_the_first_down_part(t):
    """The seed's row is deleted in the transaction of the first down part of a migration applied before
    it (newest first): a failed down part keeps it; with --lock-mode transaction (one now() for every file
    of a run) a seed of the same run counts as applied after, and goes with the newest migration's."""
    files = {**SEED_FILES, "0003_c.sql": "CREATE TABLE c (id int);\n-- pgboot:down\nDROP TABLE c;\nDROP TABLE nope;\n"}
    p = t.project(migrations=files, seeds=dict(SEEDS))
    t.pgboot("migrate", "--with-test-data", "--lock-mode", "transaction", project=p).expect(0)
    r = t.pgboot("rollback", "--confirm", project=p).expect(3, "nope")
    check(_seeds(t) == ["0001"], "a failed down part keeps the seed's row", t.history(), r)
    p.write("migrations", "0003_c.sql", "CREATE TABLE c (id int);\n-- pgboot:down\nDROP TABLE c;\n")
    t.pgboot("rollback", "--confirm", "--use-file-down", project=p).expect(0, "removed seed 0001_b_rows", where="err")
    check(_seeds(t) == [] and t.table_exists("b"), "removed with the first down part, 0002 stays", t.history())
    t.pgboot("migrate", "--with-test-data", project=p).expect(0, "applied seed 0001_b_rows", where="err")
    check(t.psql("SELECT count(*) FROM b") == "2", "an idempotent seed applied again")


# ---- plan --rollback --------------------------------------------------------------

def test_plan_rollback_shows_the_plan(t):
    """plan --rollback is rollback's plan without --confirm, exit 0, changing nothing, whatever
    PGBOOT_CONFIRM says; --confirm is refused; --rollback belongs to plan only."""
    p = _migrated(t)
    r = t.pgboot("plan", "--rollback", "--steps", "2", project=p).expect(0)
    r.expect_text("would roll back 2 migrations", "0003_c\tdown part stored", "0002_b\tdown part stored", where="out")
    r = t.pgboot("plan", "--rollback", project=p, env={"PGBOOT_CONFIRM": "1"}).expect(0)
    r.expect_text("would roll back 1 migration ", where="out")
    t.pgboot("plan", "--rollback", "--to", "0001", project=p).expect(0, "0002_b", where="out")
    t.pgboot("plan", "--rollback", "--all", project=p).expect(0, "would roll back 3", where="out")
    t.pgboot("plan", "--rollback", "--to-files", project=p).expect(0, "nothing to roll back", where="out")
    check(_versions(t) == ["0001", "0002", "0003"], "nothing rolled back", t.history())
    t.pgboot("plan", "--rollback", "--confirm", project=p).expect(2, "--confirm")
    t.pgboot("plan", "--rollback", "--save-backup", t.path("x.dump"), project=p).expect(2, "--save-backup")
    t.pgboot("plan", "--rollback", "--with-test-data", project=p).expect(2, 'cannot be used with "plan --rollback"')
    t.pgboot("plan", "--steps", "2", project=p).expect(2, "cannot be used with command")
    t.pgboot("migrate", "--rollback", project=p).expect(2, "cannot be used with command")
    t.pgboot("rollback", "--rollback", project=p).expect(2, "cannot be used with command")
    t.pgboot("plan", "--rollback", "--all", "--steps", "1", project=p).expect(2, "cannot be used together")
    t.pgboot("plan", project=p).expect(0)


def _seeded_projects():
    ex = os.path.join(ROOT, "examples")
    dirs = [("morse", ROOT)] + [(n, os.path.join(ex, n)) for n in sorted(os.listdir(ex))]
    return [(n, d) for n, d in dirs if os.path.isdir(os.path.join(d, "seeds")) and os.path.isdir(os.path.join(d, "migrations"))]


def test_rollback_real_projects_seeds_apply_again(t):
    """Every real project with seeds: --with-test-data, rollback --steps 1 (the seeds, applied after the
    newest migration, are forgotten with it), then --with-test-data again: every seed recorded again and
    every table holding the rows it held (the seeds are idempotent)."""
    projects = _seeded_projects()
    check(len(projects) >= 2, "MORSE and the examples with seeds", projects)
    for name, d in projects:
        db = t.new_database()
        args = ["--migrations", os.path.join(d, "migrations"), "--no-verify"]
        seeded = ["--with-test-data", "--seeds", os.path.join(d, "seeds")]
        t.pgboot("migrate", *seeded, *args, url=t.url(db), timeout=120).expect(0)
        seeds = [v for k, v, _ in t.history(db=db) if k == "seed"]
        before = _row_counts_in(t, db)
        r = t.pgboot("rollback", "--confirm", *args, url=t.url(db), timeout=120).expect(0, "removed seed", where="err")
        check(not [k for k, _, _ in t.history(db=db) if k == "seed"], "%s: the seeds forgotten" % name, r)
        t.pgboot("migrate", *seeded, *args, url=t.url(db), timeout=120).expect(0)
        check([v for k, v, _ in t.history(db=db) if k == "seed"] == seeds, "%s: every seed recorded again" % name)
        after = _row_counts_in(t, db)
        check(after == before, "%s: the same rows as before" % name,
              {tb: (before.get(tb), after.get(tb)) for tb in set(before) | set(after) if before.get(tb) != after.get(tb)})


test_rollback_real_projects_seeds_apply_again.timeout = 300


def _row_counts_in(t, db):
    tables = t.psql("SELECT string_agg(quote_ident(schemaname) || '.' || quote_ident(relname), ' ' ORDER BY 1) "
                    "FROM pg_stat_user_tables WHERE relname <> 'pgboot_migrations'", db=db).split()
    return {tb: t.psql("SELECT count(*) FROM %s" % tb, db=db) for tb in tables}


def _nt_files(down):
    """0001 makes the gate table ok; 0002 a table with an index, its down part no-transaction."""
    return {"0001_ok.sql": "CREATE TABLE ok (x int);\n-- pgboot:down\nDROP TABLE ok;\n",
            "0002_e.sql": "CREATE TABLE e (id int);\nCREATE INDEX e_i ON e (id);\n-- pgboot:down\n"
                          "-- pgboot:no-transaction\n" + down}


def _progress(t, version):
    return t.psql("SELECT coalesce(progress::text, 'null') FROM pgboot_migrations WHERE version = '%s'" % version)


def test_rollback_no_transaction_down(t):
    """"-- pgboot:no-transaction" right after the down marker: the down part runs statement by statement
    (DROP INDEX CONCURRENTLY cannot run in a transaction), then its row is deleted."""
    p = _migrated(t, _nt_files("DROP INDEX CONCURRENTLY e_i;\nDROP TABLE e;\n"))
    r = t.pgboot("rollback", "--confirm", project=p).expect(0, "rolled back migration 0002_e", where="err")
    check(_versions(t) == ["0001"] and not t.table_exists("e"), "rolled back", t.history(), r)
    # the directive anywhere else in the down part is still refused
    p.write("migrations", "0003_x.sql", "SELECT 1;\n-- pgboot:down\nSELECT 1;\n-- pgboot:no-transaction\nSELECT 2;\n")
    t.pgboot("migrate", project=p).expect(78, "must be at the top")


FOREIGN_NT = {
    "goose": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY f_i ON f (id);\n"
             "-- +goose Down\nDROP INDEX CONCURRENTLY f_i;\n",
    "dbmate": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY f_i ON f (id);\n"
              "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY f_i;\n",
    "sql-migrate": "-- +migrate Up notransaction\nCREATE INDEX CONCURRENTLY f_i ON f (id);\n"
                   "-- +migrate Down notransaction\nDROP INDEX CONCURRENTLY f_i;\n",
}


def test_rollback_other_tools_no_transaction_downs(t):
    """Other tools' markers that run a down part without a transaction (goose's file-wide NO TRANSACTION,
    dbmate's "migrate:down transaction:false", sql-migrate's "Down notransaction") are kept with the
    stored down part: the rollback runs it as that tool would, with the file or without it."""
    for tool, text in FOREIGN_NT.items():
        t.psql("DROP TABLE IF EXISTS f; DROP TABLE IF EXISTS pgboot_migrations; CREATE TABLE f (id int)")
        files = {"0001_f.sql": text}
        p = t.project(migrations=files)
        t.pgboot("migrate", project=p).expect(0)
        r = t.pgboot("rollback", "--confirm", project=p).expect(0, "rolled back migration 0001_f", where="err")
        r.expect_no_text("differs", where="err")
        check(t.psql("SELECT count(*) FROM pg_class WHERE relname = 'f_i'") == "0", "%s: index dropped" % tool, r)
        t.pgboot("migrate", project=p).expect(0)
        r = t.pgboot("rollback", "--confirm", project=t.project(migrations={})).expect(0, where="err")
        check(t.psql("SELECT count(*) FROM pg_class WHERE relname = 'f_i'") == "0",
              "%s: index dropped without the file" % tool, r)


def test_rollback_no_transaction_down_resumes(t):
    """A no-transaction down part that fails half-way: its row records -2 - k, status shows it, migrate
    refuses 5, and a second rollback runs it again from the start (its committed statements are safe
    to repeat) and deletes the row."""
    p = _migrated(t, _nt_files("DROP INDEX CONCURRENTLY IF EXISTS e_i;\nSELECT 1 / (SELECT count(*)::int FROM ok);\n"
                               "DROP TABLE e;\n"))
    r = t.pgboot("rollback", "--confirm", project=p).expect(3, "division by zero", "0002_e.sql (down):3")
    r.expect_text("run pgboot rollback again to finish", where="err")
    check(_progress(t, "0002") == "-3", "progress -2 - 1", t.history(), r)
    check(t.psql("SELECT count(*) FROM pg_class WHERE relname = 'e_i'") == "0" and t.table_exists("e"),
          "the first statement committed, the third never ran", r)
    r = t.pgboot("status", project=p).expect(0, "rolling back (1 done)")
    items = {i["version"]: i for i in json.loads(t.pgboot("status", "--json", project=p).expect(0).out)["items"]}
    check(items["0002"]["rolling_back"] == 1 and items["0001"]["rolling_back"] is None, "JSON rolling_back", items)
    t.pgboot("migrate", project=p).expect(5, "0002_e was rolled back half-way (1 statements of its down part committed)")
    t.pgboot("run", "--", "true", project=p).expect(5, "run pgboot rollback again to finish")
    t.psql("INSERT INTO ok VALUES (1)")
    r = t.pgboot("rollback", "--confirm", project=p).expect(0, "stopped half-way before", "rolled back migration 0002_e",
                                                             where="err")
    check(_versions(t) == ["0001"] and not t.table_exists("e"), "finished, its row deleted", t.history(), r)


def test_rollback_no_transaction_down_unsafe_rerun(t):
    """A half-done down part whose committed statements are not safe to run twice: 5, nothing run."""
    p = _migrated(t, _nt_files("DROP INDEX CONCURRENTLY e_i;\nSELECT 1 / (SELECT count(*)::int FROM ok);\n"
                               "DROP TABLE e;\n"))
    t.pgboot("rollback", "--confirm", project=p).expect(3, "division by zero")
    t.psql("INSERT INTO ok VALUES (1)")
    r = t.pgboot("rollback", "--confirm", project=p).expect(5, "0002_e.sql (down)", "half applied")
    check(_progress(t, "0002") == "-3" and t.table_exists("e"), "nothing ran", t.history(), r)
