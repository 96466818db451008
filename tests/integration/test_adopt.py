"""pgboot adopt and --adopt: another tool's history taken over (adopt.h).

Each tool's history table is written here in the tool's exact format (the CREATE TABLE
and the rows as the tool's own source writes them, copied into each tool's *_SQL below);
the schema itself is made by applying the files' up parts with psql. The kaiwa helper
tests against the real npm tools separately.
"""
import hashlib
import time
import zlib

from harness import check

APPLIED_AT = "2024-05-01 10:00:00+00"
UPS = {
    "0001": "CREATE TABLE users (id int PRIMARY KEY);",
    "0002": "CREATE TABLE posts (id int, user_id int REFERENCES users);",
}
FILES = {
    "0001_users.sql": UPS["0001"] + "\n-- pgboot:down\nDROP TABLE users;\n",
    "0002_posts.sql": UPS["0002"] + "\n-- pgboot:down\nDROP TABLE posts;\n",
}
NEWER = {"0003_tags.sql": "CREATE TABLE tags (id int);\n"}

# their tables, as each tool creates them, and their rows for 0001 and 0002
DBMATE_SQL = ("CREATE TABLE IF NOT EXISTS public.schema_migrations (version varchar(255) primary key);"
              "INSERT INTO schema_migrations (version) VALUES ('0001'), ('0002');")
GOLANG_MIGRATE_SQL = ("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, "
                      "dirty boolean not null); INSERT INTO schema_migrations (version, dirty) VALUES (2, false);")
GOOSE_SQL = ("CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
             "is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id));"
             "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true);"
             "INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES "
             "(1, true, '2024-05-01 10:00:00'), (2, true, '2024-05-01 10:00:00');")
SQL_MIGRATE_SQL = ("CREATE TABLE IF NOT EXISTS gorp_migrations (id text not null primary key, checksum text, "
                   "applied_at timestamp with time zone);"
                   "INSERT INTO gorp_migrations (id, checksum, applied_at) VALUES "
                   "('0001_users.sql', '%s', '%s'), ('0002_posts.sql', '%s', '%s');" % (
                       hashlib.sha256(FILES["0001_users.sql"].encode()).hexdigest(), APPLIED_AT,
                       hashlib.sha256(FILES["0002_posts.sql"].encode()).hexdigest(), APPLIED_AT))
SQLX_SQL = ("CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, "
            "installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, "
            "execution_time BIGINT NOT NULL);"
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) "
            "VALUES (1, 'users', '%s', TRUE, '\\x%s', 1000), (2, 'posts', '%s', TRUE, '\\x%s', 1000);" % (
                APPLIED_AT, hashlib.sha384(FILES["0001_users.sql"].encode()).hexdigest(),
                APPLIED_AT, hashlib.sha384(FILES["0002_posts.sql"].encode()).hexdigest()))
NODE_PG_MIGRATE_SQL = ("CREATE TABLE public.pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, "
                       "run_on timestamp NOT NULL);"
                       "INSERT INTO pgmigrations (name, run_on) VALUES ('0001_users', '2024-05-01 10:00:00'), "
                       "('0002_posts', '2024-05-01 10:00:00');")

TOOLS = {
    "dbmate": ("schema_migrations", DBMATE_SQL, False),  # (table, SQL, keeps a time)
    "golang-migrate": ("schema_migrations", GOLANG_MIGRATE_SQL, False),
    "goose": ("goose_db_version", GOOSE_SQL, True),
    "sql-migrate": ("gorp_migrations", SQL_MIGRATE_SQL, True),
    "sqlx": ("_sqlx_migrations", SQLX_SQL, True),
    "node-pg-migrate": ("pgmigrations", NODE_PG_MIGRATE_SQL, True),
}
NODE_PG_MIGRATE_KEY = 7241865325823964


def _their_database(t, history_sql, db=None):
    """A database the other tool built: 0001 and 0002 applied (psql), its history written."""
    db = db or t.db
    t.psql("SET TIME ZONE 'UTC'; " + UPS["0001"] + UPS["0002"] + history_sql, db=db)
    return db


