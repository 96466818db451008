"""The history table is found, not guessed: an unqualified --history-table is
looked up by name in every schema the role may use, so a migration that moves
search_path (the manual's secure-schema pattern, ALTER DATABASE ... SET
search_path) never makes a second history table; two visible tables are 78."""
import os
import random
import re

from harness import check, lock_key


def _role(t):
    """A login role that may create schemas in the test database and tables in
    public (PostgreSQL 15 grants no CREATE on public to PUBLIC); dropped at cleanup."""
    role = "h_%s_%04x" % (t.db[-8:], random.randrange(65536))
    t.psql("CREATE ROLE %s LOGIN PASSWORD 'rolepw'" % role)
    t.psql('GRANT CREATE ON DATABASE "%s" TO %s; GRANT CREATE ON SCHEMA public TO %s' % (t.db, role, role))

    def drop():
        t.psql("DROP OWNED BY %s CASCADE" % role, check=False)
        t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False)
    t.on_cleanup(drop)
    return role, t.url(user=role, password="rolepw")


def _history_tables(t):
    return t.psql("SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY n.nspname) FROM pg_class c "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'pgboot_migrations'")


def test_secure_schema_pattern_finds_history(t):
    """The manual's secure-schema pattern: a migration creates a schema named
    like the login role, so the next session's search_path ("$user", public)
    points at it. The next start finds public.pgboot_migrations, applies
    nothing, and a new migration's row goes there too; status, plan, verify
    and --skip-migrate read the same table."""
    role, url = _role(t)
    p = t.project(migrations={
        "0001_users.sql": "CREATE TABLE users (id int PRIMARY KEY);\nCREATE SCHEMA AUTHORIZATION %s;\n" % role})
    t.pgboot("migrate", project=p, url=url).expect(0)
    check(t.psql("SELECT current_schema()", user=role) == role, "search_path now points at the role's schema")
    r = t.pgboot("migrate", project=p, url=url).expect(0, "up to date", where="err")
    check(_history_tables(t) == "public.pgboot_migrations", "one history table", _history_tables(t), r)
    check(not t.table_exists("%s.users" % role), "nothing applied again into the new schema", r)
    t.pgboot("status", project=p, url=url).expect(0, "public.pgboot_migrations", where="out")
    t.pgboot("plan", project=p, url=url).expect(0, "up to date", where="out")
    t.pgboot("verify", project=p, url=url).expect(0)
    t.pgboot("run", "--skip-migrate", "--wait-timeout", "5s", "--", "true", project=p, url=url).expect(0)
    # a new migration lands wherever search_path points now; its row in the one history table
    p.write("migrations", "0002_orders.sql", "CREATE TABLE orders (id int);\n")
    t.pgboot("run", "--", "true", project=p, url=url).expect(0)
    check(t.table_exists("%s.orders" % role), "0002 ran in the role's schema")
    check(t.history() == [("migration", "0001", "users"), ("migration", "0002", "orders")], "both rows in public",
          t.history())
    check(_history_tables(t) == "public.pgboot_migrations", "still one history table", _history_tables(t))


def test_secure_schema_lock_key_uses_found_table(t):
    """The migration lock's key is computed from the table found, so a replica
    that created it and one that found it later agree: holding the key of
    public.pgboot_migrations keeps a start whose search_path moved out (75)."""
    role, url = _role(t)
    p = t.project(migrations={"0001_s.sql": "CREATE SCHEMA AUTHORIZATION %s;\n" % role})
    t.pgboot("migrate", project=p, url=url).expect(0)
    p.write("migrations", "0002_t.sql", "CREATE TABLE t2 (id int);\n")
    t.hold("SELECT pg_advisory_lock(%d)" % lock_key(t.db, "public.pgboot_migrations"))
    t.pgboot("migrate", "--lock-timeout", "1s", project=p, url=url).expect(75)
    check(not t.table_exists("%s.t2" % role), "nothing applied while the lock was held elsewhere")


def test_alter_database_search_path_finds_history(t):
    """A migration that runs ALTER DATABASE ... SET search_path = app, public:
    the next start finds the history in public and applies nothing again."""
    p = t.project(migrations={
        "0001_app.sql": "CREATE SCHEMA app;\nCREATE TABLE users (id int PRIMARY KEY);\n",
        "0002_path.sql": 'ALTER DATABASE "%s" SET search_path = app, public;\n' % t.db,
    })
    t.pgboot("run", "--", "true", project=p).expect(0)
    check(t.psql("SELECT current_schema()") == "app", "new sessions start in app")
    for _ in range(2):
        r = t.pgboot("run", "--", "true", project=p).expect(0, "up to date", where="err")
    check(_history_tables(t) == "public.pgboot_migrations", "one history table", _history_tables(t), r)
    check(not t.table_exists("app.users"), "users not created again in app")
    t.pgboot("status", project=p).expect(0, "public.pgboot_migrations", where="out")
    p.write("migrations", "0003_more.sql", "CREATE TABLE more (id int);\n")
    t.pgboot("migrate", project=p).expect(0)
    check(t.table_exists("app.more"), "0003 follows search_path")
    check(len(t.history()) == 3, "three rows in public.pgboot_migrations", t.history())
    # public off search_path altogether: found all the same
    t.psql('ALTER DATABASE "%s" SET search_path = app' % t.db)
    t.pgboot("run", "--", "true", project=p).expect(0, "up to date", where="err")
    t.pgboot("status", project=p).expect(0, "public.pgboot_migrations", where="out")
    p.write("migrations", "0004_last.sql", "CREATE TABLE last (id int);\n")
    t.pgboot("migrate", project=p).expect(0)
    rows = t.history(table="public.pgboot_migrations")
    check(t.table_exists("app.last") and len(rows) == 4, "0004 applied once, its row in public", rows)
    check(_history_tables(t) == "public.pgboot_migrations", "still one history table", _history_tables(t))


def test_two_visible_history_tables_78(t):
    """Two tables of that name in two schemas the role may use: exit 78 naming
    both, with the hint to qualify the name; a qualified name picks one."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n"})
    t.pgboot("migrate", project=p).expect(0)
    t.psql("CREATE SCHEMA other; CREATE TABLE other.pgboot_migrations (LIKE public.pgboot_migrations INCLUDING ALL)")
    p.write("migrations", "0002_b.sql", "CREATE TABLE b (id int);\n")
    for args in (["migrate"], ["status"], ["plan"], ["verify"], ["run", "--skip-migrate", "--", "true"]):
        r = t.pgboot(*args, project=p).expect(78, "other.pgboot_migrations", "public.pgboot_migrations",
                                              "--history-table SCHEMA.NAME", where="err")
    check(not t.table_exists("b"), "nothing applied", r)
    t.pgboot("migrate", "--history-table", "public.pgboot_migrations", project=p).expect(0)
    check(t.table_exists("b"), "the qualified name picks one")
    check(t.psql("SELECT count(*) FROM other.pgboot_migrations") == "0", "the other one untouched")


def test_lookup_ignores_schema_the_role_cannot_use(t):
    """A table of that name in a schema the role has no USAGE on is not the
    role's history: with the role's search_path moved (secure schema), the
    start finds public's table alone, neither 78 nor a second history."""
    role, url = _role(t)
    p = t.project(migrations={"0001_s.sql": "CREATE SCHEMA AUTHORIZATION %s;\nCREATE TABLE u (id int);\n" % role})
    t.pgboot("migrate", project=p, url=url).expect(0)
    t.psql("CREATE SCHEMA hidden; CREATE TABLE hidden.pgboot_migrations (LIKE public.pgboot_migrations INCLUDING ALL)")
    check(t.psql("SELECT has_schema_privilege('%s', 'hidden', 'USAGE')" % role) == "f", "hidden is hidden")
    r = t.pgboot("migrate", project=p, url=url).expect(0, "up to date", where="err")
    r.expect_no_text("hidden", where="err")
    t.pgboot("status", project=p, url=url).expect(0, "public.pgboot_migrations", where="out")
    check(t.psql("SELECT count(*) FROM pg_class WHERE relname = 'pgboot_migrations'") == "2",
          "no table besides public's and hidden's")


def test_new_history_created_in_current_schema_logged(t):
    """None found: created in current_schema(), and the log says where and why."""
    t.psql("CREATE SCHEMA app")
    t.psql('ALTER DATABASE "%s" SET search_path = app, public' % t.db)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n"})
    t.pgboot("migrate", project=p).expect(0, 'created history table "app.pgboot_migrations" in the current schema',
                                          where="err")
    check(_history_tables(t) == "app.pgboot_migrations", "in app", _history_tables(t))


def test_search_path_without_schema_creates_in_public(t):
    """search_path names no existing schema: the table goes to public (today: 78)."""
    t.psql('ALTER DATABASE "%s" SET search_path = nosuch' % t.db)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE public.a (id int);\n"})
    t.pgboot("migrate", project=p).expect(0, 'created history table "public.pgboot_migrations" in public',
                                          "search_path names no existing schema", where="err")
    t.pgboot("migrate", project=p).expect(0, "up to date", where="err")


# ---- future migrations: an older release beside a newer one -------------------------------

OLD = {
    "0001_a.sql": "CREATE TABLE a (id int);\n",
    "0002_b.sql": "CREATE TABLE b (id int);\n",
    "0003_c.sql": "CREATE TABLE c (id int);\n",
}
NEW = dict(OLD, **{"0004_d.sql": "CREATE TABLE d (id int);\n", "0005_e.sql": "CREATE TABLE e (id int);\n"})


def test_older_release_after_newer_goes_on(t):
    """The history holds versions newer than every local file (a newer image
    migrated; this is the previous release, rolled back): run, run
    --skip-migrate, migrate and verify warn naming them and go on; the app runs."""
    t.pgboot("migrate", project=t.project(migrations=NEW)).expect(0)
    old = t.project(migrations=OLD)
    marker = t.path("app-ran")
    for args in (["run"], ["run", "--skip-migrate"]):
        r = t.pgboot(*args, "--", "touch", marker, project=old).expect(0)
        r.expect_text("0004", "0005", "newer release", where="err")
        check(t.read("app-ran") is not None, "the app ran (%s)" % " ".join(args), r)
        os.unlink(marker)
    t.pgboot("migrate", project=old).expect(0, "0004", "0005", where="err")
    r = t.pgboot("verify", project=old).expect(0)
    r.expect_no_text("history matches files", where="err")
    check(len(t.history()) == 5, "nothing changed in the history", t.history())


def test_older_release_strict_refuses_future(t):
    """--strict (and PGBOOT_STRICT=1) keep today's refusal: exit 5 naming them."""
    t.pgboot("migrate", project=t.project(migrations=NEW)).expect(0)
    old = t.project(migrations=OLD)
    for args, env in ((["run", "--strict", "--", "true"], None),
                      (["run", "--skip-migrate", "--", "true"], {"PGBOOT_STRICT": "1"}),
                      (["migrate", "--strict"], None)):
        t.pgboot(*args, project=old, env=env).expect(5, "0004", "0005", "future", where="err")
    t.pgboot("verify", "--strict", project=old).expect(4, "history matches files", where="err")


def test_missing_file_older_than_newest_stays_drift(t):
    """A missing file older than the newest local one is not future: exit 5."""
    t.pgboot("migrate", project=t.project(migrations=NEW)).expect(0)
    gap = {k: v for k, v in NEW.items() if not k.startswith("0002")}
    for args in (["run", "--", "true"], ["run", "--skip-migrate", "--", "true"], ["migrate"], ["status"]):
        t.pgboot(*args, project=t.project(migrations=gap)).expect(5, "0002", "missing", where="all")
    t.pgboot("verify", project=t.project(migrations=gap)).expect(4, "history matches files", where="err")


def test_history_in_schema_needing_quotes(t):
    """A schema whose name needs quoting (Odd "S"): the up-to-date start
    finds the table where search_path points at once (no full lookup that
    moves it), and the full lookup agrees."""
    t.psql('CREATE SCHEMA "Odd ""S"""')
    t.psql('ALTER DATABASE "%s" SET search_path = "Odd ""S"""' % t.db)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n"})
    t.pgboot("migrate", project=p).expect(0, 'created history table "Odd "S".pgboot_migrations"', where="err")
    r = t.pgboot("run", "-v", "--", "true", project=p).expect(0, "up to date", where="err")
    r.expect_no_text("outside search_path", where="err")
    t.pgboot("status", project=p).expect(0, 'Odd "S".pgboot_migrations', where="out")
    p.write("migrations", "0002_b.sql", "CREATE TABLE b (id int);\n")
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql('SELECT count(*) FROM "Odd ""S""".pgboot_migrations') == "2", "both rows in the one table")


