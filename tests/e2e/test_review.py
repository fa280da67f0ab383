"""The reviewer's side of a review round: the list of assignments, scoring a case
(out of range → 422 and nothing saved; draft; submit; revise), the neutral 404 for
anything not the reviewer's (another reviewer's case, a case of the reviewer's own
region), declaring a conflict, the attachments under neutral names, and a closed
stage.

The server runs on a demo of its own with a review round (scoring_data.py: the
demo's stage 3 复评 when `laurel demo` builds it, else a private round), because
these tests change assignments and the stage while it serves.
"""
import re
import time
import urllib.parse

import pytest
import requests

from conftest import HTTP_TIMEOUT, JSON, csrf, login, parse_html
from scoring_data import Round, add_attachment

LABEL_RE = re.compile(r"^/review/(\d+)/(\d{4,})$")

# What a reviewer may open, as the server decides it (for choosing test subjects).
OPEN_SQL = (
    "SELECT a.case_id FROM assignment a JOIN \"case\" c ON c.id = a.case_id "
    "WHERE a.stage_id = ? AND a.user_id = ? AND a.state = 'released' "
    "AND NOT EXISTS (SELECT 1 FROM conflict f WHERE f.case_id = a.case_id "
    "                AND f.user_id = a.user_id) "
    "AND NOT EXISTS (SELECT 1 FROM reviewer v WHERE v.user_id = a.user_id "
    "                AND (v.region_code = c.region_code OR v.unit_id = c.unit_id)) "
    "ORDER BY a.case_id")


@pytest.fixture(scope="module")
def rnd():
    r = Round()
    try:
        yield r
    finally:
        r.close()


def open_cases(rnd, uid):
    c = rnd.db()
    try:
        return [row[0] for row in c.execute(OPEN_SQL, (rnd.stage, uid))]
    finally:
        c.close()


@pytest.fixture(scope="module")
def people(rnd):
    """Two reviewers with several open cases each (the first two such, by user id)."""
    out = []
    for uid, email, region in rnd.reviewers():
        cases = open_cases(rnd, uid)
        if len(cases) >= 4:
            out.append({"id": uid, "email": email, "region": region, "cases": cases})
        if len(out) == 2:
            break
    assert len(out) == 2, "expected two reviewers with at least 4 open cases each"
    for p in out:
        p["s"] = login(rnd.url, p["email"])
    return out


def listing(s, base):
    r = s.get(base + "/review", headers=JSON, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected GET /review 200, saw %d: %s" % (
        r.status_code, r.text[:300])
    return r.json()


def hrefs(model):
    return [it["href"] for st in model["stages"] for it in st["items"]]


def review_row(rnd, uid, case_id):
    c = rnd.db()
    try:
        return c.execute("SELECT status, comment, total, submitted_at FROM review "
                         "WHERE stage_id = ? AND case_id = ? AND user_id = ?",
                         (rnd.stage, case_id, uid)).fetchone()
    finally:
        c.close()


def scores_of(rnd, uid, case_id):
    c = rnd.db()
    try:
        return dict(c.execute("SELECT criterion_id, score FROM review_score "
                              "WHERE stage_id = ? AND case_id = ? AND user_id = ?",
                              (rnd.stage, case_id, uid)).fetchall())
    finally:
        c.close()


def criteria(rnd):
    c = rnd.db()
    try:
        return c.execute("SELECT id, max_score, weight FROM criterion WHERE stage_id = ? "
                         "ORDER BY seq", (rnd.stage,)).fetchall()
    finally:
        c.close()


def post(s, base, path, data, json=False):
    d = dict(data)
    d.setdefault("csrf", csrf(s, base, "/me"))
    return s.post(base + path, data=d, allow_redirects=False, timeout=HTTP_TIMEOUT,
                  headers=JSON if json else {})


# ---------------------------------------------------------------- the list

