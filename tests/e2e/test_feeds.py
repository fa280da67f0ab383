"""Machine-readable answers: sitemap, Atom feed, robots.txt, healthz, metrics."""
import re
import xml.etree.ElementTree as ET

from conftest import get, get_json

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_sitemap(base):
    r = get(base, "/sitemap.xml")
    assert r.status_code == 200, "expected /sitemap.xml 200, saw %d" % r.status_code
    assert "xml" in r.headers.get("Content-Type", ""), "expected an XML type, saw %r" % (
        r.headers.get("Content-Type"))
    root = ET.fromstring(r.content)
    assert root.tag == SM + "urlset", "expected <urlset> in the sitemaps.org namespace, saw %r" % (
        root.tag)
    locs = [u.findtext(SM + "loc") for u in root.findall(SM + "url")]
    assert all(l and l.startswith("http") for l in locs), "expected absolute <loc>s, saw %r" % (
        [l for l in locs if not (l and l.startswith("http"))][:3])
    paths = [re.sub(r"^https?://[^/]+", "", l) for l in locs]
    assert len(paths) == len(set(paths)), "expected no duplicate URLs in the sitemap"
    cases = {p for p in paths if re.fullmatch(r"/cases/\d+", p)}
    news = {p for p in paths if re.fullmatch(r"/news/[a-z0-9-]+", p)}  # by slug
    total = get_json(base, "/cases")["total"]
    assert len(cases) == total, "expected %d case URLs in the sitemap, saw %d" % (total, len(cases))
    nl = get_json(base, "/news")
    news_urls = {a["url"] for a in nl["items"]}
    assert len(news) == nl["total"] and news_urls <= news, (
        "expected all %d news URLs in the sitemap, saw %d (missing %r)"
        % (nl["total"], len(news), sorted(news_urls - news)))
    for fixed in ["/", "/cases", "/results", "/regions", "/tags", "/news"]:
        assert fixed in paths, "expected %s in the sitemap" % fixed
    for p in sorted(cases)[:3] + sorted(news)[:2]:
        assert get(base, p).status_code == 200, "expected sitemap URL %s to answer 200" % p
    lastmod = [u.findtext(SM + "lastmod") for u in root.findall(SM + "url")
               if "/cases/" in u.findtext(SM + "loc")]
    assert all(l and re.fullmatch(r"\d{4}-\d\d-\d\d", l) for l in lastmod), (
        "expected a YYYY-MM-DD <lastmod> on each case, saw e.g. %r" % lastmod[:3])


def test_feed(base):
    r = get(base, "/feed.xml")
    assert r.status_code == 200, "expected /feed.xml 200, saw %d" % r.status_code
    assert "atom+xml" in r.headers.get("Content-Type", ""), "expected application/atom+xml, saw %r" % (
        r.headers.get("Content-Type"))
    root = ET.fromstring(r.content)
    assert root.tag == ATOM + "feed", "expected an Atom <feed>, saw %r" % root.tag
    for k in ["title", "id", "updated"]:
        assert root.findtext(ATOM + k), "expected feed <%s>, saw none" % k
    entries = root.findall(ATOM + "entry")
    assert entries, "expected entries in the feed, saw none"
    for e in entries:
        title, eid, upd = (e.findtext(ATOM + k) for k in ("title", "id", "updated"))
        link = e.find(ATOM + "link")
        assert title and eid and upd and link is not None and link.get("href"), (
            "expected title/link/id/updated in each entry, saw %r" % ET.tostring(e)[:200])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", upd), (
            "expected an RFC 3339 <updated>, saw %r" % upd)
    hrefs = [re.sub(r"^https?://[^/]+", "", e.find(ATOM + "link").get("href")) for e in entries]
    news = get_json(base, "/news")["items"]
    assert news[0]["url"] in hrefs, "expected the latest news %s in the feed" % news[0]["url"]
    latest = get_json(base, "/cases")["items"][0]
    assert latest["url"] in hrefs, "expected the latest case %s in the feed" % latest["url"]


def test_robots(base):
    r = get(base, "/robots.txt")
    assert r.status_code == 200 and r.headers.get("Content-Type", "").startswith("text/plain"), (
        "expected /robots.txt 200 text/plain, saw %d %r" % (r.status_code,
                                                           r.headers.get("Content-Type")))
    m = re.search(r"^Sitemap: (\S+)$", r.text, re.M)
    assert m and m.group(1).endswith("/sitemap.xml"), "expected a Sitemap: line, saw %r" % r.text
    assert "User-agent:" in r.text, "expected a User-agent line, saw %r" % r.text


