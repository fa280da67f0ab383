"""The demo's 2019 results came through the pipeline, not from the loader: reviews ranked
by the system in both review rounds, votes cast in the exhibition, a jury's secret ballot
with a quorum and its tally, the system's tier proposal, a 公示 with three objections (one
upheld, whose place went to the next elected case, two rejected with a written answer) and
its close, which wrote the tiers.  The outcome is the real one: 40 best, 90 excellent,
Shanghai 5 + 8 with its 13 real titles and the most awards of any region.  The organiser's
steps are in the audit chain under the demo organiser's name, and the chain verifies.

Read-only: it uses the session's shared demo server and reads its database."""
import json
import os
import subprocess

import pytest

from conftest import HTTP_TIMEOUT, JSON, LAUREL_BIN, db_args, db_columns, db_connect, login

SHANGHAI_BEST = [
    "上海市：城市发展新空间 基层党建新亮点——上海探索“滨江党建”的创新与实践",
    "上海市陆家嘴金融贸易区：凝心聚力，共商共治，陆家嘴金融城楼宇党建工作模式创新",
    "上海市金山区：“毗邻党建”引领沪浙跨界协同治理的探索与实践",
    "上海机场（集团）：党建引领，创新共赢，探索“空港社区”治理新路径——上海“空港党建”模式的"
    "创新与实践",
    "上海市宝山区：“社区通”构建互联网时代党建引领基层社会治理新模式",
]
SHANGHAI_EXCELLENT = [
    "上海市闵行区：“党建领航·红色物业”——党建引领下的业委会和物业服务行业建设的闵行经验",
    "上海市静安区临汾路街道：以组织体系建设为重点，构建“互联网+”时代党建“三三制”工作新体系",
    "上海市黄浦区半淞园路街道：以党建引领业委会规范化建设，破解社区治理难题",
    "上海市浦东新区周家渡街道：“家庭小党校”牵动社区治理大格局",
    "上海市闵行区古美路街道：党建引领社区共治共建共享“融乐家园”",
    "上海市杨浦区四平路街道：睦邻党建筑“共治”格局 多方联动促“美好”生活",
    "上海市嘉定区嘉定镇街道：睦邻党建——打造有温度的城市社区共同体",
    "上海市浦东高行镇：实施“红色引擎工程”提升组织力 探索党建引领社会治理新路径",
]


@pytest.fixture(scope="module")
def db(laurel_server):
    c = db_connect(laurel_server.data, readonly=True)
    yield c
    c.close()


def q(db, sql, *args):
    return db.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def camp(db):
    """The 2019 campaign's id and its stages {kind/seq: id}."""
    cid = q(db, "SELECT id FROM campaign WHERE slug = '2019'")[0][0]
    stages = dict(q(db, "SELECT seq, id FROM stage WHERE campaign_id = ?", cid))
    kinds = [k for (k,) in q(db, "SELECT kind FROM stage WHERE campaign_id = ? ORDER BY seq",
                             cid)]
    assert kinds == ["review", "exhibition", "review", "ballot"], kinds
    return {"id": cid, "stages": stages, "ballot": stages[4]}


def test_review_rounds_were_scored_and_ranked_by_the_system(db, camp):
    s = camp["stages"]
    for seq, pool, per_case in ((1, 4000, 3), (3, 400, 5)):
        n = q(db, "SELECT count(*), count(rank), sum(advanced) FROM stage_case WHERE stage_id = ?",
              s[seq])[0]
        advance = q(db, "SELECT advance_n FROM stage WHERE id = ?", s[seq])[0][0]
        assert n == (pool, pool, advance), (seq, n)
        reviews = q(db, "SELECT count(*) FROM review WHERE stage_id = ? AND status = 'submitted'",
                    s[seq])[0][0]
        assert reviews == pool * per_case, (seq, reviews)
        # Ranked from the reviews: the ranking's explanation names them.
        ex = len(json.loads(q(db, "SELECT explanation FROM stage_case WHERE stage_id = ? "
                              "LIMIT 1", s[seq])[0][0])["scores"])
        assert ex == per_case, (seq, ex)
    states = [st for (st,) in q(db, "SELECT state FROM stage WHERE campaign_id = ? ORDER BY seq",
                                camp["id"])]
    assert states == ["advanced", "advanced", "advanced", "ranked"], states


