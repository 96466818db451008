#!/usr/bin/env python3
"""Write pgboot(1) in roff from the binary's own help texts.

    manpage.py --date YYYY-MM-DD BINARY > pgboot.1

Runs BINARY --help, BINARY --version and BINARY COMMAND --help for each command
the main help lists, and turns the help's shape into man(7) macros: the main
help gives NAME, SYNOPSIS, DESCRIPTION, COMMANDS and OPTIONS; each command gets
a section of its own with its description, usage, options and exit status.
A help text is paragraphs separated by blank lines; a paragraph whose first
line is an unindented "Heading:" is a list: its indented lines are items
("TERM  description", the description continued on lines indented deeper).
"""
import argparse
import re
import subprocess
import sys


def run(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        sys.exit(f"manpage: {binary} {' '.join(args)} exited with {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def esc(text):
    """Plain text as roff: backslashes, hyphens (so options copy as typed), leading dots."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text)


def paragraphs(text):
    block = []
    for line in text.rstrip("\n").split("\n"):
        if line.strip():
            block.append(line.rstrip())
        elif block:
            yield block
            block = []
    if block:
        yield block


def items(lines):
    """(term, description) pairs of a list's indented lines."""
    out = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if out and indent >= 10:  # a continuation of the previous item
            out[-1][1].append(line.strip())
            continue
        parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        out.append((parts[0], parts[1:]))
    # "[env: ...]" and "[default: ...]" notes each on a line of their own
    return [(t, "\n.br\n".join(esc(x) for x in merge(d))) for t, d in out]


def merge(pieces):
    """Continuation lines joined, but a "[...]" note starts a new line."""
    lines = []
    for piece in pieces:
        if lines and not piece.startswith("["):
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines


def heading_of(block):
    m = re.match(r"^(\S[^:]*):\s*$", block[0])
    if m and all(line.startswith(" ") for line in block[1:]):
        return m.group(1)
    m = re.match(r"^(Exit status) (\(.*\)):$", block[0])  # "Exit status (once APP has started ...):"
    if m:
        return block[0][:-1]
    return None


def render_list(title, lines, level, out):
    out.append(f".{level} \"{esc(title)}\"")
    if title.lower() == "usage":
        out.append(".nf")
        out += [esc(line.strip()) for line in lines]
        out.append(".fi")
        return
    for term, desc in items(lines):
        out.append(".TP")
        out.append(f"\\fB{esc(term)}\\fR")
        if desc:
            out.append(desc)


def render_help(text, level, out, skip_first=False):
    for i, block in enumerate(paragraphs(text)):
        if i == 0 and skip_first:
            continue
        title = heading_of(block)
        if title:
            render_list(title, block[1:], level, out)
        else:
            out.append(".PP")
            out += [esc(line.strip()) for line in block]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--date", required=True)
    p.add_argument("binary")
    a = p.parse_args()

    top = run(a.binary, "--help")
    version = run(a.binary, "--version").split()[-1]
    blocks = list(paragraphs(top))
    summary = blocks[0][0].rstrip(".")
    if summary.startswith("pgboot "):
        summary = summary[len("pgboot "):]
    commands = []
    for block in blocks:
        if heading_of(block) == "Commands":
            commands = [t for t, _ in items(block[1:])]
    if not commands:
        sys.exit("manpage: the main help lists no commands")

    out = [
        f'.TH PGBOOT 1 "{a.date}" "pgboot {esc(version)}" "User Commands"',
        ".nh",  # no hyphenation: option and variable names stay whole
        ".ad l",  # ragged right: long lists of names leave no wide gaps
        ".SH NAME",
        f"pgboot \\- {esc(summary)}",
    ]
    for block in blocks[1:]:
        title = heading_of(block)
        if title == "Usage":
            out.append(".SH SYNOPSIS")
            out.append(".nf")
            out += [esc(line.strip()) for line in block[1:]]
            out.append(".fi")
    out.append(".SH DESCRIPTION")
    out.append(esc(blocks[0][0]) + " It waits for the server, takes an advisory lock,")
    out.append("applies the migrations (and the seeds when asked), runs the checks, and execs the application.")
    for block in blocks[1:]:
        title = heading_of(block)
        if title == "Usage":
            continue
        if title:
            name = "OPTIONS" if title.lower().endswith("options") else title.upper()
            out.append(f".SH {esc(name)}")
            for term, desc in items(block[1:]):
                out.append(".TP")
                out.append(f"\\fB{esc(term)}\\fR")
                if desc:
                    out.append(desc)
        else:
            out.append(".PP")
            out += [esc(line.strip()) for line in block]
    for cmd in commands:
        text = run(a.binary, cmd, "--help")
        first = next(paragraphs(text))[0]
        out.append(f'.SH "PGBOOT {esc(cmd.upper())}"')
        out.append(esc(first))
        render_help(text, "SS", out, skip_first=True)
    out += [".SH SEE ALSO", "The README of the pgboot repository, which this page does not repeat."]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
