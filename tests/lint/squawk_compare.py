#!/usr/bin/env python3
"""Compare pgboot's lint with Squawk's, the oracle of issue 15 (docs/lint.md).

    squawk_compare.py --squawk BIN --pgboot BIN [--pgboot BIN...] --split-dump BIN
                      [--corpus NAME=PATH[,PATH...][:strict][:project][:partial]]...
                      [--disagreements FILE]
                      [--jobs N] [--tap] [--markdown] [--verbose]

Both linters read the same files: Squawk through its JSON reporter
(`squawk --reporter json --pg-version 15`, with --assume-in-transaction
unless the file says "-- pgboot:no-transaction", as pgboot would run it),
pgboot through `pgboot lint --offline --json FILES`. A file's down part
("-- pgboot:down" on) and psql's meta-commands are blanked for Squawk:
pgboot lints what runs, the up part. A file Squawk's parser rejects anywhere
is left out (Squawk then lints nothing in it). Every finding is placed on the statement that holds it (pgboot's own
lexer, split_dump, cuts the statements), so two findings agree when they
are on the same statement for the same pgboot rule id; Squawk's rule names
are translated by SQUAWK_TO_PGBOOT below (several Squawk rules may give one
pgboot id: one finding per statement and id is counted).

A *missed finding*, the one failure condition: in a corpus marked strict
(tests/lint/corpus/unsafe), a statement that
  - Squawk flags for a mapped rule, or
  - an "-- expect: RULE[, RULE]" comment line right before it names
    ("-- expect-file: RULE" anywhere: some statement of the file)
and that pgboot reports no finding of that id for (any grade counts),
unless tests/lint/disagreements.txt lists it:

    PATH:LINE RULE -- reason        (PATH relative to the repository, an
                                     fnmatch pattern; LINE the statement's
                                     first line, or *)

Every other difference (only Squawk, only pgboot, in any corpus) is
counted by class (the known differences of scope: SQUAWK_ONLY_CLASSES,
PGBOOT_ONLY_CLASSES, a table the file created, an info grade) and printed
with its file:line when it is in tests/ or of no class, with its reason
when the file lists it. An entry of the file about a compared file that
matches no difference is stale: a failure too, so the file keeps saying
only what is true. Also failures: a mapped Squawk rule that fires nowhere
in the strict corpora, a file of a corpus not marked partial that either
linter cannot read, a pgboot crash.

Output: per pgboot id, how many statements both flag, only Squawk, only
pgboot, per corpus; the differences; with --tap an "ok"/"not ok" line per
strict file (and per check) and "N passed, N failed" at the end; with
--markdown the table as docs/lint.md shows it. Exits 1 on a failure.
"""
import argparse
import bisect
import collections
import concurrent.futures
import fnmatch
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

# Squawk 2.66's rule names -> pgboot's rule ids, for the hazards both know.
# Several Squawk names may give one id. Squawk rules not here have no pgboot
# counterpart (style, robustness, timeouts: docs/lint.md lists them).
SQUAWK_TO_PGBOOT = {
    "require-concurrent-index-creation": "index-not-concurrent",
    "ban-concurrent-index-creation-in-transaction": "concurrent-in-transaction",
    "constraint-missing-not-valid": "constraint-not-valid",
    "adding-foreign-key-constraint": "constraint-not-valid",
    "adding-not-nullable-field": "set-not-null",
    "changing-column-type": "type-change-rewrite",
    "adding-field-with-default": "add-column-volatile-default",
    "adding-serial-primary-key-field": "constraint-inline-index",
    "disallowed-unique-constraint": "constraint-inline-index",
    "require-concurrent-index-deletion": "drop-index-not-concurrent",
    "require-concurrent-reindex": "reindex-not-concurrent",
    "ban-drop-table": "destructive-change",
    "ban-drop-column": "destructive-change",
    "ban-truncate-cascade": "destructive-change",
    "renaming-table": "rename",
    "renaming-column": "rename",
}

MAPPED = set(SQUAWK_TO_PGBOOT.values())

