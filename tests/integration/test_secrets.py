"""A password in the connection string appears in no output: stdout and stderr of
every command (text and JSON logs, errors, status --json), the termination log,
and the process's argv as ps shows it."""
import os
import time

from harness import check, free_port

SECRET = "S3cr3t-Pw_that-must-not-leak"


def _setup_role(t):
    role = "leak_%s" % t.db[-10:]
    t.psql("CREATE ROLE %s LOGIN SUPERUSER PASSWORD '%s'" % (role, SECRET))
    t.on_cleanup(lambda: t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False))
    return role


def _no_leak(r, secret=SECRET):
    check(secret not in r.out and secret not in r.err, "the password leaked", r)
    return r


def test_password_not_in_any_output(t):
    role = _setup_role(t)
    url = t.url(user=role, password=SECRET)
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "SELECT 1;"},
                  seeds={"0001_s.sql": "INSERT INTO a VALUES (1);"},
                  verify={"010_ok.sql": "SELECT 1 WHERE false;"})
    log = t.write("termination-log", "")
    env = {"PGBOOT_TERMINATION_LOG": log}
    for fmt in ("text", "json"):
        for args in (["wait"], ["plan"], ["migrate", "--dry-run"], ["status"], ["status", "--json"],
                     ["migrate", "--with-test-data", "-v"], ["verify"], ["run", "--", "true"]):
            _no_leak(t.pgboot(*args, "--log-format", fmt, project=p, url=url, env=env))
            check(SECRET not in t.read("termination-log"), "termination log", t.read("termination-log"))
    # the URL is shown, masked (while waiting; once connected, the host and port libpq reached)
    r = t.pgboot("wait", "--wait-timeout", "300ms", url=t.url(user=role, password=SECRET, port=free_port()))
    r.expect_text(":***@127.0.0.1", where="err")


def test_password_not_in_errors(t):
    role = _setup_role(t)
    # wrong password (the wrong one must not be printed either)
    _no_leak(t.pgboot("wait", url=t.url(user=role, password=SECRET + "x")).expect(77), SECRET + "x")
    # closed port, timeout message
    _no_leak(t.pgboot("wait", "--wait-timeout", "500ms", url=t.url(user=role, password=SECRET, port=free_port())))
    # missing database
    _no_leak(t.pgboot("wait", url=t.url(db="nodb_leak", user=role, password=SECRET)).expect(78))
    # a bad URL
    _no_leak(t.pgboot("wait", url="postgres://%s:%s@127.0.0.1:notaport/x" % (role, SECRET)))
    # a failing migration, drift
    p = t.project(migrations={"0001_bad.sql": "SELECT * FROM nope;"})
    _no_leak(t.pgboot("migrate", "--log-format", "json", project=p, url=t.url(user=role, password=SECRET)))
    # keyword form
    kw = t.keyword_url(socket=False, password=SECRET, user=role)
    _no_leak(t.pgboot("wait", "--wait-timeout", "500ms", url=kw.replace(str(t.server.port), str(free_port()))))
    _no_leak(t.pgboot("wait", url=kw.replace("password=" + SECRET, "password=" + SECRET + "y")), SECRET + "y")


def test_password_not_in_termination_log_on_failure(t):
    role = _setup_role(t)
    log = t.write("termination-log", "")
    t.pgboot("migrate", "--wait-timeout", "500ms", url=t.url(user=role, password=SECRET, port=free_port()),
             env={"PGBOOT_TERMINATION_LOG": log}, project=t.project()).expect(69)
    text = t.read("termination-log")
    check(text.strip() and SECRET not in text, "a summary without the password", repr(text))


def test_password_not_in_argv(t):
    """--database-url is scrubbed from argv: /proc/PID/cmdline (what ps shows)."""
    role = _setup_role(t)
    url = t.url(user=role, password=SECRET, port=free_port())
    proc = t.spawn("wait", "--wait-timeout", "20s", "--database-url", url, url=None)
    proc.wait_for_text("waiting for the database", timeout=10)
    with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
        cmdline = f.read()
    check(SECRET.encode() not in cmdline, "the password is visible in ps", cmdline)
    check(b"wait" in cmdline, "argv is still readable", cmdline)
    proc.signal(15)
    _no_leak(proc.wait(5))
    # --database-url=URL form
    proc = t.spawn("wait", "--wait-timeout", "20s", "--database-url=" + url, url=None)
    proc.wait_for_text("waiting for the database", timeout=10)
    with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
        cmdline = f.read()
    check(SECRET.encode() not in cmdline, "the password is visible in ps (--database-url=URL)", cmdline)
    proc.signal(15)
    proc.wait(5)


