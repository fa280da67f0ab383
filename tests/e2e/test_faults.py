"""Fault injection: an I/O error or a full disk while writing never loses an
acknowledged write and never answers as if all were well; an I/O error while
reading (a bad sector) is never a 404 or an empty list.

The server runs with tests/fault/fault_io.c preloaded: while a trigger file
exists, every write and sync on the database's files fails with EIO or
ENOSPC.  A save made meanwhile must be refused (500 or 503, never 303), and
/healthz must say unhealthy; once the fault is gone the next save is
acknowledged, every acknowledged save is in the database, and integrity_check
is ok.  Reads of pages in the cache or on the database keep working.  With
reads failing instead, pages and API answers are 503 (or 500 where SQLite
calls the failed read corruption), /healthz is 503, and pages read again
once the fault is gone.
"""
import contextlib
import os
import re
import shutil
import subprocess
import tempfile

import pytest
import requests

from conftest import CSRF_RE, LAUREL_BIN, LaurelServer, ON_PG, REPO, db_connect, finish, make_demo

pytestmark = pytest.mark.skipif(ON_PG, reason="on PostgreSQL: its faults are injected into the "
                                "server's own SQLite files (fault_io.c)")

SUBMITTER = "zhoujiadu@demo.laurel"
PASSWORD = "laurel-demo-2019"


