"""The submission and import areas as declared pages and actions: every page
of the area has its JSON twin (/api/v1/...), a field over the limit its
action declares is refused with 422 before anything is written, and a
refused form comes back as its page with the message beside the field and
the values as typed.

Signs in as the demo submitter and the organiser; every case made here is a
new draft of the demo unit, so the shared demo database keeps its shape."""
import re

import pytest

from conftest import HTTP_TIMEOUT, JSON, csrf, db_connect, login, parse_html


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
ORGANISER = "organiser@demo.laurel"


@pytest.fixture(scope="module")
def me(laurel_server):
    return login(laurel_server.url, SUBMITTER)


def db_row(server, sql, *args):
    db = db_connect(server.data, readonly=True)
    try:
        return db.execute(sql, args).fetchone()
    finally:
        db.close()


def new_case(s, base):
    r = s.post(base + "/submit/new", data={"csrf": csrf(s, base, "/submit")},
               allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, "expected 303 from POST /submit/new, saw %d" % r.status_code
    return int(re.fullmatch(r"/submit/(\d+)", r.headers["Location"]).group(1))


def save(s, base, cid, **fields):
    data = {"csrf": csrf(s, base, "/submit/%d" % cid), "action": "save", "title": "原标题",
            "contact_name": "张三", "contact_phone": "021-12345678"}
    data.update(fields)
    return s.post(base + "/submit/%d" % cid, data=data, allow_redirects=False,
                  timeout=HTTP_TIMEOUT)


def test_pages_have_json_twins(base, me, laurel_server):
    cid = new_case(me, base)
    for path, key in (("/submit", "cases"), ("/submit/%d" % cid, "sections"),
                      ("/submit/%d/preview" % cid, "attachments"),
                      ("/submit/%d/status" % cid, "path")):
        r = me.get(base + "/api/v1" + path, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, "GET /api/v1%s: expected 200, saw %d" % (path, r.status_code)
        assert r.headers["Content-Type"].startswith("application/json"), r.headers["Content-Type"]
        assert key in r.json(), "GET /api/v1%s: expected %r in the model, saw %r" % (
            path, key, sorted(r.json()))
    org = login(base, ORGANISER)
    r = org.get(base + "/api/v1/admin/import", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and [k["slug"] for k in r.json()["kinds"]] == [
        "units", "users", "cases"], r.text[:300]


def test_field_over_its_limit_is_422_and_nothing_changes(base, me, laurel_server):
    cid = new_case(me, base)
    assert save(me, base, cid).status_code == 303
    before = db_row(laurel_server, 'SELECT title, contact_name, updated_at FROM "case" '
                    "WHERE id = ?", cid)
    for field, value in (("title", "长" * 81), ("contact_name", "名" * 41),
                         ("contact_phone", "1" * 21), ("tags", "标" * 201),
                         ("s1", "字" * 10001), ("action", "publish")):
        r = save(me, base, cid, **{field: value})
        assert r.status_code == 422, "%s over its limit: expected 422, saw %d" % (
            field, r.status_code)
        after = db_row(laurel_server, 'SELECT title, contact_name, updated_at FROM "case" '
                       "WHERE id = ?", cid)
        assert after == before, "%s over its limit: expected nothing saved, saw %r -> %r" % (
            field, before, after)
    # As JSON: the page's model with the message by field.
    r = me.post(base + "/submit/%d" % cid, headers=JSON, timeout=HTTP_TIMEOUT,
                data={"csrf": csrf(me, base, "/submit/%d" % cid), "title": "长" * 81})
    assert r.status_code == 422, r.status_code
    m = r.json()
    assert "title" in m["errors"] and m["error"], "expected errors.title and error, saw %r" % m
    assert m["title"] == "长" * 81, "expected the title as typed in the model"


def test_refused_form_shows_values_and_messages_beside_fields(base, me):
    cid = new_case(me, base)
    r = save(me, base, cid, title="长" * 81, contact_phone="电话")
    assert r.status_code == 422
    p = parse_html(r, "POST /submit/%d refused" % cid)
    title = [a for t, a in p.tags if t == "input" and a.get("id") == "title"]
    assert title and title[0].get("value") == "长" * 81, "expected the title as typed, saw %r" % title
    assert "title-error" in (title[0].get("aria-describedby") or ""), title[0]
    assert 'id="title-error"' in r.text, "expected the title's message beside it"
    assert any(a.get("role") == "alert" for t, a in p.tags if t == "p"), "expected an alert"
    # The domain's rules, past the field limits, name their fields too.
    r = save(me, base, cid, contact_phone="电话")
    assert r.status_code == 422
    m = me.post(base + "/submit/%d" % cid, headers=JSON, timeout=HTTP_TIMEOUT,
                data={"csrf": csrf(me, base, "/submit/%d" % cid), "title": "好",
                      "contact_phone": "电话"}).json()
    assert "contact" in m["errors"], "expected errors.contact, saw %r" % m["errors"]


def test_refused_upload_names_the_file_field(base, me):
    cid = new_case(me, base)
    tok = csrf(me, base, "/submit/%d" % cid)
    r = me.post(base + "/submit/%d/attachments" % cid, data={"csrf": tok}, headers=JSON,
                files={"file": ("a.pdf", b"plain text", "application/pdf")}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 415, "expected 415 for text named .pdf, saw %d" % r.status_code
    m = r.json()
    assert "file" in m["errors"] and m["attachments"] == [], m
    r = me.post(base + "/submit/%d/attachments" % cid, data={"csrf": tok},
                files={"file": ("a.pdf", b"plain text", "application/pdf")}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 415 and 'id="file-error"' in r.text, r.text[-500:]


def test_import_answers_its_result_as_json_and_html(base, laurel_server):
    org = login(base, ORGANISER)
    tok = csrf(org, base, "/admin/import")
    bad = b"region_code,name,parent_name,level\r\n310000,x,,0\r\n"
    r = org.post(base + "/admin/import/units", data={"csrf": tok}, headers=JSON,
                 files={"file": ("u.csv", bad, "text/csv")}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 422, "expected 422 for level 0, saw %d" % r.status_code
    m = r.json()
    assert not m["ok"] and m["imported"] == 0 and m["errors"][0]["field"] == "level", m
    assert m["error"], "expected the refusal's message, saw %r" % m
    r = org.post(base + "/admin/import/units", data={"csrf": tok},
                 files={"file": ("u.csv", b"", "text/csv")}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 422, "expected 422 without a file, saw %d" % r.status_code
    p = parse_html(r, "import without a file")
    assert any(t == "form" for t, a in p.tags), "expected the import forms again"