def test_healthz(base):
    r = get(base, "/healthz")
    assert (r.status_code, r.text.strip()) == (200, "ok"), "expected 200 ok, saw %d %r" % (
        r.status_code, r.text)


def metrics(base):
    r = get(base, "/metrics")
    assert r.status_code == 200 and r.headers.get("Content-Type", "").startswith("text/plain"), (
        "expected /metrics 200 text/plain, saw %d %r" % (r.status_code,
                                                        r.headers.get("Content-Type")))
    values, types = {}, {}
    for line in r.text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
        elif line and not line.startswith("#"):
            m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)', line)
            assert m, "expected a Prometheus sample line, saw %r" % line
            values[m.group(1)] = float(m.group(2))
    return types, values


def test_metrics(base):
    types, v0 = metrics(base)
    assert types.get("laurel_http_requests_total") == "counter", (
        "expected '# TYPE laurel_http_requests_total counter', saw %r" % types.get(
            "laurel_http_requests_total"))
    for name in ["laurel_http_response_bytes_total", "laurel_pagecache_hits_total",
                 "laurel_pagecache_misses_total", "laurel_http_rejected_framing_total"]:
        assert types.get(name) == "counter", "expected %s to be a counter, saw %r" % (
            name, types.get(name))
    ok = 'laurel_http_requests_total{class="2xx"}'
    nf = 'laurel_http_requests_total{class="4xx"}'
    assert ok in v0 and nf in v0, "expected 2xx and 4xx request counters, saw %r" % sorted(v0)
    for _ in range(3):
        get(base, "/cases")
    get(base, "/no-such-page")
    _, v1 = metrics(base)
    assert v1[ok] >= v0[ok] + 4, "expected 2xx to grow by >= 4 (3 pages + /metrics), saw %d -> %d" % (
        v0[ok], v1[ok])
    assert v1[nf] >= v0[nf] + 1, "expected 4xx to grow by >= 1, saw %d -> %d" % (v0[nf], v1[nf])
    assert v1["laurel_http_response_bytes_total"] > v0["laurel_http_response_bytes_total"], (
        "expected response bytes to grow")
    assert v1["laurel_pagecache_hits_total"] >= v0["laurel_pagecache_hits_total"] + 2, (
        "expected repeated /cases to hit the page cache: %d -> %d"
        % (v0["laurel_pagecache_hits_total"], v1["laurel_pagecache_hits_total"]))
    for k, x in v0.items():
        if types.get(re.sub(r"\{.*", "", k)) == "counter":
            assert v1[k] >= x, "expected counter %s not to decrease, saw %s -> %s" % (k, x, v1[k])


def test_static_validators(base):
    r = get(base, "/static/style.css")
    assert r.status_code == 200 and r.headers.get("Content-Type", "").startswith("text/css"), (
        "expected /static/style.css 200 text/css, saw %d %r" % (r.status_code,
                                                               r.headers.get("Content-Type")))
    etag, lm, cc = (r.headers.get(h) for h in ("ETag", "Last-Modified", "Cache-Control"))
    assert etag and lm and cc, "expected ETag, Last-Modified and Cache-Control, saw %r/%r/%r" % (
        etag, lm, cc)
    assert "max-age" in cc, "expected a max-age in Cache-Control, saw %r" % cc
    assert len(r.content) > 0, "expected a non-empty stylesheet"
    r304 = get(base, "/static/style.css", headers={"If-None-Match": etag})
    assert r304.status_code == 304 and not r304.content, (
        "expected 304 with no body for If-None-Match: %s, saw %d (%d bytes)"
        % (etag, r304.status_code, len(r304.content)))
    assert r304.headers.get("ETag") == etag, "expected the 304 to repeat the ETag"
    r2 = get(base, "/static/style.css", headers={"If-None-Match": '"0000000000000000"'})
    assert r2.status_code == 200, "expected 200 for a stale ETag, saw %d" % r2.status_code
    r3 = get(base, "/static/style.css", headers={"If-Modified-Since": lm})
    assert r3.status_code == 304, "expected 304 for If-Modified-Since: %s, saw %d" % (
        lm, r3.status_code)
    fav = get(base, "/favicon.ico")
    assert fav.status_code == 200 and fav.headers.get("ETag"), (
        "expected /favicon.ico 200 with an ETag, saw %d" % fav.status_code)
