"""Review stages as the organiser runs them (stages.c, review/assign_run.c, store/review.c):
settings and their validation, the pool, the proposal of assignments with 回避, an infeasible
configuration explained in numbers, manual edits checked against the rules, release with the
reviewers' messages, a reviewer dropping out, progress and reminders.

These tests write a lot (proposals, releases, drop-outs), so they run on a private copy of the
demo's database with a server of their own, leaving the shared demo as the other suites expect
it.  The campaign under review is found through the JSON of /admin/stages: its stage in state
'released' (the demo's 复评, reviews under way) and its stage in 'setup' (the demo's 终评).  In
the copy, before the server starts, some cases of the released stage are marked advanced (as a
ranking would), so that the stage in setup has a pool to fill and assign.

LAUREL_STAGES_DATA=DIR runs them on another data folder's database (copied too).
"""
import os
import re
import subprocess
import tempfile

import pytest

from conftest import (HTTP_TIMEOUT, JSON, LAUREL_BIN, LaurelServer, csrf, db_args, db_connect,
                      db_copy, db_rows, finish, login)

ADVANCE = 120  # cases of the released stage marked advanced in the copy


class Org:
    """The demo's organiser, signed in."""

    def __init__(self, base):
        self.base = base
        self.s = login(base, "organiser@demo.laurel")
        self.csrf = csrf(self.s, base, "/me")

    def get(self, path, json=False):
        return self.s.get(self.base + path, headers=JSON if json else {}, timeout=HTTP_TIMEOUT)

    def json(self, path):
        r = self.get(path, json=True)
        assert r.status_code == 200, "GET %s: expected 200, saw %d: %s" % (
            path, r.status_code, r.text[:300])
        return r.json()

    def post(self, path, data=None, json=False):
        d = dict(data or {})
        d["csrf"] = self.csrf
        return self.s.post(self.base + path, data=d, headers=JSON if json else {},
                           allow_redirects=False, timeout=HTTP_TIMEOUT)


@pytest.fixture(scope="module")
def env(laurel_server):
    src = os.environ.get("LAUREL_STAGES_DATA") or laurel_server.data
    workdir = tempfile.mkdtemp(prefix="laurel-stages-")
    data = os.path.join(workdir, "data")
    db_copy(src, data)
    d = db_connect(data)
    # The released stage of the campaign under review: some of its cases advance (as a
    # ranking would), the source of the next stage's pool.
    camp = d.execute("SELECT id FROM campaign WHERE status = 'review' "
                     "ORDER BY opens_at DESC, id DESC LIMIT 1").fetchone()
    assert camp, "expected a campaign with status 'review' in the demo"
    rel = d.execute("SELECT id, seq FROM stage WHERE campaign_id = ? AND state = 'released' "
                    "ORDER BY seq LIMIT 1", camp).fetchone()
    setup = d.execute("SELECT id, seq FROM stage WHERE campaign_id = ? AND state = 'setup' "
                      "ORDER BY seq LIMIT 1", camp).fetchone()
    assert rel and setup, "expected a released and a setup stage in the campaign under review"
    # Review settings are a review stage's: the open call's first round, prepared ahead.
    review_setup = d.execute("SELECT s.id FROM stage s JOIN campaign k ON k.id = s.campaign_id "
                             "WHERE k.status = 'open' AND s.kind = 'review' AND "
                             "s.state = 'setup' ORDER BY s.seq LIMIT 1").fetchone()
    assert review_setup, "expected a review stage in setup in the demo's open call"
    prev = d.execute("SELECT id FROM stage WHERE campaign_id = ? AND seq < ? ORDER BY seq DESC "
                     "LIMIT 1", (camp[0], setup[1])).fetchone()[0]
    d.execute("UPDATE stage_case SET advanced = 1 WHERE stage_id = ? AND case_id IN "
              "(SELECT case_id FROM stage_case WHERE stage_id = ? ORDER BY case_id LIMIT ?)",
              (prev, prev, ADVANCE))
    d.commit()
    d.close()
    srv = LaurelServer(LAUREL_BIN, data, workdir)
    srv.start()
    try:
        org = Org(srv.url)
        yield {"srv": srv, "org": org, "data": data, "campaign": camp[0],
               "released": rel[0], "setup": setup[0], "setup_seq": setup[1], "prev": prev,
               "review_setup": review_setup[0]}
    finally:
        finish(srv, workdir)


