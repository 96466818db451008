#!/usr/bin/env python3
"""A stand-in PostgreSQL server for the psql equivalence test.

psql is the oracle: run with -L LOGFILE it writes every query it sends to
the server (and only those; its own catalog queries for \\d and friends go
through another path and are not logged) between fixed markers. This server
lets psql run any script to the end in milliseconds: it accepts every
connection without a password and answers every query with an empty result
(one text column, no rows), so no statement depends on an earlier one, no
file depends on another, nothing is slow and nothing is left behind.

It behaves like PostgreSQL 15 where psql's lexing depends on the server:
it reports standard_conforming_strings (on) and changes it, with a
ParameterStatus message, on SET/RESET standard_conforming_strings, as the
real server does. A query string that holds COPY ... FROM STDIN is answered
statement by statement, and each such COPY with CopyInResponse, as the real
server does, so psql sends the lines up to "\\." as data and never lexes them
(without it, psql 15.18 reads them as SQL). Statements are found by a small
tokenizer that skips comments, quoted strings and identifiers and dollar
quotes, so a comment before COPY or "from stdin" inside a literal does not
fool it.

Usage: fakepg.py SOCKET_DIR PORT   (listens on SOCKET_DIR/.s.PGSQL.PORT)
"""
import os
import re
import socket
import socketserver
import struct
import sys

SCS_SET = re.compile(
    rb"^\s*set\s+(?:session\s+)?standard_conforming_strings\s*(?:=|to)\s*'?(\w+)'?\s*;?\s*$",
    re.I | re.S)
COPY_IN = re.compile(rb"^\s*copy\b.*\bfrom\s+(stdin|stdout)\b", re.I | re.S)  # the grammar takes both
DOLLAR = re.compile(rb"\$([A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)?\$")
IDENT_CHAR = re.compile(rb"[A-Za-z0-9_$\x80-\xff]")


