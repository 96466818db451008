"""rtproxy: a loopback TCP proxy in front of the benchmark's PostgreSQL that
counts the protocol messages the server receives, per connection.

A round trip is a point where the client must wait for the server: the
startup packet, each authentication message ('p': SASL initial response,
SASL response, password), and each Query ('Q') or Sync ('S'), each of which
the server answers with ReadyForQuery. (libpq's pipeline mode could send
several Syncs without waiting; none of the tools measured uses it.) A
simple-query message holding many statements counts once, as it costs one
round trip.

With a delay (Proxy(..., delay_s=0.0005)) it also stands for a database
further away: every chunk read from either side is forwarded delay_s after it
arrived (so a round trip costs at least 2 x delay_s more), in order, by a
sender thread that sleeps with the clock's precision rather than the
selector's millisecond timeout.

Used by bench/run.py for scenario 6 and the latency scenario; it only listens on 127.0.0.1.
"""
import heapq
import itertools
import selectors
import socket
import struct
import threading
import time

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.connections = 0
            self.startup = 0
            self.ssl_requests = 0
            self.auth = 0          # 'p' messages
            self.query = 0         # 'Q'
            self.sync = 0          # 'S'
            self.parse = 0         # 'P'
            self.execute = 0       # 'E'
            self.bytes_in = 0

    def snapshot(self):
        with self.lock:
            d = dict(connections=self.connections, startup=self.startup, ssl_requests=self.ssl_requests,
                     auth_messages=self.auth, simple_queries=self.query, syncs=self.sync,
                     parses=self.parse, executes=self.execute, bytes_to_server=self.bytes_in)
        d["auth_round_trips"] = d["startup"] + d["ssl_requests"] + d["auth_messages"]
        d["query_round_trips"] = d["simple_queries"] + d["syncs"]
        d["round_trips"] = d["auth_round_trips"] + d["query_round_trips"]
        return d


class _Conn:
    """One client connection: parses the client->server stream."""

    def __init__(self, counts):
        self.counts = counts
        self.buf = b""
        self.started = False  # after the real startup packet, messages are typed

    def feed(self, data):
        self.buf += data
        c = self.counts
        while True:
            if not self.started:
                if len(self.buf) < 8:
                    return
                (n,) = struct.unpack("!I", self.buf[:4])
                if len(self.buf) < n:
                    return
                (code,) = struct.unpack("!I", self.buf[4:8])
                self.buf = self.buf[n:]
                with c.lock:
                    if code in (SSL_REQUEST, GSSENC_REQUEST):
                        c.ssl_requests += 1
                    elif code == CANCEL_REQUEST:
                        pass
                    else:
                        c.startup += 1
                        self.started = True
                continue
            if len(self.buf) < 5:
                return
            t = self.buf[:1]
            (n,) = struct.unpack("!I", self.buf[1:5])
            if len(self.buf) < 1 + n:
                return
            self.buf = self.buf[1 + n:]
            with c.lock:
                if t == b"p":
                    c.auth += 1
                elif t == b"Q":
                    c.query += 1
                elif t == b"S":
                    c.sync += 1
                elif t == b"P":
                    c.parse += 1
                elif t == b"E":
                    c.execute += 1


class _Delayer:
    """Sends each queued chunk at its due time (arrival + delay), in arrival order."""

    def __init__(self, delay_s):
        self.delay = delay_s
        self.heap = []
        self.seq = itertools.count()
        self.cond = threading.Condition()
        self.stop_flag = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def put(self, sock, data, close=None):
        """data to send on sock; data None: close sock and close (the other side) instead"""
        with self.cond:
            heapq.heappush(self.heap, (time.perf_counter() + self.delay, next(self.seq), sock, data, close))
            self.cond.notify()

    def stop(self):
        with self.cond:
            self.stop_flag = True
            self.cond.notify()
        self.thread.join(timeout=5)

    def _loop(self):
        while True:
            with self.cond:
                while not self.stop_flag:
                    now = time.perf_counter()
                    if self.heap and self.heap[0][0] <= now:
                        break
                    self.cond.wait(min(0.2, self.heap[0][0] - now) if self.heap else 0.2)
                if self.stop_flag:
                    return
                _, _, sock, data, close = heapq.heappop(self.heap)
            if data is None:
                for s in (sock, close):
                    try:
                        s.close()
                    except OSError:
                        pass
                continue
            try:
                sock.sendall(data)
            except OSError:
                pass


