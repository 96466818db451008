"""Other tools' directory layouts (issue 14): golang-migrate, pop, diesel and prisma
projects are read as each tool reads them (names, versions, order, separate down files,
transaction mode), applied by pgboot to a fresh database and compared with a reference
applied with psql in the tool's order and transaction mode (pg_dump --schema-only, the
history tables excluded); a re-run is a no-op; the down files roll everything back.
--layout auto names the layout and why; what the tool would run but pgboot cannot (a
.fizz file, a Go template, a down file without its up file, two files of one version)
is refused (78) naming the file before anything is applied."""
from harness import check
from test_pg_dump import schema_of

FUNC = ("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  NEW.updated_at := now(); -- a ';' inside the body\n  RETURN NEW;\nEND;\n$$;\n")

# (up, down): one multi-statement migration, one with a dollar-quoted body, one simple
STEPS = [
    ("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, updated_at timestamptz);\n"
     "CREATE UNIQUE INDEX users_email ON users (lower(email));\n"
     "COMMENT ON TABLE users IS 'people; with a semicolon';\n",
     "DROP TABLE users;\n"),
    (FUNC + "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();\n",
     "DROP TRIGGER users_touch ON users;\nDROP FUNCTION touch();\n"),
    ("ALTER TABLE users ADD COLUMN name text;\nINSERT INTO users (id, email) VALUES (1, 'a@example.com');\n",
     "ALTER TABLE users DROP COLUMN name;\nDELETE FROM users;\n"),
]


def _reference(t, texts, wrap):
    """A fresh database with texts applied by psql, each as one message (wrap: in BEGIN/COMMIT)."""
    ref = t.new_database()
    for text in texts:
        t.psql("BEGIN;\n" + text + "\nCOMMIT;" if wrap else text, db=ref)
    return schema_of(t, ref)


def _round_trip(t, p, layout, ups, wrap, downs=True):
    """migrate (auto detection logged), same schema as the reference, re-run no-op, rollback --all."""
    r = t.pgboot("migrate", project=p).expect(0, "as %s's layout (" % layout, where="err")
    check(schema_of(t, t.db) == _reference(t, ups, wrap), "pgboot's schema is the tool's", r)
    n = len(t.history())
    check(n == len(ups), "one history row per migration: %r" % t.history(), r)
    r2 = t.pgboot("migrate", project=p).expect(0)
    r2.expect_no_text("applied migration", where="err")
    if downs:
        r3 = t.pgboot("rollback", "--all", "--confirm", project=p).expect(0)
        check(not t.table_exists("users"), "every down ran", r3)
        check(len(t.history()) == 0, "no history rows left", r3)
    return r


def test_golang_migrate_project(t):
    """Versions as numbers (1, 2, 10: not as text), .up.sql/.down.sql pairs, one without a
    down file, a lone CREATE INDEX CONCURRENTLY run outside a transaction as
    golang-migrate's one-message Exec runs it."""
    files = {"000001_users.up.sql": STEPS[0][0], "000001_users.down.sql": STEPS[0][1],
             "2_touch.up.sql": STEPS[1][0], "2_touch.down.sql": STEPS[1][1],
             "10_name.up.sql": STEPS[2][0], "10_name.down.sql": STEPS[2][1],
             "11_idx.up.sql": "CREATE INDEX CONCURRENTLY users_name ON users (name);\n",
             "11_idx.down.sql": "DROP INDEX CONCURRENTLY users_name;\n",
             "README.md": "not a migration"}
    p = t.project(migrations=files)
    ups = [STEPS[0][0], STEPS[1][0], STEPS[2][0], files["11_idx.up.sql"]]
    r = _round_trip(t, p, "golang-migrate", ups, wrap=False, downs=False)
    r.expect_text('"000001_users.up.sql" is named as golang-migrate', where="err")
    order = [r.err.index("applied migration " + m) for m in ("000001_users", "2_touch", "10_name", "11_idx")]
    check(order == sorted(order), "applied in numeric order (2 before 10)", r)
    check(sorted(h[1] for h in t.history()) == ["000001", "10", "11", "2"], "versions as named: %r" % t.history(), r)
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_name'::regclass") == "t",
          "the concurrent index was built outside a transaction", r)
    r3 = t.pgboot("rollback", "--all", "--confirm", project=p).expect(0)
    check(not t.table_exists("users") and not t.history(), "every down ran", r3)
    # a statement of a down part that fails is shown at its own file's line
    p.write("migrations", "2_touch.down.sql", "SELECT 1;\nSELECT nosuchcolumn FROM users;\n")
    t.pgboot("migrate", project=p).expect(0)
    t.pgboot("rollback", "--steps", "3", "--use-file-down", "--confirm",
             project=p).expect(3, "2_touch.down.sql:2", where="err")


