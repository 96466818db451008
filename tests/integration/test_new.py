"""pgboot new NAME: the next migration file in the directory's layout (pgboot's,
dbmate's, goose's, sql-migrate's markers, each tool's own template; golang-migrate's,
pop's, diesel's, prisma's, Flyway's, node-pg-migrate's and drizzle's files as their
generators write them, drizzle's journal entry included), numbered as
the files are (the next number of the same width, or the UTC time for
timestamps), its path on stdout; pgboot reads it back (plan lists it). No
database. Names pgboot could not read back are refused."""
import json
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


# ---- the layouts whose files are not pgboot's own (each tool's own generator) ----

NPM_TEMPLATE = "-- Up Migration\n\n-- Down Migration"  # node-pg-migrate 9's templates/migration-template.sql
# layout: (existing files {path: text}, printed path's pattern (group 1: the version), the version's
# strftime format or None (a number), {path made, "{v}" the version: its exact content})
OTHERS = {
    "golang-migrate": ({"000001_a.up.sql": "CREATE TABLE gm_a (id int);\n", "000001_a.down.sql": "DROP TABLE gm_a;\n"},
                       r"migrations/(000002)_add_users\.up\.sql", None,
                       {"000002_add_users.up.sql": "", "000002_add_users.down.sql": ""}),
    "pop": ({"20240101120000_a.up.sql": "CREATE TABLE pop_a (id int);\n"},
            r"migrations/(\d{14})_add_users\.postgres\.up\.sql", "%Y%m%d%H%M%S",
            {"{v}_add_users.postgres.up.sql": "", "{v}_add_users.postgres.down.sql": ""}),
    "diesel": ({"2024-01-01-120000_a/up.sql": "CREATE TABLE diesel_a (id int);\n"},
               r"migrations/(\d{4}-\d\d-\d\d-\d{6})_add_users", "%Y-%m-%d-%H%M%S",
               {"{v}_add_users/up.sql": "-- Your SQL goes here\n",
                "{v}_add_users/down.sql": "-- This file should undo anything in `up.sql`\n"}),
    "prisma": ({"20240101120000_a/migration.sql": "CREATE TABLE prisma_a (id int);\n"},
               r"migrations/(\d{14})_add_users", "%Y%m%d%H%M%S",
               {"{v}_add_users/migration.sql": "-- This is an empty migration."}),
    "flyway": ({"V2.1__a.sql": "CREATE TABLE flyway_a (id int);\n"}, r"migrations/V(3)__add_users\.sql", None,
               {"V3__add_users.sql": ""}),
    "node-pg-migrate": ({"1718000000000_a.sql": "-- Up Migration\nCREATE TABLE npm_a (id int);\n"},
                        r"migrations/(\d{13})_add-users\.sql", "ms", {"{v}_add-users.sql": NPM_TEMPLATE}),
}


def _in_window(v, fmt, before, after):
    if fmt == "ms":
        return int(before * 1000) <= int(v) <= int(after * 1000) + 1
    return time.strftime(fmt, time.gmtime(before)) <= v <= time.strftime(fmt, time.gmtime(after))


def test_new_in_other_tools_layouts(t):
    """Each tool's own files (names, versions, content), read back: plan lists the new
    migration, migrate applies it with the old one."""
    for layout, (files, pattern, fmt, made) in OTHERS.items():
        p = t.project()
        for rel, text in files.items():
            sub, name = os.path.split(os.path.join("migrations", rel))
            p.write(sub, name, text)
        before = time.time()
        r = t.pgboot("new", "add_users", "--layout", layout, project=p, url=None).expect(0)
        after = time.time()
        path = r.out.strip()
        m = re.fullmatch(pattern, path)
        check(r.out.count("\n") == 1 and m and os.path.exists(os.path.join(p.dir, path)), "%s: the path" % layout, r)
        check(fmt is None or _in_window(m.group(1), fmt, before, after), "%s: the UTC time" % layout, path)
        want = {rel.format(v=m.group(1)): text for rel, text in made.items()}
        for rel, text in want.items():
            with open(os.path.join(p.migrations, rel)) as f:
                check(f.read() == text, "%s: %s as the tool writes it" % (layout, rel), repr(text))
        got = sorted(os.path.relpath(os.path.join(d, f), p.migrations) for d, _, fs in os.walk(p.migrations) for f in fs)
        check(got == sorted(list(files) + list(want)), "%s: nothing else made" % layout, got)
        hist = "h_" + layout.replace("-", "_")
        args = ("--layout", layout, "--history-table", hist)
        shown = "add-users" if layout == "node-pg-migrate" else "add_users"
        t.pgboot("plan", *args, project=p).expect(0, "would apply 2 files", shown, where="out")
        t.pgboot("migrate", *args, project=p).expect(0)
        check(len(t.history(table=hist)) == 2, "%s: both applied" % layout, t.history(table=hist))
    # an empty directory: the tools' defaults (golang-migrate and node-pg-migrate: the time)
    p = t.project()
    path = t.pgboot("new", "init", "--layout", "golang-migrate", project=p, url=None).expect(0).out.strip()
    check(re.fullmatch(r"migrations/\d{14}_init\.up\.sql", path), "golang-migrate: a timestamp", path)
    q = t.project()
    path = t.pgboot("new", "init", "--layout", "node-pg-migrate", project=q, url=None).expect(0).out.strip()
    check(re.fullmatch(r"migrations/\d{13}_init\.sql", path), "node-pg-migrate: Date.now()", path)
    # Flyway: after the highest version of every location, in the first location
    f = t.project()
    f.write("db/two", "V7__a.sql", "SELECT 1;\n")
    os.makedirs(os.path.join(f.dir, "db", "one"))
    r = t.pgboot("new", "b", "--layout", "flyway", "--migrations", "filesystem:db/one:db/two", project=f, url=None)
    check(r.expect(0).out.strip() == "db/one/V8__b.sql", "the first location, V8", r)
    # the major as text (Flyway's BigInteger): past 2^64 and past 99 no wrap to 0, the width kept
    for top, made in (("V18446744073709551615.2__a.sql", "V18446744073709551616__c.sql"),
                      ("V099__a.sql", "V100__c.sql")):
        g = t.project(migrations={top: "SELECT 1;\n"})
        r = t.pgboot("new", "c", "--layout", "flyway", project=g, url=None)
        check(r.expect(0).out.strip() == "migrations/" + made, "after %s: %s" % (top, made), r)


