"""The lint (issue 15): pending migrations parsed by PostgreSQL's grammar and graded by the live
database (a small and a large table), offline, ignore directives, "pgboot lint --json"'s shape,
the --lint preflight of migrate and plan (warn, error, off) and the up-to-date start that parses
nothing."""
import json

from harness import check

SMALL_AND_BIG = (
    "CREATE TABLE small (id int, body text);"
    "INSERT INTO small SELECT g, 'x' FROM generate_series(1, 10) g;"
    "CREATE TABLE big (id int, body text);"
    "INSERT INTO big SELECT g, 'x' FROM generate_series(1, 1000) g;"
    "ANALYZE small; ANALYZE big;"
    # large cheaply: the planner's estimate says 5 M rows (the harness is superuser)
    "UPDATE pg_class SET reltuples = 5000000, relpages = 50000 WHERE oid = 'big'::regclass;"
)

FILES = {
    "0001_small.sql": "CREATE INDEX small_body ON small (body);\n",
    "0002_big.sql": "-- the big one\nSELECT 1;\nCREATE INDEX big_body ON big (body);\n",
    "0003_fresh.sql": "CREATE TABLE fresh (id int);\nCREATE INDEX fresh_id ON fresh (id);\n",
    "0004_conc.sql": "CREATE INDEX CONCURRENTLY big_id ON big (id);\n",
}


def _by_file(doc):
    return {f["file"].split("/")[-1]: f for f in doc["findings"]}


def test_lint_command_online_offline_and_json(t):
    t.psql(SMALL_AND_BIG)
    p = t.project(migrations=FILES)

    # online, the pending files (no history yet: all of them), as JSON
    r = t.pgboot("lint", "--json", project=p).expect(6)
    doc = json.loads(r.out)
    check(set(doc) == {"offline", "server_version", "findings", "counts"}, "the document's keys", r)
    check(doc["offline"] is False and doc["server_version"].startswith("15"), "graded by the server", r)
    keys = {"rule", "grade", "file", "line", "column", "reason", "lock", "table", "rows", "bytes", "fix",
            "ignored", "ignore_reason"}
    for f in doc["findings"]:
        check(set(f) == keys, "a finding's keys: %s" % sorted(f), r)
    by = _by_file(doc)
    small, big, fresh, conc = (by["0001_small.sql"], by["0002_big.sql"], by["0003_fresh.sql"],
                               by["0004_conc.sql"])
    check(small["rule"] == "index-not-concurrent" and small["grade"] == "info" and small["rows"] == 10,
          "a small table: info, its rows", r)
    check(small["bytes"] > 0 and small["lock"] == "SHARE" and small["table"] == "small", "size and lock", r)
    check(big["grade"] == "error" and big["rows"] == 5000000 and (big["line"], big["column"]) == (3, 1),
          "a large table: error, at its line", r)
    check(big["fix"].startswith("CREATE INDEX CONCURRENTLY big_body ON big (body);")
          and "pgboot:no-transaction" in big["fix"], "the fix is the user's statement: %s" % big["fix"], r)
    check(fresh["grade"] == "info" and fresh["rows"] is None, "a table created here: info, not sized", r)
    check(conc["rule"] == "concurrent-in-transaction" and conc["grade"] == "error", "a concurrent build in a "
          "transactional file: error whatever the size", r)
    check(doc["counts"] == {"info": 2, "warning": 0, "error": 2, "ignored": 0}, "counts: %s" % doc["counts"], r)

    # text: the place, the caret, lock, size, server; --lint-level error still counts the errors
    r = t.pgboot("lint", "--lint-level", "error", project=p).expect(6, where="out")
    r.expect_text("migrations/0002_big.sql:3:1: error: index-not-concurrent: ",
                  "LINE 3: CREATE INDEX big_body ON big (body);", 'lock: SHARE on "big" (blocks writes)',
                  '"big", 5.0 M rows, ', "(server 15.", "fix: CREATE INDEX CONCURRENTLY big_body", where="out")
    r.expect_text("lint: 2 findings graded error or above", where="err")

    # the files named, by path: only info there, exit 0; a threshold makes the small table large
    t.pgboot("lint", "migrations/0001_small.sql", "migrations/0003_fresh.sql", project=p).expect(
        0, "2 info", where="out")
    r = t.pgboot("lint", "--lint-large-rows", "5", "--json", "migrations/0001_small.sql", project=p).expect(6)
    check(json.loads(r.out)["findings"][0]["grade"] == "error", "10 rows >= 5: large", r)
    r = t.pgboot("lint", "--lint-large-size", "1GB", "--lint-large-rows", "10000000", "--json",
                 "migrations/0002_big.sql", project=p).expect(0)
    check(json.loads(r.out)["findings"][0]["grade"] == "info", "under both thresholds: info", r)
    t.pgboot("lint", "--lint-large-size", "lots", project=p).expect(78, "--lint-large-size")
    t.pgboot("lint", "--lint-level", "fatal", project=p).expect(78, "--lint-level")
    t.pgboot("lint", "migrations/nope.sql", project=p).expect(78, "nope.sql")

    # offline, asked: every file, graded by the text (warning for a table pgboot cannot size)
    r = t.pgboot("lint", "--offline", "--json", project=p, url=None).expect(6)
    doc = json.loads(r.out)
    by = _by_file(doc)
    check(doc["offline"] is True and doc["server_version"] is None, "offline document", r)
    check(by["0002_big.sql"]["grade"] == "warning" and by["0003_fresh.sql"]["grade"] == "info"
          and by["0004_conc.sql"]["grade"] == "error", "offline grades", r)
    r = t.pgboot("lint", "--offline", project=p, url=None).expect(6, "graded offline", where="out")
    # no server within the wait: offline, and it says why
    r = t.pgboot("lint", project=p, url="postgres://u:secret@127.0.0.1:1/db",
                 env={"PGBOOT_WAIT_TIMEOUT": "1s"}).expect(6, "no server reachable", where="all")
    r.expect_text("graded offline", where="out")
    r.expect_no_text("secret")
    check(t.psql("SELECT count(*) FROM pg_indexes WHERE tablename IN ('small', 'big')") == "0",
          "lint changed nothing", r)
    check(not t.table_exists("pgboot_migrations"), "lint created no history", r)


