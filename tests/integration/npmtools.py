"""The other migration tools from npm (scripts/install-deps.sh npmtools puts
them in build/npm-tools, pinned by tests/npm-tools/package-lock.json): dbmate,
node-pg-migrate, and drizzle-orm's migrator run by tests/npm-tools/drizzle-migrate.cjs.
The adoption and coexistence tests make other tools' histories with the tools
themselves. A missing tool fails the test under CI=true and skips it elsewhere
(harness.skip_or_fail).

Each run is added to the test's transcript with the password replaced by "***".
"""

import os
import shutil
import subprocess
import time

import harness

TOOLS = os.path.join(harness.ROOT, "build", "npm-tools")
BIN = os.path.join(TOOLS, "node_modules", ".bin")
DRIZZLE_SCRIPT = os.path.join(harness.ROOT, "tests", "npm-tools", "drizzle-migrate.cjs")
HINT = "run scripts/install-deps.sh npmtools"


def need(name):
    """The path of the tool name ("dbmate", "node-pg-migrate", "drizzle"), or skip/fail."""
    if not shutil.which("node"):
        harness.skip_or_fail("node is not installed (%s)" % HINT)
    if name == "drizzle":
        if not os.path.isdir(os.path.join(TOOLS, "node_modules", "drizzle-orm")):
            harness.skip_or_fail("drizzle-orm is not in build/npm-tools (%s)" % HINT)
        return DRIZZLE_SCRIPT
    path = os.path.join(BIN, name)
    if not os.access(path, os.X_OK):
        harness.skip_or_fail("%s is not in build/npm-tools (%s)" % (name, HINT))
    return path


def _argv(name, args):
    if name == "drizzle":
        return ["node", need("drizzle")] + list(args)
    return [need(name)] + list(args)


def _env(t, db, env):
    return harness.clean_env({"DATABASE_URL": t.url(db), "NODE_PATH": os.path.join(TOOLS, "node_modules"),
                              **(env or {})})


def _record(t, name, args, code, out, err, elapsed):
    r = harness.Result([name] + [str(a) for a in args], code, out, err, elapsed)
    text = str(r).replace("$ pgboot ", "$ ", 1)
    if t.password:
        text = text.replace(t.password, "***")
    t.transcript.append(text)
    return r


def run(t, name, *args, cwd=None, db=None, env=None, timeout=60):
    """Run the tool to completion (DATABASE_URL: the fixture's database, or db); a Result."""
    start = time.time()
    try:
        p = subprocess.run(_argv(name, args), cwd=cwd or t.tmp, env=_env(t, db, env), timeout=timeout,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        code, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as ex:
        code, out, err = "TIMEOUT (killed after %ss)" % timeout, ex.stdout or b"", ex.stderr or b""
    return _record(t, name, args, code, out.decode(errors="replace"), err.decode(errors="replace"),
                   time.time() - start)


class ToolProc:
    """A tool started in the background (wait() gives its Result)."""

    def __init__(self, t, name, args, popen, start):
        self.t, self.name, self.args, self.popen, self.start = t, name, args, popen, start
        self.result = None

    def wait(self, timeout=60):
        if self.result is None:
            try:
                out, err = self.popen.communicate(timeout=timeout)
                code = self.popen.returncode
            except subprocess.TimeoutExpired:
                self.popen.kill()
                out, err = self.popen.communicate()
                code = "TIMEOUT (killed after %ss)" % timeout
            self.result = _record(self.t, self.name, self.args, code, out.decode(errors="replace"),
                                  err.decode(errors="replace"), time.time() - self.start)
        return self.result


def spawn(t, name, *args, cwd=None, db=None, env=None):
    argv = _argv(name, args)
    p = subprocess.Popen(argv, cwd=cwd or t.tmp, env=_env(t, db, env), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t._procs.append(p)
    return ToolProc(t, name, args, p, time.time())


def expect(r, code=0, *needles):
    """Fail unless the tool's Result exited with code and printed every needle."""
    if r.code != code:
        raise harness.TestFailure("expected exit %s from %s, got %s\n%s" % (code, r.args[0], r.code, r))
    r.expect_text(*needles)
    return r
