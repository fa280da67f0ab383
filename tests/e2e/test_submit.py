"""The submitting unit's side: drafts, limits, submit / withdraw, the status
path, other units kept out (404), and attachments — streamed, typed by
content, size-limited, downloadable only as attachments.

Signs in as the demo submitter (zhoujiadu@demo.laurel, unit 上海市浦东新区周家渡街道)
and, for isolation, as a second submitter of another unit made with
`laurel user add`.  The deadline rule itself is unit-tested
(tests/unit/test_submission.c: submission_before); here a submitted case
cannot be edited (409)."""
import os
import re
import socket
import subprocess
import urllib.parse
import zipfile
import io

import pytest
import requests

from conftest import HTTP_TIMEOUT, LAUREL_BIN, csrf, db_args, db_connect, db_rows, login, parse_html


@pytest.fixture(scope="module", autouse=True)
def any_number_of_cases_per_unit(laurel_server):
    """This module's cases share a few units; the rule of cases per unit is test_rules.py's."""
    db = db_connect(laurel_server.data)
    try:
        with db:
            db.execute("UPDATE campaign SET cases_per_unit = 0 WHERE status = 'open'")
    finally:
        db.close()


SUBMITTER = "zhoujiadu@demo.laurel"

SECTIONS = [
    "社区党组织牵头，" + "背景" * 60,
    "建立联席会议制度，" + "做法" * 60,
    "居民满意度明显提升，" + "成效" * 60,
    "经验可复制推广，" + "探讨" * 60,
    "",
]


