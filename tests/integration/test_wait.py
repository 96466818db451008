"""wait: transient failures are waited out, permanent ones fail at once;
where the connection string comes from (flag, PGBOOT_DATABASE_URL, DATABASE_URL,
*_FILE, libpq's PG* variables)."""
import os
import threading
import time

from harness import check, free_port, TcpForwarder


def test_wait_ready(t):
    r = t.pgboot("wait").expect(0)
    check(r.elapsed < 1, "an available database: at once (%.2fs)" % r.elapsed, r)
    t.pgboot("wait", url=t.keyword_url()).expect(0)
    t.pgboot("wait", url=t.keyword_url(socket=False)).expect(0)


def test_closed_port_waits_then_69(t):
    r = t.pgboot("wait", "--wait-timeout", "2s", url=t.server.url(t.db, port=free_port()))
    r.expect(69, where="err")
    check(1.8 < r.elapsed < 5, "gave up after about --wait-timeout (%.1fs)" % r.elapsed, r)
    r.expect_text("waiting for the database", where="err")
    waits = [l for l in r.err.splitlines() if "waiting" in l]
    check(len(waits) <= 2, "the reason is logged every few seconds, not every attempt", r)


def test_wait_timeout_variable(t):
    r = t.pgboot("wait", url=t.server.url(t.db, port=free_port()), env={"PGBOOT_WAIT_TIMEOUT": "1s"})
    r.expect(69)
    check(r.elapsed < 4, "PGBOOT_WAIT_TIMEOUT=1s (%.1fs)" % r.elapsed, r)


def test_migrate_closed_port_69(t):
    p = t.project(migrations={"0001_a.sql": "SELECT 1;"})
    t.pgboot("migrate", "--wait-timeout", "1s", project=p, url=t.server.url(t.db, port=free_port())).expect(69)


def test_database_appears_while_waiting(t):
    """The server comes up while pgboot waits: pgboot connects within tens of
    milliseconds (refused connections are retried every ~50 ms)."""
    fwd = TcpForwarder(t.server.port)
    t.on_cleanup(fwd.close)
    proc = t.spawn("wait", "--wait-timeout", "20s", url=t.server.url(t.db, port=fwd.port))
    proc.wait_for_text("waiting for the database", timeout=10)
    time.sleep(1.5)
    check(proc.poll() is None, "still waiting")
    opened = time.time()
    fwd.start()
    r = proc.wait(10).expect(0)
    lag = time.time() - opened
    check(lag < 1.0, "connected soon after the port opened (%.0f ms)" % (lag * 1000), r)
    t.note("wait: connected %.0f ms after the port opened" % (lag * 1000))


def test_wrong_password_77_at_once(t):
    r = t.pgboot("wait", "--wait-timeout", "20s", url=t.url(password="wrong-password-123"))
    r.expect(77, where="err")
    check(r.elapsed < 2, "failed at once, not after the wait timeout (%.1fs)" % r.elapsed, r)
    r.expect_no_text("wrong-password-123")


def test_unknown_user_77(t):
    r = t.pgboot("wait", "--wait-timeout", "20s", url=t.url(user="nobody_here", password="x1"))
    r.expect(77)
    check(r.elapsed < 2, "at once", r)


def test_missing_database_78_at_once(t):
    r = t.pgboot("wait", "--wait-timeout", "20s", url=t.url(db="no_such_database_xyz"))
    r.expect(78, "no_such_database_xyz", where="err")
    check(r.elapsed < 2, "failed at once (%.1fs)" % r.elapsed, r)


def test_server_refused_setting_78_at_once(t):
    """A FATAL the server will give again on every attempt (an unknown parameter
    in options=, 42704) fails at once with 78 and the server's reply."""
    r = t.pgboot("wait", "--wait-timeout", "20s", url=t.url() + "?options=-c%20bogus_setting%3D1")
    r.expect(78, 'unrecognized configuration parameter "bogus_setting" (SQLSTATE 42704)', where="err")
    check(r.elapsed < 2, "failed at once, not after the wait timeout (%.1fs)" % r.elapsed, r)
    check(r.err.count("bogus_setting") == 1, "the reply once, though libpq reports it twice", r)


def test_database_not_accepting_connections_78_at_once(t):
    """datallowconn = false (55000) is the database's setting, not a server starting up."""
    db = t.new_database()
    t.psql('ALTER DATABASE "%s" WITH ALLOW_CONNECTIONS false' % db, db="postgres")
    r = t.pgboot("wait", "--wait-timeout", "20s", url=t.url(db=db))
    r.expect(78, "not currently accepting connections", where="err")
    check(r.elapsed < 2, "failed at once (%.1fs)" % r.elapsed, r)
    t.psql('ALTER DATABASE "%s" WITH ALLOW_CONNECTIONS true' % db, db="postgres")