def test_list_shows_open_assignments_with_labels(rnd, people):
    a = people[0]
    m = listing(a["s"], rnd.url)
    got = hrefs(m)
    assert len(got) == len(a["cases"]), (
        "expected /review to list the %d open assignments of %s, saw %d"
        % (len(a["cases"]), a["email"], len(got)))
    labels = rnd.labels()
    want = sorted("/review/%d/%04d" % (rnd.seq, labels[c]) for c in a["cases"])
    assert sorted(got) == want, "expected the labels %r, saw %r" % (want[:5], sorted(got)[:5])
    assert m["progress"]["total"] == len(got)
    for st in m["stages"]:
        for it in st["items"]:
            assert LABEL_RE.match(it["href"]), "expected /review/SEQ/NNNN, saw %r" % it["href"]
            assert re.fullmatch(r".+-\d{4,}", it["label"]), "expected a label like 复评-0123"
            assert "case_id" not in it and "id" not in it, "expected no case id in %r" % it
            assert it["status_word"] in ("未开始", "草稿", "已提交")
    # Labels are stable and say nothing of the case id.
    assert hrefs(listing(a["s"], rnd.url)) == got
    assert any(int(h.rsplit("/", 1)[1]) != c for h, c in zip(sorted(got), a["cases"]))
    page = parse_html(a["s"].get(rnd.url + "/review", timeout=HTTP_TIMEOUT), "/review")
    assert any(h == got[0] for h, _ in page.links), "expected a link to %s" % got[0]
    assert "评审任务" in page.text


def test_not_for_other_roles(rnd):
    r = requests.get(rnd.url + "/review", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login"), (
        "expected anonymous /review to go to the login, saw %d" % r.status_code)
    org = login(rnd.url, "organiser@demo.laurel")
    r = org.get(rnd.url + "/review", timeout=HTTP_TIMEOUT)
    assert r.status_code == 403, "expected 403 for the organiser, saw %d" % r.status_code


# ---------------------------------------------------------------- scoring

def test_out_of_range_is_422_and_saves_nothing(rnd, people):
    a = people[0]
    case_id = a["cases"][0]
    path = rnd.case_url(case_id)
    crit = criteria(rnd)
    cid0, max0, _ = crit[0]
    for bad in [str(max0 + 1), "-1", "abc", "1e999", "NaN"]:
        data = {"action": "save", "comment": "越界", "score_%d" % cid0: bad}
        r = post(a["s"], rnd.url, path, data)
        assert r.status_code == 422, "expected 422 for score %r, saw %d" % (bad, r.status_code)
        page = parse_html(r, path)
        assert page.by_class("field-error"), "expected a per-field message for %r" % bad
        assert review_row(rnd, a["id"], case_id) is None, (
            "expected nothing saved after %r, saw a review row" % bad)
    # Too long a comment: 2,001 characters.
    data = {"action": "save", "comment": "评" * 2001, "score_%d" % cid0: "1"}
    r = post(a["s"], rnd.url, path, data)
    assert r.status_code == 422, "expected 422 for a 2,001-character comment, saw %d" % (
        r.status_code)
    assert review_row(rnd, a["id"], case_id) is None
    # The JSON twin carries the same errors.
    r = post(a["s"], rnd.url, path, {"action": "save", "score_%d" % cid0: str(max0 + 1)},
             json=True)
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/json")
    m = r.json()
    assert any(c.get("field_error") for c in m["criteria"]), "expected field_error in JSON"
    assert review_row(rnd, a["id"], case_id) is None


