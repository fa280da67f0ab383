"""A damaged database never looks like missing data.

A copy of the demo database has 12 bytes overwritten at the head of five
pages of the case table (as a bad sector or a stray write would).  The server
must refuse to start on it (PRAGMA quick_check at start); with --no-db-check
it starts, and then every request that touches the damage answers 500 with a
clear message (in the client's language), never a 404, an empty list or "page
out of range"; /healthz answers 503 and /metrics says unhealthy.  A WAL whose
frame fails its checksum at recovery is reported at start and by /healthz.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import pytest
import requests

from conftest import (HTTP_TIMEOUT, LAUREL_BIN, LaurelServer, ON_PG, START_TIMEOUT, finish,
                      free_port, make_demo, metrics_values)

pytestmark = pytest.mark.skipif(ON_PG, reason="on PostgreSQL: its subject is SQLite's file (a "
                                "corrupt page, its WAL, the integrity check at start)")


@pytest.fixture(scope="module")
def demo_dir():
    workdir = tempfile.mkdtemp(prefix="laurel-corrupt-")
    try:
        yield make_demo(workdir, "--cases", "600")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def copy_demo(demo_dir):
    workdir = tempfile.mkdtemp(prefix="laurel-corrupt-copy-")
    data = os.path.join(workdir, "data")
    shutil.copytree(demo_dir, data)
    return workdir, data


def case_leaf_pages(db):
    c = sqlite3.connect(db)
    try:
        pages = [r[0] for r in c.execute(
            "SELECT pageno FROM dbstat WHERE name = 'case' AND pagetype = 'leaf' ORDER BY pageno")]
        size = c.execute("PRAGMA page_size").fetchone()[0]
    finally:
        c.close()
    return pages, size


def corrupt_case_pages(data, n=5):
    """Overwrite 12 bytes at the head of n leaf pages of the case table, spread out."""
    db = os.path.join(data, "laurel.db")
    pages, size = case_leaf_pages(db)
    assert len(pages) >= 2 * n, "expected the demo's case table to span pages; saw %r" % pages
    picked = [pages[(i * len(pages)) // n + 1] for i in range(n)]
    with open(db, "r+b") as f:
        for p in picked:
            f.seek((p - 1) * size)
            f.write(b"\xff" * 12)
    return picked


class Server(LaurelServer):
    def start_any(self):
        """Start and wait until /healthz answers at all (its status is the test's concern)."""
        self.port = free_port()
        err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data", self.data, "--listen", "127.0.0.1:%d" % self.port,
             "--access-log", self.access_log] + self.extra_args,
            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, cwd=self.workdir)
        err.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("expected laurel serve to start; it exited %r: %s"
                                     % (self.proc.returncode, self.stderr_tail()))
            try:
                return requests.get(self.url + "/healthz", timeout=2)
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("laurel serve did not answer /healthz within %.0f s" % START_TIMEOUT)


