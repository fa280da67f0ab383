"""Campaigns, end to end: from an empty installation (`laurel init` and one organiser
account) the organiser creates a campaign, writes its call notice, sets its tiers, tracks,
regional quota, rules and stages, opens the call, and a unit invited through the organiser
applies through the public call page's 申报 entry.  On the demo: a campaign copied from an
earlier one, the switcher (?campaign=), stage pages of every campaign and kind (the new
call's rounds answer, each kind with only its own pages), and archived campaigns read only."""
import datetime
import os
import re
import shutil
import subprocess
import tempfile

import pytest
import requests

from conftest import (CSRF_RE, HTTP_TIMEOUT, JSON, LAUREL_BIN, LaurelServer, ON_PG, db_args,
                      db_connect, finish, login, make_demo, parse_html, to_db)

ORGANISER = "office@example.org"
CLERK = "clerk@example.org"
PASSWORD = "campaign-pass-1"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
SECTIONS = ["社区党组织牵头，" + "背景" * 60, "建立联席会议制度，" + "做法" * 60,
            "居民满意度明显提升，" + "成效" * 60, "经验可复制推广，" + "探讨" * 60, ""]


def today(days=0):
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    return (now + datetime.timedelta(days=days)).isoformat()


class Session:
    """A browser: its cookies, the CSRF token of its last page, posts without redirects."""

    def __init__(self, base):
        self.base = base
        self.s = requests.Session()
        self.csrf = None

    def get(self, path, **kw):
        r = self.s.get(self.base + path, allow_redirects=False, timeout=HTTP_TIMEOUT, **kw)
        m = CSRF_RE.search(r.text)
        if m:
            self.csrf = m.group(1)
        return r

    def json(self, path):
        r = self.get(path, headers=JSON)
        assert r.status_code == 200, "GET %s: expected 200, saw %d: %s" % (
            path, r.status_code, r.text[:300])
        return r.json()

    def post(self, path, data=None, files=None, headers=None):
        if self.csrf is None:
            self.get("/login")
        data = dict(data or {})
        data.setdefault("csrf", self.csrf)
        return self.s.post(self.base + path, data=data, files=files, headers=headers or {},
                           allow_redirects=False, timeout=HTTP_TIMEOUT)


def signed_in(base, email, password):
    s = Session(base)
    s.get("/login")
    r = s.post("/login", {"email": email, "password": password})
    assert r.status_code == 303, "expected %s signed in (303), saw %d" % (email, r.status_code)
    s.get("/me")
    return s


@pytest.fixture(scope="module")
def empty():
    """A server on an installation made by `laurel init` with one organiser account."""
    workdir = tempfile.mkdtemp(prefix="laurel-campaigns-")
    srv = None
    try:
        data = os.path.join(workdir, "data")
        subprocess.run([LAUREL_BIN, "init", "--data", data], check=True, capture_output=True,
                       timeout=60)
        to_db(data)
        subprocess.run([LAUREL_BIN, "user", "add", "--data", data, "--email", ORGANISER,
                        "--name", "组织方办公室", "--role", "organiser"] + db_args(data),
                       input=(PASSWORD + "\n").encode(), check=True, capture_output=True,
                       timeout=60)
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        srv.start()
        yield srv
    finally:
        finish(srv, workdir)


def db(srv):
    c = db_connect(srv.data)
    return c