def test_the_exhibition_had_votes_cast_through_the_vote_path(db, camp):
    ex = camp["stages"][2]
    votes, voters = q(db, "SELECT count(*), count(DISTINCT voter_id) FROM vote WHERE "
                      "stage_id = ? AND valid = 1", ex)[0]
    assert votes > 1000 and voters > 200, (votes, voters)
    days = q(db, "SELECT min(day), max(day) FROM vote WHERE stage_id = ?", ex)[0]
    assert "2019-03-01" <= days[0] <= days[1] <= "2019-05-31", days
    # The 复评 ranking counted them at 30 %.
    w = json.loads(q(db, "SELECT explanation FROM stage_case WHERE stage_id = ? LIMIT 1",
                     camp["stages"][3])[0][0])["w_votes"]
    assert w == pytest.approx(0.3), w


def test_the_jury_sat_with_a_quorum_and_the_ballot_was_tallied(db, camp, laurel_server):
    b = camp["ballot"]
    places, quorum = q(db, "SELECT ballot_places, jury_quorum FROM stage WHERE id = ?", b)[0]
    assert quorum <= 13 and places >= 131, (places, quorum)
    sittings = q(db, "SELECT id, round, state, present FROM sitting WHERE stage_id = ?", b)
    assert len(sittings) == 1 and sittings[0][1:] == (1, "tallied", 13), sittings
    sid = sittings[0][0]
    jurors = q(db, "SELECT count(*), sum(present) FROM juror WHERE stage_id = ?", b)[0]
    assert jurors == (15, 13), jurors
    assert q(db, "SELECT count(*) FROM ballot_cast WHERE sitting_id = ?", sid) == [(13,)]
    assert q(db, "SELECT count(*) FROM ballot WHERE sitting_id = ?", sid) == [(13,)]
    # Secret: what was cast is kept apart from who cast it.
    cols = db_columns(laurel_server.data, "ballot")
    assert "user_id" not in cols, cols
    passed = q(db, "SELECT count(*), sum(passed), sum(elected), sum(runoff) FROM sitting_case "
               "WHERE sitting_id = ?", sid)[0]
    assert passed[1:] == (131, 131, 0), passed
    # A pass is more than half of the present jurors not in 回避.
    bad = q(db, "SELECT case_id FROM sitting_case WHERE sitting_id = ? AND "
            "passed <> CASE WHEN approvals * 2 > eligible THEN 1 ELSE 0 END", sid)
    assert not bad, bad


def test_awards_are_the_proposal_after_the_notice(db, camp):
    cid, b = camp["id"], camp["ballot"]
    awards = dict(q(db, "SELECT case_id, tier_id FROM award WHERE campaign_id = ?", cid))
    tiers = dict(q(db, "SELECT id, tier_id FROM \"case\" WHERE campaign_id = ? AND "
                   "tier_id IS NOT NULL", cid))
    assert tiers == awards and len(tiers) == 130
    # Every award went to a case the ballot elected, placed by the system's rule.
    elected = {c for (c,) in q(db, "SELECT case_id FROM stage_case WHERE stage_id = ? AND "
                               "advanced = 1", b)}
    assert set(awards) <= elected and len(elected) == 131
    assert q(db, "SELECT DISTINCT why FROM award WHERE campaign_id = ?", cid) == [("in_order",)]
    counts = dict(q(db, "SELECT t.slug, count(*) FROM award a JOIN tier t ON t.id = a.tier_id "
                    "WHERE a.campaign_id = ? GROUP BY t.slug", cid))
    assert counts == {"best": 40, "excellent": 90}, counts
    notice = q(db, "SELECT stage_id, state, days, starts_on, ends_on FROM notice "
               "WHERE campaign_id = ?", cid)
    assert notice and notice[0][:3] == (b, "closed", 5), notice
    assert notice[0][3] <= notice[0][4], notice


