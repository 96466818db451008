"""Markers are read the way their tools read them (issue 10, section 4): each observed marker
once ran the down part inside the up part (exit 0, the table gone); a near miss is refused
with 78 before anything is applied; a sql-migrate file with its Down section first applies
its Up section; a directive after a block-comment header counts."""
from harness import check

UP = "CREATE TABLE kept (id int);\nINSERT INTO kept VALUES (1);\n"
DOWN = "DROP TABLE kept;\n"
# a down marker's no-transaction option is stored with the down part, as pgboot's own directive
NT_DOWN = "-- pgboot:no-transaction\n" + DOWN


def _applied_keeps_table(t, text, down=DOWN):
    p = t.project(migrations={"0001_m.sql": text})
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.table_exists("kept"), "the up part ran and the down part did not", r)
    check(t.psql("SELECT count(*) FROM kept") == "1", "the up part's insert is there", r)
    row = t.psql("SELECT down_sql FROM pgboot_migrations WHERE version = '0001'")
    check(row.strip() == down.strip(), "down_sql is the down part: %r" % row, r)
    return r


def test_dbmate_down_with_transaction_option(t):
    _applied_keeps_table(t, "-- migrate:up\n" + UP + "-- migrate:down transaction:false\n" + DOWN,
                         down=NT_DOWN)


def test_pgboot_down_with_blank_after_colon(t):
    _applied_keeps_table(t, UP + "-- pgboot: down\n" + DOWN)


def test_pgboot_down_with_trailing_comment(t):
    _applied_keeps_table(t, UP + "-- pgboot:down -- a note\n" + DOWN)


def test_sql_migrate_down_with_two_blanks(t):
    _applied_keeps_table(t, "-- +migrate Up\n" + UP + "-- +migrate  Down\n" + DOWN)


def test_sql_migrate_down_notransaction(t):
    _applied_keeps_table(t, "-- +migrate Up\n" + UP + "-- +migrate Down notransaction\n" + DOWN,
                         down=NT_DOWN)


def test_sql_migrate_down_section_first(t):
    """The Up section after the Down section is the up part; an error in it names the
    file's own line."""
    _applied_keeps_table(t, "-- +migrate Down\n" + DOWN + "\n-- +migrate Up\n" + UP)
    p = t.project(migrations={"0001_m.sql": "-- +migrate Down\n" + DOWN + "\n-- +migrate Up\n" + UP,
                              "0002_bad.sql": "-- +migrate Down\nDROP TABLE nothing;\n-- +migrate Up\n"
                                              "SELECT 1;\nSELECT nosuchcolumn FROM kept;\n"})
    r = t.pgboot("migrate", project=p).expect(3, "0002_bad.sql:5:8", where="err")
    check(t.table_exists("kept"), "0002's down section did not run", r)


def test_goose_down_with_trailing_text_refused(t):
    """goose itself refuses this line; pgboot refuses it too, before applying anything."""
    p = t.project(migrations={"0001_m.sql": "-- +goose Up\n" + UP + "-- +goose Down  -- text\n" + DOWN})
    r = t.pgboot("migrate", project=p).expect(78, "0001_m.sql:4", "-- +goose Down  -- text",
                                              "+goose Up", where="err")
    check(not t.table_exists("kept"), "nothing applied", r)
    check(not t.table_exists("pgboot_migrations"), "not even the history table", r)


def test_near_miss_below_first_statement_refused(t):
    """A near miss anywhere in the file, not only in its leading block."""
    p = t.project(migrations={"0001_ok.sql": "CREATE TABLE first (id int);\n",
                              "0002_m.sql": "-- +migrate Up\n" + UP + "\n-- +migrate down\n" + DOWN})
    r = t.pgboot("migrate", project=p).expect(78, "0002_m.sql:5", "+migrate Down", where="err")
    check(not t.table_exists("first"), "nothing applied: 0001 is fine but was not run", r)


def test_no_transaction_after_licence_block_comment(t):
    p = t.project(migrations={
        "0001_t.sql": "CREATE TABLE t (a int);\n",
        "0002_idx.sql": "/*\n * Copyright the authors.\n * Licensed under the MIT licence.\n */\n\n"
                        "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"})
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass") == "t",
          "the concurrent index was built outside a transaction", r)


def test_marker_inside_dollar_body_is_text(t):
    body = ("CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\n"
            "-- pgboot:down\nSELECT 'still the body'::text $$;\n")
    p = t.project(migrations={"0001_f.sql": body + UP})
    r = t.pgboot("migrate", project=p).expect(0)
    check(t.psql("SELECT f()") == "still the body", "the function body kept its comment line", r)
    check(t.table_exists("kept"), "the rest of the file ran", r)
