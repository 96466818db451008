#!/usr/bin/env python3
"""Run pgboot's integration tests against a running test server.

    run.py --server-dir DIR [--bin PATH] [--dir DIR]... [--label NAME]
           [-k PATTERN]... [--timeout S] [--list] [--keep]

Discovers DIR/test_*.py (default: tests/integration) and runs every test_* function in file
order, serially, each with its own Fixture (fresh database, temp dir). Prints
"ok - file::name (0.3s)" or "not ok - file::name" with the captured details,
and ends with "integration(LABEL): N passed, N failed". Exit 1 on any failure.

A test may set attributes: fn.timeout = seconds (default --timeout).
A test module may define teardown(), run after its last test.

tests/faults/run.py runs the fault-injection and bad-input suites with this
module's discover() and main(), given its own Suite.
"""

import argparse
import glob
import importlib.util
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


class Suite:
    """What differs between the runners that share this code.

    title: how the summary names the run, "{label}" replaced by --label;
    label, timeout: the defaults of --label and --timeout;
    dirs: where test_*.py are found when no --dir is given;
    by_line: run a module's tests in the order of their first line, else in
    the order the module defined them (generated tests share a first line);
    tail: how many of a failed test's last pgboot runs are shown."""

    def __init__(self, title, label, timeout, dirs, by_line=True, tail=8):
        self.title, self.label, self.timeout = title, label, timeout
        self.dirs, self.by_line, self.tail = dirs, by_line, tail


INTEGRATION = Suite(title="integration({label})", label="dynamic", timeout=90, dirs=[HERE])

# a failed test's details are cut to this many characters, the middle dropped
MAX_DETAILS = 12000


class TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout("test timed out")


def discover(dirs, patterns, by_line=True):
    """[(module or None, [(file::name, fn)])] of DIR/test_*.py for each DIR, the
    modules in file name order; only the tests whose name contains one of
    patterns (case-insensitive), when any are given. A file that does not load
    is one failing test."""
    mods = []
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "test_*.py"))):
            base = os.path.basename(path)
            modname = os.path.splitext(base)[0]
            spec = importlib.util.spec_from_file_location(modname, path)
            mod = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(mod)
            except Exception:
                err = traceback.format_exc()

                def broken(t, err=err):
                    raise harness.TestFailure("the test file does not load:\n" + err)
                mods.append((None, [("%s::<load>" % base, broken)]))
                continue
            fns = [(name, fn) for name, fn in vars(mod).items()
                   if name.startswith("test_") and callable(fn) and getattr(fn, "__module__", None) == modname]
            if by_line:
                fns.sort(key=lambda nf: (nf[1].__code__.co_firstlineno, nf[0]))
            tests = [("%s::%s" % (base, name), fn) for name, fn in fns]
            if patterns:
                tests = [(n, f) for n, f in tests if any(p.lower() in n.lower() for p in patterns)]
            if tests:
                mods.append((mod, tests))
    return mods


def run_test(name, fn, server, args, suite):
    """Run one test with its own Fixture and time limit; print its notes (the
    transcript's lines that start with "# ") and its "ok"/"not ok" line with
    the details. Returns whether it passed."""
    fx = harness.Fixture(server, args.bin, name)
    start = time.time()
    ok, details, skipped = True, "", None
    limit = getattr(fn, "timeout", args.timeout)
    try:
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            fn(fx)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except harness.TestFailure as e:
        ok, details = False, str(e)
    except harness.TestSkipped as e:
        skipped = str(e)
    except TestTimeout:
        ok, details = False, "timed out after %ss\n%s" % (limit, traceback.format_exc())
    except Exception:
        ok, details = False, traceback.format_exc()
    elapsed = time.time() - start
    try:
        fx.cleanup(ok, keep=args.keep)
    except Exception:
        pass
    for n in fx.transcript:
        if n.startswith("# "):
            print(n, flush=True)
    if ok and skipped is not None:
        print("ok - %s # SKIP %s" % (name, skipped), flush=True)
        return True
    if ok:
        print("ok - %s (%.1fs)" % (name, elapsed), flush=True)
        return True
    print("not ok - %s (%.1fs)" % (name, elapsed))
    body = details.rstrip()
    runs = [x for x in fx.transcript if not x.startswith("# ")]
    if runs and not any(x in details for x in runs[-1:]):
        body += "\n--- transcript (last pgboot runs of the test) ---\n" + "\n".join(runs[-suite.tail:])
    if len(body) > MAX_DETAILS:
        half = MAX_DETAILS // 2
        body = body[:half] + "\n[... %d characters cut ...]\n" % (len(body) - MAX_DETAILS) + body[-half:]
    print("".join("#   " + line + "\n" for line in body.splitlines()), end="", flush=True)
    return False


def main(suite=INTEGRATION, doc=__doc__):
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server-dir", default=os.environ.get("PGBOOT_TEST_SERVER_DIR"))
    ap.add_argument("--bin", default=os.path.join(harness.ROOT, "pgboot"))
    ap.add_argument("--dir", action="append", default=[], help="run DIR/test_*.py (repeatable)")
    ap.add_argument("--label", default=suite.label)
    ap.add_argument("-k", action="append", default=[], help="run only tests whose file::name contains this")
    ap.add_argument("--timeout", type=float, default=suite.timeout)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep databases and temp dirs of failed tests")
    args = ap.parse_args()
    title = suite.title.format(label=args.label)

    mods = discover([os.path.abspath(d) for d in args.dir] or suite.dirs, args.k, suite.by_line)
    if args.list:
        for _, tests in mods:
            for n, _ in tests:
                print(n)
        return 0
    if not args.server_dir:
        ap.error("--server-dir (or PGBOOT_TEST_SERVER_DIR) is required")
    if not os.access(args.bin, os.X_OK):
        print("%s: the binary %s does not exist" % (title, args.bin))
        print("%s: 0 passed, 1 failed" % title)
        return 1
    server = harness.Server(args.server_dir)
    harness.BIN_LABEL = args.label
    signal.signal(signal.SIGALRM, _alarm)

    passed = failed = 0
    failures = []
    t0 = time.time()
    print("# %s: %d tests, binary %s" % (title, sum(len(t) for _, t in mods), args.bin), flush=True)
    for mod, tests in mods:
        for name, fn in tests:
            if run_test(name, fn, server, args, suite):
                passed += 1
            else:
                failed += 1
                failures.append(name)
        if mod is not None and hasattr(mod, "teardown"):
            try:
                mod.teardown()
            except Exception:
                print("# teardown of %s failed:\n%s" % (mod.__name__, traceback.format_exc()))
    print("# %s took %.1fs" % (title, time.time() - t0))
    if failures:
        print("# failed (%s):" % args.label)
        for n in failures:
            print("#   " + n)
    print("%s: %d passed, %d failed" % (title, passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
