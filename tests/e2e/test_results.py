"""The results of the published campaign, checked against the database: the
results page (totals by tier, the table by region with a count per tier,
sortable by a script of the site's own, the chart, the list by tier), its
JSON twin, the XLSX download (opened and read back: Chinese headers, no
codes, every row), and each region's own results on its page.

Read-only: it uses the session's shared demo server."""
import io
import os
import re
import zipfile

import pytest

from conftest import db_connect, get, get_json, parse_html


@pytest.fixture(scope="module")
def truth(laurel_server):
    """From the database: tiers [(slug, name)], awards by region {name: {tier: n}}, the
    awarded cases [(tier name, title, unit, region name, region code, track)]."""
    c = db_connect(laurel_server.data)
    try:
        campaign = c.execute("SELECT id FROM campaign WHERE status = 'published' "
                             "ORDER BY published_at DESC, id DESC LIMIT 1").fetchone()[0]
        tiers = c.execute("SELECT slug, name FROM tier WHERE campaign_id = ? ORDER BY rank",
                          (campaign,)).fetchall()
        cases = c.execute(
            "SELECT t.name, k.title, u.name, r.name, r.code, tr.name FROM \"case\" k "
            "JOIN tier t ON t.id = k.tier_id JOIN unit u ON u.id = k.unit_id "
            "JOIN region r ON r.code = k.region_code JOIN track tr ON tr.id = k.track_id "
            "WHERE k.campaign_id = ? AND k.published_at IS NOT NULL "
            "ORDER BY t.rank, k.region_code, k.id", (campaign,)).fetchall()
    finally:
        c.close()
    by_region = {}
    for tier, _, _, region, code, _ in cases:
        by_region.setdefault((code, region), {}).setdefault(tier, 0)
        by_region[(code, region)][tier] += 1
    return {"tiers": tiers, "cases": cases, "by_region": by_region}


def cell_text(s):
    return re.sub(r"<[^>]+>", "", s).replace("&amp;", "&").strip()


def test_results_page_matches_the_database(base, truth):
    r = get(base, "/results")
    assert r.status_code == 200
    parse_html(r, "/results")
    html = r.text
    names = [n for _, n in truth["tiers"]]
    # Totals by tier, and in all.
    for name in names:
        n = sum(1 for c in truth["cases"] if c[0] == name)
        assert re.search(r"<strong>%d</strong> %s</a>" % (n, re.escape(name)), html), (
            "expected the total of %s (%d) on /results" % (name, n))
    assert "<strong>%d</strong> 合计" % len(truth["cases"]) in html
    # The table by region: one row per awarded region, counts in tier order, then the total.
    rows = re.findall(r'<tr[^>]*>\s*<th scope="row" data-value="(\d{6})">(.*?)</tr>', html, re.S)
    assert len(rows) == len(truth["by_region"])
    for code, row in rows:
        region = next(k for k in truth["by_region"] if k[0] == code)
        want = [truth["by_region"][region].get(n, 0) for n in names]
        cells = [int(cell_text(td)) for td in re.findall(r"<td>(.*?)</td>", row)]
        assert cells == want + [sum(want)], "region %s: expected %r, saw %r" % (
            region[1], want + [sum(want)], cells)
    # Sortable by a script of the site's own, no inline script; the chart is there.
    assert "<table class=\"results-table\" data-sortable>" in html
    assert '<script src="/static/results.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "expected no inline script"
    assert get(base, "/static/results.js").status_code == 200
    assert "<svg" in html
    # The chart scales to the column: on a phone (a 358 px column) its labels still read at
    # 12 px or more.
    view_w = float(re.search(r'<svg[^>]*viewBox="0 0 (\d+) \d+"', html).group(1))
    sizes = {float(x) for x in re.findall(r'<text[^>]*font-size="([\d.]+)"', html)}
    assert sizes and min(sizes) * 358 / view_w >= 12, (
        "expected chart labels of 12 px or more at 358 px wide, saw %r in a width of %g"
        % (sorted(sizes), view_w))
    # The list by tier: every awarded case under its tier, in its section.
    sections = dict(re.findall(r'<h2 id="tier-([a-z-]+)">.*?</h2>(.*?)</section>', html, re.S))
    for slug, name in truth["tiers"]:
        titles = [cell_text(t) for t in re.findall(r'<li><a href="/cases/\d+">(.*?)</a>',
                                                   sections[slug])]
        assert titles == [c[1] for c in truth["cases"] if c[0] == name]
    assert 'href="/results.xlsx"' in html