def _snapshot(t, table, db=None):
    return t.psql("SELECT string_agg(x::text, ';' ORDER BY x::text) FROM %s x" % table, db=db)


def _adopted(t, db=None):
    return t.psql("SELECT string_agg(version || '|' || duration_ms || '|' || (down_sql IS NOT NULL) || '|' || "
                  "(applied_by LIKE 'adopted from % (pgboot % on %)'), ' ' ORDER BY version) "
                  "FROM pgboot_migrations", db=db)


def _roundtrip(t, tool, key=None, args=()):
    """key: the tool's advisory lock key pgboot must say it holds; args: more options of adopt --confirm."""
    table, sql, keeps_time = TOOLS[tool]
    _their_database(t, sql)
    before = _snapshot(t, table)
    p = t.project(migrations=FILES)
    # without --confirm: the plan, exit 10, nothing written
    r = t.pgboot("adopt", project=p)
    r.expect(10, "would adopt 2 migrations applied by %s" % tool, "adopt not confirmed")
    check(not t.table_exists("pgboot_migrations"), "nothing recorded without --confirm", r)
    r = t.pgboot("adopt", "--confirm", *args, project=p)
    r.expect(0, "adopted 2 migrations applied by %s" % tool)
    if key is not None:
        r.expect_text("holding %s's advisory lock %d too" % (tool, key))
    check(_adopted(t) == "0001|0|true|true 0002|0|true|true", "both rows, duration 0, down parts, applied_by", _adopted(t),
          t.psql("SELECT * FROM pgboot_migrations"), r)
    check(t.psql("SELECT string_agg(applied_by, ',') FROM pgboot_migrations").startswith("adopted from %s (" % tool),
          "applied_by names the tool")
    times = t.psql("SELECT string_agg((applied_at = '%s')::text, ',') FROM pgboot_migrations" % APPLIED_AT)
    check(times == ("true,true" if keeps_time else "false,false"), "applied_at from their table when it keeps one", times)
    # pgboot's checksums: status sees no drift
    t.pgboot("status", project=p).expect(0)
    # a newer file: migrate applies only it
    p.write("migrations", "0003_tags.sql", NEWER["0003_tags.sql"])
    r = t.pgboot("migrate", project=p)
    r.expect(0)
    check(t.psql("SELECT string_agg(version, ',' ORDER BY version) FROM pgboot_migrations") == "0001,0002,0003",
          "only 0003 applied", r)
    check(t.table_exists("tags"), "0003 ran")
    check(_snapshot(t, table) == before, "their table untouched", before, _snapshot(t, table))
    # a second adopt changes nothing and says so
    r = t.pgboot("adopt", "--confirm", project=p)
    r.expect(0, "nothing to adopt")
    check(t.psql("SELECT count(*) FROM pgboot_migrations") == "3", "no row added", r)


def test_adopt_dbmate(t):
    _roundtrip(t, "dbmate")


def test_adopt_golang_migrate(t):
    # database/util.go's key, computed here with zlib: strings.Join(append(additionalNames, databaseName), "\x00")
    key = (zlib.crc32(("public\0schema_migrations\0%s" % t.db).encode()) * 1486364155) & 0xFFFFFFFF
    _roundtrip(t, "golang-migrate", key=key)


def test_adopt_goose(t):
    # in the run's one transaction (--lock-mode transaction): goose's key as a transaction lock
    _roundtrip(t, "goose", key=5887940537704921958, args=("--lock-mode", "transaction"))


def test_adopt_sql_migrate(t):
    _roundtrip(t, "sql-migrate")


def test_adopt_sqlx(t):
    _roundtrip(t, "sqlx", key=0x3d32ad9e * zlib.crc32(t.db.encode()))


def test_adopt_node_pg_migrate(t):
    _roundtrip(t, "node-pg-migrate")


