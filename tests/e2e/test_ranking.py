"""Ranking, advancement, near-duplicates and stage exports (web/ranking.c).

The demo's campaign under review: stage 1 初评 ranked and advanced, stage 2 网上展示
with vote totals, stage 3 复评 released with reviews under way (trimmed mean on
normalised scores, 30 % previous round, 30 % votes, top 130, quorum 3).  This
module runs its own demo (the tests change stage 3's state), and before the
server starts it plants two things in the database:

- a near-copy of a case of the campaign (a few sentences rewritten), which the
  near-duplicate scan must find;
- an organiser-added conflict on a reviewer who has submitted a review of a
  stage-3 case: that review must count for nothing and appear in no export.

Tests run in order: close and rank stage 3, check the results against the
database and a recomputation in Python, the explanation page, the command
line, the exports, then advance.
"""
import io
import json
import math
import os
import re
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile

import pytest
import requests

from conftest import (CSRF_RE, HTTP_TIMEOUT, JSON, LAUREL_BIN, LaurelServer, PASSWORD, csrf,
                      db_args, db_connect, finish, login, make_demo, parse_html)

EPS = 1e-6


def q(data, sql, *args):
    c = db_connect(data)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def plant(data):
    """The near-copy and the conflict; returns what the tests look for."""
    c = db_connect(data)
    try:
        camp = c.execute("SELECT id FROM campaign WHERE status = 'review' "
                         "ORDER BY id DESC LIMIT 1").fetchone()[0]
        src = c.execute("SELECT c.id FROM \"case\" c WHERE c.campaign_id = ? AND "
                        "c.status = 'passed' AND (SELECT sum(length(body_md)) FROM case_section "
                        "WHERE case_id = c.id) > 1500 ORDER BY c.id LIMIT 1 OFFSET 7",
                        (camp,)).fetchone()[0]
        row = c.execute("SELECT unit_id, region_code, track_id, title, summary, submitted_at "
                        "FROM \"case\" WHERE id = ?", (src,)).fetchone()
        title = row[3] + "（修订稿）"
        cur = c.execute("INSERT INTO \"case\" (campaign_id, unit_id, region_code, track_id, "
                        "title, summary, status, submitted_at) VALUES (?,?,?,?,?,?,'passed',?)",
                        (camp, row[0], row[1], row[2], title, row[4], row[5]))
        copy = cur.lastrowid
        changed = 0
        for seq, body in c.execute("SELECT seq, body_md FROM case_section WHERE case_id = ? "
                                   "ORDER BY seq", (src,)).fetchall():
            parts = body.split("。")
            # Rewrite one sentence in six: a reworded copy, not an identical one.
            for i in range(0, len(parts), 6):
                if parts[i].strip():
                    parts[i] = "我们在实践中重新梳理了工作思路并总结了若干新的体会"
                    changed += 1
            c.execute("INSERT INTO case_section (case_id, seq, body_md) VALUES (?,?,?)",
                      (copy, seq, "。".join(parts)))
        assert changed >= 2, "expected to rewrite a few sentences of case %d" % src
        # The conflict: a stage-3 case with 4 or more submitted reviews loses one.
        stage3 = c.execute("SELECT id FROM stage WHERE campaign_id = ? AND seq = 3",
                           (camp,)).fetchone()[0]
        kase, user = c.execute(
            "SELECT r.case_id, min(r.user_id) FROM review r WHERE r.stage_id = ? "
            "AND r.status = 'submitted' GROUP BY r.case_id HAVING count(*) >= 4 "
            "ORDER BY r.case_id LIMIT 1", (stage3,)).fetchone()
        c.execute("INSERT INTO conflict (case_id, user_id, source, reason) "
                  "VALUES (?, ?, 'organiser', 'test_ranking')", (kase, user))
        c.commit()
        return {"campaign": camp, "src": src, "copy": copy, "copy_title": title,
                "conflict_case": kase, "conflict_user": user}
    finally:
        c.close()