def test_golang_migrate_refusals(t):
    """A down file without its up file, two up files of one version (1 and 01), a .sql file
    golang-migrate would skip: 78 naming the files, nothing applied."""
    base = {"1_users.up.sql": STEPS[0][0]}
    for extra, needles in [({"2_x.down.sql": "SELECT 1;"}, ["2_x.down.sql", "no up file"]),
                           ({"01_again.up.sql": "SELECT 1;"}, ["1_users.up.sql", "01_again.up.sql"]),
                           ({"3_x.up.sql.bak": "SELECT 1;"}, ["3_x.up.sql.bak", "golang-migrate would run it"]),
                           ({"0002_other.sql": "SELECT 1;"}, ["0002_other.sql", "leave it out"])]:
        p = t.project(migrations={**base, **extra})
        r = t.pgboot("migrate", project=p).expect(78, *needles, where="err")
        check(not t.table_exists("users"), "nothing applied", r)


def test_pop_project_and_refusals(t):
    """pop's names with a dialect: the postgres file wins over the one for all, a mysql one
    is skipped; a .fizz file and a "{{" template are refused naming file (and line)."""
    files = {"20240101000001_users.up.sql": STEPS[0][0], "20240101000001_users.down.sql": STEPS[0][1],
             "20240101000002_touch.postgres.up.sql": STEPS[1][0],
             "20240101000002_touch.up.sql": "SELECT pg_sleep(0); CREATE TABLE wrong (id int);\n",
             "20240101000002_touch.mysql.up.sql": "this is not postgres;",
             "20240101000002_touch.down.sql": STEPS[1][1],
             "20240101000003_name.up.sql": STEPS[2][0], "20240101000003_name.down.sql": STEPS[2][1]}
    p = t.project(migrations=files)
    # a plain up/down directory is golang-migrate's: pop is named with --layout
    r = t.pgboot("migrate", project=p, env={"PGBOOT_LAYOUT": "pop"}).expect(0, "--layout pop", where="err")
    check(schema_of(t, t.db) == _reference(t, [s[0] for s in STEPS], wrap=True), "pop's schema", r)
    check(not t.table_exists("wrong"), "the postgres file of version 2 ran, not the one for all", r)
    t.pgboot("rollback", "--all", "--confirm", project=p, env={"PGBOOT_LAYOUT": "pop"}).expect(0)
    check(not t.table_exists("users"), "rolled back", t.history())
    p.write("migrations", "20240101000004_seed.up.sql", "SELECT 1;\n{{ if .IsPostgreSQL }}SELECT 2;{{ end }}\n")
    r = t.pgboot("migrate", project=p).expect(78, "20240101000004_seed.up.sql", "line 2", "{{", where="err")
    check(not t.table_exists("users"), "nothing applied", r)
    p.remove("migrations", "20240101000004_seed.up.sql")
    p.write("migrations", "20240101000005_x.up.fizz", 'create_table("x") {}')
    r = t.pgboot("migrate", project=p).expect(78, "20240101000005_x.up.fizz", "fizz", where="err")
    r.expect_text("fizz migration", where="err")


def test_diesel_project(t):
    """diesel's directories: its initial setup is version 0, dashes dropped from versions,
    down.sql files, metadata.toml's run_in_transaction = false for a concurrent index."""
    p = t.project()
    dirs = [("00000000000000_diesel_initial_setup", "CREATE FUNCTION diesel_noop() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n",
             "DROP FUNCTION diesel_noop();\n"),
            ("2022-10-23-135826_users", STEPS[0][0], STEPS[0][1]),
            ("2022-10-24-100000_touch", STEPS[1][0], STEPS[1][1]),
            ("2022-10-25-100000_name", STEPS[2][0], STEPS[2][1])]
    for d, up, down in dirs:
        p.write("migrations/" + d, "up.sql", up)
        p.write("migrations/" + d, "down.sql", down)
    p.write("migrations/2022-10-26-100000_idx", "up.sql", "CREATE INDEX CONCURRENTLY users_name ON users (name);\n")
    p.write("migrations/2022-10-26-100000_idx", "down.sql", "DROP INDEX CONCURRENTLY users_name;\n")
    p.write("migrations/2022-10-26-100000_idx", "metadata.toml", "run_in_transaction = false # concurrently\n")
    p.write("migrations", ".keep", "")
    ups = [d[1] for d in dirs]
    r = t.pgboot("migrate", project=p).expect(0, "as diesel's layout (", "up.sql", where="err")
    ref = t.new_database()
    for up in ups:
        t.psql("BEGIN;\n" + up + "\nCOMMIT;", db=ref)
    t.psql("CREATE INDEX CONCURRENTLY users_name ON users (name);", db=ref)
    check(schema_of(t, t.db) == schema_of(t, ref), "pgboot's schema is diesel's", r)
    check([h[1] for h in t.history()] == ["00000000000000", "20221023135826", "20221024100000", "20221025100000",
                                          "20221026100000"], "diesel's versions: %r" % t.history(), r)
    t.pgboot("migrate", project=p).expect(0).expect_no_text("applied migration", where="err")
    r = t.pgboot("rollback", "--all", "--confirm", project=p).expect(0)
    check(not t.table_exists("users") and not t.history(), "every down ran, the index's outside a transaction", r)
    p.write("migrations/2022-10-27-100000_bad", "down.sql", "SELECT 1;")
    r = t.pgboot("migrate", project=p).expect(78, "2022-10-27-100000_bad", "no up.sql", where="err")
    check(not t.table_exists("users"), "nothing applied", r)


