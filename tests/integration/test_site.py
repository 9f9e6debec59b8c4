"""civgis site through the CLI: OR-Library pmed1-10 at their published optima, small
random instances against brute force over every site set (p-median, p-center, MCLP,
LSCP; heuristic and GLPK exact), each reported objective recomputed here from the sites
returned, bounds never better than the optimum, bad input with its exit code and
message, the p-center requests that crashed the process, and a saved scenario that
coverage then counts."""
import csv
import heapq
import itertools
import json
import math
import os
import random
import signal
import struct
import subprocess
import time
import unittest

from civgis_test import BIN, civgis, connect, demo_copy, demo_db, scratch_dir, snapshot

HERE = os.path.dirname(os.path.abspath(__file__))
PMED = os.path.join(HERE, "..", "data", "pmed")


def run(*args, check=0):
    p = civgis("site", *args, check=check)
    return json.loads(p.stdout) if check == 0 else p


def orlib_median(path, sites):
    """The p-median objective of sites (1-based node ids) on an OR-Library graph, from the
    file alone: shortest paths from each site (Dijkstra); a repeated edge overwrites the
    earlier one (OR-Library's own rule, which its published optima depend on)."""
    with open(path) as f:
        nums = [int(x) for x in f.read().split()]
    n, m = nums[0], nums[1]
    cost = {}
    for k in range(m):
        a, b, c = nums[3 + 3 * k: 6 + 3 * k]
        cost[(min(a, b), max(a, b))] = c
    adj = {v: [] for v in range(1, n + 1)}
    for (a, b), c in cost.items():
        adj[a].append((b, c))
        adj[b].append((a, c))
    best = [math.inf] * (n + 1)
    for s in sites:
        dist = {s: 0}
        todo = [(0, s)]
        while todo:
            d, v = heapq.heappop(todo)
            if d > dist[v]:
                continue
            best[v] = min(best[v], d)
            for w, c in adj[v]:
                if d + c < dist.get(w, math.inf):
                    dist[w] = d + c
                    heapq.heappush(todo, (d + c, w))
    return sum(best[1:])


class OrLibrary(unittest.TestCase):

    def test_pmed1_to_10_reach_the_optimum(self):
        with open(os.path.join(PMED, "optima.csv")) as f:
            optima = {r["instance"]: int(r["pmedian_optimum"]) for r in csv.DictReader(f)}
        for name, opt in optima.items():
            path = os.path.join(PMED, name + ".txt")
            d = run("--problem", "pmedian", "--orlib-pmed", path, "--time-limit", "20")
            self.assertEqual(orlib_median(path, [int(s) for s in d["sites"]]), d["objective"],
                             name)
            self.assertEqual(d["objective"], opt, name)
            self.assertLessEqual(d["bound"], opt, name)
            self.assertEqual(len(d["sites"]), {"pmed1": 5, "pmed2": 10, "pmed3": 10,
                                               "pmed4": 20, "pmed5": 33, "pmed6": 5,
                                               "pmed7": 10, "pmed8": 20, "pmed9": 40,
                                               "pmed10": 67}[name])

    def test_forced_and_forbidden_sites(self):
        path = os.path.join(PMED, "pmed1.txt")
        free = run("--problem", "pmedian", "--orlib-pmed", path)
        banned = free["sites"][0]
        d = run("--problem", "pmedian", "--orlib-pmed", path, "--force", "1,2",
                "--forbid", banned)
        self.assertTrue({"1", "2"} <= set(d["sites"]))
        self.assertNotIn(banned, d["sites"])
        self.assertEqual(len(d["sites"]), 5)
        for answer in (free, d):
            self.assertEqual(orlib_median(path, [int(s) for s in answer["sites"]]),
                             answer["objective"])
        self.assertGreaterEqual(d["objective"], free["objective"])
        self.assertLessEqual(d["bound"], d["objective"])
        p = civgis("site", "--problem", "pmedian", "--orlib-pmed", path, "--force", "999")
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a candidate", p.stderr)

    def test_exact_path_proves_pmed2(self):
        path = os.path.join(PMED, "pmed2.txt")
        d = run("--problem", "pmedian", "--orlib-pmed", path, "--exact", "--time-limit", "60")
        self.assertEqual(orlib_median(path, [int(s) for s in d["sites"]]), d["objective"])
        self.assertEqual(d["objective"], 4093)
        self.assertTrue(d["is_optimal"])
        self.assertEqual(d["gap"], 0)