@pytest.fixture(scope="module")
def rk():
    workdir = tempfile.mkdtemp(prefix="laurel-ranking-")
    srv = None
    try:
        data = make_demo(workdir)
        planted = plant(data)
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        srv.start()
        s = login(srv.url, "organiser@demo.laurel")
        token = csrf(s, srv.url, "/me")
        camp = planted["campaign"]
        stages = {seq: sid for sid, seq in q(data, "SELECT id, seq FROM stage WHERE "
                                                   "campaign_id = ?", camp)}
        yield {"srv": srv, "url": srv.url, "data": data, "s": s, "csrf": token,
               "stage": stages[3], "stage1": stages[1], "next": stages.get(4), **planted}
    finally:
        finish(srv, workdir)


def post(rk, path, data=None):
    d = dict(data or {})
    d["csrf"] = rk["csrf"]
    return rk["s"].post(rk["url"] + path, data=d, allow_redirects=False, timeout=120)


def get(rk, path, **kw):
    kw.setdefault("timeout", 120)
    return rk["s"].get(rk["url"] + path, **kw)


def model(rk):
    """The ranking model of the first page, with the rows of every page in "rows" and
    "quorum_failures"."""
    r = get(rk, "/admin/stages/%d/ranking" % rk["stage"], headers=JSON)
    assert r.status_code == 200, "expected the ranking model, saw %d: %s" % (
        r.status_code, r.text[:300])
    m = r.json()
    for n in range(2, m["pager"]["pages"] + 1):
        r = get(rk, "/admin/stages/%d/ranking?page=%d" % (rk["stage"], n), headers=JSON)
        assert r.status_code == 200, "expected page %d of the ranking, saw %d" % (
            n, r.status_code)
        m["rows"] += r.json()["rows"]
        m["quorum_failures"] += r.json()["quorum_failures"]
    assert len(m["rows"]) + len(m["quorum_failures"]) == m["pager"]["total"], (
        "expected every page's rows")
    return m


def counted_totals(rk, case_id):
    """The submitted review totals of a case in stage 3 that must count (no conflict)."""
    return [t for (t,) in q(rk["data"],
                            "SELECT r.total FROM review r JOIN \"case\" c ON c.id = r.case_id "
                            "LEFT JOIN reviewer rv ON rv.user_id = r.user_id "
                            "WHERE r.stage_id = ? AND r.case_id = ? AND r.status = 'submitted' "
                            "AND r.total IS NOT NULL AND NOT EXISTS (SELECT 1 FROM conflict k "
                            "WHERE k.case_id = r.case_id AND k.user_id = r.user_id) "
                            "AND coalesce(rv.region_code, '') <> c.region_code "
                            "AND coalesce(rv.unit_id, 0) <> c.unit_id",
                            rk["stage"], case_id)]


def trimmed(values, k, m):
    """The stage's rule as documented: drop k highest and k lowest when n >= max(m, 2k+1)."""
    v = sorted(values)
    if len(v) >= max(m, 2 * k + 1):
        v = v[k:len(v) - k]
    return sum(v) / len(v) if v else 0.0


# ---------------------------------------------------------------- rank

def test_rank_needs_closing_or_confirmation(rk):
    state = q(rk["data"], "SELECT state FROM stage WHERE id = ?", rk["stage"])[0][0]
    assert state == "released", "expected the demo's stage 3 released, saw %r" % state
    page = get(rk, "/admin/stages/%d/ranking" % rk["stage"])
    assert page.status_code == 200, "expected the ranking page, saw %d" % page.status_code
    parse_html(page)
    assert "/admin/stages/%d/close" % rk["stage"] in page.text, (
        "expected a close button on a released stage")
    assert 'data-confirm="截止评分后，专家不能再提交或修改本轮评分' in page.text, (
        "expected the close to ask first")
    assert 'name="confirm"' in page.text, "expected the confirmation box on a released stage"
    r = post(rk, "/admin/stages/%d/rank" % rk["stage"])
    assert r.status_code == 409, ("expected ranking a released stage without the confirmation "
                                  "to be 409, saw %d" % r.status_code)
    assert q(rk["data"], "SELECT count(*) FROM stage_case WHERE stage_id = ? AND rank IS NOT "
             "NULL", rk["stage"])[0][0] == 0, "expected nothing stored by the refused ranking"


