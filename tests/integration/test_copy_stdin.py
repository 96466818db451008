"""COPY ... FROM STDIN in migrations and seeds, as pg_dump's plain output writes it.

The lexer reads the lines after the COPY up to "\\." as data, as psql does; the
message sent holds the statements without the data, which goes to the server
when it starts each COPY. A bad row fails the file (3) at the row's line."""
import os
import subprocess

from harness import PSQL, TestFailure, check, clean_env

PG_DUMP = os.path.join(os.path.dirname(PSQL), "pg_dump")

SOURCE = r"""
CREATE TABLE people (id serial PRIMARY KEY, name text, note text, n int);
INSERT INTO people (name, note, n) VALUES
  ('O''Brien', 'dollar $$ body $x$ and ; semicolon', 1),
  ('back\slash', E'tab\there\nnew line\r\nand \\. alone', NULL),
  (NULL, E'\\.', 3),
  ('Zoë 日本語', '-- not a comment /* nor this', 4),
  ('', '\N is text here', 5);
CREATE TABLE empty (id int);
CREATE SEQUENCE counter START 7;
SELECT setval('counter', 42);
"""

CHECKSUM = ("SELECT md5(string_agg(p::text, '|' ORDER BY id)) || ' ' || (SELECT count(*) FROM empty) || ' ' || "
            "(SELECT last_value FROM counter) || ' ' || nextval('people_id_seq') FROM people p")


def pg_dump(t, db, *extra):
    p = subprocess.run([PG_DUMP, "-h", t.server.sock, "-p", str(t.server.port), "-U", t.server.user,
                        "--no-owner", *extra, db],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60, env=clean_env())
    if p.returncode != 0:
        raise TestFailure("pg_dump failed on %s: %s" % (db, p.stderr))
    return p.stdout


def line_of(text, needle):
    return text[:text.index(needle)].count("\n") + 1


def test_copy_stdin_pg_dump_applies_as_a_migration(t):
    src = t.new_database()
    t.psql(SOURCE, db=src)
    dump = pg_dump(t, src)
    check("O'Brien" in dump and "COPY public.people" in dump and "FROM stdin;" in dump, "a data dump with COPY", dump)
    want = t.psql(CHECKSUM, db=src)
    migs = {"0001_baseline.sql": dump, "0002_more.sql": "INSERT INTO people (name) VALUES ('after');"}
    p = t.project(migrations=migs)
    r = t.pgboot("migrate", project=p).expect(0)
    got = t.psql(CHECKSUM.replace("FROM people p", "FROM people p WHERE name IS DISTINCT FROM 'after'"))
    # the sequence moved past the copied rows by pg_dump's setval, then by 0002's row and CHECKSUM's nextval
    check(got.split()[:3] == want.split()[:3], "the same rows, empty table and sequence", r, want, got)
    check([v for _, v, _ in t.history()] == ["0001", "0002"], "both recorded", t.history())
    t.pgboot("migrate", project=p).expect(0)  # the checksums of the files as written hold
    # the same dump in --lock-mode transaction (one transaction, savepoints)
    db2 = t.new_database()
    t.pgboot("migrate", "--lock-mode", "transaction", project=t.project(migrations=migs), url=t.url(db2)).expect(0)
    got2 = t.psql(CHECKSUM.replace("FROM people p", "FROM people p WHERE name IS DISTINCT FROM 'after'"), db=db2)
    check(got2.split()[:3] == want.split()[:3], "the same rows in --lock-mode transaction", want, got2)


