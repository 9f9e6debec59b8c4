"""OGC API - Processes for coverage, live: synchronous execution equals the CLI, the
asynchronous job lifecycle, dismissal, and bad requests."""
import json
import time
import unittest

from civgis_test import Server, civgis, demo_db


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
        self.assertEqual([p["id"] for p in doc["processes"]], ["coverage"])
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