# pgboot's rule ids (issue 15), in the order the report lists them.
PGBOOT_RULES = [
    "index-not-concurrent", "concurrent-in-transaction", "constraint-not-valid", "set-not-null",
    "type-change-rewrite", "add-column-volatile-default", "constraint-inline-index",
    "drop-index-not-concurrent", "access-exclusive-multiple-tables", "vacuum-full", "cluster",
    "reindex-not-concurrent", "lock-table", "refresh-matview-not-concurrent", "set-logged-unlogged",
    "mass-update-delete", "destructive-change", "rename",
]

DOWN_RE = re.compile(rb"^[ \t]*--[ \t]*(pgboot|migrate):down\b", re.M)
NO_TX_RE = re.compile(r"^[ \t]*--[ \t]*(pgboot:no-transaction\b|migrate:up\b.*\btransaction:false\b|\+goose NO TRANSACTION\b)",
                      re.M)
EXPECT_RE = re.compile(r"^[ \t]*--[ \t]*expect:[ \t]*([a-z, -]+?)[ \t]*$")
EXPECT_FILE_RE = re.compile(r"^[ \t]*--[ \t]*expect-file:[ \t]*([a-z, -]+?)[ \t]*$", re.M)
# seconds: Squawk 2.66 panics ("the parser seems stuck") on 4 regression files, after ~9 s each; it
# reads any other file of the corpora in 0.2 s at most. A partial corpus gives up sooner.
NAME = r'((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))*)'
CREATE_TABLE_RE = re.compile(r"(?is)\s*create\s+(?:(?:global|local)\s+)?(?:temp|temporary|unlogged)?\s*table\s+"
                             r"(?:if\s+not\s+exists\s+)?" + NAME)
DROP_TABLE_RE = re.compile(r"(?is)\s*(?:drop\s+table\s+(?:if\s+exists\s+)?|truncate\s+(?:table\s+)?(?:only\s+)?)"
                           r"(.*?)\s*(?:cascade|restrict|restart\s+identity|continue\s+identity)?\s*;?\s*$")
ALTER_TABLE_RE = re.compile(r"(?is)\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?" + NAME)


# Differences of scope, known and explained (docs/lint.md): (pgboot id, statement pattern, class).
# They label the differences in the report; only tests/lint/disagreements.txt excuses a missed
# finding in a strict corpus.
SQUAWK_ONLY_CLASSES = [
    ("constraint-not-valid", r"(?is)^(?!.*\b(foreign\s+key|references|check)\b).*\b(primary\s+key|unique|exclude)\b",
     "Squawk's constraint-missing-not-valid on a PRIMARY KEY, UNIQUE or EXCLUDE, which cannot be NOT VALID"),
    ("add-column-volatile-default", r"(?is)^(?!.*\bdefault\s+(?!-\s*\d)[^,;]*\().*\bdefault\s+-\s*\d",
     "a negative constant default: Squawk reads -1 as an expression that may be volatile"),
]
PGBOOT_ONLY_CLASSES = [
    ("add-column-volatile-default", r"(?is)^\s*alter\s+table\b.*\badd\b.*\b(small|big)?serial\b",
     "a serial column added (a rewrite): Squawk's adding-field-with-default misses it (prefer-identity is style)"),
    ("constraint-not-valid", r"(?is)^\s*alter\s+table\b.*\badd\s+(column\s+)?(?!constraint\b)[\w\"]+\s+[^,;]*\bcheck\s*\(",
     "a CHECK on an added column (verified by a scan): Squawk looks at ADD CONSTRAINT only"),
    ("destructive-change", r"(?is)^\s*drop\s+schema\b", "DROP SCHEMA: Squawk 2.66 has no rule for it"),
    ("destructive-change", r"(?is)^\s*truncate\b(?!.*\bcascade\b)",
     "TRUNCATE without CASCADE: Squawk's ban-truncate-cascade looks at CASCADE only"),
    ("concurrent-in-transaction", r"(?is)^\s*(drop\s+index|reindex)\b.*\bconcurrently\b",
     "DROP INDEX or REINDEX CONCURRENTLY in a transaction: Squawk's rule covers CREATE INDEX only"),
]


def known_class(classes, pid, text):
    for rule, pat, label in classes:
        if rule == pid and re.search(pat, text):
            return label
    return "other"


