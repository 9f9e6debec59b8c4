"""What `make data` and `make run` rely on, through the real CLI: `civgis audit` tells
the shipped import from later changes, data/build_db.sh never replaces a database that
holds such changes (REBUILD=1 keeps it aside), and `civgis serve --log` says where to
open it and writes its log where asked."""
import glob
import json
import os
import signal
import subprocess
import unittest
import urllib.request

from civgis_test import BIN, ROOT, civgis, demo_copy, demo_db, scratch_dir

BUILD_DB = os.path.join(ROOT, "build_db.sh")


def build_db(db, rebuild=False):
    env = dict(os.environ, REBUILD="1" if rebuild else "0")
    return subprocess.run([BUILD_DB, BIN, db, db + ".log"], capture_output=True, text=True,
                          env=env, timeout=600)


def save_scenario(db, name):
    civgis("site", "--db", db, "--problem", "mclp", "--kind", "canteen", "--p", "2",
           "--radius", "1000", "--within", "610602", "--candidates", "communities",
           "--time-limit", "2", "--save-scenario", name, check=0)


class Audit(unittest.TestCase):

    def test_lists_the_shipped_import_and_later_changes(self):
        db = demo_copy("audit")
        rows = json.loads(civgis("audit", "--db", db, "--format", "json", check=0).stdout)
        self.assertEqual([r["target"] for r in rows],
                         ["divisions"] * 4 + ["demand", "facilities", "divisions,places"])
        self.assertEqual({r["user"] for r in rows}, {"make-data"})
        self.assertEqual([r["action"] for r in rows], ["import"] * 6 + ["names_fill"])
        self.assertEqual(civgis("audit", "--db", db, "--not-user", "make-data", "--count",
                                check=0).stdout, "0\n")
        save_scenario(db, "audit-test")
        later = json.loads(civgis("audit", "--db", db, "--not-user", "make-data", "--format",
                                  "json", check=0).stdout)
        self.assertEqual([(r["action"], r["target"]) for r in later], [("create", "scenarios")])
        self.assertEqual(civgis("audit", "--db", db, "--user", "make-data", "--count",
                                check=0).stdout, "7\n")
        self.assertEqual(civgis("audit", "--db", db, "--target", "scenarios", "--count",
                                check=0).stdout, "1\n")
        text = civgis("audit", "--db", db, "--target", "facilities", check=0).stdout
        self.assertRegex(text, r"^6\t\d{4}-\d\d-\d\dT[\d:.]+Z\tmake-data\timport\tfacilities\t"
                               r"shipped Yan'an data\n$")

    def test_bad_use(self):
        p = civgis("audit", "--db", demo_db(), "--format", "xml")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--format 'xml' is not text or json", p.stderr)
        p = civgis("audit")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--db is required", p.stderr)
        p = civgis("audit", "--db", os.path.join(scratch_dir("audit"), "none.sqlite"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("does not exist", p.stderr)


class RebuildGuard(unittest.TestCase):

    def test_unchanged_database_is_rebuilt(self):
        db = demo_copy("guard")
        p = build_db(db)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(civgis("audit", "--db", db, "--count", check=0).stdout, "7\n")
        self.assertEqual(glob.glob(db + ".kept-*"), [])

    def test_changed_database_is_refused_and_kept(self):
        db = demo_copy("guard")
        save_scenario(db, "keep-me")
        before = open(db, "rb").read()
        p = build_db(db)
        self.assertEqual(p.returncode, 1)
        self.assertIn("1 audit rows of changes made after the shipped import", p.stderr)
        self.assertIn("make data REBUILD=1", p.stderr)
        self.assertEqual(open(db, "rb").read(), before)
        self.assertEqual(civgis("audit", "--db", db, "--target", "scenarios", "--count",
                                check=0).stdout, "1\n")
        p = build_db(db, rebuild=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        kept = [k for k in glob.glob(db + ".kept-*") if not k.endswith(("-wal", "-shm"))]
        self.assertEqual(len(kept), 1, kept)
        self.assertIn("kept the old database as " + kept[0], p.stdout)
        # The old file keeps its scenario; the new one is the shipped data alone.
        self.assertEqual(civgis("audit", "--db", kept[0], "--target", "scenarios", "--count",
                                check=0).stdout, "1\n")
        self.assertEqual(civgis("audit", "--db", db, "--not-user", "make-data", "--count",
                                check=0).stdout, "0\n")


class ServeLog(unittest.TestCase):

    def test_says_where_to_open_and_logs_to_the_file(self):
        log = os.path.join(scratch_dir("serve-log"), "serve.log")
        proc = subprocess.Popen([BIN, "serve", "--db", demo_db(), "--port", "0", "--log", log],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = proc.stdout.readline()
            second = proc.stdout.readline()
            self.assertRegex(first, r"^listening on http://127\.0\.0\.1:\d+/\n$")
            url = first.split()[-1]
            self.assertEqual(second, f"civgis: open {url} in a browser; press Ctrl-C to stop. "
                                     f"Log: {log}\n")
            with urllib.request.urlopen(url + "collections?f=json", timeout=30) as r:
                self.assertEqual(r.status, 200)
        finally:
            proc.send_signal(signal.SIGINT)
            self.assertEqual(proc.wait(timeout=20), 0)
            err = proc.stderr.read()
            proc.stdout.close()
            proc.stderr.close()
        text = open(log).read()
        self.assertIn('path="/collections"', text)
        self.assertIn("event=shutdown", text)
        self.assertNotIn("path=", err)


if __name__ == "__main__":
    unittest.main()
