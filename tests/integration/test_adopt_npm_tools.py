"""Adoption of histories written by the other tools themselves, from npm
(scripts/install-deps.sh npmtools): `dbmate up` and `node-pg-migrate up` build
a database, then `pgboot migrate --adopt` takes it over and applies only the
newer files. And coexistence: the other tool and pgboot started together.

node-pg-migrate takes an advisory lock (7241865325823964, pg_try_advisory_lock:
a second runner fails at once) that pgboot also holds while it adopts and
migrates: the two never both migrate. dbmate takes no lock on PostgreSQL
(pkg/dbmate/db.go, pkg/driver/postgres/postgres.go): pgboot's adoption takes
dbmate's table in SHARE mode and reads it again under it, so a dbmate
migration whose row is inserted but not yet committed is waited for and
adopted, never run twice; a dbmate migration still running its SQL (no row
yet) is not seen (README: stop the old image's dbmate during the cut-over)."""
import os
import time

import npmtools
from harness import check

DBMATE_FILES = {
    "20240101000001_create_users.sql":
        "-- migrate:up\nCREATE TABLE users (id bigserial PRIMARY KEY, handle text NOT NULL UNIQUE);\n"
        "CREATE TABLE runs (version text NOT NULL, at timestamptz NOT NULL DEFAULT now());\n"
        "INSERT INTO runs (version) VALUES ('1');\n\n-- migrate:down\nDROP TABLE runs;\nDROP TABLE users;\n",
    "20240101000002_create_posts.sql":
        "-- migrate:up\nCREATE TABLE posts (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id));\n"
        "INSERT INTO runs (version) VALUES ('2');\n\n-- migrate:down\nDROP TABLE posts;\n",
}
DBMATE_NEW = ("20240101000003_add_post_title.sql",
              "-- migrate:up\nALTER TABLE posts ADD COLUMN title text NOT NULL DEFAULT '';\n"
              "INSERT INTO runs (version) VALUES ('3');\n\n-- migrate:down\nALTER TABLE posts DROP COLUMN title;\n")


def _dbmate_project(t, files):
    p = t.project()
    d = os.path.join(p.dir, "db", "migrations")
    os.makedirs(d)
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return p, d


def _dbmate(t, p, *args, db=None):
    # lib/pq asks for TLS unless told not to; the test server has none
    env = {"DATABASE_URL": t.url(db, query={"sslmode": "disable"})}
    return npmtools.run(t, "dbmate", "--no-dump-schema", *args, cwd=p.dir, env=env, db=db)


def _runs(t, db=None):
    return t.psql("SELECT string_agg(version, ',' ORDER BY version) FROM runs", db=db)


def test_dbmate_history_adopted(t):
    npmtools.need("dbmate")
    p, d = _dbmate_project(t, DBMATE_FILES)
    npmtools.expect(_dbmate(t, p, "up"), 0, "Applied: 20240101000002_create_posts.sql")
    # dbmate's own format (peers.md): public.schema_migrations (version varchar PRIMARY KEY), the leading digits
    cols = t.psql("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) "
                  "FROM pg_attribute WHERE attrelid = 'public.schema_migrations'::regclass AND attnum > 0")
    check(cols == "version character varying", "dbmate 2.36's table: one varchar version column", cols)
    check(t.psql("SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations") ==
          "20240101000001,20240101000002", "dbmate's rows: the versions")
    check(t.psql("SELECT count(*) FROM pg_index WHERE indrelid = 'schema_migrations'::regclass AND indisprimary")
          == "1", "version is the primary key")
    theirs = t.psql("SELECT version FROM schema_migrations ORDER BY version")
    with open(os.path.join(d, DBMATE_NEW[0]), "w") as f:
        f.write(DBMATE_NEW[1])
    r = t.pgboot("migrate", "--adopt", "--migrations", d, project=p)
    r.expect(0, "adopted 2 migrations applied by dbmate", where="err")
    check(_runs(t) == "1,2,3", "pgboot ran only the new file", _runs(t), r)
    hist = t.psql("SELECT version, applied_by LIKE 'adopted from dbmate%' FROM pgboot_migrations "
                  "WHERE kind = 'migration' ORDER BY version")
    check(hist == "20240101000001|t\n20240101000002|t\n20240101000003|f", "pgboot's history", hist)
    check(t.psql("SELECT version FROM schema_migrations ORDER BY version") == theirs, "dbmate's table untouched")
    t.pgboot("migrate", "--adopt", "--migrations", d, project=p).expect(0, "up to date").expect_no_text("adopted")
    # pgboot rolls back the newest with the down part dbmate's file has
    t.pgboot("rollback", "--confirm", "--migrations", d, project=p).expect(0)
    check(t.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'posts' "
                 "AND column_name = 'title'") == "0", "the down part ran")