def test_copy_stdin_bad_row_fails_at_its_line(t):
    base = {"0001_t.sql": "CREATE TABLE n (id int, s text);\n"}
    bad = "INSERT INTO n VALUES (0, 'x');\nCOPY n (id, s) FROM stdin;\n1\tO'Brien\n2\tb\nthree\tc\n\\.\nSELECT 1;\n"
    for name, body, mode in (("0002_bad.sql", bad, "wrapped"),
                             ("0002_bad.sql", "-- pgboot:no-transaction\n" + bad, "stepwise")):
        db = t.new_database()
        p = t.project(migrations=dict(base, **{name: body}))
        r = t.pgboot("migrate", project=p, url=t.url(db)).expect(3, "%s:%d" % (name, line_of(body, "three")),
                                                                  "invalid input syntax for type integer")
        rows = t.psql("SELECT count(*) FROM n", db=db)
        if mode == "wrapped":  # one transaction: nothing of the file
            check([v for _, v, _ in t.history(db=db)] == ["0001"], "only 0001 recorded", r, t.history(db=db))
            check(rows == "0", "nothing of the file applied", rows)
        else:  # statement by statement: the INSERT before the COPY stays, recorded as progress
            r.expect_text("stopped half-way", "statement 2 of 3")
            check(rows == "1", "the INSERT only, none of the COPY's rows", rows)
    # a data block without its "\." line: 78 at the COPY's line, nothing applied
    db = t.new_database()
    p = t.project(migrations=dict(base, **{"0002_open.sql": bad[:bad.index("\\.")]}))
    t.pgboot("migrate", project=p, url=t.url(db)).expect(78, "0002_open.sql:2:1", "has no end")
    check(not t.table_exists("n", db=db), "nothing applied")


def test_copy_stdin_in_a_batch_and_a_seed(t):
    migs = {
        "0001_t.sql": "CREATE TABLE kv (k text PRIMARY KEY, v int);\n",
        "0002_copy.sql": "COPY kv FROM stdin; COPY kv (k) FROM stdin; -- two blocks\na\t1\nb'\t2\n\\.\nc\n\\.\n",
        "0003_upd.sql": "UPDATE kv SET v = v * 10;\n",
        "0004_more.sql": "COPY kv FROM stdin WITH (FORMAT csv);\n\"d,\"\"x\"\"\",4\n\\.\r\nSELECT 1;\n",
    }
    p = t.project(migrations=migs, seeds={"0001_seed.sql": "COPY kv FROM STDIN;\nseed\t5\n\\.\n"})
    r = t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    got = t.psql("SELECT string_agg(k || '=' || coalesce(v::text, '-'), ' ' ORDER BY k) FROM kv")
    check(got == 'a=10 b\'=20 c=- d,"x"=4 seed=5', "applied in order, the UPDATE between them", r, got)
    check([v for _, v, _ in t.history()] == ["0001", "0002", "0003", "0004", "0001"], "all recorded", t.history())
    # a bad row in the third file of a batch: 3 at its line, the files before it stay applied
    db = t.new_database()
    bad = dict(migs, **{"0003_upd.sql": "UPDATE kv SET v = v * 10;\nCOPY kv FROM stdin;\nz\tnot a number\n\\.\n"})
    r = t.pgboot("migrate", project=t.project(migrations=bad), url=t.url(db)).expect(3, "0003_upd.sql:3",
                                                                                     "invalid input syntax")
    check([v for _, v, _ in t.history(db=db)] == ["0001", "0002"], "0001 and 0002 applied", r, t.history(db=db))
    check(t.psql("SELECT string_agg(k || '=' || coalesce(v::text, '-'), ' ' ORDER BY k) FROM kv", db=db) ==
          "a=1 b'=2 c=-", "0003's UPDATE rolled back")