class BruteForce(unittest.TestCase):
    """Planar integer instances small enough to try every set of p sites."""

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("site")

    def instance(self, seed, n=14, m=9):
        rnd = random.Random(seed)
        dem = [(i, rnd.randint(0, 100), rnd.randint(0, 100), rnd.randint(0, 9)) for i in range(n)]
        cand = [(j, rnd.randint(0, 100), rnd.randint(0, 100)) for j in range(m)]
        dp = os.path.join(self.dir, f"d{seed}.csv")
        cp = os.path.join(self.dir, f"c{seed}.csv")
        with open(dp, "w") as f:
            f.write("id,x,y,weight\n" + "".join(f"d{i},{x},{y},{w}\n" for i, x, y, w in dem))
        with open(cp, "w") as f:
            f.write("id,x,y\n" + "".join(f"c{j},{x},{y}\n" for j, x, y in cand))
        # float32 distances, as the solver stores them
        dist = [[struct.unpack("f", struct.pack("f", math.hypot(dx - cx, dy - cy)))[0]
                 for (_, cx, cy) in cand] for (_, dx, dy, _) in dem]
        return dem, cand, dist, dp, cp

    def best(self, dem, cand, dist, p, score, better):
        best = None
        for sites in itertools.combinations(range(len(cand)), p):
            v = score(sites)
            if best is None or better(v, best):
                best = v
        return best

    def check(self, problem, p, radius, score, better):
        for seed in range(4):
            dem, cand, dist, dp, cp = self.instance(seed)
            opt = self.best(dem, cand, dist, p, lambda s: score(dem, dist, s, radius), better)
            for extra in ([], ["--exact"]):
                args = ["--problem", problem, "--demand", dp, "--candidates-csv", cp,
                        "--planar", "--p", str(p), "--seed", str(seed), *extra]
                if radius:
                    args += ["--radius", str(radius)]
                d = run(*args)
                sites = [int(x[1:]) for x in d["sites"]]
                self.assertEqual(len(sites), len(set(sites)))
                self.assertLessEqual(len(sites), p)
                # the objective of the sites returned, computed here, is the one reported
                self.assertAlmostEqual(score(dem, dist, sites, radius), d["objective"], places=3,
                                       msg=(problem, seed, extra))
                self.assertAlmostEqual(d["objective"], opt, places=3, msg=(problem, seed, extra))
                if better(1, 0):  # maximising: the bound is an upper bound
                    self.assertGreaterEqual(d["bound"], opt - 1e-6)
                else:
                    self.assertLessEqual(d["bound"], opt + 1e-6)

    def test_pmedian(self):
        self.check("pmedian", 3, None,
                   lambda dem, dist, s, r: sum(w * min(dist[i][j] for j in s)
                                               for i, (_, _, _, w) in enumerate(dem)),
                   lambda a, b: a < b - 1e-9)

    def test_pcenter(self):
        self.check("pcenter", 3, None,
                   lambda dem, dist, s, r: max(min(dist[i][j] for j in s)
                                               for i, (_, _, _, w) in enumerate(dem) if w > 0),
                   lambda a, b: a < b - 1e-9)

    def test_mclp(self):
        self.check("mclp", 2, 30,
                   lambda dem, dist, s, r: sum(w for i, (_, _, _, w) in enumerate(dem)
                                               if min(dist[i][j] for j in s) <= r),
                   lambda a, b: a > b + 1e-9)

    def test_lscp_covers_every_coverable_point_with_the_fewest_sites(self):
        for seed in range(4):
            dem, cand, dist, dp, cp = self.instance(seed)
            r = 40
            need = [i for i, d in enumerate(dem) if d[3] > 0 and min(dist[i]) <= r]
            fewest = next(k for k in range(len(cand) + 1)
                          for s in itertools.combinations(range(len(cand)), k)
                          if all(any(dist[i][j] <= r for j in s) for i in need))
            for extra in ([], ["--exact"]):
                d = run("--problem", "lscp", "--demand", dp, "--candidates-csv", cp,
                        "--planar", "--radius", str(r), *extra)
                chosen = [int(x[1:]) for x in d["sites"]]
                self.assertEqual(len(chosen), len(set(chosen)))
                self.assertEqual(d["objective"], len(chosen))  # unit costs: the site count
                self.assertTrue(all(any(dist[i][j] <= r for j in chosen) for i in need))
                self.assertEqual(d["objective"], fewest, extra)
            self.assertEqual(d["uncoverable_points"],
                             sum(1 for i, x in enumerate(dem) if x[3] > 0 and min(dist[i]) > r))


