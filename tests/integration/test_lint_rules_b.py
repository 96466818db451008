"""The lint rules of issue 15's second family (lock model, table rewrites, LOCK TABLE, mass
UPDATE/DELETE, destructive changes, renames, two ACCESS EXCLUSIVE tables in one transaction):
offline over bad and good statements (ids, lines, locks, tables), then online, where the fixes
the rules write out are applied by pgboot itself and must do what they say."""
import json
import re

from harness import check

BAD = {
    # one transaction: users, then "Orders" ACCESS EXCLUSIVE; fresh is the run's own
    "0001_multi.sql": "CREATE TABLE fresh (id int);\n"
                      "ALTER TABLE fresh ADD COLUMN a int;\n"
                      "ALTER TABLE users ADD COLUMN a int;\n"
                      "ALTER TABLE app.\"Orders\" RENAME COLUMN total TO amount;\n"
                      "UPDATE users SET a = 0;\n"
                      "DELETE FROM users WHERE id < 10;\n"
                      "LOCK TABLE users IN SHARE MODE;\n"
                      "UPDATE fresh SET a = 1;\n",
    # each statement its own transaction
    "0002_maint.sql": "-- pgboot:no-transaction\n"
                      "VACUUM FULL users;\n"
                      "VACUUM users;\n"
                      "CLUSTER users USING users_pkey;\n"
                      "REINDEX TABLE users;\n"
                      "REINDEX TABLE CONCURRENTLY users;\n"
                      "REFRESH MATERIALIZED VIEW totals;\n"
                      "REFRESH MATERIALIZED VIEW CONCURRENTLY totals;\n"
                      "ALTER TABLE users ADD COLUMN b int;\n"
                      "ALTER TABLE app.\"Orders\" ADD COLUMN c int;\n",
    "0003_drop.sql": "ALTER TABLE users SET LOGGED;\n"
                     "DROP TABLE legacy;\n"
                     "ALTER TABLE users DROP COLUMN b;\n"
                     "TRUNCATE audit;\n"
                     "ALTER TABLE users RENAME TO members;\n"
                     "DROP TABLE fresh;\n",
}

WANT = sorted([
    ("0001_multi.sql", 4, "access-exclusive-multiple-tables", "ACCESS EXCLUSIVE", 'app."Orders"'),
    ("0001_multi.sql", 4, "rename", "ACCESS EXCLUSIVE", 'app."Orders"'),
    ("0001_multi.sql", 5, "mass-update-delete", "ROW EXCLUSIVE", "users"),
    ("0001_multi.sql", 7, "lock-table", "SHARE", "users"),
    ("0002_maint.sql", 2, "vacuum-full", "ACCESS EXCLUSIVE", "users"),
    ("0002_maint.sql", 4, "cluster", "ACCESS EXCLUSIVE", "users"),
    ("0002_maint.sql", 5, "reindex-not-concurrent", "SHARE", "users"),
    ("0002_maint.sql", 7, "refresh-matview-not-concurrent", "ACCESS EXCLUSIVE", "totals"),
    ("0003_drop.sql", 1, "set-logged-unlogged", "ACCESS EXCLUSIVE", "users"),
    ("0003_drop.sql", 2, "access-exclusive-multiple-tables", "ACCESS EXCLUSIVE", "legacy"),
    ("0003_drop.sql", 2, "destructive-change", "ACCESS EXCLUSIVE", "legacy"),
    ("0003_drop.sql", 3, "destructive-change", "ACCESS EXCLUSIVE", "users"),
    ("0003_drop.sql", 4, "destructive-change", "ACCESS EXCLUSIVE", "audit"),
    ("0003_drop.sql", 5, "rename", "ACCESS EXCLUSIVE", "users"),
])


def _fix(doc, rule):
    found = [f for f in doc["findings"] if f["rule"] == rule]
    check(len(found) == 1, "one %s finding: %s" % (rule, doc["findings"]))
    return found[0]


