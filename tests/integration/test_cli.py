"""The civgis command line: help, version, exit codes (0 ok, 1 failure, 2 usage),
messages on stderr and results on stdout."""
import os
import unittest

from civgis_test import DATA, civgis, scratch_dir


class CommandLine(unittest.TestCase):

    def test_help_and_version(self):
        p = civgis("--help", check=0)
        self.assertIn("usage: civgis", p.stdout)
        self.assertIn("import", p.stdout)
        self.assertEqual(p.stderr, "")
        p = civgis("--version", check=0)
        self.assertRegex(p.stdout, r"^civgis \d+\.\d+\.\d+\n$")
        for cmd in ("import", "serve"):
            p = civgis(cmd, "--help", check=0)
            self.assertIn(f"usage: civgis {cmd}", p.stdout)

    def test_usage_errors_exit_2(self):
        for args in ([], ["frobnicate"], ["import"], ["import", "--db", "x.sqlite"],
                     ["import", "--db", "x", "--target", "nonsense", "a.shp"],
                     ["import", "--bogus-option"], ["serve"], ["serve", "--db", "x", "--port",
                                                              "70000"],
                     ["serve", "--db", "x", "--threads", "0"], ["serve", "--db", "x", "extra"]):
            p = civgis(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stdout, "", args)
            self.assertTrue(p.stderr.strip(), args)

    def test_failures_exit_1_with_one_message(self):
        d = scratch_dir("cli")
        p = civgis("serve", "--db", os.path.join(d, "missing.sqlite"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("does not exist", p.stderr)
        foreign = os.path.join(d, "notes.txt")
        with open(foreign, "w") as f:
            f.write("not a database\n" * 100)
        p = civgis("import", "--db", foreign, "--target", "facilities",
                   os.path.join(DATA, "facilities.shp"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("civgis: import:", p.stderr)

    def test_results_on_stdout_problems_on_stderr(self):
        d = scratch_dir("cli")
        db = os.path.join(d, "x.sqlite")
        p = civgis("import", "--db", db, "--target", "facilities", "--s-crs", "GCJ02",
                   os.path.join(DATA, "facilities.shp"), check=0)
        self.assertEqual(p.stdout, "facilities: read 217, written 217, repaired 0, rejected 0\n")
        self.assertEqual(p.stderr, "")  # no progress bar when stderr is not a terminal


if __name__ == "__main__":
    unittest.main(verbosity=2)
