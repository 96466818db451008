#!/usr/bin/env python3
"""Lint pgboot's Dockerfile as far as a machine without Docker (or hadolint) can.

    tests/deploy/check_dockerfile.py [PGBOOT_BINARY]

Parses the Dockerfile (continuations, comments, ARG defaults, stages) and checks
the contract of issue 4: a build stage on debian:bookworm-slim that runs
scripts/build-static.sh (after copying in every script it runs or sources), a
final stage FROM scratch holding /pgboot only, exec-form
entrypoints, both images as the same non-root numeric uid:gid (the demo's group
named), COPY sources that exist and are not excluded by .dockerignore (matched
the way Docker matches it, from the context root; no secrets/ folder or .env
in the context), and
every pgboot command line naming real commands and options (asked of the binary
when one is given as argv[1] or PGBOOT_BIN). Prints one "ok"/"not ok" line per
check and "N passed, N failed"; exits 1 on any failure.
"""

import json
import os
import posixpath
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgboot_cli  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "MAINTAINER",
}


class Stage:
    def __init__(self, index, image, name, line):
        self.index, self.image, self.name, self.line = index, image, name, line
        self.instructions = []  # (keyword, args, line)

    def all(self, keyword):
        return [(a, n) for k, a, n in self.instructions if k == keyword]

    def label(self):
        return self.name or "#%d" % self.index


def parse(text):
    """Instructions as (KEYWORD, args, line), the global ARGs, and any syntax errors."""
    out, errors = [], []
    buf, start = "", 0
    escape = "\\"
    for n, raw in enumerate(text.split("\n"), 1):
        m = re.match(r"#\s*escape\s*=\s*(\S)", raw)
        if m and not out and not buf:
            escape = m.group(1)
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not buf:
            start = n
        if stripped.endswith(escape):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        keyword, _, args = buf.partition(" ")
        if keyword.upper() not in INSTRUCTIONS:
            errors.append("line %d: unknown instruction \"%s\"" % (start, keyword))
        elif keyword != keyword.upper():
            errors.append("line %d: write instructions in upper case (%s)" % (start, keyword))
        out.append((keyword.upper(), args.strip(), start))
        buf = ""
    if buf:
        errors.append("line %d: the file ends inside a continued instruction" % start)
    return out, errors


def stages_of(instructions):
    args, stages = {}, []
    for keyword, a, line in instructions:
        if keyword == "ARG" and not stages:
            name, _, default = a.partition("=")
            args[name.strip()] = default.strip().strip('"')
        elif keyword == "FROM":
            words = [w for w in a.split() if not w.startswith("--")]
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(len(stages), image, name, line))
        elif stages:
            stages[-1].instructions.append((keyword, a, line))
    return stages


def exec_form(args):
    try:
        v = json.loads(args)
    except ValueError:
        return None
    return v if isinstance(v, list) and all(isinstance(x, str) for x in v) else None


def copy_parts(args):
    """COPY/ADD args as (options dict, sources, destination)."""
    words = exec_form(args) if args.startswith("[") else shlex.split(args)
    opts = {}
    while words and words[0].startswith("--"):
        k, _, v = words.pop(0)[2:].partition("=")
        opts[k] = v
    return opts, words[:-1], words[-1] if words else ""


