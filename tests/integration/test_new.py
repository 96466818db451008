"""pgboot new NAME: the next migration file in the directory's layout (pgboot's,
dbmate's, goose's, sql-migrate's markers, each tool's own template), numbered as
the files are (the next number of the same width, or the UTC time for
timestamps), its path on stdout; pgboot reads it back (plan lists it). No
database. Names pgboot could not read back are refused."""
import os
import re
import time

from harness import check

GOOSE = ("-- +goose Up\n-- +goose StatementBegin\nSELECT 'up SQL query';\n-- +goose StatementEnd\n\n"
         "-- +goose Down\n-- +goose StatementBegin\nSELECT 'down SQL query';\n-- +goose StatementEnd\n")
# (existing file's markers, the template new writes, the separator of a timestamped file of the tool)
LAYOUTS = {
    "pgboot": ("-- pgboot:up\nSELECT 1;\n-- pgboot:down\nSELECT 2;\n", "-- pgboot:up\n\n\n-- pgboot:down\n\n", "_"),
    "dbmate": ("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n", "-- migrate:up\n\n\n-- migrate:down\n\n", "_"),
    "goose": ("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n", GOOSE, "_"),
    "sql-migrate": ("-- +migrate Up\nSELECT 1;\n-- +migrate Down\nSELECT 2;\n", "\n-- +migrate Up\n\n-- +migrate Down\n", "-"),
}


def _utc():
    return time.strftime("%Y%m%d%H%M%S", time.gmtime())


def _new(t, p, *args, code=0):
    r = t.pgboot("new", *args, project=p, url=None).expect(code)
    if code:
        return r
    path = r.out.strip()
    check(r.out.count("\n") == 1 and os.path.isfile(os.path.join(p.dir, path)), "the path on stdout", r)
    with open(os.path.join(p.dir, path)) as f:
        return path, f.read()


def test_new_in_each_layout(t):
    for layout, (marked, template, sep) in LAYOUTS.items():
        # numbered files: the next number, same width, same separator
        p = t.project(migrations={"0005_a.sql": "SELECT 0;\n", "0006_b.sql": marked})
        path, text = _new(t, p, "add_users")
        check(path == "migrations/0007_add_users.sql", "%s: 0007 after 0006" % layout, path)
        check(text == template, "%s: the tool's template" % layout, repr(text))
        # timestamps: the UTC time now, in the same format
        p = t.project(migrations={"20240101120000%sinit.sql" % sep: marked})
        before = _utc()
        path, text = _new(t, p, "add_email", "--layout", "auto")
        m = re.fullmatch(r"migrations/(\d{14})%sadd_email\.sql" % re.escape(sep), path)
        check(m and before <= m.group(1) <= _utc(), "%s: a UTC timestamp" % layout, path, before)
        check(text == template, "%s: the tool's template" % layout, repr(text))
        # read back: plan lists both new files as pending, changing nothing
        r = t.pgboot("plan", project=p).expect(0, "add_email", "would apply 2 files", where="out")
        check(not t.table_exists("pgboot_migrations"), "plan changes nothing", r)
    # the new file applies (an empty up part is applied with a warning)
    p = t.project()
    _new(t, p, "first")
    r = t.pgboot("migrate", project=p).expect(0, "0001_first", where="err")
    check(t.history() == [("migration", "0001", "first")], "applied", t.history(), r)


def test_new_empty_and_missing_directories(t):
    p = t.project()
    os.rmdir(p.migrations)
    path, text = _new(t, p, "init")
    check(path == "migrations/0001_init.sql" and text == LAYOUTS["pgboot"][1], "a missing dir is made; 0001", path)
    path, _ = _new(t, p, "second")
    check(path == "migrations/0002_second.sql", "then 0002", path)
    # an explicit layout of a tool that stamps: a timestamp in an empty directory, its template
    q = t.project()
    path, text = _new(t, q, "init", "--migrations", "db/migrations", "--layout", "dbmate")
    check(re.fullmatch(r"db/migrations/\d{14}_init\.sql", path) and text == LAYOUTS["dbmate"][1], "dbmate", path)
    path, text = _new(t, q, "init", "--layout", "sql-migrate", code=0)
    check(re.fullmatch(r"migrations/\d{14}-init\.sql", path), "sql-migrate names it <timestamp>-<name>", path)
    # sqlx's layout (no markers of its own): pgboot's file; separators of the version are kept
    s = t.project(migrations={"2025_01_a.sql": "SELECT 1;\n"})
    path, text = _new(t, s, "b", "--layout", "sqlx")
    check(path == "migrations/2025_02_b.sql" and text == LAYOUTS["pgboot"][1], "the last group plus one", path)


def test_new_refusals(t):
    p = t.project(migrations={"0001_a.sql": "SELECT 1;\n"})
    for bad in ("1st", "Add_users", "add-users", "a/b", "a__b", "a_", "_a", "ü"):
        r = _new(t, p, bad, code=78)
        r.expect_text('invalid migration name "%s"' % bad, where="err")
    _new(t, p, "", code=78)
    _new(t, p, code=2).expect_text('command "new" requires a NAME', where="err")
    _new(t, p, "add", "users", code=2).expect_text("too many command-line arguments", where="err")
    _new(t, p, "x", "--confirm", code=2)
    # a directory pgboot cannot read is refused as migrate refuses it, and nothing is made
    p.write("migrations", "0002_b.sql", "-- pgboot:upp\n")
    _new(t, p, "c", code=78).expect_text("0002_b.sql", where="err")
    check(sorted(os.listdir(p.migrations)) == ["0001_a.sql", "0002_b.sql"], "no file made", os.listdir(p.migrations))