def test_draft_submit_revise(rnd, people):
    a = people[0]
    case_id = a["cases"][1]
    path = rnd.case_url(case_id)
    crit = criteria(rnd)
    # A draft may leave criteria empty.
    data = {"action": "save", "comment": "初步意见", "score_%d" % crit[0][0]: "5.5"}
    r = post(a["s"], rnd.url, path, data)
    assert r.status_code == 303 and "saved=1" in r.headers["Location"], (
        "expected 303 ?saved=1 for a draft, saw %d %r" % (r.status_code, r.headers))
    row = review_row(rnd, a["id"], case_id)
    assert row and row[0] == "draft" and row[1] == "初步意见" and row[2] is None, (
        "expected a draft without total, saw %r" % (row,))
    assert scores_of(rnd, a["id"], case_id) == {crit[0][0]: 5.5}
    m = a["s"].get(rnd.url + path, headers=JSON, timeout=HTTP_TIMEOUT).json()
    assert m["criteria"][0]["value"] == "5.5" and m["review"]["status"] == "draft"
    # Submitting needs every criterion.
    r = post(a["s"], rnd.url, path, {"action": "submit", "comment": "x",
                                     "score_%d" % crit[0][0]: "6"})
    assert r.status_code == 422, "expected 422 submitting with criteria missing, saw %d" % (
        r.status_code)
    assert review_row(rnd, a["id"], case_id)[0] == "draft"
    assert review_row(rnd, a["id"], case_id)[1] == "初步意见", "expected the draft unchanged"
    # Submit.
    vals = [min(mx, 7.5) for _, mx, _ in crit]
    data = {"action": "submit", "comment": "同意推荐。"}
    data.update({"score_%d" % cid: str(v) for (cid, _, _), v in zip(crit, vals)})
    r = post(a["s"], rnd.url, path, data)
    assert r.status_code == 303 and "submitted=1" in r.headers["Location"], (
        "expected 303 ?submitted=1, saw %d" % r.status_code)
    row = review_row(rnd, a["id"], case_id)
    sw = sum(w for _, _, w in crit)
    want = sum(v / mx * w for v, (_, mx, w) in zip(vals, crit)) / sw * 100
    assert row[0] == "submitted" and abs(row[2] - want) < 0.01, (
        "expected submitted with total %.2f, saw %r" % (want, row))
    first_submitted = row[3]
    # A submitted review: no draft any more, the form offers 修改并重新提交.
    page = parse_html(a["s"].get(rnd.url + path, timeout=HTTP_TIMEOUT), path)
    assert "修改并重新提交" in page.text, "expected the resubmit button after submitting"
    assert not any(t == "button" and at.get("value") == "save" for t, at in page.tags), (
        "expected no save-draft button on a submitted review")
    r = post(a["s"], rnd.url, path, dict(data, action="save"))
    assert r.status_code == 409, "expected 409 saving a draft over a submitted review, saw %d" % (
        r.status_code)
    assert review_row(rnd, a["id"], case_id)[0] == "submitted"
    # Revise.
    data["score_%d" % crit[0][0]] = "0"
    data["comment"] = "修改后的意见"
    r = post(a["s"], rnd.url, path, data)
    assert r.status_code == 303, "expected 303 on resubmission, saw %d" % r.status_code
    row = review_row(rnd, a["id"], case_id)
    vals[0] = 0
    want = sum(v / mx * w for v, (_, mx, w) in zip(vals, crit)) / sw * 100
    assert row[0] == "submitted" and row[1] == "修改后的意见" and abs(row[2] - want) < 0.01, (
        "expected the revision saved with total %.2f, saw %r" % (want, row))
    assert row[3] == first_submitted, "expected the first submission time kept"
    # The list counts it.
    m = listing(a["s"], rnd.url)
    item = [it for st in m["stages"] for it in st["items"] if it["href"] == path][0]
    assert item["status_word"] == "已提交" and item["total"] == "%.2f" % want
    assert m["progress"]["done"] >= 1


def test_bad_action_and_csrf(rnd, people):
    a = people[0]
    path = rnd.case_url(a["cases"][2])
    r = post(a["s"], rnd.url, path, {"action": "publish"})
    assert r.status_code == 422, "expected 422 for an unknown action, saw %d" % r.status_code
    r = a["s"].post(rnd.url + path, data={"action": "save"}, allow_redirects=False,
                    timeout=HTTP_TIMEOUT)
    assert r.status_code == 403, "expected 403 without a csrf token, saw %d" % r.status_code
    assert review_row(rnd, a["id"], a["cases"][2]) is None


# ---------------------------------------------------------------- what is not mine

def assert_neutral_404(r, what):
    assert r.status_code == 404, "expected 404 for %s, saw %d" % (what, r.status_code)
    assert "您访问的页面不存在" in r.text or r.headers["Content-Type"].startswith(
        "application/json"), "expected the neutral not-found message for %s" % what