def q(env, sql, *args):
    return db_rows(env["data"], sql, args)


def stage_row(env, sid):
    return q(env, "SELECT state, reviewers_per_case, max_same_region, trim_k, trim_min, "
             "vote_weight, quorum FROM stage WHERE id = ?", sid)[0]


def violations(env, sid, k=None, balanced=False):
    """Every rule of assignment checked in the database: a list of what is wrong."""
    bad = []
    live = "a.stage_id = ? AND a.state <> 'dropped'"
    n = q(env, "SELECT count(*) FROM assignment a JOIN reviewer r ON r.user_id = a.user_id "
          "JOIN \"case\" c ON c.id = a.case_id WHERE " + live +
          " AND r.region_code = c.region_code", sid)[0][0]
    if n:
        bad.append("%d assignments of a reviewer to a case of his own region" % n)
    n = q(env, "SELECT count(*) FROM assignment a JOIN reviewer r ON r.user_id = a.user_id "
          "JOIN \"case\" c ON c.id = a.case_id WHERE " + live + " AND r.unit_id = c.unit_id",
          sid)[0][0]
    if n:
        bad.append("%d assignments within one unit" % n)
    n = q(env, "SELECT count(*) FROM assignment a JOIN conflict k ON k.case_id = a.case_id "
          "AND k.user_id = a.user_id WHERE " + live, sid)[0][0]
    if n:
        bad.append("%d assignments of a conflicted pair" % n)
    cap = q(env, "SELECT max_same_region FROM stage WHERE id = ?", sid)[0][0]
    if cap:
        n = q(env, "SELECT count(*) FROM (SELECT a.case_id, r.region_code, count(*) n "
              "FROM assignment a JOIN reviewer r ON r.user_id = a.user_id WHERE " + live +
              " GROUP BY 1, 2) per_region WHERE n > ?", sid, cap)[0][0]
        if n:
            bad.append("%d cases with more than %d reviewers of one region" % (n, cap))
    if k:
        per = q(env, "SELECT sc.case_id, (SELECT count(*) FROM assignment a WHERE a.case_id = "
                "sc.case_id AND " + live + ") FROM stage_case sc WHERE sc.stage_id = ?",
                sid, sid)
        wrong = [(c, m) for c, m in per if m != k]
        if wrong:
            bad.append("%d cases without exactly %d reviewers, e.g. %r" % (len(wrong), k,
                                                                          wrong[:3]))
    loads = q(env, "SELECT r.user_id, r.max_load, (SELECT count(*) FROM assignment a WHERE "
              "a.user_id = r.user_id AND " + live + ") FROM reviewer r JOIN \"user\" u ON "
              "u.id = r.user_id WHERE r.active = 1 AND r.max_load > 0 AND u.disabled = 0 AND "
              "NOT EXISTS (SELECT 1 FROM assignment d WHERE d.user_id = r.user_id AND "
              "d.stage_id = ? AND d.state = 'dropped')", sid, sid)
    over = [(u, m, n) for u, m, n in loads if n > m]
    if over:
        bad.append("%d reviewers above their maximum load" % len(over))
    if balanced and loads:
        ns = [n for _, _, n in loads]
        if max(ns) - min(ns) > 1:
            bad.append("loads %d..%d differ by more than one" % (min(ns), max(ns)))
    return bad


SETTINGS = {"reviewers_per_case": "5", "max_same_region": "2", "blind": "1",
            "aggregation": "trimmed", "trim_k": "1", "trim_min": "5", "previous_weight": "0.2",
            "vote_weight": "0.3", "quorum": "3", "advance_rule": "top", "advance_n": "30",
            "advance_threshold": "0", "crit_name_1": "创新性", "crit_desc_1": "做法新",
            "crit_max_1": "40", "crit_weight_1": "1", "crit_name_2": "实效性",
            "crit_max_2": "60", "crit_weight_2": "1.5"}


