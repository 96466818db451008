"""Issue 10, sections 1, 3 and 10: every migration and seed starts from the session
state connect left (what a file SETs never reaches the next file), pgboot's own
statements do not depend on that state, the migration lock cannot be lost
silently (preflight refusals, a check after each step: 75), client_encoding is
UTF8 whatever the URL says, the 25001 hint, and a no-transaction file's round
trips."""
import random
import time

from harness import check, lock_key

OWNER = "SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_class WHERE relname = '%s'"
SCHEMA = "SELECT relnamespace::regnamespace FROM pg_class WHERE relname = '%s'"


def test_search_path_set_by_a_file_does_not_move_the_next_files_tables(t):
    p = t.project(migrations={
        "0001_reporting.sql": "CREATE SCHEMA reporting;\nSET search_path = reporting;\nCREATE TABLE rep (id int);\n",
        "0002_orders.sql": "CREATE TABLE orders (id int);\n",
    })
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.psql(SCHEMA % "rep") == "reporting", "the file's own setting holds inside it", r)
    check(t.psql(SCHEMA % "orders") == "public", "the next file starts from the connect-time search_path", r)
    t.pgboot("verify", project=p).expect(0)


def test_pg_dump_baseline_then_a_normal_file(t):
    baseline = ("SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET client_encoding = 'UTF8';\n"
                "SET standard_conforming_strings = on;\n"
                "SELECT pg_catalog.set_config('search_path', '', false);\n"
                "SET check_function_bodies = false;\nSET client_min_messages = warning;\n"
                "CREATE TABLE public.users (id integer NOT NULL);\n")
    p = t.project(migrations={"0001_baseline.sql": baseline,
                              "0002_accounts.sql": "CREATE TABLE accounts (id int);\n"})
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.psql(SCHEMA % "accounts") == "public", "the file after the baseline finds its schema", r)
    check([v for _, v, _ in t.history()] == ["0001", "0002"], "both recorded", t.history())


def test_set_role_does_not_own_the_next_files_tables(t):
    role = "r_" + t.db[-12:]
    t.psql("CREATE ROLE %s" % role)
    try:
        p = t.project(migrations={
            "0001_role.sql": "GRANT CREATE ON SCHEMA public TO %s;\nSET ROLE %s;\nCREATE TABLE mine (id int);\n"
                             % (role, role),
            "0002_next.sql": "CREATE TABLE ours (id int);\n",
            "0003_auth.sql": "SET SESSION AUTHORIZATION %s;\nCREATE TABLE mine2 (id int);\n" % role,
            "0004_after.sql": "CREATE TABLE ours2 (id int);\n",
        })
        r = t.pgboot("migrate", project=p).expect(0)
        login = t.psql("SELECT current_user")
        check(t.psql(OWNER % "mine") == role, "the file's SET ROLE holds inside it", r)
        check(t.psql(OWNER % "ours") == login, "the next file runs as the login role", r)
        check(t.psql(OWNER % "mine2") == role, "SET SESSION AUTHORIZATION holds inside its file", r)
        check(t.psql(OWNER % "ours2") == login, "and not after it", r)
        check(t.psql("SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'pgboot_migrations'")
              == login, "the history table is the login role's", r)
    finally:
        t.psql("DROP OWNED BY %s; DROP ROLE %s" % (role, role), check=False)


def test_session_replication_role_does_not_disable_the_next_files_foreign_keys(t):
    p = t.project(migrations={
        "0001_fk.sql": "CREATE TABLE parent (id int PRIMARY KEY);\n"
                       "CREATE TABLE child (pid int REFERENCES parent);\n"
                       "SET session_replication_role = replica;\n",
        "0002_orphan.sql": "INSERT INTO child VALUES (42);\n",
    })
    r = t.pgboot("migrate", project=p).expect(3, "0002_orphan.sql", "foreign key", where="err")
    check(t.psql("SELECT count(*) FROM child") == "0", "no orphan row committed", r)