def dockerignore(path):
    """.dockerignore's patterns the way Docker reads them (moby/patternmatcher's
    ReadAll): comments and blank lines dropped, each pattern cleaned like Go's
    filepath.Clean, a leading "/" removed, "!" kept in front."""
    pats = []
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            neg = line.startswith("!")
            line = line[1:].strip() if neg else line
            if not line:
                continue
            line = posixpath.normpath(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
            pats.append(("!" if neg else "") + line)
    return pats


def dockerignore_lines(lines):
    """dockerignore() for patterns given as a list rather than a file."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".dockerignore", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    try:
        return dockerignore(f.name)
    finally:
        os.unlink(f.name)


def pattern_regex(p):
    """A cleaned .dockerignore pattern as Docker compiles it: anchored at the
    context root, "**" any number of path segments (none too), "*" and "?"
    never across a "/", "[...]" a class, "\\" escapes the next character; the
    other characters Go's regexp would read as operators are escaped."""
    out, i = "^", 0
    while i < len(p):
        c = p[i]
        i += 1
        if c == "*":
            if i < len(p) and p[i] == "*":
                i += 1
                if i < len(p) and p[i] == "/":
                    i += 1
                out += ".*" if i == len(p) else "(.*/)?"
            else:
                out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "\\":
            if i < len(p):
                out += re.escape(p[i])
                i += 1
            else:
                out += "\\\\"
        elif c in ".+()|{}$":
            out += "\\" + c
        else:
            out += c  # as Go's regexp reads it: "[a-z]" stays a class
    return re.compile(out + "$")


def ignored(rel, patterns):
    """Whether .dockerignore excludes the context path rel: a pattern matches the
    path or one of its parent directories, the last matching pattern wins
    (moby/patternmatcher's MatchesOrParentMatches)."""
    rel = posixpath.normpath(rel.strip("/"))
    parts = rel.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    result = False
    for p in patterns:
        neg = p.startswith("!")
        rx = pattern_regex(p[1:] if neg else p)
        if any(rx.match(c) for c in candidates):
            result = not neg
    return result


# How Docker treats a few patterns (moby/patternmatcher's tests and the
# .dockerignore reference), so the matcher above cannot drift from it unseen.
DOCKER_CASES = [
    ("secrets/", "secrets/x", True),
    ("secrets/", "deploy/compose/secrets/x", False),
    ("**/secrets/", "deploy/compose/secrets/x", True),
    ("**/secrets/", "secrets/x", True),
    ("**/secrets/", "deploy/secretsx/y", False),
    ("*.log", "a.log", True),
    ("*.log", "build/a.log", False),
    ("**/*.o", "src/x/a.o", True),
    ("build/", "build/static-deps/x", True),
    ("/pgboot", "pgboot", True),
    ("/pgboot", "src/pgboot", False),
    ("a/*/c", "a/b/c/d", True),
    ("a/*/c", "a/b/x/c", False),
    ("a/**", "a/b/c", True),
    ("tests/fuzz/crash-*", "tests/fuzz/crash-1", True),
    ("file?.txt", "file1.txt", True),
    ("file?.txt", "file/.txt", False),
]


def context_files():
    """The files of the repository that a build of the working tree would send,
    before .dockerignore (tracked and untracked, .git itself aside)."""
    out = []
    for d, dirs, files in os.walk(ROOT):
        dirs[:] = [x for x in dirs if x != ".git" and not (d == ROOT and x == "build")]
        out += [os.path.relpath(os.path.join(d, f), ROOT) for f in files]
    return out


def build_script_needs():
    """The repository scripts that scripts/build-static.sh runs or sources
    (written "$root/scripts/..."), as paths relative to the repository."""
    with open(os.path.join(ROOT, "scripts", "build-static.sh"), encoding="utf-8") as f:
        return sorted(set(re.findall(r'"\$root/(scripts/[\w./-]+)"', f.read())))


def lands_at(stage, path, workdir, before_line):
    """Whether a COPY of stage before before_line puts the context file path at
    workdir/path (copied alone, or inside a copied directory)."""
    want = os.path.normpath(os.path.join(workdir, path))
    for a, n in stage.all("COPY") + stage.all("ADD"):
        opts, srcs, dest = copy_parts(a)
        if n >= before_line or "from" in opts:
            continue
        base = os.path.join(workdir, dest)
        for src in srcs:
            src = src.rstrip("/")
            if os.path.isdir(os.path.join(ROOT, src)):
                if path.startswith(src + "/") and \
                        os.path.normpath(os.path.join(base, path[len(src) + 1:])) == want:
                    return True
            elif src == path:
                to = os.path.join(base, os.path.basename(src)) if dest.endswith("/") or len(srcs) > 1 else base
                if os.path.normpath(to) == want:
                    return True
    return False


def needed_stages(stages, target):
    """The stages BuildKit builds for target: itself and what it copies from."""
    by_name = {s.name: s for s in stages if s.name}
    need, todo = set(), [target]
    while todo:
        s = todo.pop()
        if s.index in need:
            continue
        need.add(s.index)
        base = by_name.get(s.image)
        if base:
            todo.append(base)
        for a, _ in s.all("COPY"):
            src = copy_parts(a)[0].get("from")
            if src in by_name:
                todo.append(by_name[src])
            elif src and src.isdigit():
                todo.append(stages[int(src)])
    return need


def main(argv):
    binary = pgboot_cli.binary_from(argv)
    help_ = pgboot_cli.Help(binary) if binary else None
    r = pgboot_cli.Report()
    path = os.path.join(ROOT, "Dockerfile")
    if not r.check(os.path.exists(path), "Dockerfile exists"):
        return r.finish()
    text = open(path, encoding="utf-8").read()
    instructions, errors = parse(text)
    r.check(not errors, "Dockerfile parses", "; ".join(errors))
    stages = stages_of(instructions)
    if not r.check(len(stages) >= 2, "Dockerfile is a multi-stage build (%d stages)" % len(stages)):
        return r.finish()
    by_name = {s.name: s for s in stages if s.name}
    names = [s.name for s in stages if s.name]
    r.check(len(names) == len(set(names)), "stage names are unique", ", ".join(names))

    # The build stage.
    build = by_name.get("build")
    if r.check(build is not None, "a stage named \"build\" exists"):
        r.check(build.image == "debian:bookworm-slim", "build stage is FROM debian:bookworm-slim",
                build.image)
        runs = " ".join(a for a, _ in build.all("RUN"))
        r.check(re.search(r"(^|[\s;&|])(\./)?scripts/build-static\.sh(\s|$)", runs) is not None
                and re.search(r"scripts/build-static\.sh(\s*&&|\s*$)", runs) is not None,
                "build stage runs scripts/build-static.sh (the same script as make static)")
        # Multi-arch (issue 11): native on the builder, cross-compiling for the target,
        # every architecture's binary where the stages below copy it from.
        from_args = next(a for k, a, n in instructions if k == "FROM" and n == build.line)
        r.check(re.search(r"--platform=(\$BUILDPLATFORM|\$\{BUILDPLATFORM(:-linux/amd64)?\})(\s|$)", from_args) is not None,
                "build stage runs on the builder's platform (FROM --platform=$BUILDPLATFORM)", from_args)
        env = " ".join(a for a, _ in build.all("ENV"))
        r.check(any(a.partition("=")[0].strip() == "TARGETARCH" for a, _ in build.all("ARG"))
                and re.search(r"(^|\s)PGBOOT_ARCH=\$\{?TARGETARCH\}?(\s|$)", env) is not None,
                "build stage compiles for TARGETARCH (ARG TARGETARCH, ENV PGBOOT_ARCH=${TARGETARCH})", env)
        r.check(re.search(r"(^|\s)PGBOOT_STATIC_OUT=/src/build/static(\s|$)", env) is not None,
                "build stage writes every architecture's binary to /src/build/static (PGBOOT_STATIC_OUT)", env)
        copied = " ".join(a for a, _ in build.all("COPY") + build.all("ADD"))
        for f in ("src/", "include/"):
            r.check(f in copied, "build stage copies %s" % f)
        workdir = (build.all("WORKDIR") or [("/", 0)])[-1][0]
        first_run = min([n for a, n in build.all("RUN") if "build-static.sh" in a] or [0])
        for f in ["scripts/build-static.sh"] + build_script_needs():
            r.check(lands_at(build, f, workdir, first_run),
                    "build stage copies %s to %s before it runs scripts/build-static.sh"
                    % (f, os.path.join(workdir, f)))
        built = os.path.join(workdir, "build/static/pgboot")
    else:
        built = None

    # The final, default stage.
    final = stages[-1]
    r.check(final.image == "scratch", "the last (default) stage is FROM scratch", final.image)
    r.check(final.name == "pgboot", "the last stage is named pgboot (for COPY --from=pgboot)",
            str(final.name))
    kinds = sorted({k for k, _, _ in final.instructions})
    r.check(not {"RUN", "ADD", "SHELL", "WORKDIR", "VOLUME"} & set(kinds),
            "the scratch stage only copies and configures", ", ".join(kinds))
    scratch_user = (final.all("USER") or [("", 0)])[-1][0]
    r.check(re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", scratch_user) is not None,
            "the scratch stage runs as a non-root numeric USER uid:gid (it has no /etc/passwd)",
            scratch_user or "no USER: root")
    copies = final.all("COPY")
    ok = len(copies) == 1
    if ok:
        opts, srcs, dest = copy_parts(copies[0][0])
        ok = opts.get("from") == "build" and srcs == [built] and dest == "/pgboot"
    r.check(ok, "the scratch stage holds /pgboot only, copied from %s in the build stage" % built,
            "; ".join(a for a, _ in copies))
    ep = final.all("ENTRYPOINT")
    r.check(len(ep) == 1 and exec_form(ep[0][0]) == ["/pgboot"],
            "the scratch stage's ENTRYPOINT is [\"/pgboot\"]", ep and ep[0][0])

    # Every stage.
    ignore = dockerignore(os.path.join(ROOT, ".dockerignore"))
    r.check(ignored("build/static-deps", ignore) and ignored(".git", ignore),
            ".dockerignore keeps build/ and .git out of the context")
    wrong = ["%s on %s: Docker says %s" % (p, f, want) for p, f, want in DOCKER_CASES
             if ignored(f, dockerignore_lines([p])) != want]
    r.check(not wrong, "the .dockerignore matcher agrees with Docker's on %d cases"
            % len(DOCKER_CASES), "; ".join(wrong))
    leaked = sorted(f for f in context_files()
                    if ("secrets" in f.split("/")[:-1] or posixpath.basename(f) == ".env")
                    and not ignored(f, ignore))
    r.check(not leaked, ".dockerignore keeps every secrets/ folder and .env out of the context",
            "in the context: " + ", ".join(leaked[:5]))
    default_needs = needed_stages(stages, final)
    for s in stages:
        r.check(not s.image.endswith(":latest") and (":" in s.image or s.image == "scratch"
                                                     or s.image in by_name),
                "stage %s: base image %s is pinned to a tag" % (s.label(), s.image))
        for keyword in ("ENTRYPOINT", "CMD"):
            for a, n in s.all(keyword):
                r.check(exec_form(a) is not None,
                        "stage %s line %d: %s in exec form (pgboot as PID 1 gets the signals)"
                        % (s.label(), n, keyword), a)
        for keyword in ("COPY", "ADD"):
            for a, n in s.all(keyword):
                opts, srcs, dest = copy_parts(a)
                src_stage = opts.get("from")
                if src_stage:
                    r.check(src_stage in by_name and by_name[src_stage].index < s.index,
                            "stage %s line %d: COPY --from=%s names an earlier stage"
                            % (s.label(), n, src_stage))
                    continue
                for src in srcs:
                    what = "stage %s line %d: %s source %s" % (s.label(), n, keyword, src)
                    exists = os.path.exists(os.path.join(ROOT, src))
                    if not exists and s.index not in default_needs:
                        r.skip(what + " exists", "not in the repository yet; only --target %s needs it"
                               % s.label())
                        continue
                    r.check(exists, what + " exists")
                    r.check(not ignored(src, ignore), what + " is not excluded by .dockerignore")
        for a, n in s.all("RUN"):
            if "apt-get install" in a:
                r.check("apt-get update" in a and "--no-install-recommends" in a
                        and "rm -rf /var/lib/apt/lists" in a,
                        "stage %s line %d: apt-get update, install --no-install-recommends and "
                        "list clean-up in one RUN" % (s.label(), n))
        # pgboot command lines: ENTRYPOINT + CMD, and RUN lines that call it.
        ep = exec_form((s.all("ENTRYPOINT") or [("[]", 0)])[-1][0]) or []
        cmd = exec_form((s.all("CMD") or [("[]", 0)])[-1][0]) or []
        lines = []
        if ep and pgboot_cli.is_pgboot(ep[0]):
            lines.append(("ENTRYPOINT+CMD", ep + cmd))
        for a, n in s.all("RUN"):
            for part in re.split(r"&&|\|\||;", a):
                words = shlex.split(part)
                if words and pgboot_cli.is_pgboot(words[0]):
                    lines.append(("RUN line %d" % n, words))
        for where, words in lines:
            problems = pgboot_cli.check_argv(words, help_)
            r.check(not problems, "stage %s %s: `%s` is a valid pgboot command line"
                    % (s.label(), where, " ".join(words)), "; ".join(problems))
        if s is not final and s.image != "scratch" and s is not build:
            users = s.all("USER")
            r.check(users and not users[-1][0].split(":")[0] in ("0", "root"),
                    "stage %s runs as a non-root user" % s.label())

    demo = by_name.get("demo")
    if demo is not None:
        user = (demo.all("USER") or [("", 0)])[-1][0]
        r.check(user == scratch_user, "the demo stage runs as the scratch stage's uid:gid",
                "%s vs %s" % (user, scratch_user))
        uid, _, gid = user.partition(":")
        runs = " ".join(a for a, _ in demo.all("RUN"))
        group = re.search(r"groupadd\b[^&;|]*--gid[= ]%s\s+(\w+)" % re.escape(gid or "-"), runs)
        r.check(group is not None, "the demo stage names the group of gid %s (groupadd --gid)" % gid)
        r.check(re.search(r"useradd\b[^&;|]*--uid[= ]%s\b" % re.escape(uid or "-"), runs) is not None
                and re.search(r"useradd\b[^&;|]*--gid[= ](%s|%s)\b" % (
                    re.escape(gid or "-"), group.group(1) if group else "-"), runs) is not None,
                "the demo stage's user has uid %s and primary group %s (useradd --uid --gid)"
                % (uid, gid))
        ep = exec_form((demo.all("ENTRYPOINT") or [("[]", 0)])[-1][0]) or []
        r.check(ep == ["pgboot", "run", "--"], "the demo stage's ENTRYPOINT is "
                "[\"pgboot\", \"run\", \"--\"]", str(ep))

    # The documented pattern for users' own images.
    r.check("COPY --from=pgboot /pgboot /usr/local/bin/pgboot" in text,
            "the comments show COPY --from=pgboot /pgboot /usr/local/bin/pgboot")
    r.check('ENTRYPOINT ["pgboot", "run", "--"]' in text,
            "the comments show ENTRYPOINT [\"pgboot\", \"run\", \"--\"]")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
