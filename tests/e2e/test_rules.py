"""The call's rules are enforced by the server, not only stated: cases per unit,
required attachments, required sections and lengths, the deadline — at
submission (the unit), at recommendation (the region) and at screening (the
organiser, with an automatic check on the checklist).  The rules are set on the
organiser's settings page, and the unit's form says what they are.

Runs a server of its own: the tests change the call's rules as they go.  The
accounts are the demo's: the unit 上海市浦东新区周家渡街道 (zhoujiadu), the
Shanghai recommender and the organiser."""
import datetime
import re
import time

import pytest
import requests

from conftest import CSRF_RE, HTTP_TIMEOUT, JSON, db_connect, demo_server, login

SUBMITTER = "zhoujiadu@demo.laurel"
SHANGHAI = "310000"

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

SECTIONS = ["社区党组织牵头，" + "背景" * 60, "建立联席会议制度，" + "做法" * 60,
            "居民满意度明显提升，" + "成效" * 60, "经验可复制推广，" + "探讨" * 60, ""]


class User:
    """A signed-in session with its CSRF token."""

    def __init__(self, base, email):
        self.base = base
        self.s = login(base, email)
        r = self.s.get(base + "/me", timeout=HTTP_TIMEOUT)
        self.csrf = CSRF_RE.search(r.text).group(1)

    def get(self, path, **kw):
        return self.s.get(self.base + path, allow_redirects=False, timeout=HTTP_TIMEOUT, **kw)

    def json(self, path):
        r = self.get(path, headers=JSON)
        assert r.status_code == 200, "GET %s: expected 200, saw %d: %s" % (
            path, r.status_code, r.text[:300])
        return r.json()

    def post(self, path, data=None, files=None):
        data = dict(data or {})
        data["csrf"] = self.csrf
        return self.s.post(self.base + path, data=data, files=files, allow_redirects=False,
                           timeout=HTTP_TIMEOUT)


@pytest.fixture(scope="module")
def server():
    with demo_server("laurel-rules-") as srv:
        yield srv


@pytest.fixture(scope="module")
def organiser(server):
    return User(server.url, "organiser@demo.laurel")


@pytest.fixture(scope="module")
def unit(server):
    return User(server.url, SUBMITTER)


@pytest.fixture(scope="module")
def region(server):
    return User(server.url, "shanghai@demo.laurel")


def db(server):
    c = db_connect(server.data)
    return c


def status_of(server, cid):
    c = db(server)
    try:
        return c.execute('SELECT status FROM "case" WHERE id = ?', (cid,)).fetchone()[0]
    finally:
        c.close()


def set_rules(organiser, per_unit, files_min, note="", quota=50, **dates):
    m = organiser.json("/admin/settings")
    form = {"opens_at": dates.get("opens_at", m["opens_at"]),
            "closes_at": dates.get("closes_at", m["closes_at"]),
            "cases_per_unit": str(per_unit), "attachments_min": str(files_min),
            "attachments_note": note, "quota_" + SHANGHAI: str(quota)}
    r = organiser.post("/admin/settings", form)
    assert r.status_code == 303, "expected the settings to save (303), saw %d: %s" % (
        r.status_code, r.text[:400])
    rules = organiser.json("/admin/settings")["rules"]
    assert rules == {"cases_per_unit": per_unit, "attachments_min": files_min,
                     "attachments_note": note}, "expected the rules saved, saw %r" % rules


def new_case(unit):
    r = unit.post("/submit/new")
    assert r.status_code == 303, "expected a new draft (303), saw %d: %s" % (
        r.status_code, r.text[:300])
    return int(re.fullmatch(r"/submit/(\d+)", r.headers["Location"]).group(1))


def case_form(action, title="街道党建引领社区治理"):
    d = {"title": title, "tags": "党建", "contact_name": "张三", "contact_phone": "021-12345678",
         "contact_email": "zhang@example.cn", "action": action}
    for i, body in enumerate(SECTIONS):
        d["s%d" % (i + 1)] = body
    return d


def submitted_case(unit, title):
    cid = new_case(unit)
    r = unit.post("/submit/%d" % cid, case_form("submit", title))
    assert r.status_code == 303, "expected case %d submitted (303), saw %d: %s" % (
        cid, r.status_code, r.text[:300])
    return cid


def queue_item(organiser, cid):
    items = {i["id"]: i for i in organiser.json("/admin/screening")["items"]}
    assert cid in items, "expected case %d in the screening queue" % cid
    return {c["key"]: c["auto"] for c in items[cid]["checks"]}


def counted_per_unit(server):
    """(campaign, unit, cases) of every unit over its campaign's limit, counting cases sent."""
    c = db(server)
    try:
        return c.execute(
            "SELECT k.id, c.unit_id, count(*) FROM \"case\" c JOIN campaign k "
            "ON k.id = c.campaign_id WHERE c.status NOT IN ('draft','returned','rejected') "
            "AND k.cases_per_unit > 0 GROUP BY k.id, c.unit_id "
            "HAVING count(*) > max(k.cases_per_unit)").fetchall()
    finally:
        c.close()