@contextlib.contextmanager
def fault_server(extra_args=(), fault_at_start=None):
    """A demo server with the fault shim preloaded; srv.trigger is the trigger file,
    which holds fault_at_start while the server starts when that is given."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        pytest.skip("no C compiler for the fault shim")
    workdir = tempfile.mkdtemp(prefix="laurel-fault-")
    srv = None
    try:
        shim = os.path.join(workdir, "fault_io.so")
        subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", shim,
                        os.path.join(REPO, "tests", "fault", "fault_io.c"), "-ldl"],
                       check=True, capture_output=True, timeout=120)
        data = make_demo(workdir, "--cases", "200")
        trigger = os.path.join(workdir, "fault")
        if fault_at_start:
            with open(trigger, "w") as f:
                f.write(fault_at_start)
        env_keep = {k: os.environ.get(k) for k in ("LD_PRELOAD", "LAUREL_FAULT_FILE",
                                                    "ASAN_OPTIONS")}
        os.environ["LD_PRELOAD"] = shim
        os.environ["LAUREL_FAULT_FILE"] = trigger
        os.environ["ASAN_OPTIONS"] = (env_keep["ASAN_OPTIONS"] or "") + ":verify_asan_link_order=0"
        try:
            srv = LaurelServer(LAUREL_BIN, data, workdir, extra_args=extra_args)
            srv.start()
        finally:
            for k, v in env_keep.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        srv.trigger = trigger
        yield srv
    finally:
        finish(srv, workdir)


@pytest.fixture(scope="module")
def faulty():
    with fault_server() as srv:
        yield srv


def session(base):
    s = requests.Session()
    tok = CSRF_RE.search(s.get(base + "/login", timeout=30).text).group(1)
    r = s.post(base + "/login", data={"csrf": tok, "email": SUBMITTER, "password": PASSWORD},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303
    return s, CSRF_RE.search(s.get(base + "/submit", timeout=30).text).group(1)


def save(s, base, tok, cid, title):
    return s.post(base + "/submit/%d" % cid, data={"csrf": tok, "title": title, "action": "save"},
                  allow_redirects=False, timeout=30)


@pytest.mark.parametrize("kind", ["EIO", "ENOSPC"])
def test_write_fault_refused_then_recovered(faulty, kind):
    base = faulty.url
    s, tok = session(base)
    r = s.post(base + "/submit/new", data={"csrf": tok}, allow_redirects=False, timeout=30)
    assert r.status_code == 303
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    assert save(s, base, tok, cid, "故障前 %s" % kind).status_code == 303
    with open(faulty.trigger, "w") as f:
        f.write(kind)
    try:
        r = save(s, base, tok, cid, "故障中 %s" % kind)
        assert r.status_code in (500, 503), (
            "%s: expected a save during the fault refused (500/503), saw %d" % (kind, r.status_code))
        h = requests.get(base + "/healthz", timeout=30)
        assert h.status_code == 503, "%s: expected /healthz 503 after a write fault, saw %d %r" % (
            kind, h.status_code, h.text)
        p = requests.get(base + "/cases", timeout=30)
        assert p.status_code in (200, 503), "%s: a read during the fault answered %d" % (
            kind, p.status_code)
    finally:
        os.unlink(faulty.trigger)
    r = save(s, base, tok, cid, "故障后 %s" % kind)
    assert r.status_code == 303, "%s: expected saves to work again after the fault, saw %d" % (
        kind, r.status_code)
    db = db_connect(faulty.data, readonly=True)
    try:
        title = db.execute('SELECT title FROM "case" WHERE id = ?', (cid,)).fetchone()[0]
        ok = db.execute("PRAGMA quick_check").fetchall()
    finally:
        db.close()
    assert title == "故障后 %s" % kind, "%s: expected the acknowledged save, saw %r" % (kind, title)
    assert ok == [("ok",)], "%s: expected quick_check ok, saw %r" % (kind, ok)


def test_read_fault_is_never_not_found_or_empty():
    """Reads fail with EIO (the server stays up): nothing answers as if the data were absent,
    and /healthz, which reads no database, turns 503 once a request has met the fault."""
    with fault_server() as srv:
        base = srv.url
        total = requests.get(base + "/api/v1/cases", timeout=30).json()["total"]
        with open(srv.trigger, "w") as f:
            f.write("READ")
        try:
            # /healthz is O(1): it reads memory only, so before any request meets the fault it
            # still answers ok (a query of the case table would fail here).
            h = requests.get(base + "/healthz", timeout=30)
            assert h.status_code == 200, ("expected /healthz to read no database (200 before any "
                                          "read met the fault); saw %d %r" % (h.status_code,
                                                                            h.text))
            seen = {}
            for path in ["/cases/5", "/cases/77", "/cases?page=4", "/api/v1/cases?page=3",
                         "/api/v1/cases/150", "/search?q=%E7%A4%BE%E5%8C%BA"]:
                r = requests.get(base + path, timeout=30)
                seen[path] = r.status_code
                assert r.status_code in (200, 500, 503), (
                    "GET %s during a read fault: expected 500/503 (or a sound 200), saw %d"
                    % (path, r.status_code))
                if r.status_code == 503:
                    assert r.headers.get("Retry-After"), "GET %s: a 503 without Retry-After" % path
                if r.status_code == 200 and path.startswith("/api/v1/cases?"):
                    assert r.json()["total"] == total, "GET %s: a partial list %r" % (
                        path, r.text[:200])
            assert any(c in (500, 503) for c in seen.values()), (
                "expected the read fault to reach some request; saw %r" % seen)
            h = requests.get(base + "/healthz", timeout=30)
            assert h.status_code == 503, "expected /healthz 503 during a read fault, saw %d" % (
                h.status_code)
        finally:
            os.unlink(srv.trigger)
        r = requests.get(base + "/cases/77", timeout=30)
        assert r.status_code == 200, "expected the page read again after the fault, saw %d" % (
            r.status_code)


def test_a_start_up_check_that_overruns_its_bound_is_cut_and_said(faulty):
    """A disk slow enough that PRAGMA quick_check cannot finish within --db-check-seconds
    (in full it would take minutes): the server starts anyway, in about the bound (the
    check is interrupted at its deadline, even inside the one long step that walks a
    table's pages), says in its log and in /healthz that the check was cut short, and
    serves.  The control is the module's server, on a disk of normal speed, checked in
    full at start: it says nothing of the kind."""
    assert "start-up check skipped" not in faulty.stderr_text()
    assert "warning" not in requests.get(faulty.url + "/healthz", timeout=30).text
    with fault_server(extra_args=["--db-check-seconds", "1"], fault_at_start="SLOW") as srv:
        os.remove(srv.trigger)
        err = srv.stderr_text()
        assert "start-up check skipped" in err and "did not finish within 1000 ms" in err, (
            err[-600:])
        r = requests.get(srv.url + "/healthz", timeout=30)
        assert r.status_code == 200 and r.text.startswith("ok\n"), r.text
        assert "warning: start-up check skipped" in r.text, r.text
        assert requests.get(srv.url + "/cases", timeout=30).status_code == 200