def test_from_an_empty_installation_to_a_unit_applying(empty):
    base = empty.url
    anon = Session(base)
    r = anon.get("/call")
    assert r.status_code == 200 and "目前没有正在进行的案例征集" in r.text

    org = signed_in(base, ORGANISER, PASSWORD)
    r = org.get("/admin")
    assert r.status_code == 200 and "还没有征集活动" in r.text
    assert org.json("/admin/campaigns")["campaigns"] == []

    # Create, then write the notice, a tier, a track.
    r = org.post("/admin/campaigns", {"name": "2031年城市基层党建案例征集", "opens_at": today(),
                                      "closes_at": today(60)})
    assert r.status_code == 303, r.text[:300]
    m = re.fullmatch(r"/admin/campaigns/(\d+)\?created=1", r.headers["Location"])
    assert m, r.headers["Location"]
    cid = int(m.group(1))
    org.get("/admin/campaigns/%d" % cid)
    notice = "## 征集范围\n\n- **城市**基层党组织\n- 街道、社区\n\n请于截止日期前申报。"
    r = org.post("/admin/campaigns/%d" % cid, {
        "name": "2031年城市基层党建案例征集", "organisers": "组织方办公室", "theme": "党建引领基层治理",
        "call_md": notice, "opens_at": today(), "closes_at": today(60),
        "new_tier": "最佳案例", "new_tier_quota": "40", "new_track": "党建引领社区治理"})
    assert r.status_code == 303, r.text[:300]
    k = org.json("/admin/campaigns/%d" % cid)
    assert k["call_md"] == notice and k["status"] == "draft"
    assert [(t["name"], t["quota"]) for t in k["tiers"]] == [("最佳案例", 40)]
    assert [t["name"] for t in k["tracks"]] == ["党建引领社区治理"]
    assert "<h2>征集范围</h2>" in k["call_html"] and "<strong>城市</strong>" in k["call_html"]
    r = org.post("/admin/campaigns/%d" % cid, {
        "name": "2031年城市基层党建案例征集", "call_md": notice, "opens_at": today(),
        "closes_at": today(60), "then": "preview"})
    assert r.status_code == 303 and r.headers["Location"] == "/admin/campaigns/%d/notice" % cid
    r = org.get(r.headers["Location"])
    assert r.status_code == 200 and "<h2>征集范围</h2>" in r.text

    # The ordered stages, one of each kind.
    for name, kind, start in (("初评", "review", 70), ("网上展示", "exhibition", 100),
                              ("终评", "ballot", 130)):
        r = org.post("/admin/campaigns/%d/stages" % cid, {
            "name": name, "kind": kind, "starts_at": today(start), "ends_at": today(start + 20)})
        assert r.status_code == 303, r.text[:300]
    stages = org.json("/admin/campaigns/%d" % cid)["stages"]
    assert [(s["seq"], s["name"], s["kind"]) for s in stages] == [
        (1, "初评", "review"), (2, "网上展示", "exhibition"), (3, "终评", "ballot")]
    listed = org.json("/admin/stages?campaign=%d" % cid)
    assert [s["name"] for s in listed["stages"]] == ["初评", "网上展示", "终评"]
    assert listed["bar"]["name"] == "2031年城市基层党建案例征集"

    # Rules and the region's quota, on the settings page of this campaign.
    form = {"opens_at": today(), "closes_at": today(60), "cases_per_unit": "1",
            "attachments_min": "1", "attachments_note": "单位推荐意见", "quota_310000": "3"}
    r = org.post("/admin/settings?campaign=%d" % cid, form)
    assert r.status_code == 303, r.text[:300]
    s = org.json("/admin/settings?campaign=%d" % cid)
    assert {g["code"]: g["quota"] for g in s["regions"]}["310000"] == 3

    # Opening is confirmed: without the box nothing happens.
    r = org.post("/admin/campaigns/%d/status" % cid, {"to": "open"})
    assert r.status_code == 422 and "请勾选确认" in r.text
    assert org.json("/admin/campaigns/%d" % cid)["status"] == "draft"
    r = org.post("/admin/campaigns/%d/status" % cid, {"to": "open", "confirm": "1"})
    assert r.status_code == 303, r.text[:300]
    assert org.json("/admin/campaigns/%d" % cid)["status"] == "open"

    # The public call: notice, dates, rules, and the 申报 entry.
    r = anon.get("/call")
    page = parse_html(r, "/call")
    assert r.status_code == 200
    for text in ("2031年城市基层党建案例征集", today(), today(60), "限报 1 个案例",
                 "单位推荐意见", "如何申报", "党建引领社区治理", "初评"):
        assert text in r.text, "expected %r on the public call page" % text
    assert "<strong>城市</strong>" in r.text
    assert 'href="/login?next=/submit"' in r.text and ">申报<" in r.text
    assert page is not None
    home = anon.get("/")  # nothing published yet: the front page is the call's
    assert home.status_code == 303 and home.headers["Location"] == "/call"
    assert 'href="/call"' in r.text, "expected the menu to lead to the open call"

    # A unit of Shanghai, invited by the organiser.
    r = org.post("/admin/import/units", files={"file": (
        "units.csv", "region_code,name,parent_name,level\r\n310000,上海市浦东新区周家渡街道,,3\r\n"
        .encode("utf-8"), "text/csv")}, headers=JSON)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text[:300]
    c = db(empty)
    unit = c.execute("SELECT id FROM unit WHERE name = '上海市浦东新区周家渡街道'").fetchone()[0]
    c.close()
    r = org.post("/admin/users/invite", {"email": CLERK, "name": "周家渡街道", "role": "submitter",
                                         "unit": str(unit)})
    assert r.status_code in (200, 303), r.text[:300]
    c = db(empty)
    body = c.execute("SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC",
                     (CLERK,)).fetchone()[0]
    c.close()
    token = re.search(r"/invite/([A-Za-z0-9_-]{43})", body).group(1)
    clerk = Session(base)
    clerk.get("/invite/" + token)
    r = clerk.post("/invite/" + token, {"password": PASSWORD, "password_again": PASSWORD})
    assert r.status_code == 303, r.text[:300]

    # The clerk follows 申报 from the public page: sign in, then the unit's cases.
    clerk = Session(base)
    r = clerk.get("/login?next=/submit")
    assert r.status_code == 200
    r = clerk.post("/login", {"email": CLERK, "password": PASSWORD, "next": "/submit"})
    assert r.status_code == 303 and r.headers["Location"] == "/submit", r.headers.get("Location")
    r = clerk.get("/submit")
    assert r.status_code == 200 and "限报 1 个案例" in r.text
    r = clerk.post("/submit/new")
    assert r.status_code == 303, r.text[:300]
    case = r.headers["Location"]
    clerk.get(case)
    data = {"title": "党建引领社区议事", "contact_name": "张三", "contact_phone": "021-12345678",
            "action": "submit"}
    data.update({"s%d" % (i + 1): b for i, b in enumerate(SECTIONS)})
    r = clerk.post(case, data)
    assert r.status_code == 422 and "缺少征集通知要求的附件" in r.text
    r = clerk.post(case + "/attachments", files={"file": ("推荐意见.pdf", PDF, "application/pdf")})
    assert r.status_code == 303
    clerk.get(case)
    r = clerk.post(case, data)
    assert r.status_code == 303, r.text[:300]
    assert clerk.json(case)["status"] == "submitted"
    assert org.json("/admin?campaign=%d" % cid)["counts"]["submitted"] == 1