def test_password_from_pgpassword_not_printed(t):
    role = _setup_role(t)
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(t.server.port), "PGUSER": role, "PGPASSWORD": SECRET,
           "PGDATABASE": "no_such_db_pw"}
    _no_leak(t.pgboot("wait", "-v", url=None, env=env).expect(78))


def test_app_still_gets_its_url(t):
    """Masking is for pgboot's output only: the app's DATABASE_URL is intact."""
    role = _setup_role(t)
    url = t.url(user=role, password=SECRET)
    p = t.project(migrations={"0001_a.sql": "SELECT 1;"})
    r = t.pgboot("run", "--", "sh", "-c", 'printf %s "$DATABASE_URL"', project=p, url=url).expect(0)
    check(r.out == url, "DATABASE_URL reaches the app unchanged", r)


def test_percent_encoded_password_not_printed(t):
    """A password with URL-special characters: neither the raw nor the %-encoded form leaks."""
    import urllib.parse
    pw = "p@ss/w:rd%zz"
    role = "leak2_%s" % t.db[-10:]
    t.psql("CREATE ROLE %s LOGIN SUPERUSER PASSWORD '%s'" % (role, pw))
    t.on_cleanup(lambda: t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False))
    url = t.url(user=role, password=pw)
    enc = urllib.parse.quote(pw, safe="")
    p = t.project(migrations={"0001_a.sql": "SELECT 1;"})
    for args in (["wait"], ["migrate", "-v"], ["status", "--json"]):
        r = t.pgboot(*args, project=p, url=url).expect(0)
        check(pw not in r.all and enc not in r.all, "the password leaked", r)
    bad = t.url(user=role, password=pw + "!")
    r = t.pgboot("wait", url=bad).expect(77)
    check(pw not in r.all and urllib.parse.quote(pw + "!", safe="") not in r.all, "the wrong password leaked", r)


def _role_with_password(t, prefix, pw):
    role = "%s_%s" % (prefix, t.db[-10:])
    t.psql("CREATE ROLE %s LOGIN SUPERUSER PASSWORD '%s'" % (role, pw))
    t.on_cleanup(lambda: t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False))
    return role


def test_password_with_unencoded_at_refused_without_leak(t):
    """libpq ends the user information at the first '@': the password's tail would be taken for a
    host name, echoed in its errors and retried until --wait-timeout. pgboot refuses the URL at once
    (78) and no piece of the password is shown anywhere."""
    role = _role_with_password(t, "at", "correct:horse@battery")
    url = "postgres://%s:correct:horse@battery@127.0.0.1:%d/%s" % (role, t.server.port, t.db)
    log = t.write("termination-log", "")
    for args in (["wait"], ["migrate"], ["status", "--json"]):
        r = t.pgboot(*args, "--wait-timeout", "3s", url=url, project=t.project(),
                     env={"PGBOOT_TERMINATION_LOG": log}).expect(78, '"@"', "%40")
        check(r.elapsed < 2.5, "refused at once, not retried", r)
        for piece in ("battery", "horse", "correct"):
            check(piece not in r.all, "a piece of the password leaked: " + piece, r)
        check("battery" not in t.read("termination-log") and t.read("termination-log").strip(),
              "termination log", t.read("termination-log"))
    # encoded, the same password works
    t.pgboot("wait", url="postgres://%s:correct:horse%%40battery@127.0.0.1:%d/%s" % (role, t.server.port, t.db)).expect(0)


