"""Shared helpers of the integration tests: the real civgis binary, real SpatiaLite
files in a scratch directory, and a real server on an ephemeral loopback port."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

BIN = os.environ.get("CIVGIS_BIN", "build/civgis")
DATA = os.environ.get("CIVGIS_DATA", "data/shapefiles")
ROOT = os.path.dirname(os.path.abspath(DATA.rstrip("/")))  # the repository's data/
TMP = os.environ.get("CIVGIS_TMP", tempfile.gettempdir())


def schema_version():
    """The schema version this build writes: STORE_SCHEMA_VERSION in gis/store.h."""
    header = os.path.join(os.path.dirname(ROOT), "gis", "store.h")
    for line in open(header):
        if line.startswith("#define STORE_SCHEMA_VERSION "):
            return int(line.split()[2])
    raise AssertionError("no STORE_SCHEMA_VERSION in " + header)


def scratch_dir(name):
    """A fresh directory for one test module."""
    os.makedirs(TMP, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=TMP)


def civgis(*args, check=None, timeout=300):
    """Runs civgis; returns CompletedProcess. check=N asserts the exit code."""
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
    if check is not None and p.returncode != check:
        raise AssertionError(f"civgis {' '.join(args)} exited {p.returncode}, wanted {check}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def run_client(*args, timeout=300):
    """Runs a client program (node, ogr2ogr, a tool); returns its stdout. When it fails,
    the assertion carries the client's own output, so its message is what a reader sees."""
    try:
        p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{' '.join(args)} did not finish in {timeout} s\n"
                             f"stdout: {e.stdout}\nstderr: {e.stderr}") from None
    if p.returncode:
        raise AssertionError(f"{' '.join(args)} exited {p.returncode}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p.stdout


def load_demo(db):
    """Builds the demo database with data/load.sh, exactly as `make data` does."""
    run_client(os.path.join(ROOT, "load.sh"), BIN, db, timeout=600)


_DEMO = {}


def demo_db():
    """One demo database per test process, built once, treated as read-only."""
    if "path" not in _DEMO:
        d = scratch_dir("demo")
        _DEMO["path"] = os.path.join(d, "yanan.sqlite")
        load_demo(_DEMO["path"])
    return _DEMO["path"]


def demo_copy(name):
    """A private copy of the demo database, for a test that writes, in a fresh directory
    (os.path.dirname of the path returned) of its own."""
    db = os.path.join(scratch_dir(name), "yanan.sqlite")
    shutil.copy(demo_db(), db)
    return db


VERSIONED_TABLES = ("divisions", "places", "facilities", "demand", "scenarios",
                    "service_standards")


def make_schema_1(db, data_version=5):
    """Turns a civgis store into what civgis wrote at schema 1, undoing every later step:
    the ids ever handed out (9), the list of changed rows (8), the history indexes (7), the
    gazetteer's records and index (4), the per-table versions and their triggers (3, one
    store-wide data_version instead), the users' scope and token times (2)."""
    con = connect(db)
    con.executescript("DROP TRIGGER facilities_ids; DROP TRIGGER places_ids; "
                      "DROP TABLE store_ids;")
    con.executescript("DROP INDEX divisions_closed; DROP INDEX places_closed; "
                      "DROP TABLE names_fts; DROP TABLE search_entries; "
                      "DROP TABLE name_variants;")
    for t in ("divisions", "places"):
        for c in ("pinyin_source", "approved_by", "approval_doc", "approval_date",
                  "filing_status", "filing_date"):
            con.execute(f"ALTER TABLE {t} DROP COLUMN {c}")
    for t in VERSIONED_TABLES:
        for op in ("insert", "update", "delete"):
            con.execute(f"DROP TRIGGER {t}_version_{op}")
    con.execute("DROP TABLE store_versions")
    con.execute("DROP TABLE store_changes")
    con.execute("INSERT INTO store_meta VALUES ('data_version', ?)", (str(data_version),))
    for column in ("scope", "token_at", "revoked_at"):
        con.execute(f"ALTER TABLE users DROP COLUMN {column}")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()


def add_user(db, name, role, scope=None):
    """A user of db with role (and scope); returns its token (civgis user add)."""
    args = ["user", "add", "--db", db, name, "--role", role]
    if scope:
        args += ["--scope", scope]
    return civgis(*args, check=0).stdout.strip()


def bearer(token):
    return {"Authorization": "Bearer " + token}


def connect(db):
    con = sqlite3.connect(db)
    con.enable_load_extension(True)
    con.load_extension("mod_spatialite")
    return con


def snapshot(db):
    """Everything a failed write must not change: every row of every data table."""
    con = connect(db)
    out = {}
    for t in ("divisions", "demand", "facilities", "places", "audit", "store_meta", "scenarios",
              "users"):
        out[t] = con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
    con.close()
    return out


class Server:
    """`civgis serve` on 127.0.0.1 with an ephemeral port, as a context manager."""

    def __init__(self, db, *extra, log=None):
        """log: a file for the server's stderr, with the access log on (else --quiet)."""
        self.db = db
        self.extra = extra
        self.log = log
        self.proc = None
        self.base = None

    def __enter__(self):
        err = open(self.log, "w") if self.log else subprocess.PIPE
        quiet = [] if self.log else ["--quiet"]
        self.proc = subprocess.Popen([BIN, "serve", "--db", self.db, "--port", "0", *quiet,
                                      *self.extra], stdout=subprocess.PIPE, stderr=err, text=True)
        if self.log:
            err.close()
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise AssertionError("server did not start: " + line +
                                 (self.proc.stderr.read() if not self.log else ""))
        self.base = line.split()[-1].rstrip("/")
        return self

    def stop(self):
        """SIGTERM, then the exit code (a clean shutdown exits 0)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=20)
            if code != 0 and self.proc.stderr:  # say why (a sanitizer's report, say)
                sys.stderr.write(f"civgis serve exited {code}:\n" + self.proc.stderr.read()[-4000:])
            return code
        finally:
            self.proc.stdout.close()
            if self.proc.stderr:
                self.proc.stderr.close()

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()

    def get(self, path, headers=None, method="GET", data=None):
        """(status, headers, body bytes); HTTP errors are returned, not raised."""
        req = urllib.request.Request(self.base + path, headers=headers or {}, method=method,
                                     data=data)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get_json(self, path, **kw):
        status, headers, body = self.get(path, **kw)
        return status, headers, json.loads(body) if body else None


def copy_file(src, dst):
    shutil.copyfile(src, dst)
