"""Users, roles and tokens through the real CLI: `civgis user add` prints the token as
the only line on stdout, the store keeps only its keyed hash, list/revoke/token do what
they say, and bad input exits 1 or 2 with a message and changes nothing."""
import json
import re
import unittest

from civgis_test import Server, bearer, civgis, connect, demo_copy, snapshot

TOKEN = re.compile(r"^cgt_\d+_[A-Za-z0-9_-]{43}\n$")


class UserCommands(unittest.TestCase):

    def setUp(self):
        self.db = demo_copy("users")

    def user(self, *args, check=None):
        return civgis("user", args[0], "--db", self.db, *args[1:], check=check)

    def test_add_prints_only_the_token_and_stores_its_hash(self):
        p = self.user("add", "zhang", "--role", "officer", "--scope", "610602", check=0)
        self.assertRegex(p.stdout, TOKEN)
        self.assertEqual(p.stderr, "")
        token = p.stdout.strip()
        con = connect(self.db)
        name, role, scope, stored = con.execute(
            "SELECT name, role, scope, token_hash FROM users").fetchone()
        con.close()
        self.assertEqual((name, role, scope), ("zhang", "officer", "610602"))
        self.assertRegex(stored, r"^[0-9a-f]{64}$")
        self.assertNotIn(token.split("_", 2)[2], open(self.db, "rb").read().decode("latin-1"))
        # A zero-padded 12-digit scope is kept in its short form.
        self.user("add", "li", "--role", "officer", "--scope", "610602000000", check=0)
        listing = self.user("list", check=0).stdout.splitlines()
        self.assertEqual([l.split("\t")[:3] for l in listing],
                         [["li", "officer", "610602"], ["zhang", "officer", "610602"]])

    def test_token_replaces_and_revoke_removes(self):
        first = self.user("add", "wang", "--role", "planner", check=0).stdout
        second = self.user("token", "wang", check=0).stdout
        self.assertRegex(second, TOKEN)
        self.assertNotEqual(first, second)
        p = self.user("revoke", "wang", check=0)
        self.assertEqual(p.stdout, "")
        self.assertEqual(self.user("list", check=0).stdout.split("\t")[-1], "revoked\n")
        audit = civgis("audit", "--db", self.db, "--target", "users", check=0).stdout
        self.assertEqual([l.split("\t")[3:5] for l in audit.splitlines()],
                         [["user-add", "users/wang"], ["user-token", "users/wang"],
                          ["user-revoke", "users/wang"]])

    def test_bad_input_changes_nothing(self):
        self.user("add", "chen", "--role", "viewer", check=0)
        before = snapshot(self.db)
        cases = [
            (("add", "chen", "--role", "admin"), 1, "a user named 'chen' exists"),
            (("add", "zhao", "--role", "boss"), 2, "--role is viewer, planner, officer or admin"),
            (("add", "zhao"), 2, "--role is viewer"),
            (("add", "zhao", "--role", "officer", "--scope", "6106"), 2, "--scope"),
            (("add", "zhao", "--role", "officer", "--scope", "610699"), 1,
             "scope '610699' is not a current division code"),
            (("add", "--role", "officer"), 2, "needs a user NAME"),
            (("revoke", "nobody"), 1, "no user named 'nobody'"),
            (("token", "nobody"), 1, "no user named 'nobody'"),
            (("list", "extra"), 2, "takes no NAME"),
            (("revoke", "chen", "--role", "admin"), 2, "usage: civgis user"),
        ]
        for args, code, message in cases:
            p = self.user(*args)
            self.assertEqual(p.returncode, code, args)
            self.assertIn(message, p.stderr, args)
            self.assertEqual(p.stdout, "", args)
        p = civgis("user", "frobnicate", "--db", self.db)
        self.assertEqual(p.returncode, 2)
        self.assertIn("'frobnicate' is not add, list, revoke or token", p.stderr)
        self.assertEqual(snapshot(self.db), before)


class BadTokens(unittest.TestCase):
    """Guessing tokens is slowed: past ten unknown tokens a minute from one address, that
    address gets 429 with Retry-After, for a valid token too, until its minute is over;
    each bad token is logged with the address."""

    def test_ten_bad_tokens_a_minute_then_429(self):
        db = demo_copy("bad-tokens")
        good = civgis("user", "add", "--db", db, "ok", "--role", "viewer", check=0).stdout.strip()
        log = db + ".log"
        with Server(db, log=log) as srv:
            for i in range(10):
                status, headers, _ = srv.get("/collections", headers=bearer(f"cgt_1_guess{i}"))
                self.assertEqual(status, 401, i)
            status, headers, body = srv.get("/collections", headers=bearer("cgt_1_guess10"))
            self.assertEqual(status, 429, body)
            self.assertEqual(json.loads(body)["code"], "too_many_requests")
            self.assertTrue(0 < int(headers["Retry-After"]) <= 60)
            self.assertEqual(srv.get("/collections", headers=bearer(good))[0], 429)
            self.assertEqual(srv.get("/collections")[0], 200)  # no token: not throttled
        text = open(log).read()
        self.assertEqual(text.count("event=bad_token addr=127.0.0.1"), 10)


if __name__ == "__main__":
    unittest.main()
