"""--layout flyway: a Flyway project read as flyway-core reads it (two locations, a
subdirectory, versions split on '.' or '_' and ordered numerically, U files as
down parts, script config files, a CREATE INDEX CONCURRENTLY file run without a
transaction), applied by pgboot, equals the same files applied with psql in
Flyway's order; and what pgboot cannot run as Flyway would is refused (78)."""
import os

from harness import check
from test_pg_dump import schema_of

# (location, relative path, text) in the order Flyway applies the versions: 1, 1.1, 1.9, 1.10, 2, 3
MAIN = "db/migration"
EXTRA = "db/extra"
FILES = [
    (MAIN, "V1__create_users.sql", "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);\n"),
    (MAIN, "V1.1__add_email.sql", "ALTER TABLE users ADD COLUMN email text;\r\n"),
    (EXTRA, "V1_9__add_age.sql", "ALTER TABLE users ADD COLUMN age int;\n"),
    (MAIN, "sub/V1.10__add_nickname.sql", "ALTER TABLE users ADD COLUMN nickname text;\n"),
    (MAIN, "V2__orders.sql",
     "-- Flyway would replace ${this} unless the .conf says placeholderReplacement=false\n"
     "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));\n"
     "CREATE VIEW order_count AS SELECT user_id, count(*) AS n FROM orders GROUP BY user_id;\n"),
    (EXTRA, "V3__orders_user_index.sql", "CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);\n"),
]
OTHER = [
    (MAIN, "V2__orders.sql.conf", "# script config\nplaceholderReplacement = false\n"),
    (MAIN, "U2__orders.sql", "DROP VIEW order_count;\nDROP TABLE orders;\n"),
    (EXTRA, "U3__orders_user_index.sql", "DROP INDEX CONCURRENTLY orders_user;\n"),
    (MAIN, "README.md", "not a migration\n"),
    (MAIN, "notes.sql", "this is no Flyway name: Flyway ignores it, so does pgboot\n"),
]


def _write(root, files):
    for loc, rel, text in files:
        path = os.path.join(root, loc, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="") as f:
            f.write(text)


def _args(p, locations="%s:filesystem:%s" % (MAIN, EXTRA)):
    return ("--layout", "flyway", "--migrations", locations)


def test_flyway_project_applies_as_flyway_orders_it(t):
    p = t.project()
    _write(p.dir, FILES + OTHER)
    t.pgboot("migrate", *_args(p), project=p).expect(0)
    hist = sorted(v for _, v, _ in t.history())
    check(hist == sorted(["1", "1.1", "1.9", "1.10", "2", "3"]), "Flyway's version texts in the history", hist)
    check("add nickname" in t.psql("SELECT name FROM pgboot_migrations WHERE version = '1.10'"),
          "the description, '_' read as ' '")

    # the reference: each file with psql, in Flyway's order (V3 alone, outside a transaction)
    ref = t.new_database()
    for loc, rel, text in FILES:
        t.psql(text, db=ref)
    check(schema_of(t, t.db) == schema_of(t, ref), "pgboot's schema equals the psql reference")
    cols = t.psql("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                  "WHERE attrelid = 'users'::regclass AND attnum > 0")
    check(cols == "id,name,email,age,nickname", "1.9 before 1.10", cols)
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_user'::regclass") == "t",
          "the CONCURRENTLY index built")

    # a re-run is a no-op
    before = t.psql("SELECT string_agg(version || applied_at::text, ',' ORDER BY version) FROM pgboot_migrations")
    t.pgboot("migrate", *_args(p), project=p).expect(0)
    after = t.psql("SELECT string_agg(version || applied_at::text, ',' ORDER BY version) FROM pgboot_migrations")
    check(before == after, "a second run changes nothing", before, after)

    # rollback to 1.10: V3 (its U file, DROP INDEX CONCURRENTLY without a transaction), then V2 (U2)
    t.pgboot("rollback", "--to", "1.10", "--confirm", *_args(p), project=p).expect(0)
    check(t.psql("SELECT to_regclass('orders') IS NULL AND to_regclass('orders_user') IS NULL "
                 "AND to_regclass('order_count') IS NULL") == "t", "the U files undid V3 and V2")
    check(sorted(v for _, v, _ in t.history()) == sorted(["1", "1.1", "1.9", "1.10"]), "history after rollback",
          t.history())
    t.pgboot("migrate", *_args(p), project=p).expect(0)
    check(schema_of(t, t.db) == schema_of(t, ref), "re-applied after the rollback")

    # --layout auto finds Flyway's names
    t.pgboot("status", "--migrations", MAIN + ":" + EXTRA, project=p).expect(0, "as flyway's layout")