def test_two_history_tables_up_to_date_run_78(t):
    """Nothing pending and search_path finds public's table: a second table of
    the name in a schema the role may use is still 78 naming both, for run (the
    up-to-date start) as for status; a qualified name picks one."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n"})
    t.pgboot("migrate", project=p).expect(0)
    t.psql("CREATE SCHEMA other; CREATE TABLE other.pgboot_migrations (LIKE public.pgboot_migrations INCLUDING ALL)")
    for args in (["run", "--", "true"], ["migrate"], ["status"]):
        t.pgboot(*args, project=p).expect(78, "other.pgboot_migrations", "public.pgboot_migrations",
                                          "--history-table SCHEMA.NAME", where="err")
    t.pgboot("run", "--history-table", "public.pgboot_migrations", "--", "true", project=p).expect(0)


def test_view_named_like_history_earlier_in_search_path_is_not_read(t):
    """A view named pgboot_migrations in a schema search_path names before
    public: neither the up-to-date start nor status, plan or a new migration
    reads it; public's table is the history."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);\n"})
    t.pgboot("migrate", project=p).expect(0)
    t.psql("CREATE SCHEMA app; CREATE VIEW app.pgboot_migrations AS SELECT 1 AS x")
    t.psql('ALTER DATABASE "%s" SET search_path = app, public' % t.db)
    t.pgboot("run", "--", "true", project=p).expect(0, "up to date", where="err")
    t.pgboot("status", project=p).expect(0, "public.pgboot_migrations", where="out")
    p.write("migrations", "0002_b.sql", "CREATE TABLE b (id int);\n")
    t.pgboot("plan", project=p).expect(0, "0002", where="out")
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT count(*) FROM public.pgboot_migrations") == "2", "the rows are in public's table")
    check(t.psql("SELECT x FROM app.pgboot_migrations") == "1", "the view is untouched")
    check(_history_tables(t) == "app.pgboot_migrations,public.pgboot_migrations", "no third", _history_tables(t))


