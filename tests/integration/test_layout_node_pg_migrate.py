"""The node-pg-migrate layout (issue 14): SQL migrations split by node-pg-migrate's own
markers (the first "-- Up Migration" and "-- Down Migration" as its regexes find them, in
any case), ordered by their numbers as node-pg-migrate sorts them. pgboot's schema equals
the one node-pg-migrate's order gives (each up part applied with psql); a second run applies
nothing; the down parts roll everything back to an empty schema; what pgboot cannot run as
node-pg-migrate would (a JavaScript migration, a marker inside a dollar body, SQL above the
first marker, a down part without an up marker) is refused (78) naming the file and line."""
import re

from harness import check
from test_pg_dump import schema_of

FILES = {
    "1700000000000_create-users.sql": (
        "-- Up Migration\n"
        "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\n"
        "CREATE TABLE posts (id serial PRIMARY KEY, author_id int REFERENCES users(id));\n"
        "\n-- Down Migration\n"
        "DROP TABLE posts;\nDROP TABLE users;\n"),
    "1700000100000_touch-function.sql": (
        "-- Up Migration\n"
        "ALTER TABLE users ADD COLUMN updated_at timestamptz;\n"
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  NEW.updated_at := now(); -- Down here is not a marker\n  RETURN NEW;\nEND\n$$;\n"
        "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();\n"
        "---- down   MIGRATION (node-pg-migrate's regex reads this line too)\n"
        "DROP TRIGGER users_touch ON users;\nDROP FUNCTION touch();\n"
        "ALTER TABLE users DROP COLUMN updated_at;\n"),
    # the down part first: node-pg-migrate takes each part to the other's marker
    "1700000200000_index-first.sql": (
        "-- a header comment\n"
        "-- Down Migration\nDROP INDEX posts_author_idx;\n\n"
        "-- up migration\nCREATE INDEX posts_author_idx ON posts (author_id);\n"),
    # a 17-digit name is a UTC time to node-pg-migrate (2023-11-15): after the files above
    "20231115000000000_emails.sql": (
        "-- Up Migration\nALTER TABLE users ADD COLUMN email text;\n"
        "-- Down Migration\nALTER TABLE users DROP COLUMN email;\n"),
}


def up_part(text):
    """sqlMigration.js getActions: the text from the first up marker to the down marker after it."""
    up = re.search(r"^\s*--[\s-]*up\s+migration", text, re.I | re.M)
    down = re.search(r"^\s*--[\s-]*down\s+migration", text, re.I | re.M)
    if not up:
        return text
    return text[up.start():down.start() if down and down.start() > up.start() else None]


UPS = [up_part(FILES[n]) for n in FILES]


def test_node_pg_migrate_project_applies_and_rolls_back(t):
    p = t.project(migrations=FILES)
    r = t.pgboot("migrate", project=p).expect(0, "node-pg-migrate", "-- Up Migration", where="err")
    hist = t.psql("SELECT version, name FROM pgboot_migrations ORDER BY version")
    check(hist.splitlines() == ["1700000000000|create-users", "1700000100000|touch-function",
                                "1700000200000|index-first", "20231115000000000|emails"],
          "four migrations, versions from the leading digits", hist, r)
    ref = t.new_database()
    t.psql("BEGIN;\n" + "\n".join(UPS) + "\nCOMMIT;", db=ref)
    check(schema_of(t, t.db) == schema_of(t, ref), "pgboot's schema is node-pg-migrate's", r)
    downs = t.psql("SELECT down_sql FROM pgboot_migrations WHERE version = '1700000100000'")
    check(downs.startswith("DROP TRIGGER") and "updated_at := now()" not in downs,
          "the down part starts after its marker's line: %r" % downs)
    t.pgboot("migrate", project=p).expect(0, "up to date", where="err")
    r = t.pgboot("rollback", "--all", "--confirm", project=p).expect(0)
    check(schema_of(t, t.db) == schema_of(t, t.new_database()), "the down parts undid everything", r)
    check(t.psql("SELECT count(*) FROM pgboot_migrations") == "0", "no history left", r)


def _refused(t, files, *needles):
    p = t.project(migrations=dict({"1_init.sql": "-- Up Migration\nCREATE TABLE users (id int);\n"}, **files))
    r = t.pgboot("migrate", "--layout", "node-pg-migrate", project=p).expect(78, *needles, where="err")
    check(not t.table_exists("users"), "nothing ran", r)
    return r


def test_node_pg_migrate_refusals_name_the_file(t):
    _refused(t, {"2_seed.js": "exports.up = (pgm) => {};\n"}, "2_seed.js", "JavaScript")
    _refused(t, {"2_more.ts": "export async function up() {}\n"}, "2_more.ts", "JavaScript")
    # node-pg-migrate splits inside the dollar body: pgboot would not
    _refused(t, {"2_fn.sql": "-- Up Migration\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n"
                             "SELECT 1\n  -- Down Migration\n$$;\n"},
             "2_fn.sql:4", "inside a quoted string, dollar-quoted body")
    # node-pg-migrate runs SQL above the first marker in neither part
    _refused(t, {"2_above.sql": "CREATE TABLE lost (id int);\n-- Up Migration\nSELECT 1;\n"},
             "2_above.sql:1", "before node-pg-migrate's first marker")
    # without an up marker node-pg-migrate runs the down part as up
    _refused(t, {"2_down.sql": "CREATE TABLE t2 (id int);\n-- Down Migration\nDROP TABLE t2;\n"},
             "2_down.sql:2", "down marker without an up marker")
    # another tool's down marker: node-pg-migrate would run its down part as up
    _refused(t, {"2_dbmate.sql": "-- Up Migration\nCREATE TABLE t2 (id int);\n-- migrate:down\nDROP TABLE t2;\n"},
             "2_dbmate.sql:3", "another tool's down marker")
    _refused(t, {"01_dup.sql": "-- Up Migration\nSELECT 1;\n"}, "duplicate version")
    _refused(t, {"README.md": "notes\n"}, "README.md", "would load as a migration")
    # a file with only a down marker: auto picks node-pg-migrate, which refuses it
    p = t.project(migrations={"1_down.sql": "CREATE TABLE t2 (id int);\n-- Down Migration\nDROP TABLE t2;\n"})
    t.pgboot("migrate", project=p).expect(78, "1_down.sql:2", "down marker without an up marker", where="err")
    check(not t.table_exists("t2"), "nothing ran")
    # a directory of JavaScript migrations only: auto picks node-pg-migrate, never "up to date"
    p = t.project(migrations={"1700000000000_init.js": "exports.up = (pgm) => {};\n"})
    t.pgboot("migrate", project=p).expect(78, "1700000000000_init.js", "JavaScript", where="err")
