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
real server does. It answers COPY ... FROM STDIN with CopyInResponse, as the
real server does, so psql sends the lines up to "\\." as data and never lexes
them (without it, psql 15.18 reads them as SQL).

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
                if COPY_IN.match(query):
                    # text format, no columns: psql sends CopyData messages, then CopyDone or CopyFail
                    self.request.sendall(out + msg(b"G", struct.pack("!bH", 0, 0)))
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
            elif kind == b"d":  # CopyData
                pass
            elif kind == b"c":  # CopyDone
                self.request.sendall(msg(b"C", b"COPY 0\0") + msg(b"Z", b"I"))
            elif kind == b"f":  # CopyFail
                err = b"SERROR\0C57014\0MCOPY from stdin failed\0\0"
                self.request.sendall(msg(b"E", err) + msg(b"Z", b"I"))
            else:  # FunctionCall (large objects) and anything else: refuse politely
                err = b"SERROR\0C0A000\0Mnot supported by the fake server\0\0"
                self.request.sendall(msg(b"E", err) + msg(b"Z", b"I"))


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
