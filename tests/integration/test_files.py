"""Bad migration files are refused (exit 78) with the file's name, before anything
is applied: invalid UTF-8, NUL bytes, huge files, bad names, duplicate versions."""
from harness import check

GOOD = {"0001_first.sql": "CREATE TABLE first (id int);"}


def _refused(t, files, *needles, code=78):
    p = t.project(migrations=dict(GOOD, **files))
    r = t.pgboot("migrate", project=p).expect(code, *needles, where="err")
    check(not t.table_exists("first"), "nothing applied: 0001 is fine but was not run", r)
    check(not t.table_exists("pgboot_migrations"), "not even the history table", r)
    return r


def test_invalid_utf8_refused(t):
    _refused(t, {"0002_latin1.sql": "INSERT INTO first VALUES (1); -- caf\xe9\n".encode("latin-1")},
             "0002_latin1.sql", "UTF-8")


def test_nul_byte_refused(t):
    _refused(t, {"0002_nul.sql": b"SELECT 1;\x00SELECT 2;\n"}, "0002_nul.sql", "NUL")


def test_utf8_multibyte_ok(t):
    # (no BOM: DESIGN.md says SQL is sent as written, and the server rejects a BOM)
    p = t.project(migrations={"0001_utf8.sql": "CREATE TABLE \"caf\u00e9\" (\u00e9 text DEFAULT '\u2603');"
                              .encode("utf-8")})
    t.pgboot("migrate", project=p).expect(0)


def test_huge_file_refused(t):
    """A file over a sane size (a sparse 2 GiB file: cheap to make)."""
    p = t.project(migrations=GOOD)
    with open(p.path("migrations", "0002_huge.sql"), "wb") as f:
        f.write(b"SELECT 1;\n")
        f.truncate(2 * 1024 * 1024 * 1024)
    r = t.pgboot("migrate", project=p).expect(78, "0002_huge.sql", where="err")
    check(not t.table_exists("first"), "nothing applied", r)


def test_bad_file_name_refused(t):
    _refused(t, {"init.sql": "SELECT 1;"}, "init.sql")


def test_flyway_style_name_refused(t):
    _refused(t, {"V2__add.sql": "SELECT 1;"}, "V2__add.sql")


def test_name_without_separator_refused(t):
    _refused(t, {"0002add.sql": "SELECT 1;"}, "0002add.sql")


def test_duplicate_versions_refused(t):
    r = _refused(t, {"0002_a.sql": "SELECT 1;", "002_b.sql": "SELECT 2;"}, "0002_a.sql", "002_b.sql")
    r.expect_text("duplicate", where="err")


def test_duplicate_grouped_versions_refused(t):
    _refused(t, {"2025_01_a.sql": "SELECT 1;", "2025_1_b.sql": "SELECT 2;"}, "2025_01_a.sql", "2025_1_b.sql")


def test_duplicate_seed_versions_refused(t):
    p = t.project(migrations=GOOD, seeds={"0001_a.sql": "SELECT 1;", "01_b.sql": "SELECT 1;"})
    t.pgboot("migrate", "--with-test-data", project=p).expect(78, "01_b.sql", where="err")
    check(not t.table_exists("first"), "nothing applied")


def test_bad_seed_name_refused(t):
    p = t.project(migrations=GOOD, seeds={"users.sql": "SELECT 1;"})
    t.pgboot("migrate", "--with-test-data", project=p).expect(78, "users.sql", where="err")
    check(not t.table_exists("first"), "nothing applied")


def test_bad_verify_file_refused(t):
    p = t.project(migrations=GOOD, verify={"010_bad.sql": b"SELECT \xff;"})
    t.pgboot("migrate", project=p).expect(78, "010_bad.sql", where="err")
    check(not t.table_exists("first"), "nothing applied")


def test_other_files_ignored(t):
    p = t.project(migrations=dict(GOOD, **{"README.md": "# docs", ".keep": "", "notes.txt": "x",
                                          "0002_b.sql.orig": "garbage"}))
    t.pgboot("migrate", project=p).expect(0)
    check(len(t.history()) == 1, "only the .sql file", t.history())


def test_subdirectory_with_sql_refused(t):
    """A .sql file in a subdirectory would be left out with "up to date": 78 naming it."""
    p = t.project(migrations=GOOD)
    p.write("migrations/old", "0002_x.sql", "CREATE TABLE second (id int);")
    r = t.pgboot("migrate", project=p).expect(78, "migrations/old/0002_x.sql", "subdirectory", where="err")
    check(not t.table_exists("first"), "nothing applied", r)


