"""Fraud flags on an exhibition's votes, end to end over HTTP: the demo's planted fraud found
and its honest votes left alone; patterns planted through the vote API (a run of consecutive
phone numbers whose voters all voted for one case, many new voters from one network prefix)
found on "check again" while honest voters stay unflagged; a void with its reason, who and
when, and the recount that the case pages and the ranking read.

The server, its demo and the sinks are this module's own (the fixtures of test_votes.py).
"""
import hashlib
import random

import requests

from conftest import HTTP_TIMEOUT, JSON, csrf, db_connect
from test_votes import cases_of, code_for, org, post, set_voting, sinks, srv, stages

__all__ = ["org", "sinks", "srv", "stages"]  # the fixtures, used by name

PLANTED_NETS = ("103.", "175.9.")  # the demo's bought burst and its code farm (src/demo/votes.c)


def flags(srv, org, stage):
    r = org.get(srv.url + "/api/v1/admin/stages/%d/flags" % stage, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text[:300]
    return r.json()["flags"]


def check_again(srv, org, stage):
    path = "/admin/stages/%d/flags" % stage
    r = org.post(srv.url + path, data={"csrf": csrf(org, srv.url, path)}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and "已重新核查" in r.text, r.text[:300]
    return flags(srv, org, stage)


def flagged_votes(srv, stage):
    """{vote id: net} of the votes in the stage's flags not voided."""
    db = db_connect(srv.data)
    return dict(db.execute(
        "SELECT v.id, v.net FROM vote_flag f JOIN vote_flag_vote m ON m.flag_id = f.id "
        "JOIN vote v ON v.id = m.vote_id WHERE f.stage_id = ? AND f.voided_at IS NULL", (stage,)))


def test_demo_planted_fraud_found_honest_votes_left_alone(srv, org, stages):
    stage = stages[0]
    found = flags(srv, org, stage)
    rules = sorted(f["rule"] for f in found)
    assert rules == ["burst"] * 3 + ["ring"] * 3 + ["run"], rules
    bursts = {f["case"]["id"] for f in found if f["rule"] == "burst"}
    assert bursts == {f["case"]["id"] for f in found if f["rule"] == "ring"}
    for f in found:
        ev = f["evidence"]
        if f["rule"] == "burst":
            assert ev["max_in_window"] >= 30 and float(ev["ratio"]) >= 10, f
        if f["rule"] == "run":
            assert (ev["numbers"], ev["from"], ev["to"], ev["verified"]) == (60, "2000", "2059", 50)
    # Every flagged vote is a planted one, and every planted vote is flagged.
    db = db_connect(srv.data)
    flagged = flagged_votes(srv, stage)
    assert flagged and all(net.startswith(PLANTED_NETS) for net in flagged.values())
    planted = {i for (i,) in db.execute(
        "SELECT id FROM vote WHERE stage_id = ? AND (net LIKE '103.%' OR net LIKE '175.9.%')",
        (stage,))}
    assert planted == set(flagged)
    honest = db.execute("SELECT count(*) FROM vote WHERE stage_id = ? AND net NOT LIKE '103.%' "
                        "AND net NOT LIKE '175.9.%'", (stage,)).fetchone()[0]
    assert honest > 5000, honest
    # The organiser's page explains each group in numbers, in Chinese.
    r = org.get(srv.url + "/admin/stages/%d/flags" % stage, timeout=HTTP_TIMEOUT)
    assert "突增" in r.text and "连号手机" in r.text and "倍" in r.text and "尾号 2000–2059" in r.text


def voter_from(srv, sinks, stage, phone, session=None):
    s = session or requests
    r = s.post(srv.url + "/api/v1/votes/code", json={"stage": stage, "phone": phone},
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 202, r.text
    code = code_for(sinks, phone)
    r = s.post(srv.url + "/api/v1/votes/verify", json={"stage": stage, "phone": phone,
                                                      "code": code}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["token"]


def test_patterns_planted_through_the_api_are_found(srv, org, sinks, stages):
    stage = stages[0]
    set_voting(srv, org, stage, per_net=100000)
    cases = cases_of(srv, stage)
    target = cases[77]
    # Twelve consecutive numbers, each voter voting for the target case alone.
    run = ["1398765%04d" % (100 + i) for i in range(12)]
    run_tokens = [voter_from(srv, sinks, stage, p) for p in run]
    run_votes = [post(srv, "/votes", {"case": target}, token=t, status=201).json()
                 for t in run_tokens]
    # Honest voters: random numbers (test_votes' new_phone counts up: a run), three cases each.
    rng = random.Random()
    honest_tokens = [voter_from(srv, sinks, stage, "13%d%08d" % (rng.randrange(5, 10),
                                                                 rng.randrange(10 ** 8)))
                     for _ in range(6)]
    honest_ids = []
    for i, t in enumerate(honest_tokens):
        for c in cases[90 + i:93 + i]:
            post(srv, "/votes", {"case": c}, token=t, status=201)
        honest_ids.append(hashlib.sha256(t.encode()).hexdigest())
    found = check_again(srv, org, stage)
    mine = [f for f in found if f["case"]["id"] == target]
    assert sorted(f["rule"] for f in mine) == ["ring", "run"], mine
    run_flag = [f for f in mine if f["rule"] == "run"][0]
    assert run_flag["evidence"]["numbers"] == 12 and run_flag["votes"] == 12, run_flag
    assert (run_flag["evidence"]["from"], run_flag["evidence"]["to"]) == ("0100", "0111")
    ring = [f for f in mine if f["rule"] == "ring"][0]
    assert ring["voters"] == 12 and ring["evidence"]["span_s"] < 600, ring
    # No honest voter's vote is in any flag; 127.0.0.0/24 has 18 new voters, under 20.
    db = db_connect(srv.data)
    flagged = set(flagged_votes(srv, stage))
    honest = {i for (i,) in db.execute(
        "SELECT v.id FROM vote v JOIN voter_token t ON t.voter_id = v.voter_id WHERE "
        "t.token_hash IN (%s)" % ",".join("?" * len(honest_ids)), honest_ids)}
    assert len(honest) == 18 and not honest & flagged
    assert not [f for f in found if f["rule"] == "network"]
    # With a threshold of 15 new voters an hour, this prefix is flagged, with all 18 voters.
    set_voting(srv, org, stage, per_net=100000, net_min=15)
    found = check_again(srv, org, stage)
    net = [f for f in found if f["rule"] == "network"]
    assert len(net) == 1 and net[0]["evidence"]["prefix"] == "127.0.0.0/24", net
    assert net[0]["voters"] >= 18 and net[0]["evidence"]["new_voters"] >= 18, net
    set_voting(srv, org, stage)
    check_again(srv, org, stage)
    assert run_votes[-1]["votes"] >= 12


def total(srv, stage, case):
    return db_connect(srv.data).execute(
        "SELECT coalesce(sum(votes), 0) FROM vote_total WHERE stage_id=? AND case_id=?",
        (stage, case)).fetchone()[0]


def test_void_keeps_votes_marks_them_and_recounts(srv, org, stages):
    stage = stages[0]
    burst = [f for f in flags(srv, org, stage) if f["rule"] == "burst"][0]
    case, fid = burst["case"]["id"], burst["id"]
    db = db_connect(srv.data)
    rows = db.execute("SELECT count(*) FROM vote WHERE stage_id = ?", (stage,)).fetchone()[0]
    in_flag = db.execute("SELECT count(*) FROM vote_flag_vote m JOIN vote v ON v.id = m.vote_id "
                         "WHERE m.flag_id = ? AND v.case_id = ? AND v.valid = 1",
                         (fid, case)).fetchone()[0]
    before = total(srv, stage, case)
    assert in_flag == 350 and before >= in_flag
    path = "/admin/stages/%d/flags/%d" % (stage, fid)
    r = org.get(srv.url + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and "作废这组票" in r.text and "103.4" in r.text
    # No reason: 422, nothing voided.
    r = org.post(srv.url + path + "/void", data={"csrf": csrf(org, srv.url, path), "reason": ""},
                 allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 422 and "请填写作废理由" in r.text
    assert total(srv, stage, case) == before
    reason = "同一时段大量新号码集中投票，经核实为刷票"
    r = org.post(srv.url + path + "/void", data={"csrf": csrf(org, srv.url, path),
                                                 "reason": reason},
                 allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, r.text[:300]
    after = total(srv, stage, case)
    assert after == before - in_flag
    # The votes are kept, marked, and point to the void; who, when and why are recorded.
    assert db.execute("SELECT count(*) FROM vote WHERE stage_id = ?", (stage,)).fetchone()[0] == rows
    assert db.execute("SELECT count(*) FROM vote WHERE void_flag = ? AND valid = 0",
                      (fid,)).fetchone()[0] == in_flag
    v = [f for f in flags(srv, org, stage) if f["id"] == fid][0]["void"]
    assert v["reason"] == reason and v["by"] and v["at"] and v["votes"] == in_flag, v
    # The case's vote page shows the valid count; the list sorts by it.
    r = requests.get(srv.url + "/api/v1/cases/%d/vote" % case, headers=JSON, timeout=HTTP_TIMEOUT)
    assert r.json()["votes"] == after
    # A second void is refused; checking again keeps the void and flags none of its votes.
    r = org.post(srv.url + path + "/void", data={"csrf": csrf(org, srv.url, path),
                                                 "reason": "again"},
                 allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 409 and "已经作废过了" in r.text
    found = check_again(srv, org, stage)
    assert [f for f in found if f["id"] == fid][0]["void"]["reason"] == reason
    assert not [f for f in found if f["case"]["id"] == case and "void" not in f], found
    assert total(srv, stage, case) == after