def test_common_word_password_masks_nothing_else(t):
    """A password that is a common word is masked in the connection string, not everywhere."""
    role = _role_with_password(t, "word", "postgres")
    url = "postgres://%s:postgres@127.0.0.1:%d/%s" % (role, t.server.port, t.db)
    p = t.project(migrations={"0001_a.sql": "SELECT 'postgres'::int;"})
    r = t.pgboot("migrate", project=p, url=url).expect(3)
    r.expect_text("user=%s dbname=%s" % (role, t.db), '"postgres"', "PostgreSQL ")
    r.expect_no_text("://%s:postgres@" % role, "***")
    closed = "postgres://%s:postgres@127.0.0.1:%d/postgres" % (role, free_port())
    r = t.pgboot("wait", "--wait-timeout", "300ms", url=closed).expect(69)
    r.expect_text("postgres://%s:***@127.0.0.1" % role, "/postgres")
    r.expect_no_text("***://", ":postgres@")
    r = t.pgboot("migrate", "--log-format", "json", project=p, url=url).expect(3)
    r.expect_text('\\"postgres\\"')
    # a wrong password: the message names the user, masks nothing else, shows no password
    r = t.pgboot("wait", url="postgres://%s:postgresx@127.0.0.1:%d/%s" % (role, t.server.port, t.db)).expect(77)
    r.expect_text('user "%s"' % role).expect_no_text("postgresx")


def test_password_words_in_keyword_string_not_echoed(t):
    """An unquoted password with spaces: libpq reads its first word and refuses the next one as a
    keyword, quoting it; that word is masked."""
    kw = "host=127.0.0.1 port=%d dbname=%s password=correct horse battery" % (t.server.port, t.db)
    r = t.pgboot("wait", url=kw).expect(78)
    r.expect_no_text("horse", "battery", "correct")
    r.expect_text('"***"')


def _app_env(t, env, url=None):
    """Run pgboot run -- env with env; returns the app's environment as a dict."""
    p = t.project(migrations={"0001_a.sql": "SELECT 1;"})
    r = t.pgboot("run", "--", "env", project=p, url=url, env=env).expect(0)
    return dict(line.split("=", 1) for line in r.out.splitlines() if "=" in line)


def test_two_credentials_owner_pgpassword_not_inherited(t):
    """PGBOOT_DATABASE_URL without a password, PGPASSWORD the owner's: the app gets neither."""
    owner = _role_with_password(t, "own", SECRET)
    url_file = t.write("owner-url", t.url(user=owner, password="") + "\n")
    app_url = t.url()
    for how in ({"PGBOOT_DATABASE_URL": t.url(user=owner, password="")},
                {"PGBOOT_DATABASE_URL_FILE": url_file}):
        env = _app_env(t, {"PGPASSWORD": SECRET, "DATABASE_URL": app_url, **how})
        check("PGPASSWORD" not in env, "the owner's PGPASSWORD reached the app", env)
        check(env.get("DATABASE_URL") == app_url, "the app's DATABASE_URL is intact", env)
        check(not [k for k in env if k.startswith("PGBOOT_")], "PGBOOT_* reached the app", env)
        check(not [v for v in env.values() if SECRET in v], "the owner's password reached the app", env)


def test_two_credentials_apps_pgpassword_kept(t):
    """PGPASSWORD that did not serve pgboot's connection is the app's: it stays."""
    owner = _role_with_password(t, "own2", SECRET)
    env = _app_env(t, {"PGBOOT_DATABASE_URL": t.url(user=owner, password=SECRET),
                       "PGPASSWORD": "apps-own-password", "DATABASE_URL": t.url(password="")})
    check(env.get("PGPASSWORD") == "apps-own-password", "the app's PGPASSWORD was removed", env)


def test_one_credential_pgpassword_kept(t):
    """DATABASE_URL alone: pgboot and the app share one credential, PGPASSWORD included."""
    env = _app_env(t, {"PGPASSWORD": t.password, "DATABASE_URL": t.url(password="")})
    check(env.get("PGPASSWORD") == t.password, "the shared PGPASSWORD was removed", env)
    env = _app_env(t, {"PGPASSWORD": t.password, "PGHOST": "127.0.0.1", "PGPORT": str(t.server.port),
                       "PGDATABASE": t.db, "PGUSER": t.server.user}, url=None)
    check(env.get("PGPASSWORD") == t.password, "libpq's variables are the app's too", env)
