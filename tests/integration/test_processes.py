"""OGC API - Processes for coverage and site selection, live: synchronous execution
equals the CLI, the asynchronous job lifecycle with progress, cancelling a running job,
saving a scenario, and bad requests."""
import json
import time
import unittest

from civgis_test import Server, add_user, bearer, civgis, connect, demo_copy, snapshot

SENSITIVE = ("poor_people", "poor_households", "assisted_households")


def refused(test, status, headers, body, who, what):
    """401 with the token schemes for an anonymous caller, 403 for a viewer; either a JSON
    error naming the input, and no job made."""
    want = (401, "unauthorized") if who == "anonymous" else (403, "forbidden")
    err = json.loads(body)
    test.assertEqual((status, err["code"]), want, (who, what, body))
    test.assertEqual(set(err), {"code", "description"})
    test.assertIn(what, err["description"])
    test.assertIsNone(headers.get("Location"))
    if who == "anonymous":
        test.assertIn("Bearer", headers.get_all("WWW-Authenticate")[0])


class Processes(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("processes")
        cls.tokens = {"anonymous": None, "viewer": add_user(cls.db, "v", "viewer"),
                      "planner": add_user(cls.db, "p", "planner")}
        cls.srv = Server(cls.db).__enter__()

    def as_(self, who):
        return bearer(self.tokens[who]) if self.tokens[who] else {}

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def post(self, body, **headers):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.srv.get("/processes/coverage/execution", method="POST", data=data,
                            headers={"Content-Type": "application/json", **headers})

    def test_list_and_describe(self):
        _, _, doc = self.srv.get_json("/processes")
        self.assertEqual([p["id"] for p in doc["processes"]],
                         ["coverage", "site-selection", "transfer-area", "rename-division",
                          "recode-division", "merge-divisions", "split-division",
                          "validate-divisions"])
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
        self.assertEqual(jobs["jobs"], [])  # an anonymous job is reached by its id alone
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

    def test_sensitive_weights_need_a_planner_sync_and_async(self):
        for weight in SENSITIVE:
            for prefer in ({}, {"Prefer": "respond-async"}):
                for who in ("anonymous", "viewer"):
                    status, headers, body = self.post(
                        {"inputs": {"kind": ["mutual_aid_home"], "weight": weight},
                         "outputs": {"demand": {}}}, **prefer, **self.as_(who))
                    refused(self, status, headers, body, who, 'input "weight"')
                    self.assertNotIn(b"features", body)
        self.assertEqual(self.srv.get_json("/jobs", headers=self.as_("viewer"))[2]["jobs"], [])
        # A planner gets the weights, and the job's results are the planner's alone.
        status, _, body = self.post({"inputs": {"kind": ["mutual_aid_home"],
                                                "weight": "poor_people"}}, **self.as_("planner"))
        self.assertEqual(status, 200, body)
        cli = json.loads(civgis("coverage", "--db", self.db, "--kind", "mutual_aid_home",
                                "--weight", "poor_people", check=0).stdout)
        self.assertEqual(json.loads(body)["demand_total"], cli["demand_total"])
        status, headers, body = self.post({"inputs": {"kind": ["mutual_aid_home"],
                                                      "weight": "poor_people"}},
                                          Prefer="respond-async", **self.as_("planner"))
        self.assertEqual(status, 201, body)
        job = headers["Location"].rsplit("/", 1)[-1]
        for _ in range(200):
            info = self.srv.get_json(f"/jobs/{job}", headers=self.as_("planner"))[2]
            if info["status"] == "successful":
                break
            time.sleep(0.05)
        self.assertEqual(info["status"], "successful")
        listed = self.srv.get_json("/jobs", headers=self.as_("planner"))[2]["jobs"]
        self.assertIn(job, [j["jobID"] for j in listed])
        self.assertNotIn(job, [j["jobID"] for j in
                               self.srv.get_json("/jobs", headers=self.as_("viewer"))[2]["jobs"]])
        for who in ("anonymous", "viewer"):
            status, _, body = self.srv.get(f"/jobs/{job}/results", headers=self.as_(who))
            self.assertIn(status, (401, 403, 404), (who, body))
            self.assertNotIn(b"demand_total", body)
        status, _, body = self.srv.get(f"/jobs/{job}/results", headers=self.as_("planner"))
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["demand_total"], cli["demand_total"])

    def test_inputs_are_strictly_typed(self):
        kind = {"kind": "canteen"}
        for body, name in (
                ({"inputs": dict(kind, capacity="yes")}, '"capacity"'),
                ({"inputs": dict(kind, capacity=1)}, '"capacity"'),
                ({"inputs": dict(kind, radius="2000")}, '"radius"'),
                ({"inputs": dict(kind, scenario=1.5)}, '"scenario"'),
                ({"inputs": dict(kind, weight=3)}, '"weight"'),
                ({"inputs": dict(kind, status=7)}, '"status"'),
                ({"inputs": {"kind": ["canteen", 3]}}, '"kind"'),
                ({"inputs": {"kind": []}}, '"kind"'),
                ({"inputs": dict(kind, colour="red")}, '"colour"'),
                ({"inputs": kind, "outputs": {"demands": {}}}, '"demands"'),
                (b'{"inputs":{"kind":"canteen","radius":1e999}}', '"radius"'),
                (b'{"inputs":{"kind":"canteen","radius":1000,"radius":2000}}', '"radius"'),
                (b'{"inputs":{"kind":"canteen"}} trailing', "after it"),
                (b'{"inputs":{"kind":"canteen"}}{}', "after it"),
                (b'{"inputs":{"kind":"canteen\\u0000x"}}', "NUL"),
                (b'{"inputs":{"kind":"canteen\x00x"}}', "NUL")):
            for prefer in ({}, {"Prefer": "respond-async"}):
                status, _, out = self.post(body, **prefer)
                self.assertEqual(status, 400, body)
                self.assertIn(name, json.loads(out)["description"], body)
        # an escaped backslash before u0000 is text, not a NUL
        status, _, out = self.post(b'{"inputs":{"kind":"canteen\\\\u0000"}}')
        self.assertEqual(status, 400)
        self.assertIn("unknown kind", json.loads(out)["description"])
        status, _, _ = self.post(b'{"inputs":{"kind":"canteen"}} \r\n\t')
        self.assertEqual(status, 200)


