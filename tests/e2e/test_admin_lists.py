"""The organiser's long lists (web/admin_list.c): paging, search and filters on the users,
the screening list, a review stage's ranking and its assignments, each with its JSON twin;
and the ranking spreadsheets in plain words.

Read-only, on the session's demo: the 2020 edition (1,152 cases passed screening, 48
rejected; 初评 ranked, 复评 released).  Every list: a search that finds one known item, a
filter checked against the database, a page beyond the last (404, as the public case list),
a bad parameter (400 with a message in Chinese), and the HTML pager's links keeping the
filters.
"""
import json
import io
import os
import re
import zipfile

import pytest

from conftest import HTTP_TIMEOUT, JSON, db_connect, login, parse_html

ORGANISER = "organiser@demo.laurel"
PER_PAGE = 50


def q(srv, sql, *args):
    c = db_connect(srv.data)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


@pytest.fixture(scope="module")
def org(laurel_server):
    return login(laurel_server.url, ORGANISER)


@pytest.fixture(scope="module")
def edition(laurel_server):
    """The 2020 edition (the campaign in review): its id, the ranked review stage and the
    released one.  (The finished 2019 campaign has ranked review stages too.)"""
    ranked = q(laurel_server, "SELECT s.campaign_id, s.id FROM stage s "
               "JOIN campaign c ON c.id = s.campaign_id WHERE s.kind = 'review' "
               "AND c.status = 'review' AND EXISTS (SELECT 1 FROM stage_case sc "
               "WHERE sc.stage_id = s.id AND sc.rank IS NOT NULL) ORDER BY s.id LIMIT 1")
    assert ranked, "expected a ranked review stage in the demo"
    campaign, stage = ranked[0]
    released = q(laurel_server, "SELECT id FROM stage WHERE campaign_id = ? AND kind = 'review' "
                 "AND state = 'released'", campaign)
    assert released, "expected the demo's 复评 released"
    return {"campaign": campaign, "ranked": stage, "released": released[0][0]}


