"""The final ballot (终评) over HTTP: jury, quorum, ballots, secrecy, tally, runoff, tiers.

The module runs its own demo.  The organiser ranks and advances the campaign's 复评, which
fills the 终评's pool; then forms a jury of seven experts chosen from the database so that
two of them (J1, J2) share the region of one candidate X (回避), and five candidates A..E
belong to no juror's region or unit.  Six jurors are present, four places are voted:

    J1: A B C D      J2: A B C D      J3: A X B E
    J4: A X C E      J5: A X D        J6: A B C D

A has 6 of 6; X has 3 approvals of the 4 jurors not in 回避 (3 of 6 would not pass);
B, C, D have 4 of 6 each and tie across the last places, so the tally elects A and X and
proposes a runoff among exactly B, C, D for the two places left; E (2 of 6) fails.  In
the runoff B (6) and C (5) win, in that order, and D is approved by J5 alone: the marker of the secrecy crawl, which
checks that no page any role can reach holds J5's name or e-mail together with D's title
(unless it lists every juror and every candidate alike),
and that no response, log line or database byte holds a receipt.

Then the tiers: best (quota 3, at most 1 per region; A and B share a region) and
excellent: the proposal, in the order A X B C, puts A, X, C in best and B in excellent
because of the cap; no
change beyond a quota or cap is saved, also when many are sent at once.

Last the 公示: published from 2019-09-30 for 5 working days with a day off of the
organiser's own (2019-10-08), so over National Day it ends on Saturday 2019-10-12, an
adjusted working day; the proposal is frozen meanwhile, the public page lists it by tier
and region; objections need a name and an e-mail address verified by a code, stay the
organiser's, are rejected with an answer or upheld (the case out), the objector told by
e-mail each time; the notice does not close while one is open, and closing writes the
tiers to the cases.

Tests run in order and share the module's server.
"""
import concurrent.futures
import hashlib
import html.parser
import os
import re
import tempfile
import urllib.parse

import pytest
import requests

from test_access import route_table
from test_votes import Gateway
from conftest import (HTTP_TIMEOUT, JSON, LAUREL_BIN, LaurelServer, ON_PG, csrf, db_columns,
                      db_connect, db_tables, finish, login, make_demo)

RECEIPT_RE = re.compile(r'<code id="receipt">([^<]+)</code>')


def q(data, sql, *args):
    c = db_connect(data)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