REGIONAL = {"problem": "mclp", "kind": "regional_elderly_centre", "candidates": "townships",
            "p": 13, "per_county_min": 1, "per_county_max": 1, "radius": 30000}


class SiteSelection(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("site-process")
        cls.tokens = {"anonymous": None, "viewer": add_user(cls.db, "v", "viewer"),
                      "planner": add_user(cls.db, "p", "planner")}
        cls.srv = Server(cls.db).__enter__()

    def as_(self, who):
        return bearer(self.tokens[who]) if self.tokens[who] else {}

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

    def test_save_scenario_needs_a_planner(self):
        before = snapshot(self.db)
        cols_before = self.srv.get_json("/collections")[2]["collections"]
        for prefer in ({}, {"Prefer": "respond-async"}):
            for who in ("anonymous", "viewer"):
                status, headers, body = self.post(
                    {"inputs": dict(REGIONAL, save_scenario="http-regional")}, **prefer,
                    **self.as_(who))
                refused(self, status, headers, body, who, "save_scenario")
        time.sleep(1)  # a job that slipped through would have saved by now
        self.assertEqual(snapshot(self.db), before)
        self.assertEqual(self.srv.get_json("/collections")[2]["collections"], cols_before)
        # A planner saves: the scenario and its 13 sites, audited as the planner.
        status, _, body = self.post({"inputs": dict(REGIONAL, save_scenario="http-regional")},
                                    **self.as_("planner"))
        self.assertEqual(status, 200, body)
        con = connect(self.db)
        sid, by = con.execute("SELECT id, created_by FROM scenarios WHERE name = "
                              "'http-regional'").fetchone()
        self.assertEqual(by, "p")
        self.assertEqual(con.execute("SELECT count(*) FROM facilities WHERE scenario_id = ?",
                                     (sid,)).fetchone()[0], 13)
        con.close()
        # the CLI keeps it
        out = json.loads(civgis("site", "--db", self.db, "--problem", "mclp", "--kind",
                                "regional_elderly_centre", "--candidates", "townships",
                                "--p", "13", "--per-county", "1:1", "--radius", "30000",
                                "--save-scenario", "cli-regional", check=0).stdout)
        con = connect(self.db)
        n = con.execute("SELECT count(*) FROM facilities WHERE scenario_id = ?",
                        (out["scenario_id"],)).fetchone()[0]
        con.close()
        self.assertEqual(n, 13)

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
                              "time_limit": 100000}, "time_limit"),
                            ({"problem": "mclp", "kind": "canteen", "p": 2.5}, '"p"'),
                            ({"problem": "mclp", "kind": "canteen", "p": "2"}, '"p"'),
                            ({"problem": "mclp", "kind": "canteen", "p": 2, "seed": 0.5},
                             '"seed"'),
                            ({"problem": "mclp", "kind": "canteen", "p": 2,
                              "per_county_max": 1.5}, '"per_county_max"'),
                            ({"problem": "mclp", "kind": "canteen", "p": 2,
                              "existing": "no"}, '"existing"'),
                            ({"problem": "mclp", "kind": "canteen", "p": 2, "exact": 1},
                             '"exact"'),
                            ({"problem": "mclp", "kind": "canteen", "p": 2,
                              "capacity": "yes"}, '"capacity"'),
                            ({"problem": "mclp", "kind": "canteen", "p": 2, "speed": 9},
                             '"speed"'),
                            ({"problem": "mclp", "kind": 7, "p": 2}, '"kind"')):
            # what only the data can tell (p above the candidates, an unknown kind) fails
            # the job of an asynchronous run; the rest is refused before anything queues
            is_upfront = msg not in ("p is 99999", "unknown")
            for prefer in ({}, {"Prefer": "respond-async"}) if is_upfront else ({},):
                status, _, out = self.post({"inputs": inputs}, **prefer)
                self.assertEqual(status, 400, inputs)
                self.assertIn(msg, json.loads(out)["description"], inputs)
        no_radius = {k: v for k, v in REGIONAL.items() if k != "radius"}
        body = json.dumps({"inputs": no_radius})[:-2] + ', "radius": 1e999}}'
        status, _, out = self.srv.get("/processes/site-selection/execution", method="POST",
                                      data=body.encode())
        self.assertEqual(status, 400)
        self.assertIn('"radius"', json.loads(out)["description"])
        status, _, out = self.post({"inputs": REGIONAL, "outputs": {"site": {}}})
        self.assertEqual(status, 400)
        self.assertIn('"site"', json.loads(out)["description"])

    def test_sensitive_weights_need_a_planner(self):
        for weight in SENSITIVE:
            for prefer in ({}, {"Prefer": "respond-async"}):
                for who in ("anonymous", "viewer"):
                    status, headers, body = self.post(
                        {"inputs": dict(REGIONAL, weight=weight), "outputs": {"sites": {}}},
                        **prefer, **self.as_(who))
                    refused(self, status, headers, body, who, 'input "weight"')
        status, _, body = self.post({"inputs": dict(REGIONAL, weight="poor_people")},
                                    **self.as_("planner"))
        self.assertEqual(status, 200, body)
        self.assertTrue(json.loads(body)["sites_detail"])

if __name__ == "__main__":
    unittest.main(verbosity=2)
