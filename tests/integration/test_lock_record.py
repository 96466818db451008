"""The lock record (issue 15): each transactional migration or seed records, in
its history row's `locks` column, the strongest mode its transaction held on
each table (from pg_locks, computed by the row's INSERT just before COMMIT),
leaving out the history table, catalogs and what it created itself; the
applied log line and event carry it, status shows it. A no-transaction file
records none (NULL). A history table made before the column existed gets it
when something is to be applied; one the migrating role may not alter is used
as before, without records."""
import json
import random

from harness import check, sha256_hex

# the old shape of the history table (before the locks column), as an older pgboot created it
OLD_TABLE = ("CREATE TABLE public.pgboot_migrations (kind text NOT NULL CHECK (kind IN ('migration', 'seed')), "
             "version text NOT NULL, name text NOT NULL, checksum text NOT NULL, down_sql text, "
             "applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL DEFAULT 0, "
             "applied_by text NOT NULL DEFAULT '', progress integer, PRIMARY KEY (kind, version))")

BASE = {
    # tables it creates itself: nobody else could see them, no record
    "0001_base.sql": "CREATE TABLE users (id int PRIMARY KEY, name text);\n"
                     "CREATE TABLE audit (n int);\nCREATE TABLE events (id int);\n",
}
WORK = dict(BASE, **{
    # an existing table altered, one written, one indexed; a new table, its index, a view and a sequence left out
    "0002_work.sql": "ALTER TABLE users ADD COLUMN email text;\nINSERT INTO audit VALUES (1);\n"
                     "CREATE INDEX events_id ON events (id);\nCREATE TABLE fresh (id int PRIMARY KEY);\n"
                     "CREATE INDEX fresh_id ON fresh (id);\nINSERT INTO fresh VALUES (1);\n"
                     "CREATE VIEW fresh_v AS SELECT id FROM fresh;\nCREATE SEQUENCE fresh_s;\nSELECT nextval('fresh_s');\n",
    "0003_concurrently.sql": "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY users_name ON users (name);\n",
})
SEEDS = {"0001_audit.sql": "INSERT INTO audit VALUES (2);\n"}
WANT_0002 = "ACCESS EXCLUSIVE public.users, SHARE public.events, ROW EXCLUSIVE public.audit"
WANT_0002_JSON = [{"table": "public.users", "mode": "ACCESS EXCLUSIVE"},
                  {"table": "public.events", "mode": "SHARE"},
                  {"table": "public.audit", "mode": "ROW EXCLUSIVE"}]


def _locks(t, kind="migration"):
    """{version: the locks column (None for SQL null)}"""
    out = t.psql("SELECT version, coalesce(locks, '<null>') FROM pgboot_migrations WHERE kind = '%s' "
                 "ORDER BY version" % kind)
    return {v: (None if l == "<null>" else l) for v, l in (line.split("|", 1) for line in out.splitlines())}


def _status_row(r, version, kind="migration"):
    rows = [l for l in r.out.splitlines() if l.split()[0:2] == [kind, version]]
    check(len(rows) == 1, "one status row for %s %s" % (kind, version), r)
    return rows[0]