def test_stages_list_finds_the_campaign_under_review(env):
    m = env["org"].json("/admin/stages")
    assert m["campaign_id"] == env["campaign"], (
        "expected /admin/stages to be the campaign under review %d, saw %r"
        % (env["campaign"], m["campaign_id"]))
    states = {s["id"]: s["state"] for s in m["stages"]}
    assert states.get(env["released"]) == "released" and states.get(env["setup"]) == "setup", (
        "expected the released and setup stages in the list, saw %r" % states)
    seqs = [s["seq"] for s in m["stages"]]
    assert seqs == sorted(seqs), "expected stages in seq order, saw %r" % seqs
    r = env["org"].get("/admin/stages")
    assert r.status_code == 200 and "/admin/stages/%d" % env["setup"] in r.text
    admin = env["org"].get("/admin").text
    assert 'href="/admin/stages?campaign=' in admin, "expected the dashboard to link its stages"


@pytest.mark.parametrize("field,value", [
    ("reviewers_per_case", "0"), ("reviewers_per_case", "abc"), ("max_same_region", "-1"),
    ("aggregation", "mode"), ("trim_min", "2"), ("vote_weight", "0.9"), ("quorum", "6"),
    ("advance_rule", "lottery"), ("advance_threshold", "101"), ("crit_max_1", "0"),
    ("crit_weight_2", "-1"),
])
def test_settings_validation_refuses(env, field, value):
    sid = env["review_setup"]
    before = stage_row(env, sid)
    crit = q(env, "SELECT name, max_score, weight FROM criterion WHERE stage_id = ? ORDER BY seq",
             sid)
    r = env["org"].post("/admin/stages/%d" % sid, dict(SETTINGS, **{field: value}), json=True)
    assert r.status_code == 422, "expected %s=%s refused with 422, saw %d: %s" % (
        field, value, r.status_code, r.text[:300])
    errors = r.json().get("errors") or {}
    assert field in errors, "expected the refused field %s named in errors, saw %r" % (
        field, r.json())
    assert stage_row(env, sid) == before and q(
        env, "SELECT name, max_score, weight FROM criterion WHERE stage_id = ? ORDER BY seq",
        sid) == crit, "expected nothing stored after a refused form"


def test_refused_settings_shown_again_as_typed(env):
    """A refused form comes back at 422 with what was typed, so nothing typed is lost."""
    sid = env["review_setup"]
    typed = dict(SETTINGS, crit_name_1="新的评分标准", quorum="6")
    r = env["org"].post("/admin/stages/%d" % sid, typed)
    assert r.status_code == 422, "expected 422, saw %d" % r.status_code
    assert "新的评分标准" in r.text, "expected the typed criterion shown again"
    assert 'role="alert"' in r.text, "expected the refusal announced to screen readers"


def test_stage_pages_have_json_twins(env):
    sid = env["setup"]
    for path in ("/admin/stages", "/admin/stages/%d" % sid, "/admin/stages/%d/pool" % sid,
                 "/admin/stages/%d/reviewers" % sid, "/admin/stages/%d/conflicts" % sid,
                 "/admin/stages/%d/assignments" % sid, "/admin/stages/%d/progress" % sid):
        m = env["org"].json(path)
        assert "stages" in m or m.get("stage", {}).get("id") == sid, (path, list(m)[:10])


def test_settings_saved_and_locked_after_release(env):
    sid = env["review_setup"]
    r = env["org"].post("/admin/stages/%d" % sid, SETTINGS)
    assert r.status_code == 303, "expected valid settings saved (303), saw %d: %s" % (
        r.status_code, r.text[:300])
    assert stage_row(env, sid) == ("setup", 5, 2, 1, 5, 0.3, 3), stage_row(env, sid)
    crit = q(env, "SELECT name, description, max_score, weight FROM criterion WHERE "
             "stage_id = ? ORDER BY seq", sid)
    assert crit == [("创新性", "做法新", 40.0, 1.0), ("实效性", "", 60.0, 1.5)], crit
    m = env["org"].json("/admin/stages/%d" % sid)
    assert [c["name"] for c in m["criteria"] if c["name"]] == ["创新性", "实效性"]
    # The released stage's settings are locked.
    rel = env["released"]
    before = stage_row(env, rel)
    r = env["org"].post("/admin/stages/%d" % rel, SETTINGS, json=True)
    assert r.status_code == 409, "expected settings of a released stage refused (409), saw %d" % (
        r.status_code)
    assert stage_row(env, rel) == before