def test_too_many_connections_is_waited_out(t):
    """53300 (no connection slot for the role) is "not available yet": pgboot keeps
    asking, logs the reason, and exits 69 at the wait timeout."""
    role = "c_%s" % t.db[-12:]
    t.psql("CREATE ROLE %s LOGIN PASSWORD 'rolepw' CONNECTION LIMIT 0" % role)
    t.on_cleanup(lambda: t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False))
    r = t.pgboot("wait", "--wait-timeout", "1500ms", url=t.url(user=role, password="rolepw"))
    r.expect(69, "too many connections", where="err")
    check(r.elapsed >= 1.4, "waited until the timeout (%.1fs)" % r.elapsed, r)


def test_migrate_wrong_password_77(t):
    p = t.project(migrations={"0001_a.sql": "SELECT 1;"})
    t.pgboot("migrate", "--wait-timeout", "20s", project=p, url=t.url(password="nope")).expect(77)


def test_permission_denied_on_connect_77(t):
    """A role without CONNECT on the database: 42501, authentication/permission -> 77."""
    role = "r_%s" % t.db[-12:]
    t.psql("CREATE ROLE %s LOGIN PASSWORD 'rolepw'" % role)
    t.on_cleanup(lambda: t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False))
    t.psql('REVOKE CONNECT ON DATABASE "%s" FROM PUBLIC' % t.db)
    r = t.pgboot("wait", "--wait-timeout", "20s", url=t.url(user=role, password="rolepw"))
    r.expect(77)
    check(r.elapsed < 2, "at once", r)
    t.psql('DROP OWNED BY %s' % role)


def test_pgboot_database_url_beats_database_url(t):
    r = t.pgboot("wait", "--wait-timeout", "20s", url=None,
                 env={"PGBOOT_DATABASE_URL": t.url(), "DATABASE_URL": t.url(db="no_such_db_1")})
    r.expect(0)
    t.pgboot("wait", url=None, env={"DATABASE_URL": t.url(db="no_such_db_1")}).expect(78)


def test_flag_beats_variables(t):
    t.pgboot("wait", "--database-url", t.url(), url=None,
             env={"PGBOOT_DATABASE_URL": t.url(db="no_such_db_2"), "DATABASE_URL": t.url(db="no_such_db_3")}).expect(0)


def test_url_file_variants(t):
    good = t.write("url", t.url() + "\n", mode=0o600)
    bad = t.write("badurl", t.url(db="no_such_db_4"), mode=0o600)
    t.pgboot("wait", url=None, env={"PGBOOT_DATABASE_URL_FILE": good}).expect(0)
    t.pgboot("wait", url=None, env={"DATABASE_URL_FILE": good}).expect(0)
    t.pgboot("wait", url=None, env={"PGBOOT_DATABASE_URL_FILE": good, "DATABASE_URL": t.url(db="no_such_db_5")}) \
        .expect(0)
    t.pgboot("wait", url=None, env={"PGBOOT_DATABASE_URL_FILE": good, "DATABASE_URL_FILE": bad}).expect(0)


def test_url_file_missing_78(t):
    r = t.pgboot("wait", url=None, env={"PGBOOT_DATABASE_URL_FILE": t.path("no-such-secret")})
    r.expect(78, "no-such-secret", where="err")


def test_libpq_environment_defaults(t):
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(t.server.port), "PGUSER": "postgres",
           "PGPASSWORD": t.password, "PGDATABASE": t.db}
    t.pgboot("wait", url=None, env=env).expect(0)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    t.pgboot("migrate", url=None, env=env, project=p).expect(0)
    check(t.table_exists("a"), "migrated through PG* variables")
    passfile = t.write("pgpass", "127.0.0.1:%d:*:postgres:%s\n" % (t.server.port, t.password), mode=0o600)
    env2 = dict(env, PGPASSWORD=None, PGPASSFILE=passfile)
    t.pgboot("wait", url=None, env=env2).expect(0)


def test_wait_does_not_create_history(t):
    t.pgboot("wait").expect(0)
    check(not t.table_exists("pgboot_migrations"), "wait changes nothing")


def test_multi_host_connection_string(t):
    """Several hosts: the first is closed, libpq tries the next."""
    dead = free_port()
    url = "postgres://postgres:%s@127.0.0.1:%d,127.0.0.1:%d/%s?target_session_attrs=read-write" % (
        t.password, dead, t.server.port, t.db)
    t.pgboot("wait", "--wait-timeout", "5s", url=url).expect(0)


def test_scram_with_passwords_of_every_length(t):
    """SCRAM's HMAC key is the password: up to a SHA-256 block (64 bytes) it is
    padded, beyond it hashed first (RFC 2104). The static build computes Hi() with
    its own keyed loop, so passwords at and around the block size must log in, and
    a wrong one of the same length must not."""
    for n in (1, 63, 64, 65, 100, 200):
        user = "scram_len_%d" % n
        pw = ("pw%d-" % n + "x" * n)[:n]
        t.psql("DROP ROLE IF EXISTS %s" % user)
        t.psql("SET password_encryption = 'scram-sha-256'; CREATE ROLE %s LOGIN PASSWORD '%s'" % (user, pw))
        try:
            t.pgboot("wait", url=t.url(user=user, password=pw)).expect(0)
            wrong = pw[:-1] + ("y" if pw[-1] != "y" else "z")
            t.pgboot("wait", "--wait-timeout", "5s", url=t.url(user=user, password=wrong)).expect(77)
        finally:
            t.psql("DROP ROLE IF EXISTS %s" % user)


