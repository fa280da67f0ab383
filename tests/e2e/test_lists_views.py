"""Lists read from the orders the server keeps in memory (src/store/pub_views.c): most viewed
first, and newest first with several filters.  Every page of a filter or a combination of
filters lists the same cases in both orders, each once; on a server of its own, where no
view is counted after the orders are built, each list is in its order; the page says that
the most-viewed order lags the live counts."""
from conftest import demo_server, get, get_json


def all_pages(base, query):
    """The ids of every page of /cases?QUERY (JSON), in order, and the total announced."""
    first = get_json(base, "/cases?%s&page=1" % query)
    ids = [c["id"] for c in first["items"]]
    for page in range(2, first["pages"] + 1):
        ids += [c["id"] for c in get_json(base, "/cases?%s&page=%d" % (query, page))["items"]]
    return ids, first["total"]


def test_most_viewed_pages_list_every_case_once(base):
    regions = get_json(base, "/regions")["regions"]
    region = max(regions, key=lambda r: r["cases"])["code"]
    track = get_json(base, "/cases")["filters"]["tracks"][0]["value"]
    tag = get_json(base, "/tags")["tags"][0]["name"]
    for filters in ["", "region=%s" % region, "track=%s" % track, "tag=%s" % tag,
                    "region=%s&track=%s" % (region, track), "track=%s&tag=%s" % (track, tag)]:
        by_views, total = all_pages(base, filters + "&sort=views")
        by_date, total_date = all_pages(base, filters + "&sort=date")
        assert total == total_date and total > 20, (
            "%s: expected the same total (> one page) in both orders, saw %d and %d"
            % (filters, total, total_date))
        assert len(by_views) == len(set(by_views)) == total, (
            "%s: expected %d cases, each once, over the most-viewed pages; saw %d (%d distinct)"
            % (filters, total, len(by_views), len(set(by_views))))
        assert set(by_views) == set(by_date), (
            "%s: expected the most-viewed pages to list the newest-first pages' cases; "
            "these differ: %r" % (filters, sorted(set(by_views) ^ set(by_date))[:10]))


def test_lists_follow_their_order():
    with demo_server("laurel-views-order-", "--no-page-cache", cases=300) as srv:
        track = get_json(srv.url, "/cases")["filters"]["tracks"][1]["value"]
        tag = get_json(srv.url, "/tags")["tags"][0]["name"]
        for filters in ["", "track=%s" % track, "track=%s&tag=%s" % (track, tag)]:
            for sort in ("views", "date"):
                query = "%s&sort=%s" % (filters, sort)
                d = get_json(srv.url, "/cases?%s" % query)
                seen = []
                for page in range(1, d["pages"] + 1):
                    items = get_json(srv.url, "/cases?%s&page=%d" % (query, page))["items"]
                    seen += [((c["views"],) if sort == "views" else ()) + (c["published_at"],
                                                                           c["id"])
                             for c in items]
                assert seen == sorted(seen, reverse=True) and len(seen) == d["total"] > 20, (
                    "%s: expected %d cases over the pages, by %s then id, descending; saw %d, "
                    "out of order at %r" % (query, d["total"], sort, len(seen),
                                            [x for i, x in enumerate(seen[1:]) if x > seen[i]][:5]))


def test_note_on_most_viewed_lists_only(base):
    zh = get(base, "/cases?sort=views").text
    assert "按点击排序每隔几分钟更新一次" in zh, "expected the lag note on /cases?sort=views"
    en = get(base, "/cases?sort=views&lang=en").text
    assert "The most-viewed order is updated every few minutes" in en, (
        "expected the English lag note on /cases?sort=views&lang=en")
    assert "按点击排序每隔几分钟更新一次" not in get(base, "/cases?sort=date").text, (
        "expected no lag note on the newest-first list")