def test_locks_recorded_logged_and_shown(t):
    p = t.project(migrations=WORK, seeds=SEEDS)
    r = t.pgboot("migrate", "--with-test-data", "--log-format", "json", project=p).expect(0)
    got = _locks(t)
    check(got == {"0001": "", "0002": WANT_0002, "0003": None},
          "0001 created its tables (no record), 0002 holds users/events/audit (not fresh, not the history), "
          "0003 ran without a transaction (NULL)", got)
    check(_locks(t, "seed") == {"0001": "ROW EXCLUSIVE public.audit"}, "the seed's record", _locks(t, "seed"))
    events = {(e["event"], e.get("version")): e for e in r.json_lines()}
    e2 = events.get(("migration_applied", "0002"))
    check(e2 is not None and e2.get("locks") == WANT_0002_JSON, "the applied event carries the locks", r)
    check(events[("migration_applied", "0001")].get("locks") == [], "no lock: an empty list", r)
    check("locks" not in events[("migration_applied", "0003")], "no-transaction: no locks field", r)
    check(events[("seed_applied", "0001")].get("locks") == [{"table": "public.audit", "mode": "ROW EXCLUSIVE"}],
          "the seed's event", r)
    check(WANT_0002 in e2["msg"], "the message names them too", e2)
    # the text log line
    p.write("migrations", "0004_more.sql", "UPDATE audit SET n = n + 1;\nLOCK TABLE events IN EXCLUSIVE MODE;\n")
    t.pgboot("migrate", project=p).expect(
        0, "applied migration 0004_more", "locks: EXCLUSIVE public.events, ROW EXCLUSIVE public.audit", where="err")
    # status, text and JSON
    r = t.pgboot("status", project=p).expect(0)
    check(_status_row(r, "0002").endswith(WANT_0002), "status shows 0002's locks", r)
    check(_status_row(r, "0001").endswith(" none"), "status: recorded, none", r)
    check(_status_row(r, "0003").rstrip().endswith("yes") or _status_row(r, "0003").rstrip().endswith("no"),
          "status: 0003 has no record (the row ends at DOWN)", r)
    check("LOCKS" in r.out.splitlines()[2], "the LOCKS header", r)
    doc = json.loads(t.pgboot("status", "--json", project=p).expect(0).out)
    by = {(i["kind"], i["version"]): i for i in doc["items"]}
    check(by[("migration", "0002")]["locks"] == WANT_0002_JSON, "status --json: 0002", doc)
    check(by[("migration", "0001")]["locks"] == [] and by[("migration", "0003")]["locks"] is None,
          "status --json: none recorded vs no record", doc)
    check(by[("seed", "0001")]["locks"] == [{"table": "public.audit", "mode": "ROW EXCLUSIVE"}], "the seed", doc)


def test_locks_with_run_transaction_and_wrapped_file(t):
    """--lock-mode transaction: each file in a savepoint of the run's transaction; what a file created in
    its savepoint (or an earlier file of the run) is still its own; a file wrapped in its own BEGIN/COMMIT
    and a quoted name in another schema."""
    t.psql('CREATE SCHEMA "Odd S"; CREATE TABLE "Odd S"."T 1" (id int); CREATE TABLE kept (id int)')
    migs = {
        "0001_new.sql": "CREATE TABLE made (id int);\nALTER TABLE made ADD COLUMN x int;\n",
        "0002_wrapped.sql": "BEGIN;\nALTER TABLE \"Odd S\".\"T 1\" ADD COLUMN y int;\nINSERT INTO made VALUES (1);\n"
                            "SELECT * FROM kept;\nCOMMIT;\n",
    }
    p = t.project(migrations=migs)
    r = t.pgboot("migrate", "--lock-mode", "transaction", "--log-format", "json", project=p).expect(0)
    got = _locks(t)
    check(got == {"0001": "", "0002": 'ACCESS EXCLUSIVE "Odd S"."T 1", ACCESS SHARE public.kept'},
          "made is the run's own in both files; kept read, the odd name quoted", got)
    e = [x for x in r.json_lines() if x.get("version") == "0002" and "locks" in x]
    check(e and e[0]["locks"] == [{"table": '"Odd S"."T 1"', "mode": "ACCESS EXCLUSIVE"},
                                  {"table": "public.kept", "mode": "ACCESS SHARE"}], "the event", r)


