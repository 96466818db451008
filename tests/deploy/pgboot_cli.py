"""What a pgboot command line may contain, for the checks of the deployment files.

Two sources of truth: a built binary (its `pgboot --help` and `pgboot COMMAND --help`
output must mention every command and option a file uses), or, without one, the
tables of DESIGN.md copied below. Python 3 standard library only.
"""

import os
import re
import shlex
import subprocess

COMMANDS = ("run", "migrate", "wait", "status", "verify", "plan", "version", "help")

# Options taking a value, and a pattern the value must match (None: anything).
DURATION = r"(\d+(\.\d+)?(ms|s|m|h)?)+"
VALUE_OPTIONS = {
    "--database-url": None,
    "--migrations": None,
    "--seeds": None,
    "--verify": None,
    "--wait-timeout": DURATION,
    "--lock-timeout": DURATION,
    "--ddl-lock-timeout": DURATION,
    "--statement-timeout": DURATION,
    "--history-table": r"([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*",
    "--log-format": r"text|json",
    # Not in DESIGN.md's table, but in the binary (src/config.c).
    "--log-level": r"debug|info|warning|error",
    "--lock-mode": r"session|transaction",
}
FLAG_OPTIONS = (
    "--with-test-data", "--dry-run", "--allow-out-of-order", "--strict", "--no-verify",
    "--skip-migrate", "-q", "-v", "--json", "--help", "--quiet", "--verbose",
)
# Options that make no sense outside one command.
ONLY_FOR = {"--skip-migrate": ("run",), "--json": ("status", "plan")}

ENV_VARS = (
    "PGBOOT_DATABASE_URL", "PGBOOT_DATABASE_URL_FILE", "PGBOOT_MIGRATIONS", "PGBOOT_SEEDS",
    "PGBOOT_VERIFY", "PGBOOT_WITH_TEST_DATA", "PGBOOT_WAIT_TIMEOUT", "PGBOOT_LOCK_TIMEOUT",
    "PGBOOT_DDL_LOCK_TIMEOUT", "PGBOOT_STATEMENT_TIMEOUT", "PGBOOT_HISTORY_TABLE",
    "PGBOOT_LOG_FORMAT", "PGBOOT_ALLOW_OUT_OF_ORDER", "PGBOOT_NO_VERIFY",
    "PGBOOT_SKIP_MIGRATE", "PGBOOT_LOG_LEVEL", "PGBOOT_LOCK_MODE", "PGBOOT_STRICT",
)
# Read by pgboot but not PGBOOT_*: the app's URL is pgboot's fallback.
OTHER_ENV_VARS = ("DATABASE_URL", "DATABASE_URL_FILE", "AUTO_MIGRATE")
ENV_VALUE = {
    "PGBOOT_WAIT_TIMEOUT": DURATION, "PGBOOT_LOCK_TIMEOUT": DURATION,
    "PGBOOT_DDL_LOCK_TIMEOUT": DURATION, "PGBOOT_STATEMENT_TIMEOUT": DURATION,
    "PGBOOT_LOG_FORMAT": r"text|json", "PGBOOT_WITH_TEST_DATA": r"0|1|true|false",
    "PGBOOT_ALLOW_OUT_OF_ORDER": r"0|1|true|false", "PGBOOT_NO_VERIFY": r"0|1|true|false",
    "PGBOOT_SKIP_MIGRATE": r"0|1|true|false", "PGBOOT_STRICT": r"0|1|true|false",
    "PGBOOT_LOG_LEVEL": r"debug|info|warning|error", "PGBOOT_LOCK_MODE": r"session|transaction",
}

PROGRAM_NAMES = ("pgboot", "/pgboot", "/usr/local/bin/pgboot", "/usr/bin/pgboot", "/app/pgboot")


def is_pgboot(argv0):
    return os.path.basename(argv0) == "pgboot"