class BadInput(unittest.TestCase):

    def test_errors_are_clear_and_store_nothing(self):
        db = demo_db()
        before = snapshot(db)
        d = scratch_dir("site-bad")
        bad_csv = os.path.join(d, "bad.csv")
        with open(bad_csv, "w") as f:
            f.write("id,x,y\na,1,notanumber\n")
        cases = [
            (["--problem", "mclp", "--db", db, "--kind", "mutual_aid_home", "--p", "99999",
              "--radius", "2000"], "p is 99999", 1),
            (["--problem", "pmedian", "--orlib-pmed", bad_csv], "OR-Library header", 1),
            (["--problem", "pmedian", "--demand", bad_csv, "--candidates-csv", bad_csv,
              "--p", "1"], "not a number", 1),
            (["--problem", "mclp", "--db", db, "--kind", "no_such_kind", "--p", "3",
              "--radius", "100"], "unknown", 1),
            (["--problem", "pmedian", "--db", db, "--kind", "regional_elderly_centre",
              "--candidates", "townships", "--p", "13", "--per-county", "2"],
             "infeasible quotas", 1),
            (["--problem", "nonsense"], "--problem", 2),
            # Too large for the exact model: said so, with what to do (it read "out of
            # memory for p-median").
            (["--problem", "pmedian", "--db", db, "--kind", "mutual_aid_home", "--p", "60",
              "--exact", "--time-limit", "5"], "too large; use the heuristic answer", 1),
        ]
        for args, words, code in cases:
            p = civgis("site", *args)
            self.assertEqual(p.returncode, code, args)
            self.assertIn(words, p.stderr, args)
        self.assertEqual(snapshot(db), before)


class PCenterCrash(unittest.TestCase):
    """Issue 12: these p-center runs killed the process (SIGSEGV): once the radius search
    reached a radius, an answer better than a radius it had missed made an index wrap."""

    def check_answer(self, d, most):
        sites = d["sites"]
        self.assertEqual(d["problem"], "pcenter")
        self.assertGreater(len(sites), 0)
        self.assertLessEqual(len(sites), most)
        self.assertEqual(len(sites), len(set(sites)))
        self.assertTrue(math.isfinite(d["objective"]) and math.isfinite(d["bound"]))
        self.assertLessEqual(d["bound"], d["objective"])

    def test_budget_below_p(self):
        d = run("--db", demo_db(), "--problem", "pcenter", "--kind", "welfare_institute",
                "--candidates", "rural", "--time-limit", "0.5", "--within", "610602",
                "--p", "100", "--budget", "10")
        self.check_answer(d, 10)  # every site costs 1: the budget allows ten
        self.assertTrue(all(s.startswith("610602") for s in d["sites"]))

    def test_a_hundred_mutual_aid_homes(self):
        d = run("--db", demo_db(), "--problem", "pcenter", "--kind", "mutual_aid_home",
                "--p", "100", "--time-limit", "30")
        self.check_answer(d, 100)


