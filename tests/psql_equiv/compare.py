#!/usr/bin/env python3
"""Compare the lexer's statements with the queries psql sends, file by file.

    compare.py --dump BUILD/split_dump --host SOCKDIR --port PORT
               [--exceptions FILE] [--jobs N] [--verbose] FILE.sql...

For each file, psql (-X -f FILE -L LOG, against fakepg.py) logs every query
it sends; split_dump prints the lexer's statements and meta-commands. The
two sequences must line up (see match()). Prints "ok"/"not ok" per file and
ends with "N passed, N failed"; a file listed in the exceptions file is
reported as "ok ... # SKIP reason" and counted in neither.

What "line up" means, and why:
- Texts are compared after collapsing whitespace runs and dropping the
  comments psql keeps before a statement's first token (the lexer's span
  starts at that token, psql's buffer at the first non-whitespace, and psql
  also drops blank lines inside a statement).
- psql replaces "\\;" and "\\:" by ";" and ":" and interpolates :name,
  :'name', :"name" when the variable is set; a variable reference in the
  lexer's text matches any text.
- A statement the lexer ends at a meta-command is sent by psql only if the
  command is one of \\g \\gx \\gset \\gexec \\gdesc \\crosstabview \\watch
  (which, with an empty buffer, send the previous query again); after any
  other command psql keeps the text in its buffer and the statement goes on.
- \\copy sends one COPY statement of psql's making; it is allowed once.
- After COPY ... FROM STDIN (and \\copy ... from stdin) psql reads the lines
  up to "\\." as data and never lexes them (fakepg.py answers with
  CopyInResponse, as a server does), once per COPY of the query string; the
  lexer sets the same lines apart (sql_stmt.data_start), so it has no items
  there (any it had would be skipped). COPY is recognised by
  fakepg.statements, which skips comments and literals.
- Inside \\if ... \\endif a statement may be missing (its branch was not
  taken); \\q ends the file for psql when it is not inside an \\if.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

import fakepg

SEND_CMDS = {"g", "gx", "gset", "gexec", "gdesc", "crosstabview", "watch"}
QUERY_RE = re.compile(rb"\*{9} QUERY \*{10}\n(.*?)\n\*{26}\n\n", re.S)
VARCH = rb"A-Za-z0-9_\x80-\xff"
VAR_RE = re.compile(rb"(?<!:):(?:'[" + VARCH + rb"]+'|\"[" + VARCH + rb"]+\"|\{\?[" + VARCH + rb"]+\}|[" + VARCH +
                    rb"]+)(?!:)")
WS_RE = re.compile(rb"[ \t\r\n\f]+")


def strip_leading_comments(b):
    """Drop leading whitespace, -- and (nested) /* */ comments."""
    i, n = 0, len(b)
    while True:
        while i < n and b[i:i + 1] in (b" ", b"\t", b"\r", b"\n", b"\f"):
            i += 1
        if b.startswith(b"--", i):
            while i < n and b[i:i + 1] not in (b"\n", b"\r"):
                i += 1
        elif b.startswith(b"/*", i):
            depth, i = 0, i + 2
            while i < n:
                if b.startswith(b"/*", i):
                    depth, i = depth + 1, i + 2
                elif b.startswith(b"*/", i):
                    i += 2
                    if depth == 0:
                        break
                    depth -= 1
                else:
                    i += 1
        else:
            return b[i:]


def norm(b):
    return WS_RE.sub(b" ", strip_leading_comments(b)).strip(b" ")


def pattern(ours):
    """A regex for psql's text of our statement: psql escapes undone, variables wild."""
    text = norm(ours.replace(b"\\;", b";").replace(b"\\:", b":"))
    parts = VAR_RE.split(text)
    return re.compile(b".*?".join(re.escape(p) for p in parts), re.S)


def meta_name(text):
    m = re.match(rb"\\([A-Za-z!?]*)", text)
    return m.group(1).decode("ascii", "replace") if m else ""


def copy_blocks(text):
    """How many COPY ... FROM STDIN a statement sent to psql's server holds (several when joined
    by "\\;"), found as fakepg.py finds them: by keywords, not inside literals or comments."""
    return sum(1 for st in fakepg.statements(text.replace(b"\\;", b";"), "on") if fakepg.COPY_IN.match(st))


def copy_data_end(src, end):
    """After COPY ... FROM at src[:end], psql reads the next lines up to a "\\." line."""
    nl = src.find(b"\n", end)
    if nl < 0:
        return len(src)
    m = re.compile(rb"^\\\.\r?$", re.M).search(src, nl + 1)
    return m.end() if m else len(src)


def parse_dump(out):
    items = []
    for rec in out.split(b"\0")[:-1]:
        start, end, text = rec[2:].split(b":", 2)
        items.append((rec[0:1].decode(), rec[1:2] == b"1", int(start), int(end), text))
    return items


