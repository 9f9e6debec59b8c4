"""OGC API - Processes for coverage and site selection, live: synchronous execution
equals the CLI, the asynchronous job lifecycle with progress, cancelling a running job,
saving a scenario, and bad requests."""
import json
import time
import unittest

from civgis_test import Server, civgis, demo_copy, demo_db


class Processes(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_db()
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def post(self, body, **headers):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.srv.get("/processes/coverage/execution", method="POST", data=data,
                            headers={"Content-Type": "application/json", **headers})

    def test_list_and_describe(self):
        _, _, doc = self.srv.get_json("/processes")
        self.assertEqual([p["id"] for p in doc["processes"]], ["coverage", "site-selection"])
        _, _, p = self.srv.get_json("/processes/coverage")
        self.assertIn("async-execute", p["jobControlOptions"])
        self.assertTrue({"kind", "radius", "weight", "capacity"} <= set(p["inputs"]))
        self.assertEqual(self.srv.get_json("/processes/nothing")[0], 404)

    def test_sync_equals_cli(self):
        status, headers, body = self.post({"inputs": {"kind": ["mutual_aid_home",
                                                               "township_elderly_home"],
                                                      "weight": "population"}})
        self.assertEqual(status, 200, body)
        http = json.loads(body)
        cli = json.loads(civgis("coverage", "--db", self.db, "--kind",
                                "mutual_aid_home,township_elderly_home", "--weight",
                                "population", check=0).stdout)
        self.assertEqual(http, cli)

    def test_async_job_lifecycle(self):
        status, headers, body = self.post({"inputs": {"kind": "mutual_aid_home", "radius": 3000},
                                           "outputs": {"demand": {}}},
                                          Prefer="respond-async")
        self.assertEqual(status, 201, body)
        info = json.loads(body)
        self.assertEqual(headers["Location"], f"{self.srv.base}/jobs/{info['jobID']}")
        for _ in range(100):
            _, _, info = self.srv.get_json(f"/jobs/{info['jobID']}")
            if info["status"] in ("successful", "failed"):
                break
            time.sleep(0.05)
        self.assertEqual((info["status"], info["progress"]), ("successful", 100))
        status, headers, fc = self.srv.get_json(f"/jobs/{info['jobID']}/results")
        self.assertEqual(headers["Content-Type"], "application/geo+json")
        self.assertEqual(len(fc["features"]), 1953)
        _, _, jobs = self.srv.get_json("/jobs")
        self.assertIn(info["jobID"], [j["jobID"] for j in jobs["jobs"]])
        status, _, gone = self.srv.get_json(f"/jobs/{info['jobID']}", method="DELETE")
        self.assertEqual((status, gone["status"]), (200, "dismissed"))
        self.assertEqual(self.srv.get_json(f"/jobs/{info['jobID']}/results")[0], 400)
        self.assertEqual(self.srv.get_json("/jobs/unknown")[0], 404)

    def test_bad_requests(self):
        for body, msg in ((b"not json", "JSON"), ({"inputs": {}}, "kind"),
                          ({"inputs": {"kind": "spaceport"}}, "unknown kind"),
                          ({"inputs": {"kind": "canteen", "radius": -1}}, "radius"),
                          ({"inputs": {"kind": "canteen", "weight": "x"}}, "unknown weight"),
                          ({"inputs": {"kind": "canteen", "scenario": 42}}, "unknown scenario")):
            status, headers, out = self.post(body)
            self.assertEqual(status, 400, body)
            self.assertIn(msg, json.loads(out)["description"])
        status, _, out = self.post(b"{" + b" " * (2 << 20) + b"}")
        self.assertEqual(status, 413)
        status, headers, _ = self.srv.get("/processes/coverage/execution")
        self.assertEqual(status, 405)
        self.assertIn("POST", headers["Allow"])
        self.assertEqual(self.srv.get("/health")[0], 200)


REGIONAL = {"problem": "mclp", "kind": "regional_elderly_centre", "candidates": "townships",
            "p": 13, "per_county_min": 1, "per_county_max": 1, "radius": 30000}


class SiteSelection(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("site-process")
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def post(self, body, **headers):
        data = json.dumps(body).encode()
        return self.srv.get("/processes/site-selection/execution", method="POST", data=data,
                            headers={"Content-Type": "application/json", **headers})

    def wait(self, job, until=("successful", "failed", "dismissed"), tries=600):
        for _ in range(tries):
            _, _, info = self.srv.get_json(f"/jobs/{job}")
            if info["status"] in until:
                return info
            time.sleep(0.05)
        self.fail(f"job {job} is still {info['status']}")

    def test_describe(self):
        status, _, p = self.srv.get_json("/processes/site-selection")
        self.assertEqual(status, 200)
        self.assertTrue({"problem", "kind", "p", "radius", "per_county_min", "exclude_kind",
                         "exact", "time_limit", "save_scenario"} <= set(p["inputs"]))

    def test_sync_equals_cli(self):
        status, _, body = self.post({"inputs": REGIONAL})
        self.assertEqual(status, 200, body)
        http = json.loads(body)
        cli = json.loads(civgis("site", "--db", self.db, "--problem", "mclp", "--kind",
                                "regional_elderly_centre", "--candidates", "townships",
                                "--p", "13", "--per-county", "1:1", "--radius", "30000",
                                check=0).stdout)
        for key in ("objective", "bound", "sites", "demand_total", "demand_covered"):
            self.assertEqual(http[key], cli[key], key)
        self.assertLessEqual(http["objective"], http["bound"])

    def test_async_with_geojson_sites(self):
        status, headers, body = self.post({"inputs": REGIONAL, "outputs": {"sites": {}}},
                                          Prefer="respond-async")
        self.assertEqual(status, 201, body)
        info = self.wait(json.loads(body)["jobID"])
        self.assertEqual((info["status"], info["progress"]), ("successful", 100))
        status, headers, fc = self.srv.get_json(f"/jobs/{info['jobID']}/results")
        self.assertEqual(headers["Content-Type"], "application/geo+json")
        self.assertEqual(len(fc["features"]), 13)
        self.assertTrue(all(f["geometry"]["type"] == "Point" for f in fc["features"]))
        self.assertGreater(sum(f["properties"]["demand_served"] for f in fc["features"]), 0)

    def test_cancel_a_running_job(self):
        long = {"problem": "pmedian", "kind": "mutual_aid_home", "p": 380, "time_limit": 120}
        status, _, body = self.post({"inputs": long}, Prefer="respond-async")
        self.assertEqual(status, 201, body)
        job = json.loads(body)["jobID"]
        info = self.wait(job, until=("running",))
        for _ in range(400):  # the distance matrix first, then the search reports progress
            _, _, info = self.srv.get_json(f"/jobs/{job}")
            if info["progress"] > 10:
                break
            time.sleep(0.05)
        self.assertEqual(info["status"], "running")
        self.assertGreater(info["progress"], 10)
        status, _, gone = self.srv.get_json(f"/jobs/{job}", method="DELETE")
        self.assertEqual((status, gone["status"]), (200, "dismissed"))
        # the worker is free again well before the 120 s limit
        started = time.time()
        status, _, body = self.post({"inputs": REGIONAL}, Prefer="respond-async")
        info = self.wait(json.loads(body)["jobID"])
        self.assertEqual(info["status"], "successful")
        self.assertLess(time.time() - started, 60)

    def test_save_scenario_then_collection_and_coverage(self):
        status, _, body = self.post({"inputs": dict(REGIONAL, save_scenario="http-regional")})
        self.assertEqual(status, 200, body)
        out = json.loads(body)
        sid = out["scenario_id"]
        status, _, fc = self.srv.get_json(f"/collections/scenario-{sid}/items")
        self.assertEqual(status, 200)
        self.assertEqual(len(fc["features"]), 13)
        cov = json.loads(civgis("coverage", "--db", self.db, "--kind", "regional_elderly_centre",
                                "--radius", "30000", "--scenario", str(sid), check=0).stdout)
        self.assertEqual(cov["demand_covered"], out["demand_covered"])
        status, _, body = self.post({"inputs": dict(REGIONAL, save_scenario="http-regional")})
        self.assertEqual(status, 409)  # a name conflict, as the store says
        self.assertIn("exists already", json.loads(body)["description"])

    def check_pcenter(self, status, body):
        """A p-center answer within its budget of ten sites, or a JSON refusal."""
        doc = json.loads(body)
        if 400 <= status < 500:
            self.assertTrue(doc["code"] and doc["description"], doc)
            return
        self.assertEqual(status, 200, body)
        self.assertEqual(doc["problem"], "pcenter")
        self.assertTrue(0 < len(doc["sites"]) <= 10)
        self.assertEqual(len(doc["sites"]), len(set(doc["sites"])))
        self.assertLessEqual(doc["bound"], doc["objective"])

    def test_pcenter_request_that_killed_the_server(self):
        # Issue 12: this one anonymous request crashed the server (SIGSEGV), sync and async.
        crash = {"inputs": {"problem": "pcenter", "kind": "welfare_institute",
                            "candidates": "rural", "time_limit": 0.5, "within": "610602",
                            "p": 100, "budget": 10}}
        status, _, body = self.post(crash)
        self.check_pcenter(status, body)
        status, _, body = self.post(crash, Prefer="respond-async")
        if status == 201:
            info = self.wait(json.loads(body)["jobID"])
            self.assertIn(info["status"], ("successful", "failed"), info)
            if info["status"] == "failed":  # refused inside the job: it says why
                self.assertTrue(info["message"], info)
            else:
                status, _, body = self.srv.get(f"/jobs/{info['jobID']}/results")
                self.check_pcenter(status, body)
        else:
            self.check_pcenter(status, body)
        self.assertIsNone(self.srv.proc.poll(), "the server died")
        self.assertEqual(self.srv.get("/health")[0], 200)

    def test_bad_requests(self):
        for inputs, msg in (({"problem": "fastest"}, "problem"),
                            ({"problem": "mclp", "kind": "canteen", "p": -3}, "\"p\""),
                            ({"problem": "mclp", "kind": "canteen", "p": 99999, "radius": 1000},
                             "p is 99999"),
                            ({"problem": "pmedian", "kind": "spaceport", "p": 3}, "unknown"),
                            ({"problem": "mclp", "kind": "canteen", "p": 2,
                              "time_limit": 100000}, "time_limit")):
            status, _, out = self.post({"inputs": inputs})
            self.assertEqual(status, 400, inputs)
            self.assertIn(msg, json.loads(out)["description"], inputs)


if __name__ == "__main__":
    unittest.main(verbosity=2)
