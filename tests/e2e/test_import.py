"""CSV import (units, users, cases) and the XLSX export of the organiser.

Imports are checked through the answers (JSON and the HTML result page) and
through the database itself (read-only, in the server's data folder), so that
"nothing imported" means no row reached the database.  Every name made here
carries a random suffix: the demo database is shared with the other tests.
"""
import io
import os
import re
import secrets
import zipfile

import pytest
import requests

from conftest import HTTP_TIMEOUT, JSON, db_rows, login, parse_html

ORGANISER = "organiser@demo.laurel"
SUBMITTER = "zhoujiadu@demo.laurel"
RECOMMENDER = "shanghai@demo.laurel"
UNIT = "上海市浦东新区周家渡街道"  # the demo submitter's unit, in 310000

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csrf_of(s, base):
    r = s.get(base + "/admin/import", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected /admin/import 200, saw %d" % r.status_code
    m = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert m, "expected a csrf field on /admin/import; saw none"
    return m.group(1)


def upload(s, base, kind, data, csrf, as_json=True, name="import.csv"):
    headers = dict(JSON) if as_json else {}
    return s.post(base + "/admin/import/" + kind, files={"file": (name, data, "text/csv")},
                  data={"csrf": csrf}, headers=headers, timeout=HTTP_TIMEOUT)


def db_query(server, sql, args=()):
    return db_rows(server.data, sql, args)


def count(server, table):
    return db_query(server, 'SELECT count(*) FROM "%s"' % table)[0][0]


def csv_text(rows):
    out = []
    for row in rows:
        cells = []
        for c in row:
            c = str(c)
            if any(ch in c for ch in ',"\r\n'):
                c = '"' + c.replace('"', '""') + '"'
            cells.append(c)
        out.append(",".join(cells))
    return "\r\n".join(out) + "\r\n"


@pytest.fixture(scope="module")
def org(laurel_server):
    s = login(laurel_server.url, ORGANISER)
    return s, csrf_of(s, laurel_server.url)


def unit_rows(suffix):
    return [["region_code", "name", "parent_name", "level"],
            ["310000", "测试街道" + suffix, "", "2"],
            ["310000", "测试街道" + suffix + "幸福社区（一）", "测试街道" + suffix, "3"],
            ["310000", "测试街道" + suffix + "和平社区", "测试街道" + suffix, "3"],
            ["110000", "北京测试街道" + suffix, "北京市东城区", "2"]]


def units_tree(server, suffix):
    """The imported units as (region, name without suffix, parent without suffix, level)."""
    rows = db_query(server, "SELECT u.region_code, u.name, coalesce(p.name, ''), u.level "
                            "FROM unit u LEFT JOIN unit p ON p.id = u.parent_id "
                            "WHERE u.name LIKE ? ORDER BY u.id", ("%" + suffix + "%",))
    return [(r, n.replace(suffix, "*"), p.replace(suffix, "*"), lv) for r, n, p, lv in rows]


def case_row(title, unit=UNIT, track="community-services", body="情况说明" * 30, tags="社区服务"):
    return [unit, title, track, "张三", "021-12345678", "zhang@example.org", tags,
            body, body, body, body, ""]


CASE_HEADER = ["unit_name", "title", "track_slug", "contact_name", "contact_phone",
               "contact_email", "tags", "背景与起因", "做法与经过", "成效与反响", "探讨与评论", "附录"]


# ---------------------------------------------------------------- the page and who may use it

def test_import_page_lists_three_forms_and_samples(base, org):
    s, _ = org
    r = s.get(base + "/admin/import", timeout=HTTP_TIMEOUT)
    p = parse_html(r, "/admin/import")
    forms = [a for t, a in p.tags if t == "form" and (a.get("action") or "").startswith(
        "/admin/import/")]
    assert sorted(f["action"] for f in forms) == [
        "/admin/import/cases", "/admin/import/units", "/admin/import/users"], (
        "expected three upload forms, saw %r" % [f.get("action") for f in forms])
    assert all(f.get("enctype") == "multipart/form-data" for f in forms), forms
    assert "region_code" in p.text and "背景与起因" in p.text and "track_slug" in p.text
    for kind, header in (("units", "region_code,name,parent_name,level"),
                         ("users", "email,name,role,region_code,unit_name"),
                         ("cases", ",".join(CASE_HEADER))):
        r = s.get(base + "/admin/import/sample/%s.csv" % kind, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, "sample %s: expected 200, saw %d" % (kind, r.status_code)
        assert r.headers["Content-Type"].startswith("text/csv"), r.headers["Content-Type"]
        assert "attachment" in r.headers.get("Content-Disposition", "")
        text = r.content.decode("utf-8-sig")
        assert text.splitlines()[0] == header, ("sample %s: expected header %r, saw %r"
                                                % (kind, header, text.splitlines()[0]))
    r = s.get(base + "/admin/import/sample/other.csv", timeout=HTTP_TIMEOUT)
    assert r.status_code == 404, "expected 404 for an unknown sample, saw %d" % r.status_code


def test_non_organisers_are_refused(base, laurel_server):
    csv = ("\ufeff" + csv_text(unit_rows(secrets.token_hex(3)))).encode()
    before = count(laurel_server, "unit")
    for email in (SUBMITTER, RECOMMENDER):
        s = login(base, email)
        for path in ("/admin/import", "/admin/import/sample/units.csv", "/admin/export.xlsx"):
            r = s.get(base + path, allow_redirects=False, timeout=HTTP_TIMEOUT)
            assert r.status_code == 403, ("%s GET %s: expected 403, saw %d"
                                          % (email, path, r.status_code))
        token = s.cookies.get("laurel_csrf") or "x"
        r = upload(s, base, "units", csv, token)
        assert r.status_code == 403, "%s POST import: expected 403, saw %d" % (email,
                                                                                r.status_code)
    r = requests.get(base + "/admin/import", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303 and "/login" in r.headers.get("Location", ""), (
        "anonymous: expected a redirect to /login, saw %d %r"
        % (r.status_code, r.headers.get("Location")))
    r = requests.get(base + "/admin/export.xlsx", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code in (303, 401), "anonymous export: expected 303/401, saw %d" % (
        r.status_code)
    assert count(laurel_server, "unit") == before, "expected no unit imported by non-organisers"


def test_csrf_is_required(base, org, laurel_server):
    s, _ = org
    before = count(laurel_server, "unit")
    csv = csv_text(unit_rows(secrets.token_hex(3))).encode()
    r = upload(s, base, "units", csv, "not-the-token")
    assert r.status_code == 403, "expected 403 without the CSRF token, saw %d" % r.status_code
    assert count(laurel_server, "unit") == before


# ---------------------------------------------------------------- encodings

def test_units_utf8_with_bom_and_gb18030_import_identically(base, org, laurel_server):
    s, csrf = org
    a, b = "甲" + secrets.token_hex(3), "乙" + secrets.token_hex(3)
    before = count(laurel_server, "unit")

    r = upload(s, base, "units", ("\ufeff" + csv_text(unit_rows(a))).encode("utf-8"), csrf)
    assert r.status_code == 200, "UTF-8 with BOM: expected 200, saw %d: %s" % (
        r.status_code, r.text[:500])
    m = r.json()
    assert m["ok"] and m["imported"] == 4, "expected 4 units imported, saw %r" % m
    assert m["encoding"] == "UTF-8 with BOM", m

    r = upload(s, base, "units", csv_text(unit_rows(b)).encode("gb18030"), csrf)
    assert r.status_code == 200, "GB18030: expected 200, saw %d: %s" % (r.status_code,
                                                                        r.text[:500])
    m = r.json()
    assert m["ok"] and m["imported"] == 4 and m["encoding"] == "GB18030", m

    assert count(laurel_server, "unit") == before + 8
    ta, tb = units_tree(laurel_server, a), units_tree(laurel_server, b)
    assert ta == tb, "expected both encodings to import the same units, saw %r vs %r" % (ta, tb)
    assert ("310000", "测试街道*幸福社区（一）", "测试街道*", 3) in ta, ta
    assert ("110000", "北京测试街道*", "北京市东城区", 2) in ta, ta

    # The same file again: every line now names an existing unit.
    r = upload(s, base, "units", csv_text(unit_rows(b)).encode("gb18030"), csrf)
    assert r.status_code == 422, "re-import: expected 422, saw %d" % r.status_code
    assert [e["line"] for e in r.json()["errors"]] == [2, 3, 4, 5], r.json()
    assert count(laurel_server, "unit") == before + 8


def test_not_text_is_refused(base, org):
    s, csrf = org
    r = upload(s, base, "units", "region_code,name\n".encode("utf-16"), csrf)
    assert r.status_code == 422, "UTF-16: expected 422, saw %d" % r.status_code
    assert "GB18030" in r.json()["errors"][0]["reason"], r.json()


def test_wrong_header_is_named(base, org):
    s, csrf = org
    r = upload(s, base, "units", b"code,name,parent,level\r\n310000,x,,1\r\n", csrf)
    assert r.status_code == 422
    err = r.json()["errors"]
    assert err[0]["line"] == 1 and "region_code,name,parent_name,level" in err[0]["reason"], err


# ---------------------------------------------------------------- all or nothing

def test_bad_line_in_the_middle_imports_nothing(base, org, laurel_server):
    s, csrf = org
    sfx = secrets.token_hex(4)
    rows = [["email", "name", "role", "region_code", "unit_name"],
            ["a%s@example.org" % sfx, "甲", "reviewer", "", ""],
            ["b%s@example" % sfx, "乙", "reviewer", "", ""],  # line 3: no domain
            ["c%s@example.org" % sfx, "丙", "submitter", "310000", UNIT],
            ["d%s@example.org" % sfx, "丁", "recommender", "310000", ""]]
    data = csv_text(rows).encode()
    users, outbox, tokens = (count(laurel_server, t) for t in ("user", "outbox", "token"))

    r = upload(s, base, "users", data, csrf, as_json=False)
    assert r.status_code == 422, "expected 422 for a bad line, saw %d" % r.status_code
    p = parse_html(r, "POST /admin/import/users")
    assert "没有导入任何数据" in p.text, "expected the page to say nothing was imported"
    cells = re.findall(r"<tr><td>(\d*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", r.text)
    assert cells == [("3", "email", "电子邮箱格式不正确")], (
        "expected one error row naming line 3, saw %r" % cells)
    assert (count(laurel_server, "user"), count(laurel_server, "outbox"),
            count(laurel_server, "token")) == (users, outbox, tokens), "expected nothing imported"

    # Corrected, the same file imports whole: users, their roles, invitations.
    rows[2][0] = "b%s@example.org" % sfx
    r = upload(s, base, "users", csv_text(rows).encode(), csrf)
    assert r.status_code == 200 and r.json()["imported"] == 4, r.text[:500]
    assert count(laurel_server, "user") == users + 4
    got = db_query(laurel_server,
                   "SELECT u.email, u.password_hash IS NULL, r.role, coalesce(r.region_code,''), "
                   "coalesce(n.name,''), (SELECT count(*) FROM token t WHERE t.user_id = u.id "
                   "AND t.kind = 'invite' AND t.used_at IS NULL) FROM \"user\" u "
                   "JOIN user_role r ON r.user_id = u.id LEFT JOIN unit n ON n.id = r.unit_id "
                   "WHERE u.email LIKE ? ORDER BY u.id", ("%" + sfx + "%",))
    assert got == [("a%s@example.org" % sfx, 1, "reviewer", "", "", 1),
                   ("b%s@example.org" % sfx, 1, "reviewer", "", "", 1),
                   ("c%s@example.org" % sfx, 1, "submitter", "", UNIT, 1),
                   ("d%s@example.org" % sfx, 1, "recommender", "310000", "", 1)], got
    mails = db_query(laurel_server, "SELECT to_addr, body FROM outbox WHERE to_addr LIKE ?",
                     ("%" + sfx + "%",))
    assert len(mails) == 4, "expected 4 invitation messages, saw %d" % len(mails)
    assert all(re.search(r"/invite/[A-Za-z0-9_-]{43}\b", body) for _, body in mails), mails[0]
    # The link opens the invitation page (area invite) for the imported user.
    path = re.search(r"/invite/[A-Za-z0-9_-]{43}", mails[0][1]).group(0)
    r = requests.get(base + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected the invitation link to answer 200, saw %d" % (
        r.status_code)


def test_user_rules(base, org, laurel_server):
    s, csrf = org
    sfx = secrets.token_hex(4)
    rows = [["email", "name", "role", "region_code", "unit_name"],
            ["x%s@example.org" % sfx, "甲", "boss", "", ""],
            ["y%s@example.org" % sfx, "乙", "recommender", "", ""],
            ["z%s@example.org" % sfx, "丙", "submitter", "110000", UNIT],
            ["X%s@example.org" % sfx, "丁", "reviewer", "", ""],
            [ORGANISER, "戊", "reviewer", "999999", ""]]
    before = count(laurel_server, "user")
    r = upload(s, base, "users", csv_text(rows).encode(), csrf)
    assert r.status_code == 422
    errs = {(e["line"], e["field"]) for e in r.json()["errors"]}
    assert {(2, "role"), (3, "region_code"), (4, "unit_name"), (5, "email"), (6, "email"),
            (6, "region_code")} <= errs, errs
    assert count(laurel_server, "user") == before


def test_long_fields_are_rejected_with_their_line(base, org, laurel_server):
    s, csrf = org
    sfx = secrets.token_hex(3)
    rows = [CASE_HEADER,
            case_row("好标题" + sfx),
            case_row("长" * 81),                                        # line 3: title
            case_row("正文过长" + sfx, body="字" * 2001),               # line 4: sections
            case_row("另一个" + sfx, track="no-such-track"),             # line 5: track
            case_row("好标题" + sfx)]                                   # line 6: duplicate
    before = count(laurel_server, "case")
    r = upload(s, base, "cases", csv_text(rows).encode(), csrf)
    assert r.status_code == 422, "expected 422, saw %d: %s" % (r.status_code, r.text[:300])
    errs = r.json()["errors"]
    by_line = {}
    for e in errs:
        by_line.setdefault(e["line"], []).append((e["field"], e["reason"]))
    assert 2 not in by_line, "line 2 is fine; saw %r" % by_line.get(2)
    assert ("title", "超过 80 字") in by_line[3], by_line
    assert ("背景与起因", "超过 2000 字") in by_line[4], by_line
    assert by_line[5][0][0] == "track_slug", by_line
    assert by_line[6] == [("title", "与第 2 行重复")], by_line
    assert count(laurel_server, "case") == before

    # A field past the parser's limit (64 KiB) stops the file at its line.
    rows = [CASE_HEADER, case_row("一" + sfx), case_row("二" + sfx, body="长" * 30000)]
    r = upload(s, base, "cases", csv_text(rows).encode(), csrf)
    assert r.status_code == 422
    assert [e["line"] for e in r.json()["errors"]] == [3], r.json()
    assert count(laurel_server, "case") == before


def test_too_large_file_is_refused(base, org):
    s, csrf = org
    data = b"region_code,name,parent_name,level\r\n" + b"310000,x,,1\r\n" * 450000  # ~5.6 MiB
    try:
        r = upload(s, base, "units", data, csrf)
        status = r.status_code
    except requests.ConnectionError:
        status = 413  # the server may close the connection once it has answered
    assert status == 413, "expected 413 for a file over 5 MiB, saw %d" % status
    r = s.get(base + "/healthz", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200


# ---------------------------------------------------------------- cases and the export

def sheet_strings(content):
    z = zipfile.ZipFile(io.BytesIO(content))
    names = z.namelist()
    assert "xl/worksheets/sheet1.xml" in names and "xl/worksheets/sheet2.xml" in names, names
    shared = re.findall(r"<si><t[^>]*>(.*?)</t></si>", z.read("xl/sharedStrings.xml").decode())
    sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
    rows = re.findall(r"<row [^>]*>(.*?)</row>", sheet1)
    table = []
    for row in rows:
        cells = [""] * 15
        for attrs, v in re.findall(r"<c ([^>]*?)(?:/>|>(.*?)</c>)", row):
            col = ord(re.search(r'r="([A-Z])', attrs).group(1)) - ord("A")
            m = re.search(r"<v>(.*?)</v>", v or "")
            val = m.group(1) if m else ""
            cells[col] = shared[int(val)] if 't="s"' in attrs and val else val
        table.append(cells)
    return table, sheet1, z


def test_cases_import_then_export(base, org, laurel_server):
    s, csrf = org
    title = "纸质报送案例" + secrets.token_hex(3)
    events = count(laurel_server, "case_event")
    rows = [CASE_HEADER, case_row(title, tags="社区服务，党建引领、智慧治理")]
    r = upload(s, base, "cases", ("\ufeff" + csv_text(rows)).encode(), csrf)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text[:500]
    got = db_query(laurel_server,
                   'SELECT c.status, c.region_code, c.tags_text, c.submitted_at IS NOT NULL, '
                   '(SELECT count(*) FROM case_section WHERE case_id = c.id), '
                   '(SELECT to_status FROM case_event WHERE case_id = c.id) '
                   'FROM "case" c WHERE c.title = ?', (title,))
    assert got == [("submitted", "310000", "社区服务，党建引领，智慧治理", 1, 5, "submitted")], got
    assert count(laurel_server, "case_event") == events + 1

    r = s.get(base + "/admin/export.xlsx", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "export: expected 200, saw %d" % r.status_code
    assert r.headers["Content-Type"] == XLSX, r.headers["Content-Type"]
    cd = r.headers.get("Content-Disposition", "")
    assert cd.startswith("attachment") and "filename*=UTF-8''" in cd, cd
    assert requests.utils.unquote(cd.split("UTF-8''")[1]).startswith("案例汇总-"), cd
    table, sheet1, z = sheet_strings(r.content)
    assert table[0] == ["编号", "地区", "申报单位", "案例标题", "类别", "标签", "状态", "提交时间",
                        "推荐时间", "形式审查结论", "审查意见", "联系人", "联系电话", "电子邮箱",
                        "字数"], table[0]
    assert 'state="frozen"' in sheet1 and "<autoFilter" in sheet1 and "<cols>" in sheet1
    mine = [row for row in table[1:] if title in row]
    assert len(mine) == 1, "expected the imported case in the export, saw %d rows" % len(mine)
    row = mine[0]
    assert row[1] == "上海市" and row[2] == UNIT and row[6] == "已提交", row
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[7]), "expected a YYYY-MM-DD date, saw %r" % row[7]
    assert row[14] == str(4 * len("情况说明" * 30)), row
    sheet2 = z.read("xl/worksheets/sheet2.xml").decode()
    assert sheet2.count("<row ") >= 33, "expected a row per region plus header and total"
    total_rows = len(table) - 1

    r = s.get(base + "/admin/export.xlsx?region=310000", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200
    assert "%E4%B8%8A%E6%B5%B7%E5%B8%82" in r.headers["Content-Disposition"]  # 上海市
    table, _, _ = sheet_strings(r.content)
    assert any(title in row for row in table[1:]), "expected the case under region 310000"
    assert all(row[1] == "上海市" for row in table[1:]), [row[1] for row in table[1:]]
    r = s.get(base + "/admin/export.xlsx?region=110000", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200
    table, _, _ = sheet_strings(r.content)
    assert not any(title in row for row in table[1:]), "expected no 上海市 case under 110000"
    assert len(table) - 1 < total_rows, "expected the region filter to narrow the rows"
    for bad, status in (("abc", 400), ("999999", 404)):
        r = s.get(base + "/admin/export.xlsx?region=" + bad, timeout=HTTP_TIMEOUT)
        assert r.status_code == status, "region=%s: expected %d, saw %d" % (bad, status,
                                                                            r.status_code)
    left = os.listdir(os.path.join(laurel_server.data, "tmp"))
    assert not [n for n in left if n.startswith("export-")], "expected no export leftovers: %r" % left