# ------------------------------------------------------------------ the demo

@pytest.fixture(scope="module")
def org(laurel_server):
    return signed_in(laurel_server.url, "organiser@demo.laurel", "laurel-demo-2019")


def test_the_new_calls_rounds_answer_and_each_kind_has_its_own_pages(org):
    m = org.json("/admin/campaigns")
    current = [c for c in m["campaigns"] if c["status"] == "open"][0]
    stages = org.json("/admin/stages?campaign=%d" % current["id"])
    assert stages["bar"]["name"] == current["name"]
    kinds = {}
    for s in stages["stages"]:
        r = org.get("/admin/stages/%d" % s["id"])
        assert r.status_code == 200, "expected stage %d to answer, saw %d" % (s["id"],
                                                                              r.status_code)
        kinds[s["kind"]] = (s["id"], r.text)
    review_id, review = kinds["review"]
    assert 'name="reviewers_per_case"' in review and "/ranking" in review
    ex_id, exhibition = kinds["exhibition"]
    assert 'name="reviewers_per_case"' not in exhibition and "/ranking" not in exhibition
    assert "/admin/stages/%d/voting" % ex_id in exhibition
    ballot_id, ballot = kinds["ballot"]
    assert 'name="reviewers_per_case"' not in ballot and "/ranking" not in ballot
    assert "/admin/stages/%d/jury" % ballot_id in ballot
    assert org.get("/admin/stages/%d/jury" % ballot_id).status_code == 200
    assert org.get("/admin/stages/%d/jury" % ex_id).status_code == 404
    # Review settings are not an exhibition's: refused, nothing written.
    r = org.post("/admin/stages/%d" % ex_id, {"reviewers_per_case": "3"})
    assert r.status_code == 409


