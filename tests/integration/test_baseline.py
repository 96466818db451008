"""pgboot baseline: a database that scripts built (no history at all) gets the
migrations up to --version recorded as applied without running them, in one
transaction under the lock, as migrate would have recorded them (checksum, down
part) but "baselined by"; migrate then applies only the later files; status shows
them as baselined; without --confirm only the plan (10); --verify-first records
nothing unless the checks pass (4); a version no file has is 78."""
import json

from harness import check

FILES = {
    "0001_a.sql": "CREATE TABLE a (id int);\n-- pgboot:down\nDROP TABLE a;\n",
    "0002_b.sql": "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down transaction:false\nDROP TABLE b;\n",
    "0003_c.sql": "CREATE TABLE c (id int);\n-- pgboot:down\nDROP TABLE c;\n",
}
SCRIPT = "CREATE TABLE a (id int); CREATE TABLE b (id int);"  # what init_database.sh made: 0001 and 0002
ROW = "SELECT version, name, checksum, replace(down_sql, E'\\n', '~'), duration_ms FROM pgboot_migrations WHERE version <= '0002' ORDER BY version"


def _scripted(t, **kw):
    p = t.project(migrations=dict(FILES), seeds={"0001_s.sql": "INSERT INTO a VALUES (1);"}, **kw)
    t.psql(SCRIPT)
    return p


def test_baseline_then_migrate(t):
    p = _scripted(t)
    r = t.pgboot("baseline", "--version", "0002", project=p).expect(10, "baseline not confirmed", where="err")
    r.expect_text("would record 2 migrations up to 0002", "(to be created)", "0001_a.sql", "0002_b.sql", where="out")
    r.expect_no_text("0003", where="out")
    check(not t.table_exists("pgboot_migrations"), "without --confirm nothing is created", r)

    r = t.pgboot("baseline", "--version", "0002", "--confirm", project=p)
    r.expect(0, "recorded 2 migrations up to 0002 as applied without running them", where="err")
    check(t.history() == [("migration", "0001", "a"), ("migration", "0002", "b")], "0001 and 0002, no seed", t.history(), r)
    by = t.psql("SELECT DISTINCT applied_by FROM pgboot_migrations")
    check(by.startswith("baselined by pgboot ") and "\n" not in by, "applied_by says baselined", by)
    # recorded exactly as migrate records the same files (checksum, stored down part), duration 0
    other = t.new_database()
    t.pgboot("migrate", "--no-verify", project=t.project(migrations={k: FILES[k] for k in ("0001_a.sql", "0002_b.sql")}),
             url=t.url(other)).expect(0)
    mine, theirs = t.psql(ROW), t.psql(ROW, db=other)
    check([l.rsplit("|", 1)[0] for l in mine.splitlines()] == [l.rsplit("|", 1)[0] for l in theirs.splitlines()],
          "the rows migrate writes", mine, theirs)
    check(all(l.endswith("|0") for l in mine.splitlines()), "duration 0", mine)
    check("-- pgboot:no-transaction" in mine, "dbmate's transaction:false kept as migrate stores it", mine)

    r = t.pgboot("status", project=p).expect(0)
    rows = {l.split()[1]: l for l in r.out.splitlines() if l.startswith("migration")}
    check("baselined" in rows["0001"] and "baselined" in rows["0002"] and "pending" in rows["0003"], "status text", r)
    r.expect_text("0 applied, 2 pending", "2 baselined", where="out")
    doc = json.loads(t.pgboot("status", "--json", project=p).expect(0).out)
    states = {i["version"]: i["state"] for i in doc["items"] if i["kind"] == "migration"}
    check(states == {"0001": "baselined", "0002": "baselined", "0003": "pending"}, "status --json", doc)
    check(doc["summary"]["baselined"] == 2 and doc["summary"]["applied"] == 0, "json summary", doc)

    r = t.pgboot("migrate", project=p).expect(0, "1 file to apply", where="err")
    check(t.table_exists("c"), "0003 applied", r)
    check(t.psql("SELECT applied_by LIKE 'baselined%' FROM pgboot_migrations WHERE version = '0003'") == "f",
          "0003 applied, not baselined", r)
    # a second baseline changes nothing and says so (PGBOOT_CONFIRM=1 confirms as for rollback)
    before = t.psql("SELECT * FROM pgboot_migrations ORDER BY version")
    r = t.pgboot("baseline", "--version", "0002", project=p, env={"PGBOOT_CONFIRM": "1"})
    r.expect(0, "nothing to record", "left as they are", where="err")
    t.pgboot("baseline", "--version", "3", project=p).expect(0, "nothing to record", "0003", where="out")
    check(t.psql("SELECT * FROM pgboot_migrations ORDER BY version") == before, "the history is unchanged", r)
    # a baselined migration rolls back with its stored down part
    t.pgboot("rollback", "--to", "0001", "--confirm", project=p).expect(0)
    check(not t.table_exists("b") and not t.table_exists("c") and t.table_exists("a"), "rolled back 0003 and 0002")