test_dbmate_history_adopted.timeout = 120

NPM_FILES = {
    "1700000000000_create-users.sql":
        "-- Up Migration\nCREATE TABLE users (id bigserial PRIMARY KEY, handle text NOT NULL UNIQUE);\n"
        "CREATE TABLE runs (version text NOT NULL, at timestamptz NOT NULL DEFAULT now());\n"
        "INSERT INTO runs (version) VALUES ('1');\n\n-- Down Migration\nDROP TABLE runs;\nDROP TABLE users;\n",
    "1700000100000_create-posts.sql":
        "-- Up Migration\nCREATE TABLE posts (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id));\n"
        "INSERT INTO runs (version) VALUES ('2');\n\n-- Down Migration\nDROP TABLE posts;\n",
}
NPM_NEW = ("1700000200000_add-post-title.sql",
           "-- Up Migration\nALTER TABLE posts ADD COLUMN title text NOT NULL DEFAULT '';\n"
           "INSERT INTO runs (version) VALUES ('3');\n\n-- Down Migration\nALTER TABLE posts DROP COLUMN title;\n")


def _npm_project(t, files):
    p = t.project(migrations=files)
    return p


def _npm_up(t, p, db=None):
    return npmtools.run(t, "node-pg-migrate", "up", "-m", p.migrations, cwd=p.dir, db=db)


def test_node_pg_migrate_history_adopted(t):
    npmtools.need("node-pg-migrate")
    p = _npm_project(t, NPM_FILES)
    npmtools.expect(_npm_up(t, p), 0, "MIGRATION 1700000100000_create-posts (UP)")
    # its format (peers.md): public.pgmigrations (id serial, name varchar(255), run_on timestamp)
    cols = t.psql("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) "
                  "FROM pg_attribute WHERE attrelid = 'public.pgmigrations'::regclass AND attnum > 0")
    check(cols == "id integer, name character varying(255), run_on timestamp without time zone",
          "node-pg-migrate's table", cols)
    names = t.psql("SELECT string_agg(name, ',' ORDER BY id) FROM pgmigrations")
    check(names == "1700000000000_create-users,1700000100000_create-posts", "names without .sql", names)
    snapshot = t.psql("SELECT id, name, run_on FROM pgmigrations ORDER BY id")
    p.write("migrations", *NPM_NEW)
    r = t.pgboot("migrate", "--adopt", project=p)
    r.expect(0, "adopted 2 migrations applied by node-pg-migrate", where="err")
    check(_runs(t) == "1,2,3", "pgboot ran only the new file", _runs(t), r)
    at = t.psql("SELECT bool_and(h.applied_at = n.run_on AT TIME ZONE current_setting('TimeZone')) "
                "FROM pgboot_migrations h JOIN pgmigrations n ON n.name LIKE h.version || '\\_%'")
    check(at == "t", "adopted rows keep node-pg-migrate's run_on", at)
    check(t.psql("SELECT id, name, run_on FROM pgmigrations ORDER BY id") == snapshot, "its table untouched")
    t.pgboot("migrate", "--adopt", project=p).expect(0, "up to date").expect_no_text("adopted")


test_node_pg_migrate_history_adopted.timeout = 120


def _waiting_for_advisory(t, key, db=None):
    return t.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %d"
                  % key, db=db) != "0"


NPM_KEY = 7241865325823964


def _holds_key(t, key, db=None):
    return t.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %d "
                  "AND objid = %d AND objsubid = 1" % (key >> 32, key & 0xffffffff), db=db) != "0"