def test_close_then_rank_stores_results(rk):
    r = post(rk, "/admin/stages/%d/close" % rk["stage"])
    assert r.status_code == 303, "expected close to be 303, saw %d: %s" % (
        r.status_code, r.text[:300])
    assert q(rk["data"], "SELECT state FROM stage WHERE id = ?", rk["stage"])[0][0] == "closed"
    r = post(rk, "/admin/stages/%d/close" % rk["stage"])
    assert r.status_code == 409, "expected closing a closed stage to be 409, saw %d" % (
        r.status_code)
    t0 = time.monotonic()
    r = post(rk, "/admin/stages/%d/rank" % rk["stage"])
    assert r.status_code == 303, "expected rank to be 303, saw %d: %s" % (
        r.status_code, r.text[:300])
    assert time.monotonic() - t0 < 30, "expected the ranking within 30 s"
    assert q(rk["data"], "SELECT state FROM stage WHERE id = ?", rk["stage"])[0][0] == "ranked"
    rows = q(rk["data"], "SELECT rank, score, explanation, advanced FROM stage_case "
             "WHERE stage_id = ? ORDER BY rank", rk["stage"])
    assert rows and all(r[0] is not None and r[2] for r in rows), (
        "expected every pool case ranked with an explanation")
    ranks = [r[0] for r in rows]
    assert ranks == list(range(1, len(rows) + 1)), (
        "expected ranks 1..%d without gaps, saw %r..." % (len(rows), ranks[:10]))
    assert not any(r[3] for r in rows), "expected ranking to mark nobody advanced yet"


def shown(x):
    """x in hundredths, rounded half away from zero, as the ranking compares it."""
    return int(math.floor(abs(x) * 100 + 0.5)) * (1 if x >= 0 else -1)


def test_tie_break_order_and_quorum_last(rk):
    rows = q(rk["data"], "SELECT sc.case_id, sc.rank, sc.score, sc.explanation, s.quorum "
             "FROM stage_case sc JOIN stage s ON s.id = sc.stage_id "
             "WHERE sc.stage_id = ? ORDER BY sc.rank", rk["stage"])
    quorum = rows[0][4]
    keys = []
    for cid, rank, score, ex, _ in rows:
        e = json.loads(ex)
        n = len(counted_totals(rk, cid))
        assert e["n"] == n, "case %d: expected %d counted scores, saw %d" % (cid, n, e["n"])
        assert e["below_quorum"] == (n < quorum), "case %d: quorum flag wrong" % cid
        assert abs(e["blended"] - score) < EPS, "case %d: score != blended" % cid
        keys.append((e["below_quorum"], shown(score), shown(e["raw_mean"]), n, cid))
    # Quorum failures come after every case with a quorum.
    flags = [k[0] for k in keys]
    assert flags == sorted(flags), "expected the cases below quorum ranked last"
    assert any(flags), "expected the demo to have cases below quorum (reviews under way)"
    # Within each part: blended desc, then raw mean desc (both as shown, to 2 decimals), then
    # more scores, then lower id.
    for a, b in zip(keys, keys[1:]):
        if a[0] != b[0]:
            continue
        if a[1] != b[1]:
            assert a[1] > b[1], "expected blended %r before %r" % (a, b)
        elif a[2] != b[2]:
            assert a[2] > b[2], "expected the higher raw mean first on a tie: %r, %r" % (a, b)
        elif a[3] != b[3]:
            assert a[3] > b[3], "expected more scores first on a tie: %r, %r" % (a, b)
        else:
            assert a[4] < b[4], "expected the lower case id first on a tie: %r, %r" % (a, b)
    m = model(rk)
    assert len(m["quorum_failures"]) == sum(flags), (
        "expected the page to list %d quorum failures apart, saw %d"
        % (sum(flags), len(m["quorum_failures"])))
    assert min(r["rank"] for r in m["quorum_failures"]) > max(r["rank"] for r in m["rows"])
    page = get(rk, "/admin/stages/%d/ranking" % rk["stage"])
    parse_html(page)
    assert "排序规则" in page.text and "案例编号（小者在前）" in page.text, (
        "expected the tie-break rule stated in words above the table")
    cuts = 0
    for n in range(1, m["pager"]["pages"] + 1):
        page = get(rk, "/admin/stages/%d/ranking?page=%d" % (rk["stage"], n))
        parse_html(page)
        cuts += page.text.count('class="cut-label"')
    assert cuts == 1, "expected one cut line over the pages, saw %d" % cuts


