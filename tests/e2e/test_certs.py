"""Certificates (荣誉证书), end to end on a demo of this module's own: the organiser
makes the published campaign's 130 certificates in the background and watches the
progress; the PDF of all and the ZIP of one PDF each are checked with poppler's
tools (fonts embedded, the unit and the title extractable, a page rendered); the
check code on a certificate opens /verify/{code}, which says when a correction
withdrew the award; an awarded unit downloads its own, and only its own; a very
long title still fits (it wraps and shrinks) and comes back whole.
"""
import io
import os
import re
import subprocess
import tempfile
import time
import zipfile

import pytest
import requests

from conftest import (HTTP_TIMEOUT, JSON, LAUREL_BIN, LaurelServer, csrf, db_connect, finish, login,
                      make_demo)
from test_access import user_add

WAIT = 300.0  # the batch on a busy machine


@pytest.fixture(scope="module")
def srv():
    workdir = tempfile.mkdtemp(prefix="laurel-certs-")
    s = None
    try:
        data = make_demo(workdir, "--cases", "200")
        s = LaurelServer(LAUREL_BIN, data, workdir, access_log=os.devnull)
        s.start()
        s.workdir = workdir
        yield s
    finally:
        finish(s, workdir)


def db_one(srv, sql, *args):
    c = db_connect(srv.data, readonly=True)
    try:
        return c.execute(sql, args).fetchone()
    finally:
        c.close()


def db_write(srv, sql, *args):
    c = db_connect(srv.data)
    try:
        c.execute(sql, args)
        c.commit()
    finally:
        c.close()


def flat(text):
    """Text with every white space gone (titles wrap across lines in the PDF)."""
    return re.sub(r"\s+", "", text)


def pdftotext(path, page=None):
    args = ["pdftotext", "-enc", "UTF-8"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [path, "-"], capture_output=True, text=True, check=True,
                          timeout=120).stdout


def check_fonts(path):
    out = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True,
                         timeout=60).stdout.splitlines()[2:]
    assert out, "expected fonts in %s" % path
    for line in out:
        cols = line.split()
        emb = cols[-5]
        assert emb == "yes", "expected every font embedded, saw: %s" % line
        assert "Noto" in cols[0], "expected the Noto CJK fonts, saw: %s" % line


