"""COPY ... FROM STDIN in a migration, as pg_dump's plain output writes it.

The lexer reads the lines after the COPY up to "\\." as data, as psql does,
so an apostrophe in the data is no unterminated string."""
import os
import subprocess

from harness import PSQL, TestFailure, check, clean_env

PG_DUMP = os.path.join(os.path.dirname(PSQL), "pg_dump")


def pg_dump(t, db, *extra):
    p = subprocess.run([PG_DUMP, "-h", t.server.sock, "-p", str(t.server.port), "-U", t.server.user,
                        "--no-owner", *extra, db],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60, env=clean_env())
    if p.returncode != 0:
        raise TestFailure("pg_dump failed on %s: %s" % (db, p.stderr))
    return p.stdout


def line_of(text, needle):
    return text[:text.index(needle)].count("\n") + 1


def test_copy_stdin_data_with_apostrophe_refused_at_the_copy(t):
    src = t.new_database()
    t.psql("CREATE TABLE people (id int PRIMARY KEY, name text);"
           "INSERT INTO people VALUES (1, 'O''Brien'), (2, NULL);", db=src)
    dump = pg_dump(t, src)
    check("O'Brien" in dump and "FROM stdin;" in dump, "a data dump with COPY", dump)
    line = line_of(dump, "COPY public.people")
    p = t.project(migrations={"0001_baseline.sql": dump})
    r = t.pgboot("migrate", project=p).expect(78, "0001_baseline.sql:%d:1" % line, "COPY FROM STDIN", "is not supported")
    r.expect_no_text("unterminated")
    check(not t.table_exists("people") and not t.table_exists("pgboot_migrations"), "nothing applied")
    # the offline lint reads the file: no lexer error at a data line
    r = t.pgboot("lint", "--offline", project=p).expect(0)
    r.expect_no_text("unterminated", "lint-parse")
    # data without its "\." line: 78 at the COPY's line
    p2 = t.project(migrations={"0001_baseline.sql": dump[:dump.index("\\.\n")]})
    t.pgboot("migrate", project=p2).expect(78, "0001_baseline.sql:%d" % line, "has no end")