def test_fill_pool_and_propose(env):
    sid = env["setup"]
    r = env["org"].post("/admin/stages/%d/pool" % sid)
    assert r.status_code == 303, "expected the pool filled (303), saw %d: %s" % (
        r.status_code, r.text[:300])
    pool = q(env, "SELECT count(*) FROM stage_case WHERE stage_id = ?", sid)[0][0]
    src = q(env, "SELECT count(*) FROM stage_case WHERE stage_id = ? AND advanced = 1",
            env["prev"])[0][0]
    assert pool == src > 0, "expected the pool to be the previous stage's %d advanced cases, " \
        "saw %d" % (src, pool)
    assert env["org"].json("/admin/stages/%d/pool" % sid)["count"] == pool
    r = env["org"].post("/admin/stages/%d/assign" % sid, json=True)
    assert r.status_code == 200, "expected a proposal, saw %d: %s" % (r.status_code, r.text[:500])
    m = r.json()
    assert m["ok"] and m["violations"] == 0 and m["pairs"] == pool * 5, m
    assert m["load_max"] - m["load_min"] <= 1, m
    assert float(m["total_ms"]) >= 0 and m["cases"] == pool
    assert stage_row(env, sid)[0] == "proposed"
    assert q(env, "SELECT count(*), min(state), max(state) FROM assignment WHERE stage_id = ?",
             sid)[0] == (pool * 5, "proposed", "proposed")
    bad = violations(env, sid, k=5, balanced=True)
    assert not bad, "expected every rule kept in the proposal; saw: %s" % "; ".join(bad)
    # A second proposal replaces the first.
    r = env["org"].post("/admin/stages/%d/assign" % sid, json=True)
    assert r.status_code == 200
    assert q(env, "SELECT count(*) FROM assignment WHERE stage_id = ?", sid)[0][0] == pool * 5
    # The page shows the outcome with its timing.
    r = env["org"].post("/admin/stages/%d/assign" % sid)
    assert r.status_code == 200 and " ms" in r.text


def test_cli_dry_run(env):
    out = subprocess.run([LAUREL_BIN, "assign", "--data", env["data"], "--stage",
                          str(env["setup_seq"]), "--dry-run"] + db_args(env["data"]),
                         capture_output=True, timeout=120)
    text = out.stdout.decode()
    assert out.returncode == 0, "expected laurel assign --dry-run to exit 0, saw %d: %s %s" % (
        out.returncode, text, out.stderr.decode())
    assert "violations 0" in text and "dry run" in text and "cases" in text, text
    out = subprocess.run([LAUREL_BIN, "assign", "--data", env["data"], "--stage", "99",
                          "--dry-run"] + db_args(env["data"]), capture_output=True, timeout=60)
    assert out.returncode == 1