def fold(name):
    """A name's last component, unquoted, lower-cased unless quoted."""
    last = re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', name.strip())[-1].strip().rstrip("*").strip()
    return last[1:-1] if last.startswith('"') else last.lower()


SQUAWK_TIMEOUT, SQUAWK_TIMEOUT_PARTIAL = 30, 2


class Stmts:
    """A file's statements (split_dump's spans) and the map from a place to the statement holding it."""

    def __init__(self, path, data, spans):
        self.path = path
        self.data = data
        self.spans = spans  # [(start, end, kind)]
        self.line_starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
        self.ends = [e for _, e, _ in spans]

    def offset(self, line, col):
        """Byte offset of 1-based line, 1-based column (characters)."""
        line = max(1, min(line, len(self.line_starts)))
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.data)
        text = self.data[start:end].decode("utf-8", "replace")
        return start + len(text[:max(col - 1, 0)].encode("utf-8"))

    def index_at(self, off):
        """The statement holding offset off; between statements, the next one (None past the last)."""
        i = bisect.bisect_right(self.ends, off)
        return i if i < len(self.spans) else None

    def line_of(self, i):
        return bisect.bisect_right(self.line_starts, self.spans[i][0])

    def text(self, i):
        start, end, _ = self.spans[i]
        return self.data[start:end].decode("utf-8", "replace")

    def created_before(self, i):
        """Tables (last name component, folded) that statements before i create (a heuristic: CREATE TABLE)."""
        out = set()
        for j in range(i):
            m = CREATE_TABLE_RE.match(self.text(j))
            if m:
                out.add(fold(m.group(1)))
        return out

    def targets(self, i):
        """The tables statement i drops, truncates or alters, as folded last name components."""
        t = self.text(i)
        m = DROP_TABLE_RE.match(t)
        if m:
            return {fold(n) for n in re.split(r"\s*,\s*", m.group(1).strip())}
        m = ALTER_TABLE_RE.match(t)
        return {fold(m.group(1))} if m else set()

    def expectations(self):
        """{stmt index: {rule}} from "-- expect:" lines right before each statement; and the file's expect-file rules."""
        out = {}
        prev_end = 0
        text = self.data.decode("utf-8", "replace")
        for i, (s, e, _) in enumerate(self.spans):
            gap = self.data[prev_end:s].decode("utf-8", "replace")
            for ln in gap.split("\n"):
                m = EXPECT_RE.match(ln)
                if m:
                    out.setdefault(i, set()).update(r.strip() for r in m.group(1).split(",") if r.strip())
            prev_end = e
        whole = set()
        for m in EXPECT_FILE_RE.finditer(text):
            whole.update(r.strip() for r in m.group(1).split(",") if r.strip())
        return out, whole


def split(split_dump, path):
    data = open(path, "rb").read()
    r = subprocess.run([split_dump, path], capture_output=True)
    if r.returncode != 0:
        return Stmts(path, data, []), r.stdout.decode(errors="replace").strip() or r.stderr.decode(errors="replace")
    spans = []
    buf = r.stdout
    pos = 0
    while pos < len(buf):
        kind = chr(buf[pos])
        hdr_end = buf.index(b":", buf.index(b":", pos) + 1)
        start, end = buf[pos + 2:hdr_end].split(b":")
        start, end = int(start), int(end)
        spans.append((start, end, kind))
        pos = hdr_end + 1 + (end - start) + 1
    return Stmts(path, data, spans), None


def up_part(data):
    """The file with its down part blanked (line numbers kept)."""
    m = DOWN_RE.search(data)
    if not m:
        return data, False
    return data[:m.start()] + re.sub(rb"[^\n]", b"", data[m.start():]), True


def squawk_input(st):
    """What Squawk reads of a file: its up part, psql's meta-commands blanked (line numbers kept);
    and whether it differs from the file."""
    body, cut = up_part(st.data)
    b = bytearray(body)
    for start, end, kind in st.spans:
        if kind == "M" and end <= len(b):
            b[start:end] = re.sub(rb"[^\n]", b" ", bytes(b[start:end]))
            cut = True
    return bytes(b), cut


