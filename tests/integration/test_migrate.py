"""migrate: a fresh database, the no-op second run, failures and rollback, drift
(changed, missing, out of order), ordering, down parts, checksums, history."""
import re

from harness import check, sha256_hex

THREE = {
    "0001_create_a.sql": "CREATE TABLE a (id int PRIMARY KEY);\n",
    "0002_create_b.sql": "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);\n",
    "0003_fill_a.sql": "INSERT INTO a VALUES (1), (2), (3);\n",
}


def test_fresh_database(t):
    p = t.project(migrations=THREE)
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.history() == [("migration", "0001", "create_a"), ("migration", "0002", "create_b"),
                          ("migration", "0003", "fill_a")], "three history rows", t.history())
    check(t.psql("SELECT count(*) FROM a") == "3", "0003 ran")
    check(t.table_exists("b"), "0002 ran")
    r.expect_text("0001", "create_a", "0003", where="err")


def test_history_columns(t):
    up = "CREATE TABLE h (id int);\n"
    down = "DROP TABLE h;\n"
    p = t.project(migrations={"0001_h.sql": up + "-- pgboot:down\n" + down})
    t.pgboot("migrate", project=p).expect(0)
    row = t.psql("SELECT kind, version, name, checksum, down_sql, applied_at <= now(), "
                 "applied_at > now() - interval '1 minute', duration_ms >= 0, applied_by "
                 "FROM pgboot_migrations").split("|")
    check(row[:3] == ["migration", "0001", "h"], "kind, version, name", row)
    check(row[3] == sha256_hex(up), "checksum is the SHA-256 of the up part (%s)" % sha256_hex(up), row)
    check(row[4].strip() == down.strip(), "down_sql is the down part", row)
    check(row[5:8] == ["t", "t", "t"], "applied_at and duration_ms are sane", row)
    check(re.search(r"\d+\.\d+", row[8]), "applied_by holds pgboot's version", row)
    pk = t.psql("SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum)) "
                "FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = 'pgboot_migrations'::regclass AND i.indisprimary")
    check(pk == "kind,version", "primary key (kind, version)", pk)


def test_down_part_is_not_run(t):
    p = t.project(migrations={"0001_keep.sql": "-- pgboot:up\nCREATE TABLE keep (id int);\n"
                                              "-- pgboot:down\nDROP TABLE keep;\n"})
    t.pgboot("migrate", project=p).expect(0)
    check(t.table_exists("keep"), "the down part did not run")


def test_checksum_folds_crlf(t):
    lf = "CREATE TABLE c (id int);\nINSERT INTO c VALUES (1);\n"
    p = t.project(migrations={"0001_c.sql": lf.replace("\n", "\r\n").encode()})
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT checksum FROM pgboot_migrations") == sha256_hex(lf), "CRLF folded to LF in the checksum")
    # the same file with LF endings is the same migration: no drift
    p.write("migrations", "0001_c.sql", lf)
    t.pgboot("migrate", project=p).expect(0, "up to date")