def test_a_campaign_copied_from_an_earlier_one(org, laurel_server):
    m = org.json("/admin/campaigns")
    source = [c for c in m["campaigns"] if c["status"] == "open"][0]
    src = org.json("/admin/campaigns/%d" % source["id"])
    org.get("/admin/campaigns")
    r = org.post("/admin/campaigns", {"name": "下一届征集", "opens_at": "2031-03-01",
                                      "closes_at": "2031-05-31", "from": str(source["id"])})
    assert r.status_code == 303, r.text[:300]
    cid = int(re.search(r"/admin/campaigns/(\d+)", r.headers["Location"]).group(1))
    k = org.json("/admin/campaigns/%d" % cid)
    assert k["status"] == "draft" and k["name"] == "下一届征集"
    assert k["call_md"] == src["call_md"] and k["theme"] == src["theme"]
    assert [t["name"] for t in k["tracks"]] == [t["name"] for t in src["tracks"]]
    assert [(t["name"], t["quota"]) for t in k["tiers"]] == [
        (t["name"], t["quota"]) for t in src["tiers"]]
    assert [(s["seq"], s["name"], s["kind"]) for s in k["stages"]] == [
        (s["seq"], s["name"], s["kind"]) for s in src["stages"]]
    shift = (datetime.date(2031, 3, 1) - datetime.date.fromisoformat(src["opens_at"])).days
    first = datetime.date.fromisoformat(src["stages"][0]["starts_at"])
    assert k["stages"][0]["starts_at"] == (first + datetime.timedelta(days=shift)).isoformat()
    c = db_connect(laurel_server.data)
    try:
        quotas = c.execute("SELECT count(*), sum(quota) FROM region_quota WHERE campaign_id = ?",
                           (cid,)).fetchone()
        src_quotas = c.execute("SELECT count(*), sum(quota) FROM region_quota "
                               "WHERE campaign_id = ?", (source["id"],)).fetchone()
        cases = c.execute('SELECT count(*) FROM "case" WHERE campaign_id = ?', (cid,)).fetchone()
    finally:
        c.close()
    assert quotas == src_quotas and cases == (0,)
    # The call being run stays the open one; another cannot open beside it.
    assert org.json("/admin")["campaign"]["id"] == source["id"]
    org.get("/admin/campaigns/%d" % cid)
    r = org.post("/admin/campaigns/%d/status" % cid, {"to": "open", "confirm": "1"})
    assert r.status_code == 409 and "另一个活动正在征集中" in r.text
    # Archived: read, never changed.
    r = org.post("/admin/campaigns/%d/status" % cid, {"to": "archived", "confirm": "1"})
    assert r.status_code == 303
    r = org.get("/admin/campaigns/%d" % cid)
    assert r.status_code == 200 and "已归档" in r.text
    r = org.post("/admin/campaigns/%d" % cid, {"name": "改名", "opens_at": "2031-03-01",
                                              "closes_at": "2031-05-31"})
    assert r.status_code == 409
    assert org.json("/admin/campaigns/%d" % cid)["name"] == "下一届征集"


def test_every_organiser_page_names_its_campaign(org):
    m = org.json("/admin/campaigns")
    for c in m["campaigns"]:
        for path in ("/admin?campaign=%d", "/admin/stages?campaign=%d",
                     "/admin/settings?campaign=%d"):
            r = org.get(path % c["id"])
            assert r.status_code == 200, (path % c["id"], r.status_code)
            assert c["name"] in r.text, "expected %s to name %s" % (path % c["id"], c["name"])
    assert org.get("/admin?campaign=999999").status_code == 404
    assert org.get("/admin?campaign=abc").status_code == 400


def test_bad_campaign_forms_change_nothing(org, laurel_server):
    before = len(org.json("/admin/campaigns")["campaigns"])
    for data in ({"name": "", "opens_at": "2031-01-01", "closes_at": "2031-02-01"},
                 {"name": "x" * 81, "opens_at": "2031-01-01", "closes_at": "2031-02-01"},
                 {"name": "倒序", "opens_at": "2031-03-01", "closes_at": "2031-02-01"},
                 {"name": "日期", "opens_at": "2031-02-30", "closes_at": "2031-03-01"},
                 {"name": "来源", "opens_at": "2031-01-01", "closes_at": "2031-02-01",
                  "from": "999999"}):
        r = org.post("/admin/campaigns", data)
        assert r.status_code == 422, "expected %r refused (422), saw %d" % (data, r.status_code)
    assert len(org.json("/admin/campaigns")["campaigns"]) == before
    current = [c for c in org.json("/admin/campaigns")["campaigns"] if c["status"] == "open"][0]
    r = org.post("/admin/campaigns/%d/stages" % current["id"], {
        "name": "加赛", "kind": "lottery", "starts_at": "2031-01-01", "ends_at": "2031-01-02"})
    assert r.status_code == 422