@pytest.fixture(scope="module")
def made(srv):
    """The organiser makes the certificates; (session, model when done, seconds)."""
    org = login(srv.url, "organiser@demo.laurel")
    token = csrf(org, srv.url, "/admin/results")
    t0 = time.monotonic()
    r = org.post(srv.url + "/admin/results/certificates", data={"csrf": token},
                 allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"] == "/admin/results?making=1", r.text[:300]
    seen_running = False
    deadline = time.monotonic() + WAIT
    while True:
        m = org.get(srv.url + "/admin/results", headers=JSON, timeout=HTTP_TIMEOUT).json()
        if m["certs"]["state"] != "running":
            break
        seen_running = True
        assert m["certs"]["done"] <= m["certs"]["total"]
        assert time.monotonic() < deadline, "expected the batch done within %.0f s" % WAIT
        time.sleep(0.2)
    m["seen_running"] = seen_running
    return org, m, time.monotonic() - t0


def test_batch_finishes_with_both_files(srv, made):
    org, m, seconds = made
    c = m["certs"]
    assert c["state"] == "done" and c["ready"] and c["done"] == c["total"] == 131, c
    page = org.get(srv.url + "/admin/results?making=1", timeout=HTTP_TIMEOUT).text
    assert "/admin/results/files/certificates.pdf" in page and "certificates.zip" in page
    row = db_one(srv, "SELECT what, who FROM audit ORDER BY id DESC LIMIT 1")
    assert row[0] == "/admin/results/certificates" and row[1] > 0, row
    assert db_one(srv, "SELECT count(*) FROM certificate")[0] == 130


def test_pdf_of_all(srv, made):
    org, _, _ = made
    r = org.get(srv.url + "/admin/results/files/certificates.pdf", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    path = os.path.join(srv.workdir, "all.pdf")
    with open(path, "wb") as f:
        f.write(r.content)
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+130\b", info), info
    assert re.search(r"Page size:\s+841\.89 x 595\.28", info), info  # A4 landscape
    check_fonts(path)
    rows = [db_one(srv, "SELECT u.name, c.title, t.name, x.code FROM certificate x JOIN \"case\" c "
                   "ON c.id = x.case_id JOIN unit u ON u.id = c.unit_id JOIN tier t ON "
                   "t.id = x.tier_id WHERE x.serial = ?", n) for n in (1, 77, 130)]
    for n, (unit, title, tier, code) in zip((1, 77, 130), rows):
        text = flat(pdftotext(path, n))
        for want in (unit, title, tier, code, "荣誉证书"):
            assert flat(want) in text, "expected %r on page %d; saw %r" % (want, n, text[:400])
    png = os.path.join(srv.workdir, "page")
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", path, png], check=True,
                   timeout=120)
    assert os.path.getsize(png + "-001.png") > 5000


def test_zip_of_single_pdfs(srv, made):
    org, _, _ = made
    r = org.get(srv.url + "/admin/results/files/certificates.zip", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert z.testzip() is None
    names = z.namelist()
    assert len(names) == 130 and names[0].startswith("2019-0001 ") and names[0].endswith(".pdf")
    unit, title = db_one(srv, "SELECT u.name, c.title FROM certificate x JOIN \"case\" c ON "
                         "c.id = x.case_id JOIN unit u ON u.id = c.unit_id WHERE x.serial = 2")
    assert names[1] == "2019-0002 %s.pdf" % unit
    path = os.path.join(srv.workdir, "one.pdf")
    with open(path, "wb") as f:
        f.write(z.read(names[1]))
    check_fonts(path)
    text = flat(pdftotext(path))
    assert flat(unit) in text and flat(title) in text


def test_files_for_the_organiser_only(srv, made):
    anon = requests.get(srv.url + "/admin/results/files/certificates.pdf", allow_redirects=False,
                        timeout=HTTP_TIMEOUT)
    assert anon.status_code == 303 and anon.headers["Location"].startswith("/login")
    org, _, _ = made
    assert org.get(srv.url + "/admin/results/files/other.pdf",
                   timeout=HTTP_TIMEOUT).status_code == 404


def test_verify_page_follows_corrections(srv, made):
    cid, code, title = db_one(srv, "SELECT x.case_id, x.code, c.title FROM certificate x JOIN "
                              "\"case\" c ON c.id = x.case_id WHERE x.serial = 5")
    r = requests.get(srv.url + "/verify/" + code, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and "这份证书有效" in r.text and title in r.text, r.text[:500]
    assert "这份证书有效" in requests.get(srv.url + "/verify/" + code.lower(),
                                      timeout=HTTP_TIMEOUT).text
    bad = requests.get(srv.url + "/verify/0000-0000-0000", timeout=HTTP_TIMEOUT)
    assert bad.status_code == 404 and "没有这个查验码的证书" in bad.text
    assert requests.get(srv.url + "/verify/x", timeout=HTTP_TIMEOUT).status_code == 404
    # A correction withdraws the award (written here as the correction would).
    tier = db_one(srv, 'SELECT tier_id FROM "case" WHERE id = ?', cid)[0]
    db_write(srv, 'UPDATE "case" SET tier_id = NULL WHERE id = ?', cid)
    try:
        r = requests.get(srv.url + "/verify/" + code, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200 and "已在更正中撤销" in r.text, r.text[:500]
        assert "这份证书有效" not in r.text
    finally:
        db_write(srv, 'UPDATE "case" SET tier_id = ? WHERE id = ?', tier, cid)


def test_unit_downloads_its_own_only(srv, made):
    unit, cid, title = db_one(srv, "SELECT c.unit_id, c.id, c.title FROM certificate x JOIN "
                              "\"case\" c ON c.id = x.case_id WHERE x.serial = 9")
    other = db_one(srv, "SELECT case_id FROM certificate x JOIN \"case\" c ON c.id = x.case_id "
                   "WHERE c.unit_id <> ? LIMIT 1", unit)[0]
    user_add(srv, "certs-unit@demo.laurel", "获奖单位", "submitter", "certs-password-1", unit=unit)
    s = login(srv.url, "certs-unit@demo.laurel", "certs-password-1")
    page = s.get(srv.url + "/me/certificates", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and title in page.text
    assert "/me/certificates/%d.pdf" % cid in page.text
    r = s.get(srv.url + "/me/certificates/%d.pdf" % cid, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    path = os.path.join(srv.workdir, "mine.pdf")
    with open(path, "wb") as f:
        f.write(r.content)
    check_fonts(path)
    assert flat(title) in flat(pdftotext(path))
    assert s.get(srv.url + "/me/certificates/%d.pdf" % other,
                 timeout=HTTP_TIMEOUT).status_code == 404
    assert s.get(srv.url + "/me/certificates/abc", timeout=HTTP_TIMEOUT).status_code == 404
    org, _, _ = made
    assert org.get(srv.url + "/me/certificates", timeout=HTTP_TIMEOUT).status_code == 403


def test_long_title_wraps_and_shrinks(srv, made):
    unit, cid, title = db_one(srv, "SELECT c.unit_id, c.id, c.title FROM certificate x JOIN "
                              "\"case\" c ON c.id = x.case_id WHERE x.serial = 9")
    long_title = ("以党建引领基层治理创新，构建共建共治共享的社区治理新格局——" * 4)[:160]
    db_write(srv, 'UPDATE "case" SET title = ? WHERE id = ?', long_title, cid)
    try:
        s = login(srv.url, "certs-unit@demo.laurel", "certs-password-1")
        r = s.get(srv.url + "/me/certificates/%d.pdf" % cid, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200
        path = os.path.join(srv.workdir, "long.pdf")
        with open(path, "wb") as f:
            f.write(r.content)
        text = flat(pdftotext(path))
        assert flat(long_title) in text, "expected the whole long title, saw %r" % text
        # Everything still on the page: the tier below the title, the codes at the bottom.
        assert "证书编号" in text and "查验码" in text
        subprocess.run(["pdftoppm", "-r", "40", "-png", path, os.path.join(srv.workdir, "long")],
                       check=True, timeout=120)
    finally:
        db_write(srv, 'UPDATE "case" SET title = ? WHERE id = ?', title, cid)


def test_second_batch_refused_while_running_is_not_stuck(srv, made):
    """After a batch, another may start (the state is not left running)."""
    org, _, _ = made
    token = csrf(org, srv.url, "/admin/results")
    r = org.post(srv.url + "/admin/results/certificates", data={"csrf": token},
                 allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code in (303, 409), r.text[:300]
    deadline = time.monotonic() + WAIT
    while org.get(srv.url + "/admin/results", headers=JSON,
                  timeout=HTTP_TIMEOUT).json()["certs"]["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert db_one(srv, "SELECT count(*) FROM certificate")[0] == 130, (
        "expected the codes made once, not again")