def test_second_run_is_noop_without_lock(t):
    """The fast path: an up-to-date database costs one read and takes no lock.
    Proof, two ways: (1) the log says "up to date" and never "taking the
    migration lock"; (2) behaviourally: another session holds the advisory lock
    (key computed from DESIGN.md's formula) and the up-to-date migrate still
    exits 0 at once with --lock-timeout 1s, while a migrate with a pending file
    gives up with 75 — so the key is the real one and the first did not take it."""
    from harness import lock_key
    p = t.project(migrations=THREE)
    t.pgboot("migrate", project=p).expect(0, "taking the migration lock")
    r = t.pgboot("migrate", project=p).expect(0, "up to date")
    r.expect_no_text("taking the migration lock", "applied migration")
    check(len(t.history()) == 3, "still three rows")

    key = lock_key(t.db, "public.pgboot_migrations")
    t.hold("SELECT pg_advisory_lock(%d)" % key,
           ready_sql="SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                     "AND objid = (%d & 4294967295)::oid" % key)
    r = t.pgboot("migrate", "--lock-timeout", "1s", project=p).expect(0, "up to date")
    check(r.elapsed < 2.0, "the no-op run did not wait for the lock (%.2fs)" % r.elapsed, r)
    p.write("migrations", "0004_more.sql", "CREATE TABLE more (id int);")
    t.pgboot("migrate", "--lock-timeout", "1s", project=p).expect(75)


def test_failing_migration_rolls_back(t):
    p = t.project(migrations={
        "0001_ok.sql": "CREATE TABLE ok1 (id int);\n",
        "0002_bad.sql": "CREATE TABLE half (id int);\n"
                        "INSERT INTO half VALUES (1);\n"
                        "SELECT id FROM no_such_table;\n",
        "0003_later.sql": "CREATE TABLE later (id int);\n",
    })
    r = t.pgboot("migrate", project=p).expect(3)
    check(t.table_exists("ok1"), "0001 stays applied")
    check(not t.table_exists("half"), "0002's first statement was rolled back")
    check(not t.table_exists("later"), "0003 never ran")
    check(t.history() == [("migration", "0001", "ok")], "only 0001 in the history", t.history())
    # file:line:column, the line, a caret under the column, SQLSTATE
    m = re.search(r"0002_bad\.sql:(\d+):(\d+)", r.err)
    check(m, "stderr names file:line:column", r)
    check(m.group(1) == "3" and m.group(2) == "16", "the position is 3:16 (no_such_table), got %s:%s"
          % (m.group(1), m.group(2)), r)
    r.expect_text("SELECT id FROM no_such_table", "42P01", "no_such_table", where="err")
    lines = r.err.splitlines()
    src = [i for i, l in enumerate(lines) if "SELECT id FROM no_such_table" in l and "relation" not in l]
    check(src and src[0] + 1 < len(lines), "the offending line is shown", r)
    srcline, caretline = lines[src[0]], lines[src[0] + 1]
    check("^" in caretline, "a caret line follows the offending line", r)
    check(caretline.index("^") == srcline.index("no_such_table"), "the caret stands under no_such_table", r)
    # the next run tries 0002 again (and fails again): nothing was recorded
    t.pgboot("migrate", project=p).expect(3, "0002_bad.sql")


def test_error_shows_detail_hint_context(t):
    p = t.project(migrations={
        "0001_t.sql": "CREATE TABLE u (id int PRIMARY KEY);\nINSERT INTO u VALUES (1);\n",
        "0002_dup.sql": "INSERT INTO u VALUES (1);\n",
    })
    r = t.pgboot("migrate", project=p).expect(3, "23505", "Key (id)=(1) already exists", where="err")
    p2 = t.project(migrations={
        "0001_ctx.sql": "DO $$\nBEGIN\n  RAISE EXCEPTION 'boom' USING HINT = 'try harder', DETAIL = 'the detail';\n"
                        "END\n$$;\n"})
    db2 = t.new_database()
    r = t.pgboot("migrate", project=p2, url=t.url(db2)).expect(3, "boom", "try harder", "the detail", "P0001",
                                                               where="err")
    r.expect_text("PL/pgSQL", where="err")  # the CONTEXT line


def test_syntax_error_position(t):
    p = t.project(migrations={"0001_syn.sql": "-- a comment\nCREATE TABLE s (id int);\nCREATE TABLEX t (id int);\n"})
    r = t.pgboot("migrate", project=p).expect(3, "42601", where="err")
    r.expect_text("0001_syn.sql:3:8", where="err")
    check(not t.table_exists("s"), "rolled back")


def test_edited_applied_file_stops_with_5(t):
    p = t.project(migrations=THREE)
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_create_b.sql", THREE["0002_create_b.sql"] + "-- an innocent edit\n")
    p.write("migrations", "0004_new.sql", "CREATE TABLE new4 (id int);")
    r = t.pgboot("migrate", project=p).expect(5, "0002_create_b.sql", where="err")
    check(not t.table_exists("new4"), "nothing applied after drift")
    t.pgboot("status", project=p).expect(5, "changed")


def test_down_part_edit_is_not_drift(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n-- pgboot:down\nDROP TABLE a;\n"})
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0001_a.sql", "CREATE TABLE a (id int);\n-- pgboot:down\nDROP TABLE IF EXISTS a;\n")
    t.pgboot("migrate", project=p).expect(0, "up to date")


def test_deleted_applied_file_stops_with_5(t):
    p = t.project(migrations=THREE)
    t.pgboot("migrate", project=p).expect(0)
    p.remove("migrations", "0002_create_b.sql")
    p.write("migrations", "0004_new.sql", "CREATE TABLE new4 (id int);")
    r = t.pgboot("migrate", project=p).expect(5, "0002", "create_b", where="err")
    check(not t.table_exists("new4"), "nothing applied after drift")
    t.pgboot("status", project=p).expect(5, "missing")


def test_out_of_order_stops_with_5(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);", "0003_c.sql": "CREATE TABLE c (id int);"})
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_b.sql", "CREATE TABLE b (id int);")
    t.pgboot("migrate", project=p).expect(5, "0002_b.sql", where="err")
    check(not t.table_exists("b"), "not applied")
    t.pgboot("status", project=p).expect(5, "out of order")
    t.pgboot("migrate", "--allow-out-of-order", project=p).expect(0)
    check(t.table_exists("b"), "--allow-out-of-order applied it")
    check(len(t.history()) == 3, "three rows")
    t.pgboot("migrate", project=p).expect(0, "up to date")


def test_out_of_order_env_variable(t):
    p = t.project(migrations={"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;"})
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_b.sql", "CREATE TABLE b (id int);")
    t.pgboot("migrate", project=p, env={"PGBOOT_ALLOW_OUT_OF_ORDER": "1"}).expect(0)
    check(t.table_exists("b"), "PGBOOT_ALLOW_OUT_OF_ORDER=1 applied it")


def test_versions_compare_as_numbers(t):
    log = "INSERT INTO applied_order (v) VALUES ('%s');"
    p = t.project(migrations={
        "0001_init.sql": "CREATE TABLE applied_order (n serial, v text);" + log % "0001",
        "0010_ten.sql": log % "0010",
        "0009_nine.sql": log % "0009",
        "2_two.sql": log % "2",
        "2025_01_jan.sql": log % "2025_01",
        "2025_10_oct.sql": log % "2025_10",
        "2025_2_feb.sql": log % "2025_2",
        "20251013120000_ts.sql": log % "20251013120000",
        "README.md": "not a migration",
        ".keep": "",
    })
    t.pgboot("migrate", project=p).expect(0)
    order = t.psql("SELECT string_agg(v, ' ' ORDER BY n) FROM applied_order")
    check(order == "0001 2 0009 0010 2025_01 2025_2 2025_10 20251013120000", "numeric order", order)
    check(len(t.history()) == 8, "README and .keep are ignored", t.history())


def test_dotted_and_dashed_names(t):
    p = t.project(migrations={"1.2_dotted.sql": "CREATE TABLE d1 (id int);",
                              "1.10-dashed.sql": "CREATE TABLE d2 (id int);"})
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT string_agg(version || ':' || name, ' ' ORDER BY applied_at, version) "
                 "FROM pgboot_migrations") == "1.2:dotted 1.10:dashed", "versions and names", t.history())