def test_diesel_layout_refused_with_its_fix(t):
    """A diesel directory among pgboot's files: read as diesel's layout (auto), the .sql
    file diesel would leave out is refused; read as pgboot's, the directory is, with its fix."""
    p = t.project(migrations=GOOD)
    p.write("migrations/2022-10-23-135826_users", "up.sql", "CREATE TABLE users (id int);")
    p.write("migrations/2022-10-23-135826_users", "down.sql", "DROP TABLE users;")
    r = t.pgboot("migrate", project=p).expect(78, "0001_first.sql", "not a diesel migration", where="err")
    r = t.pgboot("migrate", "--layout", "pgboot", project=p).expect(78, "2022-10-23-135826_users/", where="err")
    r.expect_text("2022-10-23-135826_users.sql", "-- pgboot:down", where="err")
    check(not t.table_exists("first"), "nothing applied", r)


def test_prisma_layout_refused(t):
    p = t.project(migrations=GOOD)
    p.write("migrations/20240101120000_init", "migration.sql", "CREATE TABLE users (id int);")
    p.write("migrations", "migration_lock.toml", 'provider = "postgresql"\n')
    r = t.pgboot("migrate", project=p).expect(78, "0001_first.sql", "not a prisma migration", where="err")
    r = t.pgboot("migrate", "--layout", "pgboot", project=p).expect(78, "20240101120000_init/migration.sql",
                                                                 where="err")
    check(not t.table_exists("first"), "nothing applied", r)


def test_subdirectory_without_sql_ignored(t):
    p = t.project(migrations=GOOD)
    p.write("migrations/docs", "README.md", "# how we migrate")
    p.write("migrations/.git", "0002_x.sql", "hidden directories are not looked into")
    t.pgboot("migrate", project=p).expect(0)
    check(len(t.history()) == 1, "only the .sql file", t.history())


def test_seed_subdirectory_refused(t):
    p = t.project(migrations=GOOD, seeds={"0001_a.sql": "SELECT 1;"})
    p.write("seeds/dev", "0002_users.sql", "SELECT 1;")
    r = t.pgboot("migrate", "--with-test-data", project=p).expect(78, "seeds/dev/0002_users.sql", where="err")
    check(not t.table_exists("first"), "nothing applied", r)


def test_check_with_upper_case_extension_refused(t):
    """verify/090_x.SQL was skipped without a word; migrations/ refuses the same name."""
    p = t.project(migrations=GOOD, verify={"090_x.SQL": "SELECT 1 WHERE false;"})
    r = t.pgboot("migrate", project=p).expect(78, "090_x.SQL", "lower case", where="err")
    check(not t.table_exists("first"), "nothing applied", r)


def test_unreadable_file_refused(t):
    import os
    if os.geteuid() == 0:
        # root reads everything: use a dangling symlink instead
        p = t.project(migrations=GOOD)
        os.symlink(t.path("nowhere.sql"), p.path("migrations", "0002_gone.sql"))
        r = t.pgboot("migrate", project=p).expect(78, "0002_gone.sql", where="err")
        check(not t.table_exists("first"), "nothing applied", r)
        return
    p = t.project(migrations=dict(GOOD, **{"0002_secret.sql": "SELECT 1;"}))
    os.chmod(p.path("migrations", "0002_secret.sql"), 0)
    t.pgboot("migrate", project=p).expect(78, "0002_secret.sql", where="err")


def test_second_down_marker_refused(t):
    _refused(t, {"0002_twice.sql": "SELECT 1;\n-- pgboot:down\nSELECT 2;\n-- pgboot:down\nSELECT 3;\n"},
             "0002_twice.sql")


def test_unknown_directive_refused(t):
    _refused(t, {"0002_dir.sql": "-- pgboot:no-such-directive\nSELECT 1;\n"}, "no-such-directive")


def test_name_not_utf8_refused_before_anything_runs(t):
    """A file name that is not UTF-8 cannot go into the history (text): exit 78
    naming it, the bad byte shown as \\xNN, before anything is applied."""
    p = t.project(migrations=GOOD)
    p.write("migrations", "0002_caf\udce9.sql", "CREATE TABLE second (id int);\n")
    r = t.pgboot("migrate", project=p).expect(78, "0002_caf\\xe9.sql", "not valid UTF-8", where="err")
    check(not t.table_exists("first") and not t.table_exists("second"), "nothing applied", r)


def test_other_file_with_a_name_not_utf8_is_ignored(t):
    p = t.project(migrations=GOOD)
    p.write("migrations", "\udcc4nderungen.txt", "notes from a Windows archive\n")
    t.pgboot("migrate", project=p).expect(0)
