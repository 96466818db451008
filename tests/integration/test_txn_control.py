"""Transaction control and psql meta-commands inside migration files.

Issue 2 (the core) refused every such file (exit 78, naming file and line) until
the SQL lexer of issue 3 existed. Issue 3 has landed (commit 8dcf509), so this
group tests what DESIGN.md now says: a BEGIN/COMMIT-wrapped file runs as one
transaction with the history row inside it; transaction control in the middle
runs statement by statement; a top-level ROLLBACK and psql meta-commands are
still refused with file:line, before anything is applied. The meta-command and
ROLLBACK refusals are the part of issue 2's refusal that stays."""
import os
import re

from harness import check

FIRST = {"0001_first.sql": "CREATE TABLE first (id int);"}


def test_meta_command_refused_with_file_and_line(t):
    p = t.project(migrations=dict(FIRST, **{"0002_meta.sql": "CREATE TABLE m (id int);\n\\i other.sql\n"}))
    r = t.pgboot("migrate", project=p).expect(78, where="err")
    check(re.search(r"0002_meta\.sql:2\b", r.err), "names file:line", r)
    check(not t.table_exists("first") and not t.table_exists("m"), "nothing applied", r)


def test_meta_command_set_refused(t):
    p = t.project(migrations=dict(FIRST, **{"0002_set.sql": "\\set ON_ERROR_STOP on\nCREATE TABLE m (id int);\n"}))
    r = t.pgboot("migrate", project=p).expect(78)
    check(re.search(r"0002_set\.sql:1\b", r.err), "names file:line", r)
    check(not t.table_exists("first"), "nothing applied")


def test_top_level_rollback_refused(t):
    p = t.project(migrations=dict(FIRST, **{"0002_rb.sql": "BEGIN;\nCREATE TABLE r (id int);\nROLLBACK;\n"}))
    r = t.pgboot("migrate", project=p).expect(78)
    check(re.search(r"0002_rb\.sql:3\b", r.err), "names file:line of the ROLLBACK", r)
    check(not t.table_exists("first") and not t.table_exists("r"), "nothing applied", r)


def test_begin_commit_wrapped_file_is_one_transaction(t):
    p = t.project(migrations=dict(FIRST, **{"0002_wrapped.sql": "BEGIN;\nCREATE TABLE w (id int);\n"
                                                               "INSERT INTO w VALUES (1);\nCOMMIT;\n"}))
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT count(*) FROM w") == "1", "applied")
    check(len(t.history()) == 2, "recorded", t.history())


def test_begin_commit_wrapped_file_failure_rolls_back(t):
    p = t.project(migrations=dict(FIRST, **{"0002_wrapped.sql": "START TRANSACTION;\nCREATE TABLE w (id int);\n"
                                                               "SELECT * FROM nope;\nCOMMIT;\n"}))
    r = t.pgboot("migrate", project=p).expect(3, "0002_wrapped.sql:3", where="err")
    check(not t.table_exists("w"), "the wrapped file rolled back as a whole", r)
    check(t.history() == [("migration", "0001", "first")], "no row", t.history())


def test_no_transaction_directive_concurrent_index(t):
    p = t.project(migrations=dict(FIRST, **{
        "0002_idx.sql": "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY first_id ON first (id);\n"}))
    t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'first_id'::regclass") == "t", "a valid index")
    t.pgboot("migrate", project=p).expect(0, "up to date")