def test_standard_conforming_strings_off_does_not_reach_the_next_file_or_the_history(t):
    p = t.project(migrations={
        "0001_scs.sql": "SET standard_conforming_strings = off;\n",
        "0002_paths.sql": "CREATE TABLE paths (p text);\nINSERT INTO paths VALUES ('C:\\temp\\new');\n",
        "0003_tail.sql": "SELECT 'C:\\';\n",
    })
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT p = 'C:' || chr(92) || 'temp' || chr(92) || 'new' FROM paths") == "t",
          "the backslashes are stored as written", t.psql("SELECT p FROM paths"), r)
    check(t.history() == [("migration", "0001", "scs"), ("migration", "0002", "paths"), ("migration", "0003", "tail")],
          "every history row is intact", t.history(), r)
    t.pgboot("migrate", project=p).expect(0, "up to date")


def test_client_encoding_set_by_a_file_does_not_reach_the_next_file(t):
    p = t.project(migrations={
        "0001_latin1.sql": "SET client_encoding = LATIN1;\n",
        "0002_cities.sql": "CREATE TABLE cities (name text);\nINSERT INTO cities VALUES ('Zürich');\n",
    })
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT name = U&'Z\\00FCrich' FROM cities") == "t", "stored as UTF-8 text",
          t.psql("SELECT name FROM cities"), r)


def test_client_encoding_in_the_url_is_overridden(t):
    p = t.project(migrations={"0001_cities.sql": "CREATE TABLE cities (name text);\n"
                                                 "INSERT INTO cities VALUES ('Zürich');\n"})
    for query, env in (("?client_encoding=LATIN1", None), ("?options=-c%20client_encoding%3DLATIN1", None),
                       ("", {"PGCLIENTENCODING": "LATIN1"})):
        db = t.new_database()
        r = t.pgboot("migrate", project=p, url=t.url(db=db) + query, env=env).expect(0)
        check(t.psql("SELECT name = U&'Z\\00FCrich' FROM cities", db=db) == "t", "stored as UTF-8 text", query,
              t.psql("SELECT name FROM cities", db=db), r)


def test_timeouts_and_read_only_set_by_a_file_do_not_fail_the_next(t):
    p = t.project(migrations={
        "0001_settings.sql": "SET statement_timeout = 1;\nSET lock_timeout = 1;\n"
                             "SET default_transaction_read_only = on;\n",
        "0002_slow.sql": "CREATE TABLE slow AS SELECT 1 AS x FROM pg_sleep(0.05);\n",
    }, seeds={"0001_seed.sql": "INSERT INTO slow SELECT 1 FROM pg_sleep(0.05);\n"})
    r = t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    check(t.psql("SELECT count(*) FROM slow") == "2", "both ran", r)


def test_seed_settings_do_not_reach_the_next_seed(t):
    p = t.project(migrations={"0001_t.sql": "CREATE SCHEMA other;\nCREATE TABLE t (id int);\n"
                                            "CREATE TABLE other.t (id int);\n"},
                  seeds={"0001_a.sql": "SET search_path = other;\n",
                         "0002_b.sql": "INSERT INTO t VALUES (1);\n"})
    r = t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    check(t.psql("SELECT (SELECT count(*) FROM public.t) || '/' || (SELECT count(*) FROM other.t)") == "1/0",
          "the second seed wrote to public.t", r)


def test_no_transaction_and_stepwise_files_are_reset_too(t):
    p = t.project(migrations={
        "0001_schema.sql": "CREATE SCHEMA reporting;\n",
        "0002_nt.sql": "-- pgboot:no-transaction\nSET search_path = reporting;\nCREATE TABLE r1 (id int);\n"
                       "CREATE INDEX CONCURRENTLY r1_id ON r1 (id);\n",
        "0003_p1.sql": "CREATE TABLE p1 (id int);\n",
        "0004_step.sql": "CREATE TABLE s1 (id int);\nCOMMIT;\nSET search_path = reporting;\n"
                         "SET standard_conforming_strings = off;\nBEGIN;\nCREATE TABLE r2 (id int);\n",
        "0005_p2.sql": "CREATE TABLE p2 (s text);\nINSERT INTO p2 VALUES ('a\\tb');\n",
        "0006_empty.sql": "-- pgboot:no-transaction\nSELECT pg_catalog.set_config('search_path', '', false);\n"
                          "CREATE TABLE public.e1 (id int);\nCREATE INDEX CONCURRENTLY e1_id ON public.e1 (id);\n",
        "0007_p3.sql": "CREATE TABLE p3 (id int);\n",
    })
    r = t.pgboot("migrate", project=p).expect(0)
    got = t.psql("SELECT string_agg(relname || '=' || relnamespace::regnamespace, ' ' ORDER BY relname) FROM pg_class "
                 "WHERE relname IN ('r1', 'p1', 's1', 'r2', 'p2', 'p3')")
    check(got == "p1=public p2=public p3=public r1=reporting r2=reporting s1=public", "each file from a fresh state",
          got, r)
    check(t.psql("SELECT s = 'a' || chr(92) || 'tb' FROM p2") == "t", "the backslash stays", r)
    check(t.psql("SELECT count(*) FROM pgboot_migrations WHERE progress IS NOT NULL") == "0", "all finished", r)


