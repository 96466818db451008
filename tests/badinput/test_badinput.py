"""Scenario 8, bad input, nothing lost: a table of malformed inputs. Each case
starts from a database where 0001_base is applied and a valid 0002_good is
pending, adds its bad input, runs pgboot, and expects the documented exit code
(DESIGN.md's table; where the contract allows a usage error (2) or a
configuration error (78) both are accepted), a message naming the culprit, and a
database whose schema and data fingerprint is unchanged (0002_good not applied
either: bad input is found before anything is applied).

An empty or comment-only migration is NOT bad input: recorded with a warning.
Run by tests/faults/run.py --dir tests/badinput --label badinput."""
import os
import re
import socket
import subprocess

import faultlib
from faultlib import check

BASE = "CREATE TABLE base (id int PRIMARY KEY, v text);\nINSERT INTO base VALUES (1, 'one'), (2, 'two');\n"
GOOD = "CREATE TABLE good (id int);\n"
CFG = (2, 78)


def _mk_symlink(target):
    def setup(t, p):
        os.symlink(target if target != "SELF" else p.path("migrations", "0003_loop.sql"),
                   p.path("migrations", "0003_loop.sql" if target == "SELF" else "0003_gone.sql"))
    return setup


def _dir_loop(t, p):
    a, b = t.path("loop_a"), t.path("loop_b")
    os.symlink(b, a)
    os.symlink(a, b)
    return {"args": ["migrate", "--migrations", a]}


def _chmod(sub, name, mode):
    def setup(t, p):
        path = os.path.join(p.dir, sub) if name is None else p.path(sub, name)
        if name is not None:
            p.write(sub, name, "CREATE TABLE secret (id int);\n")
        os.chmod(path, mode)
        t.on_cleanup(lambda: os.chmod(path, 0o755))
        return {"as_postgres": True}
    return setup


def _url_file(content, var="DATABASE_URL_FILE", kind="file"):
    def setup(t, p):
        path = t.path("url-secret")
        if kind == "file":
            t.write("url-secret", content)
        elif kind == "dir":
            os.makedirs(path)
        return {"url": None, "env": {var: path}}
    return setup


def _write(sub, name, content):
    def setup(t, p):
        p.write(sub, name, content)
    return setup


def _psql_setup(sql):
    def setup(t, p):
        t.psql(sql)
    return setup


def _drop_history_then(sql):
    def setup(t, p):
        t.psql("DROP TABLE pgboot_migrations")
        t.psql(sql)
    return setup


