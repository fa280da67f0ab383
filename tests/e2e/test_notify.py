"""The messages a unit expects through the outbox, end to end over HTTP.

A unit's clerk (zhoujiadu@demo.laurel) submits a case: a receipt is queued to
the case's contact address.  Its region (shanghai@demo.laurel) endorses it: a
message says so.  The organiser asks for a correction: the message carries the
reason and the due date, and the unit's edit page shows both at its top, above
the form, not only on the status page.  Returns and the other screening
outcomes are covered in test_intake.py; the reviewers' reminders in
test_stages.py.
"""
import datetime
import re

import pytest

from conftest import HTTP_TIMEOUT, db_connect, login, parse_html
from test_intake import (SHANGHAI, User, make_cases, outbox_max, outbox_rows,
                         set_quota_headroom)
from test_submit import SUBMITTER, form, new_case, post_case


@pytest.fixture(scope="module", autouse=True)
def any_number_of_cases_per_unit(laurel_server):
    """The clerk's unit may hold cases of other modules; the rule itself is test_rules.py's."""
    db = db_connect(laurel_server.data)
    try:
        with db:
            db.execute("UPDATE campaign SET cases_per_unit = 0 WHERE status = 'open'")
    finally:
        db.close()


@pytest.fixture(scope="module")
def organiser(laurel_server):
    return User(laurel_server.url, "organiser@demo.laurel")


@pytest.fixture(scope="module")
def shanghai(laurel_server):
    return User(laurel_server.url, "shanghai@demo.laurel")


def rows_to(server, mark, addr):
    return [r for r in outbox_rows(server, mark) if r[1] == addr]


def test_submission_endorsement_and_correction_reach_the_unit(laurel_server, organiser,
                                                              shanghai):
    base = laurel_server.url
    clerk = login(base, SUBMITTER)
    addr = "notify-%d@example.cn" % id(clerk)
    cid = new_case(clerk, base)

    mark = outbox_max(laurel_server)
    r = post_case(clerk, base, cid, form(title="回执测试案例", action="submit",
                                         contact_email=addr))
    assert r.status_code == 303, "expected the submission to answer 303, saw %d: %s" % (
        r.status_code, r.text[-300:])
    rows = rows_to(laurel_server, mark, addr)
    assert len(rows) == 1, "expected one receipt queued to %s, saw %r" % (addr, rows)
    _, _, subject, body = rows[0]
    assert "已收到" in subject and "回执测试案例" in subject, subject
    assert "已提交" in body and "/submit/%d/status" % cid in body, body

    # A refused submission (saving a submitted case) queues nothing more.
    mark = outbox_max(laurel_server)
    assert post_case(clerk, base, cid, form(action="submit")).status_code == 409
    assert outbox_rows(laurel_server, mark) == []

    set_quota_headroom(organiser, shanghai, 1)
    r = shanghai.post("/recommend/%d/endorse" % cid)
    assert r.status_code == 303, "expected the endorsement to answer 303, saw %d" % r.status_code
    rows = rows_to(laurel_server, mark, addr)
    assert len(rows) == 1, "expected one endorsement message, saw %r" % rows
    assert "推荐" in rows[0][2] and "已推荐" in rows[0][3], rows[0]

    due = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
    mark = outbox_max(laurel_server)
    r = organiser.post("/admin/screening/%d" % cid,
                       {"decision": "correction", "reason": "请补充成效数据", "due": due})
    assert r.status_code == 303, "expected the correction to answer 303, saw %d" % r.status_code
    rows = rows_to(laurel_server, mark, addr)
    assert len(rows) == 1 and "请补充成效数据" in rows[0][3] and due in rows[0][3], rows

    r = clerk.get(base + "/submit/%d" % cid, timeout=HTTP_TIMEOUT)
    p = parse_html(r, "/submit/%d" % cid)
    html = r.text
    alert = re.search(r'<div class="submit-alert" role="alert">(.*?)</div>', html, re.S)
    assert alert, "expected the correction's notice on the edit page"
    assert "请补充成效数据" in alert.group(1) and due in alert.group(1), alert.group(1)
    assert html.index("submit-alert") < html.index('id="submit-form"'), (
        "expected the reason above the form, at the top of the page")
    assert "待补正" in p.text


def open_campaign(server):
    c = db_connect(server.data, readonly=True)
    try:
        return c.execute("SELECT id, closes_at FROM campaign WHERE status = 'open'").fetchone()
    finally:
        c.close()


def test_deadline_reminders_reach_units_with_unfinished_cases(laurel_server, organiser):
    base = laurel_server.url
    camp, closes = open_campaign(laurel_server)
    clerk = login(base, SUBMITTER)
    addr = "remind-%d@example.cn" % id(clerk)
    cid = new_case(clerk, base)
    assert post_case(clerk, base, cid, form(title="提醒测试草稿", contact_email=addr)).status_code \
        == 303

    page = organiser.get("/admin?campaign=%d" % camp)
    m = re.search(r'data-confirm="将向 (\d+) 个案例', page.text)
    assert m and int(m.group(1)) >= 1, "expected the dashboard to offer reminders, with a count"

    # A case sent back for correction, due in 5 days, and one whose due date has passed.
    due = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    late = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    fix, over = make_cases(laurel_server, 2, SHANGHAI)
    c = db_connect(laurel_server.data)
    with c:
        for case, day in ((fix, due), (over, late)):
            c.execute('UPDATE "case" SET status = \'correction\', correction_due = ?, '
                      "contact_email = ? WHERE id = ?", (day, "fix-%d@example.cn" % case, case))
    c.close()

    mark = outbox_max(laurel_server)
    r = organiser.post("/admin/remind", {"campaign": str(camp)})
    assert r.status_code == 303, "expected reminders to answer 303, saw %d: %s" % (
        r.status_code, r.text[:300])
    rows = rows_to(laurel_server, mark, addr)
    assert len(rows) == 1, "expected one reminder to the draft's contact, saw %r" % rows
    assert "截止" in rows[0][2] and "提醒测试草稿" in rows[0][2], rows[0][2]
    assert closes in rows[0][3] and "/submit/%d/status" % cid in rows[0][3], rows[0][3]
    fixed = rows_to(laurel_server, mark, "fix-%d@example.cn" % fix)
    assert len(fixed) == 1 and due in fixed[0][3] and "补正" in fixed[0][3], fixed
    assert rows_to(laurel_server, mark, "fix-%d@example.cn" % over) == [], (
        "expected no reminder for a correction past its date")
    # One reminder per case (a case without a contact goes to each clerk of its unit).
    cases = int(re.search(r"reminded=(\d+)", r.headers["Location"]).group(1))
    assert 2 <= cases <= len(outbox_rows(laurel_server, mark)), cases
    assert "已向 %d 个案例的联系人或申报单位发出截止提醒" % cases in organiser.get(
        r.headers["Location"]).text

    # A campaign with nobody to remind (the published one) queues nothing: 409.
    mark = outbox_max(laurel_server)
    c = db_connect(laurel_server.data, readonly=True)
    published = c.execute("SELECT id FROM campaign WHERE status = 'published'").fetchone()[0]
    c.close()
    r = organiser.post("/admin/remind", {"campaign": str(published)})
    assert r.status_code == 409 and "没有需要提醒的案例" in r.text, r.status_code
    assert organiser.post("/admin/remind", {"campaign": "999999"}).status_code == 404
    assert organiser.post("/admin/remind", {}).status_code == 422
    assert outbox_rows(laurel_server, mark) == []