def test_the_notice_had_objections_one_upheld(db, camp):
    cid, b = camp["id"], camp["ballot"]
    rows = q(db, "SELECT case_id, state, answer FROM objection WHERE campaign_id = ? ORDER BY id",
             cid)
    assert sorted(s for _, s, _ in rows) == ["rejected", "rejected", "upheld"], rows
    assert all(a.strip() for _, _, a in rows), "expected every objection answered in writing"
    upheld = [c for c, s, _ in rows if s == "upheld"][0]
    # Upheld: out of the awards, no tier; it had passed the jury all the same.
    assert q(db, "SELECT tier_id FROM \"case\" WHERE id = ?", upheld) == [(None,)]
    assert q(db, "SELECT count(*) FROM award WHERE case_id = ?", upheld) == [(0,)]
    assert q(db, "SELECT advanced FROM stage_case WHERE stage_id = ? AND case_id = ?", b,
             upheld) == [(1,)]
    # The rejected ones keep their tiers.
    for c, s, _ in rows:
        if s == "rejected":
            assert q(db, "SELECT tier_id IS NOT NULL FROM \"case\" WHERE id = ?", c) == [(1,)]
    # The objectors were told (the answers went to the outbox).
    contacts = q(db, "SELECT contact FROM objection WHERE campaign_id = ?", cid)
    for (to,) in contacts:
        assert q(db, "SELECT count(*) FROM outbox WHERE to_addr = ? AND body LIKE '%异议%'",
                 to)[0][0] >= 1, to


def test_the_outcome_is_the_real_one(db, camp):
    cid = camp["id"]
    rows = q(db, "SELECT k.region_code, t.slug, k.title FROM \"case\" k JOIN tier t ON "
             "t.id = k.tier_id WHERE k.campaign_id = ?", cid)
    sh = [(slug, title) for code, slug, title in rows if code == "310000"]
    assert sorted(t for s, t in sh if s == "best") == sorted(SHANGHAI_BEST), sh
    assert sorted(t for s, t in sh if s == "excellent") == sorted(SHANGHAI_EXCELLENT), sh
    per_region = {}
    for code, _, _ in rows:
        per_region[code] = per_region.get(code, 0) + 1
    most_else = max(n for code, n in per_region.items() if code != "310000")
    assert per_region["310000"] == 13 > most_else, per_region


def test_the_organisers_steps_are_in_the_audit_chain(db, camp, laurel_server):
    org = q(db, "SELECT id FROM \"user\" WHERE email = 'organiser@demo.laurel'")[0][0]
    b = camp["ballot"]
    for what, obj in (("/admin/stages/{id}/tally", "/admin/stages/%d/tally" % b),
                      ("/admin/stages/{id}/tiers/propose", "/admin/stages/%d/tiers/propose" % b),
                      ("/admin/stages/{id}/notice", "/admin/stages/%d/notice" % b),
                      ("/admin/stages/{id}/notice/close", "/admin/stages/%d/notice/close" % b),
                      ("/admin/stages/{id}/rank",
                       "/admin/stages/%d/rank" % camp["stages"][1])):
        assert q(db, "SELECT who FROM audit WHERE what = ? AND object = ?", what, obj) == [
            (org,)], (what, obj)
    answers = q(db, "SELECT who, object FROM audit WHERE what = ? AND object LIKE ?",
                "/admin/stages/{id}/objections/{oid}", "/admin/stages/%d/objections/%%" % b)
    assert len(answers) == 3 and {w for w, _ in answers} == {org}, answers
    casts = q(db, "SELECT count(*) FROM audit WHERE what = '/ballot/{stage}/cast' AND "
              "object = ?", "/ballot/%d/cast" % b)
    assert casts == [(13,)]
    v = subprocess.run([LAUREL_BIN, "audit", "verify", "--data", laurel_server.data]
                       + db_args(laurel_server.data),
                       capture_output=True, timeout=120)
    assert v.returncode == 0 and b"intact" in v.stdout, (v.stdout, v.stderr)


def test_the_organisers_notice_page_tells_it(laurel_server, camp):
    s = login(laurel_server.url, "organiser@demo.laurel")
    r = s.get(laurel_server.url + "/admin/stages/%d/notice" % camp["ballot"], headers=JSON,
              timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.status_code
    m = r.json()
    assert m["current"]["state"] == "closed", m["current"]
    assert sorted(o["state"] for o in m["objections"]) == ["rejected", "rejected", "upheld"]