def js(org, base, path, status=200):
    r = org.get(base + "/api/v1" + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == status, "expected %d from %s, saw %d: %s" % (
        status, path, r.status_code, r.text[:300])
    return r.json()


def refused(org, base, path, status):
    """A bad parameter or page: the status, with a message in Chinese, HTML and JSON."""
    m = js(org, base, path, status).get("error", {})
    assert m.get("status") == status and re.search(r"[\u4e00-\u9fff]", m.get("message", "")), (
        "expected a message in Chinese for %s, saw %r" % (path, m))
    r = org.get(base + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == status, "expected the HTML page %s at %d, saw %d" % (
        path, status, r.status_code)


def pager_links(org, base, path):
    """The hrefs of the pager of an HTML page."""
    r = org.get(base + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected %s, saw %d" % (path, r.status_code)
    parse_html(r, path)
    nav = re.search(r'<nav class="pager".*?</nav>', r.text, re.S)
    assert nav, "expected a pager on %s" % path
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', nav.group(0))]


# ---------------------------------------------------------------- users

def test_users_page_search_and_role(laurel_server, org):
    base = laurel_server.url
    n = q(laurel_server, "SELECT count(*) FROM \"user\"")[0][0]
    m = js(org, base, "/admin/users")
    assert m["pager"]["total"] == n and len(m["users"]) == min(n, PER_PAGE), (
        "expected %d users in all and a first page of %d, saw %r / %d"
        % (n, min(n, PER_PAGE), m["pager"]["total"], len(m["users"])))
    pages = m["pager"]["pages"]
    assert pages == -(-n // PER_PAGE)
    last = js(org, base, "/admin/users?page=%d" % pages)
    assert len(last["users"]) == n - (pages - 1) * PER_PAGE
    # A search finds the one known expert, by e-mail (case folded) or by name.
    found = js(org, base, "/admin/users?q=EXPERT107%40demo")
    assert [u["email"] for u in found["users"]] == ["expert107@demo.laurel"], found["users"]
    name = q(laurel_server, "SELECT name FROM \"user\" WHERE email = 'expert107@demo.laurel'")[0][0]
    byname = js(org, base, "/admin/users?q=" + name)
    assert "expert107@demo.laurel" in [u["email"] for u in byname["users"]]
    # The role filter: exactly the reviewers of the database.
    want = q(laurel_server, "SELECT count(DISTINCT user_id) FROM user_role WHERE role = 'reviewer'")
    rev = js(org, base, "/admin/users?role=reviewer")
    assert rev["pager"]["total"] == want[0][0], (rev["pager"]["total"], want)
    assert all("reviewer" in u["roles"] for u in rev["users"])
    assert "organiser@demo.laurel" not in [u["email"] for u in rev["users"]]
    # The pager keeps the filter; past the end is 404; an unknown role is 400.
    links = pager_links(org, base, "/admin/users?role=reviewer")
    assert links and all("role=reviewer" in h for h in links), links
    refused(org, base, "/admin/users?role=reviewer&page=%d" % (rev["pager"]["pages"] + 1), 404)
    refused(org, base, "/admin/users?role=boss", 400)
    nothing = js(org, base, "/admin/users?q=nobody-at-all")
    assert nothing["users"] == [] and nothing["pager"]["total"] == 0


# ---------------------------------------------------------------- screening

def test_screening_paging_status_search(laurel_server, org, edition):
    base, c = laurel_server.url, edition["campaign"]
    passed = q(laurel_server, "SELECT count(*) FROM \"case\" WHERE campaign_id = ? "
               "AND status = 'passed'", c)[0][0]
    assert passed > PER_PAGE, "expected the demo's edition to need paging"
    path = "/admin/screening?campaign=%d&status=passed" % c
    m = js(org, base, path)
    assert m["count"] == passed and len(m["items"]) == PER_PAGE
    pages = m["pager"]["pages"]
    seen = {i["id"] for i in m["items"]}
    last = js(org, base, path + "&page=%d" % pages)
    assert len(last["items"]) == passed - (pages - 1) * PER_PAGE
    assert not seen & {i["id"] for i in last["items"]}, "expected pages not to overlap"
    # Rejected cases are another status; a waiting list of another campaign has no bulk form.
    rejected = q(laurel_server, "SELECT id, title FROM \"case\" WHERE campaign_id = ? "
                 "AND status = 'rejected' ORDER BY id", c)
    rj = js(org, base, "/admin/screening?campaign=%d&status=rejected" % c)
    assert rj["count"] == len(rejected)
    if len(rejected) <= PER_PAGE:
        assert sorted(i["id"] for i in rj["items"]) == [r[0] for r in rejected]
    # Search: by case number, by title.
    known = rejected[0]
    one = js(org, base, "/admin/screening?campaign=%d&status=rejected&q=%d" % (c, known[0]))
    assert [i["id"] for i in one["items"]] == [known[0]], one["items"]
    one = js(org, base, "/admin/screening?campaign=%d&status=rejected&q=%s" % (c, known[1]))
    assert known[0] in [i["id"] for i in one["items"]]
    # Region: every row of that region, as many as the database has.
    region = q(laurel_server, "SELECT region_code, count(*) FROM \"case\" WHERE campaign_id = ? "
               "AND status = 'passed' GROUP BY region_code ORDER BY 2 DESC LIMIT 1", c)[0]
    rg = js(org, base, path + "&region=" + region[0])
    assert rg["count"] == region[1] and all(i["region_code"] == region[0] for i in rg["items"])
    links = pager_links(org, base, path)
    assert all("status=passed" in h and "campaign=%d" % c in h for h in links), links
    refused(org, base, path + "&page=%d" % (pages + 1), 404)
    refused(org, base, "/admin/screening?status=approved", 400)
    refused(org, base, path + "&region=31", 400)


# ---------------------------------------------------------------- ranking

def test_ranking_pages_cover_the_table(laurel_server, org, edition):
    base, sid = laurel_server.url, edition["ranked"]
    ranked = [r[0] for r in q(laurel_server, "SELECT case_id, explanation FROM stage_case "
                              "WHERE stage_id = ? AND rank IS NOT NULL ORDER BY rank, case_id",
                              sid) if not json.loads(r[1] or "{}").get("below_quorum")]
    path = "/admin/stages/%d/ranking" % sid
    m = js(org, base, path)
    assert m["pager"]["total"] == len(ranked) and m["pool"] >= len(ranked)
    got = []
    for n in range(1, m["pager"]["pages"] + 1):
        page = js(org, base, path + "?page=%d" % n)
        assert len(page["rows"]) <= PER_PAGE
        got += [r["case_id"] for r in page["rows"]]
        # The counts are the whole pool's on every page.
        assert page["proposed_count"] == m["proposed_count"]
    assert got == ranked, "expected the pages to hold the table in rank order"
    refused(org, base, path + "?page=%d" % (m["pager"]["pages"] + 1), 404)
    refused(org, base, path + "?region=abc", 400)


def test_ranking_search_and_region(laurel_server, org, edition):
    base, sid = laurel_server.url, edition["ranked"]
    path = "/admin/stages/%d/ranking" % sid
    cid, title, unit = q(laurel_server, "SELECT c.id, c.title, u.name FROM stage_case sc "
                         "JOIN \"case\" c ON c.id = sc.case_id JOIN unit u ON u.id = c.unit_id "
                         "WHERE sc.stage_id = ? AND sc.rank = 700", sid)[0]
    one = js(org, base, path + "?q=%d" % cid)
    assert [r["case_id"] for r in one["rows"]] == [cid], one["rows"]
    assert [r["rank"] for r in one["rows"]] == [700]
    assert cid in [r["case_id"] for r in js(org, base, path + "?q=" + title)["rows"]]
    byunit = js(org, base, path + "?q=" + unit)
    assert cid in [r["case_id"] for r in byunit["rows"]] and byunit["pager"]["total"] < 20
    region, n = q(laurel_server, "SELECT c.region_code, count(*) FROM stage_case sc "
                  "JOIN \"case\" c ON c.id = sc.case_id WHERE sc.stage_id = ? "
                  "AND sc.rank IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1", sid)[0]
    rg = js(org, base, path + "?region=" + region)
    assert rg["pager"]["total"] == n
    names = {r["region"] for r in rg["rows"]}
    assert len(names) == 1, "expected the rows of one region, saw %r" % names
    ranks = [r["rank"] for r in rg["rows"]]
    assert ranks == sorted(ranks), "expected the region's rows best first"
    html = org.get(base + path + "?region=" + region, timeout=HTTP_TIMEOUT)
    parse_html(html, path)
    assert 'value="%s" selected' % region in html.text, "expected the region chosen"
    if rg["pager"]["pages"] > 1:
        assert all("region=" + region in h for h in pager_links(org, base, path + "?region="
                                                                  + region))
    none = js(org, base, path + "?q=nothing-of-the-kind")
    assert none["rows"] == [] and none["pager"]["total"] == 0
    html = org.get(base + path + "?q=nothing-of-the-kind", timeout=HTTP_TIMEOUT)
    assert "没有符合条件的记录" in html.text


def test_ranking_page_in_plain_words(laurel_server, org, edition):
    r = org.get(laurel_server.url + "/admin/stages/%d/ranking" % edition["ranked"],
                timeout=HTTP_TIMEOUT)
    p = parse_html(r)
    assert "各项得分的含义" in p.text, "expected the legend of the figures"
    for word in ("z-score", "z 分数", "trimmed_mean", "vote_weight", "normalised", "blended",
                 "borderline", "Jaccard"):
        assert word not in p.text, "expected no %r in the page's words" % word


# ---------------------------------------------------------------- assignments

def test_assignments_search_reviewer_status(laurel_server, org, edition):
    base, sid = laurel_server.url, edition["released"]
    path = "/admin/stages/%d/assignments" % sid
    pool = q(laurel_server, "SELECT count(*) FROM stage_case WHERE stage_id = ?", sid)[0][0]
    m = js(org, base, path)
    assert m["pager"]["total"] == pool and len(m["cases"]) == min(pool, PER_PAGE)
    cid = q(laurel_server, "SELECT case_id FROM stage_case WHERE stage_id = ? ORDER BY case_id "
            "LIMIT 1 OFFSET 120", sid)[0][0]
    one = js(org, base, path + "?q=%d" % cid)
    assert [c["case_id"] for c in one["cases"]] == [cid]
    uid, n = q(laurel_server, "SELECT user_id, count(DISTINCT case_id) FROM assignment "
               "WHERE stage_id = ? AND state <> 'dropped' GROUP BY user_id ORDER BY 2 DESC "
               "LIMIT 1", sid)[0]
    mine = js(org, base, path + "?reviewer=%d" % uid)
    assert mine["pager"]["total"] >= n
    assert all(any(v["user_id"] == uid for v in c["reviewers"]) for c in mine["cases"])
    released = q(laurel_server, "SELECT count(DISTINCT case_id) FROM assignment "
                 "WHERE stage_id = ? AND state = 'released'", sid)[0][0]
    assert js(org, base, path + "?status=released")["pager"]["total"] == released
    short = js(org, base, path + "?status=short")
    assert all(c["short"] for c in short["cases"])
    links = pager_links(org, base, path + "?status=released")
    assert all("status=released" in h for h in links), links
    refused(org, base, path + "?page=%d" % (m["pager"]["pages"] + 1), 404)
    refused(org, base, path + "?status=late", 400)
    refused(org, base, path + "?reviewer=abc", 400)
    refused(org, base, path + "?reviewer=999999", 400)


# ---------------------------------------------------------------- spreadsheets

def sheets(content):
    """{sheet name: [rows of cell strings]} of an XLSX (shared strings and numbers)."""
    z = zipfile.ZipFile(io.BytesIO(content))
    strings = [re.sub(r"<[^>]+>", "", si) for si in
               re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)]
    names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
    out = {}
    for i, name in enumerate(names, 1):
        xml = z.read("xl/worksheets/sheet%d.xml" % i).decode()
        rows = []
        for row in re.findall(r"<row [^>]*>(.*?)</row>", xml, re.S):
            cells = []
            for attrs, v in re.findall(r"<c ([^>]*)>(?:<v>([^<]*)</v>)?</c>", row):
                cells.append(strings[int(v)] if 't="s"' in attrs and v else v)
            rows.append(cells)
        out[name] = rows
    return out


@pytest.mark.parametrize("kind", ["ranking", "scores", "assignments", "results", "cases"])
def test_spreadsheets_speak_chinese(laurel_server, org, edition, kind):
    sid = edition["ranked"] if kind == "ranking" else edition["released"]
    path = {"results": "/results.xlsx", "cases": "/admin/export.xlsx"}.get(
        kind, "/admin/stages/%d/export/%s.xlsx" % (sid, kind))
    r = org.get(laurel_server.url + path, timeout=120)
    assert r.status_code == 200, "expected the %s spreadsheet, saw %d" % (kind, r.status_code)
    book = sheets(r.content)
    for name, rows in book.items():
        assert not re.search(r"[A-Za-z_]", name), "expected a Chinese sheet name, saw %r" % name
        assert rows, "expected rows in sheet %s" % name
        for h in rows[0]:
            assert not re.search(r"[A-Za-z_]", h), (
                "expected the %s header in Chinese, saw %r in %r" % (kind, h, rows[0]))
    first = list(book.values())[0]
    cells = {c for row in first[1:] for c in row}
    for slug in ("proposed", "released", "dropped", "draft", "submitted", "none", "true",
                 "false"):
        assert slug not in cells, "expected no state slug %r in the %s sheet" % (slug, kind)
    assert not any(re.match(r"\d{4}-\d\d-\d\dT", c) for c in cells), "expected no ISO times"
    if kind == "ranking":
        assert "说明" in book and len(book["说明"]) > 5, "expected the legend sheet"
    if kind == "scores":
        header = first[0]
        col = header.index("评审状态")
        assert {row[col] for row in first[1:] if len(row) > col} <= {"已提交", "草稿，未提交"}


def test_cases_spreadsheet_of_the_campaign_chosen(laurel_server, org, edition):
    """The dashboard of an edition exports that edition's cases, not the open call's."""
    camp = edition["campaign"]
    page = org.get(laurel_server.url + "/admin?campaign=%d" % camp, timeout=HTTP_TIMEOUT)
    assert 'href="/admin/export.xlsx?campaign=%d"' % camp in page.text
    r = org.get(laurel_server.url + "/admin/export.xlsx?campaign=%d" % camp, timeout=120)
    assert r.status_code == 200, "expected the edition's spreadsheet, saw %d" % r.status_code
    rows = list(sheets(r.content).values())[0]
    want = q(laurel_server, 'SELECT count(*) FROM "case" WHERE campaign_id = ?', camp)[0][0]
    assert len(rows) - 1 == want, "expected %d cases of campaign %d, saw %d rows" % (
        want, camp, len(rows) - 1)
    assert org.get(laurel_server.url + "/admin/export.xlsx?campaign=999999",
                   timeout=HTTP_TIMEOUT).status_code == 404