# ---- a configured history table where none is yet, pgboot's history elsewhere ------------

# idempotent on purpose: a second apply would pass silently, and only cnt shows it
COUNTED = {"0001_cnt.sql": "CREATE TABLE IF NOT EXISTS cnt (n int);\nINSERT INTO cnt VALUES (1);\n"}
MOVED = {"PGBOOT_HISTORY_TABLE": "pgboot.pgboot_migrations"}


def _old_history(t, rows=True):
    """A history in public from an earlier deploy (the default name); emptied unless rows."""
    p = t.project(migrations=COUNTED)
    t.pgboot("migrate", project=p).expect(0)
    if not rows:
        t.psql("DELETE FROM public.pgboot_migrations; DELETE FROM cnt")
    return p


def test_history_elsewhere_with_rows_78(t):
    """The configured pgboot.pgboot_migrations is not there (schema pgboot is),
    but public.pgboot_migrations holds this project's history: 78 naming both,
    the hint the ALTER TABLE that moves it, in both lock modes and for
    --history-table and PGBOOT_HISTORY_TABLE; nothing applied, nothing created."""
    p = _old_history(t)
    t.psql("CREATE SCHEMA pgboot")
    runs = ((["migrate"], MOVED, "PGBOOT_HISTORY_TABLE"),
            (["migrate", "--lock-mode", "transaction"], MOVED, "PGBOOT_HISTORY_TABLE"),
            (["run", "--history-table", "pgboot.pgboot_migrations", "--", "true"], None, "--history-table"))
    for args, env, setting in runs:
        r = t.pgboot(*args, project=p, env=env).expect(
            78, 'history table "pgboot.pgboot_migrations" does not exist, but a pgboot history '
                '"public.pgboot_migrations" does', "every migration again",
            "ALTER TABLE public.pgboot_migrations SET SCHEMA pgboot;",
            "SET SCHEMA pgboot; or set %s to public.pgboot_migrations." % setting, where="err")
        r.expect_no_text("CREATE SCHEMA", "applied migration", where="err")
    check(t.psql("SELECT count(*) FROM cnt") == "1", "0001 not applied again")
    check(_history_tables(t) == "public.pgboot_migrations", "no history created in pgboot", _history_tables(t))


