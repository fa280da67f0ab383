"""The certificate layout, an organiser's setting with a preview, end to end on a demo
of this module's own: each setting changes the PDF (pdftotext gives back the new
wording, pdftotext -bbox finds the heading where its box went, pdfimages lists the
background and the seal, pdffonts shows embedded fonts only); bad input (a file that is
no image, an opaque seal, a box off the page, an unknown placeholder) is refused with
nothing changed; each change appends its audit row; the batch and a unit's own
certificate follow the saved layout.
"""
import os
import re
import struct
import subprocess
import tempfile
import time
import zlib

import pytest

from conftest import (HTTP_TIMEOUT, JSON, LAUREL_BIN, LaurelServer, csrf, db_connect, finish, login,
                      make_demo)
from test_access import cert_layout_form, png_chunk, user_add

WAIT = 300.0  # the batch on a busy machine


@pytest.fixture(scope="module")
def srv():
    workdir = tempfile.mkdtemp(prefix="laurel-cert-layout-")
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


@pytest.fixture(scope="module")
def org(srv):
    return login(srv.url, "organiser@demo.laurel")


@pytest.fixture(scope="module")
def cid(srv):
    """The published campaign: the one the batch and the units' downloads use."""
    return db_one(srv, "SELECT id FROM campaign WHERE status = 'published'")[0]


def png(width, height, alpha):
    """A PNG of a red square, with an alpha channel (transparent corners) or without."""
    rows = b""
    for y in range(height):
        rows += b"\x00"
        for x in range(width):
            edge = x < width // 4 or y < height // 4
            rows += (b"\xc0\x10\x10" + (b"\x00" if edge else b"\xff")) if alpha else b"\xc0\x10\x10"
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def png_header(width, height):
    """The start of an RGB PNG of that size (enough for its type and size to be read)."""
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b""))


def fetch(srv, s, url, name):
    r = s.get(srv.url + url, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected 200 for %s, saw %d: %s" % (url, r.status_code,
                                                                      r.text[:300])
    path = os.path.join(srv.workdir, name)
    with open(path, "wb") as f:
        f.write(r.content)
    return path


def preview_pdf(srv, org, cid, name="preview.pdf"):
    return fetch(srv, org, "/admin/campaigns/%d/certificate/preview.pdf" % cid, name)


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, check=True,
                          timeout=120).stdout


def text_of(path):
    return re.sub(r"\s+", "", run("pdftotext", "-enc", "UTF-8", path, "-"))


def images_of(path):
    """pdfimages -list as (type, width, height, enc) rows."""
    rows = run("pdfimages", "-list", path).splitlines()[2:]
    return [(c[2], int(c[3]), int(c[4]), c[8]) for c in (r.split() for r in rows)]


def fonts_embedded(path):
    rows = run("pdffonts", path).splitlines()[2:]
    assert rows, "expected fonts in %s" % path
    for line in rows:
        assert line.split()[-5] == "yes", "expected every font embedded, saw: %s" % line


def word_box(path, word):
    """(xMin, yMin) in points of the first word of pdftotext -bbox holding `word`."""
    html = run("pdftotext", "-bbox", "-enc", "UTF-8", path, "-")
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', html):
        if word in m.group(3):
            return float(m.group(1)), float(m.group(2))
    raise AssertionError("expected %r in the PDF's words" % word)


def layout_row(srv, cid):
    return db_one(srv, "SELECT heading, salutation, sentence, award, organiser, date_line, "
                  "positions, length(background), background_mime, length(seal) "
                  "FROM cert_layout WHERE campaign_id = ?", cid)


def audits(srv, what):
    return db_one(srv, "SELECT count(*) FROM audit WHERE what = ?", what)[0]


def save(srv, org, cid, **changes):
    token = csrf(org, srv.url, "/admin/campaigns/%d/certificate" % cid)
    return org.post(srv.url + "/admin/campaigns/%d/certificate" % cid,
                    data=dict(cert_layout_form(**changes), csrf=token), allow_redirects=False,
                    timeout=HTTP_TIMEOUT)


def upload(srv, org, cid, which, name, data, mime):
    token = csrf(org, srv.url, "/admin/campaigns/%d/certificate" % cid)
    return org.post(srv.url + "/admin/campaigns/%d/certificate/%s" % (cid, which),
                    data={"csrf": token}, files={which: (name, data, mime)},
                    allow_redirects=False, timeout=HTTP_TIMEOUT)