def test_infeasible_is_explained_and_stores_nothing(env):
    sid = env["setup"]
    org = env["org"]
    before = q(env, "SELECT case_id, user_id, state FROM assignment WHERE stage_id = ? "
               "ORDER BY 1, 2", sid)
    c0, reg, unit = q(env, "SELECT c.id, c.region_code, c.unit_id FROM stage_case sc JOIN "
                      "\"case\" c ON c.id = sc.case_id WHERE sc.stage_id = ? ORDER BY c.id "
                      "LIMIT 1", sid)[0]
    eligible = [u for u, in q(env, "SELECT r.user_id FROM reviewer r JOIN \"user\" u ON "
                              "u.id = r.user_id WHERE r.active = 1 AND r.max_load > 0 AND "
                              "coalesce(r.region_code, '') <> ? AND coalesce(r.unit_id, 0) <> ? "
                              "AND NOT EXISTS (SELECT 1 FROM conflict k WHERE k.case_id = ? "
                              "AND k.user_id = r.user_id) ORDER BY r.user_id", reg, unit, c0)]
    added = eligible[3:]  # leave 3 eligible reviewers for a case that needs 5
    try:
        for u in added:
            r = org.post("/admin/stages/%d/conflicts" % sid,
                         {"action": "add", "case_id": c0, "user_id": u, "reason": "测试回避"})
            assert r.status_code == 303, "expected the conflict added, saw %d: %s" % (
                r.status_code, r.text[:300])
        listed = org.json("/admin/stages/%d/conflicts" % sid)["conflicts"]
        assert sum(1 for c in listed if c["case_id"] == c0) >= len(added)
        r = org.post("/admin/stages/%d/assign" % sid, json=True)
        assert r.status_code == 422, "expected an infeasible proposal refused (422), saw %d: %s" \
            % (r.status_code, r.text[:300])
        m = r.json()
        assert not m["ok"] and m["infeasible"] and re.search(r"\d", m["message"]), (
            "expected the reason in numbers, saw %r" % m)
        assert str(c0) in m["message"] or "3" in m["message"], m["message"]
        assert q(env, "SELECT case_id, user_id, state FROM assignment WHERE stage_id = ? "
                 "ORDER BY 1, 2", sid) == before, "expected nothing stored when infeasible"
        page = org.post("/admin/stages/%d/assign" % sid)
        assert page.status_code == 422 and m["message"][:20] in page.text
    finally:
        for u in added:
            org.post("/admin/stages/%d/conflicts" % sid,
                     {"action": "remove", "case_id": c0, "user_id": u})
    assert not q(env, "SELECT count(*) FROM conflict WHERE case_id = ? AND reason = '测试回避'",
                 c0)[0][0]


def test_manual_edits_are_checked(env):
    sid = env["setup"]
    org = env["org"]
    path = "/admin/stages/%d/assignments" % sid
    c0, reg, unit = q(env, "SELECT c.id, c.region_code, c.unit_id FROM stage_case sc JOIN "
                      "\"case\" c ON c.id = sc.case_id WHERE sc.stage_id = ? ORDER BY c.id "
                      "LIMIT 1", sid)[0]
    cur = [u for u, in q(env, "SELECT user_id FROM assignment WHERE stage_id = ? AND "
                         "case_id = ? ORDER BY user_id", sid, c0)]
    assert len(cur) == 5
    count = lambda: q(env, "SELECT count(*) FROM assignment WHERE stage_id = ?", sid)[0][0]  # noqa
    n0 = count()
    own = q(env, "SELECT user_id FROM reviewer WHERE region_code = ? AND active = 1 LIMIT 1",
            reg)[0][0]
    r = org.post(path + "/add", {"case_id": c0, "user_id": own}, json=True)
    assert r.status_code == 422 and "error" in r.json(), (
        "expected a reviewer of the case's own region refused (422), saw %d: %s"
        % (r.status_code, r.text[:300]))
    other = q(env, "SELECT user_id FROM reviewer WHERE coalesce(region_code, '') <> ? AND "
              "coalesce(unit_id, 0) <> ? AND active = 1 AND user_id NOT IN (%s) LIMIT 1"
              % ",".join(map(str, cur)), reg, unit)[0][0]
    r = org.post(path + "/add", {"case_id": c0, "user_id": other}, json=True)
    assert r.status_code == 409, "expected a sixth reviewer refused (409), saw %d: %s" % (
        r.status_code, r.text[:300])
    # A conflict row is enforced like the automatic ones.
    r = org.post("/admin/stages/%d/conflicts" % sid,
                 {"action": "add", "case_id": c0, "user_id": other, "reason": "同事"})
    assert r.status_code == 303
    r = org.post(path + "/remove", {"case_id": c0, "user_id": cur[0]})
    assert r.status_code == 303 and "warn=1" in r.headers["Location"], (
        "expected a removal below k allowed with a warning before release, saw %d %r"
        % (r.status_code, r.headers.get("Location")))
    assert "少于规定人数" in org.get(r.headers["Location"]).text, "expected the warning shown"
    r = org.post(path + "/add", {"case_id": c0, "user_id": other}, json=True)
    assert r.status_code == 422, "expected the conflicted reviewer refused, saw %d" % r.status_code
    assert count() == n0 - 1
    r = org.post(path + "/add", {"case_id": c0, "user_id": cur[0]})
    assert r.status_code == 303, "expected the reviewer put back, saw %d: %s" % (
        r.status_code, r.text[:300])
    assert count() == n0
    bad = violations(env, sid, k=5)
    assert not bad, "; ".join(bad)
    m = org.json(path)
    assert m["count"] > 0 and m["cases"][0]["reviewers"][0]["region_name"]
    assert all("assigned" in v for v in m["reviewers"])


