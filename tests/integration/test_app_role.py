"""The app's own role and the history table (issue 11, item 4): `run --skip-migrate`
as a role that may not read the history is 77 with a hint naming the grant; the
shipped deploy/kubernetes/roles.sql gives the app role exactly what it needs (read
the history, never write it)."""
import os
import random
import subprocess

from harness import PSQL, ROOT, check, clean_env

MIGS = {"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "INSERT INTO a VALUES (42);"}


def _app_role(t):
    """A login role with only USAGE on public: it may not read the history."""
    role = "app_%s_%04x" % (t.db[-8:], random.randrange(65536))
    t.psql("CREATE ROLE %s LOGIN PASSWORD 'apppw'; GRANT USAGE ON SCHEMA public TO %s" % (role, role))

    def drop():
        t.psql("DROP OWNED BY %s CASCADE" % role, check=False)
        t.server.psql("postgres", "DROP ROLE IF EXISTS %s" % role, check=False)
    t.on_cleanup(drop)
    return role, t.url(user=role, password="apppw")


def test_skip_migrate_without_select_on_history_is_77_naming_the_grant(t):
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p).expect(0)
    role, url = _app_role(t)
    r = t.pgboot("run", "--skip-migrate", "--", "true", project=p, url=url)
    r.expect(77, "permission denied for table pgboot_migrations",
             'GRANT SELECT ON "public"."pgboot_migrations" TO "%s"' % role,
             'GRANT USAGE ON SCHEMA "public" TO "%s"' % role, where="err")
    r.expect_no_text("apppw")
    # with the grant the hint names, the same role starts the app
    t.psql("GRANT SELECT ON public.pgboot_migrations TO %s" % role)
    t.pgboot("run", "--skip-migrate", "--", "true", project=p, url=url).expect(0)


def test_skip_migrate_without_usage_on_the_history_schema_names_it(t):
    p = t.project(migrations=MIGS)
    t.psql("CREATE SCHEMA hist")
    env = {"PGBOOT_HISTORY_TABLE": "hist.pgboot_migrations"}
    t.pgboot("migrate", project=p, env=env).expect(0)
    role, url = _app_role(t)
    t.psql("GRANT SELECT ON hist.pgboot_migrations TO %s" % role)
    r = t.pgboot("run", "--skip-migrate", "--", "true", project=p, url=url, env=env)
    r.expect(77, "permission denied for schema hist",
             'GRANT USAGE ON SCHEMA "hist" TO "%s"' % role, where="err")


def _roles_sql(t, **variables):
    argv = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", t.server.sock, "-p", str(t.server.port),
            "-U", t.server.user, "-d", "postgres", "-f", os.path.join(ROOT, "deploy/kubernetes/roles.sql")]
    for k, v in variables.items():
        argv += ["-v", "%s=%s" % (k, v)]
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
                          env=clean_env())


def test_shipped_roles_sql_lets_the_app_role_read_never_write_the_history(t):
    tag = "%s_%04x" % (t.db[-8:], random.randrange(65536))
    owner, app, db = "own_" + tag, "app_" + tag, "k8s_" + tag

    def drop():
        t.server.drop_database(db)
        for role in (owner, app):
            t.server.psql("postgres", "DROP OWNED BY %s CASCADE; DROP ROLE IF EXISTS %s" % (role, role),
                          check=False)
    t.on_cleanup(drop)
    vars_ = dict(owner_role=owner, app_role=app, dbname=db, owner_password="ownpw", app_password="apppw")
    missing = _roles_sql(t, **{k: v for k, v in vars_.items() if k != "app_password"})
    check(missing.returncode != 0 and "app_password" in missing.stderr,
          "roles.sql refuses to run without a password", missing.stderr)
    for attempt in ("first", "second"):
        p = _roles_sql(t, **vars_)
        check(p.returncode == 0, "roles.sql runs (%s time)" % attempt, p.stderr)
    # as deployment.yaml: the owner migrates, the app role runs with --skip-migrate
    env = {"PGBOOT_HISTORY_TABLE": "pgboot.pgboot_migrations"}
    proj = t.project(migrations=MIGS)
    owner_url = t.server.url(db, user=owner, password="ownpw")
    app_url = t.server.url(db, user=app, password="apppw")
    t.pgboot("migrate", project=proj, env=env, url=owner_url).expect(0)
    r = t.pgboot("run", "--skip-migrate", "--", "true", project=proj, env=env, url=app_url).expect(0)
    r.expect_text("verified", where="err")
    # the app role reads and writes the app's tables, reads the history, never writes it
    rows = t.pgboot("run", "--skip-migrate", "--", PSQL, "-X", "-At", "-d", app_url, "-c",
                    "INSERT INTO a VALUES (7); SELECT count(*) FROM pgboot.pgboot_migrations",
                    project=proj, env=env, url=app_url).expect(0)
    check(rows.out.strip().splitlines()[-1] == "2", "the app role reads the history's two rows", rows)
    for sql in ("DELETE FROM pgboot.pgboot_migrations",
                "UPDATE pgboot.pgboot_migrations SET checksum = 'x'",
                "INSERT INTO pgboot.pgboot_migrations SELECT * FROM pgboot.pgboot_migrations",
                "TRUNCATE pgboot.pgboot_migrations"):
        q = subprocess.run([PSQL, "-X", "-At", "-d", app_url, "-c", sql], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30, env=clean_env())
        check(q.returncode != 0 and "permission denied for table pgboot_migrations" in q.stderr,
              "the app role may not: %s" % sql, q.stdout, q.stderr)
    count = t.server.psql(db, "SELECT count(*) FROM pgboot.pgboot_migrations")
    check(count == "2", "the history is intact", count)
