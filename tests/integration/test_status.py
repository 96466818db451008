"""status (text and --json), plan and migrate --dry-run, verify."""
import json

from harness import check, sha256_hex

MIGS = {"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "CREATE TABLE b (id int);"}


def test_status_fresh_database(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("status", project=p).expect(0, "0001", "0002", "pending", where="out")
    check(not t.table_exists("pgboot_migrations"), "status creates nothing")


def test_status_text(t):
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0003_c.sql", "SELECT 1;")
    r = t.pgboot("status", project=p).expect(0)
    lines = r.out.splitlines()
    row = [l for l in lines if "0001" in l]
    check(row and "applied" in row[0] and sha256_hex(MIGS["0001_a.sql"])[:12] in row[0],
          "0001 applied with its checksum", r)
    row3 = [l for l in lines if "0003" in l]
    check(row3 and "pending" in row3[0], "0003 pending", r)


def test_status_json(t):
    p = t.project(migrations=MIGS, seeds={"0001_s.sql": "INSERT INTO a VALUES (1);"})
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    p.write("migrations", "0003_c.sql", "SELECT 1;")
    r = t.pgboot("status", "--json", project=p).expect(0)
    doc = json.loads(r.out)
    items = doc["items"]
    by = {(i["kind"], i["version"]): i for i in items}
    check(by[("migration", "0001")]["state"] == "applied", "0001 applied", doc)
    check(by[("migration", "0003")]["state"] == "pending", "0003 pending", doc)
    check(by[("seed", "0001")]["state"] == "applied", "the seed is listed", doc)
    a = by[("migration", "0001")]
    check(a["file_checksum"] == sha256_hex(MIGS["0001_a.sql"]) == a["applied_checksum"], "checksums", a)
    check(a["name"] == "a" and a.get("applied_at"), "name and applied_at", a)


def test_status_drift_exit_5_json(t):
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_b.sql", "CREATE TABLE b (id bigint);")
    p.remove("migrations", "0001_a.sql")
    r = t.pgboot("status", "--json", project=p).expect(5)
    doc = json.loads(r.out)
    states = {i["version"]: i["state"] for i in doc["items"]}
    check(states == {"0001": "missing", "0002": "changed"}, "changed and missing", doc)


def test_status_future_migrations(t):
    """Versions newer than every file (a newer release applied them) show as
    future and are not drift: exit 0; --strict / PGBOOT_STRICT=1 make them 5."""
    new = dict(MIGS, **{"0003_c.sql": "CREATE TABLE c (id int);", "0004_d.sql": "CREATE TABLE d (id int);"})
    t.pgboot("migrate", project=t.project(migrations=new)).expect(0)
    old = t.project(migrations=MIGS)
    r = t.pgboot("status", project=old).expect(0)
    for v in ("0003", "0004"):
        row = [l for l in r.out.splitlines() if l.split()[1:2] == [v]]
        check(row and "future" in row[0], "%s future" % v, r)
    r.expect_text("2 future", where="out")
    doc = json.loads(t.pgboot("status", "--json", project=old).expect(0).out)
    states = {i["version"]: i["state"] for i in doc["items"]}
    check(states == {"0001": "applied", "0002": "applied", "0003": "future", "0004": "future"}, "json states", doc)
    check(doc["summary"]["future"] == 2 and doc["summary"]["missing"] == 0, "json summary", doc)
    t.pgboot("status", "--strict", project=old).expect(5, "2 future", "disagree", where="all")
    t.pgboot("status", project=old, env={"PGBOOT_STRICT": "1"}).expect(5, "future", where="out")


def test_plan_changes_nothing(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("plan", project=p).expect(0, "0001", "0002", where="out")
    check(not t.table_exists("a") and not t.table_exists("pgboot_migrations"), "plan created nothing", r)
    r2 = t.pgboot("migrate", "--dry-run", project=p).expect(0)
    check(r2.out == r.out, "migrate --dry-run prints what plan prints", r, r2)
    check(not t.table_exists("a") and not t.table_exists("pgboot_migrations"), "dry-run created nothing")


def test_plan_after_partial_apply(t):
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0003_c.sql", "CREATE TABLE c (id int);")
    r = t.pgboot("plan", project=p).expect(0, "0003", where="out")
    check("0001" not in r.out, "only what is pending", r)
    check(not t.table_exists("c"), "nothing applied")
    p.remove("migrations", "0003_c.sql")
    t.pgboot("plan", project=p).expect(0, "up to date", where="out")


def test_plan_with_drift_exit_5(t):
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_b.sql", "-- edited\nCREATE TABLE b (id int);")
    t.pgboot("plan", project=p).expect(5, "0002_b.sql", where="err")


def test_plan_does_not_need_the_lock(t):
    """plan changes nothing, so it does not wait for the lock: with another session holding it,
    plan (and migrate --dry-run) answer at once with 0."""
    from harness import lock_key
    p = t.project(migrations=MIGS)
    key = lock_key(t.db, "public.pgboot_migrations")
    t.hold("SELECT pg_advisory_lock(%d)" % key,
           ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted")
    # the lock stays held throughout: a plan that waited for it would end 75 after --lock-timeout
    r = t.pgboot("plan", "--lock-timeout", "60s", project=p, timeout=120).expect(0, "0001", where="out")
    check(r.elapsed < 30, "without waiting out the lock timeout", r)
    r = t.pgboot("migrate", "--dry-run", "--lock-timeout", "60s", project=p, timeout=120).expect(0)
    check(r.elapsed < 30, "without waiting out the lock timeout", r)


def test_plan_exits_5_when_history_and_files_disagree(t):
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0000_early.sql", "SELECT 1;")
    t.pgboot("plan", project=p).expect(5, "0000_early", where="err")


def test_plan_with_seeds(t):
    p = t.project(migrations=MIGS, seeds={"0001_s.sql": "INSERT INTO a VALUES (1);"})
    r = t.pgboot("plan", project=p).expect(0)
    check("0001_s" not in r.out and "seed" not in r.out, "no seeds without --with-test-data", r)
    r = t.pgboot("plan", "--with-test-data", project=p).expect(0, "seed", where="out")


def test_verify_command(t):
    p = t.project(migrations=MIGS, verify={"010_ok.sql": "SELECT 1 WHERE false;",
                                           "020_rows.sql": "SELECT * FROM a;"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("verify", project=p).expect(0, "verified", where="err")
    t.psql("INSERT INTO a SELECT generate_series(1, 9)")
    r = t.pgboot("verify", project=p).expect(4, "020_rows", "id=1", where="err")
    check("id=9" not in r.err, "only the first few rows are printed", r)


def test_verify_reports_pending_migrations(t):
    p = t.project(migrations=MIGS)
    t.pgboot("verify", project=p).expect(4, "pending", where="err")
    t.pgboot("migrate", project=p).expect(0)
    t.pgboot("verify", project=p).expect(0)
    p.write("migrations", "0002_b.sql", "-- changed")
    t.pgboot("verify", project=p).expect(4)


def test_verify_reports_invalid_index(t):
    p = t.project(migrations={"0001_t.sql": "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (1);"})
    t.pgboot("migrate", project=p).expect(0)
    t.psql("CREATE UNIQUE INDEX CONCURRENTLY t_x ON t (x)", check=False)
    check(t.psql("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == "1", "an INVALID index exists")
    t.pgboot("verify", project=p).expect(4, "t_x", where="err")


def test_verify_is_read_only(t):
    p = t.project(migrations=MIGS, verify={"010_writes.sql": "INSERT INTO a VALUES (1);"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    t.pgboot("verify", project=p).expect(4, "010_writes", where="err")
    check(t.psql("SELECT count(*) FROM a") == "0", "the check could not write")


def test_verify_checks_in_name_order(t):
    p = t.project(migrations=MIGS, verify={"020_second.sql": "SELECT 'second' AS which;",
                                           "010_first.sql": "SELECT 'first' AS which;",
                                           "README": "ignored"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    r = t.pgboot("verify", project=p).expect(4)
    check(r.err.index("010_first") < r.err.index("020_second"), "in file-name order", r)


def test_verify_broken_check_fails(t):
    p = t.project(migrations=MIGS, verify={"010_broken.sql": "SELECT * FROM no_such_view;",
                                           "020_ok.sql": "SELECT 1 WHERE false;"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    t.pgboot("verify", project=p).expect(4, "010_broken", where="err")


def test_verify_dir_option(t):
    p = t.project(migrations=MIGS)
    p.write("checks", "010_rows.sql", "SELECT 1;")
    t.pgboot("migrate", "--verify", p.path("checks", ""), project=p).expect(4)
    t.pgboot("migrate", project=p, env={"PGBOOT_VERIFY": p.path("checks", "")}).expect(4)
    t.pgboot("migrate", project=p).expect(0)


def test_migrations_dir_option(t):
    p = t.project()
    p.write("db/mig", "0001_a.sql", "CREATE TABLE a (id int);")
    t.pgboot("migrate", "--migrations", p.path("db/mig", ""), project=p).expect(0)
    check(t.table_exists("a"), "applied from --migrations")
    p.write("db/mig", "0002_b.sql", "CREATE TABLE b (id int);")
    t.pgboot("migrate", project=p, env={"PGBOOT_MIGRATIONS": p.path("db/mig", "")}).expect(0)
    check(t.table_exists("b"), "applied from PGBOOT_MIGRATIONS")


def test_status_uses_pg_catalog_functions_whatever_search_path(t):
    """pgboot's own SQL names pg_catalog's functions: a to_char in a schema that search_path
    puts before pg_catalog does not format the history's applied_at."""
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p).expect(0)
    t.psql("CREATE SCHEMA shadow; CREATE FUNCTION shadow.to_char(timestamp, text) RETURNS text "
           "LANGUAGE sql AS $$ SELECT 'shadowed'::text $$")
    t.psql('ALTER DATABASE "%s" SET search_path = shadow, pg_catalog, public' % t.db)
    r = t.pgboot("status", "--json", project=p).expect(0)
    a = [i for i in json.loads(r.out)["items"] if i["version"] == "0001"][0]
    check(a.get("applied_at", "").endswith("Z") and "shadowed" not in r.out, "applied_at from pg_catalog.to_char",
          a, r)
