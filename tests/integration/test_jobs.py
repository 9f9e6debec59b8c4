"""The job pool behind OGC API - Processes, live: unguessable job ids that are the only
handle on an anonymous job, a fair queue (a short job never waits behind long ones, a
client's turn comes before a busy client's next job), per-client limits, expiry, the
bounded synchronous time limit, synchronous runs that wait without holding an HTTP
thread (reads keep their latency), and a clean shutdown with requests still waiting."""
import http.client
import json
import re
import threading
import time
import unittest
import urllib.parse

from civgis_test import Server, demo_db

LONG = {"problem": "pmedian", "kind": "mutual_aid_home", "p": 380, "time_limit": 120}
SHORT = {"kind": ["mutual_aid_home"], "radius": 2000}
SITE = "/processes/site-selection/execution"
COVERAGE = "/processes/coverage/execution"


def request(base, path, method="GET", body=None, headers=None, source="127.0.0.1",
            timeout=120):
    """(status, headers, body bytes) from a client bound to the source address (any
    127.x address is loopback: a second client to the server)."""
    u = urllib.parse.urlsplit(base)
    con = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout,
                                     source_address=(source, 0))
    try:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        con.request(method, path, body=data, headers={"Content-Type": "application/json",
                                                      **(headers or {})})
        r = con.getresponse()
        return r.status, r.headers, r.read()
    finally:
        con.close()


def submit(base, path, inputs, source="127.0.0.1"):
    status, _, body = request(base, path, "POST", {"inputs": inputs},
                              {"Prefer": "respond-async"}, source)
    assert status == 201, (status, body)
    return json.loads(body)["jobID"]


def info(base, job, source="127.0.0.1"):
    status, _, body = request(base, f"/jobs/{job}", source=source)
    return status, json.loads(body)