def test_default_layout_is_todays(srv, org, cid):
    page = org.get(srv.url + "/admin/campaigns/%d/certificate" % cid, timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and "证书版式" in page.text
    assert "/admin/campaigns/%d/certificate/preview.png" % cid in page.text
    assert 'name="sentence"' in page.text and 'name="qr_x"' in page.text
    assert layout_row(srv, cid) is None
    path = preview_pdf(srv, org, cid)
    fonts_embedded(path)
    text = text_of(path)
    assert "荣誉证书" in text and "你单位报送的案例《" in text and "经专家评审，被评为" in text
    assert images_of(path) == [], "expected no image in the default layout"
    r = org.get(srv.url + "/admin/campaigns/%d/certificate/preview.png" % cid,
                timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"
    # The preview shows the campaign's first award: its unit is on it.
    unit = db_one(srv, 'SELECT u.name FROM "case" c JOIN unit u ON u.id = c.unit_id JOIN tier t '
                  "ON t.id = c.tier_id WHERE c.campaign_id = ? AND c.published_at IS NOT NULL "
                  "ORDER BY t.rank, c.region_code, c.id LIMIT 1", cid)[0]
    assert re.sub(r"\s+", "", unit) in text
    assert org.get(srv.url + "/admin/campaigns/%d/certificate/other.pdf" % cid,
                   timeout=HTTP_TIMEOUT).status_code == 404
    assert org.get(srv.url + "/admin/campaigns/999999/certificate/preview.pdf",
                   timeout=HTTP_TIMEOUT).status_code == 404


def test_wording_changes_the_pdf(srv, org, cid):
    before = audits(srv, "/admin/campaigns/{id}/certificate")
    r = save(srv, org, cid, heading="优秀案例证书", salutation="致{unit}",
             sentence="兹证明《{title}》在「{campaign}」中荣获{tier}，特发此证",
             award="—— {tier} ——", organiser="评选组织委员会", date_line="颁发日期：{date}")
    assert r.status_code == 303, r.text[:500]
    assert r.headers["Location"] == "/admin/campaigns/%d/certificate?saved=1" % cid
    assert audits(srv, "/admin/campaigns/{id}/certificate") == before + 1
    row = layout_row(srv, cid)
    assert row[0] == "优秀案例证书" and row[4] == "评选组织委员会", row
    text = text_of(preview_pdf(srv, org, cid))
    for want in ("优秀案例证书", "兹证明《", "特发此证", "评选组织委员会", "颁发日期：",
                 "年", "月"):
        assert want in text, "expected %r in the preview, saw %r" % (want, text[:600])
    assert "荣誉证书" not in text and "你单位报送的案例" not in text
    page = org.get(srv.url + "/admin/campaigns/%d/certificate?saved=1" % cid,
                   timeout=HTTP_TIMEOUT).text
    assert "证书版式已保存" in page and "兹证明《{title}》" in page


def test_long_wording_shrinks_to_fit(srv, org, cid):
    long = "兹证明《{title}》在{campaign}中，" + "经过各级推荐、专家初评复评和终评委员会审议，" * 6 + "特发此证"
    r = save(srv, org, cid, heading="全国城市基层党建创新案例征集评选优秀案例荣誉证书",
             sentence=long[:300])
    assert r.status_code == 303, r.text[:500]
    path = preview_pdf(srv, org, cid, "long.pdf")
    text = text_of(path)
    assert "特发此证" in text and "荣誉证书" in text
    assert run("pdfinfo", path).count("Pages:") == 1
    assert re.search(r"Pages:\s+1\n", run("pdfinfo", path))
    # Everything stays on the page: no word leaves it.
    html = run("pdftotext", "-bbox", "-enc", "UTF-8", path, "-")
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="([\d.]+)"', html):
        x0, y0, x1, y1 = map(float, m.groups())
        assert x0 >= 0 and y0 >= 0 and x1 <= 842 and y1 <= 596, m.group(0)


def test_positions_move_things(srv, org, cid):
    r = save(srv, org, cid)
    assert r.status_code == 303, r.text[:500]
    x0, y0 = word_box(preview_pdf(srv, org, cid, "a.pdf"), "证书编号")
    hx0, hy0 = word_box(os.path.join(srv.workdir, "a.pdf"), "荣")
    r = save(srv, org, cid, qr_x="230", qr_y="20", heading_y="60", body_y="95", body_h="60")
    assert r.status_code == 303, r.text[:500]
    path = preview_pdf(srv, org, cid, "b.pdf")
    x1, y1 = word_box(path, "证书编号")
    hx1, hy1 = word_box(path, "荣")
    mm = 72 / 25.4
    assert x1 > x0 + 150 and y1 < y0 - 300, ((x0, y0), (x1, y1))
    assert abs((hy1 - hy0) - (60 - 24.7) * mm) < 6, (hy0, hy1)
    r = save(srv, org, cid)  # back to the defaults
    assert r.status_code == 303


def test_background_and_seal_images(srv, org, cid):
    before = (audits(srv, "/admin/campaigns/{id}/certificate/background"),
              audits(srv, "/admin/campaigns/{id}/certificate/seal"))
    r = upload(srv, org, cid, "background", "bg.png", png(120, 85, alpha=False), "image/png")
    assert r.status_code == 303, r.text[:500]
    r = upload(srv, org, cid, "seal", "seal.png", png(64, 64, alpha=True), "image/png")
    assert r.status_code == 303, r.text[:500]
    assert (audits(srv, "/admin/campaigns/{id}/certificate/background"),
            audits(srv, "/admin/campaigns/{id}/certificate/seal")) == (before[0] + 1, before[1] + 1)
    path = preview_pdf(srv, org, cid, "images.pdf")
    fonts_embedded(path)
    imgs = images_of(path)
    assert ("image", 120, 85, "image") in imgs, imgs
    assert ("image", 64, 64, "image") in imgs and ("smask", 64, 64, "image") in imgs, imgs
    # A JPEG background is embedded as it came (DCT), at its size.
    jpg_base = os.path.join(srv.workdir, "bg")
    run("pdftoppm", "-jpeg", "-r", "20", "-singlefile", path, jpg_base)
    with open(jpg_base + ".jpg", "rb") as f:
        jpeg = f.read()
    r = upload(srv, org, cid, "background", "bg.jpg", jpeg, "image/jpeg")
    assert r.status_code == 303, r.text[:500]
    assert layout_row(srv, cid)[8] == "image/jpeg"
    imgs = images_of(preview_pdf(srv, org, cid, "jpeg.pdf"))
    assert any(t == "image" and enc == "jpeg" for t, w, h, enc in imgs), imgs
    page = org.get(srv.url + "/admin/campaigns/%d/certificate" % cid, timeout=HTTP_TIMEOUT).text
    assert 'name="drop_background"' in page and 'name="drop_seal"' in page
    # The preview as a picture, to look at (tests/e2e leaves it in the work folder).
    r = org.get(srv.url + "/admin/campaigns/%d/certificate/preview.png" % cid,
                timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and len(r.content) > 10000


def test_bad_input_changes_nothing(srv, org, cid):
    r = upload(srv, org, cid, "background", "bg.png", png(40, 30, alpha=False), "image/png")
    assert r.status_code == 303
    before = layout_row(srv, cid)
    audit_before = db_one(srv, "SELECT count(*) FROM audit")[0]
    cases = [
        (upload(srv, org, cid, "background", "notes.png", b"not an image at all\n" * 50,
                "image/png"), 415, "背景图须为 PNG 或 JPEG 图片"),
        (upload(srv, org, cid, "seal", "seal.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64,
                "image/jpeg"), 415, "印章须为 PNG 图片"),
        (upload(srv, org, cid, "seal", "opaque.png", png(32, 32, alpha=False), "image/png"),
         415, "印章图片须带透明背景"),
        # A PNG whose header is right but whose data is broken: found when decoded.
        (upload(srv, org, cid, "background", "broken.png", png(40, 30, alpha=False)[:40]
                + b"\x00" * 40, "image/png"), 415, "无法读取这张图片"),
        # Past the limits: a background over 4 MB (413 before it is read), a seal over 1 MB,
        # a side over 4,000 pixels.
        (upload(srv, org, cid, "background", "big.png",
                png(8, 8, alpha=False) + b"\0" * (4 << 20), "image/png"), 413, None),
        (upload(srv, org, cid, "seal", "big.png", png(8, 8, alpha=True) + b"\0" * (1 << 20),
                "image/png"), 413, None),
        (upload(srv, org, cid, "background", "wide.png", png_header(4001, 10), "image/png"),
         422, "图片边长超过了上限"),
        (save(srv, org, cid, qr_x="280"), 422, "超出了页面"),
        (save(srv, org, cid, body_y="150", body_h="70"), 422, "超出了页面"),
        (save(srv, org, cid, seal_w="5"), 422, "超出了页面"),
        (save(srv, org, cid, heading_x="-1"), 422, "请填写 0 到页面边长之间的数字"),
        (save(srv, org, cid, sentence="《{title}》获得{prize}"), 422, "不认识的占位符"),
        (save(srv, org, cid, date_line="{date"), 422, "不认识的占位符"),
        (save(srv, org, cid, heading="荣誉}证书"), 422, "不认识的占位符"),
        (save(srv, org, cid, heading=""), 422, None),
    ]
    for i, (r, status, message) in enumerate(cases):
        assert r.status_code == status, "case %d: expected %d, saw %d: %s" % (
            i, status, r.status_code, r.text[:300])
        if message:
            assert message in r.text, "case %d: expected %r in the page" % (i, message)
    assert layout_row(srv, cid) == before
    assert db_one(srv, "SELECT count(*) FROM audit")[0] == audit_before
    # The form comes back as typed, the message beside the field.
    r = save(srv, org, cid, sentence="《{title}》获得{prize}")
    assert "《{title}》获得{prize}" in r.text
    assert r.text.count('class="field-error"') == 1, "expected the message beside one field"
    assert re.search(r'<textarea id="w-sentence" name="sentence"[^>]*aria-invalid="true"', r.text)
    r = save(srv, org, cid, qr_x="280")
    assert r.text.count('class="field-error"') == 1 and r.text.count('aria-invalid="true"') == 3
    # In English too.
    r = org.post(srv.url + "/admin/campaigns/%d/certificate?lang=en" % cid,
                 data=dict(cert_layout_form(award="{prize}"),
                           csrf=csrf(org, srv.url, "/admin/campaigns/%d/certificate" % cid)),
                 allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 422 and "Unknown placeholder" in r.text, r.text[:300]


def test_images_dropped(srv, org, cid):
    r = upload(srv, org, cid, "seal", "seal.png", png(48, 48, alpha=True), "image/png")
    assert r.status_code == 303
    r = save(srv, org, cid, drop_background="1", drop_seal="1")
    assert r.status_code == 303, r.text[:300]
    row = layout_row(srv, cid)
    assert row[7] is None and row[9] is None, row
    assert images_of(preview_pdf(srv, org, cid, "dropped.pdf")) == []


def test_batch_and_units_use_the_saved_layout(srv, org, cid):
    r = save(srv, org, cid, heading="年度优秀案例", organiser="组委会办公室")
    assert r.status_code == 303
    r = upload(srv, org, cid, "seal", "seal.png", png(50, 50, alpha=True), "image/png")
    assert r.status_code == 303
    token = csrf(org, srv.url, "/admin/results")
    r = org.post(srv.url + "/admin/results/certificates", data={"csrf": token},
                 allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, r.text[:300]
    deadline = time.monotonic() + WAIT
    while True:
        m = org.get(srv.url + "/admin/results", headers=JSON, timeout=HTTP_TIMEOUT).json()
        if m["certs"]["state"] != "running":
            break
        assert time.monotonic() < deadline, "expected the batch done within %.0f s" % WAIT
        time.sleep(0.2)
    assert m["certs"]["state"] == "done", m["certs"]
    path = fetch(srv, org, "/admin/results/files/certificates.pdf", "all.pdf")
    fonts_embedded(path)
    first = re.sub(r"\s+", "", run("pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", path, "-"))
    assert "年度优秀案例" in first and "组委会办公室" in first and "荣誉证书" not in first
    imgs = images_of(path)
    assert len([i for i in imgs if i[:3] == ("image", 50, 50)]) == 130, imgs[:4]
    unit, case = db_one(srv, 'SELECT c.unit_id, c.id FROM certificate x JOIN "case" c '
                        "ON c.id = x.case_id WHERE x.serial = 3")
    user_add(srv, "layout-unit@demo.laurel", "获奖单位", "submitter", "layout-password-1",
             unit=unit)
    s = login(srv.url, "layout-unit@demo.laurel", "layout-password-1")
    mine = fetch(srv, s, "/me/certificates/%d.pdf" % case, "mine.pdf")
    text = text_of(mine)
    assert "年度优秀案例" in text and "组委会办公室" in text
    assert ("image", 50, 50, "image") in images_of(mine)