def test_another_reviewers_case_is_404(rnd, people):
    a, b = people
    theirs = [c for c in b["cases"] if c not in a["cases"]]
    assert theirs, "expected a case of %s that %s does not have" % (b["email"], a["email"])
    path = rnd.case_url(theirs[0])
    assert_neutral_404(a["s"].get(rnd.url + path, timeout=HTTP_TIMEOUT), path)
    assert_neutral_404(a["s"].get(rnd.url + path, headers=JSON, timeout=HTTP_TIMEOUT), path)
    assert_neutral_404(a["s"].get(rnd.url + "/api/v1" + path, timeout=HTTP_TIMEOUT), path)
    assert_neutral_404(a["s"].get(rnd.url + path + "/files/1", timeout=HTTP_TIMEOUT), path)
    crit = criteria(rnd)
    r = post(a["s"], rnd.url, path, {"action": "save", "score_%d" % crit[0][0]: "1"})
    assert_neutral_404(r, "POST " + path)
    r = post(a["s"], rnd.url, path + "/conflict", {"reason": "试探"})
    assert_neutral_404(r, "POST conflict " + path)
    assert review_row(rnd, a["id"], theirs[0]) is None
    # B still sees it.
    r = b["s"].get(rnd.url + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected %s to open its own case, saw %d" % (b["email"],
                                                                               r.status_code)
    # Malformed and unknown labels.
    for bad in ["/review/%d/0000" % rnd.seq, "/review/%d/abc" % rnd.seq, "/review/999/0001",
                "/review/0/0001", "/review/%d/%s" % (rnd.seq, urllib.parse.quote("复评-"))]:
        assert_neutral_404(a["s"].get(rnd.url + bad, timeout=HTTP_TIMEOUT), bad)


def test_own_region_case_never_appears(rnd, people):
    a = people[1]
    assert a["region"], "expected the reviewer to have a home region"
    c = rnd.db()
    try:
        row = c.execute(
            'SELECT c.id FROM "case" c WHERE c.campaign_id = ? AND c.region_code = ? AND c.id IN '
            "(SELECT case_id FROM stage_case WHERE stage_id = ? UNION "
            " SELECT case_id FROM assignment WHERE stage_id = ?) ORDER BY c.id LIMIT 1",
            (rnd.campaign, a["region"], rnd.stage, rnd.stage)).fetchone()
        assert row, "expected a case of region %s in the stage's pool" % a["region"]
        case_id = row[0]
        # An assignment that should never have been made: the server still hides it.
        c.execute("INSERT INTO assignment (stage_id, case_id, user_id, state) "
                  "VALUES (?, ?, ?, 'released') ON CONFLICT (stage_id, case_id, user_id) "
                  "DO UPDATE SET state = excluded.state", (rnd.stage, case_id, a["id"]))
        c.commit()
    finally:
        c.close()
    path = rnd.case_url(case_id)
    assert path not in hrefs(listing(a["s"], rnd.url)), (
        "expected a case of the reviewer's own region never to be listed")
    assert_neutral_404(a["s"].get(rnd.url + path, timeout=HTTP_TIMEOUT), path)
    assert_neutral_404(a["s"].get(rnd.url + path + "/files/1", timeout=HTTP_TIMEOUT), path)


# ---------------------------------------------------------------- conflict

