"""Load: ordinary concurrency is never an error. 256 keep-alive connections for 10 s on
items, bbox queries and tiles get no 503 (nor anything else but 200); clients that read
slowly hold their responses' database contexts, and the requests behind them wait for a
context instead of failing, for up to 10 s; and requests that reach one worker thread
all at once are all answered."""
import glob
import http.client
import os
import select
import signal
import socket
import threading
import time
import unittest
from collections import Counter

from civgis_test import Server, connect, demo_copy, demo_db

PATHS = ("/collections/townships/items?limit=10",
         "/collections/townships/items?bbox=109.3,36.4,109.7,36.8&limit=10",
         "/collections/villages/items?limit=50&offset=100",
         "/tiles/civgis/8/205/99.mvt",
         "/collections/townships/tiles/WebMercatorQuad/8/99/205")


def hammer(base, connections, seconds):
    """connections threads, each with one keep-alive connection, request PATHS in turn for
    seconds. Returns (Counter of outcomes, sorted latencies in ms)."""
    host, port = base.split("//")[1].rsplit(":", 1)
    outcomes, latencies, lock = Counter(), [], threading.Lock()
    start = threading.Barrier(connections)
    stop_at = [0.0]

    def client(k):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine, times, i = Counter(), [], k
        start.wait()
        while time.monotonic() < stop_at[0]:
            t0 = time.monotonic()
            try:
                conn.request("GET", PATHS[i % len(PATHS)], headers={"Accept-Encoding": "gzip"})
                r = conn.getresponse()
                r.read()
                mine[r.status] += 1
            except (OSError, http.client.HTTPException) as e:
                mine[type(e).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            times.append((time.monotonic() - t0) * 1000)
            i += 1
        conn.close()
        with lock:
            outcomes.update(mine)
            latencies.extend(times)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(connections)]
    stop_at[0] = time.monotonic() + seconds + 1  # +1: until every thread is at the barrier
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes, sorted(latencies)


class Ordinary(unittest.TestCase):

    def test_256_connections_for_10_seconds_get_no_errors(self):
        with Server(demo_db(), "--threads", "2") as srv:
            outcomes, lat = hammer(srv.base, 256, 10)
            errors = {k: v for k, v in outcomes.items() if k != 200}
            p99 = lat[int(len(lat) * 0.99)] if lat else 0
            print(f"\n256 connections, 10 s: {sum(outcomes.values())} requests, "
                  f"errors {errors}, p99 {p99:.0f} ms")
            self.assertGreater(outcomes[200], 1000)
            self.assertEqual(errors, {})
            self.assertEqual(srv.get("/health")[0], 200)
            self.assertEqual(srv.stop(), 0)


def read_answer(s):
    """One HTTP/1.1 answer with a Content-Length off socket s; its status."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before an answer")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        rest += s.recv(65536)
    return int(head.split(b" ", 2)[1])


def all_stopped(pid):
    """Whether every thread of process pid is stopped (SIGSTOP has taken effect)."""
    for path in glob.glob(f"/proc/{pid}/task/*/stat"):
        try:
            with open(path) as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "T":
                    return False
        except (FileNotFoundError, IndexError):
            pass
    return True


class ReadyAtOnce(unittest.TestCase):
    """A worker thread's event loop must not sleep on requests it has already been told
    of. libmicrohttpd's epoll loop takes events 128 at a time and, when a call returns
    exactly 128, waits again (up to the 60 s connection timeout) before serving them:
    the CI failure of 75 requests unanswered for 30 s under load, 128 connections per
    worker. With 128 keep-alive connections on one worker, all sending while the server
    is stopped, every one is answered at once when it goes on."""

    REQ = b"GET /collections/townships/items?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n"

    def test_128_requests_ready_at_once_are_all_answered(self):
        with Server(demo_db(), "--threads", "1") as srv:
            host, port = srv.base.split("//")[1].rsplit(":", 1)
            socks = []
            try:
                for _ in range(128):
                    s = socket.create_connection((host, int(port)), timeout=30)
                    s.sendall(self.REQ)
                    self.assertEqual(read_answer(s), 200)
                    socks.append(s)
                os.kill(srv.proc.pid, signal.SIGSTOP)
                try:
                    for _ in range(500):
                        if all_stopped(srv.proc.pid):
                            break
                        time.sleep(0.01)
                    for s in socks:
                        s.sendall(self.REQ)
                    time.sleep(0.2)
                finally:
                    os.kill(srv.proc.pid, signal.SIGCONT)
                t0, pending = time.monotonic(), set(socks)
                while pending and time.monotonic() - t0 < 15:
                    ready, _, _ = select.select(list(pending), [], [], 0.2)
                    for s in ready:
                        self.assertEqual(read_answer(s), 200)
                        pending.discard(s)
                self.assertEqual(len(pending), 0, f"{len(pending)} of 128 unanswered after 15 s")
            finally:
                for s in socks:
                    s.close()
            self.assertEqual(srv.stop(), 0)


def big_townships(name):
    """A copy of the demo whose township outlines have a vertex every ~30 m: a page of all
    117 is ~8 MB, more than the kernel buffers on loopback, so a client that does not read
    keeps the server's stream (and its database context) waiting."""
    db = demo_copy(name)
    con = connect(db)
    con.execute("UPDATE divisions SET geom = CastToMultiPolygon(ST_Segmentize(geom, 0.0003)) "
                "WHERE level = 4")
    con.commit()
    con.close()
    return db