def match(items, sent, src):
    """Walk the lexer's items against psql's sent queries; return None or a reason."""
    # a buffer of nothing but comments is an empty query: the server does nothing
    sent = [q for q in sent if norm(q) != b""]
    qi = 0
    cond = 0
    last = None
    pending = None  # text the lexer ended at a meta-command, still in psql's buffer
    resume = None   # where psql's buffer goes on after a meta-command that kept it

    def expect(text, where):
        nonlocal qi, last
        if qi < len(sent) and pattern(text).fullmatch(norm(sent[qi])):
            last = sent[qi]
            qi += 1
            return None
        if cond > 0:
            return None  # in a \if branch psql did not take
        got = sent[qi] if qi < len(sent) else b"(nothing more)"
        return "statement %d: lexer %r, psql %r" % (where, text[:300], got[:300])

    skip_until = -1
    for k, (kind, terminated, start, end, text) in enumerate(items):
        if start < skip_until:
            continue  # COPY data: psql reads these lines as data, never lexes them
        if kind == "S":
            if pending is not None:
                # psql's buffer holds the lines after the meta-command, comments included
                text = pending + (b"\n" + src[resume:end] if resume is not None else text)
                pending = resume = None
            if not terminated and k + 1 < len(items):
                pending = text
                continue
            r = expect(text, k)
            if r:
                return r
            blocks = copy_blocks(text)
            if blocks:
                skip_until = end
                for _ in range(blocks):
                    skip_until = copy_data_end(src, skip_until)
            continue
        name = meta_name(text)
        if pending is not None:
            if resume is not None:
                pending += b"\n" + src[resume:start]
            resume = end
        if name in SEND_CMDS:
            if pending is not None:
                r = expect(pending, k)
                pending = resume = None
            elif last is not None:
                r = expect(last, k)
            else:
                r = None
            if r:
                return r
        elif name in ("r", "reset"):
            pending = resume = None  # psql empties its buffer
        elif name == "copy":
            if qi < len(sent) and norm(sent[qi])[:4].lower() == b"copy":
                qi += 1
            if re.search(rb"\bfrom\s+stdin\b", text, re.I):
                skip_until = copy_data_end(src, end)
        elif name == "if":
            cond += 1
        elif name == "endif":
            cond = max(cond - 1, 0)
        elif name in ("q", "quit") and cond == 0:
            break
        elif name in ("i", "ir", "include", "include_relative"):
            return "\\%s includes another file" % name
    if pending is not None:
        r = expect(pending, len(items))
        if r:
            return r
    if qi < len(sent):
        return "psql sent more: %r" % sent[qi][:300]
    return None


def run_one(path, args):
    name = os.path.basename(path)
    dump = subprocess.run([args.dump, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if dump.returncode != 0:
        return name, "lexer error: %s" % dump.stdout.decode("utf-8", "replace").strip()
    items = parse_dump(dump.stdout)
    with tempfile.TemporaryDirectory(prefix="psql_equiv.") as tmp:
        log = os.path.join(tmp, "psql.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(PGHOST=args.host, PGPORT=str(args.port), PGUSER="postgres", PGDATABASE="regression",
                   PGAPPNAME="psql_equiv", PGCONNECT_TIMEOUT="10", PAGER="cat", PSQL_PAGER="cat")
        for var in ("abs_srcdir", "abs_builddir", "libdir", "dlsuffix", "PG_ABS_SRCDIR", "PG_ABS_BUILDDIR",
                    "PG_LIBDIR", "PG_DLSUFFIX"):
            env[var] = "/nonexistent"
        try:
            subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=0", "-L", log, "-o", os.devnull, "-f",
                            os.path.abspath(path)], cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return name, "psql timed out"
        with open(log, "rb") as f:
            sent = QUERY_RE.findall(f.read())
    with open(path, "rb") as f:
        src = f.read()
    return name, match(items, sent, src)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--exceptions")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    exceptions = {}
    if args.exceptions:
        with open(args.exceptions) as f:
            for line in f:
                line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
                if line:
                    fname, _, reason = line.partition(" ")
                    exceptions[fname] = reason.strip()

    todo = [p for p in args.files if os.path.basename(p) not in exceptions]
    skipped = [p for p in args.files if os.path.basename(p) in exceptions]
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        results = list(ex.map(lambda p: run_one(p, args), todo))
    for name, reason in sorted(results):
        if reason is None:
            print("ok - psql_equiv: %s" % name)
            passed += 1
        else:
            print("not ok - psql_equiv: %s: %s" % (name, reason))
            failed += 1
    for p in sorted(skipped):
        print("ok - psql_equiv: %s # SKIP %s" % (os.path.basename(p), exceptions[os.path.basename(p)]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
