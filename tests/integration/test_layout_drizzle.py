"""The drizzle layout (issue 14): a drizzle-kit migrations folder (meta/_journal.json and
"<tag>.sql" files with "--> statement-breakpoint") is read as drizzle-orm's migrator reads it.
pgboot's schema equals the one drizzle's order gives (applied with psql, the files' pieces
between breakpoints in one transaction, as drizzle runs them); a second run applies nothing;
the journal's mistakes and a breakpoint that would split elsewhere than pgboot's lexer are
refused (78) naming the file and line, before anything runs."""
import json
import os

from harness import check
from test_pg_dump import schema_of

BP = "--> statement-breakpoint"

FILES = {
    "0000_wild_captain": (
        'CREATE TABLE IF NOT EXISTS "users" (\n'
        '\t"id" serial PRIMARY KEY NOT NULL,\n'
        '\t"name" text NOT NULL,\n'
        '\t"created_at" timestamp DEFAULT now() NOT NULL\n'
        ');\n' + BP + '\n'
        'CREATE TABLE IF NOT EXISTS "posts" (\n'
        '\t"id" serial PRIMARY KEY NOT NULL,\n'
        '\t"author_id" integer NOT NULL,\n'
        '\t"body" text DEFAULT \'-- not a comment;\' NOT NULL\n'
        ');\n' + BP + '\n'
        'DO $$ BEGIN\n'
        ' ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") '
        'REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;\n'
        'EXCEPTION\n'
        ' WHEN duplicate_object THEN null;\n'
        'END $$;\n'),
    "0001_calm_storm": (
        'CREATE TYPE "public"."mood" AS ENUM(\'sad\', \'ok\', \'happy\');' + BP + '\n'
        'ALTER TABLE "users" ADD COLUMN "mood" "mood";' + BP + '\n'
        'CREATE INDEX IF NOT EXISTS "posts_author_idx" ON "posts" USING btree ("author_id");'),
    "0002_custom_function": (
        '-- Custom SQL migration file, put your code below! --\n'
        'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$\n'
        'BEGIN\n  NEW.created_at := now(); -- a comment; inside\n  RETURN NEW;\nEND\n$fn$;\n'),
    "0003_quiet_night": 'ALTER TABLE "posts" ADD COLUMN "title" varchar(200);\n',
}


def journal(tags, whens=None, breakpoints=None):
    whens = whens or [1700000000000 + 1000 * i for i in range(len(tags))]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": [
        {"idx": i, "version": "7", "when": whens[i], "tag": tag,
         "breakpoints": True if breakpoints is None else breakpoints[i]}
        for i, tag in enumerate(tags)]}, indent=2) + "\n"


def drizzle_project(t, files, journal_text=None):
    p = t.project(migrations={tag + ".sql": text for tag, text in files.items()})
    p.write("migrations/meta", "_journal.json", journal_text or journal(list(files)))
    p.write("migrations/meta", "0000_snapshot.json", "{}")
    return p


def test_drizzle_project_applies_as_drizzle_would(t):
    p = drizzle_project(t, FILES, journal(list(FILES), breakpoints=[True, True, True, False]))
    r = t.pgboot("migrate", project=p).expect(0, "drizzle", "meta/_journal.json exists", where="err")
    check(t.history() == [("migration", "0000", "wild_captain"), ("migration", "0001", "calm_storm"),
                          ("migration", "0002", "custom_function"), ("migration", "0003", "quiet_night")],
          "the journal's four entries, named by their tags", t.history(), r)
    ref = t.new_database()
    pieces = [piece for tag in FILES for piece in FILES[tag].split(BP)]  # drizzle's split
    t.psql("BEGIN;\n" + "\n".join(pieces) + "\nCOMMIT;", db=ref)
    check(schema_of(t, t.db) == schema_of(t, ref), "pgboot's schema is drizzle's", r)
    t.pgboot("migrate", project=p).expect(0, "up to date", where="err")
    check(len(t.history()) == 4, "the second run applied nothing", t.history())
    # one more entry later in the journal: only it runs
    files = dict(FILES, **{"0004_new_col": 'ALTER TABLE "users" ADD COLUMN "email" text;'})
    p2 = drizzle_project(t, files)
    t.pgboot("migrate", project=p2).expect(0)
    check(t.psql("SELECT count(*) FROM information_schema.columns WHERE column_name = 'email'") == "1",
          "0004 ran", t.history())


def _refused(t, files, journal_text, *needles, extra=None):
    p = drizzle_project(t, files, journal_text)
    for name, text in (extra or {}).items():
        p.write("migrations", name, text)
    r = t.pgboot("migrate", "--layout", "drizzle", project=p).expect(78, *needles, where="err")
    check(not t.table_exists("users"), "nothing ran", r)
    return r


def test_drizzle_refusals_name_the_file_and_line(t):
    one = {"0000_init": 'CREATE TABLE "users" ("id" serial);\n'}
    two = dict(one, **{"0001_more": 'ALTER TABLE "users" ADD COLUMN "x" int;\n'})
    # a breakpoint inside a dollar body: drizzle would cut the function in two
    body = dict(one, **{"0001_fn": 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n'
                                   'SELECT 1;\n' + BP + '\nSELECT 2;\n$$;\n'})
    _refused(t, body, None, "0001_fn.sql:3", "statement-breakpoint", "dollar-quoted")
    # a breakpoint before the statement's ';': drizzle would send half a statement
    half = dict(one, **{"0001_half": 'ALTER TABLE "users"\n' + BP + '\nADD COLUMN "y" int;\n'})
    _refused(t, half, None, "0001_half.sql:2", "has not ended with ';'")
    # text after a breakpoint on its line: drizzle runs it, pgboot would read a comment
    tail = dict(one, **{"0001_tail": 'SELECT 1;' + BP + ' DROP TABLE "users";\n'})
    _refused(t, tail, None, "0001_tail.sql:1", "text follows it")
    # the journal lists a file that is not there
    _refused(t, one, journal(["0000_init", "0001_gone"]), "0001_gone", "does not exist", "_journal.json:")
    # a malformed journal: its line named
    bad = journal(["0000_init"]).replace('"breakpoints": true\n', '"breakpoints": true,\n')
    _refused(t, one, bad, "_journal.json:", "invalid JSON on line")
    # a field of the wrong type
    _refused(t, one, journal(["0000_init"]).replace("1700000000000", '"1700000000000"'),
             "_journal.json:", "\"when\"")
    # when out of order: drizzle would never run the second on a database that has the first
    _refused(t, two, journal(["0000_init", "0001_more"], whens=[1700000005000, 1700000001000]),
             "out of order", "0001_more", "_journal.json:")
    # a .sql file the journal does not list: drizzle never runs it
    _refused(t, one, None, "0001_forgotten.sql", "is not in", extra={"0001_forgotten.sql": "SELECT 1;\n"})
    # another tool's down marker: drizzle has no down part and would run it as up
    _refused(t, {"0000_init": 'CREATE TABLE "users" ("id" serial);\n-- migrate:down\nDROP TABLE "users";\n'},
             None, "0000_init.sql:2", "drizzle has no down")