# ------------------------------------------------------------------ the demo

def test_the_demo_keeps_its_own_rules(server):
    assert counted_per_unit(server) == [], (
        "expected no unit of the demo over its call's limit of cases per unit")


# ------------------------------------------------------------ cases per unit

def test_a_second_case_of_one_unit_is_refused_at_submission(server, organiser, unit):
    set_rules(organiser, 1, 0)
    m = unit.json("/submit")
    assert m["cases_per_unit"] == 1
    assert "限报 1 个案例" in unit.get("/submit").text, "expected the list to state the rule"
    first, second = new_case(unit), new_case(unit)
    r = unit.post("/submit/%d" % first, case_form("submit", "第一个案例"))
    assert r.status_code == 303, r.text[:300]
    r = unit.post("/submit/%d" % second, case_form("submit", "第二个案例"))
    assert r.status_code == 409, "expected the second case refused (409), saw %d" % r.status_code
    assert "限报数" in r.text, "expected the refusal to say why"
    assert status_of(server, second) == "draft"
    # A new draft is refused too, and the list says why.
    r = unit.post("/submit/new")
    assert r.status_code == 409, "expected a new draft refused (409), saw %d" % r.status_code
    assert "不能再新建案例" in r.text
    assert unit.json("/submit")["can_create"] is False
    # Withdrawn, the first frees the unit's place: the second may go.
    r = unit.post("/submit/%d" % first, {"action": "withdraw"})
    assert r.status_code == 303, r.text[:300]
    r = unit.post("/submit/%d" % second, case_form("submit", "第二个案例"))
    assert r.status_code == 303, "expected the second case to go once the first is withdrawn"


def test_a_region_cannot_recommend_two_cases_of_one_unit(server, organiser, unit, region):
    set_rules(organiser, 0, 0)  # two cases sent while the call allowed any number
    a, b = submitted_case(unit, "推荐规则甲"), submitted_case(unit, "推荐规则乙")
    set_rules(organiser, 1, 0)
    r = region.post("/recommend/%d/endorse" % a)
    assert r.status_code == 303, "expected the first endorsement (303), saw %d: %s" % (
        r.status_code, r.text[:300])
    r = region.post("/recommend/%d/endorse" % b)
    assert r.status_code == 409, "expected the second endorsement refused (409), saw %d" % (
        r.status_code)
    assert "每个单位限报" in r.text, "expected the refusal to say why"
    assert status_of(server, b) == "submitted"
    assert queue_item(organiser, a)["unit"] is True


def test_screening_flags_and_refuses_a_unit_over_its_limit(server, organiser, unit, region):
    """Two recommended cases of one unit (as the demo once had): the checklist flags both,
    neither may pass; once one is rejected the other passes."""
    recommended = [cid for cid, in db(server).execute(
        "SELECT id FROM \"case\" WHERE status = 'recommended' AND title LIKE '推荐规则%'")]
    other = [cid for cid, in db(server).execute(
        "SELECT id FROM \"case\" WHERE status = 'submitted' AND title = '推荐规则乙'")][0]
    c = db(server)
    with c:
        c.execute("UPDATE \"case\" SET status = 'recommended' WHERE id = ?", (other,))
    c.close()
    first = recommended[0]
    for cid in (first, other):
        assert queue_item(organiser, cid)["unit"] is False, (
            "expected the unit check to fail for case %d" % cid)
    page = organiser.get("/admin/screening/%d" % first).text
    assert "单位限报数符合规定" in page
    r = organiser.post("/admin/screening/%d" % first, {"decision": "pass"})
    assert r.status_code == 422, "expected pass refused (422), saw %d" % r.status_code
    assert "自动检查未通过" in r.text
    assert status_of(server, first) == "recommended"
    r = organiser.post("/admin/screening/bulk", {"decision": "pass", "ids": "%d" % first})
    assert r.status_code == 200 and status_of(server, first) == "recommended", (
        "expected the bulk pass to skip the case")
    r = organiser.post("/admin/screening/%d" % other, {"decision": "reject", "reason": "重复申报"})
    assert r.status_code == 303, r.text[:300]
    assert queue_item(organiser, first)["unit"] is True
    r = organiser.post("/admin/screening/%d" % first, {"decision": "pass"})
    assert r.status_code == 303, "expected pass once the unit keeps its limit, saw %d: %s" % (
        r.status_code, r.text[:300])


# ------------------------------------------------------------- attachments