def test_older_history_table_upgraded(t):
    """A history an older pgboot made (no locks column): status and an up-to-date start read it as before
    (no record, no ALTER); a migrate while a session holds the history past the upgrade's wait applies as
    before, unrecorded; the next adds the column, old rows keep NULL, the new one is recorded;
    pgboot's own INSERT and SELECT of an older release (named columns) still work on the new shape."""
    p = t.project(migrations=BASE)
    # 0001 applied by an older release
    t.psql(OLD_TABLE + "; " + BASE["0001_base.sql"] +
           "; INSERT INTO pgboot_migrations (kind, version, name, checksum, down_sql, applied_at, duration_ms, "
           "applied_by) VALUES ('migration', '0001', 'base', '%s', NULL, now(), 1, 'pgboot old')"
           % sha256_hex(BASE["0001_base.sql"]))
    r = t.pgboot("status", "--json", project=p).expect(0)
    check(json.loads(r.out)["items"][0]["locks"] is None, "status reads the old shape: no record", r)
    t.pgboot("run", "--", "true", project=p).expect(0, "up to date", where="err")
    check(t.psql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'pgboot_migrations'::regclass "
                 "AND attname = 'locks' AND NOT attisdropped") == "0", "nothing pending: no ALTER")
    # a session reading the history for longer than the upgrade waits (2 s): applied as before, unrecorded
    app = t.hold("BEGIN; SELECT count(*) FROM pgboot_migrations")
    p.write("migrations", "0002_a.sql", "INSERT INTO audit VALUES (3);\n")
    r = t.pgboot("migrate", project=p).expect(0, 'could not add column "locks"', "lock timeout",
                                               "applied migration 0002_a", where="err")
    r.expect_no_text("locks: ", where="err")
    t.release(app)
    check(t.history() == [("migration", "0001", "base"), ("migration", "0002", "a")], "0002 applied", r)
    p.write("migrations", "0003_a.sql", "INSERT INTO audit VALUES (4);\n")
    t.pgboot("migrate", project=p).expect(0, "locks: ROW EXCLUSIVE public.audit", where="err")
    check(_locks(t) == {"0001": None, "0002": None, "0003": "ROW EXCLUSIVE public.audit"},
          "upgraded: older rows NULL", _locks(t))
    # an older release's statements, as it sends them, on the new shape
    t.psql("INSERT INTO public.pgboot_migrations (kind, version, name, checksum, down_sql, applied_at, "
           "duration_ms, applied_by) VALUES ('migration', '0009', 'old', 'x', NULL, now(), 1, 'pgboot old')")
    out = t.psql("SELECT kind, version, name, checksum, applied_at, duration_ms, applied_by, progress, "
                 "down_sql IS NOT NULL, NULL FROM public.pgboot_migrations WHERE version = '0009'")
    check(out.startswith("migration|0009|old|x|"), "an older pgboot's insert and read", out)


def test_history_not_alterable_goes_on_without_records(t):
    """The migrating role does not own the history table (it may write it): adding the column is refused,
    a warning says so with the ALTER its owner runs, and the migration applies as before, unrecorded."""
    role = "mig_%s_%04x" % (t.db[-8:], random.randrange(65536))
    t.psql("CREATE ROLE %s LOGIN PASSWORD 'migpw'; GRANT ALL ON SCHEMA public TO %s; %s; "
           "GRANT SELECT, INSERT, UPDATE, DELETE ON pgboot_migrations TO %s" % (role, role, OLD_TABLE, role))

    def drop():
        t.psql("DROP OWNED BY %s CASCADE" % role, check=False)
        t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False)
    t.on_cleanup(drop)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n"})
    r = t.pgboot("migrate", project=p, url=t.url(user=role, password="migpw"))
    r.expect(0, 'could not add column "locks" to history table "public.pgboot_migrations"',
             "must be owner", 'ALTER TABLE "public"."pgboot_migrations" ADD COLUMN locks text', where="err")
    r.expect_no_text("migpw")
    check(t.history() == [("migration", "0001", "a")], "applied as before", t.history())
    # the owner adds it: the next file is recorded
    t.psql("ALTER TABLE pgboot_migrations ADD COLUMN locks text")
    p.write("migrations", "0002_b.sql", "INSERT INTO a VALUES (1);\n")
    r = t.pgboot("migrate", project=p, url=t.url(user=role, password="migpw")).expect(0)
    r.expect_no_text("could not add column", where="err")
    check(_locks(t) == {"0001": None, "0002": "ROW EXCLUSIVE public.a"}, "recorded once the column is there",
          _locks(t))