def _refused(t, files, *needles, locations=None, code=78):
    p = t.project()
    for loc in (MAIN, EXTRA):
        os.makedirs(os.path.join(p.dir, loc), exist_ok=True)
    _write(p.dir, files)
    args = _args(p) if locations is None else _args(p, locations)
    t.pgboot("status", *args, project=p).expect(code, *needles)
    return p


def test_flyway_refusals_name_the_file(t):
    v1 = (MAIN, "V1__init.sql", "CREATE TABLE a (id int);\n")
    # a placeholder, in a comment too: Flyway replaces it everywhere
    _refused(t, [v1, (EXTRA, "V2__p.sql", "CREATE TABLE b (id int);\n-- owner: ${flyway:user}\n")],
             'placeholder "${flyway:user}"', "db/extra/V2__p.sql", "line 2")
    # the same version twice, as Flyway compares them (1.0 is 1), across locations
    _refused(t, [v1, (EXTRA, "V1.0__again.sql", "SELECT 1;\n")], "duplicate Flyway version",
             "db/migration/V1__init.sql", "db/extra/V1.0__again.sql")
    # an undo file without its version
    _refused(t, [v1, (MAIN, "U7__nothing.sql", "SELECT 1;\n")], "db/migration/U7__nothing.sql",
             "no versioned migration 7")
    # classpath: locations
    _refused(t, [v1], 'unsupported Flyway location "classpath:"', locations="classpath:db/migration")
    # baseline and callback files: pgboot cannot run them as Flyway does (R__ files: test_repeatable.py)
    _refused(t, [v1, (MAIN, "B1__base.sql", "SELECT 1;\n")], '"db/migration/B1__base.sql"', "baseline")
    _refused(t, [v1, (MAIN, "afterMigrate.sql", "SELECT 1;\n")], '"db/migration/afterMigrate.sql"', "callback")
    # a Flyway prefix with a name Flyway would skip silently
    _refused(t, [v1, (MAIN, "V2_add.sql", "SELECT 1;\n")], 'invalid Flyway migration name "V2_add.sql"')
    # a statement that cannot run in a transaction beside one that can (Flyway's "mixed")
    _refused(t, [v1, (MAIN, "V2__mixed.sql", "CREATE TABLE b (id int);\nCREATE INDEX CONCURRENTLY bi ON b (id);\n")],
             '"db/migration/V2__mixed.sql" mixes statements', "line 2")
    # a file named as pgboot's (Flyway would skip it)
    _refused(t, [v1, (EXTRA, "0002_more.sql", "SELECT 1;\n")], 'invalid Flyway migration name "0002_more.sql"')
    # a location that does not exist (Flyway only warns; pgboot will not guess)
    _refused(t, [v1], 'directory "db/none" does not exist', locations=MAIN + ":db/none")
    # a symbolic link loop below a location
    p = _refused(t, [v1], code=0, locations=MAIN)
    os.symlink("..", os.path.join(p.dir, MAIN, "up"))
    t.pgboot("status", *_args(p, MAIN), project=p).expect(78, "nested too deeply")
    # script config keys pgboot cannot honour
    _refused(t, [v1, (MAIN, "V1__init.sql.conf", "shouldExecute=false\n")],
             'unsupported setting "shouldExecute"', "V1__init.sql.conf")
    # executeInTransaction=false makes the mixed file run statement by statement: accepted
    _refused(t, [v1, (MAIN, "V2__mixed.sql", "CREATE TABLE b (id int);\nCREATE INDEX CONCURRENTLY bi ON b (id);\n"),
                 (MAIN, "V2__mixed.sql.conf", "executeInTransaction=false\n")], "2", code=0)
