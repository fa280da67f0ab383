"""View counters: +1 per GET of a counted page (HTML and JSON, cached or not),
kept across a graceful restart."""
import re
from concurrent.futures import ThreadPoolExecutor

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


def test_concurrent_views_all_counted(base):
    path = "/cases/33"
    before = views_of(base, path)
    n = 48

    def hit(i):
        if i % 3 == 0:
            return get(base, "/api/v1" + path).status_code
        if i % 3 == 1:
            return get(base, path, headers={"Accept": "application/json"}).status_code
        return get(base, path + ("?lang=en" if i % 2 else "")).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(hit, range(n)))
    assert codes == [200] * n, "expected %d x 200 under concurrency, saw %r" % (
        n, sorted(set(codes)))
    after = views_of(base, path)
    assert after == before + n + 1, ("expected %d concurrent GETs to add exactly %d views "
                                     "(%d -> %d), saw %d" % (n, n, before, before + n + 1, after))


def test_refused_requests_are_not_counted(base):
    """A 4xx answer for a case or news URL must not count a view of anything."""
    counted = []
    for good, bads in [("/cases/18", ["/cases/018", "/cases/18x", "/cases/18.5", "/cases/+18",
                                      "/cases/18?page=0", "/cases/18?sort=bogus"]),
                       ("/news/4", ["/news/04", "/news/4x", "/news/4?page=-1"])]:
        for bad in bads:
            before = views_of(base, good)
            r = get(base, bad)
            assert 400 <= r.status_code < 500, "GET %s: expected a 4xx, saw %d" % (bad, r.status_code)
            after = views_of(base, good)
            if after != before + 1:
                counted.append("%s (%s: %d -> %d)" % (bad, good, before, after))
    assert not counted, ("expected refused requests not to count a view (only the JSON reads "
                         "should), saw these counted: %s" % "; ".join(counted))


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