def test_declare_conflict(rnd, people):
    b = people[1]
    case_id = b["cases"][-1]
    path = rnd.case_url(case_id)
    assert path in hrefs(listing(b["s"], rnd.url))
    r = post(b["s"], rnd.url, path + "/conflict", {"reason": "  "})
    assert r.status_code == 422, "expected 422 for a conflict without reason, saw %d" % (
        r.status_code)
    assert "请填写回避理由" in r.text
    r = post(b["s"], rnd.url, path + "/conflict", {"reason": "曾参与该案例的指导工作"})
    assert r.status_code == 303 and r.headers["Location"] == "/review?declared=1", (
        "expected 303 to /review?declared=1, saw %d %r" % (r.status_code,
                                                           r.headers.get("Location")))
    r = b["s"].get(rnd.url + "/review?declared=1", timeout=HTTP_TIMEOUT)
    assert "已申报回避" in parse_html(r, "/review?declared=1").text, (
        "expected the list to confirm the declaration")
    m = listing(b["s"], rnd.url)
    assert path not in hrefs(m), "expected the case gone from the list after the conflict"
    assert_neutral_404(b["s"].get(rnd.url + path, timeout=HTTP_TIMEOUT), path)
    c = rnd.db()
    try:
        f = c.execute("SELECT source, reason FROM conflict WHERE case_id = ? AND user_id = ?",
                      (case_id, b["id"])).fetchone()
        st = c.execute("SELECT state FROM assignment WHERE stage_id = ? AND case_id = ? "
                       "AND user_id = ?", (rnd.stage, case_id, b["id"])).fetchone()
    finally:
        c.close()
    assert f == ("declared", "曾参与该案例的指导工作"), "expected the declared conflict, saw %r" % (f,)
    assert st == ("dropped",), "expected the assignment dropped, saw %r" % (st,)


# ---------------------------------------------------------------- attachments

def test_attachment_under_a_neutral_name(rnd, people):
    a = people[0]
    c = rnd.db()
    try:
        have = [cid for cid in a["cases"] if c.execute(
            "SELECT count(*) FROM attachment WHERE case_id = ?", (cid,)).fetchone()[0]]
        if not have:  # the demo's cases have none: attach one, as an upload would
            add_attachment(c, rnd.data, a["cases"][0], "单位原始材料-%d.pdf" % a["cases"][0],
                           b"%PDF-1.4\n% review e2e\n")
            c.commit()
            have = [a["cases"][0]]
        name, sha = c.execute("SELECT name, sha256 FROM attachment WHERE case_id = ? "
                              "ORDER BY id LIMIT 1", (have[0],)).fetchone()
    finally:
        c.close()
    path = rnd.case_url(have[0])
    m = a["s"].get(rnd.url + path, headers=JSON, timeout=HTTP_TIMEOUT).json()
    att = m["attachments"][0]
    assert re.fullmatch(r"附件1\.\w+", att["name"]), "expected 附件1.ext, saw %r" % att["name"]
    assert att["href"] == path + "/files/1"
    assert sha not in str(m) and name not in str(m), "expected no stored name or digest"
    r = a["s"].get(rnd.url + att["href"], timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected the attachment, saw %d" % r.status_code
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment;") and urllib.parse.quote("附件1") in cd, (
        "expected a neutral 附件1 file name, saw %r" % cd)
    for h, v in r.headers.items():
        assert name not in v and sha not in v, "expected no original name in %s: %r" % (h, v)
    assert r.headers.get("Cache-Control") == "private, no-store"
    with open("%s/files/%s/%s" % (rnd.data, sha[:2], sha), "rb") as f:
        assert r.content == f.read(), "expected the stored bytes"
    assert_neutral_404(a["s"].get(rnd.url + path + "/files/99", timeout=HTTP_TIMEOUT), "n=99")


# ---------------------------------------------------------------- a closed stage

def test_closed_stage(rnd, people):
    a = people[0]
    path = rnd.case_url(a["cases"][3])
    crit = criteria(rnd)
    data = {"action": "save", "score_%d" % crit[0][0]: "1"}
    c = rnd.db()
    try:
        old = c.execute("SELECT ends_at FROM stage WHERE id = ?", (rnd.stage,)).fetchone()[0]
        c.execute("UPDATE stage SET ends_at = ? WHERE id = ?",
                  (time.strftime("%Y-%m-%d", time.gmtime(time.time() - 2 * 86400)), rnd.stage))
        c.commit()
        # Past ends_at: readable, not writable.
        page = parse_html(a["s"].get(rnd.url + path, timeout=HTTP_TIMEOUT), path)
        assert "本轮评审已截止" in page.text, "expected the closed note past ends_at"
        r = post(a["s"], rnd.url, path, data)
        assert r.status_code == 409, "expected 409 past ends_at, saw %d" % r.status_code
        assert review_row(rnd, a["id"], a["cases"][3]) is None
    finally:
        c.execute("UPDATE stage SET ends_at = ?, state = 'released' WHERE id = ?",
                  (old, rnd.stage))
        c.commit()
        c.close()
    assert a["s"].get(rnd.url + path, timeout=HTTP_TIMEOUT).status_code == 200