def run_squawk(squawk, st, tmpdir, timeout):
    """[(rule, line1, col1)] of Squawk's findings in what it reads of st's file, or an error string."""
    path = st.path
    body, cut = squawk_input(st)
    target = path
    if cut:
        target = os.path.join(tmpdir, "%d_%s" % (abs(hash(path)), os.path.basename(path)))
        with open(target, "wb") as f:
            f.write(body)
    args = [squawk, "--reporter", "json", "--pg-version", "15"]
    if not NO_TX_RE.search(body.decode("utf-8", "replace")):
        args.append("--assume-in-transaction")
    try:
        r = subprocess.run(args + [target], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timed out after %d s" % timeout
    if r.returncode not in (0, 1):
        first = (r.stderr.decode(errors="replace").strip().splitlines() or ["?"])
        return "exit %d: %s" % (r.returncode, " ".join(first[:2]))
    try:
        doc = json.loads(r.stdout or b"[]")
    except ValueError as e:
        return "unreadable JSON: %s" % e
    syntax = [v for v in doc if v["rule_name"] == "syntax-error"]
    if syntax:
        # Squawk lints nothing in a file its parser rejects anywhere: no oracle for it
        return "syntax error at line %d (%s): Squawk lints nothing in such a file" % (
            syntax[0]["line"] + 1, syntax[0]["message"])
    # Squawk's JSON lines and columns count from 0
    return [(v["rule_name"], v["line"] + 1, v["column"] + 1) for v in doc]


def run_pgboot(pgboot, paths):
    """{path: [finding]} from one `pgboot lint --offline --json` of paths, or an error string."""
    r = subprocess.run([pgboot, "lint", "--offline", "--json"] + paths, capture_output=True, timeout=300)
    if r.returncode < 0 or r.returncode >= 128:
        return "CRASH: killed by signal %d" % (-r.returncode if r.returncode < 0 else r.returncode - 128)
    try:
        doc = json.loads(r.stdout)
        findings = doc["findings"]
    except (ValueError, KeyError, TypeError):
        err = r.stderr.decode(errors="replace").strip().splitlines()
        return "exit %d: %s" % (r.returncode, " | ".join(err[-3:]) or "no JSON document")
    out = {p: [] for p in paths}
    by_abs = {os.path.realpath(p): p for p in paths}
    for f in findings:
        p = by_abs.get(os.path.realpath(f.get("file") or ""), f.get("file"))
        out.setdefault(p, []).append(f)
    return out


def pgboot_findings(pgboot, paths, together):
    """Lint paths in one run (a project: later files see what earlier ones create) or one run per file;
    a project run that fails falls back to one per file. Returns ({path: [finding]}, {path: error})."""
    errors = {}
    if together and paths:
        res = run_pgboot(pgboot, paths)
        if isinstance(res, dict):
            return res, errors
    out = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=ARGS.jobs) as ex:
        for p, res in zip(paths, ex.map(lambda p: run_pgboot(pgboot, [p]), paths)):
            if isinstance(res, dict):
                out[p] = res.get(p, [])
            else:
                errors[p] = res
    return out, errors


def load_disagreements(path):
    entries = []
    if not path or not os.path.exists(path):
        return entries
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(\S+):(\d+|\*)\s+([a-z-]+)\s+--\s+(.+)$", line)
        if not m:
            sys.exit("squawk_compare: %s:%d: not \"PATH:LINE RULE -- reason\": %s" % (path, n, line))
        entries.append({"pat": m.group(1), "line": m.group(2), "rule": m.group(3), "reason": m.group(4),
                        "where": "%s:%d" % (path, n), "used": False})
    return entries


def excuse(entries, rel, line, rule):
    for e in entries:
        if e["rule"] == rule and fnmatch.fnmatch(rel, e["pat"]) and e["line"] in ("*", str(line)):
            e["used"] = True
            return e["reason"]
    return None


def corpus_files(spec):
    """NAME=PATH[,PATH...][:strict][:project][:partial]: files (a directory's *.sql, sorted, or globs).
    strict: missed findings fail; project: pgboot lints the files in one run, as one project's pending
    migrations; partial: a file either linter cannot read is reported, not a failure (a pgboot crash is)."""
    name, _, rest = spec.partition("=")
    flags = rest.split(":")
    files = []
    for part in flags[0].split(","):
        if os.path.isdir(part):
            files += sorted(glob.glob(os.path.join(part, "*.sql")))
        else:
            files += sorted(glob.glob(part))
    return name, files, "strict" in flags[1:], "project" in flags[1:], "partial" in flags[1:]