def test_release_notifies_reviewers(env):
    sid = env["setup"]
    org = env["org"]
    per = dict(q(env, "SELECT u.email, count(*) FROM assignment a JOIN \"user\" u ON "
                 "u.id = a.user_id WHERE a.stage_id = ? AND a.state = 'proposed' GROUP BY 1",
                 sid))
    top = q(env, "SELECT coalesce(max(id), 0) FROM outbox")[0][0]
    # The button asks first, saying to how many cases and how many experts each.
    page = org.get("/admin/stages/%d/assignments" % sid)
    n = q(env, "SELECT count(*) FROM stage_case WHERE stage_id = ?", sid)[0][0]
    assert "将把 %d 个案例的评审任务发给评审专家" % n in page.text, (
        "expected the release to ask first, naming %d cases" % n)
    r = org.post("/admin/stages/%d/release" % sid)
    assert r.status_code == 303, "expected the release (303), saw %d: %s" % (
        r.status_code, r.text[:300])
    assert stage_row(env, sid)[0] == "released"
    assert q(env, "SELECT DISTINCT state FROM assignment WHERE stage_id = ?", sid) == [
        ("released",)]
    mails = q(env, "SELECT to_addr, subject, body FROM outbox WHERE id > ?", top)
    got = {}
    for to, subject, body in mails:
        m = re.match(r"您有 (\d+) 个案例待评审", subject)
        assert m and "/review" in body, (subject, body)
        got[to] = int(m.group(1))
    assert got == per, "expected one message per reviewer with their count"
    r = org.post("/admin/stages/%d/release" % sid, json=True)
    assert r.status_code == 409
    r = org.post("/admin/stages/%d/assign" % sid, json=True)
    assert r.status_code == 409, "expected no new proposal after release"
    # After release a case may not fall below k.
    c0, u0 = q(env, "SELECT case_id, user_id FROM assignment WHERE stage_id = ? LIMIT 1", sid)[0]
    r = org.post("/admin/stages/%d/assignments/remove" % sid, {"case_id": c0, "user_id": u0},
                 json=True)
    assert r.status_code == 409