def test_node_pg_migrate_and_pgboot_never_both_migrate(t):
    """The cut-over with node-pg-migrate: the old image (node-pg-migrate, files
    1-3, 3 pending and slow) and the new image (pgboot --adopt, files 1-4)
    start together. Whoever takes node-pg-migrate's key 7241865325823964
    first migrates; the other never runs a migration: pgboot waits for the key
    and adopts 1-3, or node-pg-migrate (fail mode, pg_try_advisory_lock)
    exits "Another migration is already running" while pgboot holds it.
    Each migration runs exactly once."""
    npmtools.need("node-pg-migrate")
    slow3 = ("1700000200000_slow-posts-title.sql",
             "-- Up Migration\nSELECT pg_sleep(1);\nALTER TABLE posts ADD COLUMN title text;\n"
             "INSERT INTO runs (version) VALUES ('3');\n\n-- Down Migration\nALTER TABLE posts DROP COLUMN title;\n")
    slow4 = ("1700000300000_slow-posts-body.sql",
             "-- Up Migration\nSELECT pg_sleep(2);\nALTER TABLE posts ADD COLUMN body text;\n"
             "INSERT INTO runs (version) VALUES ('4');\n\n-- Down Migration\nALTER TABLE posts DROP COLUMN body;\n")
    for tool_first in (True, False):
        db = t.new_database()
        old = _npm_project(t, NPM_FILES)
        npmtools.expect(_npm_up(t, old, db=db), 0)
        old.write("migrations", *slow3)
        new = _npm_project(t, dict(NPM_FILES, **{slow3[0]: slow3[1], slow4[0]: slow4[1]}))
        if tool_first:
            tool = npmtools.spawn(t, "node-pg-migrate", "up", "-m", old.migrations, cwd=old.dir, db=db)
            t.wait_until(lambda: _holds_key(t, NPM_KEY, db), 20, "node-pg-migrate holding its key")
            pg = t.spawn("migrate", "--adopt", project=new, url=t.url(db))
        else:
            pg = t.spawn("migrate", "--adopt", project=new, url=t.url(db))
            t.wait_until(lambda: _holds_key(t, NPM_KEY, db), 20, "pgboot holding node-pg-migrate's key")
            tool = npmtools.spawn(t, "node-pg-migrate", "up", "-m", old.migrations, cwd=old.dir, db=db)
        rt, rp = tool.wait(60), pg.wait(60)
        check(_runs(t, db) == "1,2,3,4", "every migration ran exactly once", _runs(t, db), rt, rp)
        rp.expect(0)
        if tool_first:
            npmtools.expect(rt, 0, "MIGRATION 1700000200000_slow-posts-title (UP)")
            rp.expect_text("adopted 3 migrations applied by node-pg-migrate", "applied migration 1700000300000")
        else:
            npmtools.expect(rt, 1, "Another migration is already running")
            rp.expect_text("adopted 2 migrations applied by node-pg-migrate", "applied migration 1700000200000",
                           "applied migration 1700000300000")
        n = t.psql("SELECT count(*) FROM pgboot_migrations WHERE kind = 'migration'", db=db)
        check(n == "4", "pgboot's history holds the four", n)


test_node_pg_migrate_and_pgboot_never_both_migrate.timeout = 180


def test_dbmate_inserting_is_waited_for_and_adopted(t):
    """dbmate keeps no lock: pgboot's adoption takes schema_migrations in SHARE
    mode and reads it again under it. dbmate is held (by a trigger the test
    puts on its table) after inserting its row for 0002 and before its
    commit; pgboot --adopt started then waits, adopts 0001 and 0002 once dbmate
    commits, and runs nothing twice."""
    npmtools.need("dbmate")
    first = dict(list(DBMATE_FILES.items())[:1])
    p, d = _dbmate_project(t, first)
    npmtools.expect(_dbmate(t, p, "up"), 0)
    with open(os.path.join(d, "20240101000002_create_posts.sql"), "w") as f:
        f.write(DBMATE_FILES["20240101000002_create_posts.sql"])
    t.psql("CREATE FUNCTION hold_dbmate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           "PERFORM pg_advisory_lock(4242); PERFORM pg_advisory_unlock(4242); RETURN NEW; END $$;"
           "CREATE TRIGGER hold AFTER INSERT ON schema_migrations FOR EACH ROW EXECUTE FUNCTION hold_dbmate()")
    gate = t.hold("SELECT pg_advisory_lock(4242)")
    tool = npmtools.spawn(t, "dbmate", "--no-dump-schema", "up", cwd=p.dir,
                          env={"DATABASE_URL": t.url(query={"sslmode": "disable"})})
    t.wait_until(lambda: _waiting_for_advisory(t, 4242), 20, "dbmate held after its insert")
    pg = t.spawn("migrate", "--adopt", "--migrations", d, project=p)
    time.sleep(0.5)
    check(pg.poll() is None, "pgboot waits for dbmate's transaction", pg.stderr_so_far())
    t.release(gate)
    npmtools.expect(tool.wait(30), 0)
    pg.wait(30).expect(0, "adopted 2 migrations applied by dbmate", where="err")
    check(_runs(t) == "1,2", "0002 ran once, by dbmate", _runs(t))
    check(t.psql("SELECT count(*) FROM pgboot_migrations WHERE applied_by LIKE 'adopted from dbmate%'") == "2",
          "both adopted")