def test_prisma_project(t):
    """prisma's <timestamp>_<name>/migration.sql directories, in name order, the history id
    the directory name; migration_lock.toml names the layout; another provider is refused."""
    p = t.project()
    names = ["20240101120000_init", "20240102120000_touch", "20240103120000_name"]
    for n, (up, _) in zip(names, STEPS):
        p.write("migrations/" + n, "migration.sql", up)
    p.write("migrations", "migration_lock.toml", '# Please do not edit this file manually\nprovider = "postgresql"\n')
    r = _round_trip(t, p, "prisma", [s[0] for s in STEPS], wrap=False, downs=False)
    r.expect_text("migration_lock.toml exists", where="err")
    check([h[1:] for h in t.history()] == [("20240101120000", "init"), ("20240102120000", "touch"),
                                           ("20240103120000", "name")], "versions and names: %r" % t.history(), r)
    p.write("migrations/20240104120000_empty", "README.md", "no migration.sql")
    t.pgboot("migrate", project=p).expect(78, "20240104120000_empty", "no migration.sql", where="err")
    p.remove("migrations/20240104120000_empty", "README.md")
    p.write("migrations/20240104120000_empty", "migration.sql", "SELECT 1;")
    p.write("migrations", "migration_lock.toml", 'provider = "mysql"\n')
    t.pgboot("migrate", project=p).expect(78, "migration_lock.toml", "mysql", where="err")


def test_marker_layouts_detected(t):
    """--layout auto names dbmate, goose and sql-migrate by their markers; a directory
    mixing golang-migrate's files with goose's markers is refused (two layouts)."""
    for layout, text in [("dbmate", "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n"),
                         ("goose", "-- +goose Up\nCREATE TABLE users (id int);\n-- +goose Down\nDROP TABLE users;\n"),
                         ("sql-migrate", "-- +migrate Up\nCREATE TABLE users (id int);\n-- +migrate Down\nDROP TABLE users;\n")]:
        db = t.new_database()
        p = t.project(migrations={"20240101120000_users.sql": text})
        r = t.pgboot("migrate", project=p, url=t.url(db)).expect(0, "as %s's layout (" % layout, where="err")
        check(t.table_exists("users", db=db), "applied", r)
    p = t.project(migrations={"1_users.up.sql": "CREATE TABLE users (id int);",
                              "0002_x.sql": "-- +goose Up\nSELECT 1;\n"})
    t.pgboot("migrate", project=p).expect(78, "two layouts", "golang-migrate", "goose", where="err")


def test_marker_layout_names(t):
    """--layout goose/sql-migrate read names as the tool does: goose's version is the number
    before the first '_' (20240101_0001_x is version 20240101), a .go migration is refused;
    sql-migrate's history id is the file name and two files of one number are refused."""
    goose = "-- +goose Up\nCREATE TABLE users (id int);\n-- +goose Down\nDROP TABLE users;\n"
    p = t.project(migrations={"20240101_0001_users.sql": goose})
    r = t.pgboot("migrate", project=p).expect(0, "as goose's layout (", where="err")
    check(t.history() == [("migration", "20240101", "0001_users")], "goose's version: %r" % t.history(), r)
    p.write("migrations", "20240102_later.go", "package migrations")
    t.pgboot("migrate", project=p).expect(78, "20240102_later.go", "Go migration", where="err")
    sm = "-- +migrate Up\nCREATE TABLE %s (id int);\n-- +migrate Down\nDROP TABLE %s;\n"
    db = t.new_database()
    p = t.project(migrations={"1_a.sql": sm % ("a", "a"), "2_b.sql": sm % ("b", "b"), "10_c.sql": sm % ("c", "c")})
    r = t.pgboot("migrate", "--layout", "sql-migrate", project=p, url=t.url(db)).expect(0)
    order = [r.err.index("applied migration " + m) for m in ("1_a", "2_b", "10_c")]
    check(order == sorted(order), "sql-migrate's numeric order", r)
    p.write("migrations", "2_again.sql", sm % ("d", "d"))
    r = t.pgboot("migrate", project=p, url=t.url(db)).expect(78, "2_again.sql", "2_b.sql", "same number",
                                                             where="err")
    p.remove("migrations", "2_again.sql")
    # dbmate orders names as text: 10_c before 1_a, which pgboot's numeric versions cannot follow
    t.pgboot("migrate", "--layout", "dbmate", project=p, url=t.url(db)).expect(78, "10_c.sql", "1_a.sql",
                                                                                "dbmate's order", where="err")
    p = t.project(migrations={"20240101120000_a.sql": "-- migrate:up\nCREATE TABLE users (id int);\n",
                              "notes.sql": "-- migrate:up\nSELECT 1;\n"})
    db = t.new_database()
    r = t.pgboot("migrate", project=p, url=t.url(db)).expect(78, "notes.sql", "not a dbmate migration", where="err")
    check(not t.table_exists("users", db=db), "nothing applied", r)