def _refused(t, sql, *needles, files=FILES, code=5, args=()):
    db = t.new_database()
    _their_database(t, sql, db=db)
    p = t.project(migrations=files)
    r = t.pgboot("adopt", "--confirm", *args, project=p, env={"DATABASE_URL": t.url(db)})
    r.expect(code, *needles)
    check(not t.table_exists("pgboot_migrations", db=db), "nothing recorded", r)
    return r


def test_adopt_refuses_unclean_histories_changing_nothing(t):
    _refused(t, GOLANG_MIGRATE_SQL.replace("(2, false)", "(2, true)"), "partial migration 2", "not clean")
    _refused(t, SQLX_SQL + "UPDATE _sqlx_migrations SET success = false WHERE version = 2;",
             "2 (success = false)")
    _refused(t, GOOSE_SQL + "INSERT INTO goose_db_version (version_id, is_applied) VALUES (2, false);",
             "2 (a down row (is_applied = false))")
    # a goose version rolled back and applied again is clean
    db = t.new_database()
    _their_database(t, GOOSE_SQL + "INSERT INTO goose_db_version (version_id, is_applied) VALUES (2, false), "
                    "(2, true);", db=db)
    t.pgboot("adopt", "--confirm", project=t.project(migrations=FILES),
             env={"DATABASE_URL": t.url(db)}).expect(0, "adopted 2 migrations")
    # an applied migration with no local file
    _refused(t, DBMATE_SQL + "INSERT INTO schema_migrations VALUES ('0009');", "no local file stands for: 0009")
    _refused(t, NODE_PG_MIGRATE_SQL, "0002_posts", files={"0001_users.sql": FILES["0001_users.sql"]})


def test_adopt_candidates_and_from(t):
    # two tools' tables: 78 naming both, unless --from says which
    r = _refused(t, GOOSE_SQL + NODE_PG_MIGRATE_SQL, "goose", "node-pg-migrate", "--from", code=78)
    r.expect_text("public.goose_db_version", "public.pgmigrations")
    db = t.new_database()
    _their_database(t, GOOSE_SQL + NODE_PG_MIGRATE_SQL, db=db)
    p = t.project(migrations=FILES)
    env = {"DATABASE_URL": t.url(db)}
    t.pgboot("adopt", "--confirm", "--from", "node-pg-migrate", project=p, env=env).expect(
        0, "applied by node-pg-migrate")
    check(t.psql("SELECT count(*) FROM pgboot_migrations", db=db) == "2", "adopted")
    # --from naming a tool whose table is absent, or no tool at all
    _refused(t, GOOSE_SQL, "no sqlx history table", args=("--from", "sqlx"), code=78)
    _refused(t, GOOSE_SQL, "no such tool", args=("--from", "flywhale"), code=78)
    # Rails' schema_migrations is no dbmate's: nothing to adopt
    _refused(t, DBMATE_SQL + "CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar);",
             "no other tool's history table found", code=78)
    # a file whose content is not what sqlx applied: reported, adopted as it is
    db = t.new_database()
    _their_database(t, SQLX_SQL, db=db)
    changed = dict(FILES)
    changed["0002_posts.sql"] = FILES["0002_posts.sql"] + "-- edited since\n"
    r = t.pgboot("adopt", "--confirm", project=t.project(migrations=changed), env={"DATABASE_URL": t.url(db)})
    r.expect(0, 'file "migrations/0002_posts.sql" is not what sqlx applied',
             hashlib.sha384(FILES["0002_posts.sql"].encode()).hexdigest())
    r.expect_no_text("0001_users.sql\" is not")


COUNTED = {
    "0001_users.sql": FILES["0001_users.sql"],
    "0002_posts.sql": FILES["0002_posts.sql"],
    "0003_runs.sql": "CREATE TABLE runs (n int); INSERT INTO runs VALUES (1); SELECT pg_sleep(0.2);\n",
}