def test_trimmed_equals_recomputation(rk):
    st = q(rk["data"], "SELECT trim_k, trim_min FROM stage WHERE id = ?", rk["stage"])[0]
    m = model(rk)
    by_id = {r["case_id"]: r for r in m["rows"] + m["quorum_failures"]}
    five = [cid for (cid,) in q(rk["data"], "SELECT r.case_id FROM review r WHERE "
                                "r.stage_id = ? AND r.status = 'submitted' GROUP BY r.case_id "
                                "HAVING count(*) >= 5 ORDER BY r.case_id LIMIT 4", rk["stage"])]
    few = [cid for (cid,) in q(rk["data"], "SELECT r.case_id FROM review r WHERE "
                               "r.stage_id = ? AND r.status = 'submitted' GROUP BY r.case_id "
                               "HAVING count(*) = 3 ORDER BY r.case_id LIMIT 2", rk["stage"])]
    assert five, "expected stage-3 cases with 5 submitted reviews in the demo"
    for cid in five + few + [rk["conflict_case"]]:
        totals = counted_totals(rk, cid)
        want = trimmed(totals, st[0] or 1, st[1])
        got = by_id[cid]["trimmed"]
        assert abs(got - want) < 1e-6, ("case %d: expected trimmed %.6f from totals %r, saw %.6f"
                                         % (cid, want, totals, got))
        assert abs(by_id[cid]["raw_mean"] - sum(totals) / len(totals)) < 1e-6


def test_conflicted_review_does_not_count(rk):
    m = model(rk)
    row = [r for r in m["rows"] + m["quorum_failures"] if r["case_id"] == rk["conflict_case"]][0]
    n_all = q(rk["data"], "SELECT count(*) FROM review WHERE stage_id = ? AND case_id = ? "
              "AND status = 'submitted'", rk["stage"], rk["conflict_case"])[0][0]
    assert row["n"] == n_all - 1, ("expected the conflicted review left out: %d scores, saw %d"
                                   % (n_all - 1, row["n"]))


def test_explanation_lists_dropped_scores(rk):
    cid = q(rk["data"], "SELECT r.case_id FROM review r WHERE r.stage_id = ? AND "
            "r.status = 'submitted' AND r.case_id <> ? GROUP BY r.case_id "
            "HAVING count(*) >= 5 ORDER BY r.case_id LIMIT 1",
            rk["stage"], rk["conflict_case"])[0][0]
    r = get(rk, "/admin/stages/%d/cases/%d" % (rk["stage"], cid))
    assert r.status_code == 200, "expected the explanation page, saw %d" % r.status_code
    p = parse_html(r)
    dropped = [a for t, a in p.tags if t == "tr" and "dropped" in (a.get("class") or "")]
    assert len(dropped) == 2, "expected 2 dropped scores (highest and lowest), saw %d" % (
        len(dropped))
    totals = sorted(counted_totals(rk, cid))
    ex = json.loads(q(rk["data"], "SELECT explanation FROM stage_case WHERE stage_id = ? AND "
                      "case_id = ?", rk["stage"], cid)[0][0])
    got = sorted(s["raw"] for s in ex["scores"] if s["dropped"])
    assert got == [totals[0], totals[-1]], "expected the lowest and highest dropped, saw %r" % got
    # The organiser sees reviewer names.
    names = [n for (n,) in q(rk["data"], "SELECT u.name FROM review r JOIN \"user\" u ON "
                             "u.id = r.user_id WHERE r.stage_id = ? AND r.case_id = ? "
                             "AND r.status = 'submitted'", rk["stage"], cid)]
    for n in names:
        assert n in r.text, "expected reviewer %s named on the explanation page" % n
    assert "去掉" in p.text and "综合得分" in p.text


