"""A pg_dump schema dump as a migration (a common baseline).

pg_dump 17.6, 16.10, 15.14, 14.19, 13.22 and later (CVE-2025-8714) write
"\\restrict KEY" near the top of a plain dump and "\\unrestrict KEY" at its end.
pgboot skips exactly that pair (never sends it) and refuses any other
meta-command, or the pair in any other shape, with 78 and file:line. These tests
take a real dump from the test server's pg_dump (Debian's 15.18 writes the pair),
apply it to a fresh database and compare the schemas."""
import os
import re
import subprocess

from harness import PSQL, TestFailure, check, clean_env

PG_DUMP = os.path.join(os.path.dirname(PSQL), "pg_dump")

SCHEMA = """
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    mood app.mood DEFAULT 'ok',
    note text DEFAULT 'it''s \\ fine'
);
CREATE TABLE app.posts (id serial PRIMARY KEY, user_id bigint REFERENCES app.users (id) ON DELETE CASCADE, body text);
CREATE INDEX posts_user ON app.posts (user_id) WHERE body IS NOT NULL;
CREATE VIEW app.user_posts AS SELECT u.email, count(p.id) AS n FROM app.users u LEFT JOIN app.posts p ON p.user_id = u.id GROUP BY u.email;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.body := coalesce(NEW.body, '');  -- a comment; and a ';' inside the body
    RETURN NEW;
END
$$;
CREATE TRIGGER posts_touch BEFORE INSERT ON app.posts FOR EACH ROW EXECUTE FUNCTION app.touch();
COMMENT ON TABLE app.users IS 'people; with a semicolon';
"""


def pg_dump(t, db, *extra):
    p = subprocess.run([PG_DUMP, "-h", t.server.sock, "-p", str(t.server.port), "-U", t.server.user,
                        "--schema-only", "--no-owner", *extra, db],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60, env=clean_env())
    if p.returncode != 0:
        raise TestFailure("pg_dump failed on %s: %s" % (db, p.stderr))
    return p.stdout


def schema_of(t, db):
    """The schema as pg_dump shows it, without the \\restrict pair, comments and blank lines."""
    out = pg_dump(t, db, "--exclude-schema=pgboot", "--exclude-table=pgboot_migrations")
    return [line for line in out.splitlines()
            if line.strip() and not line.startswith("--") and not re.match(r"\\(un)?restrict ", line)]


def dump_of_source(t):
    src = t.new_database()
    t.psql(SCHEMA, db=src)
    dump = pg_dump(t, src)
    m = re.search(r"^\\restrict ([A-Za-z0-9]+)$", dump, re.M)
    check(m and re.search(r"^\\unrestrict %s$" % m.group(1), dump, re.M),
          "%s writes the \\restrict pair (otherwise write the fixture by hand)" % PG_DUMP, dump[:400])
    return src, dump, m.group(1)


def test_pg_dump_schema_dump_with_restrict_pair_is_a_migration(t):
    src, dump, _ = dump_of_source(t)
    p = t.project(migrations={"0001_baseline.sql": dump,
                              "0002_more.sql": "INSERT INTO app.users (email) VALUES ('a@example.com');"})
    r = t.pgboot("migrate", project=p).expect(0)
    r.expect_no_text("restrict")
    want, got = schema_of(t, src), schema_of(t, t.db)
    check("CREATE TABLE app.users (" in want and "CREATE TRIGGER posts_touch" in " ".join(want), "a real schema", want)
    check(got == want, "the same schema as the dumped database", r, "\n".join(got))
    check(t.psql("SELECT mood || ' ' || note FROM app.users") == "ok it's \\ fine", "defaults came along")
    check([v for _, v, _ in t.history()] == ["0001", "0002"], "both recorded", t.history())
    # and again: nothing pending, the checksum of the file as written holds
    t.pgboot("migrate", project=p).expect(0)


def test_pg_dump_altered_unrestrict_key_refused_with_line(t):
    _, dump, key = dump_of_source(t)
    bad = dump.replace("\\unrestrict " + key, "\\unrestrict " + key[:-1] + ("x" if key[-1] != "x" else "y"))
    line = bad.splitlines().index([s for s in bad.splitlines() if s.startswith("\\unrestrict ")][0]) + 1
    p = t.project(migrations={"0001_baseline.sql": bad})
    r = t.pgboot("migrate", project=p).expect(78, where="err")
    check(re.search(r"0001_baseline\.sql:%d\b" % line, r.err), "names file:line %d of the \\unrestrict" % line, r)
    r.expect_text("key other than", where="err")
    check(not t.table_exists("app.users"), "nothing applied", r)


def test_pg_dump_restrict_pair_keeps_error_lines(t):
    """The skipped lines reach the server as blanks: positions and statement numbers stay the file's."""
    by_position = "\\restrict k1\nCREATE TABLE a (id int PRIMARY KEY);\nSELECT nope FROM a;\n\\unrestrict k1\n"
    p = t.project(migrations={"0001_pos.sql": by_position})
    r = t.pgboot("migrate", project=p).expect(3, where="err")
    check(re.search(r"0001_pos\.sql:3:8\b", r.err), "names line 3, column 8", r)
    # an error without a position: found by the statement's number in the message
    by_index = ("\\restrict k1\nCREATE TABLE b (id int PRIMARY KEY);\nINSERT INTO b VALUES (1);\n"
                "INSERT INTO b VALUES (1);\n\\unrestrict k1\nSELECT 1;\n")
    p = t.project(migrations={"0001_idx.sql": by_index})
    r = t.pgboot("migrate", project=p).expect(3, where="err")
    check(re.search(r"0001_idx\.sql:4\b", r.err), "names line 4, the second INSERT", r)
    check(not t.table_exists("a") and not t.table_exists("b"), "rolled back", r)


def test_pg_dump_restrict_pair_statement_by_statement(t):
    """Sent statement by statement, the skipped lines are no statements at all."""
    p = t.project(migrations={
        "0001_notx.sql": "-- pgboot:no-transaction\n\\restrict k1\nCREATE TABLE c (id int);\n"
                         "CREATE INDEX CONCURRENTLY c_id ON c (id);\n\\unrestrict k1\n",
        "0002_mid.sql": "\\restrict k2\nCREATE TABLE d (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE e (id int);\n"
                        "\\unrestrict k2\n"})
    r = t.pgboot("migrate", project=p).expect(0)
    check(all(t.table_exists(x) for x in ("c", "d", "e")), "all applied", r)