class Scenario(unittest.TestCase):

    def test_saved_answer_is_a_scenario_that_coverage_counts(self):
        db = demo_copy("site-scn")
        base = json.loads(civgis("coverage", "--db", db, "--kind", "regional_elderly_centre",
                                 "--radius", "30000", check=0).stdout)
        out = run("--problem", "mclp", "--db", db, "--kind", "regional_elderly_centre",
                  "--candidates", "townships", "--p", "13", "--per-county", "1:1",
                  "--radius", "30000", "--save-scenario", "regional-centres",
                  "--time-limit", "10")
        self.assertEqual(out["n_sites"], 13)
        con = connect(db)
        rows = con.execute("SELECT status, substr(division_code, 1, 6) FROM facilities "
                           "WHERE scenario_id = ?", (out["scenario_id"],)).fetchall()
        con.close()
        self.assertEqual(len(rows), 13)
        self.assertTrue(all(r[0] == "planned" for r in rows))
        self.assertEqual(len({r[1] for r in rows}), 13, "one per county")
        after = json.loads(civgis("coverage", "--db", db, "--kind", "regional_elderly_centre",
                                  "--radius", "30000", "--scenario", str(out["scenario_id"]),
                                  check=0).stdout)
        self.assertEqual(after["demand_covered"], out["demand_covered"])
        self.assertGreaterEqual(after["demand_covered"], base["demand_covered"])
        again = civgis("site", "--problem", "mclp", "--db", db, "--kind",
                       "regional_elderly_centre", "--p", "2", "--radius", "30000",
                       "--save-scenario", "regional-centres")
        self.assertEqual(again.returncode, 1)
        self.assertIn("exists already", again.stderr)