def test_lock_mode_transaction_resets_each_file(t):
    p = t.project(migrations={
        "0001_reporting.sql": "CREATE SCHEMA reporting;\nSET search_path = reporting;\nSET statement_timeout = 1;\n",
        "0002_orders.sql": "CREATE TABLE orders (id int);\nSELECT pg_sleep(0.05);\n",
    })
    r = t.pgboot("migrate", "--lock-mode", "transaction", project=p).expect(0)
    check(t.psql(SCHEMA % "orders") == "public", "the next file starts from the connect-time search_path", r)


# ---- section 3: the lock cannot be lost silently ----------------------------------


def test_preflight_refuses_what_releases_the_lock(t):
    key = lock_key(t.db, "public.pgboot_migrations")
    cases = [
        ("-- pgboot:no-transaction\nSELECT 1;\nDISCARD ALL;\n", ":3:1", "DISCARD ALL"),
        ("SELECT 1;\nSELECT pg_catalog.pg_advisory_unlock_all();\n", ":2:19", "pg_advisory_unlock_all"),
        ("SELECT pg_advisory_unlock(hashtext('mine'));\n", ":1:8", "advisory unlock"),
        ("SELECT pg_advisory_unlock_shared(%d);\n" % key, ":1:8", "advisory unlock"),
        ("SELECT\n  pg_advisory_unlock(%d);\n" % key, ":2:3", "advisory unlock"),
    ]
    for body, locus, what in cases:
        p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n", "0002_unlock.sql": body})
        r = t.pgboot("migrate", project=p).expect(78, "0002_unlock.sql" + locus, what, where="err")
        check("hint:" in r.err, "with a hint", r)
        check(not t.table_exists("a"), "nothing was applied", r)


def test_preflight_accepts_words_in_literals_and_other_keys(t):
    body = ("SELECT 'pg_advisory_unlock_all() DISCARD ALL'; -- pg_advisory_unlock_all()\n"
            "/* DISCARD ALL; SELECT pg_advisory_unlock(1); */\n"
            "DISCARD TEMP;\nDISCARD PLANS;\nDISCARD SEQUENCES;\n"
            "SELECT pg_advisory_lock(1, 2);\nSELECT pg_advisory_unlock(1, 2);\n"
            "SELECT pg_advisory_lock(42);\nSELECT pg_advisory_unlock(42);\n"
            "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT pg_advisory_unlock_all() $$;\n")
    p = t.project(migrations={"0001_words.sql": body, "0002_next.sql": "CREATE TABLE n (id int);\n"})
    t.pgboot("migrate", project=p).expect(0)
    check(t.table_exists("n"), "applied")


SNEAKY = {"0001_fn.sql": "CREATE TABLE runs (v text);\n"
                         "CREATE FUNCTION housekeeping() RETURNS void LANGUAGE sql "
                         "AS $$ SELECT pg_advisory_unlock_all() $$;\n"}


def _lost(t, body, code_after=None):
    p = t.project(migrations=dict(SNEAKY, **{"0002_lose.sql": body,
                                              "0003_after.sql": "CREATE TABLE after_it (id int);\n"}))
    r = t.pgboot("migrate", project=p).expect(75, "0002_lose.sql", "migration lock was released", where="err")
    check(not t.table_exists("after_it"), "nothing after the file was applied", r)
    key = lock_key(t.db, "public.pgboot_migrations")
    check(t.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %d"
                 % (key & 0xFFFFFFFF)) == "0", "no lock left behind", r)
    return r