def split_command(value):
    """A command given as a YAML list or a shell-like string, as argv."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return shlex.split(str(value))


class Help:
    """`pgboot --help` and `pgboot COMMAND --help` of a built binary, cached."""

    def __init__(self, binary):
        self.binary = binary
        self.cache = {}

    def text(self, command=None):
        key = command or ""
        if key not in self.cache:
            argv = [self.binary] + ([command] if command else []) + ["--help"]
            try:
                p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
                self.cache[key] = p.stdout + p.stderr
            except (OSError, subprocess.TimeoutExpired) as e:
                self.cache[key] = "(could not run %s: %s)" % (" ".join(argv), e)
        return self.cache[key]

    def all_text(self):
        return self.text() + "".join(self.text(c) for c in COMMANDS if c != "version")


def mentions(text, word):
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def check_argv(argv, help_=None):
    """Problems with one pgboot command line (argv[0] is pgboot), as a list of strings.

    With help_ (a Help), each command and option must appear in the binary's help;
    without, in DESIGN.md's tables.
    """
    problems = []
    if len(argv) < 2:
        return ["no command (pgboot needs one of %s)" % ", ".join(COMMANDS)]
    cmd = argv[1]
    if cmd in ("--help", "-h", "--version", "help"):
        return []
    if cmd not in COMMANDS:
        return ["unknown command \"%s\"" % cmd]
    if help_ is not None and not mentions(help_.text(), cmd):
        problems.append("command \"%s\" is not in `pgboot --help`" % cmd)
    i = 2
    app = None
    while i < len(argv):
        a = argv[i]
        if a == "--":
            app = argv[i + 1:]
            break
        name, eq, value = a.partition("=")
        if name in VALUE_OPTIONS:
            if not eq:
                if i + 1 >= len(argv):
                    problems.append("option %s needs a value" % name)
                    break
                value = argv[i + 1]
                i += 1
            pattern = VALUE_OPTIONS[name]
            if pattern and not re.fullmatch(pattern, value) and not value.startswith("$"):
                problems.append("bad value \"%s\" for %s" % (value, name))
        elif a in FLAG_OPTIONS:
            name = a
        elif a.startswith("-"):
            problems.append("unknown option \"%s\"" % a)
            i += 1
            continue
        else:
            problems.append("unexpected argument \"%s\" (the app goes after --)" % a)
            i += 1
            continue
        if name in ONLY_FOR and cmd not in ONLY_FOR[name]:
            problems.append("option %s is not for \"%s\"" % (name, cmd))
        if help_ is not None and not mentions(help_.text(cmd), name):
            problems.append("option %s is not in `pgboot %s --help`" % (name, cmd))
        i += 1
    if cmd == "run" and not app:
        problems.append("\"run\" needs -- and the app to exec")
    if cmd != "run" and app is not None:
        problems.append("only \"run\" takes -- APP")
    return problems


def check_env(name, value, help_=None):
    """Problems with one environment variable pgboot might read."""
    problems = []
    if name.startswith("PGBOOT_"):
        known = name in ENV_VARS
        if help_ is not None and not known:
            known = mentions(help_.all_text(), name)
        if not known:
            problems.append("unknown variable %s" % name)
    if value is not None and name in ENV_VALUE and not str(value).startswith("$"):
        if not re.fullmatch(ENV_VALUE[name], str(value)):
            problems.append("bad value \"%s\" for %s" % (value, name))
    return problems


class Report:
    """Prints "ok - ..." / "not ok - ..." lines and the final "N passed, N failed"."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=None):
        if ok:
            self.passed += 1
            print("ok - %s" % what)
        else:
            self.failed += 1
            print("not ok - %s%s" % (what, ": " + detail if detail else ""))
        return ok

    def skip(self, what, why):
        self.passed += 1
        print("ok - %s # SKIP %s" % (what, why))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def binary_from(argv):
    """The pgboot binary to ask, from argv[1] or PGBOOT_BIN, or None."""
    b = argv[1] if len(argv) > 1 else os.environ.get("PGBOOT_BIN")
    if b and not os.access(b, os.X_OK):
        raise SystemExit("%s: not an executable: %s" % (os.path.basename(argv[0]), b))
    return b or None