def test_history_elsewhere_empty_goes_on(t):
    """An empty pgboot history in public is no history: the configured table
    is created in pgboot and the migration applied, with no word of public's."""
    p = _old_history(t, rows=False)
    t.psql("CREATE SCHEMA pgboot")
    r = t.pgboot("migrate", project=p, env=MOVED).expect(0, 'created history table "pgboot.pgboot_migrations"',
                                                         where="err")
    r.expect_no_text("public.pgboot_migrations")
    check(t.history(table="pgboot.pgboot_migrations") == [("migration", "0001", "cnt")], "recorded in pgboot")
    check(t.psql("SELECT count(*) FROM public.pgboot_migrations") == "0", "public's left alone")


def test_history_elsewhere_hint_moves_it(t):
    """The old history is in a schema whose name needs quoting and schema
    pgboot does not exist: the hint's SQL, run as written, creates the schema
    and moves the table; then the start is up to date and applies nothing."""
    t.psql('CREATE SCHEMA "Old S"')
    t.psql('ALTER DATABASE "%s" SET search_path = "Old S"' % t.db)
    p = _old_history(t)
    t.psql('ALTER DATABASE "%s" RESET search_path' % t.db)
    r = t.pgboot("run", "--", "true", project=p, env=MOVED).expect(
        78, '"Old S.pgboot_migrations"', 'CREATE SCHEMA pgboot; ALTER TABLE "Old S".pgboot_migrations SET SCHEMA '
        'pgboot; If it is another project', where="err")
    sql = re.search(r"\(as its owner\): (.*?SET SCHEMA pgboot;)", r.err).group(1)
    t.psql(sql)
    r = t.pgboot("run", "--", "true", project=p, env=MOVED).expect(0, "up to date", where="err")
    r.expect_no_text("applied migration", "created history table", where="err")
    check(t.psql('SELECT count(*) FROM "Old S".cnt') == "1", "0001 ran once")
    check(_history_tables(t) == "pgboot.pgboot_migrations", "the one history moved", _history_tables(t))
    t.pgboot("status", project=p, env=MOVED).expect(0, "pgboot.pgboot_migrations", "applied", where="out")