def _journal(entries):
    return {"version": "7", "dialect": "postgresql", "entries": entries}


def test_new_drizzle_journal(t):
    """drizzle-kit generate --custom: the .sql file and a journal entry, the journal
    rewritten as JSON.stringify(journal, null, 2); a journal that does not parse is 78
    and nothing is made."""
    first = {"idx": 0, "version": "7", "when": 1718000000000, "tag": "0000_a", "breakpoints": True}
    p = t.project(migrations={"0000_a.sql": "CREATE TABLE dz_a (id int);\n"})
    p.write("migrations/meta", "_journal.json", json.dumps(_journal([first])))
    before = int(time.time() * 1000)
    r = t.pgboot("new", "add_users", project=p, url=None).expect(0)
    check(r.out == "migrations/0001_add_users.sql\n", "tag 0001 after idx 0", r)
    with open(os.path.join(p.migrations, "0001_add_users.sql")) as f:
        check(f.read() == "-- Custom SQL migration file, put your code below! --", "drizzle-kit's text")
    with open(os.path.join(p.migrations, "meta", "_journal.json")) as f:
        text = f.read()
    when = json.loads(text)["entries"][1]["when"]
    check(before <= when <= time.time() * 1000 + 1, "when: now in ms", when)
    entry = {"idx": 1, "version": "7", "when": when, "tag": "0001_add_users", "breakpoints": True}
    check(text == json.dumps(_journal([first, entry]), indent=2), "drizzle-kit's formatting", text)
    check(sorted(os.listdir(os.path.join(p.migrations, "meta"))) == ["_journal.json"], "no temporary file left")
    t.pgboot("plan", project=p).expect(0, "would apply 2 files", "0001_add_users", where="out")
    t.pgboot("migrate", project=p).expect(0)
    check(len(t.history()) == 2, "both applied", t.history())
    # a journal that does not parse
    q = t.project()
    bad = q.write("migrations/meta", "_journal.json", '{"version": "7", "entries": [\n')
    t.pgboot("new", "x", "--layout", "drizzle", project=q, url=None).expect(78, "_journal.json", where="err")
    check(os.listdir(q.migrations) == ["meta"] and open(bad).read().endswith("[\n"), "nothing made or changed")


def test_new_matches_node_pg_migrate_create(t):
    """node-pg-migrate's own create (build/npm-tools) and pgboot new write the same file;
    the tool then applies pgboot's file as its own."""
    import npmtools
    p = t.project()
    r = npmtools.run(t, "node-pg-migrate", "create", "add_users", "--migration-file-language", "sql",
                     "-m", "migrations", cwd=p.dir)
    npmtools.expect(r, 0)
    (theirs,) = os.listdir(p.migrations)
    ours = t.pgboot("new", "add_users", "--layout", "auto", project=p, url=None).expect(0).out.strip()
    m, n = re.fullmatch(r"(\d{13})(_add-users\.sql)", theirs), re.fullmatch(r"migrations/(\d{13})(_.*)", ours)
    check(m and n and m.group(2) == n.group(2) and n.group(1) >= m.group(1), "the same name, a later prefix", theirs, ours)
    with open(os.path.join(p.migrations, theirs)) as a, open(os.path.join(p.dir, ours)) as b:
        check(a.read() == b.read(), "the same text")
    npmtools.expect(npmtools.run(t, "node-pg-migrate", "up", "-m", "migrations", cwd=p.dir), 0)
    names = t.psql("SELECT name FROM pgmigrations ORDER BY id").split()
    check(names == [theirs[:-4], os.path.basename(ours)[:-4]], "node-pg-migrate ran both", names)