def new_case(s, base):
    r = s.post(base + "/submit/new", data={"csrf": csrf(s, base, "/submit")}, allow_redirects=False,
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, "expected 303 from POST /submit/new, saw %d: %s" % (
        r.status_code, r.text[:300])
    m = re.fullmatch(r"/submit/(\d+)", r.headers["Location"])
    assert m, "expected a redirect to /submit/ID, saw %r" % r.headers["Location"]
    return int(m.group(1))


def form(title="街道党建引领社区治理", sections=SECTIONS, action="save", **extra):
    d = {"title": title, "track": "", "tags": "党建 社区", "contact_name": "张三",
         "contact_phone": "021-12345678", "contact_email": "zhang@example.cn", "action": action}
    for i, body in enumerate(sections):
        d["s%d" % (i + 1)] = body
    d.update(extra)
    return d


def post_case(s, base, cid, data):
    data = dict(data)
    data["csrf"] = csrf(s, base, "/submit/%d" % cid) if "csrf" not in data else data["csrf"]
    return s.post(base + "/submit/%d" % cid, data=data, allow_redirects=False,
                  timeout=HTTP_TIMEOUT)


def case_json(s, base, cid, status=200):
    r = s.get(base + "/submit/%d" % cid, headers={"Accept": "application/json"},
              timeout=HTTP_TIMEOUT)
    assert r.status_code == status, "GET /submit/%d as JSON: expected %d, saw %d: %s" % (
        cid, status, r.status_code, r.text[:300])
    return r.json()


@pytest.fixture(scope="module")
def me(laurel_server):
    return login(laurel_server.url, SUBMITTER)


@pytest.fixture(scope="module")
def tracks(laurel_server):
    db = db_connect(laurel_server.data, readonly=True)
    try:
        return [r[0] for r in db.execute(
            "SELECT t.slug FROM track t JOIN campaign c ON c.id = t.campaign_id "
            "WHERE c.status = 'open' ORDER BY t.id")]
    finally:
        db.close()


def db_row(laurel_server, sql, *args):
    db = db_connect(laurel_server.data, readonly=True)
    try:
        return db.execute(sql, args).fetchone()
    finally:
        db.close()


# ---------------------------------------------------------------- drafts


def test_list_needs_a_submitter(base):
    r = requests.get(base + "/submit", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login"), (
        "expected an anonymous GET /submit to redirect to /login, saw %d %r"
        % (r.status_code, r.headers.get("Location")))
    org = login(base, "organiser@demo.laurel")
    r = org.get(base + "/submit", timeout=HTTP_TIMEOUT)
    assert r.status_code == 403, "expected 403 for the organiser on /submit, saw %d" % (
        r.status_code)


def test_create_and_save_draft(base, me, tracks):
    cid = new_case(me, base)
    r = me.get(base + "/submit/%d" % cid, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200
    p = parse_html(r, "/submit/%d" % cid)
    for name in ["背景与起因", "做法与经过", "成效与反响", "探讨与评论", "附录"]:
        assert name in p.text, "expected the section %s on the edit form, saw none" % name
    areas = [a for t, a in p.tags if t == "textarea"]
    assert [a.get("data-max") for a in areas] == ["2000", "4000", "3000", "2000", "2000"], (
        "expected five textareas with the section limits, saw %r" % areas)
    assert any(a.get("src") == "/static/submit.js" for t, a in p.tags if t == "script")

    r = post_case(me, base, cid, form(track=tracks[1]))
    assert r.status_code == 303 and r.headers["Location"] == "/submit/%d?done=saved" % cid, (
        "expected 303 to the form after saving, saw %d %r" % (r.status_code,
                                                            r.headers.get("Location")))
    c = case_json(me, base, cid)
    assert c["title"] == "街道党建引领社区治理" and c["status"] == "draft", c
    assert c["track"] == tracks[1], "expected the chosen track %s, saw %s" % (tracks[1],
                                                                             c["track"])
    assert [s["body"] for s in c["sections"]] == SECTIONS
    assert c["contact_phone"] == "021-12345678" and c["tags"] == "党建 社区"

    r = me.get(base + "/submit", timeout=HTTP_TIMEOUT)
    p = parse_html(r, "/submit")
    assert "街道党建引领社区治理" in p.text and "草稿" in p.text, (
        "expected the list to show the case and its status in words")
    assert ("/submit/%d" % cid, "街道党建引领社区治理") in p.links


def test_crlf_counts_as_one_character(base, me):
    cid = new_case(me, base)
    body = "甲\r\n" * 999 + "甲乙"  # 2000 characters once CRLF is one line break
    r = post_case(me, base, cid, form(sections=[body, "", "", "", ""]))
    assert r.status_code == 303, "expected 2000 characters (CRLF as one) to fit, saw %d" % (
        r.status_code)
    assert case_json(me, base, cid)["sections"][0]["count"] == 2000


def test_section_over_limit_is_422_and_nothing_saved(base, me):
    cid = new_case(me, base)
    assert post_case(me, base, cid, form(title="原标题")).status_code == 303
    long = list(SECTIONS)
    long[0] = "字" * 2001
    r = post_case(me, base, cid, form(title="新标题", sections=long))
    assert r.status_code == 422, "expected 422 for a 2001-character section, saw %d" % (
        r.status_code)
    p = parse_html(r, "POST /submit/%d" % cid)
    assert "超出字数上限" in p.text, "expected the section's error on the form, saw none"
    assert "字" * 2001 in r.text, "expected the form to keep what was typed"
    c = case_json(me, base, cid)
    assert c["title"] == "原标题" and c["sections"][0]["body"] == SECTIONS[0], (
        "expected nothing saved after a 422, saw title %r" % c["title"])
    r = post_case(me, base, cid, form(title="标" * 81))
    assert r.status_code == 422, "expected 422 for an 81-character title, saw %d" % (
        r.status_code)


def test_submit_incomplete_is_422(base, me):
    cid = new_case(me, base)
    r = post_case(me, base, cid, form(sections=["只有背景", "", "", "", ""], action="submit"))
    assert r.status_code == 422, "expected 422 submitting an incomplete case, saw %d" % (
        r.status_code)
    p = parse_html(r, "submit incomplete")
    assert "提交前必须填写本部分" in p.text and "不足 300 字" in p.text, p.text[-600:]
    assert case_json(me, base, cid)["status"] == "draft"
    r = post_case(me, base, cid, form(action="submit", contact_phone=""))
    assert r.status_code == 422, "expected 422 without a contact phone, saw %d" % r.status_code


def test_submit_withdraw_resubmit(base, me, laurel_server):
    cid = new_case(me, base)
    r = post_case(me, base, cid, form(action="submit"))
    assert r.status_code == 303 and r.headers["Location"] == "/submit/%d/status" % cid, (
        "expected 303 to the status page after submitting, saw %d %r: %s"
        % (r.status_code, r.headers.get("Location"), r.text[-400:]))
    assert case_json(me, base, cid)["status"] == "submitted"
    row = db_row(laurel_server, 'SELECT status, region_code, submitted_at FROM "case" '
                 "WHERE id = ?", cid)
    assert row[0] == "submitted" and row[1] == "310000" and row[2], (
        "expected the case submitted in region 310000 for the recommender, saw %r" % (row,))

    r = me.get(base + "/submit/%d/status" % cid, timeout=HTTP_TIMEOUT)
    p = parse_html(r, "status")
    assert "已提交" in p.text and "草稿" in p.text, "expected the path in words"

    # A submitted case cannot be edited.
    r = post_case(me, base, cid, form(title="改动"))
    assert r.status_code == 409, "expected 409 saving a submitted case, saw %d" % r.status_code
    assert "不能修改" in r.text
    r = post_case(me, base, cid, form(action="submit"))
    assert r.status_code == 409, "expected 409 submitting twice, saw %d" % r.status_code
    assert case_json(me, base, cid)["title"] == "街道党建引领社区治理"

    r = post_case(me, base, cid, {"action": "withdraw"})
    assert r.status_code == 303, "expected 303 after withdrawing, saw %d: %s" % (
        r.status_code, r.text[-300:])
    assert case_json(me, base, cid)["status"] == "draft"
    r = post_case(me, base, cid, {"action": "withdraw"})
    assert r.status_code == 409, "expected 409 withdrawing a draft, saw %d" % r.status_code

    assert post_case(me, base, cid, form(action="submit")).status_code == 303
    assert case_json(me, base, cid)["status"] == "submitted"
    events = " ".join(r[0] for r in db_rows(
        laurel_server.data, "SELECT coalesce(from_status, '-') || '>' || to_status FROM case_event "
        "WHERE case_id = ? ORDER BY id", (cid,)))
    assert events == "->draft draft>submitted submitted>draft draft>submitted", events


def test_stale_token_is_403(base, me):
    cid = new_case(me, base)
    r = post_case(me, base, cid, form(csrf="x" * 43))
    assert r.status_code == 403, "expected 403 with a wrong csrf token, saw %d" % r.status_code


def test_preview_is_safe(base, me):
    cid = new_case(me, base)
    hostile = list(SECTIONS)
    hostile[0] = "**要点**\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))"
    assert post_case(me, base, cid, form(title="<b>标题</b>", sections=hostile)).status_code == 303
    r = me.get(base + "/submit/%d/preview" % cid, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200
    parse_html(r, "preview")
    assert "<strong>要点</strong>" in r.text, "expected Markdown rendered in the preview"
    assert "<script>alert(1)" not in r.text and "javascript:alert" not in r.text
    assert "&lt;b&gt;标题&lt;/b&gt;" in r.text


# ---------------------------------------------------------------- other units


@pytest.fixture(scope="module")
def other(laurel_server):
    """A submitter of another unit, added with `laurel user add`."""
    unit = db_row(laurel_server, "SELECT id FROM unit WHERE name <> '上海市浦东新区周家渡街道' "
                  "ORDER BY id LIMIT 1")[0]
    p = subprocess.run([LAUREL_BIN, "user", "add", "--data", laurel_server.data, "--email",
                        "other-unit@demo.laurel", "--name", "另一单位", "--role", "submitter",
                        "--unit", str(unit)] + db_args(laurel_server.data),
                       input=b"other-unit-password\n",
                       capture_output=True, timeout=60)
    assert p.returncode == 0, "laurel user add failed: %s %s" % (p.stdout, p.stderr)
    return login(laurel_server.url, "other-unit@demo.laurel", "other-unit-password")


def test_other_unit_gets_404(base, me, other):
    cid = new_case(me, base)
    assert post_case(me, base, cid, form()).status_code == 303
    for path in ["/submit/%d", "/submit/%d/preview", "/submit/%d/status"]:
        r = other.get(base + path % cid, timeout=HTTP_TIMEOUT)
        assert r.status_code == 404, "expected 404 for another unit on %s, saw %d" % (
            path % cid, r.status_code)
    tok = csrf(other, base, "/submit")
    for action in ["save", "submit", "withdraw"]:
        r = other.post(base + "/submit/%d" % cid, data=form(action=action, csrf=tok),
                       allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert r.status_code == 404, "expected 404 for another unit's %s, saw %d" % (
            action, r.status_code)
    r = other.post(base + "/submit/%d/attachments" % cid, data={"csrf": tok},
                   files={"file": ("a.png", PNG, "image/png")}, allow_redirects=False,
                   timeout=HTTP_TIMEOUT)
    assert r.status_code == 404, "expected 404 uploading to another unit's case, saw %d" % (
        r.status_code)
    r = other.get(base + "/submit", timeout=HTTP_TIMEOUT)
    assert "/submit/%d" % cid not in r.text, "expected our case not listed for another unit"
    assert other.get(base + "/submit/99999999", timeout=HTTP_TIMEOUT).status_code == 404
    assert other.get(base + "/submit/abc", timeout=HTTP_TIMEOUT).status_code == 404
    assert case_json(me, base, cid)["status"] == "draft"


# ---------------------------------------------------------------- attachments

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def docx_bytes():
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return b.getvalue()


def upload(s, base, cid, name, data, ctype="application/octet-stream", token=None):
    tok = token if token is not None else csrf(s, base, "/submit/%d" % cid)
    fields = {"csrf": tok} if tok else {}
    return s.post(base + "/submit/%d/attachments" % cid, data=fields,
                  files={"file": (name, data, ctype)}, allow_redirects=False,
                  timeout=HTTP_TIMEOUT)


def attachments(s, base, cid):
    return case_json(s, base, cid)["attachments"]


@pytest.fixture(scope="module")
def draft(laurel_server, me):
    base = laurel_server.url
    cid = new_case(me, base)
    assert post_case(me, base, cid, form()).status_code == 303
    return cid


def test_pdf_upload_and_download(base, me, draft, laurel_server):
    r = upload(me, base, draft, "方案.pdf", PDF, "application/pdf")
    assert r.status_code == 303, "expected 303 after uploading a PDF, saw %d: %s" % (
        r.status_code, r.text[-300:])
    a = [x for x in attachments(me, base, draft) if x["name"] == "方案.pdf"]
    assert a and a[0]["mime"] == "application/pdf", attachments(me, base, draft)
    url = a[0]["url"]
    sha = url.rsplit("/", 1)[1]
    assert os.path.exists(os.path.join(laurel_server.data, "files", sha[:2], sha))
    assert not os.listdir(os.path.join(laurel_server.data, "tmp")), "expected tmp/ emptied"
    r = me.get(base + url, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment;") and "filename*=UTF-8''%E6%96%B9%E6%A1%88.pdf" in cd, cd
    # Not published: nobody else may read it.
    assert requests.get(base + url, timeout=HTTP_TIMEOUT).status_code == 404
    org = login(base, "organiser@demo.laurel")
    assert org.get(base + url, timeout=HTTP_TIMEOUT).status_code == 200
    rec = login(base, "shanghai@demo.laurel")
    assert rec.get(base + url, timeout=HTTP_TIMEOUT).status_code == 404, (
        "expected the recommender not to see a draft's file")


def test_recommender_sees_submitted_files(base, me):
    cid = new_case(me, base)
    assert upload(me, base, cid, "x.png", PNG + b"rec").status_code == 303
    assert post_case(me, base, cid, form(action="submit")).status_code == 303
    url = attachments(me, base, cid)[0]["url"]
    rec = login(base, "shanghai@demo.laurel")
    assert rec.get(base + url, timeout=HTTP_TIMEOUT).status_code == 200, (
        "expected the region's recommender to read a submitted case's file")
    r = upload(me, base, cid, "y.png", PNG)
    assert r.status_code == 409, "expected 409 uploading to a submitted case, saw %d" % (
        r.status_code)


def test_type_by_content_not_name(base, me, draft):
    r = upload(me, base, draft, "photo.pdf", PNG + b"1", "application/pdf")
    assert r.status_code == 303
    a = [x for x in attachments(me, base, draft) if x["name"] == "photo.pdf"]
    assert a and a[0]["mime"] == "image/png", "expected a PNG named .pdf kept as image/png"
    r = upload(me, base, draft, "notes.pdf", b"just some text, not a PDF\n", "application/pdf")
    assert r.status_code == 415, "expected 415 for text named .pdf, saw %d" % r.status_code
    r = upload(me, base, draft, "fake.docx", b"PK\x03\x04" + b"\x00" * 100)
    assert r.status_code == 415, "expected 415 for a bare PK header, saw %d" % r.status_code
    r = upload(me, base, draft, "report.docx", docx_bytes())
    assert r.status_code == 303, "expected a DOCX accepted, saw %d" % r.status_code
    r = upload(me, base, draft, "p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    assert r.status_code == 303
    mimes = {x["name"]: x["mime"] for x in attachments(me, base, draft)}
    assert mimes["report.docx"].endswith("wordprocessingml.document") and \
        mimes["p.jpg"] == "image/jpeg", mimes


def test_larger_than_form_limit_is_accepted(base, me):
    cid = new_case(me, base)
    big = PDF + b"%" + os.urandom(2 * 1024 * 1024)
    r = upload(me, base, cid, "big.pdf", big)
    assert r.status_code == 303, "expected a 2 MiB PDF accepted (over the 1 MiB form limit), " \
        "saw %d" % r.status_code
    r = me.get(base + attachments(me, base, cid)[0]["url"], timeout=HTTP_TIMEOUT)
    assert r.content == big


def test_oversize_refused_before_body(base, me):
    cid = new_case(me, base)
    u = urllib.parse.urlsplit(base)
    cookie = "; ".join("%s=%s" % (k, v) for k, v in me.cookies.items())
    head = ("POST /submit/%d/attachments HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n"
            "Content-Type: multipart/form-data; boundary=XyZ\r\n"
            "Content-Length: %d\r\n\r\n" % (cid, cookie, 20 * 1024 * 1024 + 70 * 1024))
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    try:
        s.sendall(head.encode())
        data = s.recv(4096)  # no body was sent
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 413"), "expected 413 before the body, saw %r" % data[:80]


def test_oversize_stream_refused(base, me):
    cid = new_case(me, base)
    big = PDF + b"0" * (20 * 1024 * 1024)
    r = upload(me, base, cid, "huge.pdf", big)
    assert r.status_code == 413, "expected 413 for a file over 20 MiB, saw %d" % r.status_code
    assert attachments(me, base, cid) == []


def raw_multipart(s, base, cid, disposition, data, token):
    b = b"----laurelTestBoundary"
    body = (b"--" + b + b"\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" +
            token.encode() + b"\r\n--" + b + b"\r\nContent-Disposition: form-data; " +
            disposition + b"\r\nContent-Type: application/pdf\r\n\r\n" + data + b"\r\n--" +
            b + b"--\r\n")
    return s.post(base + "/submit/%d/attachments" % cid, data=body, allow_redirects=False,
                  headers={"Content-Type": "multipart/form-data; boundary=" + b.decode()},
                  timeout=HTTP_TIMEOUT)


def test_hostile_names(base, me, laurel_server):
    cid = new_case(me, base)
    tok = csrf(me, base, "/submit/%d" % cid)
    r = raw_multipart(me, base, cid, b'name="file"; filename="../../etc/passwd"', PNG + b"a", tok)
    assert r.status_code == 303, r.text[-300:]
    r = raw_multipart(me, base, cid, b'name="file"; filename="say \\"hi\\".png"', PNG + b"b", tok)
    assert r.status_code == 303, r.text[-300:]
    r = raw_multipart(me, base, cid, b"name=\"file\"; filename*=UTF-8''evil%0D%0ASet-Cookie%3A"
                      b"%20x%3D1%E2%80%AEgnp.exe", PNG + b"c", tok)
    assert r.status_code in (303, 400), r.status_code
    names = [a["name"] for a in attachments(me, base, cid)]
    assert names[:2] == ["passwd", "say hi.png"], names
    for a in attachments(me, base, cid):
        assert not re.search(r"[\x00-\x1f\"/\\\u202e]", a["name"]), a["name"]
        r = me.get(base + a["url"], timeout=HTTP_TIMEOUT)
        assert r.status_code == 200 and "Set-Cookie" not in r.headers
        assert "\r" not in r.headers["Content-Disposition"]
    assert not os.path.exists(os.path.join(laurel_server.data, "etc"))
    r = me.get(base + "/submit/%d" % cid, timeout=HTTP_TIMEOUT)
    parse_html(r, "edit page with hostile names")


def test_upload_without_csrf_is_403(base, me, draft):
    n = len(attachments(me, base, draft))
    r = upload(me, base, draft, "x.png", PNG + b"nocsrf", token="")
    assert r.status_code == 403, "expected 403 for a multipart body without csrf, saw %d" % (
        r.status_code)
    r = upload(me, base, draft, "x.png", PNG + b"badcsrf", token="y" * 43)
    assert r.status_code == 403
    assert len(attachments(me, base, draft)) == n


def test_not_multipart_is_415(base, me, draft):
    r = me.post(base + "/submit/%d/attachments" % draft,
                data={"csrf": csrf(me, base, "/submit/%d" % draft)}, allow_redirects=False,
                timeout=HTTP_TIMEOUT)
    assert r.status_code == 415, "expected 415 for a urlencoded upload, saw %d" % r.status_code


def test_same_content_stored_once_and_remove(base, me, laurel_server):
    cid = new_case(me, base)
    data = PDF + b"%same"
    assert upload(me, base, cid, "one.pdf", data).status_code == 303
    assert upload(me, base, cid, "two.pdf", data).status_code == 303
    a = attachments(me, base, cid)
    assert len(a) == 2 and a[0]["url"] == a[1]["url"]
    tok = csrf(me, base, "/submit/%d" % cid)
    r = me.post(base + "/submit/%d/attachments/%d/delete" % (cid, a[0]["id"]),
                data={"csrf": tok}, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303
    assert [x["name"] for x in attachments(me, base, cid)] == ["two.pdf"]
    r = me.post(base + "/submit/%d/attachments/%d/delete" % (cid, a[0]["id"]),
                data={"csrf": tok}, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404


def test_ten_files_at_most(base, me):
    cid = new_case(me, base)
    for i in range(10):
        assert upload(me, base, cid, "%d.png" % i, PNG + bytes([i])).status_code == 303
    r = upload(me, base, cid, "11.png", PNG + b"eleven")
    assert r.status_code == 413, "expected 413 for an 11th file, saw %d" % r.status_code
    assert len(attachments(me, base, cid)) == 10


def test_files_bad_digest_404(base):
    assert requests.get(base + "/files/../../etc/passwd", timeout=HTTP_TIMEOUT).status_code \
        in (400, 404)
    assert requests.get(base + "/files/" + "0" * 64, timeout=HTTP_TIMEOUT).status_code == 404


def test_section_toolbar_and_save_and_preview(base, me):
    """Each section has a toolbar (heading, bold, lists) and 保存并预览 saves then shows the
    case as it will read; the page never asks the clerk to know the syntax."""
    cid = new_case(me, base)
    r = me.get(base + "/submit/%d" % cid, timeout=HTTP_TIMEOUT)
    p = parse_html(r, "/submit/%d" % cid)
    bars = re.findall(r'<div class="md-toolbar"[^>]*data-for="(s\d)"', r.text)
    assert bars == ["s1", "s2", "s3", "s4", "s5"], "expected a toolbar per section, saw %r" % bars
    for word in ("小标题", "加粗", "列表", "编号", "保存并预览"):
        assert word in p.text, "expected %s on the edit page" % word
    assert "Markdown" not in p.text and "**" not in p.text, "expected no syntax named"
    body = ["### 背景\n\n**议事会**每月一次。\n\n- 一\n- 二"] + SECTIONS[1:]
    r = post_case(me, base, cid, form(sections=body, action="preview"))
    assert r.status_code == 303 and r.headers["Location"] == "/submit/%d/preview" % cid, (
        "expected 保存并预览 to answer 303 to the preview, saw %d %r"
        % (r.status_code, r.headers.get("Location")))
    html = me.get(base + r.headers["Location"], timeout=HTTP_TIMEOUT).text
    assert "<h3>背景</h3>" in html and "<strong>议事会</strong>" in html and "<li>一</li>" in html
    assert case_json(me, base, cid)["status"] == "draft"
