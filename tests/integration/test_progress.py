"""Issue 15: a migration statement that runs long says what it is doing, from a second
session ("pgboot progress"): whom it waits for (pg_blocking_pids) or how far an index
build is (pg_stat_progress_create_index). PGBOOT_PROGRESS_AFTER_MS / _EVERY_MS shorten
the 5 s / 10 s delays here."""
import re

from harness import PSQL, check

FAST = {"PGBOOT_PROGRESS_AFTER_MS": "300", "PGBOOT_PROGRESS_EVERY_MS": "400"}


def progress_sessions(t):
    return t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot progress'")


def progress_events(r):
    return [e for e in r.json_lines() if e.get("event") == "progress"]


def sessions(t):
    """Sessions the database has had (pg_stat_database counts each one when it ends)."""
    return int(t.psql("SELECT sessions FROM pg_stat_database WHERE datname = current_database()"))


def test_lock_wait_names_the_blocker_then_finishes(t):
    t.psql("CREATE TABLE users (id int, pw text)")
    app = t.hold("BEGIN; LOCK TABLE users IN ACCESS SHARE MODE; SELECT 'hunter2-secret' AS pw")
    blocker = t.holder_pid(app)
    p = t.project(migrations={"0001_users.sql": "ALTER TABLE users ADD COLUMN x int;"})
    # the app lists its open files and counts the second sessions: none outlives pgboot into the app
    app_cmd = ("ls -l /proc/self/fd; %s -X -At -h %s -p %d -U %s -d %s -c \"SELECT 'progress sessions: ' || count(*) "
               "FROM pg_stat_activity WHERE application_name = 'pgboot progress'\""
               % (PSQL, t.server.sock, t.server.port, t.server.user, t.db))
    proc = t.spawn("run", "--log-format", "json", "--", "sh", "-c", app_cmd, env=FAST, project=p)
    t.wait_until(lambda: proc.stderr_so_far().count("has run") >= 2, what="two progress reports")
    check(progress_sessions(t) == "1", "one second session while the migration waits")
    t.release(app)
    r = proc.wait(30).expect(0)
    check("progress sessions: 0" in r.out and "socket:" not in r.out, "nothing left open for the app", r)
    events = progress_events(r)
    check(len(events) >= 2, "a report every EVERY_MS", r)
    e = events[0]
    check(e["level"] == "warning" and e["file"].endswith("0001_users.sql") and e["version"] == "0001", "fields", e)
    check(e["blocker_pid"] == int(blocker) and e["blocker_application"] == app and e["blockers"] == 1, "blocker", e)
    check(e["wait_event_type"] == "Lock" and e["wait_event"] == "relation" and e["state"] == "active", "wait", e)
    check(e["ms"] >= 300 and events[1]["ms"] >= e["ms"] + 300, "the schedule", events)
    want = re.compile(r'"migrations/0001_users\.sql" has run \d+ m?s: waiting for a lock \(relation\) held by pid %s '
                      r'\("%s", active for \d+s?m?s?: "BEGIN; LOCK TABLE users IN ACCESS SHARE MODE; '
                      r"SELECT '\*\*\*' AS pw; SELECT pg_sleep\(600\);\"\)" % (blocker, app))
    check(want.search(e["msg"]), "the line names pid, application, state, age and query", e["msg"])
    r.expect_no_text("hunter2", t.password)
    check(t.psql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'x'") == "1",
          "applied once the lock was released", r)
    check(progress_sessions(t) == "0", "the second session is closed at the end of the run")


