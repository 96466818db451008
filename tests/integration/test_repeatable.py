"""Flyway's repeatable (R__) migrations: applied after every pending versioned one,
ordered by description, each in its own transaction with its row in
pgboot_migrations_repeatables (beside the history, which keeps only the kinds an
older pgboot reads); unchanged they are not run again, changed they are (alone);
a failing one exits 3 naming file:line with what ran before it committed."""
import hashlib
import json
import os

from harness import check

MAIN = "db/migration"
EXTRA = "db/extra"
ARGS = ("--layout", "flyway", "--migrations", "%s:%s" % (MAIN, EXTRA))
REPS = "pgboot_migrations_repeatables"


def _write(p, loc, rel, text):
    path = os.path.join(p.dir, loc, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write(text)


def _rows(t):
    """{name: (checksum, applied_at)}"""
    out = t.psql("SELECT name, checksum, applied_at::text FROM %s ORDER BY name" % REPS)
    return {line.split("|")[0]: tuple(line.split("|")[1:]) for line in out.splitlines() if line}


def test_repeatables_apply_after_versions_and_again_when_changed(t):
    p = t.project()
    _write(p, MAIN, "V1__users.sql", "CREATE TABLE users (id int PRIMARY KEY, name text);\n")
    _write(p, EXTRA, "V2__email.sql", "ALTER TABLE users ADD COLUMN email text;\n")
    # b needs a (ordered by description, whichever location), and both need V2's column
    top = "CREATE OR REPLACE VIEW top_users AS SELECT name, email FROM base_users;\r\n"
    _write(p, MAIN, "R__b_top.sql", top)
    _write(p, EXTRA, "R__a_base.sql", "CREATE OR REPLACE VIEW base_users AS SELECT name, email FROM users;\n")

    r = t.pgboot("plan", *ARGS, project=p).expect(0, "would apply 4 files", "db/extra/R__a_base.sql",
                                                  "db/migration/R__b_top.sql")
    r = t.pgboot("status", *ARGS, project=p).expect(0, "2 repeatable migrations, 2 to apply")
    check(t.psql("SELECT to_regclass('%s') IS NULL" % REPS) == "t", "status creates nothing")

    r = t.pgboot("migrate", *ARGS, project=p).expect(0)
    order = [r.err.find(s) for s in ("migration 1_users", "migration 2_email", "repeatable migration R_a base",
                                     "repeatable migration R_b top")]
    check(-1 not in order and order == sorted(order), "V's, then the R's by description", r.err)
    check(t.psql("SELECT count(*) FROM top_users") == "0", "the views exist")
    check(t.psql("SELECT DISTINCT kind FROM pgboot_migrations") == "migration",
          "the history holds only kinds an older pgboot reads")
    rows = _rows(t)
    check(sorted(rows) == ["a base", "b top"], "a row per repeatable, named by description", rows)
    check(rows["b top"][0] == hashlib.sha256(top.replace("\r\n", "\n").encode()).hexdigest(),
          "the checksum is the file's SHA-256, CRLF folded", rows)

    # a re-run is a no-op
    t.pgboot("migrate", *ARGS, project=p).expect(0, "up to date").expect_no_text("repeatable migration")
    check(_rows(t) == rows, "nothing re-applied", _rows(t))
    st = json.loads(t.pgboot("status", "--json", *ARGS, project=p).expect(0).out)
    check([(x["name"], x["state"]) for x in st["repeatables"]] == [("a base", "applied"), ("b top", "applied")],
          "status --json shows them applied", st)

    # b changed: shown changed, planned alone, re-applied alone
    _write(p, MAIN, "R__b_top.sql", "CREATE OR REPLACE VIEW top_users AS SELECT name, email, 1 AS one FROM base_users;\n")
    t.pgboot("status", *ARGS, project=p).expect(0, "changed (re-applies)", "2 repeatable migrations, 1 to apply")
    t.pgboot("plan", *ARGS, project=p).expect(0, "would apply 1 file", "R__b_top.sql (changed)") \
        .expect_no_text("R__a_base.sql")
    # --skip-migrate waits for it too
    t.pgboot("run", "--skip-migrate", "--wait-timeout", "300ms", *ARGS, "--", "true", project=p) \
        .expect(69, "1 migration still pending")
    r = t.pgboot("migrate", *ARGS, project=p).expect(0, "applied repeatable migration R_b top") \
        .expect_no_text("R_a base")
    after = _rows(t)
    check(after["a base"] == rows["a base"] and after["b top"] != rows["b top"], "only b re-applied", rows, after)
    check(t.psql("SELECT one FROM top_users UNION ALL SELECT 1 LIMIT 1") == "1", "the new view")

    # a failing repeatable: exit 3 naming file:line; the new V before it stays committed
    _write(p, EXTRA, "V3__age.sql", "ALTER TABLE users ADD COLUMN age int;\n")
    _write(p, MAIN, "R__c_bad.sql", "SELECT 1;\nSELECT nope FROM users;\n")
    t.pgboot("migrate", *ARGS, project=p).expect(3, "db/migration/R__c_bad.sql:2:8", '"nope"')
    check("3" in [v for _, v, _ in t.history()], "V3 committed", t.history())
    check("c bad" not in _rows(t), "the failed repeatable has no row", _rows(t))
    st = json.loads(t.pgboot("status", "--json", *ARGS, project=p).expect(0).out)
    check([x["state"] for x in st["repeatables"]] == ["applied", "applied", "pending"], "c pending", st)

    # reset: what the repeatables made went with the versions under them: their rows go, they apply again;
    # reset --drop-history drops the repeatables' table too
    os.remove(os.path.join(p.dir, MAIN, "R__c_bad.sql"))
    _write(p, MAIN, "U3__age.sql", "ALTER TABLE users DROP COLUMN age CASCADE;\n")
    _write(p, EXTRA, "U2__email.sql", "ALTER TABLE users DROP COLUMN email CASCADE;\n")
    _write(p, MAIN, "U1__users.sql", "DROP TABLE users CASCADE;\n")
    t.pgboot("reset", "--confirm", "--use-file-down", *ARGS, project=p).expect(0)
    check(_rows(t) == {}, "reset deleted the repeatables' rows", _rows(t))
    t.pgboot("migrate", *ARGS, project=p).expect(0, "applied repeatable migration R_a base")
    t.pgboot("reset", "--confirm", "--drop-history", "--use-file-down", *ARGS, project=p).expect(0)
    check(t.psql("SELECT to_regclass('%s') IS NULL AND to_regclass('pgboot_migrations') IS NULL" % REPS) == "t",
          "both tables dropped")
    t.pgboot("migrate", *ARGS, project=p).expect(0, "applied repeatable migration R_b top")


def test_repeatables_refused_as_flyway_refuses_them(t):
    p = t.project()
    _write(p, MAIN, "V1__init.sql", "CREATE TABLE a (id int);\n")
    _write(p, MAIN, "R__views.sql", "CREATE VIEW v AS SELECT 1;\n")
    _write(p, EXTRA, "R__views.sql", "CREATE VIEW v AS SELECT 2;\n")
    t.pgboot("status", *ARGS, project=p).expect(78, 'duplicate Flyway repeatable migration "views"')
    os.remove(os.path.join(p.dir, EXTRA, "R__views.sql"))
    _write(p, EXTRA, "R__p.sql", "SELECT '${flyway:user}';\n")
    t.pgboot("status", *ARGS, project=p).expect(78, 'placeholder "${flyway:user}"', "db/extra/R__p.sql", "line 1")
    # a project without R files never reads the table: one that cannot be read is no obstacle
    os.remove(os.path.join(p.dir, EXTRA, "R__p.sql"))
    os.remove(os.path.join(p.dir, MAIN, "R__views.sql"))
    t.psql("CREATE VIEW %s AS SELECT (1/0)::text AS name, ''::text AS checksum, now() AS applied_at, "
           "0 AS duration_ms" % REPS)
    t.pgboot("migrate", *ARGS, project=p).expect(0)
    t.pgboot("migrate", *ARGS, project=p).expect(0, "up to date")
    t.pgboot("status", *ARGS, project=p).expect(0).expect_no_text("repeatable")
    # with one, it is read (and the broken table named)
    _write(p, MAIN, "R__views.sql", "CREATE VIEW v AS SELECT 1;\n")
    t.pgboot("migrate", *ARGS, project=p).expect_text("division by zero", "pgboot_migrations_repeatables")

    # --dry-run lists it; --lock-mode transaction applies it in the run's transaction, beside another history table
    q = t.project()
    _write(q, MAIN, "V1__t.sql", "CREATE TABLE t (id int);\n")
    _write(q, MAIN, "R__t_view.sql", "CREATE OR REPLACE VIEW tv AS SELECT * FROM t;\n")
    args = ("--layout", "flyway", "--migrations", MAIN, "--history-table", "other_history")
    t.pgboot("migrate", "--dry-run", *args, project=q).expect(0, "would apply 2 files", "R__t_view.sql")
    t.pgboot("migrate", "--lock-mode", "transaction", *args, project=q) \
        .expect(0, "ran repeatable migration R_t view",
                "committed the run's transaction: applied 1 migration and 1 repeatable migration")
    check(t.psql("SELECT name FROM other_history_repeatables") == "t view", "its row beside other_history")
    t.pgboot("migrate", *args, project=q).expect(0, "up to date")


def test_repeatables_are_linted_when_they_would_apply(t):
    """A repeatable migration is linted like the others, after the versioned ones (what they create
    counts as created here): by `pgboot lint` online (only those that would apply: new or changed)
    and offline (all of them), and in the preflight of migrate, where --lint error refuses it (6,
    nothing applied)."""
    t.psql("CREATE TABLE big (id int, name text); ANALYZE big; "
           "UPDATE pg_class SET reltuples = 5000000, relpages = 50000 WHERE oid = 'big'::regclass")
    p = t.project()
    _write(p, MAIN, "V1__t.sql", "CREATE TABLE made (id int);\n")
    _write(p, EXTRA, "V2__u.sql", "ALTER TABLE made ADD COLUMN u int;\n")
    _write(p, MAIN, "R__idx.sql", "CREATE INDEX IF NOT EXISTS made_id ON made (id);\n"
                                  "CREATE INDEX IF NOT EXISTS big_name ON big (name);\n")
    r = t.pgboot("lint", "--json", "--lint-level", "info", *ARGS, project=p).expect(6)
    got = [(f["file"], f["line"], f["grade"]) for f in json.loads(r.out)["findings"]]
    check(got == [("db/migration/R__idx.sql", 1, "info"), ("db/migration/R__idx.sql", 2, "error")],
          "the R__ file linted: made is created by V1, big is large", got)
    r = t.pgboot("lint", "--offline", *ARGS, project=p, url=None).expect(6, "R__idx.sql:2:1: warning", where="out")
    t.pgboot("migrate", "--lint", "error", *ARGS, project=p).expect(6, "R__idx.sql:2:1: error",
                                                                     "nothing applied", where="err")
    check(t.psql("SELECT to_regclass('made') IS NULL") == "t", "nothing applied")
    t.pgboot("migrate", *ARGS, project=p).expect(0, "repeatable migration R_idx", where="err")
    # applied and unchanged: nothing to lint; changed: linted again
    t.pgboot("lint", *ARGS, project=p).expect(0, "lint: 0 files", where="out")
    _write(p, MAIN, "R__idx.sql", "CREATE INDEX IF NOT EXISTS big_name2 ON big (name);\n")
    t.psql("UPDATE pg_class SET reltuples = 5000000 WHERE oid = 'big'::regclass")  # the index build counted 0
    t.pgboot("lint", *ARGS, project=p).expect(6, "R__idx.sql:1:1: error", where="out")