def test_copy_stdin_an_error_after_the_data_is_placed_in_the_file(t):
    """The data is sent apart, its lines kept in the message: an error the server places by its
    position in a statement after two blocks of multibyte data (about 1 MB, which the message
    holds as its line ends only: tests/unit/test_sqlsplit.c) is at its own file:line:col."""
    data = "".join("%d\tñandú %s\n" % (i, "x" * 200) for i in range(5000))  # about 1 MB
    migs = {
        "0001_t.sql": "CREATE TABLE w (id int, s text);\n",
        "0002_data.sql": "COPY w FROM stdin;\n" + data + "\\.\nCOPY w (id) FROM stdin;\n9\n\\.\n"
                         "SELECT 1;\nSELECT id FROM w WHERE nosuch = 1;\n",
    }
    line = migs["0002_data.sql"].count("\n")  # the last line
    r = t.pgboot("migrate", project=t.project(migrations=migs)).expect(3, "0002_data.sql:%d:24" % line,
                                                                       'column "nosuch" does not exist')
    r.expect_text("SELECT id FROM w WHERE nosuch = 1;")
    check([v for _, v, _ in t.history()] == ["0001"], "0002 rolled back", t.history())
    # the same file applied when the error is gone; the message was the statements and line ends
    migs["0002_data.sql"] = migs["0002_data.sql"].replace("nosuch", "id")
    t.pgboot("migrate", "--log-level", "debug", project=t.project(migrations=migs)).expect(0)
    check(t.psql("SELECT count(*), count(DISTINCT s) FROM w") == "5001|1", "every row (the second block: ids alone)", t.psql("SELECT count(*) FROM w"))


def test_copy_stdin_a_bad_row_found_by_its_rows(t):
    """The server counts rows, not lines: a CSV row holding a line end inside quotes counts once, so a
    later bad row is still placed at its own line; a row a trigger refuses is placed by the COPY's
    line of the server's CONTEXT (after the trigger's own); a QUOTE option pgboot does not read, or a
    row number past the data, falls back to the COPY statement's line."""
    t.psql("CREATE TABLE c (id int, s text); CREATE FUNCTION no3() RETURNS trigger LANGUAGE plpgsql AS "
           "$$ BEGIN IF NEW.id = 3 THEN RAISE EXCEPTION 'no 3'; END IF; RETURN NEW; END $$; "
           "CREATE TABLE g (id int); CREATE TRIGGER g_no3 BEFORE INSERT ON g FOR EACH ROW EXECUTE FUNCTION no3()")
    cases = [
        ("SELECT 1;\nCOPY c FROM stdin WITH (FORMAT csv);\n1,\"x\ny\nz\"\n2,w\nbad,q\n\\.\n", 7, "invalid input syntax"),
        ("SELECT 1;\nCOPY g FROM stdin;\n1\n2\n3\n\\.\n", 5, "no 3"),
        ("COPY c FROM stdin WITH (FORMAT csv, QUOTE '''');\n1,'a\nb'\nbad,q\n\\.\n", 1, "invalid input syntax"),
    ]
    for body, line, what in cases:
        p = t.project(migrations={"0001_c.sql": body})
        t.pgboot("migrate", project=p).expect(3, "0001_c.sql:%d:" % line, what, where="err")
    check(t.psql("SELECT count(*) FROM c") + t.psql("SELECT count(*) FROM g") == "00", "nothing applied")


def test_copy_stdin_sigterm_while_the_data_goes(t):
    """SIGTERM while a COPY's data is still going (4 MB to a server that takes each row slowly): the
    COPY is cancelled, exit 143 at once, the file rolled back, no history row."""
    import signal
    import time
    t.psql("CREATE TABLE slow (id int, pad text); CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS "
           "$$ BEGIN PERFORM pg_sleep(0.005); RETURN NEW; END $$; "
           "CREATE TRIGGER slow_row BEFORE INSERT ON slow FOR EACH ROW EXECUTE FUNCTION slow_row()")
    data = "".join("%d\t%s\n" % (i, "p" * 1000) for i in range(4000))
    p = t.project(migrations={"0001_slow.sql": "COPY slow FROM stdin;\n" + data + "\\.\n"})
    proc = t.spawn("migrate", project=p)
    t.wait_until(lambda: t.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%COPY slow FROM%' "
                                "AND state = 'active' AND pid <> pg_backend_pid()") == "1", timeout=10, what="the COPY to run")
    time.sleep(0.3)
    sent = time.time()
    proc.signal(signal.SIGTERM)
    r = proc.wait(10)
    check(r.code == 143 and time.time() - sent < 3, "exit 143 at once", r)
    check(t.history() == [], "no history row", t.history())
    check(t.psql("SELECT count(*) FROM slow") == "0", "nothing of the COPY stays")