def test_lint_rules_b_findings_and_their_fixes(t):
    # offline: every rule's place, lock and table; the good statements give nothing
    p = t.project(migrations=BAD)
    r = t.pgboot("lint", "--offline", "--json", project=p, url=None).expect(6)
    doc = json.loads(r.out)
    got = sorted((f["file"].split("/")[-1], f["line"], f["rule"], f["lock"], f["table"])
                 for f in doc["findings"])
    check(got == WANT, "findings:\n%s" % "\n".join(map(str, got)), r)
    by = {(f["file"].split("/")[-1], f["line"], f["rule"]): f for f in doc["findings"]}
    check(by[("0001_multi.sql", 4, "access-exclusive-multiple-tables")]["column"] == 13, "at the table", r)
    multi = by[("0001_multi.sql", 4, "access-exclusive-multiple-tables")]["fix"]
    check('LOCK TABLE users, app."Orders" IN ACCESS EXCLUSIVE MODE;' in multi, "both named: %s" % multi, r)
    check(by[("0002_maint.sql", 5, "reindex-not-concurrent")]["fix"].startswith(
        "REINDEX TABLE CONCURRENTLY users;"), "the concurrent form", r)
    check(by[("0001_multi.sql", 4, "rename")]["fix"].startswith(
        'expand and contract: ALTER TABLE app."Orders" ADD COLUMN amount'), "the user's spelling", r)
    grades = {(f["rule"], f["grade"]) for f in doc["findings"]}
    check(("vacuum-full", "warning") in grades and ("rename", "warning") in grades,
          "offline: warning for what pgboot cannot size", r)

    # online: a large table graded error, then the fixes applied by pgboot do what they say
    t.psql("CREATE TABLE big (id int PRIMARY KEY, a int);"
           "INSERT INTO big SELECT g, 0 FROM generate_series(1, 25000) g;"
           "CREATE TABLE gone (id int); INSERT INTO gone SELECT generate_series(1, 12000);"
           "CREATE TABLE accounts (id int PRIMARY KEY, name text);"
           "ANALYZE big; ANALYZE gone; ANALYZE accounts;")
    q = t.project(migrations={"0001_bad.sql": "UPDATE big SET a = 7;\nDELETE FROM gone;\n"
                                              "ALTER TABLE accounts RENAME TO profiles;\n"})
    r = t.pgboot("lint", "--json", "--lint-large-rows", "1000", project=q).expect(6)
    doc = json.loads(r.out)
    ren = _fix(doc, "rename")
    dele = [f for f in doc["findings"] if f["rule"] == "mass-update-delete" and f["table"] == "gone"]
    upd = [f for f in doc["findings"] if f["rule"] == "mass-update-delete" and f["table"] == "big"]
    check(len(upd) == 1 and len(dele) == 1, "both statements found", r)
    upd, dele = upd[0], dele[0]
    check(upd["grade"] == "error" and upd["rows"] == 25000 and upd["lock"] == "ROW EXCLUSIVE", "graded by size", r)
    check(ren["grade"] == "warning" and ren["table"] == "accounts", "a rename: warning whatever the size", r)

    block = re.compile(r"DO \$batch\$.*?END \$batch\$;")
    fixes = {
        "0001_update.sql": "-- pgboot:no-transaction\n" + block.search(upd["fix"]).group(0) + "\n",
        "0002_delete.sql": "-- pgboot:no-transaction\n" + block.search(dele["fix"]).group(0) + "\n",
        "0003_rename.sql": re.search(r"in one transaction (.*?;.*?;)", ren["fix"]).group(1) + "\n",
    }
    f = t.project(migrations=fixes)
    t.pgboot("migrate", project=f).expect(0)
    check(t.psql("SELECT count(*) FROM big WHERE a = 7") == "25000", "every row updated", r)
    # batches that each committed: three transactions wrote the rows (10000, 10000, 5000)
    check(t.psql("SELECT count(DISTINCT xmin::text) FROM big") == "3", "three batches", r)
    check(t.psql("SELECT count(*) FROM gone") == "0", "every row deleted", r)
    # the old name still works, for reads and writes, through the view
    t.psql("INSERT INTO accounts (id, name) VALUES (1, 'x')")
    check(t.psql("SELECT name FROM profiles WHERE id = 1") == "x", "written through the view", r)