def slow_reader(base, path, hold, out, i, answered_list=None):
    """Sends one request and reads nothing for hold seconds (noting when the answer
    began to arrive, also in answered_list), then everything. out[i]: (status, bytes,
    seconds to the answer)."""
    host, port = base.split("//")[1].rsplit(":", 1)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # fixed: no autotuning
    s.settimeout(60)
    s.connect((host, int(port)))
    t0 = time.monotonic()
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    readable, _, _ = select.select([s], [], [], hold)
    answered = time.monotonic() - t0 if readable else None
    if readable and answered_list is not None:
        answered_list.append(i)
    time.sleep(max(0.0, hold - (time.monotonic() - t0)))
    head, size = b"", 0
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            head = head or chunk
            size += len(chunk)
    except ConnectionResetError:
        pass
    s.close()
    out[i] = (int(head.split(b" ", 2)[1]) if head else 0, size, answered)


class SlowReaders(unittest.TestCase):
    """--threads 1 opens at most 16 read contexts; 17 slow clients or more must queue."""

    PATH = "/collections/townships/items?limit=117"

    @classmethod
    def setUpClass(cls):
        cls.db = big_townships("slow")

    def run_readers(self, srv, n, hold):
        out = [None] * n
        threads = [threading.Thread(target=slow_reader, args=(srv.base, self.PATH, hold, out, i))
                   for i in range(n)]
        for t in threads:
            t.start()
            time.sleep(0.01)  # in order, so the first 16 are the ones that hold
        for t in threads:
            t.join()
        return out

    def test_requests_behind_slow_readers_wait_for_a_context(self):
        with Server(self.db, "--threads", "1") as srv:
            out = self.run_readers(srv, 24, 3)
            self.assertEqual(Counter(o[0] for o in out), {200: 24}, out)
            self.assertEqual(len({o[1] for o in out}), 1)  # every body whole and equal
            self.assertGreater(out[0][1], 6 << 20)
            self.assertEqual(srv.stop(), 0)

    def test_a_request_waits_ten_seconds_at_most(self):
        with Server(self.db, "--threads", "1") as srv:
            out = self.run_readers(srv, 20, 12)
            got = Counter(o[0] for o in out)
            self.assertEqual(got, {200: 16, 503: 4}, out)
            for status, _, answered in out:
                # answered when its wait ran out: not at once, and not much later (the
                # server reads it a little after it was sent, slower under sanitizers)
                if status == 503:
                    self.assertTrue(answered and 9.5 < answered < 14, out)
            self.assertEqual(srv.get("/health")[0], 200)  # and the server serves again
            self.assertEqual(srv.stop(), 0)

    def test_stopping_with_requests_in_line(self):
        # libmicrohttpd must not stop with a connection suspended: every waiter is
        # resumed (and answered 503) first, and the server exits 0 at once.
        srv = Server(self.db, "--threads", "1").__enter__()
        out, answered = [None] * 20, []
        threads = [threading.Thread(target=slow_reader,
                                    args=(srv.base, self.PATH, 9, out, i, answered))
                   for i in range(20)]
        for t in threads:
            t.start()
            time.sleep(0.01)
        for _ in range(80):  # until the 16 contexts are out (slow under sanitizers)
            if len(answered) >= 16:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # and the other 4 are in line
        t0 = time.monotonic()
        self.assertEqual(srv.stop(), 0)
        self.assertLess(time.monotonic() - t0, 5)
        for t in threads:
            t.join()
        self.assertIn(503, [o[0] for o in out], out)
        self.assertNotIn(None, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