# ---------------------------------------------------------------- read-only once the stage moved on

DONE_WORDS = {"closed": "已截止评分", "ranked": "完成排名", "advanced": "入围案例已进入下一轮"}


def test_reviews_are_read_only_once_the_stage_is_closed_ranked_or_advanced(rnd, people):
    """Past its release the stage's reviewers still open their list, their cases and reviews
    (read-only, saying why, no form), and every write is refused with 409 in their language,
    nothing changed: save a draft, submit, revise (a submitted review), declare a conflict."""
    a = people[1]
    state_of = {cid: (review_row(rnd, a["id"], cid) or ("none",))[0]
                for cid in open_cases(rnd, a["id"])}
    assert len(state_of) >= 2, "expected two open cases"
    submitted_case, draft_case = sorted(state_of)[-1], sorted(state_of)[-2]
    c = rnd.db()
    try:  # the demo's reviews are all in: one case starts afresh, to be saved as a draft
        for table in ("review_score", "review"):
            c.execute("DELETE FROM %s WHERE stage_id = ? AND case_id = ? AND user_id = ?" % table,
                      (rnd.stage, draft_case, a["id"]))
        c.commit()
    finally:
        c.close()
    crit = criteria(rnd)
    full = {"comment": "终审前的意见"}
    full.update({"score_%d" % cid: str(min(mx, 6)) for cid, mx, _ in crit})
    sub_path, draft_path = rnd.case_url(submitted_case), rnd.case_url(draft_case)
    assert post(a["s"], rnd.url, sub_path, dict(full, action="submit")).status_code == 303
    assert post(a["s"], rnd.url, draft_path, dict(full, action="save")).status_code == 303
    before = (review_row(rnd, a["id"], submitted_case), review_row(rnd, a["id"], draft_case),
              scores_of(rnd, a["id"], submitted_case), scores_of(rnd, a["id"], draft_case))
    c = rnd.db()
    try:
        for state in ("closed", "ranked", "advanced"):
            c.execute("UPDATE stage SET state = ? WHERE id = ?", (state, rnd.stage))
            c.commit()
            m = listing(a["s"], rnd.url)
            hrefs_now = [it["href"] for st in m["stages"] for it in st["items"]]
            assert sub_path in hrefs_now and draft_path in hrefs_now, (
                "expected the %s stage's assignments still listed" % state)
            r = a["s"].get(rnd.url + sub_path, timeout=HTTP_TIMEOUT)
            page = parse_html(r, sub_path)
            assert r.status_code == 200 and DONE_WORDS[state] in page.text, (
                "expected the review readable with why (%s), saw %d" % (state, r.status_code))
            assert "终审前的意见" in page.text, "expected the submitted comment shown"
            assert not any(t == "form" and (at.get("action") or "").startswith(sub_path)
                           for t, at in page.tags), "expected no form once the stage is " + state
            writes = [(sub_path, dict(full, action="submit", comment="改了")),   # revise
                      (draft_path, dict(full, action="save", comment="改了")),   # save a draft
                      (draft_path, dict(full, action="submit", comment="改了")),  # submit
                      (sub_path + "/conflict", {"reason": "与该单位有关"})]      # 回避
            for path, data in writes:
                r = post(a["s"], rnd.url, path, data)
                assert r.status_code == 409 and "本轮评审已结束" in r.text, (
                    "expected 409 with the reason for %s once %s, saw %d" % (
                        path, state, r.status_code))
            r = post(a["s"], rnd.url, draft_path + "?lang=en", dict(full, action="save"))
            assert r.status_code == 409 and "This round is over" in r.text, (
                "expected the refusal in English, saw %d" % r.status_code)
            a["s"].get(rnd.url + "/me?lang=zh-CN", timeout=HTTP_TIMEOUT)  # back to Chinese
            r = post(a["s"], rnd.url, draft_path, dict(full, action="save"), json=True)
            assert r.status_code == 409, "expected 409 by JSON too, saw %d" % r.status_code
            after = (review_row(rnd, a["id"], submitted_case),
                     review_row(rnd, a["id"], draft_case),
                     scores_of(rnd, a["id"], submitted_case), scores_of(rnd, a["id"], draft_case))
            assert after == before, "expected nothing changed by refused writes (%s)" % state
            assert submitted_case in open_cases(rnd, a["id"]), "expected no conflict stored"
    finally:
        c.execute("UPDATE stage SET state = 'released' WHERE id = ?", (rnd.stage,))
        c.commit()
        c.close()
    # Released again: the form is back (the refusals above were the stage's state).
    r = post(a["s"], rnd.url, draft_path, dict(full, action="save"))
    assert r.status_code == 303, "expected the draft saved once released again"


