#!/usr/bin/env python3
"""Run pgboot's fault-injection (tests/faults) or bad-input (tests/badinput)
scenarios against a running test server, with the integration harness's Fixture.

    run.py --server-dir DIR [--bin PATH] [--dir DIR]... [--label NAME]
           [-k PATTERN]... [--timeout S] [--list] [--keep]

Discovers DIR/test_*.py (default: tests/faults) and runs every test_* function,
serially, each with its own Fixture (fresh database, temp dir) and its own time
limit (fn.timeout, default --timeout). A module may define teardown() (run after
its last test). Prints "ok - file::name (1.2s)" / "not ok - ..." and ends with
"LABEL: N passed, N failed" (LABEL defaults to "faults"). Exit 1 on any failure.

Sizes come from the environment (see faultlib.py and scripts/faults.sh).
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
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)

import harness  # noqa: E402


class TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout("test timed out")


def discover(dirs, patterns):
    mods = []
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "test_*.py"))):
            modname = os.path.splitext(os.path.basename(path))[0]
            spec = importlib.util.spec_from_file_location(modname, path)
            mod = importlib.util.module_from_spec(spec)
            tests = []
            try:
                spec.loader.exec_module(mod)
            except Exception:
                err = traceback.format_exc()

                def broken(t, err=err):
                    raise harness.TestFailure("the test file does not load:\n" + err)
                mods.append((None, [("%s::<load>" % os.path.basename(path), broken)]))
                continue
            # definition order (dynamically generated tests keep their insertion order)
            for name, fn in vars(mod).items():
                if name.startswith("test_") and callable(fn) and getattr(fn, "__module__", None) == modname:
                    tests.append(("%s::%s" % (os.path.basename(path), name), fn))
            if patterns:
                tests = [(n, f) for n, f in tests if any(p.lower() in n.lower() for p in patterns)]
            if tests:
                mods.append((mod, tests))
    return mods


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server-dir", default=os.environ.get("PGBOOT_TEST_SERVER_DIR"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "pgboot"))
    ap.add_argument("--dir", action="append", default=[])
    ap.add_argument("--label", default="faults")
    ap.add_argument("-k", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    dirs = [os.path.abspath(d) for d in (args.dir or [HERE])]

    mods = discover(dirs, args.k)
    if args.list:
        for _, tests in mods:
            for n, _ in tests:
                print(n)
        return 0
    if not args.server_dir:
        ap.error("--server-dir (or PGBOOT_TEST_SERVER_DIR) is required")
    if not os.access(args.bin, os.X_OK):
        print("%s: the binary %s does not exist" % (args.label, args.bin))
        print("%s: 0 passed, 1 failed" % args.label)
        return 1
    server = harness.Server(args.server_dir)
    harness.BIN_LABEL = args.label
    signal.signal(signal.SIGALRM, _alarm)

    passed = failed = 0
    failures = []
    t0 = time.time()
    ntests = sum(len(t) for _, t in mods)
    print("# %s: %d tests, binary %s" % (args.label, ntests, args.bin), flush=True)
    for mod, tests in mods:
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
            except Exception:
                ok, details = False, traceback.format_exc()
            elapsed = time.time() - start
            try:
                fx.cleanup(ok, keep=args.keep)
            except Exception:
                pass
            notes = [n for n in fx.transcript if n.startswith("# ")]
            for n in notes:
                print(n, flush=True)
            if ok:
                passed += 1
                print("ok - %s (%.1fs)" % (name, elapsed), flush=True)
            else:
                failed += 1
                failures.append(name)
                print("not ok - %s (%.1fs)" % (name, elapsed))
                body = details.rstrip()
                runs = [x for x in fx.transcript if not x.startswith("# ")]
                if runs and not any(x in details for x in runs[-1:]):
                    body += "\n--- transcript (last pgboot runs of the test) ---\n" + "\n".join(runs[-4:])
                if len(body) > 12000:
                    body = body[:6000] + "\n[... %d characters cut ...]\n" % (len(body) - 12000) + body[-6000:]
                print("".join("#   " + line + "\n" for line in body.splitlines()), end="", flush=True)
        if mod is not None and hasattr(mod, "teardown"):
            try:
                mod.teardown()
            except Exception:
                print("# teardown of %s failed:\n%s" % (mod.__name__, traceback.format_exc()))
    print("# %s took %.1fs" % (args.label, time.time() - t0))
    if failures:
        print("# failed (%s):" % args.label)
        for n in failures:
            print("#   " + n)
    print("%s: %d passed, %d failed" % (args.label, passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