@pytest.mark.parametrize("which", ["setup", "released"])
def test_drop_out_is_reassigned(env, which):
    """'setup' is the stage just released above; 'released' is the demo's stage with reviews
    under way (submitted reviews stay with their reviewer)."""
    sid = env[which]
    org = env["org"]
    k = stage_row(env, sid)[1]
    u = q(env, "SELECT a.user_id FROM assignment a WHERE a.stage_id = ? AND a.state = "
          "'released' AND NOT EXISTS (SELECT 1 FROM review v WHERE v.stage_id = a.stage_id AND "
          "v.case_id = a.case_id AND v.user_id = a.user_id AND v.status = 'submitted') "
          "GROUP BY a.user_id ORDER BY count(*) DESC, a.user_id LIMIT 1", sid)[0][0]
    open_cases = [c for c, in q(env, "SELECT a.case_id FROM assignment a WHERE a.stage_id = ? "
                                "AND a.user_id = ? AND a.state = 'released' AND NOT EXISTS "
                                "(SELECT 1 FROM review v WHERE v.stage_id = a.stage_id AND "
                                "v.case_id = a.case_id AND v.user_id = a.user_id AND "
                                "v.status = 'submitted')", sid, u)]
    live_before = dict(q(env, "SELECT case_id, count(*) FROM assignment WHERE stage_id = ? "
                         "AND state <> 'dropped' GROUP BY case_id", sid))
    top = q(env, "SELECT coalesce(max(id), 0) FROM outbox")[0][0]
    r = org.post("/admin/stages/%d/reviewers/%d/drop" % (sid, u))
    assert r.status_code == 303, "expected the drop-out handled (303), saw %d: %s" % (
        r.status_code, r.text[:500])
    states = dict(q(env, "SELECT case_id, state FROM assignment WHERE stage_id = ? AND "
                    "user_id = ?", sid, u))
    assert all(states[c] == "dropped" for c in open_cases), states
    assert not any(s == "dropped" for c, s in states.items() if c not in open_cases)
    live_after = dict(q(env, "SELECT case_id, count(*) FROM assignment WHERE stage_id = ? "
                        "AND state <> 'dropped' GROUP BY case_id", sid))
    assert live_after == live_before, "expected every open case to get a replacement"
    bad = violations(env, sid, k=k if which == "setup" else None)
    assert not bad, "expected the replacements to keep the rules; saw: %s" % "; ".join(bad)
    new = q(env, "SELECT DISTINCT a.user_id FROM assignment a WHERE a.stage_id = ? AND "
            "a.case_id IN (%s) AND a.at >= (SELECT max(at) FROM assignment WHERE stage_id = ?) "
            "AND a.state = 'released'" % ",".join(map(str, open_cases)), sid, sid)
    assert new and u not in [x for x, in new]
    assert q(env, "SELECT count(*) FROM outbox WHERE id > ?", top)[0][0] >= 1, (
        "expected the new reviewers notified")
    page = org.get("/admin/stages/%d/reviewers" % sid).text
    assert "已退出" in page, "expected the drop-out marked on the reviewers page"
    m = org.json("/admin/stages/%d/reviewers" % sid)
    assert [v["dropped"] for v in m["reviewers"] if v["user_id"] == u] == [True]
    r = org.post("/admin/stages/%d/assignments/add" % sid,
                 {"case_id": open_cases[0], "user_id": u}, json=True)
    assert r.status_code in (409, 422)


def test_progress_and_reminders(env):
    sid = env["released"]
    org = env["org"]
    m = org.json("/admin/stages/%d/progress" % sid)
    assigned = q(env, "SELECT count(*) FROM assignment WHERE stage_id = ? AND state = "
                 "'released'", sid)[0][0]
    assert m["totals"]["assigned"] == assigned
    assert sum(r["assigned"] for r in m["regions"]) == assigned
    assert sum(r["assigned"] for r in m["reviewers"]) == assigned
    submitted = q(env, "SELECT count(*) FROM review v JOIN assignment a USING (stage_id, "
                  "case_id, user_id) WHERE v.stage_id = ? AND v.status = 'submitted' AND "
                  "a.state = 'released'", sid)[0][0]
    assert m["totals"]["submitted"] == submitted
    want = q(env, "SELECT count(DISTINCT a.user_id) FROM assignment a WHERE a.stage_id = ? AND "
             "a.state = 'released' AND NOT EXISTS (SELECT 1 FROM review v WHERE v.stage_id = "
             "a.stage_id AND v.case_id = a.case_id AND v.user_id = a.user_id AND "
             "v.status = 'submitted')", sid)[0][0]
    top = q(env, "SELECT coalesce(max(id), 0) FROM outbox")[0][0]
    r = org.post("/admin/stages/%d/remind" % sid)
    assert r.status_code == 303 and "reminded=%d" % want in r.headers["Location"], (
        r.status_code, r.headers.get("Location"), want)
    assert q(env, "SELECT count(*) FROM outbox WHERE id > ?", top)[0][0] == want
    page = org.get("/admin/stages/%d/progress" % sid)
    assert page.status_code == 200 and "<progress" in page.text