def test_concurrent_index_build_logs_its_phase(t):
    t.psql("CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 2000) g")
    # a writer's open transaction holds the build in its first wait
    app = t.hold("BEGIN; INSERT INTO big VALUES (0, 'x')")
    blocker = t.holder_pid(app)
    # then a build whose table scan is slow (about 1 ms a row): its blocks done and total
    t.psql("CREATE FUNCTION slow_key(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 FROM pg_sleep(0.001)'; "
           "CREATE TABLE slow AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 1200) g")
    p = t.project(migrations={
        "0001_idx.sql": "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY big_v ON big (v);\n",
        "0002_slow.sql": "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY slow_k ON slow (slow_key(id));\n"})
    proc = t.spawn("migrate", env=FAST, project=p)
    proc.wait_for_text("has run", timeout=15)
    t.release(app)
    r = proc.wait(60).expect(0)
    want = re.compile(r'"migrations/0001_idx\.sql" has run \d+ m?s: building index: "waiting for writers before build"; '
                      r'waiting for a lock \(virtualxid\) held by pid %s \("%s", ' % (blocker, app))
    check(want.search(r.err), "the phase and the blocker", r)
    scan = re.compile(r'"migrations/0002_slow\.sql" has run \d+ m?s: building index: "building index: scanning table", '
                      r'(\d+)% of blocks \((\d+) of (\d+)\)$', re.M)
    m = scan.search(r.err)
    check(m and int(m.group(3)) == int(t.psql("SELECT relpages FROM pg_class WHERE relname = 'slow'")) and
          int(m.group(1)) == int(m.group(2)) * 100 // int(m.group(3)), "blocks done of the table's", r)
    for idx in ("big_v", "slow_k"):
        check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = '%s'::regclass" % idx) == "t", "built", r)


def test_fast_run_opens_no_second_session_and_a_slow_one_does(t):
    p = t.project(migrations={"0001_t.sql": "CREATE TABLE t1 (id int);"})
    before = sessions(t)
    r = t.pgboot("migrate", "--log-format", "json", env=FAST, project=p).expect(0)
    check(progress_events(r) == [], "no progress report", r)
    # pgboot's session and the psql that counted "before"
    t.wait_until(lambda: sessions(t) - before == 2, what="two sessions counted")
    # a long statement that waits for nothing: running, with its wait event; one more session
    p2 = t.project(migrations={"0001_t.sql": "CREATE TABLE t1 (id int);", "0002_sleep.sql": "SELECT pg_sleep(1);"})
    before = sessions(t)
    r = t.pgboot("migrate", env={**FAST, "PGBOOT_PROGRESS_EVERY_MS": "10000"}, project=p2).expect(0)
    check(r.err.count("has run") == 1, "one report", r)
    r.expect_text(re.compile(r'"migrations/0002_sleep\.sql" has run \d+ ms: running, waiting on Timeout "PgSleep"'))
    t.wait_until(lambda: sessions(t) - before == 3, what="three sessions counted")
    # in a batch (three pending files, one message) the report names the first file whose
    # COMMIT has not come back, and says it may be a later one of the batch (the server holds
    # the results before a long statement in its buffer)
    p3 = t.project(migrations={"0001_a.sql": "CREATE TABLE ta (id int);", "0002_sleep.sql": "SELECT pg_sleep(1);",
                               "0003_b.sql": "CREATE TABLE tb (id int);"})
    t.psql("DROP TABLE IF EXISTS t1; DROP TABLE IF EXISTS pgboot_migrations")
    r = t.pgboot("migrate", env={**FAST, "PGBOOT_PROGRESS_EVERY_MS": "10000"}, project=p3).expect(0)
    check(r.err.count("has run") == 1, "one report for the batch", r)
    r.expect_text(re.compile(r'"migrations/000[12]_[a-z]+\.sql" \(or a file after it in its batch\) has run \d+ ms: '
                             r'running, waiting on Timeout "PgSleep"'))


def test_through_a_pooler_nothing_rather_than_wrong(t):
    """PgBouncer hands out its own backend pid: pg_stat_activity does not show it as this
    session's, so the reports go off (said at debug) and the run goes on."""
    from test_pgbouncer import _start_pgbouncer
    port = _start_pgbouncer(t, mode="transaction", pool_size=4)
    url = "postgres://postgres@127.0.0.1:%d/%s" % (port, t.db)
    p = t.project(migrations={"0001_sleep.sql": "SELECT pg_sleep(1);"})
    r = t.pgboot("migrate", "--lock-mode", "transaction", "--log-level", "debug", env=FAST, project=p, url=url)
    r.expect(0, "progress reports are off for this run: pg_stat_activity does not show this session's backend pid")
    r.expect_no_text("has run")
    check(len(t.history()) == 1, "applied", t.history())
    # the pooler keeps its server connection (named as the last client named it): idle, holding nothing
    check(t.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgboot progress' "
                 "AND state <> 'idle'") == "0", "no transaction of the second session left open")


def test_second_session_refused_warns_once_and_the_run_goes_on(t):
    role = "one_conn_%s" % t.db[-4:]
    t.psql("CREATE ROLE %s LOGIN CONNECTION LIMIT 1; GRANT ALL ON SCHEMA public TO %s" % (role, role))
    db = t.db
    t.on_cleanup(lambda: t.server.psql(db, "DROP OWNED BY %s CASCADE; DROP ROLE IF EXISTS %s" % (role, role),
                                       check=False))
    p = t.project(migrations={"0001_sleep.sql": "SELECT pg_sleep(1.2);", "0002_t.sql": "CREATE TABLE t2 (id int);"})
    r = t.pgboot("migrate", env=FAST, project=p, url=t.keyword_url(user=role))
    r.expect(0, re.compile(r'warning: progress reports are off for this run: could not open a second session: '
                           r'connection to server .* failed: too many connections for role "%s"$' % role, re.M))
    check(r.err.count("progress reports are off") == 1, "said once", r)
    r.expect_no_text("has run")
    check(len(t.history()) == 2, "both applied", t.history())
