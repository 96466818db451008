"""Every lint rule against a real server, on a small table, a large one and one that does not
exist (issue 15, "Tests for each rule against a real server with a small and a large table"):
a rule graded by size is info on the small and the missing table and its own grade on the
large one; a rule graded by existence gives its grade on both existing tables and info on the
missing one; a fixed rule gives its grade everywhere. The large table is large cheaply: the
planner's estimate (pg_class.reltuples) says 5 M rows. Each finding carries the rows, the size
and the server version; offline the same files are graded by the text alone."""
import json

from harness import check

SETUP = (
    "CREATE TABLE small (a int PRIMARY KEY, b text);"
    "CREATE TABLE big (a int PRIMARY KEY, b text);"
    "INSERT INTO small SELECT g, 'x' FROM generate_series(1, 10) g;"
    "INSERT INTO big SELECT g, 'x' FROM generate_series(1, 1000) g;"
    "CREATE INDEX small_b ON small (b); CREATE INDEX big_b ON big (b);"
    "CREATE MATERIALIZED VIEW small_mv AS SELECT * FROM small;"
    "CREATE MATERIALIZED VIEW big_mv AS SELECT * FROM big;"
    "ANALYZE small; ANALYZE big; ANALYZE small_mv; ANALYZE big_mv;"
    "UPDATE pg_class SET reltuples = 5000000, relpages = 50000 WHERE oid IN ('big'::regclass, 'big_mv'::regclass);"
)

# rule: (statement with {t} for the table, how it is graded, its grade where it bites)
RULES = {
    "index-not-concurrent": ("CREATE INDEX {t}_a2 ON {t} (a);", "size", "error"),
    "constraint-not-valid": ("ALTER TABLE {t} ADD CONSTRAINT {t}_ck CHECK (a > 0);", "size", "error"),
    "set-not-null": ("ALTER TABLE {t} ALTER COLUMN b SET NOT NULL;", "size", "error"),
    "type-change-rewrite": ("ALTER TABLE {t} ALTER COLUMN a TYPE bigint;", "size", "error"),
    "add-column-volatile-default": ("ALTER TABLE {t} ADD COLUMN r float8 DEFAULT random();", "size", "error"),
    "constraint-inline-index": ("ALTER TABLE {t} ADD UNIQUE (b);", "size", "error"),
    "vacuum-full": ("VACUUM FULL {t};", "size", "error"),
    "cluster": ("CLUSTER {t} USING {t}_pkey;", "size", "error"),
    "set-logged-unlogged": ("ALTER TABLE {t} SET UNLOGGED;", "size", "error"),
    "mass-update-delete": ("UPDATE {t} SET b = 'y';", "size", "error"),
    "reindex-not-concurrent": ("REINDEX TABLE {t};", "size", "warning"),
    "lock-table": ("LOCK TABLE {t} IN SHARE MODE;", "size", "warning"),
    "refresh-matview-not-concurrent": ("REFRESH MATERIALIZED VIEW {t}_mv;", "size", "warning"),
    "destructive-change": ("ALTER TABLE {t} DROP COLUMN b;", "exists", "warning"),
    "add-column-not-null-no-default": ("ALTER TABLE {t} ADD COLUMN n int NOT NULL;", "exists", "error"),
    "rename": ("ALTER TABLE {t} RENAME COLUMN b TO c;", "exists", "warning"),
    "drop-index-not-concurrent": ("DROP INDEX {t}_b;", "fixed", "warning"),
    "concurrent-in-transaction": ("CREATE INDEX CONCURRENTLY {t}_a3 ON {t} (a);", "fixed", "error"),
}
TABLES = ["small", "big", "ghost"]


def _expected(how, grade, table):
    if how == "fixed":
        return grade
    if table == "ghost":
        return "info"
    if how == "exists":
        return grade
    return grade if table == "big" else "info"


def _files():
    files = {}
    for i, (rule, (sql, _, _)) in enumerate(sorted(RULES.items()), 1):
        files["%04d_%s.sql" % (i, rule)] = "".join(sql.format(t=t) + "\n" for t in TABLES)
    # two existing tables taken ACCESS EXCLUSIVE in one transaction; a missing one is not counted
    files["%04d_two_tables.sql" % (len(files) + 1)] = "ALTER TABLE small ADD COLUMN x int;\nALTER TABLE big ADD COLUMN x int;\n"
    files["%04d_one_table.sql" % (len(files) + 1)] = "ALTER TABLE small ADD COLUMN y int;\nALTER TABLE ghost ADD COLUMN y int;\n"
    return files


