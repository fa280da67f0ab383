"""Signed results statements, end to end: the demo's published campaign gets its
statement when the demo is made (as publication makes it); the site shows it with
the installation's public key; `laurel verify-results` accepts it offline and
against the data, and rejects it once any byte is changed, under another key, or
when the data no longer say what it says.  The organiser issues a new one through
/admin/results, with its audit row; nobody else may.
"""
import os
import shutil
import subprocess
import tempfile

import pytest
import requests

from conftest import (HTTP_TIMEOUT, LAUREL_BIN, LaurelServer, csrf, db_args, db_connect, db_copy,
                      finish, login, make_demo)


@pytest.fixture(scope="module")
def srv():
    workdir = tempfile.mkdtemp(prefix="laurel-statement-")
    s = None
    try:
        data = make_demo(workdir, "--cases", "200")
        s = LaurelServer(LAUREL_BIN, data, workdir, access_log=os.devnull)
        s.start()
        s.workdir = workdir
        yield s
    finally:
        finish(s, workdir)


def verify(*args):
    args = list(args)
    if "--data" in args:  # the data folder's database, on PostgreSQL its --db
        args += db_args(args[args.index("--data") + 1])
    p = subprocess.run([LAUREL_BIN, "verify-results", *args], capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout + p.stderr


@pytest.fixture(scope="module")
def downloaded(srv):
    """The latest statement and the public key as the site serves them, saved to files."""
    page = requests.get(srv.url + "/api/v1/results/statement", headers={"Accept":
                        "application/json"}, timeout=HTTP_TIMEOUT).json()
    latest = page["latest"]
    r = requests.get(srv.url + "/results/statements/%d.json" % latest["id"], timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    key = requests.get(srv.url + "/signing.pub", timeout=HTTP_TIMEOUT).text
    assert key.strip() == page["public_key"]
    d = tempfile.mkdtemp(prefix="laurel-statement-files-")
    with open(os.path.join(d, "statement.json"), "wb") as f:
        f.write(r.content)
    with open(os.path.join(d, "signing.pub"), "w") as f:
        f.write(key)
    yield d, r.content, latest
    shutil.rmtree(d, ignore_errors=True)


def test_demo_statement_lists_the_awards(srv, downloaded):
    d, body, latest = downloaded
    with open(os.path.join(srv.data, "signing.pub")) as f:
        assert f.read().strip() == open(os.path.join(d, "signing.pub")).read().strip(), (
            "expected the site's key to be the data folder's")
    c = db_connect(srv.data, readonly=True)
    awarded = c.execute('SELECT count(*) FROM "case" c JOIN campaign k ON k.id = c.campaign_id '
                        "WHERE k.status = 'published' AND c.tier_id IS NOT NULL").fetchone()[0]
    title = c.execute('SELECT c.title FROM "case" c JOIN tier t ON t.id = c.tier_id '
                      "ORDER BY t.rank, c.region_code, c.id LIMIT 1").fetchone()[0]
    c.close()
    rc, out = verify(os.path.join(d, "statement.json"), "--key", os.path.join(d, "signing.pub"))
    assert rc == 0 and "signature valid" in out and ("%d awards" % awarded) in out, out
    assert title.encode() in body, "expected the first award's title in the statement"
    assert awarded == 130


def test_statement_matches_the_data(srv, downloaded):
    d, _, _ = downloaded
    rc, out = verify(os.path.join(d, "statement.json"), "--key", os.path.join(d, "signing.pub"),
                     "--data", srv.data)
    assert rc == 0 and "matches the data" in out, out


@pytest.mark.parametrize("where", ["framing", "payload-digit", "payload-title", "signature",
                                   "newline"])
def test_a_changed_byte_fails(downloaded, where):
    d, body, _ = downloaded
    b = bytearray(body)
    if where == "framing":
        b[2] = ord("S")
    elif where == "payload-digit":
        i = b.index(b'"quota":') + len(b'"quota":')
        b[i] = ord("9") if b[i] != ord("9") else ord("8")
    elif where == "payload-title":
        i = b.index(b'"title":"') + len(b'"title":"') + 3
        b[i] ^= 0x01
    elif where == "signature":
        i = b.rindex(b'"signature":"') + len(b'"signature":"') + 10
        b[i] = ord("A") if b[i] != ord("A") else ord("B")
    else:
        b[-1] = ord(" ")
    path = os.path.join(d, "changed-%s.json" % where)
    with open(path, "wb") as f:
        f.write(b)
    rc, out = verify(path, "--key", os.path.join(d, "signing.pub"))
    assert rc == 1 and "REJECTED" in out, "expected a change at %s rejected, saw %d: %s" % (
        where, rc, out)


def test_another_key_fails(downloaded):
    d, _, _ = downloaded
    other = tempfile.mkdtemp(prefix="laurel-otherkey-")
    try:
        # Another installation, another key: a demo of its own (fresh), since a copy of the
        # session's demo (make_demo's default) would hold the same signing key as srv's.
        make_demo(other, "--cases", "200", fresh=True)
        rc, out = verify(os.path.join(d, "statement.json"), "--key",
                         os.path.join(other, "data", "signing.pub"))
        assert rc == 1 and "another key" in out, out
    finally:
        shutil.rmtree(other, ignore_errors=True)


def test_data_changed_behind_laurel_does_not_match(srv, downloaded):
    d, _, _ = downloaded
    copy = tempfile.mkdtemp(prefix="laurel-statement-data-")
    try:
        db_copy(srv.data, copy)
        dst = db_connect(copy)
        dst.execute('UPDATE "case" SET title = title || \'（改）\' WHERE id = (SELECT min(id) '
                    'FROM "case" WHERE tier_id IS NOT NULL)')
        dst.commit()
        dst.close()
        for f in ("signing.key", "signing.pub"):
            shutil.copy(os.path.join(srv.data, f), copy)
        rc, out = verify(os.path.join(d, "statement.json"), "--data", copy)
        assert rc == 1 and "DOES NOT MATCH" in out and "awards by tier" in out, out
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def test_pages_link_the_statement_and_key(srv):
    r = requests.get(srv.url + "/results", timeout=HTTP_TIMEOUT)
    assert 'href="/results/statement"' in r.text and 'href="/signing.pub"' in r.text
    r = requests.get(srv.url + "/results/statement", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and "评选结果声明" in r.text and "/results/statements/" in r.text
    assert requests.get(srv.url + "/results/statements/999999.json",
                        timeout=HTTP_TIMEOUT).status_code == 404
    assert requests.get(srv.url + "/results/statements/abc",
                        timeout=HTTP_TIMEOUT).status_code == 404


def test_organiser_issues_a_new_statement(srv):
    s = login(srv.url, "organiser@demo.laurel")
    token = csrf(s, srv.url, "/admin/results")
    before = requests.get(srv.url + "/api/v1/results/statement", timeout=HTTP_TIMEOUT).json()
    r = s.post(srv.url + "/admin/results/statement", data={"csrf": token}, allow_redirects=False,
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/results?issued=1", r.text[:300]
    after = requests.get(srv.url + "/api/v1/results/statement", timeout=HTTP_TIMEOUT).json()
    assert after["latest"]["id"] > before["latest"]["id"]
    assert len(after["statements"]) == len(before["statements"]) + 1
    c = db_connect(srv.data, readonly=True)
    row = c.execute("SELECT what, who FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    c.close()
    assert row[0] == "/admin/results/statement" and row[1] > 0, row
    page = s.get(srv.url + "/admin/results?issued=1", timeout=HTTP_TIMEOUT)
    assert "已签发新的结果声明" in page.text, page.text[:500]
    # The new statement signs the chain head before its own row, and verifies against the data.
    body = requests.get(srv.url + "/results/statements/%d.json" % after["latest"]["id"],
                        timeout=HTTP_TIMEOUT).content
    path = os.path.join(srv.workdir, "new.json")
    with open(path, "wb") as f:
        f.write(body)
    rc, out = verify(path, "--key", os.path.join(srv.data, "signing.pub"), "--data", srv.data)
    assert rc == 0, out
    # A recommender may not.
    rec = login(srv.url, "shanghai@demo.laurel")
    r = rec.post(srv.url + "/admin/results/statement",
                 data={"csrf": csrf(rec, srv.url, "/me")}, allow_redirects=False,
                 timeout=HTTP_TIMEOUT)
    assert r.status_code == 403


def test_publish_statement_command(srv):
    out = os.path.join(srv.workdir, "cli.json")
    p = subprocess.run([LAUREL_BIN, "publish-statement", "--data", srv.data, "--out", out]
                       + db_args(srv.data),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "issued" in p.stdout, p.stdout + p.stderr
    rc, text = verify(out, "--key", os.path.join(srv.data, "signing.pub"), "--data", srv.data)
    assert rc == 0, text