ARGS = None


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--squawk", required=True)
    ap.add_argument("--pgboot", action="append", required=True, help="a pgboot binary (repeat to compare several builds)")
    ap.add_argument("--split-dump", required=True)
    ap.add_argument("--corpus", action="append", default=[],
                    help="NAME=PATH[,PATH...][:strict][:project][:partial] (PATH a directory of *.sql or a glob)")
    ap.add_argument("--disagreements")
    ap.add_argument("--root", default=os.getcwd(), help="paths are reported relative to this (default: .)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ARGS = ap.parse_args()

    entries = load_disagreements(ARGS.disagreements)
    corpora = [corpus_files(c) for c in ARGS.corpus]
    allfiles = sorted({f for _, fs, _, _, _ in corpora for f in fs})
    timeout = {f: SQUAWK_TIMEOUT_PARTIAL for _, fs, _, _, partial in corpora if partial for f in fs}
    rel = {f: os.path.relpath(f, ARGS.root) for f in allfiles}

    stmts, split_err = {}, {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=ARGS.jobs) as ex:
        for f, (st, err) in zip(allfiles, ex.map(lambda f: split(ARGS.split_dump, f), allfiles)):
            stmts[f] = st
            if err:
                split_err[f] = err

    tmpdir = tempfile.mkdtemp(prefix="squawk-compare.")
    squawk_raw, squawk_err = {}, {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=ARGS.jobs) as ex:
        for f, res in zip(allfiles, ex.map(lambda f: run_squawk(ARGS.squawk, stmts[f], tmpdir, timeout.get(f, SQUAWK_TIMEOUT)), allfiles)):
            if isinstance(res, str):
                squawk_err[f] = res
            else:
                squawk_raw[f] = res
    for p in glob.glob(os.path.join(tmpdir, "*")):
        os.unlink(p)
    os.rmdir(tmpdir)

    # {file: {(stmt, pgboot id): [squawk rule]}}, and the unmapped Squawk rules' counts
    squawk_keys = collections.defaultdict(dict)
    unmapped = collections.Counter()
    for f, vs in squawk_raw.items():
        for rule, line, col in vs:
            pid = SQUAWK_TO_PGBOOT.get(rule)
            i = stmts[f].index_at(stmts[f].offset(line, col))
            if pid is None:
                unmapped[rule] += 1
                continue
            if i is not None:
                squawk_keys[f].setdefault((i, pid), []).append(rule)

    tap = []  # (ok, text)
    # the oracle is alive: every mapped Squawk rule fires somewhere in the strict corpora (a Squawk
    # that renamed or dropped a rule, or changed its JSON, would make the comparison vacuous)
    strict_files = [f for _, fs, strict, _, _ in corpora if strict for f in fs]
    if strict_files:
        fired = {r for f in strict_files for keys in squawk_keys.get(f, {}).values() for r in keys}
        silent = sorted(set(SQUAWK_TO_PGBOOT) - fired)
        tap.append((not silent, "squawk: each of the %d mapped rules fires in the strict corpus%s" %
                    (len(SQUAWK_TO_PGBOOT), " (silent: %s)" % ", ".join(silent) if silent else "")))
    failures = 0
    printed_markdown = False
    for pgboot in ARGS.pgboot:
        label = pgboot
        pg_keys = collections.defaultdict(dict)
        pg_err = {}
        grades = collections.Counter()
        for name, files, strict, project, partial in corpora:
            found, errs = pgboot_findings(pgboot, files, project)
            pg_err.update(errs)
            for f, fl in found.items():
                if f not in stmts:
                    continue
                for x in fl:
                    i = stmts[f].index_at(stmts[f].offset(int(x.get("line") or 1), int(x.get("column") or 1)))
                    if i is not None:
                        pg_keys[f].setdefault((i, x["rule"]), []).append(x)
                        grades[(x["rule"], x.get("grade"))] += 1

        print("# pgboot %s against %s" % (label, squawk_version()))
        table = collections.OrderedDict()  # (corpus, id) -> [both, squawk only, pgboot only]
        diffs = []  # (kind, rel, line, id, detail, reason)
        for name, files, strict, project, partial in corpora:
            for f in files:
                if f in squawk_err or f in pg_err:
                    continue
                s, p = squawk_keys.get(f, {}), pg_keys.get(f, {})
                exp, exp_file = stmts[f].expectations() if strict else ({}, set())
                for key in sorted(set(s) | set(p)):
                    i, pid = key
                    line = stmts[f].line_of(i)
                    row = table.setdefault((name, pid), [0, 0, 0])
                    if key in s and key in p:
                        row[0] += 1
                        continue
                    reason = excuse(entries, rel[f], line, pid)
                    if key in s:
                        row[1] += 1
                        tg = stmts[f].targets(i) if pid in ("destructive-change", "rename") else set()
                        if (i, "lint-parse") in p:
                            cls = "pgboot could not parse the statement"
                        elif tg and tg <= stmts[f].created_before(i):
                            cls = "drops or renames a table this file created (the running release never saw it)"
                        else:
                            cls = known_class(SQUAWK_ONLY_CLASSES, pid, stmts[f].text(i))
                        kind = "MISSED" if strict and reason is None else "squawk only"
                        diffs.append((kind, rel[f], line, pid, "squawk: " + ",".join(sorted(set(s[key]))), reason, cls))
                    else:
                        row[2] += 1
                        grades_here = {x.get("grade") or "?" for x in p[key]}
                        if pid not in MAPPED:
                            cls = "a pgboot rule Squawk does not have"
                        elif grades_here == {"info"}:
                            cls = "graded info: the table is created by these files (Squawk: same file only)"
                        else:
                            cls = known_class(PGBOOT_ONLY_CLASSES, pid, stmts[f].text(i))
                        diffs.append(("pgboot only", rel[f], line, pid, "pgboot grade " + ",".join(sorted(grades_here)),
                                      reason, cls))
                file_missed = [d for d in diffs if d[0] == "MISSED" and d[1] == rel[f]]
                for i, ids in sorted(exp.items()):
                    for pid in sorted(ids):
                        if (i, pid) not in p and (i, pid) not in s:
                            line = stmts[f].line_of(i)
                            reason = excuse(entries, rel[f], line, pid)
                            d = ("MISSED" if reason is None else "expected", rel[f], line, pid,
                                 "-- expect: " + pid, reason, "expect line")
                            diffs.append(d)
                            if reason is None:
                                file_missed.append(d)
                for pid in sorted(exp_file):
                    if not any(k[1] == pid for k in p):
                        reason = excuse(entries, rel[f], "*", pid)
                        d = ("MISSED" if reason is None else "expected", rel[f], "*", pid, "-- expect-file: " + pid,
                             reason, "expect line")
                        diffs.append(d)
                        if reason is None:
                            file_missed.append(d)
                if strict:
                    if file_missed:
                        tap.append((False, "%s [%s]: pgboot misses %s" % (rel[f], label, "; ".join(
                            "%s:%s %s (%s)" % (d[1], d[2], d[3], d[4]) for d in file_missed))))
                    else:
                        tap.append((True, "%s [%s]: every finding Squawk or an expect line asks for" % (rel[f], label)))
            ran = [f for f in files if f not in squawk_err and f not in pg_err]
            crashed = [f for f in files if pg_err.get(f, "").startswith("CRASH")]
            tap.append((not crashed and (partial or len(ran) == len(files)),
                        "corpus %s [%s]: %d of %d files compared (%d not read by Squawk, %d by pgboot)" %
                        (name, label, len(ran), len(files), sum(f in squawk_err for f in files),
                         sum(f in pg_err for f in files))))

        print_table(table, corpora)
        print("\n# differences by class (corpus: only Squawk / only pgboot)")
        classes = collections.OrderedDict()
        corpus_of = {rel[f]: name for name, files, _, _, _ in corpora for f in files}
        for d in diffs:
            if d[6] == "expect line":
                continue
            c = classes.setdefault(d[6] if not d[5] else "explained in disagreements.txt", collections.Counter())
            c[(corpus_of[d[1]], "squawk" if d[0] != "pgboot only" else "pgboot")] += 1
        for cls, c in classes.items():
            print("%-75s %s" % (cls, ", ".join("%s %d/%d" % (n, c[(n, "squawk")], c[(n, "pgboot")])
                                                for n in [x[0] for x in corpora] if c[(n, "squawk")] or c[(n, "pgboot")])))
        print("\n# differences (file:line of the statement): every one in tests/ and every unexplained one")
        shown = 0
        for kind, r, line, pid, detail, reason, cls in sorted(diffs, key=lambda d: (d[0] != "MISSED", d[1], str(d[2]))):
            if kind == "MISSED" or ARGS.verbose or r.startswith("tests/") or (cls == "other" and not reason):
                shown += 1
                print("%-12s %s:%s %s (%s)%s" % (kind, r, line, pid, detail, " -- " + reason if reason else ""))
        if len(diffs) > shown:
            print("(%d more, of the classes above: --verbose lists them)" % (len(diffs) - shown))
        print("\n# pgboot findings by grade: " +
              ", ".join("%s %s=%d" % (r, g, n) for (r, g), n in sorted(grades.items(), key=str)))
        for f, e in sorted(pg_err.items()):
            print("# pgboot could not lint %s: %s" % (rel[f], e))
        if ARGS.markdown and not printed_markdown:
            print_markdown(table, corpora, unmapped)
            printed_markdown = True

    print("\n# Squawk rules with no pgboot counterpart: " +
          ", ".join("%s=%d" % kv for kv in sorted(unmapped.items())))
    for f, e in sorted(squawk_err.items()):
        print("# squawk could not lint %s: %s" % (rel[f], e))
    for f, e in sorted(split_err.items()):
        print("# split_dump: %s: %s" % (rel[f], e))
    # stale: an entry about a file of these corpora that explains nothing (entries about other files
    # are not judged: a run over some corpora only)
    stale = [e for e in entries if not e["used"] and any(fnmatch.fnmatch(r, e["pat"]) for r in rel.values())]
    for e in stale:
        print("# stale entry %s: %s:%s %s matches no difference" % (e["where"], e["pat"], e["line"], e["rule"]))
    tap.append((not stale, "%s: every entry explains a current difference%s" %
                (os.path.relpath(ARGS.disagreements, ARGS.root) if ARGS.disagreements else "disagreements",
                 "" if not stale else " (%d stale)" % len(stale))))

    failures = sum(1 for ok, _ in tap if not ok)
    if ARGS.tap:
        for ok, text in tap:
            print(("ok - " if ok else "not ok - ") + text)
        print("%d passed, %d failed" % (len(tap) - failures, failures))
    return 1 if failures else 0


def squawk_version():
    r = subprocess.run([ARGS.squawk, "--version"], capture_output=True, text=True)
    return r.stdout.strip() or "squawk (unknown version)"


def print_table(table, corpora):
    names = [c[0] for c in corpora]
    print("%-34s %s" % ("rule", "  ".join("%-16s" % n for n in names)))
    print("%-34s %s" % ("", "  ".join("%-16s" % "both/sq/pg" for _ in names)))
    for pid in PGBOOT_RULES + sorted({k[1] for k in table} - set(PGBOOT_RULES)):
        cells = []
        for n in names:
            b, s, p = table.get((n, pid), [0, 0, 0])
            cells.append("%-16s" % ("%d/%d/%d" % (b, s, p)))
        print("%-34s %s" % (pid, "  ".join(cells)))


def print_markdown(table, corpora, unmapped):
    names = [c[0] for c in corpora]
    print("\n| pgboot rule | Squawk rules | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    rev = collections.defaultdict(list)
    for s, p in SQUAWK_TO_PGBOOT.items():
        rev[p].append("`%s`" % s)
    for pid in PGBOOT_RULES:
        cells = ["%d / %d / %d" % tuple(table.get((n, pid), [0, 0, 0])) for n in names]
        print("| `%s` | %s | %s |" % (pid, ", ".join(rev[pid]) or "(none)", " | ".join(cells)))


if __name__ == "__main__":
    sys.exit(main())