def test_baseline_refusals(t):
    p = _scripted(t)
    t.pgboot("baseline", "--version", "0009", "--confirm", project=p).expect(78, 'no migration file in "migrations" has version "0009"', where="err")
    t.pgboot("baseline", "--version", "x1", "--confirm", project=p).expect(78, 'invalid value for "--version"', where="err")
    t.pgboot("baseline", "--confirm", project=p).expect(2, "requires --version VERSION", where="err")
    check(not t.table_exists("pgboot_migrations"), "nothing created")
    # a file to record older than an applied migration is out of order: 5, unless --allow-out-of-order
    other = t.project(migrations={"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;"})
    t.pgboot("migrate", project=other).expect(0)
    other.write("migrations", "0002_b.sql", "SELECT 1;")
    r = t.pgboot("baseline", "--version", "0002", "--confirm", project=other).expect(5, "out of order", where="err")
    check(len(t.history()) == 2, "nothing recorded", r)
    t.pgboot("baseline", "--version", "0002", "--confirm", "--allow-out-of-order", project=other).expect(0)
    check([v for _, v, _ in t.history()] == ["0001", "0002", "0003"], "0002 recorded", t.history())


def test_baseline_verify_first(t):
    checks = {"010_b.sql": "SELECT 'b missing' WHERE to_regclass('b') IS NULL;",
              # requires a version after the baseline: skipped, not failed
              "020_c.sql": "-- pgboot:requires 0003\nSELECT 'c missing' WHERE to_regclass('c') IS NULL;"}
    p = t.project(migrations=dict(FILES), verify=checks)
    t.psql("CREATE TABLE a (id int)")  # the script forgot b
    r = t.pgboot("baseline", "--version", "0002", "--confirm", "--verify-first", project=p)
    r.expect(4, "verification failed", "010_b", "Nothing was recorded", where="err")
    check(not t.table_exists("pgboot_migrations"), "nothing recorded", r)
    t.pgboot("baseline", "--version", "0002", "--verify-first", project=p).expect(4)
    t.psql("CREATE TABLE b (id int)")
    t.pgboot("baseline", "--version", "0002", "--verify-first", project=p).expect(10)
    r = t.pgboot("baseline", "--version", "0002", "--confirm", "--verify-first", "--lock-mode", "transaction", project=p)
    r.expect(0, "skipped check", "recorded 2 migrations", where="err")
    check([v for _, v, _ in t.history()] == ["0001", "0002"], "recorded", t.history(), r)


def test_baseline_from_every_replica_at_once(t):
    """Under the lock: one records, the others find it done; the rows are written once."""
    p = _scripted(t)
    procs = [t.spawn("baseline", "--version", "0002", "--confirm", project=p) for _ in range(4)]
    results = [pr.wait(60) for pr in procs]
    for r in results:
        r.expect(0)
    recorded = [r for r in results if "recorded 2 migrations" in r.err]
    check(len(recorded) == 1, "one replica records", *results)
    check(t.history() == [("migration", "0001", "a"), ("migration", "0002", "b")], "two rows", t.history())