def test_results_json_twin(base, truth):
    m = get_json(base, "/results")
    assert m["awarded"] == len(truth["cases"])
    assert [t["name"] for t in m["tiers"]] == [n for _, n in truth["tiers"]]
    assert [t["awarded"] for t in m["tiers"]] == [
        sum(1 for c in truth["cases"] if c[0] == n) for _, n in truth["tiers"]]


def read_xlsx(data):
    """{sheet name: [[cell values]]} of a workbook (shared strings and numbers)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = [re.sub(r"<[^>]+>", "", s).replace("&amp;", "&")
              for s in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)]
    names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
    sheets = {}
    for i, name in enumerate(names, 1):
        xml = z.read("xl/worksheets/sheet%d.xml" % i).decode()
        rows = []
        for row in re.findall(r"<row [^>]*>(.*?)</row>", xml, re.S):
            cells = []
            for attrs, v in re.findall(r"<c ([^>]*)>(?:<f>.*?</f>)?<v>(.*?)</v></c>", row):
                cells.append(shared[int(v)] if 't="s"' in attrs else float(v))
            rows.append(cells)
        sheets[name] = rows
    return sheets


def test_results_xlsx(base, truth):
    r = get(base, "/results.xlsx")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    sheets = read_xlsx(r.content)
    assert list(sheets) == ["按地区汇总", "获奖名单"]
    names = [n for _, n in truth["tiers"]]
    regions = sheets["按地区汇总"]
    assert regions[0] == ["地区"] + names + ["合计"]
    body = {row[0]: row[1:] for row in regions[1:-1]}
    want = {region: [float(counts.get(n, 0)) for n in names] + [float(sum(counts.values()))]
            for (_, region), counts in truth["by_region"].items()}
    assert body == want
    assert regions[-1] == ["合计"] + [float(sum(1 for c in truth["cases"] if c[0] == n))
                                     for n in names] + [float(len(truth["cases"]))]
    awards = sheets["获奖名单"]
    assert awards[0] == ["等次", "序号", "案例名称", "申报单位", "地区", "类别"]
    seen = [(row[0], row[2], row[3], row[4], row[5]) for row in awards[1:]]
    assert seen == [(t, title, unit, region, track)
                    for t, title, unit, region, _, track in truth["cases"]]
    numbers = [row[1] for row in awards[1:] if row[0] == names[0]]
    assert numbers == [float(i) for i in range(1, len(numbers) + 1)]
    # No raw codes: no tier slug, no region code anywhere.
    flat = " ".join(str(v) for rows in sheets.values() for row in rows for v in row)
    for slug, _ in truth["tiers"]:
        assert slug not in flat.split()
    assert not re.search(r"\b\d{6}\b", flat)
    # In English on request.
    en = read_xlsx(get(base, "/results.xlsx?lang=en").content)
    assert list(en) == ["By region", "Awarded cases"]
    assert en["By region"][0][0] == "Region"


def test_region_pages_carry_their_results(base, truth):
    names = [n for _, n in truth["tiers"]]
    top = max(truth["by_region"].items(), key=lambda kv: sum(kv[1].values()))
    (code, region), counts = top
    r = get(base, "/regions/%s" % code)
    assert r.status_code == 200
    parse_html(r)
    html = r.text
    section = re.search(r'<section class="region-results".*?</section>', html, re.S).group(0)
    for n in names:
        assert "<li><strong>%d</strong> %s</li>" % (counts.get(n, 0), n) in section
    assert "<strong>%d</strong> 合计" % sum(counts.values()) in section
    # Each tier's awarded cases of the region, under its heading (newest first, as lists are).
    for n in names:
        part = re.search(r"<h3>%s（\d+）</h3>\s*<ol[^>]*>(.*?)</ol>" % re.escape(n), section, re.S)
        titles = [cell_text(t) for t in re.findall(r'<li><a href="/cases/\d+">(.*?)</a>',
                                                   part.group(1))] if part else []
        assert sorted(titles) == sorted(c[1] for c in truth["cases"] if c[4] == code and
                                        c[0] == n), "region %s, tier %s" % (region, n)
    m = get_json(base, "/regions/%s" % code)
    assert [t["count"] for t in m["results"]] == [counts.get(n, 0) for n in names]
    # A region with cases but no award shows no results section.
    quiet = [g["code"] for g in get_json(base, "/regions")["regions"]
             if g["cases"] and not any(k[0] == g["code"] for k in truth["by_region"])]
    if quiet:
        html = get(base, "/regions/%s" % quiet[0]).text
        assert 'class="region-results"' not in html
