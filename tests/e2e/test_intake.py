"""Recommendation, screening, campaign settings and the workspace home.

Submitted cases of the edition under way are inserted into the demo database
with the sqlite3 module (the submitter's pages are another area's); every
action then goes through the HTTP interface.  Quotas are set relative to what
other tests may already have used, so the tests hold in any order.
"""
import os
import time
import subprocess
import threading
import datetime

import pytest
import requests

from conftest import CSRF_RE, HTTP_TIMEOUT, JSON, LAUREL_BIN, PASSWORD, db_args, db_connect, login


@pytest.fixture(scope="module", autouse=True)
def any_number_of_cases_per_unit(laurel_server):
    """This module's cases share a few units; the rule of cases per unit is test_rules.py's."""
    db = db_connect(laurel_server.data)
    try:
        with db:
            db.execute("UPDATE campaign SET cases_per_unit = 0 WHERE status = 'open'")
    finally:
        db.close()


SHANGHAI = "310000"
JIANGSU = "320000"
GUANGDONG = "440000"


# ---------------------------------------------------------------- helpers

def db(server):
    return db_connect(server.data)


def make_cases(server, n, region=SHANGHAI, email=True):
    """Insert n submitted cases of region into the current campaign; their ids."""
    c = db(server)
    try:
        # The campaign being run: the one whose call is open (others may be in preparation).
        camp = c.execute("SELECT id FROM campaign WHERE status = 'open'").fetchone()[0]
        track = c.execute("SELECT id FROM track WHERE campaign_id = ? ORDER BY id LIMIT 1",
                          (camp,)).fetchone()[0]
        units = [r[0] for r in c.execute(
            "SELECT id FROM unit WHERE region_code = ? ORDER BY id LIMIT 10", (region,))]
        ids = []
        for i in range(n):
            cur = c.execute(
                'INSERT INTO "case" (campaign_id, unit_id, region_code, track_id, title, status, '
                "submitted_at, contact_name, contact_phone, contact_email) VALUES "
                "(?, ?, ?, ?, ?, 'submitted', ?, "
                "'李四', '13900000000', ?)",
                (camp, units[i % len(units)], region, track, "e2e 推荐测试 %s %d" % (region, i),
                 time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "case%d-%s@example.org" % (i, region) if email else ""))
            cid = cur.lastrowid
            for seq in range(1, 6):
                c.execute("INSERT INTO case_section (case_id, seq, body_md) VALUES (?, ?, ?)",
                          (cid, seq, "社区**议事**会的做法。" * (12 if seq < 5 else 1)))
            c.execute("INSERT INTO case_event (case_id, from_status, to_status) "
                      "VALUES (?, 'draft', 'submitted')", (cid,))
            ids.append(cid)
        c.commit()
        return ids
    finally:
        c.close()


def status_of(server, case_id):
    c = db(server)
    try:
        return c.execute('SELECT status FROM "case" WHERE id = ?', (case_id,)).fetchone()[0]
    finally:
        c.close()


def outbox_rows(server, after_id=0):
    c = db(server)
    try:
        return c.execute("SELECT id, to_addr, subject, body FROM outbox WHERE id > ? ORDER BY id",
                         (after_id,)).fetchall()
    finally:
        c.close()


def outbox_max(server):
    c = db(server)
    try:
        return c.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
    finally:
        c.close()