def test_a_missing_required_attachment(server, organiser, unit, region):
    set_rules(organiser, 0, 0)
    early = submitted_case(unit, "附件规则前推荐")
    late = submitted_case(unit, "附件规则前提交")
    assert region.post("/recommend/%d/endorse" % early).status_code == 303
    set_rules(organiser, 0, 1, "单位推荐意见（加盖公章的扫描件）")

    # The form says which attachment is required.
    cid = new_case(unit)
    m = unit.json("/submit/%d" % cid)
    assert (m["files_min"], m["files_note"], m["files_missing"]) == (
        1, "单位推荐意见（加盖公章的扫描件）", 1), m
    assert "单位推荐意见（加盖公章的扫描件）" in unit.get("/submit/%d" % cid).text

    # Refused at submission, and nothing changes; accepted once the file is there.
    r = unit.post("/submit/%d" % cid, case_form("submit", "附件规则"))
    assert r.status_code == 422, "expected a submission without its attachment refused (422)"
    assert "缺少征集通知要求的附件" in r.text
    assert status_of(server, cid) == "draft"
    r = unit.post("/submit/%d/attachments" % cid, files={"file": ("推荐意见.pdf", PDF,
                                                                   "application/pdf")})
    assert r.status_code == 303, r.text[:300]
    assert unit.json("/submit/%d" % cid)["attachments"][0]["kind"] == "PDF 文件"
    r = unit.post("/submit/%d" % cid, case_form("submit", "附件规则"))
    assert r.status_code == 303, "expected the submission with its attachment, saw %d: %s" % (
        r.status_code, r.text[:300])

    # Refused at recommendation.
    r = region.post("/recommend/%d/endorse" % late)
    assert r.status_code == 422, "expected the endorsement refused (422), saw %d" % r.status_code
    assert "缺少征集通知要求的附件" in r.text
    assert status_of(server, late) == "submitted"
    assert region.post("/recommend/%d/endorse" % cid).status_code == 303

    # Flagged at screening, where passing is refused; the case with its file passes.
    assert queue_item(organiser, early)["files"] is False
    assert queue_item(organiser, cid)["files"] is True
    r = organiser.post("/admin/screening/%d" % early, {"decision": "pass"})
    assert r.status_code == 422 and status_of(server, early) == "recommended"
    r = organiser.post("/admin/screening/%d" % cid, {"decision": "pass"})
    assert r.status_code == 303, r.text[:300]


# ------------------------------------------------------- sections and dates

def test_an_incomplete_case_cannot_be_recommended(server, organiser, region):
    """A case sent without its required sections (as an import might) is refused by the
    region, whatever reached it."""
    set_rules(organiser, 0, 0)
    c = db(server)
    with c:
        camp = c.execute("SELECT id FROM campaign WHERE status = 'open'").fetchone()[0]
        unit_id, track = c.execute(
            "SELECT u.id, t.id FROM unit u, track t WHERE u.region_code = ? AND "
            "t.campaign_id = ? LIMIT 1", (SHANGHAI, camp)).fetchone()
        cid = c.execute(
            'INSERT INTO "case" (campaign_id, unit_id, region_code, track_id, title, status, '
            "submitted_at, contact_name, contact_phone) VALUES (?, ?, ?, ?, '内容不全', "
            "'submitted', ?, '李四', '13900000000')",
            (camp, unit_id, SHANGHAI, track,
             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))).lastrowid
        c.execute("INSERT INTO case_section (case_id, seq, body_md) VALUES (?, 1, '只有背景')",
                  (cid,))
    c.close()
    r = region.post("/recommend/%d/endorse" % cid)
    assert r.status_code == 422, "expected an incomplete case refused (422), saw %d" % (
        r.status_code)
    assert "内容不全或字数不符合要求" in r.text
    assert status_of(server, cid) == "submitted"


def test_the_deadline_holds(server, organiser, unit):
    set_rules(organiser, 0, 0)
    cid = new_case(unit)
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    past = (today - datetime.timedelta(days=1)).isoformat()
    start = (today - datetime.timedelta(days=30)).isoformat()
    set_rules(organiser, 0, 0, opens_at=start, closes_at=past)
    r = unit.post("/submit/%d" % cid, case_form("submit", "截止之后"))
    assert r.status_code == 409, "expected a submission after the deadline refused (409)"
    assert status_of(server, cid) == "draft"
    assert unit.post("/submit/new").status_code == 409


def test_bad_rules_are_refused_and_change_nothing(server, organiser):
    before = organiser.json("/admin/settings")["rules"]
    m = organiser.json("/admin/settings")
    for field, value in (("cases_per_unit", "-1"), ("attachments_min", "11"),
                         ("cases_per_unit", "一")):
        form = {"opens_at": m["opens_at"], "closes_at": m["closes_at"],
                "cases_per_unit": "1", "attachments_min": "0", field: value}
        r = organiser.post("/admin/settings", form)
        assert r.status_code == 422, "expected %s=%s refused (422), saw %d" % (
            field, value, r.status_code)
    assert organiser.json("/admin/settings")["rules"] == before