class Plan(unittest.TestCase):

    def test_yanan_2024_plan_runs_stores_and_reruns(self):
        db = demo_copy("plan")
        plan = os.path.join(HERE, "..", "..", "data", "scenarios", "yanan-2024.json")
        with open(plan) as f:
            names = [p["name"] for p in json.load(f)["problems"]]
        out = json.loads(civgis("plan", plan, "--db", db, "--format", "json", check=0).stdout)
        self.assertEqual([p["scenario"] for p in out["problems"]],
                         ["yanan-2024/" + n for n in names])
        by = {p["scenario"].split("/")[1]: p for p in out["problems"]}
        self.assertEqual(by["mutual-aid-homes"]["result"]["n_sites"], 380)
        self.assertEqual(by["regional-elderly-centres"]["result"]["n_sites"], 13)
        self.assertEqual(by["baota-canteens"]["result"]["n_sites"], 15)
        for p in out["problems"]:
            res = p["result"]
            self.assertLessEqual(res["gap"], 0.05, p["scenario"])
            city = p["coverage"][0]
            self.assertEqual(city["code"], "610600")
            self.assertEqual(len(p["coverage"]), 14)  # the city and its 13 counties
            if res["problem"] == "mclp":
                self.assertGreaterEqual(city["after"], city["before"])
        canteens = by["baota-canteens"]
        con = connect(db)
        sites = con.execute("SELECT division_code FROM facilities f JOIN scenarios s ON "
                            "s.id = f.scenario_id WHERE s.name = 'yanan-2024/baota-canteens'"
                            ).fetchall()
        self.assertEqual(len(sites), 15)
        self.assertTrue(all(s[0].startswith("610602") for s in sites))
        n_scenarios = con.execute("SELECT count(*) FROM scenarios").fetchone()[0]
        con.close()
        self.assertGreater(canteens["coverage"][1]["after"], 0.3)
        civgis("plan", plan, "--db", db, check=0)  # a rerun replaces its own scenarios
        con = connect(db)
        self.assertEqual(con.execute("SELECT count(*) FROM scenarios").fetchone()[0], n_scenarios)
        con.close()

    def test_failed_rerun_keeps_the_earlier_answer(self):
        db = demo_copy("plan-rerun")
        d = os.path.dirname(db)
        plan = os.path.join(d, "p.json")
        inputs = {"problem": "mclp", "kind": "canteen", "p": 13, "radius": 1000,
                  "candidates": "townships"}
        with open(plan, "w") as f:
            json.dump({"name": "t", "problems": [{"name": "c", "inputs": inputs}]}, f)
        civgis("plan", plan, "--db", db, check=0)
        before = snapshot(db)
        with open(plan, "w") as f:  # the quotas fail only once the instance is built
            json.dump({"name": "t", "problems": [{"name": "c", "inputs": dict(
                inputs, per_county_min=50)}]}, f)
        p = civgis("plan", plan, "--db", db)
        self.assertEqual(p.returncode, 1)
        self.assertIn("infeasible quotas", p.stderr)
        self.assertEqual(snapshot(db), before)

    def test_killed_rerun_leaves_the_first_run_whole(self):
        # Issue 12: kill -9 mid-run left some of the plan's scenarios replaced and some not.
        db = demo_copy("plan-kill")
        d = os.path.dirname(db)
        plan = os.path.join(d, "p.json")
        quick = {"problem": "mclp", "kind": "canteen", "p": 5, "radius": 1000,
                 "candidates": "townships", "time_limit": 5}
        with open(plan, "w") as f:
            json.dump({"name": "k", "problems": [
                {"name": "a", "inputs": quick}, {"name": "b", "inputs": quick},
                {"name": "c", "inputs": dict(quick, kind="mutual_aid_home")},
                {"name": "gone", "inputs": quick}]}, f)
        civgis("plan", plan, "--db", db, check=0)
        before = snapshot(db)
        self.assertEqual(sorted(r[1] for r in before["scenarios"]),
                         ["k/a", "k/b", "k/c", "k/gone"])
        # The rerun changes a, then spends long on b: killed there, a must still be the old a.
        with open(plan, "w") as f:
            json.dump({"name": "k", "problems": [
                {"name": "a", "inputs": dict(quick, p=9)},
                {"name": "b", "inputs": {"problem": "pmedian", "kind": "mutual_aid_home",
                                         "p": 380, "time_limit": 60}},
                {"name": "c", "inputs": quick}]}, f)
        proc = subprocess.Popen([BIN, "plan", plan, "--db", db], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        try:
            for line in proc.stderr:
                if line.startswith("civgis plan: b "):
                    break
            time.sleep(1.0)  # a is solved, b is running
            self.assertIsNone(proc.poll(), "the rerun ended before it could be killed")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
            proc.stderr.close()
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        self.assertEqual(snapshot(db), before)
        # Run to the end, the rerun replaces the plan's scenarios as a whole: "gone",
        # no longer in the plan, goes with the others.
        with open(plan, "w") as f:
            json.dump({"name": "k", "problems": [
                {"name": "a", "inputs": dict(quick, p=9)}, {"name": "c", "inputs": quick}]}, f)
        out = json.loads(civgis("plan", plan, "--db", db, "--format", "json", check=0).stdout)
        con = connect(db)
        rows = con.execute("SELECT id, name FROM scenarios ORDER BY name").fetchall()
        n_sites = con.execute("SELECT count(*) FROM facilities WHERE scenario_id IS NOT NULL"
                              ).fetchone()[0]
        con.close()
        self.assertEqual([r[1] for r in rows], ["k/a", "k/c"])
        self.assertEqual([r[0] for r in rows],
                         [p["result"]["scenario_id"] for p in out["problems"]])
        self.assertEqual(n_sites, 9 + 5)

    def test_bad_plan_stores_nothing(self):
        db = demo_copy("plan-bad")
        d = os.path.dirname(db)
        before = snapshot(db)
        bad = os.path.join(d, "bad.json")
        with open(bad, "w") as f:
            json.dump({"name": "x", "problems": [
                {"name": "ok", "inputs": {"problem": "mclp", "kind": "canteen", "p": 2,
                                          "radius": 1000}},
                {"name": "bad", "inputs": {"problem": "mclp", "kind": "canteen", "p": -1}}]}, f)
        p = civgis("plan", bad, "--db", db)
        self.assertEqual(p.returncode, 1)
        self.assertIn("\"p\"", p.stderr)
        self.assertEqual(snapshot(db), before)


if __name__ == "__main__":
    unittest.main()