def _skip_comment(q, i):
    """q[i:] starts a comment: the index after it (nested /* */ as the server nests them)."""
    if q.startswith(b"--", i):
        j = q.find(b"\n", i)
        return len(q) if j < 0 else j
    depth = 0
    while i < len(q):
        if q.startswith(b"/*", i):
            depth, i = depth + 1, i + 2
        elif q.startswith(b"*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return i


def _skip_quoted(q, i, backslashes):
    """q[i] opens a '...' or "..." token: the index after it (doubled quotes, and backslash escapes
    when backslashes)."""
    quote, j = q[i:i + 1], i + 1
    while j < len(q):
        c = q[j:j + 1]
        if backslashes and c == b"\\":
            j += 2
        elif c == quote and q[j + 1:j + 2] == quote:
            j += 2
        elif c == quote:
            return j + 1
        else:
            j += 1
    return j


def statements(q, scs):
    """The top-level statements of a simple-query string, comments dropped and every quoted token
    emptied, so only keywords and names are left to look at."""
    out, cur, i, n = [], bytearray(), 0, len(q)
    while i < n:
        c = q[i:i + 1]
        if q.startswith(b"--", i) or q.startswith(b"/*", i):
            i = _skip_comment(q, i)
            cur += b" "
        elif c in (b"'", b'"'):
            e = c == b"'" and (scs == "off" or (i > 0 and q[i - 1:i] in (b"E", b"e")
                                                and not IDENT_CHAR.match(q[i - 2:i - 1] or b" ")))
            i = _skip_quoted(q, i, e)
            cur += c + c
        elif c == b"$" and not (i > 0 and IDENT_CHAR.match(q[i - 1:i])) and DOLLAR.match(q, i):
            tag = DOLLAR.match(q, i).group(0)
            j = q.find(tag, i + len(tag))
            i = n if j < 0 else j + len(tag)
            cur += b"''"
        elif c == b";":
            out.append(bytes(cur))
            cur = bytearray()
            i += 1
        else:
            cur += c
            i += 1
    if cur.strip():
        out.append(bytes(cur))
    return [st for st in out if st.strip()]
SCS_RESET = re.compile(rb"^\s*reset\s+(?:standard_conforming_strings|all)\s*;?\s*$", re.I | re.S)


def msg(kind, payload=b""):
    return kind + struct.pack("!I", len(payload) + 4) + payload


def param(name, value):
    return msg(b"S", name.encode() + b"\0" + value.encode() + b"\0")


class Handler(socketserver.BaseRequestHandler):
    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.request.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def handle(self):
        try:
            self.serve()
        except (EOFError, ConnectionError):
            pass

    def serve(self):
        while True:
            (length,) = struct.unpack("!I", self.recv_exact(4))
            body = self.recv_exact(length - 4)
            (code,) = struct.unpack("!I", body[:4])
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
                self.request.sendall(b"N")
                continue
            if code == 80877102:  # CancelRequest
                return
            break
        fields = body[4:].split(b"\0")
        params = dict(zip(fields[0::2], fields[1::2]))
        user = params.get(b"user", b"postgres").decode("utf-8", "replace")
        self.scs = "on"
        out = msg(b"R", struct.pack("!I", 0))
        for name, value in (("server_version", "15.18"), ("server_encoding", "UTF8"),
                            ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
                            ("integer_datetimes", "on"), ("IntervalStyle", "postgres"),
                            ("is_superuser", "on"), ("session_authorization", user),
                            ("standard_conforming_strings", self.scs), ("TimeZone", "UTC"),
                            ("application_name",
                             params.get(b"application_name", b"").decode("utf-8", "replace"))):
            out += param(name, value)
        out += msg(b"K", struct.pack("!II", os.getpid() & 0x7FFFFFFF, 1))
        out += msg(b"Z", b"I")
        self.request.sendall(out)
        empty_result = (msg(b"T", struct.pack("!H", 1) + b"?column?\0" + struct.pack("!IhIhih", 0, 0, 25, -1, -1, 0)))
        while True:
            kind = self.recv_exact(1)
            (length,) = struct.unpack("!I", self.recv_exact(4))
            body = self.recv_exact(length - 4)
            if kind == b"X":
                return
            if kind == b"Q":
                query = body[:-1]
                out = b""
                m = SCS_SET.match(query)
                if m:
                    v = m.group(1).decode().lower()
                    new = "off" if v in ("off", "false", "0", "no") else "on"
                    if new != self.scs:
                        self.scs = new
                        out += param("standard_conforming_strings", new)
                elif SCS_RESET.match(query) and self.scs != "on":
                    self.scs = "on"
                    out += param("standard_conforming_strings", "on")
                stmts = statements(query, self.scs)
                if any(COPY_IN.match(st) for st in stmts):
                    self.request.sendall(self.run_with_copy(stmts, out, empty_result))
                    continue
                if query.strip(b" \t\r\n\f;") == b"":
                    out += msg(b"I")
                else:
                    out += empty_result + msg(b"C", b"SELECT 0\0")
                out += msg(b"Z", b"I")
                self.request.sendall(out)
            elif kind == b"P":
                self.request.sendall(msg(b"1"))
            elif kind == b"B":
                self.request.sendall(msg(b"2"))
            elif kind == b"D":
                if body[:1] == b"S":
                    self.request.sendall(msg(b"t", struct.pack("!H", 0)) + msg(b"n"))
                else:
                    self.request.sendall(msg(b"n"))
            elif kind == b"E":
                self.request.sendall(msg(b"C", b"SELECT 0\0"))
            elif kind == b"C":
                self.request.sendall(msg(b"3"))
            elif kind == b"S":
                self.request.sendall(msg(b"Z", b"I"))
            elif kind == b"H":
                pass
            elif kind in (b"d", b"c", b"f"):  # copy messages outside a COPY: the server ignores them
                pass
            else:  # FunctionCall (large objects) and anything else: refuse politely
                err = b"SERROR\0C0A000\0Mnot supported by the fake server\0\0"
                self.request.sendall(msg(b"E", err) + msg(b"Z", b"I"))


    def copy_in(self):
        """After CopyInResponse: take CopyData until CopyDone (True) or CopyFail (False)."""
        while True:
            kind = self.recv_exact(1)
            (length,) = struct.unpack("!I", self.recv_exact(4))
            self.recv_exact(length - 4)
            if kind == b"c":
                return True
            if kind == b"f":
                return False

    def run_with_copy(self, stmts, out, empty_result):
        """A query string holding COPY FROM STDIN, one statement after another; a failed COPY ends it."""
        for st in stmts:
            if not COPY_IN.match(st):
                out += empty_result + msg(b"C", b"SELECT 0\0")
                continue
            # text format, no columns: psql sends CopyData messages, then CopyDone or CopyFail
            self.request.sendall(out + msg(b"G", struct.pack("!bH", 0, 0)))
            out = b""
            if not self.copy_in():
                out += msg(b"E", b"SERROR\0C57014\0MCOPY from stdin failed\0\0")
                break
            out += msg(b"C", b"COPY 0\0")
        return out + msg(b"Z", b"I")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    sock_dir, port = sys.argv[1], sys.argv[2]
    path = os.path.join(sock_dir, ".s.PGSQL.%s" % port)
    if os.path.exists(path):
        os.unlink(path)
    with Server(path, Handler) as srv:
        print("ready", flush=True)
        srv.serve_forever()


if __name__ == "__main__":
    main()
