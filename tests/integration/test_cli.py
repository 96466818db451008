"""Command-line conformance: version, help, usage errors (exit 2), configuration
errors (exit 78). Most of these need no database."""
import os
import re

from harness import ROOT, check, free_port

COMMANDS = ["run", "migrate", "wait", "status", "verify", "plan", "rollback", "reset", "baseline", "new", "lint", "version"]


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


# ---- README's tables are the binary's ----------------------------------------------

README = os.path.join(ROOT, "README.md")
EXITCODE_H = os.path.join(ROOT, "include", "exitcode.h")


def _readme_table(heading):
    """The rows (lists of cells) of the first table after the line "## heading"."""
    with open(README) as f:
        lines = f.read().split("\n")
    i = lines.index("## " + heading)
    rows = []
    for line in lines[i + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r"-+", c) for c in cells):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # without the header


def _help_options(t):
    """{"--flag": (set of variables, default)} over every command's --help."""
    opts = {}
    for cmd in COMMANDS:
        out = t.pgboot(cmd, "--help", url=None).expect(0).out
        current = None
        for line in out.split("\n"):
            m = re.match(r"^  (?:-\w, )?\s*(--[a-z-]+)", line)
            if m:
                current = m.group(1)
                opts.setdefault(current, (set(), None))
            elif current and line.startswith("      ") and "[env:" in line or (current and "[default:" in line):
                envs, default = opts[current]
                e = re.search(r"\[env: ([^\]]*)\]", line)
                if e:
                    envs |= {v.split("=")[0] for v in e.group(1).split(", ")}
                d = re.search(r"\[default: ([^\]]*)\]", line)
                opts[current] = (envs, d.group(1) if d else default)
            elif not line.strip():
                current = None
    for builtin in ("--help", "--version"):
        if not opts.get(builtin, (set(), None))[0]:  # baseline's --version VERSION has a variable
            opts.pop(builtin, None)
    return opts


def test_readme_options_match_help(t):
    """README's Configuration table lists exactly the options of --help, each with the same
    variables and default, so the two cannot drift apart."""
    help_opts = _help_options(t)
    readme = {}
    for flag_cell, env_cell, default_cell in _readme_table("Configuration"):
        flags = re.findall(r"--[a-z-]+", flag_cell) + [
            {"-q": "--quiet", "-v": "--verbose"}[s] for s in re.findall(r"`(-[qv])`", flag_cell)]
        check(flags, "a flag in the row %r" % flag_cell)
        for flag in flags:
            readme[flag] = (env_cell, default_cell)
    check(set(readme) == set(help_opts),
          "README's options are --help's: only in README %s, only in --help %s"
          % (sorted(set(readme) - set(help_opts)), sorted(set(help_opts) - set(readme))))
    for flag, (envs, default) in sorted(help_opts.items()):
        env_cell, default_cell = readme[flag]
        named = set(re.findall(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b", env_cell))
        want = {v for v in envs if not (v.endswith("_FILE") and "*_FILE" in env_cell)}
        check(want == named - {"FILE"}, "%s: README names the variables %s, --help %s" % (flag, sorted(named), sorted(envs)))
        if default:
            plain = default_cell.replace("`", "").replace("./", "")
            check(default.split(",")[0].replace("`", "") in plain,
                  "%s: README's default %r says --help's %r" % (flag, default_cell, default))
        else:
            check(default_cell in ("", "off") or default_cell.startswith("("),
                  "%s: no default in --help, README says %r" % (flag, default_cell))


def _meaning(text):
    """The meaning's head, for comparison: up to a colon or parenthesis, without markup."""
    return re.split(r" \(|:", text.replace("`", ""))[0].strip().lower()


def test_readme_exit_codes_match_help_and_header(t):
    """README's exit-code table, --help's and include/exitcode.h list the same codes and meanings."""
    readme = {}
    for code, meaning in _readme_table("Exit codes"):
        codes = code.split(" / ")
        meanings = meaning.split(" / ") if len(codes) > 1 else [meaning]
        check(len(codes) == len(meanings), "one meaning per code in README's row %r" % code)
        readme.update(zip(codes, meanings))
    header = {}
    with open(EXITCODE_H) as f:
        for m in re.finditer(r"PGB_EXIT_\w+ = (\d+),?\s*/\* (.*?) \*/", f.read()):
            header["128+N" if m.group(1) == "128" else m.group(1)] = re.sub(r"^128\+N: ", "", m.group(2))
    helped = {}
    for cmd in COMMANDS:
        out = t.pgboot(cmd, "--help", url=None).expect(0).out
        for m in re.finditer(r"^  (\d+(?:\+N)?)\s+(.*)$", out, re.M):
            helped[m.group(1)] = m.group(2)
    check(set(readme) == set(header), "README's codes %s are exitcode.h's %s" % (sorted(readme), sorted(header)))
    check(set(helped) == set(header), "--help's codes %s are exitcode.h's %s" % (sorted(helped), sorted(header)))
    for code in sorted(header):
        # --help says "APP", the header "the app"
        r, h, hh = (re.sub(r"\b(the|was|app) ", "", _meaning(x)) for x in (readme[code], helped[code], header[code]))
        check(r == h == hh, "%s means the same everywhere: README %r, --help %r, exitcode.h %r"
              % (code, readme[code], helped[code], header[code]))


# ---- every script answers --help ----------------------------------------------------

def _scripts():
    """Every script a user may run: scripts/*.sh (not the sourced scripts/lib) and the suites' run.sh."""
    found = []
    for d in ("scripts", "tests/deploy", "tests/psql_equiv", "tests/badinput", "tests/faults", "tests/integration",
              "tests/unit", "tests/fuzz"):
        for name in sorted(os.listdir(os.path.join(ROOT, d))):
            if name.endswith(".sh") and (d == "scripts" or name in ("run.sh", "scratch_tests.sh")):
                found.append(os.path.join(d, name))
    return found


def _run_script(path, arg):
    import subprocess
    import time
    start = time.time()
    p = subprocess.Popen(["bash", os.path.join(ROOT, path), arg], cwd=ROOT, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, err = p.communicate()
        raise AssertionError("%s %s still running after 20 s: it started something" % (path, arg))
    elapsed = time.time() - start
    try:
        os.killpg(p.pid, 0)
        left = True
        os.killpg(p.pid, 9)
    except ProcessLookupError:
        left = False
    return p.returncode, out, err, elapsed, left


def test_every_script_answers_help(t):
    """scripts/bench.sh --help once started the whole benchmark: every script prints its usage for
    --help and -h, exits 0 at once and starts nothing; an unknown argument is a usage error (2)."""
    scripts = _scripts()
    check("scripts/bench.sh" in scripts and "tests/psql_equiv/run.sh" in scripts, "the scripts are found: %s" % scripts)
    for path in scripts:
        for arg in ("--help", "-h"):
            code, out, err, elapsed, left = _run_script(path, arg)
            check(code == 0, "%s %s exits 0, not %s: %s" % (path, arg, code, err))
            check(os.path.basename(path) in out, "%s %s prints its usage: %r" % (path, arg, out[:300]))
            check(elapsed < 2 and not left, "%s %s starts nothing (%.1fs, process left: %s)" % (path, arg, elapsed, left))
        code, out, err, elapsed, left = _run_script(path, "--no-such-option")
        check(code == 2 and "--help" in err, "%s: an unknown argument is a usage error (2): %s %r" % (path, code, err))
        check(elapsed < 2 and not left, "%s --no-such-option starts nothing" % path)
