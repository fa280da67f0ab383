"""Every public page: HTML shape, its JSON twins, and the facts it shows."""
import math
import re
import urllib.parse

import pytest

from conftest import api_json, get, get_json, page

LIST_KEYS = {"total", "page", "pages", "per_page", "items", "pager"}
CASE_KEYS = {"id", "title", "summary", "region", "unit", "track", "tier", "tags", "views",
             "published_at", "url"}
CASE_PAGE_KEYS = CASE_KEYS | {"source", "sections", "attachments", "related", "prev", "next",
                              "breadcrumb"}
SECTION_HEADINGS = ["背景与起因", "做法与经过", "成效与反响", "探讨与评论", "附录"]
SHANGHAI = "310000"


@pytest.fixture(scope="module")
def ids(laurel_server):
    """A case id, a news id and a tag name to build the detail URLs from."""
    base = laurel_server.url
    cases = get_json(base, "/cases")
    news = get_json(base, "/news")
    tags = get_json(base, "/tags")
    assert cases["items"] and news["items"] and tags["tags"], (
        "expected cases, news and tags in the demo; saw %d/%d/%d"
        % (len(cases["items"]), len(news["items"]), len(tags["tags"])))
    # A case from the middle so that it has both a previous and a next one.
    mid = get_json(base, "/cases?page=%d" % (cases["pages"] // 2))["items"][0]
    return {"case": mid["id"], "news": news["items"][1]["id"], "tag": tags["tags"][0]["name"],
            "cases_total": cases["total"]}


PATHS = ["/", "/cases", "/cases/{case}", "/results", "/regions", "/regions/310000", "/tags",
         "/tags/{tag}", "/news", "/news/{news}", "/search?q=%E7%A4%BE%E5%8C%BA"]
COUNTED = {"/cases/{case}", "/news/{news}"}


def fill(tmpl, ids):
    return tmpl.format(case=ids["case"], news=ids["news"],
                       tag=urllib.parse.quote(ids["tag"]))


def strip_views(model):
    """The model without view counts (they move while the tests run)."""
    if isinstance(model, dict):
        return {k: strip_views(v) for k, v in model.items() if k != "views"}
    if isinstance(model, list):
        return [strip_views(v) for v in model]
    return model


@pytest.mark.parametrize("tmpl", PATHS)
def test_page_html_shape(base, ids, tmpl):
    path = fill(tmpl, ids)
    p = page(base, path)
    assert p.html_lang == "zh-CN", "%s: expected <html lang=\"zh-CN\">, saw lang=%r" % (
        path, p.html_lang)
    assert len(p.titles) == 1 and p.titles[0], "%s: expected one non-empty <title>, saw %r" % (
        path, p.titles)
    assert len(p.h1) == 1 and p.h1[0], "%s: expected exactly one non-empty <h1>, saw %r" % (
        path, p.h1)
    assert "案例征集评选" in p.titles[0], "%s: expected the site name in <title>, saw %r" % (
        path, p.titles[0])


@pytest.mark.parametrize("tmpl", PATHS)
def test_page_json_twins_agree(base, ids, tmpl):
    path = fill(tmpl, ids)
    by_accept = get_json(base, path)
    by_api = api_json(base, path)
    if tmpl in COUNTED:
        assert by_api["views"] == by_accept["views"] + 1, (
            "%s: expected the API view to count one more view than the Accept one, saw %r then %r"
            % (path, by_accept["views"], by_api["views"]))
    by_accept, by_api = strip_views(by_accept), strip_views(by_api)
    assert by_accept == by_api, ("%s: expected the Accept: application/json and /api/v1 models "
                                 "to be equal; saw keys %s vs %s"
                                 % (path, sorted(by_accept), sorted(by_api)))


@pytest.mark.parametrize("tmpl", ["/cases", "/regions/310000", "/tags/{tag}",
                                  "/search?q=%E7%A4%BE%E5%8C%BA", "/news"])
def test_list_json_keys_and_html_agree(base, ids, tmpl):
    path = fill(tmpl, ids)
    m = get_json(base, path)
    missing = LIST_KEYS - set(m)
    assert not missing, "%s: expected list keys %s, saw %s missing" % (path, sorted(LIST_KEYS),
                                                                      sorted(missing))
    assert m["pages"] == math.ceil(m["total"] / m["per_page"]), (
        "%s: expected pages = ceil(%d/%d), saw %d" % (path, m["total"], m["per_page"], m["pages"]))
    assert len(m["items"]) == min(m["per_page"], m["total"]), (
        "%s: expected %d items on page 1, saw %d"
        % (path, min(m["per_page"], m["total"]), len(m["items"])))
    p = page(base, path)
    html_titles = {t for h, t in p.links}
    for it in m["items"]:
        assert it["title"] in html_titles, ("%s: expected JSON item %r to be a link in the HTML; "
                                            "it was not" % (path, it["title"]))
        if tmpl != "/news":
            assert CASE_KEYS <= set(it), "%s: expected case keys %s, saw %s" % (
                path, sorted(CASE_KEYS), sorted(it))
    if tmpl != "/news" and m["total"]:
        assert ("共 %d 个案例" % m["total"]) in p.text or ("找到 %d 个相关案例" % m["total"]) in p.text, (
            "%s: expected the HTML to state the total %d; it did not" % (path, m["total"]))


def test_case_json_keys(base, ids):
    c = get_json(base, "/cases/%d" % ids["case"])
    missing = CASE_PAGE_KEYS - set(c)
    assert not missing, "expected case page keys %s, saw %s missing" % (
        sorted(CASE_PAGE_KEYS), sorted(missing))
    assert set(c["region"]) >= {"code", "name"}, "expected region{code,name}, saw %r" % c["region"]
    assert set(c["unit"]) >= {"id", "name"}, "expected unit{id,name}, saw %r" % c["unit"]
    assert set(c["track"]) >= {"slug", "name"}, "expected track{slug,name}, saw %r" % c["track"]
    assert c["tier"] is None or set(c["tier"]) >= {"slug", "name"}, (
        "expected tier{slug,name} or null, saw %r" % c["tier"])
    assert c["url"] == "/cases/%d" % ids["case"], "expected url /cases/%d, saw %r" % (
        ids["case"], c["url"])
    assert [s["seq"] for s in c["sections"]] == [1, 2, 3, 4, 5], (
        "expected sections 1..5, saw %r" % [s["seq"] for s in c["sections"]])
    for s in c["sections"]:
        assert {"seq", "heading", "body_html"} <= set(s), "expected section keys, saw %r" % sorted(s)
    assert len(c["related"]) >= 5, "expected >= 5 related cases, saw %d" % len(c["related"])
    assert c["prev"] and c["next"], "expected prev and next for a mid case, saw %r / %r" % (
        c["prev"], c["next"])


def test_case_page_content(base, ids):
    cid = ids["case"]
    c = get_json(base, "/cases/%d" % cid)
    p = page(base, "/cases/%d" % cid)
    assert p.h1 == [c["title"]], "expected <h1> %r, saw %r" % (c["title"], p.h1)
    assert c["title"] in p.titles[0], "expected the case title in <title>, saw %r" % p.titles[0]
    want = "您的位置：首页>案例展示>%s>正文" % c["region"]["name"]
    crumb = re.search(r"您的位置：.*?正文", p.text)
    seen = crumb.group(0).replace(" ", "") if crumb else None
    assert seen == want, "expected breadcrumb %r, saw %r" % (want, seen)
    for label, value in [("时间", c["published_at"]), ("来源", c["source"]),
                         ("作者", c["unit"]["name"])]:
        assert "%s：%s" % (label, value) in p.text, "expected '%s：%s' on the page; not found" % (
            label, value)
    m = re.search(r"点击 (\d+) 次", p.text)
    assert m, "expected '点击 N 次' on the case page; not found"
    assert int(m.group(1)) >= c["views"] + 1, (
        "expected the HTML view count (%s) to be after the JSON one (%d)" % (m.group(1), c["views"]))
    h2 = [t for t in re.findall(r"<h2>([^<]*)</h2>", get(base, "/cases/%d" % cid).text)]
    for h in SECTION_HEADINGS:
        assert h in h2, "expected section heading %r, saw headings %r" % (h, h2)
    assert [h for h in h2 if h in SECTION_HEADINGS] == SECTION_HEADINGS, (
        "expected the five headings in order %r, saw %r" % (SECTION_HEADINGS, h2))
    hrefs = {h for h, t in p.links}
    related = [r["url"] for r in c["related"]]
    assert len(related) >= 5 and all(u in hrefs for u in related), (
        "expected >= 5 related case links on the page, saw %d related, missing %r"
        % (len(related), [u for u in related if u not in hrefs]))
    for k, label in [("prev", "上一篇"), ("next", "下一篇")]:
        assert (c[k]["url"], c[k]["title"]) in p.links, (
            "expected a %s link %r to %s; not found" % (label, c[k]["title"], c[k]["url"]))
        assert label + "：" + c[k]["title"] in p.text, "expected '%s：%s' on the page" % (
            label, c[k]["title"])
    assert c["prev"]["id"] < cid < c["next"]["id"], (
        "expected prev id < %d < next id, saw %r and %r" % (cid, c["prev"]["id"], c["next"]["id"]))


def test_news_page_content(base, ids):
    a = get_json(base, "/news/%d" % ids["news"])
    p = page(base, "/news/%d" % ids["news"])
    assert p.h1 == [a["title"]], "expected <h1> %r, saw %r" % (a["title"], p.h1)
    for label, value in [("时间", a["published_at"]), ("来源", a["source"]), ("作者", a["author"])]:
        assert "%s：%s" % (label, value) in p.text, "expected '%s：%s' on the news page" % (
            label, value)
    assert re.search(r"点击 \d+ 次", p.text), "expected '点击 N 次' on the news page; not found"
    crumb = re.search(r"您的位置：.*?正文", p.text)
    assert crumb and crumb.group(0).replace(" ", "") == "您的位置：首页>新闻动态>正文", (
        "expected breadcrumb 您的位置：首页>新闻动态>正文, saw %r" % (crumb and crumb.group(0)))


@pytest.mark.parametrize("how", ["query", "header"])
def test_english(base, ids, how):
    path = "/cases/%d" % ids["case"]
    if how == "query":
        p = page(base, path + "?lang=en")
    else:
        p = page(base, path, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert p.html_lang == "en", "expected <html lang=\"en\"> (%s), saw %r" % (how, p.html_lang)
    texts = {t for h, t in p.links}
    for word in ["Home", "Cases", "Results", "Regions", "Tags", "News"]:
        assert word in texts, "expected English navigation link %r (%s), saw %r" % (
            word, how, sorted(texts)[:20])
    assert "案例展示" not in texts, "expected no Chinese navigation in English (%s)" % how
    # The default stays Chinese.
    zh = page(base, "/")
    assert zh.html_lang == "zh-CN" and "首页" in {t for h, t in zh.links}, (
        "expected Chinese navigation without lang, saw lang=%r" % zh.html_lang)


def test_results_counts(base):
    r = get_json(base, "/results")
    tiers = {t["slug"]: t for t in r["tiers"]}
    assert set(tiers) == {"best", "excellent"}, "expected tiers best, excellent; saw %r" % sorted(
        tiers)
    assert (tiers["best"]["name"], len(tiers["best"]["items"])) == ("最佳案例", 40), (
        "expected 40 最佳案例, saw %r %d" % (tiers["best"]["name"], len(tiers["best"]["items"])))
    assert (tiers["excellent"]["name"], len(tiers["excellent"]["items"])) == ("优秀案例", 90), (
        "expected 90 优秀案例, saw %r %d"
        % (tiers["excellent"]["name"], len(tiers["excellent"]["items"])))
    assert sum(row["awarded"] for row in r["table"]) == 130, (
        "expected the by-region table to sum to 130, saw %d" % sum(x["awarded"] for x in r["table"]))
    leader = r["leader"]
    assert (leader["code"], leader["name"], leader["awarded"], leader["awards"]) == (
        SHANGHAI, "上海市", 13, {"best": 5, "excellent": 8}), "expected leader 上海市 5+8=13, saw %r" % (
        leader,)
    leaders = [row for row in r["table"] if row["leader"]]
    assert len(leaders) == 1 and leaders[0]["code"] == SHANGHAI and leaders[0]["counts"] == [5, 8], (
        "expected exactly one leader row, 上海市 [5, 8]; saw %r" % leaders)
    most = max(row["awarded"] for row in r["table"] if row["code"] != SHANGHAI)
    assert most < 13, "expected Shanghai to have the most awards; another region has %d" % most


def test_results_html(base):
    r = get_json(base, "/results")
    resp = get(base, "/results")
    p = page(base, "/results")
    assert p.h1 == ["评选结果"], "expected <h1> 评选结果, saw %r" % p.h1
    assert p.svg >= 1, "expected an inline <svg> chart on /results; saw none"
    assert "<svg" in resp.text.split("<main", 1)[1], "expected the <svg> inline in <main>"
    rows = re.findall(r'<tr class="leader">(.*?)</tr>', resp.text, re.S)
    assert len(rows) == 1, "expected one <tr class=\"leader\">, saw %d" % len(rows)
    row = rows[0]
    assert "上海市" in row and "leader-mark" in row and "入选最多" in row, (
        "expected the leader row to be 上海市 marked 入选最多; saw %r" % re.sub(r"\s+", " ", row)[:300])
    cells = [int(x) for x in re.findall(r"<td>(\d+)</td>", row)]
    assert cells == [5, 8, 13], "expected Shanghai's cells 5 / 8 / 13, saw %r" % cells
    assert "最佳案例（40）" in p.text and "优秀案例（90）" in p.text, (
        "expected headings 最佳案例（40） and 优秀案例（90） on /results")
    links = {t for h, t in p.links}
    sh = [c for t in r["tiers"] for c in t["items"] if c["region"]["code"] == SHANGHAI]
    assert len(sh) == 13, "expected 13 Shanghai awarded cases in JSON, saw %d" % len(sh)
    missing = [c["title"] for c in sh if c["title"] not in links]
    assert not missing, "expected all 13 Shanghai titles on /results; missing %r" % missing
    all_awarded = [c for t in r["tiers"] for c in t["items"]]
    missing = [c["title"] for c in all_awarded if c["title"] not in links]
    assert not missing, "expected all 130 awarded titles on /results; %d missing" % len(missing)


def test_regions(base, ids):
    m = get_json(base, "/regions")
    regions = m["regions"]
    assert len(regions) == 32, "expected 32 regions, saw %d" % len(regions)
    assert sum(x["cases"] for x in regions) == ids["cases_total"], (
        "expected region counts to sum to %d, saw %d"
        % (ids["cases_total"], sum(x["cases"] for x in regions)))
    sh = [x for x in regions if x["code"] == SHANGHAI]
    assert sh and sh[0]["name"] == "上海市" and sh[0]["awarded"] == 13, (
        "expected 上海市 with 13 awarded, saw %r" % sh)
    p = page(base, "/regions")
    for x in regions:
        assert x["name"] in {t for h, t in p.links}, "expected a link for %s on /regions" % x["name"]
    row = re.search(r'<tr><th scope="row"><a href="/regions/310000">上海市</a></th>(.*?)</tr>',
                    get(base, "/regions").text)
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1)) if row else None
    assert cells == [sh[0]["source"], str(sh[0]["cases"]), "13"], (
        "expected the /regions row 上海市 | %s | %d | 13, saw %r" % (sh[0]["source"], sh[0]["cases"],
                                                                  cells))
    r = get_json(base, "/regions/" + SHANGHAI)
    assert r["total"] == sh[0]["cases"], "expected /regions/310000 total %d, saw %d" % (
        sh[0]["cases"], r["total"])
    assert all(c["region"]["code"] == SHANGHAI for c in r["items"]), (
        "expected only Shanghai cases on /regions/310000")
    rp = page(base, "/regions/" + SHANGHAI)
    assert rp.h1 == ["上海市"], "expected <h1> 上海市, saw %r" % rp.h1


def test_tags_page(base, ids):
    m = get_json(base, "/tags")
    p = page(base, "/tags")
    links = dict((t, h) for h, t in p.links)
    for t in m["tags"]:
        assert links.get(t["name"]) == t["url"], "expected tag link %s -> %s, saw %r" % (
            t["name"], t["url"], links.get(t["name"]))
    first = m["tags"][0]
    tg = get_json(base, first["url"])
    assert tg["total"] == first["count"], "expected tag %s total %d, saw %d" % (
        first["name"], first["count"], tg["total"])
    assert all(first["name"] in c["tags"] for c in tg["items"]), (
        "expected every case on %s to carry that tag" % first["url"])
    tp = page(base, first["url"])
    assert tp.h1 == ["标签：" + first["name"]], "expected <h1> 标签：%s, saw %r" % (
        first["name"], tp.h1)


def test_home(base, ids):
    m = get_json(base, "/")
    p = page(base, "/")
    assert p.h1[:1] == [m["campaign"]["name"]], "expected first <h1> %r, saw %r" % (
        m["campaign"]["name"], p.h1)
    assert m["campaign"]["figures"]["cases"] == ids["cases_total"], (
        "expected figures.cases %d, saw %r" % (ids["cases_total"], m["campaign"]["figures"]))
    links = {t for h, t in p.links}
    for n in m["news"] + m["featured"]:
        assert n["title"] in links, "expected home link %r" % n["title"]
    assert all(f["tier"] and f["tier"]["slug"] == "best" for f in m["featured"]), (
        "expected featured cases to be 最佳案例")


# ------------------------------------------------------------------ filters

def test_filter_region(base):
    sh = [x for x in get_json(base, "/regions")["regions"] if x["code"] == SHANGHAI][0]
    m = get_json(base, "/cases?region=" + SHANGHAI)
    assert m["total"] == sh["cases"], "expected region filter total %d (regions page), saw %d" % (
        sh["cases"], m["total"])
    last = get_json(base, "/cases?region=%s&page=%d" % (SHANGHAI, m["pages"]))
    bad = [c["region"]["code"] for c in m["items"] + last["items"] if c["region"]["code"] != SHANGHAI]
    assert not bad, "expected only Shanghai items, saw regions %r" % bad
    p = page(base, "/cases?region=" + SHANGHAI)
    assert re.search(r'<option value="310000" selected>上海市</option>',
                     get(base, "/cases?region=" + SHANGHAI).text), (
        "expected 上海市 selected in the region filter")
    assert "共 %d 个案例" % sh["cases"] in p.text, "expected '共 %d 个案例' in HTML" % sh["cases"]


def test_filter_tier(base):
    best = get_json(base, "/cases?tier=best")
    assert best["total"] == 40, "expected tier=best total 40, saw %d" % best["total"]
    items = best["items"] + get_json(base, "/cases?tier=best&page=2")["items"]
    assert len(items) == 40 and all(c["tier"]["slug"] == "best" for c in items), (
        "expected 40 best items over two pages, saw %d" % len(items))
    exc = get_json(base, "/cases?tier=excellent")
    assert exc["total"] == 90, "expected tier=excellent total 90, saw %d" % exc["total"]
    both = get_json(base, "/cases?tier=best&region=" + SHANGHAI)
    assert both["total"] == 5, "expected 5 best Shanghai cases, saw %d" % both["total"]


def test_filter_track(base):
    tracks = get_json(base, "/")["campaign"]["tracks"]
    assert tracks, "expected tracks in the campaign"
    total = 0
    for t in tracks:
        m = get_json(base, "/cases?track=" + t["slug"])
        assert m["total"] == t["cases"], "expected track %s total %d, saw %d" % (
            t["slug"], t["cases"], m["total"])
        bad = [c["track"]["slug"] for c in m["items"] if c["track"]["slug"] != t["slug"]]
        assert not bad, "expected only track %s, saw %r" % (t["slug"], bad)
        total += m["total"]
    assert total == get_json(base, "/cases")["total"], "expected tracks to partition the cases"


def test_filter_tag(base, ids):
    tag = ids["tag"]
    m = get_json(base, "/cases?tag=" + urllib.parse.quote(tag))
    t = get_json(base, "/tags/" + urllib.parse.quote(tag))
    assert m["total"] == t["total"] > 0, "expected tag filter total == /tags/%s total, saw %d vs %d" % (
        tag, m["total"], t["total"])
    assert all(tag in c["tags"] for c in m["items"]), "expected every item tagged %s" % tag


def test_sort_views(base):
    m = get_json(base, "/cases?sort=views")
    views = [c["views"] for c in m["items"]]
    assert views == sorted(views, reverse=True), "expected views descending, saw %r" % views
    p2 = [c["views"] for c in get_json(base, "/cases?sort=views&page=2")["items"]]
    assert p2 == sorted(p2, reverse=True) and min(views) >= max(p2), (
        "expected page 2 views (max %d) <= page 1 (min %d)" % (max(p2), min(views)))
    top = get_json(base, "/cases?sort=views&tier=best")["items"]
    tv = [c["views"] for c in top]
    assert tv == sorted(tv, reverse=True), "expected sort=views with tier=best descending, saw %r" % tv


def test_pagination(base):
    p1 = get_json(base, "/cases")
    p2 = get_json(base, "/cases?page=2")
    assert p1["pages"] == math.ceil(p1["total"] / p1["per_page"]), (
        "expected pages = ceil(%d/%d), saw %d" % (p1["total"], p1["per_page"], p1["pages"]))
    ids1 = [c["id"] for c in p1["items"]]
    ids2 = [c["id"] for c in p2["items"]]
    assert ids1 and ids2 and not set(ids1) & set(ids2), (
        "expected page 2 to differ from page 1, saw overlap %r" % sorted(set(ids1) & set(ids2)))
    assert p2["page"] == 2 and p2["pager"]["prev_url"] == "/cases", (
        "expected page 2 with prev_url /cases, saw %r" % p2["pager"])
    assert p1["pager"]["next_url"] == "/cases?page=2", "expected next_url /cases?page=2, saw %r" % (
        p1["pager"].get("next_url"))
    last = get_json(base, "/cases?page=%d" % p1["pages"])
    expect_last = p1["total"] - (p1["pages"] - 1) * p1["per_page"]
    assert len(last["items"]) == expect_last and "next_url" not in last["pager"], (
        "expected %d items and no next on the last page, saw %d / %r"
        % (expect_last, len(last["items"]), last["pager"].get("next_url")))
    f = get_json(base, "/cases?region=%s&sort=views&page=2" % SHANGHAI)
    assert f["pager"]["prev_url"] == "/cases?region=310000&sort=views", (
        "expected the pager to keep the filters, saw %r" % f["pager"]["prev_url"])
    h = page(base, "/cases?page=2")
    assert "第 2 页，共 %d 页" % p1["pages"] in h.text, "expected '第 2 页，共 %d 页' in HTML" % (
        p1["pages"])
    assert ("/cases?page=3", "3") in h.links, "expected a link to page 3 on page 2"