def _silent_server(t, p):
    """A port that accepts connections and never answers: each connection attempt hangs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    t.on_cleanup(sock.close)
    return {"url": "postgres://postgres@127.0.0.1:%d/x?connect_timeout=30" % sock.getsockname()[1]}


def _both_urls(t, p):
    t.write("url-secret", t.url() + "\n")
    return {"env": {"DATABASE_URL_FILE": t.path("url-secret")}}


def _remove_base(t, p):
    p.remove("migrations", "0001_base.sql")


def _big(t, p):
    line = b"-- " + b"x" * 76 + b"\n"
    with open(p.path("migrations", "0003_big.sql"), "wb") as f:
        f.write(b"CREATE TABLE big (id int);\n")
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            f.write(line)


# name, expected code(s), needles, spec
CASES = [
    # ---- connection strings --------------------------------------------------------
    ("url_port_not_a_number", 78, ["notaport"], {"url": "postgres://postgres@127.0.0.1:notaport/x"}),
    ("url_unknown_scheme", 78, ["mysql"], {"url": "mysql://postgres@127.0.0.1/x"}),
    ("url_unknown_keyword", 78, ["bogus_option"], {"url": "host=127.0.0.1 dbname=x bogus_option=1"}),
    ("url_bad_sslmode", 78, ["sometimes"], {"url_fn": lambda t: t.url(query={"sslmode": "sometimes"})}),
    ("url_unterminated_quote", 78, [re.compile("unterminated|quote", re.I)], {"url": "host='127.0.0.1 dbname=x"}),
    ("url_unclosed_ipv6", 78, [re.compile(r"IPv6|\]")], {"url": "postgres://postgres@[::1/x"}),
    ("url_bad_percent_encoding", 78, [re.compile("percent|%zz")], {"url": "postgres://postgres@127.0.0.1/x%zz"}),
    ("url_database_missing", 78, ["no_such_db_4711"], {"url_fn": lambda t: t.url(db="no_such_db_4711")}),
    ("url_wrong_password", 77, [re.compile("password|authentication", re.I)],
     {"url_fn": lambda t: t.url(password="wrong-pw-4711"), "absent": ["wrong-pw-4711"]}),
    ("url_unknown_user", 77, ["nobody_4711"], {"url_fn": lambda t: t.url(user="nobody_4711", password="x")}),
    ("url_file_missing", 78, ["/nonexistent/url-4711", "DATABASE_URL_FILE"],
     {"url": None, "env": {"DATABASE_URL_FILE": "/nonexistent/url-4711"}}),
    ("url_file_empty", 78, ["url-secret"], {"setup": _url_file("")}),
    ("url_file_blank_lines", 78, ["url-secret"], {"setup": _url_file("\n  \n", var="PGBOOT_DATABASE_URL_FILE")}),
    ("url_file_is_directory", 78, ["url-secret"], {"setup": _url_file(None, kind="dir")}),
    ("url_and_url_file_both_set", CFG, ["DATABASE_URL"], {"setup": _both_urls}),
    # an unencoded '@' in the password: libpq would take its tail for a host; refused, nothing of it shown
    ("url_password_with_unencoded_at", 78, ['"@"', "%40"],
     {"url_fn": lambda t: t.url(password="PWX").replace("PWX", "correct:horse@battery"),
      "absent": ["battery", "horse", "correct"]}),
    # an unquoted password with a space: libpq refuses its second word, which is not shown
    ("url_password_with_unquoted_space", 78, ['"***"'],
     {"url": "host=127.0.0.1 dbname=x password=correct horse battery", "absent": ["horse", "battery"]}),
    # a startup packet over the server's 10000 bytes is refused on every attempt
    ("url_startup_packet_too_long", 78, ["application_name", "startup packet"],
     {"url_fn": lambda t: t.url(query={"application_name": "a" * 10240}), "max_seconds": 5}),
    # ---- directories and files -------------------------------------------------------
    ("migrations_dir_missing", 78, ["/nonexistent/migrations-4711"],
     {"args": ["migrate", "--migrations", "/nonexistent/migrations-4711"]}),
    ("migrations_dir_is_a_file", 78, ["not-a-dir"],
     {"setup": lambda t, p: {"args": ["migrate", "--migrations", t.write("not-a-dir", "x")]}}),
    ("migrations_dir_unreadable", 78, ["migrations"], {"setup": _chmod("migrations", None, 0o000)}),
    ("migration_file_unreadable", 78, ["0003_secret.sql"], {"setup": _chmod("migrations", "0003_secret.sql", 0o000)}),
    ("migration_file_is_a_directory", 78, ["0003_dir.sql"],
     {"setup": lambda t, p: os.makedirs(p.path("migrations", "0003_dir.sql"))}),
    ("migration_file_is_a_fifo", 78, ["0003_pipe.sql"],
     {"setup": lambda t, p: os.mkfifo(p.path("migrations", "0003_pipe.sql"))}),
    # the files are read while the first connection attempt runs: a bad file still wins, at once
    ("bad_file_and_no_server", 78, ["0003_nul.sql"],
     {"files": {"0003_nul.sql": b"SELECT 1;\x00\n"}, "url": "postgres://postgres@127.0.0.1:1/x",
      "args": ["migrate", "--wait-timeout", "60s"]}),
    ("bad_file_and_silent_server", 78, ["0003_nul.sql"],
     {"files": {"0003_nul.sql": b"SELECT 1;\x00\n"}, "setup": _silent_server,
      "args": ["migrate", "--wait-timeout", "60s"], "max_seconds": 3}),
    ("bad_file_and_wrong_password", 78, ["0003_nul.sql"],
     {"files": {"0003_nul.sql": b"SELECT 1;\x00\n"}, "url_fn": lambda t: t.url(password="wrong-pw-4711"),
      "absent": ["wrong-pw-4711"]}),
    ("migration_symlink_loop", 78, ["0003_loop.sql"], {"setup": _mk_symlink("SELF")}),
    ("migration_symlink_dangling", 78, ["0003_gone.sql"], {"setup": _mk_symlink("/nonexistent/target-4711")}),
    ("migrations_dir_symlink_loop", 78, ["loop_a"], {"setup": _dir_loop}),
    ("verify_dir_named_but_missing", 78, ["/nonexistent/verify-4711"],
     {"args": ["migrate", "--verify", "/nonexistent/verify-4711"]}),
    # a check with a COMMIT that one value of standard_conforming_strings hides: refused either way
    ("check_commit_behind_backslash_quote", 78, ["020_hide.sql", "controls the transaction",
                                                 "standard_conforming_strings = off"],
     {"verify": {"020_hide.sql": "SELECT 'it\\'s' WHERE false; COMMIT; INSERT INTO base VALUES (9, 'x'); COMMIT;\n"}}),
    ("check_commit_behind_set_inside", 78, ["020_hide.sql", "controls the transaction",
                                            "standard_conforming_strings = on"],
     {"verify": {"020_hide.sql": "SET standard_conforming_strings = off; SELECT 'a\\' WHERE false; COMMIT; "
                                 "INSERT INTO base VALUES (9, 'x'); COMMIT; -- '\n"}}),
    ("seeds_dir_is_a_file", 78, ["seeds-file"],
     {"setup": lambda t, p: {"args": ["migrate", "--with-test-data", "--seeds", t.write("seeds-file", "x")]}}),
    # ---- names that almost match ---------------------------------------------------------
    ("name_flyway_style", 78, ["V3__add.sql"], {"files": {"V3__add.sql": GOOD}}),
    ("name_without_version", 78, ["add_things.sql"], {"files": {"add_things.sql": GOOD}}),
    ("name_empty_after_version", 78, ["0003_.sql"], {"files": {"0003_.sql": GOOD}}),
    ("name_starting_with_digit", 78, ["0003_2fix.sql"], {"files": {"0003_2fix.sql": GOOD}}),
    ("name_leading_underscore", 78, ["_0003_x.sql"], {"files": {"_0003_x.sql": GOOD}}),
    ("name_space_separator", 78, ["0003 x.sql"], {"files": {"0003 x.sql": GOOD}}),
    ("duplicate_versions", 78, ["0003_a.sql", "0003_b.sql"], {"files": {"0003_a.sql": GOOD, "0003_b.sql": GOOD}}),
    ("duplicate_versions_as_numbers", 78, ["0003_a.sql", "03_b.sql"], {"files": {"0003_a.sql": GOOD, "03_b.sql": GOOD}}),
    ("duplicate_seed_versions", 78, ["0001_a.sql", "001_b.sql"],
     {"seeds": {"0001_a.sql": "SELECT 1;", "001_b.sql": "SELECT 1;"}, "args": ["migrate", "--with-test-data"]}),
    # pgboot's own layout named: a diesel tree among its files would be left out
    ("migrations_in_subdirectories", 78, ["20221023135826_users/up.sql"],
     {"setup": _write("migrations/20221023135826_users", "up.sql", GOOD), "args": ["migrate", "--layout", "pgboot"]}),
    # auto: the tree makes it diesel's layout, in which pgboot's own files are strays
    ("migrations_beside_a_diesel_tree", 78, ["0001_base.sql", "is not a diesel migration"],
     {"setup": _write("migrations/20221023135826_users", "up.sql", GOOD)}),
    ("check_name_upper_case_extension", 78, ["090_x.SQL"],
     {"setup": _write("verify", "090_x.SQL", "SELECT 1 WHERE false;\n")}),
    # ---- file contents -----------------------------------------------------------------
    ("nul_byte", 78, ["0003_nul.sql"], {"files": {"0003_nul.sql": b"CREATE TABLE n (id int);\x00\n"}}),
    ("invalid_utf8", 78, ["0003_latin1.sql"],
     {"files": {"0003_latin1.sql": b"CREATE TABLE l (v text DEFAULT 'caf\xe9');\n"}}),
    ("overlong_utf8", 78, ["0003_overlong.sql"], {"files": {"0003_overlong.sql": b"SELECT '\xc0\xaf';\n"}}),
    ("file_of_50_mb", 78, ["0003_big.sql"], {"setup": _big}),
    ("psql_meta_command", 78, [re.compile(r"0003_meta\.sql:2\b")],
     {"files": {"0003_meta.sql": "CREATE TABLE meta (id int);\n\\i other.sql\n"}}),
    ("top_level_rollback", 78, [re.compile(r"0003_rb\.sql:2\b")],
     {"files": {"0003_rb.sql": "CREATE TABLE rb (id int);\nROLLBACK;\n"}}),
    ("unterminated_quote", 78, [re.compile(r"0003_q\.sql:2\b")],
     {"files": {"0003_q.sql": "CREATE TABLE q (id int);\nSELECT 'abc;\nSELECT 1;\n"}}),
    ("unterminated_dollar_body", 78, [re.compile(r"0003_d\.sql:1\b")],
     {"files": {"0003_d.sql": "DO $body$ BEGIN\n  PERFORM 1;\nEND $$;\n"}}),
    ("marker_near_miss_goose", 78, [re.compile(r"0003_m\.sql:3\b"), "+goose"],
     {"files": {"0003_m.sql": "-- +goose Up\nCREATE TABLE m (id int);\n-- +goose Down  -- text\nDROP TABLE base;\n"}}),
    ("marker_near_miss_sql_migrate", 78, [re.compile(r"0003_m\.sql:3\b"), "+migrate"],
     {"files": {"0003_m.sql": "-- +migrate Up\nCREATE TABLE m (id int);\n-- +migrate down\nDROP TABLE base;\n"}}),
    ("unterminated_comment", 78, [re.compile(r"0003_c\.sql:2\b")],
     {"files": {"0003_c.sql": "SELECT 1;\n/* open /* nested */\nSELECT 2;\n"}}),
    # ---- the history table ---------------------------------------------------------------
    ("history_foreign_shape", (5, 78), ["pgboot_migrations"],
     {"setup": _drop_history_then("CREATE TABLE pgboot_migrations (id serial PRIMARY KEY, filename text, "
                                  "installed_on timestamptz DEFAULT now()); INSERT INTO pgboot_migrations (filename) "
                                  "VALUES ('V1__base.sql')")}),
    ("history_is_a_view", (5, 78), ["pgboot_migrations"],
     {"setup": _drop_history_then("CREATE VIEW pgboot_migrations AS SELECT 'migration'::text AS kind, '0001'::text AS version")}),
    ("history_applied_at_not_a_timestamp", (5, 78), ["pgboot_migrations", "applied_at"],
     {"setup": _psql_setup("ALTER TABLE pgboot_migrations ALTER COLUMN applied_at TYPE text")}),
    ("history_row_of_unknown_kind", 5, ["frobnicate"],
     # written by a newer pgboot with a kind this one does not know (so without this one's CHECK)
     {"setup": _psql_setup("ALTER TABLE pgboot_migrations DROP CONSTRAINT IF EXISTS pgboot_migrations_kind_check; "
                           "INSERT INTO pgboot_migrations (kind, version, name, checksum, applied_at, duration_ms, applied_by) "
                           "VALUES ('frobnicate', '0001', 'x', 'abc', now(), 1, 'test')")}),
    ("history_changed_checksum", 5, ["0001_base.sql"],
     {"setup": _psql_setup("UPDATE pgboot_migrations SET checksum = repeat('0', 64)")}),
    ("history_file_missing", 5, ["0001"], {"setup": _remove_base}),
    ("history_out_of_order", 5, ["0002_good.sql"],
     {"setup": _psql_setup("INSERT INTO pgboot_migrations (kind, version, name, checksum, applied_at, duration_ms, applied_by) "
                           "VALUES ('migration', '0009', 'later', repeat('1', 64), now(), 1, 'test')"),
      "files": {"0009_later.sql": "SELECT 1;"}}),
    ("history_in_two_schemas", 78, ["other.pgboot_migrations", "public.pgboot_migrations", "SCHEMA.NAME"],
     {"setup": _psql_setup("CREATE SCHEMA other; "
                           "CREATE TABLE other.pgboot_migrations (LIKE public.pgboot_migrations INCLUDING ALL)")}),
    ("history_future_version_strict", 5, ["0009", "future", "--strict"],
     {"setup": _psql_setup("INSERT INTO pgboot_migrations (kind, version, name, checksum, applied_at, duration_ms, applied_by) "
                           "VALUES ('migration', '0009', 'newer_release', repeat('1', 64), now(), 1, 'test')"),
      "args": ["migrate", "--strict"]}),
    ("history_table_name_three_parts", CFG, ["a.b.c"], {"args": ["migrate", "--history-table", "a.b.c"]}),
    ("history_table_name_empty", CFG, ["history"], {"args": ["migrate", "--history-table", ""]}),
    # ---- options --------------------------------------------------------------------------
    ("unknown_option", 2, ["--frobnicate"], {"args": ["migrate", "--frobnicate"]}),
    ("run_without_app", 2, [re.compile("APP|app|--", re.I)], {"args": ["run"]}),
    ("migrate_with_app_args", 2, ["extra-arg"], {"args": ["migrate", "extra-arg"]}),
    ("conflicting_skip_migrate_on_migrate", CFG, ["skip-migrate"], {"args": ["migrate", "--skip-migrate"]}),
    ("conflicting_lock_mode_transaction_no_transaction_file", 78, ["0003_cic.sql"],
     {"args": ["migrate", "--lock-mode", "transaction"],
      "files": {"0003_cic.sql": "-- pgboot:no-transaction\nCREATE INDEX CONCURRENTLY base_v ON base (v);\n"}}),
    ("duration_negative", CFG, ["-1s"], {"args": ["migrate", "--wait-timeout=-1s"]}),
    ("duration_garbage", CFG, ["10parsecs"], {"args": ["migrate", "--wait-timeout", "10parsecs"]}),
    ("duration_overflow", CFG, ["99999999999999999h"], {"args": ["migrate", "--lock-timeout", "99999999999999999h"]}),
    ("duration_env_garbage", CFG, ["PGBOOT_LOCK_TIMEOUT"], {"env": {"PGBOOT_LOCK_TIMEOUT": "forever"}}),
    ("ddl_lock_retries_zero", CFG, ["ddl-lock-retries"], {"args": ["migrate", "--ddl-lock-retries", "0"]}),
    ("ddl_lock_retries_too_many", CFG, ["ddl-lock-retries"], {"args": ["migrate", "--ddl-lock-retries", "101"]}),
    ("log_format_unknown", CFG, ["xml"], {"args": ["migrate", "--log-format", "xml"]}),
    ("log_level_env_unknown", CFG, ["PGBOOT_LOG_LEVEL"], {"env": {"PGBOOT_LOG_LEVEL": "loud"}}),
    ("lock_mode_unknown", CFG, ["sessions"], {"args": ["migrate", "--lock-mode", "sessions"]}),
    ("with_test_data_env_not_boolean", CFG, ["PGBOOT_WITH_TEST_DATA"], {"env": {"PGBOOT_WITH_TEST_DATA": "maybe"}}),
]

# not bad input: recorded as applied, with a warning naming the file
CONTROLS = [
    ("empty_migration_is_recorded", {"0003_empty.sql": ""}),
    ("comment_only_migration_is_recorded", {"0003_placeholder.sql": "-- for other databases only\n/* nothing */\n"}),
]


def _prepare(t, spec):
    p = t.project(migrations={"0001_base.sql": BASE})
    t.pgboot("migrate", project=p).expect(0)
    p.write("migrations", "0002_good.sql", GOOD)
    for name, content in (spec.get("files") or {}).items():
        p.write("migrations", name, content)
    for name, content in (spec.get("seeds") or {}).items():
        p.write("seeds", name, content)
    for name, content in (spec.get("verify") or {}).items():
        p.write("verify", name, content)
    return p


def _run_case(t, code, needles, spec):
    p = _prepare(t, spec)
    over = {}
    if spec.get("setup"):
        over = spec["setup"](t, p) or {}
    spec = {**spec, **over}
    before = faultlib.fingerprint(t)
    url = spec["url_fn"](t) if "url_fn" in spec else spec.get("url", "default")
    args = spec.get("args", ["migrate"])
    if spec.get("as_postgres") and os.geteuid() == 0:
        real = t.bin
        t.bin = t.write("as-postgres.sh", '#!/bin/sh\nexec runuser -u postgres -- "%s" "$@"\n' % real, mode=0o755)
        try:
            r = t.pgboot(*args, project=p, url=url, env=spec.get("env"), timeout=60)
        finally:
            t.bin = real
    else:
        r = t.pgboot(*args, project=p, url=url, env=spec.get("env"), timeout=60)
    codes = code if isinstance(code, tuple) else (code,)
    check(r.code in codes, "exit %s" % " or ".join(map(str, codes)), r)
    r.expect_text(*needles, where="err")
    r.expect_no_text(*(spec.get("absent") or []), "pgboot-test-secret")
    limit = spec.get("max_seconds", 15)
    check(r.elapsed < limit, "answered at once (%.1fs, limit %ds)" % (r.elapsed, limit), r)
    after = faultlib.fingerprint(t)
    if after != before:
        import difflib
        diff = "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
        check(False, "the database is unchanged", diff, r)


def _make(code, needles, spec):
    def test(t):
        _run_case(t, code, needles, spec)
    return test


def _make_control(files):
    def test(t):
        p = _prepare(t, {"files": files})
        r = t.pgboot("migrate", project=p).expect(0)
        name = list(files)[0]
        r.expect_text("warning", name, where="err")
        v = name.split("_")[0]
        check(t.psql("SELECT count(*) FROM pgboot_migrations WHERE version = '%s'" % v) == "1", "recorded as applied", r)
        t.pgboot("migrate", project=p).expect(0, "up to date")
    return test


for _name, _code, _needles, _spec in CASES:
    _fn = _make(_code, _needles, _spec)
    _fn.__name__ = "test_" + _name
    _fn.__module__ = __name__
    globals()["test_" + _name] = _fn
for _name, _files in CONTROLS:
    _fn = _make_control(_files)
    _fn.__name__ = "test_" + _name
    _fn.__module__ = __name__
    globals()["test_" + _name] = _fn


def test_case_count(t):
    check(len(CASES) >= 40, "at least 40 malformed inputs (%d)" % len(CASES))
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "README.md")
    with open(readme, encoding="utf-8") as f:
        said = re.search(r"\| bad input \| (\d+) malformed inputs", f.read())
    check(said and int(said.group(1)) == len(CASES),
          "README's bad-input row counts the cases (%s, %d)" % (said and said.group(1), len(CASES)))
