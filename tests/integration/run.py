#!/usr/bin/env python3
"""Run pgboot's integration tests against a running test server.

    run.py --server-dir DIR [--bin PATH] [--label NAME] [-k PATTERN]... [--timeout S]
           [--list] [--keep]

Discovers tests/integration/test_*.py and runs every test_* function in file
order, serially, each with its own Fixture (fresh database, temp dir). Prints
"ok - file::name (0.3s)" or "not ok - file::name" with the captured details,
and ends with "integration(LABEL): N passed, N failed". Exit 1 on any failure.

A test may set attributes: fn.timeout = seconds (default --timeout).
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


class TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout("test timed out")


def discover(patterns):
    tests = []
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        modname = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
        except Exception:
            err = traceback.format_exc()

            def broken(t, err=err):
                raise harness.TestFailure("the test file does not load:\n" + err)
            tests.append(("%s::<load>" % os.path.basename(path), broken))
            continue
        fns = [(name, fn) for name, fn in vars(mod).items()
               if name.startswith("test_") and callable(fn) and getattr(fn, "__module__", None) == modname]
        fns.sort(key=lambda nf: (nf[1].__code__.co_firstlineno, nf[0]))
        for name, fn in fns:
            tests.append(("%s::%s" % (os.path.basename(path), name), fn))
    if patterns:
        tests = [(n, f) for n, f in tests if any(p.lower() in n.lower() for p in patterns)]
    return tests


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server-dir", default=os.environ.get("PGBOOT_TEST_SERVER_DIR"))
    ap.add_argument("--bin", default=os.path.join(harness.ROOT, "pgboot"))
    ap.add_argument("--label", default="dynamic")
    ap.add_argument("-k", action="append", default=[], help="run only tests whose file::name contains this")
    ap.add_argument("--timeout", type=float, default=90)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep databases and temp dirs of failed tests")
    args = ap.parse_args()

    tests = discover(args.k)
    if args.list:
        for n, _ in tests:
            print(n)
        return 0
    if not args.server_dir:
        ap.error("--server-dir (or PGBOOT_TEST_SERVER_DIR) is required")
    if not os.access(args.bin, os.X_OK):
        print("integration(%s): the binary %s does not exist" % (args.label, args.bin))
        print("integration(%s): 0 passed, 1 failed" % args.label)
        return 1
    server = harness.Server(args.server_dir)
    harness.BIN_LABEL = args.label
    signal.signal(signal.SIGALRM, _alarm)

    passed = failed = 0
    failures = []
    t0 = time.time()
    print("# integration(%s): %d tests, binary %s" % (args.label, len(tests), args.bin), flush=True)
    for name, fn in tests:
        fx = harness.Fixture(server, args.bin, name)
        start = time.time()
        ok, details = True, ""
        limit = getattr(fn, "timeout", args.timeout)
        try:
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                fn(fx)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except harness.TestFailure as e:
            ok, details = False, str(e)
        except TestTimeout:
            ok, details = False, "timed out after %ss\n%s" % (limit, traceback.format_exc())
        except AssertionError:
            ok, details = False, traceback.format_exc()
        except Exception:
            ok, details = False, traceback.format_exc()
        elapsed = time.time() - start
        try:
            fx.cleanup(ok, keep=args.keep)
        except Exception:
            pass
        if ok:
            passed += 1
            print("ok - %s (%.1fs)" % (name, elapsed), flush=True)
        else:
            failed += 1
            failures.append(name)
            print("not ok - %s (%.1fs)" % (name, elapsed))
            body = details.rstrip()
            if fx.transcript and not any(t in details for t in fx.transcript[-1:]):
                body += "\n--- transcript (every pgboot run of the test) ---\n" + "\n".join(fx.transcript[-8:])
            print("".join("#   " + line + "\n" for line in body.splitlines()), end="", flush=True)
    print("# integration(%s) took %.1fs" % (args.label, time.time() - t0))
    if failures:
        print("# failed (%s):" % args.label)
        for n in failures:
            print("#   " + n)
    print("integration(%s): %d passed, %d failed" % (args.label, passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