def test_read_only_database_is_not_ready(t):
    """default_transaction_read_only = on on the database: no migration could write, so wait does
    not call it ready; wait and migrate end 69 naming the setting (not 0, not 70)."""
    t.psql('ALTER DATABASE "%s" SET default_transaction_read_only = on' % t.db)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    for args in (["wait"], ["migrate"]):
        r = t.pgboot(*args, "--wait-timeout", "1s", project=p).expect(69, "default_transaction_read_only", "RESET")
        check(r.elapsed >= 0.9, "it waited", r)
    # the setting goes away while pgboot waits: it goes on
    proc = t.spawn("migrate", "--wait-timeout", "20s", project=p)
    proc.wait_for_text("default_transaction_read_only", timeout=10)
    t.psql('ALTER DATABASE "%s" RESET default_transaction_read_only' % t.db, db="postgres")
    proc.wait(20).expect(0)
    check(t.table_exists("a"), "migrated once writable")


def test_service_file_target_logged_as_used(t):
    """PGSERVICE: the log names the host and port libpq used (from the service file), not
    libpq's compiled-in defaults; the service file's password is not shown."""
    svc = t.write("pg_service.conf", "[app]\nhost=127.0.0.1\nport=%d\ndbname=%s\nuser=%s\npassword=%s\n"
                  "[down]\nhost=127.0.0.1\nport=%d\ndbname=%s\nuser=%s\n"
                  % (t.server.port, t.db, t.server.user, t.password, free_port(), t.db, t.server.user))
    env = {"PGSERVICEFILE": svc, "PGSERVICE": "app"}
    r = t.pgboot("wait", url=None, env=env).expect(0)
    r.expect_text("connected to host=127.0.0.1 port=%d user=%s dbname=%s" % (t.server.port, t.server.user, t.db))
    r.expect_no_text("5432", t.password)
    r = t.pgboot("wait", "--wait-timeout", "300ms", url=None, env={**env, "PGSERVICE": "down"}).expect(69)
    r.expect_text("service=down host=127.0.0.1 port=")
    r.expect_no_text("port=5432")
    r = t.pgboot("wait", "-v", url="service=app", env={"PGSERVICEFILE": svc}).expect(0)
    r.expect_text("connected to host=127.0.0.1 port=%d" % t.server.port).expect_no_text(t.password)
    # a service the file does not define will not appear by waiting: 78 at once
    r = t.pgboot("wait", "--wait-timeout", "3s", url=None, env={**env, "PGSERVICE": "nosuch"})
    r.expect(78, '"nosuch"')
    check(r.elapsed < 2, "not retried until --wait-timeout", r)


def test_startup_packet_too_long_78_at_once(t):
    """A startup packet over the server's 10000 bytes (a 10 KB application_name) is refused on every
    attempt, the reason only in the server's log: 78 at once, naming the parameter."""
    url = t.url(query={"application_name": "a" * 10240})
    r = t.pgboot("wait", "--wait-timeout", "3s", url=url).expect(78, "startup packet", "application_name",
                                                                  "invalid length of startup packet")
    check(r.elapsed < 2, "not retried until --wait-timeout", r)
    check("a" * 100 not in r.err, "the 10 KB value is not printed", r)
    # under the limit, the same parameter is fine
    t.pgboot("wait", url=t.url(query={"application_name": "a" * 5000})).expect(0)


def _reachable_by_others(path):
    """Every directory on the way searchable, the file executable, by any user."""
    p = os.path.abspath(path)
    while True:
        mode = os.stat(p).st_mode
        if not mode & 0o001:
            return False
        if p == "/":
            return True
        p = os.path.dirname(p)


def test_uid_without_passwd_entry_78_at_once(t):
    """No user= and a uid /etc/passwd does not list (an image run with another --user): libpq cannot
    name the user on any attempt, so 78 at once naming the uid, as in a scratch root."""
    if os.geteuid() != 0 or not _reachable_by_others(t.bin):
        return  # needs root to take a uid nobody has, and a binary that uid may run
    uid = 54321
    with open("/etc/passwd") as f:
        check(not [ln for ln in f if ln.split(":")[2:3] == [str(uid)]], "uid %d is free" % uid)
    url = "host=127.0.0.1 port=%d password=%s dbname=%s" % (t.server.port, t.password, t.db)
    r = t.pgboot("wait", "--wait-timeout", "3s", url=url,
                 via=["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups"])
    r.expect(78, "local user with ID %d" % uid, "user=")
    check(r.elapsed < 2, "not retried until --wait-timeout", r)