# ------------------------------------------------------------- the outbox page

def test_outbox_counts_match_the_table_with_pages_in_beijing_time(org, laurel_server):
    c = db_connect(laurel_server.data)
    try:
        with c:
            c.executemany("INSERT INTO outbox (to_addr, subject, body, created_at) VALUES "
                          "(?, '测试', '正文', '2020-01-01T20:30:00Z')",
                          [("outbox%03d@example.org" % i,) for i in range(230)])
            c.execute("UPDATE outbox SET attempts = 8, last_error = 'refused' WHERE to_addr = "
                      "'outbox000@example.org'")
            c.execute("UPDATE outbox SET sent_at = '2020-01-01T21:00:00Z' WHERE to_addr = "
                      "'outbox001@example.org'")
        sent, failed, total = c.execute(
            "SELECT count(sent_at), count(CASE WHEN sent_at IS NULL AND attempts >= 8 THEN 1 END), "
            "count(*) "
            "FROM outbox").fetchone()
    finally:
        c.close()
    m = org.json("/admin/outbox")
    assert (m["sent"], m["pending"], m["failed"]) == (sent, total - sent - failed, failed), m
    assert m["total"] == total and len(m["items"]) == 100
    assert m["pages"] == (total + 99) // 100 and m["next_url"] == "/admin/outbox?page=2"
    last = org.json("/admin/outbox?page=%d" % m["pages"])
    assert len(last["items"]) == total - 100 * (m["pages"] - 1)
    assert org.get("/admin/outbox?page=%d" % (m["pages"] + 1)).status_code == 404
    sent_pages = org.json("/admin/outbox?state=sent")
    assert sent_pages["total"] == sent
    row = [i for p in range(1, sent_pages["pages"] + 1)
           for i in org.json("/admin/outbox?state=sent&page=%d" % p)["items"]
           if i["to"] == "outbox001@example.org"][0]
    assert (row["created"], row["sent"], row["status"]) == ("2020-01-02 04:30",
                                                            "2020-01-02 05:00", "sent")
    failed_page = org.json("/admin/outbox?state=failed")
    assert [i["to"] for i in failed_page["items"]] == ["outbox000@example.org"] or \
        failed_page["total"] == failed
    assert all(i["status"] == "failed" for i in failed_page["items"])
    assert org.get("/admin/outbox?state=lost").status_code == 400
    text = org.get("/admin/outbox").text
    assert "北京时间" in text and "--smtp" not in text
    # No sender runs here: a waiting message's text is shown, to be delivered by hand (a
    # voter's code in the demo), under the masked address when it has one; a sent one's not.
    c = db_connect(laurel_server.data)
    with c:
        c.execute("INSERT INTO outbox (to_addr, subject, body, to_mask) VALUES "
                  "('voter@example.org', '投票验证码', '您的投票验证码是 424242。', 'v***@example.org')")
    c.close()
    m = org.json("/admin/outbox?state=pending")
    code = [i for i in m["items"] if i["subject"] == "投票验证码"][0]
    assert code["to"] == "v***@example.org" and "424242" in code["body"], code
    assert "424242" in org.get("/admin/outbox").text
    assert "voter@example.org" not in org.get("/admin/outbox").text
    assert all("body" not in i for i in org.json("/admin/outbox?state=sent")["items"])


# ------------------------------------------------------------- rough edges