class Proxy:
    def __init__(self, listen_port, target_port, host="127.0.0.1", delay_s=0.0):
        self.counts = Counts()
        self.delay_s = delay_s
        self.delayer = None
        self.host = host
        self.target = (host, target_port)
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind((host, listen_port))
        self.srv.listen(256)
        self.port = self.srv.getsockname()[1]
        self.stop_flag = False
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        if self.delay_s > 0:
            self.delayer = _Delayer(self.delay_s)
        self.thread.start()
        return self

    def stop(self):
        self.stop_flag = True
        self.thread.join(timeout=5)
        if self.delayer:
            self.delayer.stop()
        self.srv.close()

    def _loop(self):
        sel = selectors.DefaultSelector()
        self.srv.setblocking(False)
        sel.register(self.srv, selectors.EVENT_READ, ("accept", None, None))
        while not self.stop_flag:
            for key, _ in sel.select(timeout=0.2):
                kind, peer, conn = key.data
                if kind == "accept":
                    try:
                        cli, _ = self.srv.accept()
                    except BlockingIOError:
                        continue
                    up = socket.create_connection(self.target)
                    for s in (cli, up):
                        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                        # with a delay the sender thread writes with blocking sendall; reads
                        # only follow the selector, so they never block either way
                        s.setblocking(self.delayer is not None)
                    with self.counts.lock:
                        self.counts.connections += 1
                    parser = _Conn(self.counts)
                    sel.register(cli, selectors.EVENT_READ, ("c2s", up, parser))
                    sel.register(up, selectors.EVENT_READ, ("s2c", cli, None))
                    continue
                sock = key.fileobj
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    for s in (sock, peer):
                        try:
                            sel.unregister(s)
                        except (KeyError, ValueError):
                            pass
                        if not self.delayer:
                            s.close()
                    if self.delayer:  # after what is still on its way
                        self.delayer.put(peer, None, close=sock)
                    continue
                if kind == "c2s":
                    with self.counts.lock:
                        self.counts.bytes_in += len(data)
                    conn.feed(data)
                if self.delayer:
                    self.delayer.put(peer, data)
                    continue
                peer.setblocking(True)
                try:
                    peer.sendall(data)
                except OSError:
                    pass
                peer.setblocking(False)
        for key in list(sel.get_map().values()):
            try:
                key.fileobj.close()
            except OSError:
                pass


def echo_rtt(delay_s, n=200):
    """Median and p90 round trip (ms) of a 100-byte ping through a Proxy with this delay
    in front of a loopback echo server: what the delay really costs on this machine."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def echo():
        c, _ = srv.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with c:
            while True:
                d = c.recv(65536)
                if not d:
                    return
                c.sendall(d)
    t = threading.Thread(target=echo, daemon=True)
    t.start()
    proxy = Proxy(0, srv.getsockname()[1], delay_s=delay_s).start()
    xs = []
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(n):
                t0 = time.perf_counter()
                s.sendall(b"x" * 100)
                got = 0
                while got < 100:
                    d = s.recv(65536)
                    if not d:
                        raise OSError("echo closed")
                    got += len(d)
                xs.append((time.perf_counter() - t0) * 1000)
    finally:
        proxy.stop()
        t.join(timeout=5)
        srv.close()
    xs.sort()
    return {"median": round(xs[len(xs) // 2], 3), "p90": round(xs[int(len(xs) * 0.9)], 3), "n": n}