def test_start_refuses_a_corrupt_database(demo_dir):
    workdir, data = copy_demo(demo_dir)
    try:
        corrupt_case_pages(data)
        p = subprocess.run([LAUREL_BIN, "serve", "--data", data, "--listen",
                            "127.0.0.1:%d" % free_port()], capture_output=True, timeout=60,
                           cwd=workdir)
        err = p.stderr.decode("utf-8", "replace")
        assert p.returncode != 0, "expected serve to refuse a corrupt database; it exited 0"
        assert "corrupt" in err and "quick_check" in err and "--no-db-check" in err, (
            "expected a message naming the corruption, the check and the flag; saw %r" % err[-800:])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_corruption_answers_500_never_not_found(demo_dir):
    workdir, data = copy_demo(demo_dir)
    srv = None
    try:
        db = os.path.join(data, "laurel.db")
        c = sqlite3.connect(db)
        # The public list's order (newest first), to know which page shows which case.
        ids = [r[0] for r in c.execute(
            'SELECT id FROM "case" WHERE published_at IS NOT NULL '
            "ORDER BY published_at DESC, id DESC")]
        c.close()
        assert len(ids) > 100, "expected a demo with published cases; saw %d" % len(ids)
        corrupt_case_pages(data)
        damaged = []
        c = sqlite3.connect(db)
        for i in ids:
            try:
                c.execute('SELECT * FROM "case" WHERE id = ?', (i,)).fetchall()
            except sqlite3.DatabaseError:
                damaged.append(i)
        c.close()
        assert damaged, "expected some published cases on the damaged pages"
        per_page = 20
        bad_pages = sorted(set(ids.index(i) // per_page + 1 for i in damaged))
        srv = Server(LAUREL_BIN, data, workdir, extra_args=["--no-db-check"])
        srv.start_any()
        base = srv.url
        seen = {}
        paths = (["/cases/%d" % i for i in ids[::len(ids) // 20] + damaged[:10]]
                 + ["/cases?page=%d" % n for n in bad_pages[:4] + [1, 2]]
                 + ["/api/v1/cases?page=%d" % n for n in bad_pages[:4] + [1]]
                 + ["/search?q=%E7%A4%BE%E5%8C%BA", "/regions", "/"])
        for path in paths:
            r = requests.get(base + path, timeout=HTTP_TIMEOUT)
            seen[path] = r.status_code
            assert r.status_code not in (404, 400), (
                "GET %s on a corrupt database: expected 500/503 (or a sound 200), saw %d: %s"
                % (path, r.status_code, r.text[:200]))
            if path.startswith("/api/v1/cases") and r.status_code == 200:
                # A list that answers must be whole: the true total, a full page of cases.
                body = r.json()
                assert body["total"] == len(ids) and len(body["items"]) == per_page, (
                    "GET %s: expected a sound list of %d cases, saw total %r with %d items"
                    % (path, len(ids), body["total"], len(body["items"])))
        for i in damaged[:10]:
            assert seen["/cases/%d" % i] == 500, "expected 500 for damaged case %d, saw %d" % (
                i, seen["/cases/%d" % i])
        for n in bad_pages[:4]:
            assert seen["/api/v1/cases?page=%d" % n] == 500, (
                "expected 500 for list page %d, which shows a damaged case; saw %d"
                % (n, seen["/api/v1/cases?page=%d" % n]))
        bad = "/api/v1/cases?page=%d" % bad_pages[0]
        r = requests.get(base + bad, timeout=HTTP_TIMEOUT)
        assert r.status_code == 500 and r.json().get("error", {}).get("status") == 500, (
            "expected a JSON error; saw %d %r" % (r.status_code, r.text[:300]))
        bad = "/cases?page=%d" % bad_pages[0]
        r = requests.get(base + bad, headers={"Accept-Language": "en"}, timeout=HTTP_TIMEOUT)
        assert r.status_code == 500 and "database is damaged" in r.text, (
            "expected an English message for an English client; saw %d %r"
            % (r.status_code, r.text[:200]))
        r = requests.get(base + bad, timeout=HTTP_TIMEOUT)
        assert r.status_code == 500 and "数据库已损坏" in r.text, (
            "expected a Chinese message by default; saw %d %r" % (r.status_code, r.text[:200]))
        h = requests.get(base + "/healthz", timeout=HTTP_TIMEOUT)
        assert h.status_code == 503 and "corrupt" in h.text, (
            "expected /healthz 503 naming the corruption; saw %d %r" % (h.status_code, h.text))
        m = metrics_values(base)
        assert m.get("laurel_healthy") == 0 and m.get("laurel_store_corrupt") == 1, (
            "expected /metrics to say unhealthy and corrupt; saw %r" % {
                k: v for k, v in m.items() if "health" in k or "corrupt" in k})
        assert "DATABASE CORRUPT" in srv.stderr_text(), "expected a loud log line; saw %r" % (
            srv.stderr_tail())
    finally:
        finish(srv, workdir)


WAL_WRITER = r"""
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA wal_autocheckpoint=0")
for i in range(20):
    c.execute("BEGIN")
    c.execute("UPDATE article SET views = views + 1 WHERE id = (SELECT min(id) FROM article)")
    c.execute("COMMIT")
os._exit(0)  # as a crash would: the WAL stays, uncheckpointed
"""


def test_wal_checksum_failure_is_reported(demo_dir):
    workdir, data = copy_demo(demo_dir)
    srv = None
    try:
        db = os.path.join(data, "laurel.db")
        subprocess.run([sys.executable, "-c", WAL_WRITER, db], check=True, timeout=60)
        wal = db + "-wal"
        size = os.path.getsize(wal)
        page = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()[0]
        frames = (size - 32) // (page + 24)
        assert frames >= 20, "expected 20 committed frames in the WAL; saw %d" % frames
        # Flip one byte in the page image of frame 10: its checksum fails at recovery.
        with open(wal, "r+b") as f:
            off = 32 + 9 * (page + 24) + 24 + 100
            f.seek(off)
            b = f.read(1)
            f.seek(off)
            f.write(bytes([b[0] ^ 0x5a]))
        srv = Server(LAUREL_BIN, data, workdir)
        h = srv.start_any()
        assert "WAL recovery dropped" in h.text, (
            "expected /healthz to report the dropped WAL frames; saw %d %r"
            % (h.status_code, h.text))
        assert "WAL recovery dropped" in srv.stderr_text(), (
            "expected the start-up log to report the dropped frames; saw %r" % srv.stderr_tail())
        assert metrics_values(srv.url).get("laurel_store_recovery_warning") == 1
    finally:
        finish(srv, workdir)


def test_sound_wal_recovery_is_quiet(demo_dir):
    workdir, data = copy_demo(demo_dir)
    srv = None
    try:
        db = os.path.join(data, "laurel.db")
        subprocess.run([sys.executable, "-c", WAL_WRITER, db], check=True, timeout=60)
        srv = Server(LAUREL_BIN, data, workdir)
        h = srv.start_any()
        assert h.status_code == 200 and h.text.strip() == "ok", (
            "expected a plain ok after a sound recovery; saw %d %r" % (h.status_code, h.text))
    finally:
        finish(srv, workdir)