def test_the_language_chosen_stays_for_the_visit(laurel_server):
    s = requests.Session()
    r = s.get(laurel_server.url + "/cases?lang=en", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and '<html lang="en">' in r.text
    assert "laurel_lang=en" in r.headers.get("Set-Cookie", "")
    r = s.get(laurel_server.url + "/regions", timeout=HTTP_TIMEOUT)
    assert '<html lang="en">' in r.text, "expected English kept without ?lang on the next page"
    r = s.get(laurel_server.url + "/call?lang=zh-CN", timeout=HTTP_TIMEOUT)
    assert '<html lang="zh-CN">' in r.text
    r = s.get(laurel_server.url + "/regions", timeout=HTTP_TIMEOUT)
    assert '<html lang="zh-CN">' in r.text, "expected Chinese back for the rest of the visit"
    fresh = requests.get(laurel_server.url + "/regions", timeout=HTTP_TIMEOUT)
    assert '<html lang="zh-CN">' in fresh.text and "Set-Cookie" not in fresh.headers


def test_english_pages_use_english_punctuation(laurel_server):
    """The templates' own colons and brackets are Chinese on Chinese pages and English on
    English ones (the case page: 摘要： / Summary: ); the case's text stays as written."""
    c = db_connect(laurel_server.data, readonly=True)
    cid = c.execute("SELECT id FROM \"case\" WHERE status = 'published' ORDER BY id "
                    "LIMIT 1").fetchone()[0]
    c.close()
    s = requests.Session()
    zh = s.get(laurel_server.url + "/cases/%d" % cid, timeout=HTTP_TIMEOUT).text
    en = s.get(laurel_server.url + "/cases/%d?lang=en" % cid, timeout=HTTP_TIMEOUT).text
    text = lambda h: re.sub(r"<[^>]*>", "\n", h)  # noqa: E731
    assert re.search(r"\n摘要：", text(zh)), "expected the Chinese page's label with ："
    assert re.search(r"\nSummary: ", text(en)), "expected Summary: on the English page"
    labels = re.findall(r"\n([A-Z][A-Za-z ]*)[：，（]", text(en))
    assert not labels, "expected no English label with Chinese punctuation, saw %r" % labels


def test_a_lone_quote_finds_nothing_and_says_so(laurel_server):
    for q in ("'", "''", "\""):
        r = requests.get(laurel_server.url + "/search", params={"q": q}, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200 and "没有找到" in r.text, (
            "expected a search for %r to say no results" % q)


def test_the_footers_site_map_is_a_page(laurel_server):
    home = requests.get(laurel_server.url + "/cases", timeout=HTTP_TIMEOUT)
    assert 'href="/sitemap"' in home.text
    r = requests.get(laurel_server.url + "/sitemap", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    for href in ("/call", "/cases", "/results", "/regions/310000", "/sitemap.xml"):
        assert 'href="%s"' % href in r.text, "expected the site map to link %s" % href


def test_a_copy_carries_the_expert_pool_and_recommenders_when_asked(org, laurel_server):
    """Roles per campaign: a copy starts with nobody unless it carries the expert pool or the
    recommenders over; an invitation binds a reviewer to the campaign chosen, and only a
    running campaign takes one."""
    source = [c for c in org.json("/admin/campaigns")["campaigns"] if c["status"] == "open"][0]

    def roles(cid):
        c = db(laurel_server)
        try:
            return dict(c.execute("SELECT role, count(*) FROM campaign_role "
                                  "WHERE campaign_id = ? GROUP BY role", (cid,)).fetchall())
        finally:
            c.close()

    src = roles(source["id"])
    assert src.get("reviewer", 0) >= 200 and src.get("recommender", 0) >= 1, src
    made = {}
    for tag, carry in (("none", {}), ("experts", {"carry_reviewers": "1"}),
                       ("both", {"carry_reviewers": "1", "carry_recommenders": "1"})):
        org.get("/admin/campaigns")
        r = org.post("/admin/campaigns", dict(
            {"name": "带入测试 " + tag, "opens_at": "2032-03-01", "closes_at": "2032-05-31",
             "from": str(source["id"])}, **carry))
        assert r.status_code == 303, r.text[:300]
        made[tag] = int(re.search(r"/admin/campaigns/(\d+)", r.headers["Location"]).group(1))
    assert roles(made["none"]) == {}
    assert roles(made["experts"]) == {"reviewer": src["reviewer"]}
    assert roles(made["both"]) == src
    # The form offers both boxes.
    r = org.get("/admin/campaigns")
    assert 'name="carry_reviewers"' in r.text and 'name="carry_recommenders"' in r.text

    # An invitation binds the reviewer to the campaign chosen, nowhere else.
    email = "carry-invite@example.org"
    r = org.get("/admin/users")
    assert 'name="campaign"' in r.text and "带入测试 none" in r.text
    r = org.post("/admin/users/invite", {"email": email, "name": "新专家", "role": "reviewer",
                                         "campaign": str(made["none"])})
    assert r.status_code == 303, r.text[:300]
    c = db(laurel_server)
    try:
        uid, = c.execute("SELECT id FROM \"user\" WHERE email = ?", (email,)).fetchone()
        bound = c.execute("SELECT campaign_id FROM campaign_role WHERE user_id = ?",
                          (uid,)).fetchall()
        published = c.execute("SELECT id FROM campaign WHERE status = 'published'").fetchone()[0]
    finally:
        c.close()
    assert bound == [(made["none"],)], bound
    page = org.get("/admin/users/%d" % uid)
    assert page.status_code == 200 and "带入测试 none" in page.text
    # A published campaign takes nobody new: 422, nothing made.
    r = org.post("/admin/users/invite", {"email": "carry-late@example.org", "name": "迟到",
                                         "role": "reviewer", "campaign": str(published)})
    assert r.status_code == 422 and "请选择一个正在进行的征集活动" in r.text, r.status_code
    r = org.post("/admin/users/%d/roles" % uid, {"role": "reviewer",
                                                 "campaign": str(published)})
    assert r.status_code == 422, r.status_code
    c = db(laurel_server)
    try:
        assert c.execute("SELECT count(*) FROM \"user\" WHERE email = 'carry-late@example.org'"
                         ).fetchone() == (0,)
        assert c.execute("SELECT count(*) FROM campaign_role WHERE user_id = ?",
                         (uid,)).fetchone() == (1,)
    finally:
        c.close()
    for cid in made.values():  # tidy: the copies leave the list of running campaigns
        r = org.post("/admin/campaigns/%d/status" % cid, {"to": "archived", "confirm": "1"})
        assert r.status_code == 303, r.status_code


@pytest.mark.skipif(ON_PG, reason="its subject is SQLite's migration 014 on a database made "
                    "before it (PRAGMA user_version); PostgreSQL's schema starts past it")
def test_existing_roles_become_roles_of_the_campaigns_they_serve():
    """Migration 014 on a database made before roles per campaign: each reviewer and
    recommender is bound to the campaigns they served and to every running one, so the demo's
    experts still review the 2020 edition and its recommender still recommends."""
    workdir = tempfile.mkdtemp(prefix="laurel-migrate-roles-")
    srv = None
    try:
        data = make_demo(workdir, "--cases", "200")
        c = db_connect(data)
        try:  # as a database of the schema before 014 had it
            with c:
                c.execute("DROP TABLE campaign_role")
                # 021's column (an ALTER TABLE, which cannot run twice) and its index
                c.execute("DROP INDEX vote_scan")
                c.execute("ALTER TABLE vote DROP COLUMN at_s")
            c.execute("PRAGMA user_version = 13")
            served = c.execute(
                "SELECT DISTINCT s.campaign_id, a.user_id FROM assignment a "
                "JOIN stage s ON s.id = a.stage_id").fetchall()
            running = [r[0] for r in c.execute(
                "SELECT id FROM campaign WHERE status NOT IN ('published','archived')")]
            bound_roles = c.execute("SELECT count(*) FROM user_role "
                                    "WHERE role IN ('reviewer','recommender')").fetchone()[0]
            reviewer = c.execute(
                "SELECT u.email FROM assignment a JOIN stage s ON s.id = a.stage_id "
                "JOIN \"user\" u ON u.id = a.user_id WHERE a.state = 'released' "
                "AND s.state = 'released' ORDER BY u.id LIMIT 1").fetchone()[0]
        finally:
            c.close()
        assert served and running
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        srv.start()
        c = db_connect(data)
        try:
            rows = set(c.execute("SELECT campaign_id, user_id, role FROM campaign_role"))
            published = c.execute("SELECT id FROM campaign WHERE status = 'published'"
                                  ).fetchone()[0]
        finally:
            c.close()
        assert all((k, u, "reviewer") in rows for k, u in served), "expected served campaigns"
        assert len({(u, r) for _, u, r in rows}) == bound_roles
        assert all(k in running or (k, u) in served for k, u, r in rows if r == "reviewer")
        # The demo's 2019 experts served it (their reviews); nobody else is bound to it.
        assert not any(k == published and (k, u) not in served for k, u, _ in rows), (
            "expected nobody bound to 2019 but who served it")
        expert = signed_in(srv.url, reviewer, "laurel-demo-2019")
        assert expert.json("/review")["progress"]["total"] > 0
        rec = signed_in(srv.url, "shanghai@demo.laurel", "laurel-demo-2019")
        assert rec.get("/recommend").status_code == 200
    finally:
        finish(srv, workdir)
