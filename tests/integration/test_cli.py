"""Command-line conformance: version, help, usage errors (exit 2), configuration
errors (exit 78). Most of these need no database."""
import re

from harness import check, free_port

COMMANDS = ["run", "migrate", "wait", "status", "verify", "plan", "version"]


def test_version_command(t):
    r = t.pgboot("version", url=None).expect(0)
    check(re.match(r"^pgboot \d+\.\d+\.\d+\S*\n$", r.out), "version prints \"pgboot X.Y.Z\"", r)


def test_version_flags(t):
    v = t.pgboot("version", url=None).out
    for flag in ("--version", "-V"):
        r = t.pgboot(flag, url=None).expect(0)
        check(r.out == v, "%s prints the same as \"version\"" % flag, r)


def test_help(t):
    for argv in (["--help"], ["-h"], ["help"]):
        r = t.pgboot(*argv, url=None).expect(0)
        for cmd in COMMANDS:
            r.expect_text(cmd, where="out")
        r.expect_text("--database-url", where="out")


def test_command_help(t):
    for cmd in COMMANDS:
        r = t.pgboot(cmd, "--help", url=None).expect(0)
        check(cmd in r.out, "\"pgboot %s --help\" names the command" % cmd, r)
        r2 = t.pgboot("help", cmd, url=None).expect(0)
        check(r2.out == r.out, "\"pgboot help %s\" is \"pgboot %s --help\"" % (cmd, cmd), r, r2)
    t.pgboot("migrate", "--help", url=None).expect(0, "--lock-timeout", "--with-test-data", "--dry-run", where="out")
    t.pgboot("run", "--help", url=None).expect(0, "--skip-migrate", where="out")
    t.pgboot("status", "--help", url=None).expect(0, "--json", where="out")


def test_help_lists_exit_codes(t):
    r = t.pgboot("migrate", "--help", url=None).expect(0)
    for code in ("69", "75", "77", "78"):
        r.expect_text(code, where="out")


def test_no_command_is_usage_error(t):
    r = t.pgboot(url=None)
    r.expect(2)
    check(r.err.strip(), "usage goes to stderr", r)


def test_unknown_option_exit_2_with_hint(t):
    r = t.pgboot("migrate", "--no-such-option", url=None).expect(2, "--no-such-option", where="err")
    check(re.search(r"--help|hint", r.err), "an unknown option comes with a hint", r)
    t.pgboot("--bogus", url=None).expect(2, "--bogus", where="err")


def test_unknown_command_exit_2(t):
    r = t.pgboot("migrat", url=None).expect(2, "migrat", where="err")
    check("--help" in r.err or "hint" in r.err, "a hint for the unknown command", r)


def test_option_missing_argument_exit_2(t):
    t.pgboot("migrate", "--lock-timeout", url=None).expect(2, "--lock-timeout", where="err")


def test_option_not_for_command_exit_2(t):
    t.pgboot("wait", "--lock-timeout", "1s", url=None).expect(2, "--lock-timeout", where="err")
    t.pgboot("status", "--with-test-data", url=None).expect(2, "--with-test-data", where="err")


def test_run_needs_dashdash_and_app(t):
    t.pgboot("run", url=None).expect(2)
    t.pgboot("run", "--", url=None).expect(2)
    t.pgboot("run", "true", url=None).expect(2)


def test_extra_argument_exit_2(t):
    t.pgboot("migrate", "extra", url=None).expect(2, "extra", where="err")


def test_bad_duration_exit_78(t):
    r = t.pgboot("wait", "--wait-timeout", "soon", url=None)
    r.expect(78, "--wait-timeout", "soon", where="err")
    t.pgboot("wait", env={"PGBOOT_WAIT_TIMEOUT": "10 parsecs"}).expect(78, "PGBOOT_WAIT_TIMEOUT", where="err")


def test_durations_accepted(t):
    # short ones against a closed port: the run gives up after them and says so (not
    # against the server: under valgrind a connection can take longer than 500ms)
    closed = t.server.url(t.db, port=free_port())
    for d, shown in (("500ms", "500ms"), ("2", "2s"), ("1.5s", "1s500ms")):
        t.pgboot("wait", "--wait-timeout", d, url=closed).expect(69, "not available within %s" % shown, where="err")
    for d in ("30s", "5m", "1h", "1m30s"):
        t.pgboot("wait", "--wait-timeout", d).expect(0)


def test_bad_log_format_exit_78(t):
    t.pgboot("wait", "--log-format", "xml").expect(78, "xml", where="err")


def test_bad_boolean_variable_exit_78(t):
    t.pgboot("migrate", env={"PGBOOT_WITH_TEST_DATA": "maybe"}).expect(78, "PGBOOT_WITH_TEST_DATA", where="err")


def test_bad_history_table_exit_78(t):
    t.pgboot("status", "--history-table", "1bad;drop", url=None).expect(78, "history", where="err")


def test_bad_connection_string_exit_78(t):
    r = t.pgboot("wait", "--database-url", "host=localhost nosuchkeyword=1", "--wait-timeout", "5s")
    r.expect(78)
    check(r.elapsed < 3, "a bad connection string fails at once", r)
    r = t.pgboot("wait", "--wait-timeout", "5s", url="postgres://u@127.0.0.1:notaport/db")
    r.expect(78)


def test_missing_migrations_dir_exit_78(t):
    r = t.pgboot("migrate", "--migrations", t.path("nope"))
    r.expect(78, "nope", where="err")


def test_explicit_missing_verify_dir_exit_78(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    t.pgboot("migrate", "--verify", t.path("no-verify-dir"), project=p).expect(78, "no-verify-dir", where="err")


def test_default_missing_verify_dir_is_fine(t):
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"})
    t.pgboot("migrate", project=p).expect(0)