class User:
    """A signed-in session with its CSRF token."""

    def __init__(self, base, email, password=PASSWORD):
        self.base = base
        self.s = login(base, email, password)
        r = self.s.get(base + "/me", timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, "expected /me 200 after sign-in, saw %d" % r.status_code
        self.csrf = CSRF_RE.search(r.text).group(1)

    def get(self, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        kw.setdefault("allow_redirects", False)
        return self.s.get(self.base + path, **kw)

    def json(self, path, status=200):
        r = self.get(path, headers=JSON)
        assert r.status_code == status, ("GET %s as JSON: expected %d, saw %d: %s"
                                         % (path, status, r.status_code, r.text[:300]))
        return r.json()

    def post(self, path, data=None, headers=None):
        data = list((data or {}).items()) if isinstance(data, dict) else list(data or [])
        data.append(("csrf", self.csrf))
        return self.s.post(self.base + path, data=data, headers=headers or {},
                           allow_redirects=False, timeout=HTTP_TIMEOUT)


@pytest.fixture(scope="module")
def organiser(laurel_server):
    return User(laurel_server.url, "organiser@demo.laurel")


@pytest.fixture(scope="module")
def shanghai(laurel_server):
    return User(laurel_server.url, "shanghai@demo.laurel")


def settings_form(organiser, **quotas):
    """The current settings as a form, with quotas changed as given (region -> n)."""
    m = organiser.json("/admin/settings")
    form = {"opens_at": m["opens_at"], "closes_at": m["closes_at"]}
    for t in m["tracks"]:
        form["track_" + t["slug"]] = t["name"]
    for g in m["regions"]:
        form["quota_" + g["code"]] = str(quotas.get(g["code"], g["quota"]))
    return form


def set_quota_headroom(organiser, shanghai, n):
    """Make Shanghai's quota exactly n more than it has used; returns (used, allowed)."""
    q = shanghai.json("/recommend")["quota"]
    allowed = q["used"] + n
    r = organiser.post("/admin/settings", settings_form(organiser, **{SHANGHAI: allowed}))
    assert r.status_code == 303, ("expected saving settings to answer 303, saw %d: %s"
                                  % (r.status_code, r.text[:300]))
    q = shanghai.json("/recommend")["quota"]
    assert q == {"used": q["used"], "allowed": allowed, "full": n == 0}, (
        "expected the quota to read %d allowed, saw %r" % (allowed, q))
    return q["used"], allowed


def recommendations(server, region):
    c = db(server)
    try:
        return c.execute("SELECT count(*) FROM recommendation r JOIN campaign k "
                         "ON k.id = r.campaign_id WHERE r.region_code = ? "
                         "AND k.status = 'open'", (region,)).fetchone()[0]
    finally:
        c.close()


# ---------------------------------------------------------------- recommender

def test_recommender_sees_only_its_region(laurel_server, shanghai):
    mine = make_cases(laurel_server, 2, SHANGHAI)
    theirs = make_cases(laurel_server, 2, GUANGDONG)
    m = shanghai.json("/recommend")
    ids = {c["id"] for c in m["cases"]}
    assert set(mine) <= ids, "expected Shanghai's list to hold %r, saw %r" % (mine, sorted(ids))
    assert not set(theirs) & ids, ("expected no Guangdong case in Shanghai's list, saw %r"
                                   % sorted(set(theirs) & ids))
    assert m["region"] == SHANGHAI
    r = shanghai.get("/recommend/%d" % theirs[0])
    assert r.status_code == 404, "expected another region's case to be 404, saw %d" % r.status_code
    for action in ("endorse", "return"):
        r = shanghai.post("/recommend/%d/%s" % (theirs[0], action), {"reason": "x"})
        assert r.status_code == 404, ("expected %s of another region's case to be 404, saw %d"
                                      % (action, r.status_code))
    assert status_of(laurel_server, theirs[0]) == "submitted"
    # The case page renders its sections as HTML, read only.
    r = shanghai.get("/recommend/%d" % mine[0])
    assert r.status_code == 200
    assert "<strong>议事</strong>" in r.text, "expected the Markdown body rendered as HTML"
    assert "/recommend/%d/endorse" % mine[0] in r.text


def test_pages_are_role_gated(laurel_server, shanghai, organiser):
    assert shanghai.get("/admin").status_code == 403
    assert shanghai.get("/admin/screening").status_code == 403
    assert organiser.get("/recommend").status_code == 403
    r = requests.get(laurel_server.url + "/recommend", allow_redirects=False,
                     timeout=HTTP_TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login"), (
        "expected an anonymous /recommend to redirect to /login, saw %d %r"
        % (r.status_code, r.headers.get("Location")))


def test_endorse_up_to_quota_then_409(laurel_server, shanghai, organiser):
    ids = make_cases(laurel_server, 3, SHANGHAI)
    used, allowed = set_quota_headroom(organiser, shanghai, 2)
    for cid in ids[:2]:
        r = shanghai.post("/recommend/%d/endorse" % cid)
        assert r.status_code == 303, "expected endorse to answer 303, saw %d: %s" % (
            r.status_code, r.text[:200])
        assert status_of(laurel_server, cid) == "recommended"
    before = recommendations(laurel_server, SHANGHAI)
    r = shanghai.post("/recommend/%d/endorse" % ids[2], headers=JSON)
    assert r.status_code == 409, "expected the endorsement past the quota to be 409, saw %d" % (
        r.status_code)
    assert "名额" in r.json()["error"], "expected a message about the quota, saw %r" % (
        r.json().get("error"))
    assert status_of(laurel_server, ids[2]) == "submitted", "expected nothing changed"
    assert recommendations(laurel_server, SHANGHAI) == before == allowed
    q = shanghai.json("/recommend")["quota"]
    assert q["used"] == allowed and q["full"], "expected the quota full, saw %r" % q
    # The HTML page says so too.
    r = shanghai.post("/recommend/%d/endorse" % ids[2])
    assert r.status_code == 409 and "名额已用完" in r.text
    assert "已推荐" in shanghai.get("/recommend").text


def test_concurrent_endorsements_never_exceed_quota(laurel_server, shanghai, organiser):
    ids = make_cases(laurel_server, 12, SHANGHAI)
    used, allowed = set_quota_headroom(organiser, shanghai, 3)
    sessions = [User(laurel_server.url, "shanghai@demo.laurel") for _ in range(4)]
    codes = {}
    barrier = threading.Barrier(len(ids))

    def endorse(i, cid):
        u = sessions[i % len(sessions)]
        barrier.wait()
        codes[cid] = u.post("/recommend/%d/endorse" % cid).status_code

    threads = [threading.Thread(target=endorse, args=(i, cid)) for i, cid in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [c for c in ids if codes[c] == 303]
    refused = [c for c in ids if codes[c] == 409]
    assert len(ok) == 3 and len(refused) == 9, (
        "expected exactly 3 endorsements to win and 9 to be refused with 409, saw %r" % codes)
    m = shanghai.json("/recommend")
    assert m["quota"]["used"] == allowed, "expected used == %d, saw %r" % (allowed, m["quota"])
    recommended = {c["id"] for c in m["cases"] if c["recommended"]}
    assert set(ok) <= recommended and not set(refused) & recommended
    assert recommendations(laurel_server, SHANGHAI) == allowed
    for cid in refused:
        assert status_of(laurel_server, cid) == "submitted"


def test_return_needs_a_reason_and_mails(laurel_server, shanghai):
    ids = make_cases(laurel_server, 1, SHANGHAI)
    mark = outbox_max(laurel_server)
    r = shanghai.post("/recommend/%d/return" % ids[0], {"reason": "   "})
    assert r.status_code == 422, "expected a return without reason to be 422, saw %d" % (
        r.status_code)
    assert status_of(laurel_server, ids[0]) == "submitted"
    assert outbox_rows(laurel_server, mark) == []
    r = shanghai.post("/recommend/%d/return" % ids[0], {"reason": "成效部分缺少数据"})
    assert r.status_code == 303, "expected return to answer 303, saw %d" % r.status_code
    assert status_of(laurel_server, ids[0]) == "returned"
    rows = outbox_rows(laurel_server, mark)
    assert len(rows) == 1, "expected one message queued, saw %r" % rows
    _, to, subject, body = rows[0]
    assert to == "case0-%s@example.org" % SHANGHAI
    assert "退回" in subject and "成效部分缺少数据" in body
    assert "/submit/%d/status" % ids[0] in body
    # A second return of the same case is stale.
    r = shanghai.post("/recommend/%d/return" % ids[0], {"reason": "again"})
    assert r.status_code == 409


# ---------------------------------------------------------------- organiser

def recommended_cases(laurel_server, shanghai, organiser, n, email=True):
    ids = make_cases(laurel_server, n, SHANGHAI, email=email)
    set_quota_headroom(organiser, shanghai, n)
    for cid in ids:
        r = shanghai.post("/recommend/%d/endorse" % cid)
        assert r.status_code == 303
    return ids


def test_screening_decisions(laurel_server, shanghai, organiser):
    ids = recommended_cases(laurel_server, shanghai, organiser, 3)
    queue = organiser.json("/admin/screening?region=%s" % SHANGHAI)
    item = {i["id"]: i for i in queue["items"]}.get(ids[0])
    assert item, "expected case %d in the screening queue" % ids[0]
    checks = {c["key"]: c["auto"] for c in item["checks"]}
    assert checks == {"complete": True, "length": True, "files": True, "unit": True,
                      "eligible": True}, (
        "expected the computed checklist, saw %r" % checks)
    assert ids[0] not in {i["id"] for i in organiser.json(
        "/admin/screening?region=%s" % JIANGSU)["items"]}

    mark = outbox_max(laurel_server)
    pass_id, corr_id, rej_id = ids
    r = organiser.post("/admin/screening/%d" % pass_id,
                       {"decision": "pass", "check_complete": "1", "check_length": "1"})
    assert r.status_code == 303, "expected pass to answer 303, saw %d" % r.status_code
    assert status_of(laurel_server, pass_id) == "passed"
    c = db(laurel_server)
    decision, checklist = c.execute("SELECT decision, checklist FROM screening WHERE case_id = ?",
                                    (pass_id,)).fetchone()
    c.close()
    assert decision == "passed"
    assert '"complete":true' in checklist and '"files":false' in checklist

    tomorrow = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    for form, why in (({"decision": "correction", "due": tomorrow}, "no reason"),
                      ({"decision": "correction", "reason": "补充材料"}, "no due date"),
                      ({"decision": "correction", "reason": "补充材料", "due": "2020-01-01"},
                       "a past due date"),
                      ({"decision": "correction", "reason": "补充材料", "due": "2030-02-30"},
                       "an impossible date"),
                      ({"decision": "reject"}, "reject without reason"),
                      ({"decision": "maybe"}, "an unknown decision")):
        r = organiser.post("/admin/screening/%d" % corr_id, form)
        assert r.status_code == 422, "expected 422 for %s, saw %d" % (why, r.status_code)
    assert status_of(laurel_server, corr_id) == "recommended"

    r = organiser.post("/admin/screening/%d" % corr_id,
                       {"decision": "correction", "reason": "请补充成效数据", "due": tomorrow})
    assert r.status_code == 303
    c = db(laurel_server)
    st, due = c.execute('SELECT status, correction_due FROM "case" WHERE id = ?',
                        (corr_id,)).fetchone()
    c.close()
    assert (st, due) == ("correction", tomorrow)
    r = organiser.post("/admin/screening/%d" % rej_id,
                       {"decision": "reject", "reason": "不属于征集范围"})
    assert r.status_code == 303
    assert status_of(laurel_server, rej_id) == "rejected"
    # A second decision on a decided case is a conflict.
    r = organiser.post("/admin/screening/%d" % rej_id, {"decision": "pass"})
    assert r.status_code == 409

    rows = outbox_rows(laurel_server, mark)
    assert len(rows) == 3, "expected a message per decision, saw %r" % rows
    bodies = " ".join(r[3] for r in rows)
    assert "请补充成效数据" in bodies and tomorrow in bodies and "不属于征集范围" in bodies
    for _, _, subject, _ in rows:
        assert subject.startswith("【案例征集】")

    m = organiser.json("/admin/screening/%d" % corr_id)
    assert m["status"] == "correction" and m["screening"]["due"] == tomorrow
    dash = organiser.json("/admin")
    sh = {g["code"]: g for g in dash["regions"]}[SHANGHAI]
    assert sh["passed"] >= 1 and sh["correction"] >= 1 and sh["rejected"] >= 1
    assert any(a["case_id"] == rej_id and a["to"] == "rejected" for a in dash["activity"])
    assert "/admin/outbox" in organiser.get("/admin").text


def test_bulk_screening_reports_skipped(laurel_server, shanghai, organiser):
    ids = recommended_cases(laurel_server, shanghai, organiser, 3, email=False)
    r = organiser.post("/admin/screening/%d" % ids[0], {"decision": "pass"})
    assert r.status_code == 303
    r = organiser.post("/admin/screening/bulk",
                       [("decision", "reject")] + [("id", str(i)) for i in ids], headers=JSON)
    assert r.status_code == 422, "expected a bulk reject without reason to be 422, saw %d" % (
        r.status_code)
    assert status_of(laurel_server, ids[1]) == "recommended"
    mark = outbox_max(laurel_server)
    r = organiser.post("/admin/screening/bulk",
                       [("decision", "reject"), ("reason", "材料雷同")] +
                       [("id", str(i)) for i in ids], headers=JSON)
    assert r.status_code == 200, "expected bulk to answer 200, saw %d: %s" % (
        r.status_code, r.text[:200])
    bulk = r.json()["bulk"]
    assert bulk == {"done": ids[1:], "skipped": ids[:1]}, "expected %r done and %r skipped, " \
        "saw %r" % (ids[1:], ids[:1], bulk)
    assert [status_of(laurel_server, i) for i in ids] == ["passed", "rejected", "rejected"]
    # No contact e-mail and no submitter account for these units: no message, no failure.
    assert len(outbox_rows(laurel_server, mark)) == 0
    more = recommended_cases(laurel_server, shanghai, organiser, 2)
    mark = outbox_max(laurel_server)
    r = organiser.post("/admin/screening/bulk",
                       {"decision": "pass", "ids": "%d,%d" % tuple(more)}, headers=JSON)
    assert r.status_code == 200 and r.json()["bulk"]["done"] == more
    assert [status_of(laurel_server, i) for i in more] == ["passed", "passed"]
    assert len(outbox_rows(laurel_server, mark)) == 2


def test_other_region_recommender(laurel_server):
    email = "jiangsu-e2e@demo.laurel"
    p = subprocess.run([LAUREL_BIN, "user", "add", "--data", laurel_server.data, "--email", email,
                        "--name", "江苏推荐单位", "--role", "recommender",
                        "--region", JIANGSU] + db_args(laurel_server.data),
                       input=b"jiangsu-password-1\n", capture_output=True, timeout=60)
    assert p.returncode == 0, "expected user add to succeed, saw %d: %s" % (
        p.returncode, p.stderr.decode())
    js = User(laurel_server.url, email, "jiangsu-password-1")
    shanghai_case = make_cases(laurel_server, 1, SHANGHAI)[0]
    assert js.get("/recommend/%d" % shanghai_case).status_code == 404
    assert js.post("/recommend/%d/endorse" % shanghai_case).status_code == 404
    assert status_of(laurel_server, shanghai_case) == "submitted"
    m = js.json("/recommend")
    assert m["region"] == JIANGSU and m["cases"] == [], "expected an empty list, saw %r" % m
    assert "/recommend" in js.get("/me").text


def test_settings_validation(laurel_server, organiser):
    before = organiser.json("/admin/settings")
    good = settings_form(organiser)
    for change, why in (({"opens_at": "2026-13-01"}, "a bad month"),
                        ({"closes_at": "20270101"}, "no dashes"),
                        ({"opens_at": "2030-01-02", "closes_at": "2030-01-01"}, "opens > closes"),
                        ({"quota_310000": "1000"}, "a quota over 999"),
                        ({"quota_110000": "-1"}, "a negative quota"),
                        ({"quota_110000": "abc"}, "a quota not a number"),
                        ({"track_" + before["tracks"][0]["slug"]: ""}, "an empty track name")):
        form = dict(good)
        form.update(change)
        r = organiser.post("/admin/settings", form, headers=JSON)
        assert r.status_code == 422, "expected 422 for %s, saw %d" % (why, r.status_code)
    assert organiser.json("/admin/settings") == before, "expected nothing changed"
    r = organiser.post("/admin/settings", dict(good, opens_at="2026-13-01"))
    assert r.status_code == 422 and "2020-02-04" in r.text

    form = dict(good, new_track="e2e 新类别", quota_650000="7")
    form["track_" + before["tracks"][0]["slug"]] = "e2e 改名"
    r = organiser.post("/admin/settings", form)
    assert r.status_code == 303
    after = organiser.json("/admin/settings")
    names = [t["name"] for t in after["tracks"]]
    assert "e2e 改名" in names and "e2e 新类别" in names, "saw %r" % names
    assert {g["code"]: g["quota"] for g in after["regions"]}["650000"] == 7
    assert len(after["regions"]) == 32
    # Put the first track's name back for other tests.
    form = settings_form(organiser)
    form["track_" + before["tracks"][0]["slug"]] = before["tracks"][0]["name"]
    assert organiser.post("/admin/settings", form).status_code == 303


def test_me_workspace(laurel_server, organiser, shanghai):
    text = organiser.get("/me").text
    for href in ("/admin", "/admin/screening", "/admin/settings", "/admin/outbox",
                 "/admin/users", "/admin/import", "/password"):
        assert 'href="%s"' % href in text, "expected a link to %s on the organiser's /me" % href
    assert 'action="/logout"' in text and organiser.csrf in text
    text = shanghai.get("/me").text
    assert 'href="/recommend"' in text and 'href="/admin"' not in text
    sub = User(laurel_server.url, "zhoujiadu@demo.laurel").get("/me").text
    assert 'href="/submit"' in sub
    rev = User(laurel_server.url, "expert@demo.laurel").get("/me").text
    assert "评审" in rev
    r = requests.get(laurel_server.url + "/me", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")


def test_pages_are_well_formed_html(laurel_server, organiser, shanghai):
    from conftest import Page
    cid = make_cases(laurel_server, 1, SHANGHAI)[0]
    pages = [(shanghai, "/recommend"), (shanghai, "/recommend/%d" % cid), (shanghai, "/me"),
             (organiser, "/admin"), (organiser, "/admin/screening"),
             (organiser, "/admin/screening/%d" % cid), (organiser, "/admin/settings"),
             (organiser, "/me"), (organiser, "/admin?lang=en"),
             (organiser, "/admin?lang=zh-CN")]  # the language stays for the visit: back
    for user, path in pages:
        r = user.get(path)
        assert r.status_code == 200, "GET %s: expected 200, saw %d" % (path, r.status_code)
        p = Page()
        p.feed(r.text)
        p.close()
        assert not p.errors and not p.stack, "%s: expected well-nested HTML, saw %s %s" % (
            path, p.errors[:3], p.stack)
        posts = r.text.count('method="post"')
        assert r.text.count('name="csrf" value="%s"' % user.csrf) == posts, (
            "%s: expected every POST form to carry the CSRF token" % path)


# ---------------------------------------------------------------- declared actions

def test_json_twins_of_the_organiser_pages(laurel_server, shanghai, organiser):
    """The screening case page and the settings page are model handlers: the same model
    as JSON by Accept and under /api/v1, and the HTML page says what the model holds."""
    cid = recommended_cases(laurel_server, shanghai, organiser, 1)[0]
    for path in ("/admin/screening/%d" % cid, "/admin/settings"):
        by_accept = organiser.json(path)
        r = organiser.get("/api/v1" + path)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(
            "application/json"), "expected /api/v1%s as JSON, saw %d %s" % (
            path, r.status_code, r.headers.get("Content-Type"))
        assert r.json() == by_accept, "expected /api/v1%s to equal its Accept twin" % path
    m = organiser.json("/admin/screening/%d" % cid)
    assert m["id"] == cid and m["status"] == "recommended" and m["actionable"] is True
    assert [c["key"] for c in m["checks"]] == ["complete", "length", "files", "unit",
                                               "eligible"]
    assert m["form"] == {"reason": "", "due": "", "pass": True, "correction": False,
                         "reject": False}, "expected an empty decision form, saw %r" % m["form"]
    s = organiser.json("/admin/settings")
    assert len(s["regions"]) == 32 and s["tracks"], "expected regions and tracks, saw %r" % s
    text = organiser.get("/admin/settings").text
    assert 'name="quota_%s"' % SHANGHAI in text and s["opens_at"] in text


def test_refused_decision_is_shown_again_as_typed(laurel_server, shanghai, organiser):
    cid = recommended_cases(laurel_server, shanghai, organiser, 1)[0]
    mark = outbox_max(laurel_server)
    long_reason = "补" * 501  # INTAKE_REASON_MAX is 500 characters
    r = organiser.post("/admin/screening/%d" % cid,
                       {"decision": "reject", "reason": long_reason, "check_files": "1"},
                       headers=JSON)
    assert r.status_code == 422, "expected a 501-character reason to be 422, saw %d" % (
        r.status_code)
    m = r.json()
    assert "reason" in m["errors"], "expected the reason refused by field, saw %r" % m.get("errors")
    assert m["form"]["reject"] and m["form"]["reason"] == long_reason
    ticked = {c["key"]: c["checked"] for c in m["checks"]}
    assert ticked == {"complete": False, "length": False, "files": True, "unit": False,
                      "eligible": False}, (
        "expected the boxes as ticked, saw %r" % ticked)
    assert status_of(laurel_server, cid) == "recommended", "expected nothing changed"
    assert outbox_rows(laurel_server, mark) == []
    c = db(laurel_server)
    try:
        assert c.execute("SELECT count(*) FROM screening WHERE case_id = ?",
                         (cid,)).fetchone()[0] == 0
    finally:
        c.close()
    # The browser's page: 422 with the message and the form as typed.
    r = organiser.post("/admin/screening/%d" % cid, {"decision": "correction",
                                                     "reason": "请补充", "due": "2031-02-29"})
    assert r.status_code == 422, "expected 2031-02-29 (not a leap year) refused, saw %d" % (
        r.status_code)
    assert "2020-02-04" in r.text and "请补充" in r.text
    assert status_of(laurel_server, cid) == "recommended"


def test_bulk_over_its_limit_changes_nothing(laurel_server, shanghai, organiser):
    ids = recommended_cases(laurel_server, shanghai, organiser, 2)
    many = ids + list(range(10 ** 9, 10 ** 9 + 499))  # 501 ids: INTAKE_BULK_MAX is 500
    r = organiser.post("/admin/screening/bulk",
                       {"decision": "pass", "ids": ",".join(str(i) for i in many)}, headers=JSON)
    assert r.status_code == 422, "expected 501 ids refused with 422, saw %d" % r.status_code
    assert "ids" in r.json()["errors"] and "bulk" not in r.json()
    assert [status_of(laurel_server, i) for i in ids] == ["recommended"] * 2
    r = organiser.post("/admin/screening/bulk", {"decision": "correction", "ids": str(ids[0])})
    assert r.status_code == 422 and "批量操作只能选择通过或不予通过" in r.text
    assert status_of(laurel_server, ids[0]) == "recommended"


def test_settings_over_limits_change_nothing(laurel_server, organiser):
    before = organiser.json("/admin/settings")
    good = settings_form(organiser)
    slug = before["tracks"][0]["slug"]
    for change, why in (({"new_track": "类" * 41}, "a 41-character new track"),
                        ({"track_" + slug: "类" * 41}, "a 41-character track name"),
                        ({"track_" + slug: "两行\n名称"}, "a track name of two lines"),
                        ({"quota_310000": "1" * 40}, "a quota of 40 digits"),
                        ({"opens_at": "2027-02-29"}, "2027-02-29")):
        r = organiser.post("/admin/settings", dict(good, **change), headers=JSON)
        assert r.status_code == 422, "expected 422 for %s, saw %d" % (why, r.status_code)
        assert r.json()["errors"], "expected the refused field named for %s" % why
    assert organiser.json("/admin/settings") == before, "expected nothing changed"
    # The page shown again: the list of what to correct, the bad quota marked, as typed.
    r = organiser.post("/admin/settings", dict(good, quota_440000="abc", quota_310000="-1"))
    assert r.status_code == 422
    assert "设置未保存" in r.text and r.text.count("推荐名额须为 0 至 999 的整数") == 1
    assert r.text.count('aria-invalid="true"') == 2 and 'value="abc"' in r.text
    assert organiser.json("/admin/settings") == before