def test_empty_migration_recorded_with_warning(t):
    p = t.project(migrations={"0001_empty.sql": "", "0002_comments.sql": "-- only a comment\n/* and another */\n",
                              "0003_real.sql": "CREATE TABLE r (id int);"})
    r = t.pgboot("migrate", project=p).expect(0)
    check(len(t.history()) == 3, "both empty files recorded", t.history())
    check(len(re.findall(r"warning.*empty", r.err)) == 2, "a warning for each empty file", r)
    t.pgboot("migrate", project=p).expect(0, "up to date")


def test_migration_with_dollar_quotes_and_semicolons(t):
    p = t.project(migrations={"0001_fn.sql": (
        "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$\n"
        "BEGIN\n  RETURN 'a;b';  -- ; in a comment\nEND\n$body$;\n"
        "COMMENT ON FUNCTION f() IS 'it''s; fine';\n"
        "SELECT 1  -- last statement without a semicolon, ends in a comment")})
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT f()") == "a;b", "the function works")


def test_migration_with_begin_end_blocks_and_do(t):
    p = t.project(migrations={"0001_do.sql": (
        "CREATE TABLE m (id int);\n"
        "DO $$ BEGIN\n  ALTER TABLE m ADD COLUMN x int;\nEXCEPTION WHEN duplicate_column THEN NULL;\nEND $$;\n"
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n")})
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT g()") == "1", "BEGIN ATOMIC is not transaction control")


def test_migrate_applies_only_new_files(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE cnt (n int); INSERT INTO cnt VALUES (1);"})
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_b.sql", "INSERT INTO cnt VALUES (2);")
    r = t.pgboot("migrate", project=p).expect(0)
    r.expect_text("0002", where="err")
    check(t.psql("SELECT string_agg(n::text, ',' ORDER BY n) FROM cnt") == "1,2", "0001 ran once, 0002 once")


def test_history_table_option(t):
    t.psql("CREATE SCHEMA ops")
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    t.pgboot("migrate", "--history-table", "ops.schema_history", project=p).expect(0)
    check(t.table_exists("ops.schema_history"), "history in ops.schema_history")
    check(not t.table_exists("pgboot_migrations"), "no default table")
    t.pgboot("migrate", project=p, env={"PGBOOT_HISTORY_TABLE": "ops.schema_history"}).expect(0, "up to date")
    # another history table: pgboot applies again (and fails: a exists)
    t.pgboot("migrate", project=p).expect(3, "42P07")


def test_history_table_in_missing_schema_78(t):
    """A history table in a schema that does not exist is a configuration error
    (78) naming the schema and the setting, in both lock modes; nothing applied."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    for mode in ("session", "transaction"):
        t.pgboot("migrate", "--lock-mode", mode, "--history-table", "nosuch.pgboot_migrations", project=p) \
            .expect(78, 'schema "nosuch"', "--history-table", where="err")
    t.pgboot("migrate", project=p, env={"PGBOOT_HISTORY_TABLE": "nosuch.hist"}) \
        .expect(78, 'schema "nosuch"', "PGBOOT_HISTORY_TABLE", where="err")
    check(not t.table_exists("a"), "nothing applied")


def test_foreign_history_table_refused(t):
    t.psql("CREATE TABLE pgboot_migrations (something int)")
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    t.pgboot("migrate", project=p).expect(78, "pgboot_migrations")
    check(not t.table_exists("a"), "nothing applied")


def test_statement_timeout_default_overrides_database_setting(t):
    t.psql('ALTER DATABASE "%s" SET statement_timeout = \'200ms\'' % t.db)
    p = t.project(migrations={"0001_slow.sql": "SELECT pg_sleep(0.6); CREATE TABLE slow (id int);"})
    t.pgboot("migrate", project=p).expect(0)
    check(t.table_exists("slow"), "a database default statement_timeout does not kill a migration")


def test_statement_timeout_option(t):
    p = t.project(migrations={"0001_slow.sql": "CREATE TABLE slow (id int); SELECT pg_sleep(2);"})
    t.pgboot("migrate", "--statement-timeout", "300ms", project=p).expect(3, "57014", where="err")
    check(not t.table_exists("slow"), "rolled back")


def test_ddl_lock_timeout_retries_then_fails(t):
    t.psql("CREATE TABLE busy (id int)")
    p = t.project(migrations={"0001_alter.sql": "ALTER TABLE busy ADD COLUMN x int;"})
    t.hold("BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE")
    r = t.pgboot("migrate", "--ddl-lock-timeout", "200ms", "--ddl-lock-retries", "2", project=p)
    r.expect(3, "55P03", where="err")
    check(len(re.findall(r"attempt 1 of 2", r.err)) == 1, "the retry is logged", r)
    check(t.history() == [], "nothing recorded", t.history())


def test_ddl_lock_timeout_retry_succeeds(t):
    t.psql("CREATE TABLE busy (id int)")
    p = t.project(migrations={"0001_alter.sql": "ALTER TABLE busy ADD COLUMN x int;"})
    app = t.hold("BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE")
    proc = t.spawn("migrate", "--ddl-lock-timeout", "200ms", "--ddl-lock-retries", "5", project=p)
    proc.wait_for_text("attempt 1 of 5", timeout=10)
    t.release(app)
    r = proc.wait(30).expect(0)
    check(t.psql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname = 'x'") == "1",
          "the column was added after the retry", r)


def test_application_name_is_pgboot(t):
    p = t.project(migrations={"0001_slow.sql": "SELECT pg_sleep(1.5);"})
    proc = t.spawn("migrate", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' "
                                "AND application_name = 'pgboot' AND pid <> pg_backend_pid()") == "1",
                 what="a session with application_name pgboot")
    proc.wait(30).expect(0)
    # the user's own application_name is kept
    p2 = t.project(migrations={"0001_slow.sql": "SELECT pg_sleep(1.5);"})
    db2 = t.new_database()
    proc = t.spawn("migrate", project=p2, url=t.url(db2, query={"application_name": "mine"}))
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' "
                                "AND application_name = 'mine'") == "1",
                 what="a session with application_name mine")
    proc.wait(30).expect(0)


def test_migrate_via_keyword_string_over_socket(t):
    p = t.project(migrations=THREE)
    t.pgboot("migrate", project=p, url=t.keyword_url()).expect(0)
    check(len(t.history()) == 3, "applied")


def test_ddl_lock_timeout_names_a_blocker_of_another_role(t):
    """The owner + app setup: the blocker is another role's session, whose transaction start,
    state and query pg_stat_activity hides from pgboot; it is still named, and what is hidden said."""
    role = "owner_%s" % t.db[-4:]
    t.psql("CREATE ROLE %s LOGIN; GRANT ALL ON SCHEMA public TO %s" % (role, role))
    db = t.db
    t.on_cleanup(lambda: t.server.psql(db, "DROP OWNED BY %s CASCADE; DROP ROLE IF EXISTS %s" % (role, role),
                                       check=False))
    t.psql("CREATE TABLE busy (id int); ALTER TABLE busy OWNER TO %s" % role)
    p = t.project(migrations={"0001_alter.sql": "ALTER TABLE busy ADD COLUMN x int;"})
    app = t.hold("BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE")
    blocker = t.holder_pid(app)
    url = t.keyword_url(user=role)
    r = t.pgboot("migrate", "--ddl-lock-timeout", "200ms", "--ddl-lock-retries", "2", project=p, url=url)
    r.expect(3, "55P03", where="err")
    r.expect_text(re.compile(r"likely blocked by pid %s \(role \"postgres\", application \"%s\"" % (blocker, app)),
                  "query hidden: another role's session", where="err")