def test_lock_lost_in_a_no_transaction_file_stops_with_75(t):
    r = _lost(t, "-- pgboot:no-transaction\nINSERT INTO runs VALUES ('a');\nSELECT housekeeping();\n"
                 "INSERT INTO runs VALUES ('b');\n")
    check(t.psql("SELECT string_agg(v, ',') FROM runs") == "a", "the statements before it stay", r)
    check(t.psql("SELECT progress FROM pgboot_migrations WHERE version = '0002'") == "1",
          "the history records what is committed", r)


def test_lock_lost_after_a_statement_sent_alone_stops_with_75(t):
    # a DO block cannot share a message (it may COMMIT): the check comes with its progress
    r = _lost(t, "-- pgboot:no-transaction\nINSERT INTO runs VALUES ('a');\n"
                 "DO $$BEGIN PERFORM housekeeping(); END$$;\nINSERT INTO runs VALUES ('b');\n")
    check(t.psql("SELECT string_agg(v, ',') FROM runs") == "a", "nothing after the loss ran", r)
    check(t.psql("SELECT progress FROM pgboot_migrations WHERE version = '0002'") == "2",
          "the statement that ran is recorded", r)


def test_lock_lost_in_a_transactional_file_rolls_it_back(t):
    r = _lost(t, "INSERT INTO runs VALUES ('a');\nSELECT housekeeping();\n")
    check(t.psql("SELECT count(*) FROM runs") == "0", "the file is rolled back", r)
    check(t.psql("SELECT count(*) FROM pgboot_migrations WHERE version = '0002'") == "0", "and not recorded", r)


def test_lock_lost_in_a_stepwise_file_stops_with_75(t):
    r = _lost(t, "INSERT INTO runs VALUES ('a');\nCOMMIT;\nVACUUM runs;\nSELECT housekeeping();\nBEGIN;\n"
                 "INSERT INTO runs VALUES ('b');\n")
    check(t.psql("SELECT string_agg(v, ',') FROM runs") == "a", "only the committed part stays", r)


def test_lock_check_needs_no_plpgsql(t):
    """The lock check after each file is plain SQL: an owner role without USAGE
    on PL/pgSQL (REVOKE ... FROM PUBLIC, the language is per database) applies
    a transactional, a no-transaction and a seed file in session mode; a file's
    own 22P02 stays the file's failure (3), not a lost lock."""
    role = "nopl_%s_%04x" % (t.db[-8:], random.randrange(65536))
    t.psql("CREATE ROLE %s LOGIN PASSWORD 'rolepw'" % role)

    def drop():
        t.psql("DROP OWNED BY %s CASCADE" % role, check=False)
        t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False)
    t.on_cleanup(drop)
    t.psql("ALTER SCHEMA public OWNER TO %s; REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC" % role)
    check(t.psql("SELECT has_language_privilege('%s', 'plpgsql', 'USAGE')" % role) == "f", "no PL/pgSQL for the role")
    url = t.url(user=role, password="rolepw")
    p = t.project(migrations={"0001_t.sql": "CREATE TABLE t (id int);\n",
                              "0002_nt.sql": "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n"
                                             "INSERT INTO t VALUES (1);\n"},
                  seeds={"0001_s.sql": "INSERT INTO t VALUES (2);\n"})
    r = t.pgboot("run", "--with-test-data", "--", "true", project=p, url=url).expect(0)
    check([k + v for k, v, _ in t.history()] == ["migration0001", "migration0002", "seed0001"], "all applied",
          t.history(), r)
    check(t.psql("SELECT count(*) FROM t") == "2", "the seed ran too", r)
    p.write("migrations", "0003_bad.sql", "SELECT 'x'::int;\n")
    t.pgboot("migrate", project=p, url=url).expect(3, "0003_bad.sql", "invalid input syntax for type integer",
                                                   where="err").expect_no_text("lock was released", where="err")


# ---- section 8 and 10 --------------------------------------------------------------