# ---------------------------------------------------------------- declared actions

def test_json_twins_of_the_case_page_and_refusals(rnd, people):
    """The case page's model is the same by Accept and under /api/v1, and a refused score
    shows that model again with the refused fields by name, the values as typed."""
    a = people[0]
    path = rnd.case_url(a["cases"][2])
    by_accept = a["s"].get(rnd.url + path, headers=JSON, timeout=HTTP_TIMEOUT).json()
    r = a["s"].get(rnd.url + "/api/v1" + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.json() == by_accept, (
        "expected /api/v1%s to equal its Accept twin, saw %d" % (path, r.status_code))
    assert by_accept["href"] == path and by_accept["criteria"], "saw %r" % sorted(by_accept)
    assert "case_id" not in by_accept and "id" not in by_accept
    crit = criteria(rnd)
    (cid0, max0, _), (cid1, _, _) = crit[0], crit[1]
    data = {"csrf": csrf(a["s"], rnd.url, "/me"), "action": "submit", "comment": "留言",
            "score_%d" % cid0: str(max0 + 0.5)}
    r = a["s"].post(rnd.url + "/api/v1" + path, data=data, allow_redirects=False,
                    timeout=HTTP_TIMEOUT)
    assert r.status_code == 422, "expected 422 from the /api/v1 twin, saw %d" % r.status_code
    m = r.json()
    errors = m["errors"]
    assert "score_%d" % cid0 in errors and "score_%d" % cid1 in errors, (
        "expected the out-of-range and the missing score refused by name, saw %r" % errors)
    got = {c["field"]: c["value"] for c in m["criteria"]}
    assert got["score_%d" % cid0] == str(max0 + 0.5) and m["comment"] == "留言"
    assert review_row(rnd, a["id"], a["cases"][2]) is None, "expected nothing saved"


def test_conflict_reason_over_its_limit_is_422(rnd, people):
    b = people[1]
    case_id = b["cases"][-2]
    path = rnd.case_url(case_id)
    r = post(b["s"], rnd.url, path + "/conflict", {"reason": "因" * 501}, json=True)
    assert r.status_code == 422, "expected a 501-character reason refused, saw %d" % (
        r.status_code)
    m = r.json()
    assert m.get("reason_error") and "reason" in m["errors"], "expected the reason refused"
    r = post(b["s"], rnd.url, path + "/conflict", {"reason": "因" * 501})
    assert r.status_code == 422 and "review-conflict" in r.text
    c = rnd.db()
    try:
        f = c.execute("SELECT count(*) FROM conflict WHERE case_id = ? AND user_id = ?",
                      (case_id, b["id"])).fetchone()[0]
        st = c.execute("SELECT state FROM assignment WHERE stage_id = ? AND case_id = ? "
                       "AND user_id = ?", (rnd.stage, case_id, b["id"])).fetchone()
    finally:
        c.close()
    assert f == 0 and st == ("released",), "expected nothing changed, saw %r %r" % (f, st)
    assert path in hrefs(listing(b["s"], rnd.url))