def test_cli_rank_matches_page(rk):
    p = subprocess.run([LAUREL_BIN, "rank", "--stage", "3", "--data", rk["data"]]
                       + db_args(rk["data"]),
                       capture_output=True, timeout=120)
    assert p.returncode == 0, "expected `laurel rank` to exit 0, saw %d: %s" % (
        p.returncode, p.stderr.decode()[-500:])
    lines = p.stdout.decode().splitlines()
    assert "rank" in lines[1] and "blended" in lines[1] and "borderline" in lines[1]
    cli = {}
    for line in lines[2:]:
        f = line.split()
        cli[int(f[1])] = (int(f[0]), f[6])
    m = model(rk)
    page = m["rows"] + m["quorum_failures"]
    assert len(cli) == len(page), "expected %d CLI rows, saw %d" % (len(page), len(cli))
    for r in page:
        assert cli[r["case_id"]] == (r["rank"], r["blended_s"]), (
            "case %d: CLI %r, page %r" % (r["case_id"], cli[r["case_id"]],
                                          (r["rank"], r["blended_s"])))


def sheet_rows(content):
    """The first sheet of an XLSX as rows of strings/numbers."""
    z = zipfile.ZipFile(io.BytesIO(content))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
            strings.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
    rows = []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter("{%s}row" % ns["m"]):
        out = {}
        for c in row.findall("m:c", ns):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            v = c.find("m:v", ns)
            if v is None:
                continue
            out[col] = strings[int(v.text)] if c.get("t") == "s" else float(v.text)
        rows.append(out)
    return rows


def test_exports(rk):
    m = model(rk)
    first = m["rows"][0]
    user = q(rk["data"], "SELECT name FROM \"user\" WHERE id = ?", rk["conflict_user"])[0][0]
    for kind, header in (("ranking", "名次"), ("scores", "案例名称"), ("assignments", "评审专家")):
        r = get(rk, "/admin/stages/%d/export/%s.xlsx" % (rk["stage"], kind))
        assert r.status_code == 200, "expected %s.xlsx 200, saw %d" % (kind, r.status_code)
        assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = sheet_rows(r.content)
        assert header in rows[0].values(), "expected header %s in %s, saw %r" % (
            header, kind, rows[0])
        titles = {v for row in rows[1:] for v in row.values() if isinstance(v, str)}
        assert first["title"] in titles, "expected %s.xlsx to hold %s" % (kind, first["title"])
        if kind != "ranking":
            # Column A: the case id; no row pairs the conflicted reviewer with the case.
            bad = [row for row in rows[1:] if row.get("A") == rk["conflict_case"]
                   and user in row.values()]
            assert not bad, "expected no row of the conflicted pair in %s.xlsx" % kind
    r = get(rk, "/admin/stages/%d/export/other.xlsx" % rk["stage"])
    assert r.status_code == 404