def test_adopt_on_run_four_replicas_at_once(t):
    _their_database(t, GOOSE_SQL)
    before = _snapshot(t, "goose_db_version")
    p = t.project(migrations=COUNTED)
    procs = [t.spawn("run", "--adopt", "--", "sh", "-c", "exit 0", project=p) for _ in range(4)]
    results = [pr.wait(60) for pr in procs]
    for r in results:
        r.expect(0)
    adopters = [r for r in results if "adopted 2 migrations applied by goose" in r.err]
    check(len(adopters) == 1, "exactly one adoption", *results)
    check(t.psql("SELECT string_agg(version || ':' || (applied_by LIKE 'adopted from goose%')::text, ',' "
                 "ORDER BY version) FROM pgboot_migrations") == "0001:true,0002:true,0003:false",
          "two adopted rows, 0003 applied", t.psql("SELECT * FROM pgboot_migrations"))
    check(t.psql("SELECT count(*) FROM runs") == "1", "0003 ran once")
    check(_snapshot(t, "goose_db_version") == before, "their table untouched")


def _foreign_key_holder(t):
    """The pid holding node-pg-migrate's key, or ''."""
    k = NODE_PG_MIGRATE_KEY
    return t.psql("SELECT string_agg(pid::text, ',') FROM pg_locks WHERE locktype = 'advisory' AND granted "
                  "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                  "AND objsubid = 1 AND classid = ((%d >> 32) & 4294967295)::oid AND objid = (%d & 4294967295)::oid"
                  % (k, k))


def _pgboot_waiting(t):
    return t.psql("SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE application_name = 'pgboot' "
                  "AND datname = current_database() AND wait_event_type = 'Lock'")


def test_adopt_holds_the_tools_lock_key(t):
    _their_database(t, NODE_PG_MIGRATE_SQL)
    gate = 4712
    files = dict(FILES)
    files["0003_gate.sql"] = "SELECT pg_advisory_xact_lock(%d); CREATE TABLE gated (id int);\n" % gate
    p = t.project(migrations=files)
    # adopting: paused on their table (a writer holds it), with node-pg-migrate's key held
    writer = t.hold("BEGIN; LOCK TABLE pgmigrations IN ROW EXCLUSIVE MODE")
    adopting = t.spawn("adopt", "--confirm", project=p)
    t.wait_until(lambda: _pgboot_waiting(t) != "", what="pgboot paused while adopting")
    check(_foreign_key_holder(t) == _pgboot_waiting(t), "pgboot holds node-pg-migrate's key while adopting",
          _foreign_key_holder(t), _pgboot_waiting(t))
    t.release(writer)
    adopting.wait(30).expect(0, "holding node-pg-migrate's advisory lock 7241865325823964 too")
    check(_foreign_key_holder(t) in ("", None), "released after")
    # migrating with --adopt: the key is held while the files run
    held = t.hold("SELECT pg_advisory_lock(%d)" % gate,
                  ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                            "AND objid = %d" % gate)
    migrating = t.spawn("migrate", "--adopt", project=p)
    t.wait_until(lambda: _pgboot_waiting(t) != "", what="pgboot paused while migrating")
    check(_foreign_key_holder(t) == _pgboot_waiting(t), "pgboot holds the key while migrating")
    t.release(held)
    migrating.wait(30).expect(0)
    check(t.table_exists("gated"), "0003 applied")
    # a node-pg-migrate that holds its key keeps pgboot out: 75 after --lock-timeout
    db = t.new_database()
    _their_database(t, NODE_PG_MIGRATE_SQL, db=db)
    other = t.hold("SELECT pg_advisory_lock(%d)" % NODE_PG_MIGRATE_KEY, db=db,
                   ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                             "AND objid = (%d & 4294967295)::oid" % NODE_PG_MIGRATE_KEY)
    start = time.time()
    r = t.pgboot("adopt", "--confirm", "--lock-timeout", "1s", project=t.project(migrations=FILES),
                 env={"DATABASE_URL": t.url(db)})
    r.expect(75, "could not take node-pg-migrate's advisory lock 7241865325823964 within 1s", "holder_")
    check(time.time() - start < 10, "gave up after the timeout")
    check(not t.table_exists("pgboot_migrations", db=db), "nothing recorded", r)
    t.release(other, db=db)