def test_each_rule_graded_by_the_live_database(t):
    t.psql(SETUP)
    files = _files()
    p = t.project(migrations=files)
    r = t.pgboot("lint", "--json", "--lint-level", "info", project=p).expect(6)
    doc = json.loads(r.out)
    check(doc["offline"] is False and doc["server_version"].startswith("15."), "graded online, the server named", r)
    by_file = {}
    for f in doc["findings"]:
        by_file.setdefault(f["file"].split("/")[-1], []).append(f)

    for name, text in sorted(files.items()):
        rule = name[5:-4]
        if rule not in RULES:
            continue
        _, how, grade = RULES[rule]
        mine = {f["line"]: f for f in by_file.get(name, []) if f["rule"] == rule}
        for line, table in enumerate(TABLES, 1):
            f = mine.get(line)
            check(f is not None, "%s: %s on %s (line %d) is found" % (name, rule, table, line), r)
            want = _expected(how, grade, table)
            check(f["grade"] == want, "%s on %s graded %s (got %s)" % (rule, table, want, f["grade"]), r)
            # a statement that cannot run in a transaction takes no lock there: it fails
            check(f["lock"] or rule == "concurrent-in-transaction", "%s names the lock it takes" % rule, r)
            check(f["fix"], "%s writes a fix" % rule, r)
            if how == "size" and table != "ghost":
                rows = 5000000 if table == "big" else None
                check(f["bytes"] and f["bytes"] > 0 and (rows is None or f["rows"] == rows),
                      "%s on %s carries its rows and size (%s, %s)" % (rule, table, f["rows"], f["bytes"]), r)
            if how == "size" and table == "ghost":
                check(f["rows"] is None, "%s on a missing table: no size" % rule, r)

    two = [f for f in by_file.get(sorted(files)[-2], []) if f["rule"] == "access-exclusive-multiple-tables"]
    check(len(two) == 1 and two[0]["line"] == 2 and two[0]["grade"] == "warning"
          and "small" in two[0]["reason"] + two[0]["fix"],
          "two existing tables ACCESS EXCLUSIVE in one transaction: one warning at the second, naming both", r)
    one = [f for f in by_file.get(sorted(files)[-1], []) if f["rule"] == "access-exclusive-multiple-tables"]
    check(len(one) == 0 or one[0]["grade"] == "info",
          "a missing table is no second table to deadlock on: %s" % one, r)

    # a file that moves search_path: its later unqualified tables are not sized in the session's
    # search_path (they may be another schema's): graded as unsized, saying why; qualified ones are
    t.psql("CREATE SCHEMA other; CREATE TABLE other.small (a int, b text);")
    p2 = t.project(migrations={"0001_path.sql": "CREATE INDEX s1 ON small (b);\nSET search_path = other;\n"
                                                 "CREATE INDEX s2 ON small (b);\nCREATE INDEX s3 ON public.big (b);\n",
                               # IF NOT EXISTS finds the large table there: sized, not "created here"
                               "0002_ine.sql": "CREATE TABLE IF NOT EXISTS big (a int PRIMARY KEY, b text);\n"
                                               "CREATE INDEX s4 ON big (b);\n"})
    r2 = t.pgboot("lint", "--json", "--lint-level", "info", project=p2).expect(6)
    found = [f for f in json.loads(r2.out)["findings"] if f["rule"] == "index-not-concurrent"]
    got = {f["line"]: f for f in found if f["file"].endswith("0001_path.sql")}
    ine = [f for f in found if f["file"].endswith("0002_ine.sql")]
    check(len(ine) == 1 and ine[0]["grade"] == "error" and ine[0]["rows"] == 5000000,
          "CREATE TABLE IF NOT EXISTS of a large table: the index on it is sized (%s)" % ine, r2)
    check(got[1]["grade"] == "info" and got[1]["rows"] == 10, "before the SET: sized in the session's path", r2)
    check(got[3]["grade"] == "warning" and got[3]["rows"] is None, "after the SET: not sized, a warning", r2)
    check(got[4]["grade"] == "error" and got[4]["rows"] == 5000000, "a qualified name is still sized", r2)
    r3 = t.pgboot("lint", "--lint-level", "info", project=p2).expect(6)
    r3.expect_text('"small" not sized: the file changes search_path before it')

    # offline, the same files: nothing sized, what bites on a large table is a warning
    r = t.pgboot("lint", "--json", "--offline", "--lint-level", "info", project=p, url=None).expect(6)
    doc = json.loads(r.out)
    check(doc["offline"] is True and doc["server_version"] is None, "offline says so", r)
    for f in doc["findings"]:
        if f["rule"] in RULES and RULES[f["rule"]][1] == "size":
            check(f["grade"] == "warning" and f["rows"] is None,
                  "offline, %s:%d %s is a warning, unsized (got %s)" % (f["file"], f["line"], f["rule"], f["grade"]), r)