def wait(base, job, until, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        status, i = info(base, job)
        if status == 200 and i["status"] in until:
            return i
        time.sleep(0.05)
    raise AssertionError(f"job {job} is not {until} after {timeout} s")


def dismiss(base, *jobs):
    for job in jobs:
        request(base, f"/jobs/{job}", "DELETE")


class Capability(unittest.TestCase):
    """An anonymous job belongs to no one: its id is the capability."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo_db()).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def test_ids_are_random_and_the_only_handle(self):
        base = self.srv.base
        ids = [submit(base, COVERAGE, SHORT) for _ in range(16)]
        self.assertTrue(all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), ids)
        # time- or counter-based ids share their leading digits; 128 random bits do not
        self.assertGreaterEqual(len({i[:6] for i in ids}), 15, ids)
        self.assertGreaterEqual(len({i[-6:] for i in ids}), 15, ids)
        job = ids[-1]
        wait(base, job, ("successful",))
        other = "127.0.0.2"
        for source in ("127.0.0.1", other):  # nobody lists anonymous jobs
            status, _, body = request(base, "/jobs", source=source)
            self.assertEqual((status, json.loads(body)["jobs"]), (200, []))
        # a near miss of the id finds nothing and dismisses nothing
        guess = job[:-1] + ("0" if job[-1] != "0" else "1")
        for method, path in (("GET", f"/jobs/{guess}"), ("GET", f"/jobs/{guess}/results"),
                             ("DELETE", f"/jobs/{guess}")):
            status, _, body = request(base, path, method, source=other)
            self.assertEqual(status, 404, (method, path))
            self.assertEqual(json.loads(body)["code"], "not_found")
        status, i = info(base, job)
        self.assertEqual((status, i["status"]), (200, "successful"))
        # whoever holds the id may read and dismiss it
        status, headers, body = request(base, f"/jobs/{job}/results", source=other)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Cache-Control"], "no-store")
        self.assertIn("demand_total", json.loads(body))
        status, _, body = request(base, f"/jobs/{job}", "DELETE", source=other)
        self.assertEqual((status, json.loads(body)["status"]), (200, "dismissed"))
        self.assertEqual(request(base, f"/jobs/{job}/results")[0], 400)

    def test_sync_time_limit_is_bounded(self):
        inputs = {"problem": "mclp", "kind": "regional_elderly_centre", "p": 2,
                  "candidates": "townships", "radius": 30000}
        status, _, body = request(self.srv.base, SITE, "POST",
                                  {"inputs": dict(inputs, time_limit=31)})
        self.assertEqual(status, 400)
        err = json.loads(body)
        self.assertIn('"time_limit"', err["description"])
        self.assertIn("respond-async", err["description"])
        status, _, body = request(self.srv.base, SITE, "POST",
                                  {"inputs": dict(inputs, time_limit=30)})
        self.assertEqual(status, 200, body)
        job = submit(self.srv.base, SITE, dict(inputs, time_limit=600))
        self.assertEqual(wait(self.srv.base, job, ("successful",))["status"], "successful")
        status, _, body = request(self.srv.base, SITE, "POST", {"inputs": dict(
            inputs, time_limit=601)}, {"Prefer": "respond-async"})
        self.assertEqual(status, 400)
        self.assertIn('"time_limit"', json.loads(body)["description"])


class FairQueue(unittest.TestCase):
    """Two general workers and the short-job worker; a small table (24 jobs, 3 each
    per client)."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo_db(), "--job-workers", "2", "--job-max", "24").__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def test_short_job_does_not_wait_behind_long_ones(self):
        base = self.srv.base
        a = [submit(base, SITE, LONG, "127.0.0.1"), submit(base, SITE, LONG, "127.0.0.1")]
        b = [submit(base, SITE, LONG, "127.0.0.3")]
        running = [a[0], b[0]]  # .3 has its turn before .1's second job
        try:
            for job in running:
                wait(base, job, ("running",))
            self.assertEqual(info(base, a[1])[1]["status"], "accepted")
            started = time.time()
            job = submit(base, COVERAGE, SHORT, "127.0.0.4")
            done = wait(base, job, ("successful", "failed"), timeout=30)
            self.assertEqual(done["status"], "successful")
            self.assertLess(time.time() - started, 10)
            started = time.time()
            status, _, body = request(base, COVERAGE, "POST", {"inputs": SHORT},
                                      source="127.0.0.4")
            self.assertEqual(status, 200, body)
            self.assertLess(time.time() - started, 10)
            for job in running:
                self.assertEqual(info(base, job)[1]["status"], "running")
        finally:
            dismiss(base, *a, *b)

    def test_a_waiting_client_goes_before_a_busy_clients_next_job(self):
        base = self.srv.base
        a = [submit(base, SITE, LONG, "127.0.0.5") for _ in range(2)]
        jobs = list(a)
        try:
            for job in a:
                wait(base, job, ("running",))
            jobs.append(submit(base, SITE, LONG, "127.0.0.5"))  # .5's third: first in line
            b = submit(base, SITE, LONG, "127.0.0.6")  # then another client's first
            jobs.append(b)
            self.assertEqual(info(base, jobs[2])[1]["status"], "accepted")
            # a worker frees up while .5 still runs one: .6's job goes first, not .5's
            dismiss(base, a[0])
            self.assertEqual(wait(base, b, ("running",), timeout=30)["status"], "running")
            self.assertEqual(info(base, jobs[2])[1]["status"], "accepted")
            dismiss(base, a[1])  # and then .5's turn comes
            self.assertEqual(wait(base, jobs[2], ("running",), timeout=30)["status"], "running")
        finally:
            dismiss(base, *jobs)

    def test_one_client_cannot_fill_the_table(self):
        base = self.srv.base
        mine = [submit(base, SITE, LONG, "127.0.0.8") for _ in range(3)]
        try:
            status, headers, body = request(base, SITE, "POST", {"inputs": LONG},
                                            {"Prefer": "respond-async"}, "127.0.0.8")
            self.assertEqual(status, 503, body)
            self.assertIn("too many of your jobs", json.loads(body)["description"])
            self.assertIn("Retry-After", headers)
            other = submit(base, COVERAGE, SHORT, "127.0.0.9")
            self.assertEqual(wait(base, other, ("successful",))["status"], "successful")
        finally:
            dismiss(base, *mine)


class Expiry(unittest.TestCase):

    def test_ended_jobs_are_forgotten_after_the_ttl(self):
        with Server(demo_db(), "--job-ttl", "2") as srv:
            job = submit(srv.base, COVERAGE, SHORT)
            wait(srv.base, job, ("successful",))
            ended = time.time()
            self.assertEqual(request(srv.base, f"/jobs/{job}/results")[0], 200)
            dismissed = submit(srv.base, COVERAGE, SHORT)
            dismiss(srv.base, dismissed)
            time.sleep(max(0, ended + 3 - time.time()))
            for path in (f"/jobs/{job}", f"/jobs/{job}/results", f"/jobs/{dismissed}"):
                self.assertEqual(request(srv.base, path)[0], 404, path)
            self.assertEqual(srv.stop(), 0)


class SyncRunsWaitOffThread(unittest.TestCase):

    def test_reads_keep_their_latency_during_four_long_sync_runs(self):
        heavy = {"problem": "pmedian", "kind": "mutual_aid_home", "p": 380,
                 "candidates": "villages", "capacity": 300, "time_limit": 5}
        # one HTTP thread: a run, or a wait for one, on it would stall every read
        with Server(demo_db(), "--threads", "1") as srv:
            results = []

            def run():
                results.append(request(srv.base, SITE, "POST", {"inputs": heavy},
                                       timeout=300))

            runs = [threading.Thread(target=run) for _ in range(4)]
            for t in runs:
                t.start()
            time.sleep(1)  # the four are queued or running
            lat = []
            while any(t.is_alive() for t in runs):
                t0 = time.perf_counter()
                status, _, _ = request(srv.base, "/collections/counties/items?limit=1")
                lat.append(time.perf_counter() - t0)
                self.assertEqual(status, 200)
                time.sleep(0.02)
            for t in runs:
                t.join()
            self.assertEqual([r[0] for r in results], [200] * 4,
                             [r[2][:200] for r in results])
            self.assertTrue(all(len(json.loads(r[2])["sites"]) == 380 for r in results))
            lat.sort()
            p99 = lat[max(0, int(len(lat) * 0.99) - 1)]
            self.assertLess(p99, 0.2, f"p99 {p99 * 1e3:.0f} ms over {len(lat)} reads; "
                                      f"max {lat[-1] * 1e3:.0f} ms")
            self.assertGreater(len(lat), 50)
            print(f"reads during 4 sync runs: {len(lat)}, median "
                  f"{lat[len(lat) // 2] * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms")
            self.assertEqual(srv.stop(), 0)

    def test_shutdown_answers_the_requests_still_waiting(self):
        with Server(demo_db(), "--job-workers", "1") as srv:
            out = []

            def run():
                out.append(request(srv.base, SITE, "POST", {"inputs": dict(LONG, time_limit=30)},
                                   timeout=120))

            waiting = [threading.Thread(target=run) for _ in range(2)]  # one runs, one queued
            for t in waiting:
                t.start()
            time.sleep(2)
            started = time.time()
            self.assertEqual(srv.stop(), 0)
            for t in waiting:
                t.join(timeout=30)
            self.assertLess(time.time() - started, 20)
            self.assertEqual(sorted(r[0] for r in out), [503, 503])
            self.assertTrue(all("shutting down" in json.loads(r[2])["description"] for r in out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
