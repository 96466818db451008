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

The runner itself is tests/integration/run.py; this file only says how these
suites differ from the integration suite.
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# the scenarios import faultlib (this directory) and harness (the integration one)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)


def _integration_runner():
    # By path: on sys.path, "run" would be this file.
    spec = importlib.util.spec_from_file_location("integration_run",
                                                  os.path.join(ROOT, "tests", "integration", "run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


runner = _integration_runner()

# Tests run in the order their module defines them (test_badinput.py generates
# its cases in a loop); a failure shows the last 4 pgboot runs, not 8 (a kill
# loop runs pgboot hundreds of times).
FAULTS = runner.Suite(title="{label}", label="faults", timeout=120, dirs=[HERE], by_line=False, tail=4)

if __name__ == "__main__":
    sys.exit(runner.main(FAULTS, __doc__))
