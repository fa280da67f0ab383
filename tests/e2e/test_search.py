"""Search: long queries (trigram, body included), short ones (bigram index over
title, unit, tags and summary), AND of words, and FTS syntax that must stay text."""
import urllib.parse

import pytest

from conftest import get, get_json, healthz, page


def search(base, q, extra=""):
    return get_json(base, "/search?q=" + urllib.parse.quote(q) + extra)


def haystack(c):
    return "\n".join([c["title"], c["summary"], c["unit"]["name"]] + c["tags"])


def sample_pages(base, q):
    """Items of the first two pages and the last page of a search."""
    first = search(base, q)
    items = list(first["items"])
    for n in sorted({2, first["pages"]}):
        if 1 < n <= first["pages"]:
            items += search(base, q, "&page=%d" % n)["items"]
    return first, items


def test_lujiazui(base):
    m = search(base, "陆家嘴")
    titles = [c["title"] for c in m["items"]]
    assert m["total"] >= 1 and any("陆家嘴" in t for t in titles), (
        "expected the 陆家嘴 case for q=陆家嘴, saw total %d titles %r" % (m["total"], titles))
    assert m["searched"] is True and m["q"] == "陆家嘴", "expected searched/q echoed, saw %r/%r" % (
        m.get("searched"), m.get("q"))
    p = page(base, "/search?q=" + urllib.parse.quote("陆家嘴"))
    assert any("陆家嘴" in t for h, t in p.links), "expected a 陆家嘴 result link in the HTML"
    assert "找到 %d 个相关案例" % m["total"] in p.text, "expected '找到 %d 个相关案例'" % m["total"]


def check_every_result_contains(base, q):
    """Some results for q, and q in the title, summary, tags or unit of each sampled one."""
    first, items = sample_pages(base, q)
    assert first["total"] > 0, "expected results for the %d-character query %r, saw 0" % (
        len(q), q)
    bad = [c["title"] for c in items if q not in haystack(c)]
    assert not bad, ("expected every result for %r to contain it in title/summary/tags/unit; "
                     "%d of %d did not, e.g. %r" % (q, len(bad), len(items), bad[:3]))


@pytest.mark.parametrize("q", ["社区", "物业", "楼宇"])
def test_two_characters(base, q):
    check_every_result_contains(base, q)


@pytest.mark.parametrize("q", ["楼", "治", "沪"])
def test_one_character(base, q):
    check_every_result_contains(base, q)


def test_one_character_covers_two(base):
    one = search(base, "社")["total"]
    two = search(base, "社区")["total"]
    assert one >= two > 0, "expected total(社) >= total(社区) > 0, saw %d and %d" % (one, two)


def test_nonsense(base):
    q = "zzqxjvw鿿鿿"
    m = search(base, q)
    assert m["total"] == 0 and m["items"] == [], "expected no results for %r, saw %d" % (q, m["total"])
    p = page(base, "/search?q=" + urllib.parse.quote(q))
    assert "没有找到" in p.text, "expected the '没有找到' message for a nonsense query; not shown"
    assert "找到 0 个相关案例" in p.text, "expected '找到 0 个相关案例' for a nonsense query"


def test_and_of_short_words(base):
    a, b = "社区", "物业"
    both, items = sample_pages(base, a + " " + b)
    ta, tb = search(base, a)["total"], search(base, b)["total"]
    assert 0 < both["total"] <= min(ta, tb), (
        "expected 0 < total('%s %s') <= min(%d, %d), saw %d" % (a, b, ta, tb, both["total"]))
    bad = [c["title"] for c in items if a not in haystack(c) or b not in haystack(c)]
    assert not bad, "expected every result to contain both %s and %s; %d did not, e.g. %r" % (
        a, b, len(bad), bad[:3])
    same = search(base, b + "\u3000" + a)["total"]
    assert same == both["total"], (
        "expected the ideographic space to separate words like a space: %d vs %d"
        % (same, both["total"]))


def test_and_of_long_words(base):
    hit = search(base, "陆家嘴 金融城")
    assert hit["total"] >= 1 and all("陆家嘴" in c["title"] for c in hit["items"]), (
        "expected q='陆家嘴 金融城' to find the 陆家嘴 case, saw %r" % [c["title"] for c in hit["items"]])
    miss = search(base, "陆家嘴 zzqxjvw")
    assert miss["total"] == 0, "expected AND with a nonsense word to find nothing, saw %d" % (
        miss["total"])


@pytest.mark.parametrize("q", [
    '"', '""', '"""', '"社区', '社区"', '*', '社*', '(', ')', '()', '(社区', 'NEAR', 'NEAR(社区 物业)',
    'NEAR(a b, 2)', 'a OR b', 'NOT 社区', '社区 AND 物业', '-社区', '^社区', 'title:社区', 'tags:党建',
    '{title unit}: 社区', '+', '\\', "'", "';--", '%', '陆家嘴*', '。', '，', '社区，物业', 'ａｂｃ',
    'x' * 256, '社' * 85,
])
def test_fts_syntax_is_text(base, q):
    r = get(base, "/search?q=" + urllib.parse.quote(q), headers={"Accept": "application/json"})
    assert r.status_code == 200, "expected 200 for q=%r, saw %d: %s" % (q, r.status_code, r.text[:200])
    m = r.json()
    assert isinstance(m.get("total"), int) and m["q"] == q.lstrip(" "), (
        "expected a list echoing q=%r, saw %r" % (q, {k: m.get(k) for k in ("q", "total")}))
    h = get(base, "/search?q=" + urllib.parse.quote(q))
    assert h.status_code == 200, "expected HTML 200 for q=%r, saw %d" % (q, h.status_code)
    healthz(base, "q=%r" % q)


def test_overlong_query_is_400(base):
    r = get(base, "/search?q=" + "x" * 257)
    assert r.status_code == 400, "expected 400 for a 257-byte query, saw %d" % r.status_code
    healthz(base, "an overlong query")


@pytest.mark.parametrize("q", ["\t", "\u3000", " \u3000 "])
def test_blank_query_finds_nothing(base, q):
    m = search(base, q)
    assert m["total"] == 0, "expected a blank query %r to find nothing, saw total %d (searched=%r)" % (
        q, m["total"], m.get("searched"))