def test_names_holding_dots_are_one_table(t):
    """A quoted name may hold a dot: "x.y" is one table of the search path, x.y the table y of schema x,
    and each is sized as itself; a name of four dotted words ("a.b.c.d") is looked up like any other
    (it once stopped the lint, and with it the run: "improper relation name"). A migrate with the
    default --lint warn applies them."""
    t.psql('CREATE SCHEMA x; CREATE TABLE x.y (id int); CREATE TABLE "x.y" (id int); '
           'CREATE TABLE "a.b.c.d" (id int); CREATE TABLE "Big.One" (id int); '
           "ANALYZE x.y; ANALYZE \"x.y\"; ANALYZE \"a.b.c.d\"; ANALYZE \"Big.One\"; "
           "UPDATE pg_class SET reltuples = 5000000, relpages = 50000 "
           "WHERE oid IN ('x.y'::regclass, '\"Big.One\"'::regclass)")
    p = t.project(migrations={"0001_dots.sql": 'CREATE INDEX i1 ON "x.y" (id);\nCREATE INDEX i2 ON x.y (id);\n'
                                               'CREATE INDEX i3 ON "a.b.c.d" (id);\nCREATE INDEX i4 ON "Big.One" (id);\n'
                                               'DROP TABLE postgres_unused.x.y;\n'})
    r = t.pgboot("lint", "--json", "--lint-level", "info", project=p).expect(6)
    got = {(f["line"], f["rule"]): (f["table"], f["grade"], f["rows"]) for f in json.loads(r.out)["findings"]}
    check(got.get((1, "index-not-concurrent")) == ('"x.y"', "info", 0), 'the one table "x.y": small', got)
    check(got.get((2, "index-not-concurrent")) == ("x.y", "error", 5000000), "schema x, table y: large", got)
    check(got.get((3, "index-not-concurrent")) == ('"a.b.c.d"', "info", 0), '"a.b.c.d" sized, no error', got)
    check(got.get((4, "index-not-concurrent")) == ('"Big.One"', "error", 5000000), '"Big.One": large', got)
    check(got.get((5, "destructive-change")) == ("x.y", "warning", 5000000),
          "a database's part dropped from the name", got)
    t.pgboot("lint", "--lint-level", "info", project=p).expect(
        6, 'lock: SHARE on "x.y" (blocks writes)', 'table: "x.y", 0 rows', 'table: "a.b.c.d", 0 rows',
        'lock: SHARE on x.y (blocks writes)', 'table: x.y, 5.0 M rows', 'lock: SHARE on "Big.One"', where="out")
    p2 = t.project(migrations={"0001_dots.sql": 'CREATE INDEX i3 ON "a.b.c.d" (id);\nCREATE INDEX i1 ON "x.y" (id);\n'})
    t.pgboot("migrate", project=p2).expect(0, "applied migration 0001_dots", where="err")


