"""Lint review fixes (issue 15) against a real server: add-column-not-null-no-default is an error on a
table with rows, and the migration it names does fail there (exit 3), while its fix runs; the
created-here facts follow a rename and know the run's schema (destructive-change and rename say
nothing of them, across files); type-change-rewrite's fix keeps the USING expression, and the
fix's own statements run; ADD CONSTRAINT ... EXCLUDE is found."""
import json

from harness import check

SETUP = (
    "CREATE TABLE users (id int PRIMARY KEY, c text);"
    "INSERT INTO users SELECT g, g::text FROM generate_series(1, 50) g;"
    "CREATE TABLE bookings (room int, during int4range);"
    "ANALYZE users; ANALYZE bookings;"
)

FILES = {
    "0001_made.sql": "CREATE SCHEMA scratch;\nCREATE TABLE scratch.tmp (id int);\nCREATE TABLE made (id int, x int);\n"
                     "ALTER TABLE made RENAME TO made2;\n",
    "0002_use.sql": "ALTER TABLE made2 RENAME x TO y;\nALTER TABLE made2 DROP COLUMN y;\nDROP SCHEMA scratch CASCADE;\n"
                    "ALTER TABLE users ALTER c TYPE int USING c::int;\n"
                    "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);\n"
                    "ALTER TABLE users ADD COLUMN org_id bigint NOT NULL;\n",
}


def test_lint_review_fixes_against_the_server(t):
    t.psql(SETUP)
    p = t.project(migrations=FILES)
    r = t.pgboot("lint", "--json", "--lint-level", "info", project=p).expect(6)
    doc = json.loads(r.out)
    check(doc["offline"] is False, "graded online", r)
    found = {(f["file"].split("/")[-1], f["line"], f["rule"]): f for f in doc["findings"]}
    # the run's own table (renamed) and schema: no rename or destructive-change finding at all
    check(not any(k[2] in ("rename", "destructive-change") for k in found),
          "the run's renamed table and its schema are its own: %s" % sorted(found), r)
    nn = found.get(("0002_use.sql", 6, "add-column-not-null-no-default"))
    check(nn is not None and nn["grade"] == "error" and nn["table"] == "users" and nn["rows"] == 50,
          "ADD COLUMN NOT NULL without a default on a table with rows: an error, sized", r)
    check(nn["fix"].startswith("give the existing rows a value: ALTER TABLE users ADD COLUMN org_id bigint NOT NULL "
                               "DEFAULT <a value>;"), nn["fix"], r)
    ty = found.get(("0002_use.sql", 4, "type-change-rewrite"))
    check(ty is not None and "(UPDATE users SET c_new = c::int WHERE <a range of keys>)" in ty["fix"],
          "the USING expression kept: %s" % (ty and ty["fix"]), r)
    ex = found.get(("0002_use.sql", 5, "constraint-inline-index"))
    check(ex is not None and ex["lock"] == "ACCESS EXCLUSIVE" and ex["fix"].startswith("there is no online way"),
          "ADD CONSTRAINT ... EXCLUDE found, its fix honest: %s" % (ex and ex["fix"]), r)

    # the type change's fix runs as written (its range of keys: every row)
    t.psql("ALTER TABLE users ADD COLUMN c_new int; UPDATE " +
           ty["fix"].split("(UPDATE ", 1)[1].split(")", 1)[0].replace("<a range of keys>", "true") + ";")
    check(t.psql("SELECT sum(c_new) FROM users") == "1275", "the fix's UPDATE filled c_new with c::int", r)
    t.psql("ALTER TABLE users DROP COLUMN c_new")

    # what the finding says: the migration fails at once on a table with rows
    no_exclude = dict(FILES)
    no_exclude["0002_use.sql"] = FILES["0002_use.sql"].replace(
        "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);\n", "")
    p = t.project(migrations=no_exclude)
    r = t.pgboot("migrate", project=p).expect(3, "org_id", "contains null values")
    check(t.psql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'org_id'")
          == "0", "nothing of the failed file stayed", r)
    # the fix's first way runs, and the lint passes it
    p.write("migrations", "0002_use.sql", no_exclude["0002_use.sql"].replace(
        "ADD COLUMN org_id bigint NOT NULL;", "ADD COLUMN org_id bigint NOT NULL DEFAULT 0;"))
    r = t.pgboot("lint", "--json", "--lint-level", "info", project=p).expect(6)
    check(not any(f["rule"] == "add-column-not-null-no-default" for f in json.loads(r.out)["findings"]),
          "with a DEFAULT: not found", r)
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT count(*) FROM users WHERE org_id = 0") == "50", "every row got the default", r)