def test_cannot_run_in_a_transaction_block_names_the_directive(t):
    p = t.project(migrations={"0001_t.sql": "CREATE TABLE t (id int);\n",
                              "0002_cic.sql": "CREATE INDEX CONCURRENTLY t_id ON t (id);\n"})
    r = t.pgboot("migrate", project=p).expect(3, "0002_cic.sql:1", "cannot run inside a transaction block",
                                              "-- pgboot:no-transaction", where="err")
    p.write("migrations", "0002_cic.sql", "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n")
    t.pgboot("migrate", project=p).expect(0)


def _commits(t):
    t.psql("SELECT pg_stat_clear_snapshot()")
    return int(t.psql("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"))


def test_no_transaction_file_sends_one_message_per_statement(t):
    n = 300
    body = "-- pgboot:no-transaction\nCREATE TABLE many (id int);\n" + "".join(
        "INSERT INTO many VALUES (%d);\n" % i for i in range(n)) + \
        "CREATE INDEX CONCURRENTLY many_id ON many (id);\nVACUUM many;\nINSERT INTO many VALUES (-1);\n"
    p = t.project(migrations={"0001_many.sql": body})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    before = _commits(t)
    p.write("migrations", "0002_again.sql", body.replace("many", "more"))
    r = t.pgboot("migrate", "--no-verify", project=p).expect(0)
    check(t.psql("SELECT count(*) FROM more") == str(n + 1), "every row", r)
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'more_id'::regclass") == "t", "valid index", r)
    # the backend's statistics reach pg_stat_database when it exits, a moment after pgboot does
    t.wait_until(lambda: _commits(t) - before >= n, timeout=10, what="the run's commits counted")
    time.sleep(0.5)
    spent = _commits(t) - before
    check(spent < 1.5 * n, "about one transaction per statement (3 before issue 10)", spent, r)


# ---- review fixes: a file is split as the server reads it ------------------------


def test_one_message_file_is_split_with_the_connect_time_setting(t):
    """A transactional file goes in one Query message, which the server lexes whole with the
    standard_conforming_strings in force when it arrives (on): a SET inside changes nothing.
    So the COMMIT behind 'a\\' is transaction control (the file runs statement by statement
    and its failure rolls back all of it, not a half committed by the hidden COMMIT), and the
    unlock behind it is a statement the preflight refuses (78)."""
    hidden = ("CREATE TABLE part (id int);\nSET standard_conforming_strings = off;\n"
              "SELECT 'a\\'; COMMIT; --';\nSELECT 1/0;\n")
    p = t.project(migrations={"0001_hidden.sql": hidden})
    r = t.pgboot("migrate", project=p).expect(3, "0001_hidden.sql:4", "division by zero", where="err")
    check(not t.table_exists("part"), "the file's failure left nothing of it committed", r)
    check(t.psql("SELECT count(*) FROM pgboot_migrations") == "0", "and nothing recorded", r)
    line2 = "SELECT 'a\\'; SELECT pg_catalog.pg_advisory_unlock_all(); --';"
    col = line2.index("pg_advisory_unlock_all") + 1
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n",
                              "0002_sneak.sql": "SET standard_conforming_strings = off;\n" + line2 + "\n"})
    r = t.pgboot("migrate", project=p).expect(78, "0002_sneak.sql:2:%d" % col, "pg_advisory_unlock_all",
                                              where="err")
    check(not t.table_exists("a"), "nothing was applied", r)


def test_database_with_standard_conforming_strings_off_splits_files_as_it_reads_them(t):
    """ALTER DATABASE ... SET standard_conforming_strings = off: the server reads '\\'' as a
    quote inside the literal; so does the preflight (the mode, the refusals, the error loci)."""
    t.psql('ALTER DATABASE "%s" SET standard_conforming_strings = off' % t.db)
    p = t.project(migrations={
        "0001_t.sql": "CREATE TABLE t (v text);\nINSERT INTO t VALUES ('it\\'s');\n",
        # a COMMIT inside the literal: one statement, the file stays atomic
        "0002_hidden.sql": "INSERT INTO t VALUES ('c\\'; COMMIT; \\'d');\n",
    })
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT string_agg(v, '|' ORDER BY v) FROM t") == "c'; COMMIT; 'd|it's", "the literals as written",
          r)
    check("not atomic" not in r.err, "no file was run statement by statement", r)
    p.write("migrations", "0003_bad.sql", "INSERT INTO t VALUES ('x\\'y');\nSELECT nosuch;\n")
    t.pgboot("migrate", project=p).expect(3, "0003_bad.sql:2:8", 'column "nosuch" does not exist', where="err")
    check(t.psql("SELECT count(*) FROM t") == "2", "the failed file is rolled back")