def test_type_change_graded_by_the_columns_live_type(t):
    """When no pending statement says a column's type, the server does: a change that does not
    rewrite on the live type (varchar(100) to varchar(300), numeric(10,2) to numeric(12,2), integer
    to oid; checked by the table's filenode) is no finding on a large table; one that does says the
    type it rewrites from; a column the server does not have keeps the "not known" words; offline,
    every one is graded by the text alone."""
    t.psql("CREATE TABLE wide (id int, name varchar(100), price numeric(10,2), email text, at timestamp, n int);"
           "ANALYZE wide; UPDATE pg_class SET reltuples = 5000000, relpages = 50000 WHERE oid = 'wide'::regclass")
    sql = ("ALTER TABLE wide ALTER COLUMN name TYPE varchar(300);\n"
           "ALTER TABLE wide ALTER COLUMN price TYPE numeric(12,2), ALTER COLUMN id TYPE oid;\n"
           "ALTER TABLE wide ALTER COLUMN email TYPE varchar(50);\n"
           "ALTER TABLE wide ALTER COLUMN at TYPE timestamptz;\n"
           "ALTER TABLE wide ALTER COLUMN n TYPE bigint;\n"
           "ALTER TABLE wide ALTER COLUMN ghost TYPE text;\n")
    p = t.project(migrations={"0001_types.sql": sql})
    r = t.pgboot("lint", "--json", project=p).expect(6)
    got = {f["line"]: f for f in json.loads(r.out)["findings"] if f["rule"] == "type-change-rewrite"}
    check(sorted(got) == [3, 4, 5, 6], "lines 1 and 2 do not rewrite on the live types", got)
    check(got[3]["fix"].startswith("the column is text on the server: this change of it rewrites; instead: "
                                   "ALTER TABLE wide ADD COLUMN email_new varchar(50);"), "text to varchar(50)", got)
    check(got[4]["fix"].startswith("the column is timestamp without time zone on the server: the change is "
                                   "skipped only when the session's TimeZone is UTC"), "timestamp to timestamptz", got)
    check(got[5]["fix"].startswith("the column is integer on the server"), "integer to bigint", got)
    check(got[6]["fix"].startswith("the old type is not known from the text"), "no such column", got)
    check(all(f["grade"] == "error" for f in got.values()), "large: error", got)
    r = t.pgboot("lint", "--json", "--offline", project=p, url=None).expect(6)
    off = [f["line"] for f in json.loads(r.out)["findings"] if f["rule"] == "type-change-rewrite"]
    check(off == [1, 2, 2, 3, 4, 5, 6], "offline: by the text alone", off)
    # what the lint says is what the server does: no rewrite for lines 1 and 2
    before = t.psql("SELECT pg_relation_filenode('wide')")
    t.psql("ALTER TABLE wide ALTER COLUMN name TYPE varchar(300); "
           "ALTER TABLE wide ALTER COLUMN price TYPE numeric(12,2), ALTER COLUMN id TYPE oid")
    check(t.psql("SELECT pg_relation_filenode('wide')") == before, "the server did not rewrite", before)
    # --lint error refuses the run for the rest only: the safe ones alone apply
    p2 = t.project(migrations={"0001_safe.sql": "ALTER TABLE wide ALTER COLUMN name TYPE varchar(400);\n"})
    t.pgboot("migrate", "--lint", "error", project=p2).expect(0, "applied migration 0001_safe", where="err")


def test_a_schema_the_role_may_not_use_is_sized_without_error(t):
    """A role without USAGE on a schema lints (and migrates with the default --lint warn) a file
    naming a table there: sized from the catalogs, no "permission denied for schema" (which once
    ended the run with exit 70). The file itself then fails as the server says, exit 3."""
    import random
    role = "lg_%s_%04x" % (t.db[-8:], random.randrange(65536))
    t.psql("CREATE SCHEMA secret; CREATE TABLE secret.t (a int); ANALYZE secret.t; "
           "UPDATE pg_class SET reltuples = 5000000, relpages = 50000 WHERE oid = 'secret.t'::regclass; "
           "CREATE ROLE %s LOGIN PASSWORD 'lintpw'; GRANT CREATE ON SCHEMA public TO %s" % (role, role))

    def drop():
        t.psql("DROP OWNED BY %s CASCADE" % role, check=False)
        t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False)
    t.on_cleanup(drop)
    url = t.url(user=role, password="lintpw")
    p = t.project(migrations={"0001_s.sql": "CREATE INDEX ON secret.t (a);\nALTER TABLE secret.t ALTER a TYPE bigint;\n"})
    r = t.pgboot("lint", "--json", project=p, url=url).expect(6)
    got = [(f["rule"], f["table"], f["rows"], f["grade"]) for f in json.loads(r.out)["findings"]]
    check(got == [("index-not-concurrent", "secret.t", 5000000, "error"),
                  ("type-change-rewrite", "secret.t", 5000000, "error")], "sized, no error", got)
    t.pgboot("migrate", project=p, url=url).expect(3, "permission denied for schema secret", "0001_s.sql:1",
                                                   where="err")