def test_lint_preflight_warn_error_off(t):
    t.psql(SMALL_AND_BIG)
    p = t.project(migrations={"0001_small.sql": FILES["0001_small.sql"], "0002_big.sql": FILES["0002_big.sql"]})

    # plan lints too, and --lint error refuses before anything runs
    t.pgboot("plan", project=p).expect(0, "index-not-concurrent", where="err")
    r = t.pgboot("migrate", "--lint", "error", project=p).expect(6, "0002_big.sql:3:1", "nothing applied",
                                                                  where="err")
    check(not t.table_exists("pgboot_migrations") or t.history() == [], "no history row", r)
    check(t.psql("SELECT count(*) FROM pg_indexes WHERE tablename IN ('small', 'big')") == "0",
          "no index built (0001 neither)", r)
    t.pgboot("migrate", project=p, env={"PGBOOT_LINT": "error"}).expect(6)
    t.pgboot("migrate", "--lint", "loud", project=p).expect(78, "--lint")

    # warn (the default): logged, applied; JSON logs: one event per finding with its fields
    r = t.pgboot("migrate", "--log-format", "json", project=p).expect(0)
    events = [e for e in r.json_lines() if e["event"] == "lint"]
    check(len(events) == 2, "one event per finding", r)
    big = [e for e in events if e["file"].endswith("0002_big.sql")][0]
    check(big["level"] == "error" and big["grade"] == "error" and big["rule"] == "index-not-concurrent"
          and big["line"] == 3 and big["column"] == 1 and big["lock"] == "SHARE" and big["table"] == "big"
          and big["rows"] == 5000000 and big["server_version"].startswith("15") and "fix" in big,
          "the finding's fields", r)
    check([v for _, v, _ in t.history()] == ["0001", "0002"], "applied", r)

    # the up-to-date start parses nothing: no lint line at all
    r = t.pgboot("migrate", project=p).expect(0, "up to date")
    r.expect_no_text("lint", "index-not-concurrent")

    # off: a new pending file with a finding, not linted, applied
    p.write("migrations", "0003_more.sql", "CREATE INDEX big_id ON big (id);\n")
    r = t.pgboot("migrate", "--lint", "off", project=p).expect(0)
    r.expect_no_text("lint", "index-not-concurrent")
    check(len(t.history()) == 3, "applied", r)


def test_lint_ignore_directives(t):
    t.psql(SMALL_AND_BIG)
    p = t.project(migrations={
        # the leading block (a blank line before the first statement): the whole file
        "0001_file.sql": "-- pgboot:lint-ignore index-not-concurrent -- built at night\n\n"
                         "CREATE INDEX a ON big (body);\nCREATE INDEX b ON big (id);\n",
        # the line before a statement: that one only; without a reason: a warning of its own
        "0002_stmt.sql": "-- pgboot:lint-ignore index-not-concurrent\nCREATE INDEX c ON big (body);\n"
                         "CREATE INDEX d ON small (body);\n-- pgboot:down\n"
                         "-- pgboot:lint-ignore index-not-concurrent -- the down part may say it too\n"
                         "DROP INDEX c;\n",
    })
    r = t.pgboot("lint", "--json", project=p).expect(6)
    doc = json.loads(r.out)
    got = sorted((f["file"].split("/")[-1], f["line"], f["rule"], f["ignored"], f["ignore_reason"])
                 for f in doc["findings"])
    check(got == [("0001_file.sql", 3, "index-not-concurrent", True, "built at night"),
                  ("0001_file.sql", 4, "index-not-concurrent", True, "built at night"),
                  ("0002_stmt.sql", 1, "lint-ignore-reason", False, None),
                  ("0002_stmt.sql", 2, "index-not-concurrent", True, None),
                  ("0002_stmt.sql", 3, "index-not-concurrent", False, None)], "findings: %s" % got, r)
    check(doc["counts"] == {"info": 1, "warning": 1, "error": 0, "ignored": 3}, "counts: %s" % doc["counts"], r)
    # ignored findings are not graded: --lint error applies it all (the reasonless one is a warning)
    t.pgboot("migrate", "--lint", "error", project=p).expect(0)
    check(len(t.history()) == 2, "applied", r)
    # the directive does not change the checksum rules: the history agrees with the files
    t.pgboot("status", project=p).expect(0)

    # a misspelled directive, an unknown rule: refused 78 with file:line, nothing applied
    for bad, line in (("-- pgboot:lint-ignor index-not-concurrent -- x\n", 2),
                      ("-- pgboot:lint-ignore index-not-concurent -- x\n", 2)):
        q = t.project(migrations={"0001_x.sql": "CREATE TABLE x (id int);\n" + bad + "SELECT 1;\n"})
        r = t.pgboot("migrate", project=q).expect(78, "0001_x.sql:%d" % line, where="err")
        t.pgboot("lint", "--offline", project=q, url=None).expect(78, "0001_x.sql:%d" % line, where="err")