def test_advance_top_n(rk):
    n = q(rk["data"], "SELECT advance_n FROM stage WHERE id = ?", rk["stage"])[0][0]
    assert n > 0, "expected the demo's stage 3 to advance a top N"
    page = get(rk, "/admin/stages/%d/ranking" % rk["stage"])
    proposed = get(rk, "/admin/stages/%d/ranking" % rk["stage"],
                   headers={"Accept": "application/json"}).json()["proposed_count"]
    assert proposed > 0, "expected cases proposed for the advance"
    assert "将按晋级规则把 %d 个案例晋级到下一轮" % proposed in page.text, (
        "expected the advance to ask first, naming the %d cases proposed" % proposed)
    r = post(rk, "/admin/stages/%d/advance" % rk["stage"])
    assert r.status_code == 303, "expected advance to be 303, saw %d: %s" % (
        r.status_code, r.text[:300])
    assert q(rk["data"], "SELECT state FROM stage WHERE id = ?", rk["stage"])[0][0] == "advanced"
    adv = {c for (c,) in q(rk["data"], "SELECT case_id FROM stage_case WHERE stage_id = ? AND "
                           "advanced = 1", rk["stage"])}
    assert len(adv) == n, "expected exactly %d advanced, saw %d" % (n, len(adv))
    top = {c for (c,) in q(rk["data"], "SELECT case_id FROM stage_case WHERE stage_id = ? "
                           "AND rank <= ?", rk["stage"], n)}
    assert adv == top, "expected the top %d by rank to advance" % n
    if rk["next"]:
        pool = {c for (c,) in q(rk["data"], "SELECT case_id FROM stage_case WHERE stage_id = ?",
                                rk["next"])}
        assert pool == adv, "expected the next stage's pool to be the advanced cases"
    r = post(rk, "/admin/stages/%d/advance" % rk["stage"])
    assert r.status_code == 409, "expected a second advance to be 409, saw %d" % r.status_code
    m = model(rk)
    assert sum(1 for r in m["rows"] if r["advanced"]) == n


def test_dedupe_finds_planted_copy(rk):
    r = get(rk, "/admin/dedupe", headers=JSON)
    assert r.status_code == 200, "expected /admin/dedupe 200, saw %d" % r.status_code
    d = r.json()
    pair = [p for p in d["pairs"] if {p["a"], p["b"]} == {rk["src"], rk["copy"]}]
    assert pair, "expected the planted pair (%d, %d) among %r" % (
        rk["src"], rk["copy"], [(p["a"], p["b"]) for p in d["pairs"]][:10])
    assert pair[0]["similarity"] >= d["threshold"] >= 0.5
    assert len(d["pairs"]) < 10, "expected few false pairs, saw %d" % len(d["pairs"])
    page = get(rk, "/admin/dedupe")
    parse_html(page)
    a, b = sorted((rk["src"], rk["copy"]))
    assert "/admin/dedupe/%d/%d" % (a, b) in page.text
    r = get(rk, "/admin/dedupe/%d/%d" % (a, b))
    assert r.status_code == 200, "expected the side-by-side page, saw %d" % r.status_code
    parse_html(r)
    assert rk["copy_title"] in r.text and "我们在实践中重新梳理了工作思路" in r.text
    assert get(rk, "/admin/dedupe?threshold=7").status_code == 400
    p = subprocess.run([LAUREL_BIN, "dedupe", "--data", rk["data"], "--threshold", "0.5"]
                       + db_args(rk["data"]),
                       capture_output=True, timeout=120)
    assert p.returncode == 0, "expected `laurel dedupe` to exit 0: %s" % p.stderr.decode()
    assert re.search(r"^\d\.\d+ %d %d " % (a, b), p.stdout.decode(), re.M), (
        "expected the CLI to print the planted pair, saw %s" % p.stdout.decode()[:500])


def test_only_the_organiser(rk):
    s = requests.Session()
    r = s.get(rk["url"] + "/login", timeout=HTTP_TIMEOUT)
    token = CSRF_RE.search(r.text).group(1)
    s.post(rk["url"] + "/login", data={"csrf": token, "email": "expert@demo.laurel",
                                       "password": PASSWORD}, timeout=HTTP_TIMEOUT)
    for path in ("/admin/stages/%d/ranking" % rk["stage"], "/admin/dedupe",
                 "/admin/stages/%d/export/scores.xlsx" % rk["stage"]):
        r = s.get(rk["url"] + path, allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert r.status_code == 403, "expected a reviewer refused %s, saw %d" % (
            path, r.status_code)