# ---- review fixes: the no-transaction lock_timeout ---------------------------------


def test_no_transaction_file_setting_lock_timeout_does_not_outlast_pgboots(t):
    """pgboot sets --ddl-lock-timeout once per session for the statements of a no-transaction
    file; after the file's own SET (or RESET, set_config) it sets it again."""
    body = ("-- pgboot:no-transaction\nCREATE TABLE lt (step int, v text);\n"
            "SET lock_timeout = 0;\nINSERT INTO lt VALUES (1, current_setting('lock_timeout'));\n"
            "SELECT set_config('lock_timeout', '7s', false);\n"
            "INSERT INTO lt VALUES (2, current_setting('lock_timeout'));\n"
            "RESET lock_timeout;\nINSERT INTO lt VALUES (3, current_setting('lock_timeout'));\n")
    p = t.project(migrations={"0001_lt.sql": body})
    r = t.pgboot("migrate", "--ddl-lock-timeout", "3s", project=p).expect(0)
    got = t.psql("SELECT string_agg(step || '=' || v, ' ' ORDER BY step) FROM lt")
    check(got == "1=3s 2=3s 3=3s", "each statement ran with pgboot's lock_timeout", got, r)


def test_no_transaction_concurrently_only_in_a_comment_or_string_keeps_the_lock_timeout(t):
    """Only a CONCURRENTLY the server reads (a word at the statement's top level) runs with
    lock_timeout 0: the word in a comment, a string or a longer name is no concurrent build
    and keeps --ddl-lock-timeout (it was a substring search)."""
    body = ("-- pgboot:no-transaction\nCREATE TABLE lt (step int, v text, concurrently_seen int);\n"
            "INSERT INTO lt /* not built concurrently */ VALUES (1, current_setting('lock_timeout'));\n"
            "INSERT INTO lt VALUES (2, 'concurrently ' || current_setting('lock_timeout'));\n"
            "INSERT INTO lt (step, v, concurrently_seen) VALUES (3, current_setting('lock_timeout'), 1);\n"
            "CREATE INDEX CONCURRENTLY lt_step ON lt (step);\n"
            "INSERT INTO lt VALUES (4, current_setting('lock_timeout'));\n")
    p = t.project(migrations={"0001_lt.sql": body})
    r = t.pgboot("migrate", "--ddl-lock-timeout", "3s", project=p).expect(0)
    got = t.psql("SELECT string_agg(step || '=' || v, ' ' ORDER BY step) FROM lt")
    check(got == "1=3s 2=concurrently 3s 3=3s 4=3s", "only the concurrent build ran without a lock timeout", got, r)


def test_no_transaction_reindex_concurrently_option_waits_without_a_lock_timeout(t):
    """REINDEX (CONCURRENTLY) INDEX ..., the option-list spelling, is as concurrent as REINDEX
    INDEX CONCURRENTLY: it runs with lock_timeout 0 (a timeout would leave an invalid index),
    so it waits out a lock held longer than --ddl-lock-timeout (the substring search saw it;
    the top-level-word test at first did not)."""
    p = t.project(migrations={"0001_rx.sql": "CREATE TABLE rx (a int);\nCREATE INDEX rxi ON rx (a);\n"})
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_reindex.sql", "-- pgboot:no-transaction\nREINDEX (CONCURRENTLY) INDEX rxi;\n")
    app = t.hold("BEGIN; LOCK TABLE rx IN SHARE UPDATE EXCLUSIVE MODE")
    proc = t.spawn("migrate", "--ddl-lock-timeout", "200ms", "--ddl-lock-retries", "1", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                "AND query LIKE 'REINDEX (CONCURRENTLY)%'") == "1", what="the reindex waits")
    time.sleep(1.0)  # five times --ddl-lock-timeout
    check(proc.poll() is None, "still waiting for the lock after --ddl-lock-timeout")
    t.release(app)
    r = proc.wait(20).expect(0)
    check(t.history() == [("migration", "0001", "rx"), ("migration", "0002", "reindex")], "both applied", r)
