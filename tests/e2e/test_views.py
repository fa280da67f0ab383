"""View counters: +1 per GET of a counted page (HTML and JSON, cached or not),
kept across a graceful restart."""
import re

from conftest import get, get_json, healthz


def views_of(base, path):
    return get_json(base, path)["views"]


def html_views(base, path):
    r = get(base, path)
    assert r.status_code == 200, "GET %s: expected 200, saw %d" % (path, r.status_code)
    m = re.search(r'<strong class="view-count">(\d+)</strong>', r.text)
    assert m, "GET %s: expected a view count on the page; none" % path
    return int(m.group(1))


def check_increments(base, path):
    v0 = views_of(base, path)
    v1 = views_of(base, path)
    assert v1 == v0 + 1, "%s: expected JSON GET to count 1 view (%d -> %d), saw %d" % (
        path, v0, v0 + 1, v1)
    h = html_views(base, path)
    assert h == v1 + 1, "%s: expected the HTML GET to show %d, saw %d" % (path, v1 + 1, h)
    h2 = html_views(base, path)  # a page cache hit must count too
    assert h2 == h + 1, "%s: expected a second HTML GET to show %d, saw %d" % (path, h + 1, h2)
    v2 = views_of(base, "/api/v1" + path)
    assert v2 == h2 + 1, "%s: expected /api/v1 GET to show %d, saw %d" % (path, h2 + 1, v2)
    en = html_views(base, path + "?lang=en")
    assert en == v2 + 1, "%s: expected the English page to share the counter (%d), saw %d" % (
        path, v2 + 1, en)
    return en


def test_case_views_increment_by_one(base):
    check_increments(base, "/cases/17")


def test_news_views_increment_by_one(base):
    check_increments(base, "/news/2")


def test_not_found_is_not_counted(base):
    before = views_of(base, "/cases/18")
    for p in ["/cases/018", "/cases/18x", "/cases/18?page=0"]:
        get(base, p)
    after = views_of(base, "/cases/18")
    assert after == before + 1, ("expected refused requests not to count: %d -> %d, saw %d"
                                 % (before, before + 1, after))


def test_views_survive_graceful_restart(laurel_server):
    base = laurel_server.url
    paths = ["/cases/21", "/cases/3999", "/news/3"]
    for p in paths:
        for _ in range(3):
            get(base, p)
    before = {p: views_of(base, p) for p in paths}
    list_before = {c["id"]: c["views"] for c in get_json(base, "/cases?sort=views")["items"]}
    base = laurel_server.restart()
    healthz(base, "restart")
    after = {p: views_of(base, p) for p in paths}
    for p in paths:
        # The read after the restart is itself a view.
        assert after[p] >= before[p] + 1, (
            "%s: expected views after restart (%d) >= before (%d) + this read; lost %d"
            % (p, after[p], before[p], before[p] + 1 - after[p]))
    list_after = {c["id"]: c["views"] for c in get_json(base, "/cases?sort=views")["items"]}
    lost = {i: (list_before[i], list_after[i]) for i in list_before
            if i in list_after and list_after[i] < list_before[i]}
    assert not lost, "expected no listed case to lose views over a restart, saw %r" % lost