def test_same_name_not_a_history_elsewhere_goes_on(t):
    """A table named pgboot_migrations in public that is not pgboot's history
    (other columns, rows in it): no refusal, the history is created in pgboot."""
    t.psql("CREATE SCHEMA pgboot; CREATE TABLE public.pgboot_migrations (kind text, version text, note text); "
           "INSERT INTO public.pgboot_migrations VALUES ('migration', '0001', 'someone else''s')")
    p = t.project(migrations=COUNTED)
    t.pgboot("migrate", project=p, env=MOVED).expect(0, 'created history table "pgboot.pgboot_migrations"',
                                                     where="err")
    check(t.history(table="pgboot.pgboot_migrations") == [("migration", "0001", "cnt")], "recorded in pgboot")


def test_history_elsewhere_reports_refuse_too(t):
    """status, plan, verify and run --skip-migrate do not report every migration
    pending from the missing table: each is 78 with the same message, status
    printing no report."""
    p = _old_history(t)
    t.psql("CREATE SCHEMA pgboot")
    for args in (["status"], ["status", "--json"], ["plan"], ["verify"],
                 ["run", "--skip-migrate", "--wait-timeout", "5s", "--", "true"]):
        r = t.pgboot(*args, project=p, env=MOVED).expect(
            78, 'history table "pgboot.pgboot_migrations" does not exist, but a pgboot history '
                '"public.pgboot_migrations" does', "ALTER TABLE public.pgboot_migrations SET SCHEMA pgboot;",
            where="err")
        check(r.out == "", "%s prints no report" % " ".join(args), r)


def test_history_elsewhere_unreadable_78(t):
    """The role may use the old history's schema but not read the table, so it
    cannot tell whether it is empty: 78 all the same, nothing created."""
    role, url = _role(t)
    t.psql("CREATE SCHEMA legacy")
    t.psql('ALTER DATABASE "%s" SET search_path = legacy' % t.db)
    _old_history(t)
    t.psql('ALTER DATABASE "%s" RESET search_path' % t.db)
    t.psql("CREATE SCHEMA pgboot AUTHORIZATION %s; GRANT USAGE ON SCHEMA legacy TO %s" % (role, role))
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE IF NOT EXISTS pgboot.a (id int);\n"})
    t.pgboot("migrate", project=p, url=url, env=MOVED).expect(
        78, '"legacy.pgboot_migrations" does', where="err")
    check(not t.table_exists("pgboot.pgboot_migrations"), "nothing created")