test_dbmate_inserting_is_waited_for_and_adopted.timeout = 120


def test_dbmate_and_pgboot_started_together(t):
    """What pgboot gives against dbmate, which takes no lock: dbmate and
    pgboot --adopt started together on a database dbmate manages, a slow new
    migration pending for both, three rounds (the last with dbmate a little
    ahead, inside its migration's transaction when pgboot adopts). Both may
    start the migration; it conflicts with itself ("posts" already exists),
    so PostgreSQL lets exactly one commit it and the other fails: pgboot
    (exit 3, naming the file, dbmate's row not adopted: its history holds the
    adoption only, as README says: once pgboot manages the database their
    table is not read again) or dbmate (pgboot applied it). pgboot never
    writes dbmate's table. A migration that does not conflict with itself
    would run twice: stop the old image's dbmate for the cut-over."""
    npmtools.need("dbmate")
    slow = ("20240101000002_slow_posts.sql",
            "-- migrate:up\nSELECT pg_sleep(1);\nCREATE TABLE posts (id bigserial PRIMARY KEY);\n"
            "INSERT INTO runs (version) VALUES ('2');\n\n-- migrate:down\nDROP TABLE posts;\n")
    first = dict(list(DBMATE_FILES.items())[:1])
    outcomes = []
    for i in range(3):
        db = t.new_database()
        p, d = _dbmate_project(t, first)
        npmtools.expect(_dbmate(t, p, "up", db=db), 0)
        with open(os.path.join(d, slow[0]), "w") as f:
            f.write(slow[1])
        env = {"DATABASE_URL": t.url(db, query={"sslmode": "disable"})}
        tool = npmtools.spawn(t, "dbmate", "--no-dump-schema", "up", cwd=p.dir, env=env, db=db)
        if i == 2:
            time.sleep(0.4)
        pg = t.spawn("migrate", "--adopt", "--migrations", d, project=p, url=t.url(db))
        rt, rp = tool.wait(60), pg.wait(60)
        check(_runs(t, db) == "1,2", "the migration's effect committed once (round %d)" % i, _runs(t, db), rt, rp)
        check((rt.code == 0) != (rp.code == 0), "exactly one of them applied it (round %d)" % i, rt, rp)
        theirs = t.psql("SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations", db=db)
        ours = t.psql("SELECT string_agg(version, ',' ORDER BY version) FROM pgboot_migrations "
                      "WHERE kind = 'migration'", db=db)
        if rp.code == 0:
            npmtools.expect(rt, rt.code, "already exists")
            check(theirs == "20240101000001" and ours == "20240101000001,20240101000002",
                  "pgboot applied it, dbmate's attempt rolled back", theirs, ours)
            outcomes.append("pgboot")
        else:
            rp.expect(3, slow[0], "already exists", where="err")
            check(theirs == "20240101000001,20240101000002" and ours == "20240101000001",
                  "dbmate applied it; pgboot adopted what was committed before", theirs, ours)
            outcomes.append("dbmate")
    t.note("# dbmate/pgboot started together: who applied the migration in each round: %s" % outcomes)


test_dbmate_and_pgboot_started_together.timeout = 120