class Who:
    """A signed-in browser (or an anonymous one) with its CSRF token."""

    def __init__(self, url, email=None):
        self.url, self.email = url, email
        if email:
            self.s = login(url, email)
            self.csrf = csrf(self.s, url, "/me")
        else:
            self.s = requests.Session()
            self.csrf = csrf(self.s, url, "/ballot-receipt")

    def get(self, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        return self.s.get(self.url + path, allow_redirects=False, **kw)

    def json(self, path):
        r = self.get(path, headers=JSON)
        assert r.status_code == 200, "expected 200 for %s, saw %d: %s" % (
            path, r.status_code, r.text[:300])
        return r.json()

    def post(self, path, data=None):
        d = list((data or {}).items()) if isinstance(data, dict) else list(data or [])
        d.append(("csrf", self.csrf))
        return self.s.post(self.url + path, data=d, allow_redirects=False, timeout=120)


def conflicted(data, uid, cid):
    return q(data, "SELECT EXISTS (SELECT 1 FROM reviewer r JOIN \"case\" c ON c.id = ?2 "
             "WHERE r.user_id = ?1 AND (r.region_code = c.region_code OR r.unit_id = c.unit_id)) "
             "OR EXISTS (SELECT 1 FROM conflict WHERE user_id = ?1 AND case_id = ?2)",
             uid, cid)[0][0]


def choose(data, ballot):
    """J1..J7 and the cases X, A..E as the module's docstring describes them."""
    pool = q(data, "SELECT c.id, c.region_code, c.unit_id, c.title FROM stage_case sc JOIN "
             "\"case\" c ON c.id = sc.case_id WHERE sc.stage_id = ? ORDER BY sc.case_id", ballot)
    experts = q(data, "SELECT u.id, u.email, u.name, r.region_code, r.unit_id FROM reviewer r "
                "JOIN \"user\" u ON u.id = r.user_id WHERE r.active = 1 AND "
                "r.region_code IS NOT NULL AND u.email LIKE 'expert%@demo.laurel' ORDER BY u.id")
    by_region = {}
    for e in experts:
        by_region.setdefault(e[3], []).append(e)
    pool_regions = {}
    for c in pool:
        pool_regions.setdefault(c[1], []).append(c)
    region = next(r for r, es in by_region.items() if len(es) >= 2 and r in pool_regions)
    j12 = by_region[region][:2]
    others = [e for e in experts if e[3] != region][:5]
    jurors = j12 + others
    ids = [j[0] for j in jurors]
    x = next(c for c in pool_regions[region]
             if all(not conflicted(data, u, c[0]) for u in ids[2:]))
    juror_regions = {j[3] for j in jurors}
    free = [c for c in pool if c[1] not in juror_regions
            and all(not conflicted(data, u, c[0]) for u in ids)]
    assert len(free) >= 5, "expected five candidates free of every juror's 回避, saw %d" % len(free)
    # A and B of one region (for the tiers' region cap), then C, D, E.
    by = {}
    for c in free:
        by.setdefault(c[1], []).append(c)
    a, b = next(cs for cs in by.values() if len(cs) >= 2)[:2]
    rest = [c for c in free if c not in (a, b)]
    cases = {"X": x, "A": a, "B": b, "C": rest[0], "D": rest[1], "E": rest[2]}
    return jurors, cases, [c[0] for c in pool]


@pytest.fixture(scope="module")
def bt():
    workdir = tempfile.mkdtemp(prefix="laurel-ballot-")
    srv = sms = None
    try:
        data = make_demo(workdir)
        sms = Gateway()  # objections by phone: their codes and answers go through it
        srv = LaurelServer(LAUREL_BIN, data, workdir,
                           extra_args=["--sms", "http://127.0.0.1:%d/send" % sms.port])
        srv.start()
        org = Who(srv.url, "organiser@demo.laurel")
        camp = q(data, "SELECT id FROM campaign WHERE status = 'review' ORDER BY id DESC")[0][0]
        stages = dict(q(data, "SELECT seq, id FROM stage WHERE campaign_id = ?", camp))
        r = org.post("/admin/stages/%d/rank" % stages[3], {"confirm": "1"})
        assert r.status_code == 303, "expected 复评 ranked, saw %d: %s" % (r.status_code, r.text[:300])
        r = org.post("/admin/stages/%d/advance" % stages[3])
        assert r.status_code == 303, "expected 复评 advanced, saw %d: %s" % (
            r.status_code, r.text[:300])
        ballot = stages[4]
        jurors, cases, pool = choose(data, ballot)
        yield {"srv": srv, "sms": sms, "url": srv.url, "data": data, "org": org, "b": ballot,
               "jurors": jurors, "cases": cases, "pool": pool, "receipts": {}, "who": {}}
    finally:
        finish(srv, workdir)
        if sms:
            sms.stop()


def juror(bt, i):
    """Juror Ji (1-based), signed in once."""
    if i not in bt["who"]:
        bt["who"][i] = Who(bt["url"], bt["jurors"][i - 1][1])
    return bt["who"][i]


def cid(bt, *names):
    return [("approve", str(bt["cases"][n][0])) for n in names]


def jury(bt):
    return bt["org"].json("/admin/stages/%d/jury" % bt["b"])


# ---------------------------------------------------------------- the jury

def test_pool_is_the_advanced_cases(bt):
    m = jury(bt)
    assert m["stage"]["pool"] == len(bt["pool"]) > 0, m["stage"]
    assert m["stage"]["is_ballot"] and not m["stage"]["can_open"], (
        "expected no sitting to open before the places are set: %r" % m["stage"])


def test_settings_refuse_bad_values_and_save(bt):
    b, org = bt["b"], bt["org"]
    for bad in ({"places": "0", "quorum": "5"}, {"places": "4", "quorum": "x"},
                {"places": "4"}):
        r = org.post("/admin/stages/%d/jury" % b, bad)
        assert r.status_code == 422, "expected 422 for %r, saw %d" % (bad, r.status_code)
    assert q(bt["data"], "SELECT ballot_places, jury_quorum FROM stage WHERE id = ?", b) == [(0, 5)]
    r = org.post("/admin/stages/%d/jury" % b, {"places": "4", "quorum": "5"})
    assert r.status_code == 303, r.text[:300]
    assert q(bt["data"], "SELECT ballot_places, jury_quorum FROM stage WHERE id = ?", b) == [(4, 5)]


def test_jury_is_formed_from_the_pool(bt):
    b, org = bt["b"], bt["org"]
    for j in bt["jurors"]:
        r = org.post("/admin/stages/%d/jury/add" % b, {"user_id": str(j[0])})
        assert r.status_code == 303, "expected juror %s added, saw %d: %s" % (
            j[1], r.status_code, r.text[:300])
    r = org.post("/admin/stages/%d/jury/add" % b, {"user_id": str(bt["jurors"][0][0])})
    assert r.status_code == 409 and "已是评审委员会成员" in r.text, r.status_code
    organiser = q(bt["data"], "SELECT id FROM \"user\" WHERE email = 'organiser@demo.laurel'")[0][0]
    r = org.post("/admin/stages/%d/jury/add" % b, {"user_id": str(organiser)})
    assert r.status_code == 422 and "专家库" in r.text, r.status_code
    # A juror removed leaves the jury, and can be added back.
    first = bt["jurors"][0][0]
    r = org.post("/admin/stages/%d/jury/%d/remove" % (b, first))
    assert r.status_code == 303, r.text[:300]
    assert first not in [j["user_id"] for j in jury(bt)["jurors"]]
    assert org.post("/admin/stages/%d/jury/add" % b, {"user_id": str(first)}).status_code == 303
    m = jury(bt)
    assert sorted(j["user_id"] for j in m["jurors"]) == sorted(j[0] for j in bt["jurors"])
    # A juror sees the stage in their list; an expert off the jury gets a 404 for it.
    lst = juror(bt, 1).json("/ballot")
    assert [s["stage_id"] for s in lst["stages"]] == [b], lst
    other = Who(bt["url"], "expert@demo.laurel")
    assert other.get("/ballot/%d" % b).status_code == 404
    assert other.post("/ballot/%d" % b, cid(bt, "A")).status_code == 404


# ---------------------------------------------------------------- quorum

def test_below_quorum_no_voting(bt):
    b, org = bt["b"], bt["org"]
    r = org.post("/admin/stages/%d/sitting" % b)
    assert r.status_code == 303, r.text[:300]
    assert org.post("/admin/stages/%d/sitting" % b).status_code == 409, "a second sitting"
    ids = [("present", str(j[0])) for j in bt["jurors"][:4]]
    assert org.post("/admin/stages/%d/sitting/presence" % b, ids).status_code == 303
    r = org.post("/admin/stages/%d/sitting/start" % b)
    assert r.status_code == 409 and "法定人数" in r.text, (r.status_code, r.text[:300])
    assert org.post("/admin/stages/%d/tally" % b).status_code == 409
    # Before voting starts, nobody can save a ballot.
    assert juror(bt, 1).post("/ballot/%d" % b, cid(bt, "A")).status_code == 409
    ids = [("present", str(j[0])) for j in bt["jurors"][:6]]
    assert org.post("/admin/stages/%d/sitting/presence" % b, ids).status_code == 303
    assert org.post("/admin/stages/%d/sitting/start" % b).status_code == 303
    assert q(bt["data"], "SELECT state, present FROM sitting WHERE stage_id = ?", b) == [
        ("voting", 6)]
    # Presence is fixed once voting has begun; the jury too.
    assert org.post("/admin/stages/%d/sitting/presence" % b, ids[:5]).status_code == 409
    assert org.post("/admin/stages/%d/jury/%d/remove" % (b, bt["jurors"][6][0])).status_code == 409


# ---------------------------------------------------------------- ballots

def test_ballot_rules(bt):
    b = bt["b"]
    absent = juror(bt, 7)
    page = absent.get("/ballot/%d" % b)
    assert page.status_code == 200 and "未登记为到会委员" in page.text
    assert absent.post("/ballot/%d" % b, cid(bt, "A")).status_code == 409
    j1 = juror(bt, 1)
    paper = j1.json("/ballot/%d" % b)
    assert paper["can_vote"] and paper["places"] == 4
    by_id = {c["case_id"]: c for c in paper["candidates"]}
    assert sorted(by_id) == sorted(bt["pool"])
    assert by_id[bt["cases"]["X"][0]]["conflict"], "expected X marked 回避 for J1"
    # The stage is blind: the ballot names no region and no unit.
    assert all("region_name" not in c and "unit_name" not in c for c in paper["candidates"])
    assert all("score" in c and "rank" in c and "reviews" in c for c in paper["candidates"])
    r = j1.post("/ballot/%d" % b, cid(bt, "A", "X"))
    assert r.status_code == 422 and "回避" in r.text, r.status_code
    r = j1.post("/ballot/%d" % b, cid(bt, "A", "B", "C", "D", "E"))
    assert r.status_code == 422 and "超过了名额" in r.text, r.status_code
    outsider = q(bt["data"], "SELECT min(id) FROM \"case\" WHERE id NOT IN (SELECT case_id "
                 "FROM stage_case WHERE stage_id = ?)", b)[0][0]
    r = j1.post("/ballot/%d" % b, [("approve", str(outsider))])
    assert r.status_code == 422, r.status_code
    assert q(bt["data"], "SELECT count(*) FROM ballot_draft")[0][0] == 0
    # Save, change, and see the saved choice.
    assert j1.post("/ballot/%d" % b, cid(bt, "A", "B")).status_code == 303
    assert j1.post("/ballot/%d" % b, cid(bt, "A", "B", "C", "D")).status_code == 303
    paper = j1.json("/ballot/%d" % b)
    chosen = sorted(c["case_id"] for c in paper["candidates"] if c["approved"])
    assert chosen == sorted(bt["cases"][n][0] for n in "ABCD") and paper["approved"] == 4
    # No tally while a present juror has not cast; no cast without confirming.
    r = bt["org"].post("/admin/stages/%d/tally" % b)
    assert r.status_code == 409 and "未投出选票" in r.text, r.status_code
    r = j1.post("/ballot/%d/cast" % b, cid(bt, "A", "B", "C", "D"))
    assert r.status_code == 422, r.status_code


ROUND1 = {1: "ABCD", 2: "ABCD", 3: "AXBE", 4: "AXCE", 5: "AXD", 6: "ABCD"}


def cast(bt, i, names):
    r = juror(bt, i).post("/ballot/%d/cast" % bt["b"], cid(bt, *names) + [("confirm", "1")])
    assert r.status_code == 200, "expected J%d's cast answered with the receipt, saw %d: %s" % (
        i, r.status_code, r.text[:300])
    m = RECEIPT_RE.search(r.text)
    assert m, "expected a receipt on the cast page of J%d" % i
    return m.group(1)


def test_cast_is_final(bt):
    b = bt["b"]
    for i, names in ROUND1.items():
        bt["receipts"][(1, i)] = (cast(bt, i, names), names)
    receipts = [v[0] for v in bt["receipts"].values()]
    assert len(set(receipts)) == 6 and all(len(x) >= 20 for x in receipts)
    before = q(bt["data"], "SELECT count(*) FROM ballot_approval")
    j1 = juror(bt, 1)
    r = j1.post("/ballot/%d/cast" % b, cid(bt, "E") + [("confirm", "1")])
    assert r.status_code == 409 and "不能重复投票" in r.text, r.status_code
    assert j1.post("/ballot/%d" % b, cid(bt, "E")).status_code == 409
    assert q(bt["data"], "SELECT count(*) FROM ballot_approval") == before
    page = j1.get("/ballot/%d" % b)
    assert "已投出本轮选票" in page.text
    for n in "ABCDEX":
        assert bt["cases"][n][3] not in page.text, "the cast juror's page shows a candidate"


def test_database_keeps_no_link(bt):
    data = bt["data"]
    tables = db_tables(data)
    for t in tables:
        cols = set(db_columns(data, t))
        assert not ({"user_id", "receipt"} <= cols), "table %s links a user to a receipt" % t
    assert set(db_columns(data, "ballot_cast")) == {"sitting_id", "user_id"}
    assert set(db_columns(data, "ballot")) == {"sitting_id", "receipt"}
    assert set(db_columns(data, "ballot_approval")) == {"sitting_id", "receipt", "case_id"}
    # Keyed by values, not by insertion order (SQLite's tables; PostgreSQL's keep no row order).
    for t in ("ballot_cast", "ballot", "ballot_approval") if not ON_PG else ():
        sql = q(data, "SELECT sql FROM sqlite_master WHERE name = ?", t)[0][0]
        assert "WITHOUT ROWID" in sql, t
    assert q(data, "SELECT count(*) FROM ballot_draft")[0][0] == 0, "a cast left its draft"
    assert q(data, "SELECT count(*) FROM ballot_cast c JOIN sitting t ON t.id = c.sitting_id "
             "WHERE t.stage_id = ?", bt["b"])[0][0] == 6
    # Receipts are kept as digests only: in no byte of SQLite's files, in no column on
    # PostgreSQL.
    receipts = [receipt for receipt, _ in bt["receipts"].values()]
    if ON_PG:
        for t in tables:
            for col in db_columns(data, t):
                hit = q(data, 'SELECT count(*) FROM "%s" WHERE CAST("%s" AS TEXT) LIKE ANY (?)'
                        % (t, col), ["%" + r + "%" for r in receipts])[0][0]
                assert hit == 0, "a receipt is stored in clear in %s.%s" % (t, col)
        return
    raw = b""
    for suffix in ("", "-wal"):
        p = os.path.join(data, "laurel.db" + suffix)
        if os.path.exists(p):
            with open(p, "rb") as f:
                raw += f.read()
    for receipt in receipts:
        assert receipt.encode() not in raw, "a receipt is stored in clear"


def test_receipts_show_the_ballot_as_cast(bt):
    anon = Who(bt["url"])
    for (rnd, i), (receipt, names) in bt["receipts"].items():
        r = anon.post("/ballot-receipt", {"receipt": receipt})
        assert r.status_code == 200 and "尚未计票" in r.text, r.status_code
        for n in "ABCDEX":
            shown = bt["cases"][n][3] in r.text
            assert shown == (n in names), "receipt of J%d: %s shown %r" % (i, n, shown)
    r = anon.post("/ballot-receipt", {"receipt": "A" * 24})
    assert r.status_code == 422 and "没有找到" in r.text
    assert anon.post("/ballot-receipt", {"receipt": ""}).status_code == 422


# ---------------------------------------------------------------- tally and runoff

def results(bt, rnd):
    m = bt["org"].json("/admin/stages/%d/tally" % bt["b"])
    s = next(s for s in m["sittings"] if s["round"] == rnd)
    return m, {r["case_id"]: r for r in s["results"]}


def test_tally_majority_with_conflicts_and_runoff(bt):
    b, cases = bt["b"], bt["cases"]
    r = bt["org"].post("/admin/stages/%d/tally" % b)
    assert r.status_code == 303, r.text[:300]
    m, res = results(bt, 1)
    got = lambda n: res[cases[n][0]]  # noqa
    assert (got("A")["approvals"], got("A")["eligible"], got("A")["elected"]) == (6, 6, True)
    # 3 of 6 is no majority; 3 of the 4 jurors not in 回避 is.
    assert (got("X")["approvals"], got("X")["eligible"]) == (3, 4)
    assert got("X")["passed"] and got("X")["elected"]
    for n in "BCD":
        assert (got(n)["approvals"], got(n)["eligible"], got(n)["passed"]) == (4, 6, True)
        assert got(n)["runoff"] and not got(n)["elected"]
    assert not got("E")["passed"] and got("E")["approvals"] == 2
    others = [c for c in res.values() if c["case_id"] not in {v[0] for v in cases.values()}]
    assert all(c["approvals"] == 0 and not c["passed"] for c in others)
    assert m["stage"]["can_runoff"] and not m["stage"]["final"]
    assert q(bt["data"], "SELECT count(*) FROM stage_case WHERE stage_id = ? AND advanced = 1",
             b)[0][0] == 0, "no result stands while a runoff is proposed"


def test_runoff_among_exactly_the_tied(bt):
    b, org, cases = bt["b"], bt["org"], bt["cases"]
    assert org.post("/admin/stages/%d/sitting" % b).status_code == 303
    rows = q(bt["data"], "SELECT t.round, t.places, sc.case_id FROM sitting t JOIN sitting_case "
             "sc ON sc.sitting_id = t.id WHERE t.stage_id = ? AND t.round = 2", b)
    assert sorted(r[2] for r in rows) == sorted(cases[n][0] for n in "BCD")
    assert {r[1] for r in rows} == {2}
    ids = [("present", str(j[0])) for j in bt["jurors"][:6]]
    assert org.post("/admin/stages/%d/sitting/presence" % b, ids).status_code == 303
    assert org.post("/admin/stages/%d/sitting/start" % b).status_code == 303
    paper = juror(bt, 1).json("/ballot/%d" % b)
    assert paper["runoff"] and paper["places"] == 2
    assert sorted(c["case_id"] for c in paper["candidates"]) == sorted(cases[n][0] for n in "BCD")
    r = juror(bt, 1).post("/ballot/%d" % b, cid(bt, "A"))
    assert r.status_code == 422, "A is no candidate of the runoff"
    votes = {1: "BC", 2: "BC", 3: "BC", 4: "BC", 5: "BD", 6: "BC"}  # B 6, C 5, D 1
    for i, names in votes.items():
        bt["receipts"][(2, i)] = (cast(bt, i, names), names)
    assert org.post("/admin/stages/%d/tally" % b).status_code == 303
    m, res = results(bt, 2)
    assert m["stage"]["final"] and not m["stage"]["can_runoff"]
    assert [res[cases[n][0]]["elected"] for n in "BCD"] == [True, True, False]
    final = q(bt["data"], "SELECT case_id, rank FROM stage_case WHERE stage_id = ? AND "
              "advanced = 1 ORDER BY rank", b)
    assert [c for c, _ in final] == [cases[n][0] for n in "AXBC"], final
    assert [rk for _, rk in final] == [1, 2, 3, 4]
    assert q(bt["data"], "SELECT state FROM stage WHERE id = ?", b) == [("ranked",)]
    r = Who(bt["url"]).post("/ballot-receipt", {"receipt": bt["receipts"][(1, 3)][0]})
    assert "已计票" in r.text


# ---------------------------------------------------------------- secrecy crawl

class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


def crawl(who, starts, scope):
    seen, todo, out = set(), list(starts), []
    while todo and len(seen) < 400:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for path, headers in ((p, {}), (p, JSON), ("/api/v1" + p, {})):
            r = who.get(path, headers=headers)
            out.append((path, r.status_code, r.text + str(r.headers)))
        r = who.get(p)
        if r.status_code == 200 and "html" in r.headers.get("Content-Type", ""):
            ln = Links()
            ln.feed(r.text)
            for h in ln.hrefs:
                u = urllib.parse.urlsplit(urllib.parse.urljoin("http://x" + p, h))
                if u.netloc == "x" and scope.match(u.path):
                    todo.append(u.path + ("?" + u.query if u.query else ""))
    return out


def test_no_page_links_a_juror_to_an_approval(bt):
    b, data = bt["b"], bt["data"]
    marker = bt["cases"]["D"][3]  # in the runoff, approved by J5 alone
    j5 = bt["jurors"][4]
    scope = re.compile(r"^/(admin/stages/%d(/|$)|ballot|me$|admin/outbox$|admin$)" % b)
    starts = ["/admin/stages/%d" % b, "/admin/stages/%d/jury" % b, "/admin/stages/%d/tally" % b,
              "/ballot", "/ballot/%d" % b, "/ballot-receipt", "/me", "/admin/outbox",
              "/admin/stages/%d/pool" % b, "/admin/stages/%d/reviewers" % b,
              "/admin/stages/%d/progress" % b, "/admin/stages/%d/assignments" % b]
    people = [Who(bt["url"]), bt["org"], Who(bt["url"], "expert@demo.laurel"),
              Who(bt["url"], "zhoujiadu@demo.laurel")] + [juror(bt, i) for i in range(1, 8)]
    receipts = [v[0] for v in bt["receipts"].values()]
    count = 0
    for who in people:
        for path, status, text in crawl(who, starts, scope):
            count += 1
            if marker in text and (j5[1] in text or j5[2] in text):
                # Only a list of everyone and everything (the stage's assignment form names
                # every expert and every case) may hold both: it singles nobody out.
                assert all(j[2] in text for j in bt["jurors"]) and all(
                    bt["cases"][n][3] in text for n in "ABCX"), (
                    "%s as %s shows J5 with the case only J5 approved" % (path, who.email))
            for x in receipts:
                assert x not in text, "%s as %s shows a receipt" % (path, who.email)
    assert count > 150, "expected a real crawl, saw %d responses" % count
    # Nor the logs: no receipt, no approval in the access log or on stderr.
    srv = bt["srv"]
    with open(srv.access_log, encoding="utf-8", errors="replace") as f:
        log = f.read() + srv.stderr_text()
    assert "approve" not in log
    for x in receipts:
        assert x not in log
    # Nor the outbox: no message speaks of the ballot.
    assert q(data, "SELECT count(*) FROM outbox WHERE body LIKE '%选票%' OR subject LIKE "
             "'%选票%'")[0][0] == 0


# ---------------------------------------------------------------- tiers

def tiers(bt):
    m = bt["org"].json("/admin/stages/%d/tiers" % bt["b"])
    t = {x["slug"]: x for x in m["tiers"]}
    rows = {r["case_id"]: r for r in m["rows"]}
    return m, t, rows


def tier_of(bt, name):
    return q(bt["data"], "SELECT t.slug FROM award a JOIN tier t ON t.id = a.tier_id WHERE "
             "a.case_id = ?", bt["cases"][name][0])


def test_tiers_proposed_with_quota_and_cap(bt):
    b, org, cases = bt["b"], bt["org"], bt["cases"]
    m, t, rows = tiers(bt)
    assert m["final"] and m["can_edit"] and m["elected"] == 4
    r = org.post("/admin/stages/%d/tiers/%d" % (b, t["best"]["id"]), {"quota": "3",
                                                                      "region_cap": "1"})
    assert r.status_code == 303, r.text[:300]
    for bad in ({"quota": "-1", "region_cap": "0"}, {"quota": "3"}):
        r = org.post("/admin/stages/%d/tiers/%d" % (b, t["best"]["id"]), bad)
        assert r.status_code == 422, (bad, r.status_code)
    assert org.post("/admin/stages/%d/tiers/propose" % b).status_code == 303
    m, t, rows = tiers(bt)
    assert [tier_of(bt, n) for n in "AXCB"] == [[("best",)]] * 3 + [[("excellent",)]]
    rb = rows[cases["B"][0]]
    assert rb["why_cap"] and rb["capped_name"] == t["best"]["name"] and rb["cap"] == 1, rb
    assert rows[cases["A"][0]]["why_order"]
    page = org.get("/admin/stages/%d/tiers" % b).text
    assert "已达上限" in page and "按顺序列入" in page
    assert (t["best"]["awarded"], t["excellent"]["awarded"]) == (3, 1)


def test_no_change_beyond_a_quota_or_cap(bt):
    b, org, cases, data = bt["b"], bt["org"], bt["cases"], bt["data"]
    _, t, _ = tiers(bt)
    best, exc = t["best"]["id"], t["excellent"]["id"]
    move = lambda n, tier: org.post("/admin/stages/%d/awards" % b,  # noqa: E731
                                    {"case_id": str(cases[n][0]), "tier_id": str(tier)})
    r = move("B", best)
    assert r.status_code == 409 and "名额已满" in r.text, r.status_code
    # Below what the tier holds: refused.
    r = org.post("/admin/stages/%d/tiers/%d" % (b, best), {"quota": "2", "region_cap": "1"})
    assert r.status_code == 409, r.status_code
    assert q(data, "SELECT quota FROM tier WHERE id = ?", best) == [(3,)]
    # Room in best, but B's region is at its cap there.
    assert move("C", exc).status_code == 303
    r = move("B", best)
    assert r.status_code == 409 and "已达上限" in r.text, r.status_code
    assert tier_of(bt, "B") == [("excellent",)]
    # Not elected: refused; out of the awards and back: fine.
    r = org.post("/admin/stages/%d/awards" % b, {"case_id": str(cases["E"][0]),
                                                 "tier_id": str(best)})
    assert r.status_code == 422
    assert move("C", 0).status_code == 303 and tier_of(bt, "C") == []
    assert move("C", exc).status_code == 303
    # No cap; one place left in best; B and C race for it from several browsers at once.
    assert org.post("/admin/stages/%d/tiers/%d" % (b, best), {"quota": "3",
                                                              "region_cap": "0"}).status_code == 303
    browsers = [Who(bt["url"], "organiser@demo.laurel") for _ in range(4)]
    for rnd in range(3):
        jobs = [(browsers[i % 4], "BC"[i % 2]) for i in range(12)]

        def go(job):
            w, n = job
            return w.post("/admin/stages/%d/awards" % b,
                          {"case_id": str(cases[n][0]), "tier_id": str(best)}).status_code

        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            codes = list(pool.map(go, jobs))
        assert set(codes) <= {303, 409}, codes
        held = q(data, "SELECT count(*) FROM award WHERE tier_id = ?", best)[0][0]
        assert held == 3, "round %d: best holds %d of 3 (answers %r)" % (rnd, held, codes)
        winner = "B" if tier_of(bt, "B") == [("best",)] else "C"
        # Every answer after the winner's first success was a refusal of a full tier.
        assert codes.count(303) >= 1
        assert move(winner, exc).status_code == 303


# ---------------------------------------------------------------- 公示

def test_notice_published_for_working_days(bt):
    b, org, data = bt["b"], bt["org"], bt["data"]
    m = org.json("/admin/stages/%d/notice" % b)
    assert m["can_publish"] and "current" not in m
    ok = {"days": "5", "starts_on": "2019-09-30", "contact": "请致函评选办公室：北京市东城区某街 1 号",
          "calendar": "# 本地调整\n2019-10-08 休"}
    for field, bad in (("days", "0"), ("days", "61"), ("starts_on", "2019-02-30"),
                       ("calendar", "2019-10-08 放假"), ("contact", "")):
        r = org.post("/admin/stages/%d/notice" % b, dict(ok, **{field: bad}))
        assert r.status_code == 422, (field, bad, r.status_code)
    assert q(data, "SELECT count(*) FROM notice WHERE stage_id = ?", b) == [(0,)]
    # Best down to the two it holds (A, X), for the corrections' quota after publication.
    _, t, _ = tiers(bt)
    assert org.post("/admin/stages/%d/tiers/%d" % (b, t["best"]["id"]),
                    {"quota": "2", "region_cap": "0"}).status_code == 303
    drafts = q(data, "SELECT count(*) FROM article WHERE kind = 'notice'")[0][0]
    r = org.post("/admin/stages/%d/notice" % b, ok)
    assert r.status_code == 303, r.text[:300]
    # A draft 公示 announcement from the proposal, linked from the notice's page.
    m = org.json("/admin/stages/%d/notice" % b)
    url = m["current"]["article_url"]
    art = int(url.rsplit("/", 1)[1])
    kind, status, body = q(data, "SELECT kind, status, body_md FROM article WHERE id = ?", art)[0]
    assert (kind, status) == ("notice", "draft")
    assert q(data, "SELECT count(*) FROM article WHERE kind = 'notice'")[0][0] == drafts + 1
    for n in "AXBC":
        assert bt["cases"][n][3] in body, n
    assert bt["cases"]["E"][3] not in body
    assert "2019\\-10\\-12" in body  # the period's last day, escaped in the Markdown
    assert 'href="%s"' % url in org.get("/admin/stages/%d/notice" % b).text
    desk = org.get(url)
    assert desk.status_code == 200 and bt["cases"]["A"][3] in desk.text
    assert bt["cases"]["A"][3] not in Who(bt["url"]).get("/news").text  # a draft: not public
    assert q(data, "SELECT days, starts_on, ends_on, state FROM notice WHERE stage_id = ?", b) == [
        (5, "2019-09-30", "2019-10-12", "open")]
    assert org.post("/admin/stages/%d/notice" % b, ok).status_code == 409
    # The proposal is frozen while it is published.
    _, t, _ = tiers(bt)
    r = org.post("/admin/stages/%d/awards" % b, {"case_id": str(bt["cases"]["A"][0]),
                                                 "tier_id": str(t["excellent"]["id"])})
    assert r.status_code == 409
    assert org.post("/admin/stages/%d/tiers/propose" % b).status_code == 409
    r = org.post("/admin/stages/%d/tiers/%d" % (b, t["best"]["id"]), {"quota": "40",
                                                                      "region_cap": "0"})
    assert r.status_code == 409
    # The public page: the period, how to object, the awards by tier and region; the front
    # page leads to it.
    anon = Who(bt["url"])
    assert 'href="/notice"' in anon.get("/").text and "2019-10-12" in anon.get("/").text
    page = anon.get("/notice").text
    assert "2019-09-30" in page and "2019-10-12" in page and "评选办公室" in page
    for n in "AXBC":
        assert bt["cases"][n][3] in page
    assert bt["cases"]["E"][3] not in page
    pub = [n for n in anon.json("/notice")["notices"] if n["stage_id"] == b]
    assert len(pub) == 1 and pub[0]["state"] == "open", pub
    pub = pub[0]
    held = q(bt["data"], "SELECT count(*) FROM tier t LEFT JOIN award a ON a.tier_id = t.id "
             "WHERE t.campaign_id = (SELECT campaign_id FROM stage WHERE id = ?) "
             "GROUP BY t.id ORDER BY t.rank", b)
    assert [len(x["items"]) for x in pub["tiers"]] == [n for (n,) in held] == [2, 2]
    assert sum(r["total"] for r in pub["regions"]) == 4


def code_of(data, email):
    rows = q(data, "SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1", email)
    assert rows, "expected a code sent to %s" % email
    m = re.search(r"(\d{6})", rows[0][0])
    assert m, "expected six digits in %r" % rows[0][0]
    return m.group(1)


# The objections of the module's campaign (the demo's 2019 notice has its own).
MINE = "campaign_id = (SELECT campaign_id FROM stage WHERE id = ?)"


def objection_count(data, b):
    return q(data, "SELECT count(*) FROM objection WHERE " + MINE, b)[0][0]


def test_objections_need_a_verified_address(bt):
    b, data, cases = bt["b"], bt["data"], bt["cases"]
    anon = Who(bt["url"])
    assert anon.post("/notice/%d/code" % b, {"email": "not-an-address"}).status_code == 422
    r = anon.post("/notice/%d/code" % b, {"email": "Obj@Example.com"})
    assert r.status_code == 303 and r.headers["Location"] == "/notice?code=1", r.status_code
    code = code_of(data, "obj@example.com")
    r = anon.post("/notice/%d/code" % b, {"email": "obj@example.com"})
    assert r.status_code == 429, "a second code within the minute"
    filing = {"case_id": str(cases["C"][0]), "name": "张三", "email": "obj@example.com",
              "code": code, "reason": "申报材料中的数据与实际不符。"}
    wrong = dict(filing, code="000000" if code != "000000" else "111111")
    r = anon.post("/notice/%d/objection" % b, wrong)
    assert r.status_code == 422 and "验证码不正确" in r.text, r.status_code
    r = anon.post("/notice/%d/objection" % b, dict(filing, case_id=str(cases["E"][0])))
    assert r.status_code == 422 and "公示中的案例" in r.text, r.status_code
    for field in ("name", "reason"):
        assert anon.post("/notice/%d/objection" % b, dict(filing, **{field: ""})).status_code == 422
    assert objection_count(data, b) == 0
    r = anon.post("/notice/%d/objection" % b, filing)
    assert r.status_code == 303, r.text[:300]
    assert q(data, "SELECT name, contact, state FROM objection WHERE " + MINE, b) == [
        ("张三", "obj@example.com", "open")]
    # The code is spent; the objection is the organiser's alone.
    r = anon.post("/notice/%d/objection" % b, filing)
    assert r.status_code == 422 and "重新获取" in r.text
    page = anon.get("/notice").text + Who(bt["url"], bt["jurors"][0][1]).get("/notice").text
    assert "张三" not in page and "数据与实际不符" not in page
    assert juror(bt, 1).get("/admin/stages/%d/notice" % b).status_code == 403
    m = bt["org"].json("/admin/stages/%d/notice" % b)
    assert [o["name"] for o in m["objections"]] == ["张三"]


def test_objection_by_phone(bt):
    """A mobile number instead of an e-mail address: the code and the answer by SMS."""
    b, data, cases, sms = bt["b"], bt["data"], bt["cases"], bt["sms"]
    anon = Who(bt["url"])
    before = objection_count(data, b)
    for bad in ({"phone": "12345"}, {"phone": "13800138000", "email": "a@example.com"}, {}):
        r = anon.post("/notice/%d/code" % b, bad)
        assert r.status_code == 422, (bad, r.status_code)
    r = anon.post("/notice/%d/code" % b, {"phone": "+86 138-0013-8000"})
    assert r.status_code == 303, r.text[:300]
    text = sms.wait_for("13800138000")[-1]["text"]
    code = re.search(r"(\d{6})", text).group(1)
    filing = {"case_id": str(cases["B"][0]), "name": "王五", "phone": "13800138000",
              "code": code, "reason": "该案例单位名称有误。"}
    r = anon.post("/notice/%d/objection" % b, dict(filing, code="000000" if code != "000000"
                                                    else "111111"))
    assert r.status_code == 422 and "验证码不正确" in r.text
    r = anon.post("/notice/%d/objection" % b, filing)
    assert r.status_code == 303, r.text[:300]
    assert objection_count(data, b) == before + 1
    oid, contact = q(data, "SELECT id, contact FROM objection WHERE name = '王五'")[0]
    assert contact == "sms:13800138000"
    page = bt["org"].get("/admin/stages/%d/notice" % b).text
    assert "13800138000" in page and "sms:13800138000" not in page
    # The answer goes by SMS too.
    r = bt["org"].post("/admin/stages/%d/objections/%d" % (b, oid),
                       {"decision": "reject", "answer": "单位名称已按批复核对无误。"})
    assert r.status_code == 303, r.text[:300]
    texts = [m["text"] for m in sms.wait_for("13800138000", 2)]
    assert any("已按批复核对无误" in t for t in texts), texts


def test_objection_attachment(bt):
    """One optional file: PDF, PNG or JPEG by its bytes, at most 5 MB; stored under its
    SHA-256; the organiser's alone."""
    b, data, cases, org = bt["b"], bt["data"], bt["cases"], bt["org"]
    anon = Who(bt["url"])
    assert anon.post("/notice/%d/code" % b, {"email": "zhao@example.com"}).status_code == 303
    filing = {"case_id": str(cases["A"][0]), "name": "赵六", "email": "zhao@example.com",
              "code": code_of(data, "zhao@example.com"), "reason": "见附件所列证明材料。",
              "csrf": anon.csrf}
    post = lambda files: anon.s.post(bt["url"] + "/notice/%d/objection" % b,  # noqa: E731
                                     data=filing, files=files, allow_redirects=False,
                                     timeout=120)
    before = objection_count(data, b)
    # The form states the limits.
    assert "PDF、PNG 或 JPEG" in anon.get("/notice").text and "5 MB" in anon.get("/notice").text
    r = post({"file": ("说明.txt", b"plain words, no document", "application/pdf")})
    assert r.status_code == 415 and "PDF、PNG 或 JPEG" in r.text, r.status_code
    pdf = b"%PDF-1.4\n% evidence " + os.urandom(64) + b"\n%%EOF\n"
    r = post({"file": ("big.pdf", pdf + b"\0" * (5 * 1024 * 1024), "application/pdf")})
    assert r.status_code == 413, r.status_code
    assert objection_count(data, b) == before
    r = post({"file": ("证明材料.pdf", pdf, "application/pdf")})
    assert r.status_code == 303, r.text[:300]
    sha = hashlib.sha256(pdf).hexdigest()
    oid, got, name, size = q(data, "SELECT id, file_sha256, file_name, file_size FROM objection "
                             "WHERE name = '赵六'")[0]
    assert (got, name, size) == (sha, "证明材料.pdf", len(pdf))
    with open(os.path.join(data, "files", sha[:2], sha), "rb") as f:
        assert f.read() == pdf
    # The organiser's page links it; the file is the organiser's alone.
    path = "/admin/stages/%d/objections/%d/file" % (b, oid)
    assert 'href="%s"' % path in org.get("/admin/stages/%d/notice" % b).text
    r = org.get(path)
    assert r.status_code == 200 and r.content == pdf
    assert r.headers["Content-Type"].startswith("application/pdf")
    assert "no-store" in r.headers["Cache-Control"]
    assert juror(bt, 1).get(path).status_code == 403
    assert anon.get(path).status_code in (303, 401, 403)
    assert anon.get("/files/%s" % sha).status_code == 404
    assert "证明材料" not in anon.get("/notice").text
    # Answered, so that the notice can close.
    r = org.post("/admin/stages/%d/objections/%d" % (b, oid),
                 {"decision": "reject", "answer": "附件所列材料不足以改变评审结论。"})
    assert r.status_code == 303, r.text[:300]


def test_notice_closes_only_without_open_objections(bt):
    b, org, data, cases = bt["b"], bt["org"], bt["data"], bt["cases"]
    camp = q(data, "SELECT campaign_id FROM stage WHERE id = ?", b)[0][0]
    r = org.post("/admin/stages/%d/notice/close" % b)
    assert r.status_code == 409 and "未处理的异议" in r.text, r.status_code
    assert q(data, "SELECT count(*) FROM \"case\" WHERE campaign_id = ? AND tier_id IS NOT NULL",
             camp) == [(0,)]
    first = q(data, "SELECT id FROM objection WHERE " + MINE, b)[0][0]
    # Rejected: only with a written answer; the objector is told.
    r = org.post("/admin/stages/%d/objections/%d" % (b, first), {"decision": "reject"})
    assert r.status_code == 422 and "请填写答复" in r.text, r.status_code
    r = org.post("/admin/stages/%d/objections/%d" % (b, first),
                 {"decision": "reject", "answer": "经核实，申报数据有统计部门证明。"})
    assert r.status_code == 303, r.text[:300]
    mail = q(data, "SELECT subject, body FROM outbox WHERE to_addr = 'obj@example.com' "
             "ORDER BY id DESC LIMIT 1")[0]
    assert "答复" in mail[0] and "统计部门证明" in mail[1] and "不成立" in mail[1]
    assert org.post("/admin/stages/%d/objections/%d" % (b, first),
                    {"decision": "reject", "answer": "再答"}).status_code == 409
    # Upheld: X out of the awards, the notice's list updated, the objector told.
    anon = Who(bt["url"])
    assert anon.post("/notice/%d/code" % b, {"email": "li@example.com"}).status_code == 303
    r = anon.post("/notice/%d/objection" % b, {
        "case_id": str(cases["X"][0]), "name": "李四", "email": "li@example.com",
        "code": code_of(data, "li@example.com"), "reason": "该案例与往届获奖案例重复。"})
    assert r.status_code == 303, r.text[:300]
    second = q(data, "SELECT id FROM objection WHERE name = '李四'")[0][0]
    r = org.post("/admin/stages/%d/objections/%d" % (b, second),
                 {"decision": "uphold", "tier_id": "0", "answer": "经核实属实，撤销该案例。"})
    assert r.status_code == 303, r.text[:300]
    assert q(data, "SELECT count(*) FROM award WHERE case_id = ?", cases["X"][0]) == [(0,)]
    assert cases["X"][3] not in anon.get("/notice").text
    mail = q(data, "SELECT body FROM outbox WHERE to_addr = 'li@example.com' ORDER BY id DESC "
             "LIMIT 1")[0][0]
    assert "成立" in mail and "撤销" in mail
    # Nothing open: the notice closes, and the cases carry the final tiers.
    assert org.post("/admin/stages/%d/notice/close" % b).status_code == 303
    got = dict(q(data, "SELECT id, tier_id FROM \"case\" WHERE campaign_id = ? AND tier_id IS "
                 "NOT NULL", camp))
    want = dict(q(data, "SELECT case_id, tier_id FROM award WHERE campaign_id = ?", camp))
    assert got == want and len(got) == 3 and cases["X"][0] not in got
    assert org.post("/admin/stages/%d/notice/close" % b).status_code == 409
    assert "已结束" in anon.get("/notice").text
    assert [n["state"] for n in anon.json("/notice")["notices"] if n["stage_id"] == b] == [
        "closed"]
    assert 'href="/notice"' not in anon.get("/").text
    # Closed: no more objections.
    assert anon.post("/notice/%d/code" % b, {"email": "wang@example.com"}).status_code == 409
    # Closing published the campaign: the public one now, its results, regions and cases shown.
    assert q(data, "SELECT status, published_at IS NOT NULL FROM campaign WHERE id = ?",
             camp) == [("published", 1)]
    results = anon.get("/results").text
    for n in "ABC":
        assert cases[n][3] in results, n
        assert anon.get("/cases/%d" % cases[n][0]).status_code == 200
    assert cases["X"][3] not in results
    region = anon.get("/regions/%s" % cases["A"][1]).text
    assert cases["A"][3] in region
    listed = anon.json("/cases?tier=best")
    assert [c["id"] for c in listed["items"]] == [cases["A"][0]], listed["items"]
    # Findable: the publication indexed its cases (1, 2 and 4 characters of a title).
    for n in (1, 2, 4):
        word = cases["A"][3][:n]
        found = anon.json("/cases?" + urllib.parse.urlencode({"q": word, "tier": "best"}))
        assert [c["id"] for c in found["items"]] == [cases["A"][0]], (word, found["items"])
    # And issued the first signed statement of the list.
    bodies = [bytes(body).decode() for (body,) in q(
        data, "SELECT body FROM statement WHERE campaign_id = ?", camp)]
    assert len(bodies) == 1 and all(cases[n][3] in bodies[0] for n in "ABC")
    assert cases["X"][3] not in bodies[0]


def test_list_frozen_after_publication(bt):
    """Once the notice is closed the proposal's own edits are refused by the server."""
    b, org, data, cases = bt["b"], bt["org"], bt["data"], bt["cases"]
    _, t, _ = tiers(bt)
    before = q(data, "SELECT case_id, tier_id FROM award ORDER BY case_id")
    r = org.post("/admin/stages/%d/awards" % b, {"case_id": str(cases["B"][0]),
                                                 "tier_id": str(t["best"]["id"])})
    assert r.status_code == 409, r.status_code
    assert org.post("/admin/stages/%d/tiers/propose" % b).status_code == 409
    r = org.post("/admin/stages/%d/tiers/%d" % (b, t["best"]["id"]), {"quota": "40",
                                                                      "region_cap": "0"})
    assert r.status_code == 409
    assert q(data, "SELECT case_id, tier_id FROM award ORDER BY case_id") == before
    assert q(data, "SELECT quota FROM tier WHERE id = ?", t["best"]["id"]) == [(2,)]


def test_corrections_are_dated_and_visible(bt):
    """After publication: a tier changed within the quota, one beyond it refused, an award
    withdrawn; each dated with its reason on the results, case, region and verify pages."""
    b, org, data, cases = bt["b"], bt["org"], bt["data"], bt["cases"]
    _, t, _ = tiers(bt)
    best, exc = t["best"]["id"], t["excellent"]["id"]
    anon = Who(bt["url"])
    # Certificates for the awards as published (their check pages follow the corrections).
    r = org.post("/admin/results/certificates")
    assert r.status_code == 303, r.text[:300]
    code = dict(q(data, "SELECT case_id, code FROM certificate"))
    assert set(code) == {cases[n][0] for n in "ABC"}, code
    assert "有效" in anon.get("/verify/%s" % code[cases["C"][0]]).text
    fix = lambda n, tier, why: org.post("/admin/stages/%d/corrections" % b, {  # noqa: E731
        "case_id": str(cases[n][0]), "tier_id": str(tier), "reason": why})
    # Refused: no reason, a case without an award, the tier it holds; nothing written.
    assert fix("B", best, "").status_code == 422
    assert fix("E", best, "补录").status_code == 422
    assert fix("X", exc, "补录").status_code == 422
    r = fix("A", best, "重复")
    assert r.status_code == 422 and "已是这一等级" in r.text, r.status_code
    assert q(data, "SELECT count(*) FROM correction") == [(0,)]
    statements = lambda: [bytes(x).decode() for (x,) in q(  # noqa: E731
        data, "SELECT body FROM statement WHERE campaign_id = (SELECT campaign_id FROM stage "
        "WHERE id = ?) ORDER BY id", b)]
    assert len(statements()) == 1
    # B into best (its last place); C after it is beyond the quota.
    assert fix("B", best, "复核评分录入有误，应列入最佳案例。").status_code == 303
    r = fix("C", best, "同上")
    assert r.status_code == 409 and "名额已满" in r.text, r.status_code
    assert q(data, "SELECT tier_id FROM \"case\" WHERE id = ?", cases["C"][0]) == [(exc,)]
    # C withdrawn.
    assert fix("C", 0, "经查存在抄袭，撤销其优秀案例。").status_code == 303
    assert q(data, "SELECT tier_id FROM \"case\" WHERE id = ?", cases["C"][0]) == [(None,)]
    assert q(data, "SELECT count(*) FROM award WHERE case_id = ?", cases["C"][0]) == [(0,)]
    # Each correction issued a new signed statement of the corrected list; the refusal none.
    issued = statements()
    assert len(issued) == 3 and cases["C"][3] in issued[1] and cases["C"][3] not in issued[2]
    assert "经查存在抄袭" not in issued[2]  # a statement lists awards, not reasons
    today = q(data, "SELECT date('now')")[0][0]
    # The results page: a 更正 section with the date, the case, what changed and why; the
    # lists follow the corrections.
    page = anon.get("/results").text
    assert "更正" in page and today in page
    assert "复核评分录入有误" in page and "经查存在抄袭" in page and "撤销奖项" in page
    res = anon.json("/results")
    assert [(c["case_id"], c["withdrawn"]) for c in res["corrections"]] == [
        (cases["C"][0], True), (cases["B"][0], False)]
    assert {x["slug"]: x["awarded"] for x in res["tiers"]} == {"best": 2, "excellent": 0}
    assert sorted(c["id"] for c in anon.json("/cases?tier=best")["items"]) == sorted(
        [cases["A"][0], cases["B"][0]])
    # The case pages, each with its own correction only.
    page = anon.get("/cases/%d" % cases["C"][0]).text
    assert "经查存在抄袭" in page and "复核评分录入有误" not in page and today in page
    page = anon.get("/cases/%d" % cases["B"][0]).text
    assert "复核评分录入有误" in page and "经查存在抄袭" not in page
    assert 'id="corrections-h"' not in anon.get("/cases/%d" % cases["A"][0]).text
    # The region pages: C's shows its correction.
    page = anon.get("/regions/%s" % cases["C"][1]).text
    assert "经查存在抄袭" in page
    # The certificates' checks: C's says withdrawn with the reason, B's changed.
    page = anon.get("/verify/%s" % code[cases["C"][0]]).text
    assert "撤销" in page and "经查存在抄袭" in page and today in page
    page = anon.get("/verify/%s" % code[cases["B"][0]]).text
    assert "经查存在抄袭" not in page and "复核评分录入有误" in page
    assert "经查存在抄袭" not in anon.get("/verify/%s" % code[cases["A"][0]]).text
    # The organiser's page lists them; other roles cannot correct.
    assert "经查存在抄袭" in org.get("/admin/stages/%d/notice" % b).text
    r = juror(bt, 1).post("/admin/stages/%d/corrections" % b, {
        "case_id": str(cases["A"][0]), "tier_id": "0", "reason": "x"})
    assert r.status_code == 403
    assert q(data, "SELECT count(*) FROM correction") == [(2,)]


def walked_by_the_ballot(pattern):
    """The final ballot's, the tiers' and the notice's actions: refused in the audit suite's
    demo (a review stage), they are walked for real above, so their audit rows are checked
    here (test_audit.py leaves them to this module)."""
    return pattern.startswith(("/ballot/", "/notice/")) or any(
        pattern.startswith("/admin/stages/{id}/" + p)
        for p in ("jury", "sitting", "tally", "tiers", "awards", "notice", "objections",
                  "corrections"))


def test_every_ballot_action_left_an_audit_row(bt):
    """Runs last: every audited action of the ballot, the tiers and the notice appended its row,
    naming the organiser for the organiser's actions; a juror's save and cast record that they
    happened, never what was approved (every such row has the digest of no field)."""
    routes = [r for r in route_table() if r["method"] == "POST" and r.get("audit")
              and walked_by_the_ballot(r["pattern"])]
    assert len(routes) >= 15, routes
    org_id = q(bt["data"], "SELECT id FROM \"user\" WHERE email = 'organiser@demo.laurel'")[0][0]
    missing = []
    for route in routes:
        # Rows of this module's stage: the demo's own 2019 ballot left rows of its own.
        rows = [(w,) for w, o in q(bt["data"], "SELECT who, object FROM audit WHERE what = ?",
                                   route["pattern"]) if str(bt["b"]) in o.split("/")[2:4]]
        if not rows:
            missing.append(route["pattern"])
        elif route["pattern"].startswith("/admin/"):
            assert {w for (w,) in rows} == {org_id}, (route["pattern"], rows)
    assert not missing, "expected an audit row for each of %r" % missing
    empty = hashlib.sha256(b"").hexdigest()
    secret = q(bt["data"], "SELECT DISTINCT digest FROM audit WHERE what IN "
               "('/ballot/{stage}', '/ballot/{stage}/cast')")
    assert secret == [(empty,)], secret
