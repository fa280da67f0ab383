#!/usr/bin/env python3
"""url_kinds.py — every kind of public URL, one request at a time, on a demo of any size.

Issue 8 asks that no public request do work that grows with the number of cases except
returning its rows.  This serves a demo folder with `laurel serve --no-page-cache` (so no
figure here can come from the page cache) and fetches, over one keep-alive connection and
one request at a time (so no figure holds time spent queueing behind other requests),
N distinct URLs of each kind:

  case pages at random ids; lists: /cases by date and by views, random pages and the last pages, each single filter
  (region, tier, track, tag), two to four filters combined; /regions/R and /tags/T pages;
  /regions, /tags, /results, /; searches of 1-4 characters with hits and without;
  /api/v1/cases?q=; /feed.xml; /sitemap.xml and its parts; /healthz; /metrics.

Prints per kind the median, p95 and max in milliseconds and the median size, and checks
the sitemap split: the index lists ceil(URLs / 50,000) parts, each part holds at most
50,000 URLs and together they hold every published case.

  bench/url_kinds.py --data DIR [-n 100] [--seed 2019]

The server writes view counts into DIR: give it a folder you can spare (a copy).
"""
import argparse
import os
import random
import re
import sqlite3
import statistics
import sys
import time
import urllib.parse

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import ROOT, free_port, log, pct  # noqa: E402

PER_PAGE = 20


def values(db, cid):
    """Filter values with their counts, from the kept counts (pub_count)."""
    def rows(sql):
        return db.execute(sql, (cid,)).fetchall()
    regions = rows("SELECT printf('%06d', region), n FROM pub_count WHERE campaign_id = ? "
                   "AND region > 0 AND tier_id = 0 AND track_id = 0 AND tag_id = 0")
    tiers = rows("SELECT t.slug, pc.n FROM pub_count pc JOIN tier t ON t.id = pc.tier_id "
                 "WHERE pc.campaign_id = ? AND pc.region = 0 AND pc.tier_id > 0 "
                 "AND pc.track_id = 0 AND pc.tag_id = 0")
    tracks = rows("SELECT t.slug, pc.n FROM pub_count pc JOIN track t ON t.id = pc.track_id "
                  "WHERE pc.campaign_id = ? AND pc.region = 0 AND pc.tier_id = 0 "
                  "AND pc.track_id > 0 AND pc.tag_id = 0")
    tags = rows("SELECT t.name, pc.n FROM pub_count pc JOIN tag t ON t.id = pc.tag_id "
                "WHERE pc.campaign_id = ? AND pc.region = 0 AND pc.tier_id = 0 "
                "AND pc.track_id = 0 AND pc.tag_id > 0")
    combos = rows("SELECT CASE WHEN pc.region > 0 THEN printf('%06d', pc.region) END, ti.slug, "
                  "tr.slug, t.name, pc.n FROM pub_count pc LEFT JOIN tier ti ON ti.id = pc.tier_id "
                  "LEFT JOIN track tr ON tr.id = pc.track_id LEFT JOIN tag t ON t.id = pc.tag_id "
                  "WHERE pc.campaign_id = ? AND (pc.region > 0) + (pc.tier_id > 0) "
                  "+ (pc.track_id > 0) + (pc.tag_id > 0) >= 2")
    total = db.execute("SELECT cases FROM pub_figures WHERE campaign_id = ?", (cid,)).fetchone()[0]
    return regions, tiers, tracks, tags, combos, total


def q(path, **params):
    params = {k: v for k, v in params.items() if v is not None}
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


def page_of(rnd, n, last=False):
    pages = max(1, -(-n // PER_PAGE))
    return pages - rnd.randint(0, min(4, pages - 1)) if last else rnd.randint(1, pages)


def kinds(db, rnd, n):
    cid = db.execute("SELECT id FROM campaign WHERE status IN ('published','archived') "
                     "ORDER BY published_at DESC, id DESC LIMIT 1").fetchone()[0]
    regions, tiers, tracks, tags, combos, total = values(db, cid)
    sorts = [None, "views"]
    k = {}
    picks = ",".join(str(rnd.randint(1, total)) for _ in range(n))
    k["/cases/ID (case page, random id)"] = ["/cases/%d" % r[0] for r in db.execute(
        "SELECT case_id FROM pub_rank WHERE campaign_id = ? AND dim = 5 AND key = 0 "
        "AND pos IN (%s)" % picks, (cid,))]
    k["/cases?page=K"] = [q("/cases", page=page_of(rnd, total)) for _ in range(n)]
    k["/cases?page=K (last 5)"] = [q("/cases", page=page_of(rnd, total, True)) for _ in range(n)]
    k["/cases?sort=views&page=K"] = [q("/cases", sort="views", page=page_of(rnd, total))
                                     for _ in range(n)]
    for name, key, vals in (("region", "region", regions), ("tier", "tier", tiers),
                            ("track", "track", tracks), ("tag", "tag", tags)):
        urls = []
        for _ in range(n):
            v, c = rnd.choice(vals)
            urls.append(q("/cases", **{key: v}, sort=rnd.choice(sorts), page=page_of(rnd, c)))
        k["/cases?%s (both sorts)" % name] = urls
    urls = []
    for _ in range(n):
        r, ti, tr, tg, c = rnd.choice(combos)
        urls.append(q("/cases", region=r, tier=ti, track=tr, tag=tg, sort=rnd.choice(sorts),
                      page=page_of(rnd, c)))
    k["/cases, 2-4 filters (both sorts)"] = urls
    k["/regions/R?page=K"] = []
    for _ in range(n):
        v, c = rnd.choice(regions)
        k["/regions/R?page=K"].append(q("/regions/" + v, page=page_of(rnd, c)))
    k["/tags/T?page=K"] = []
    for _ in range(n):
        v, c = rnd.choice(tags)
        k["/tags/T?page=K"].append(q("/tags/" + urllib.parse.quote(v), page=page_of(rnd, c)))
    k["/regions"] = ["/regions"] * n
    k["/tags"] = ["/tags"] * n
    k["/results"] = ["/results"] * n
    k["/ (home)"] = ["/"] * n
    picks = ",".join(str(rnd.randint(1, total)) for _ in range(2000))
    titles = [re.sub(r"[^\u4e00-\u9fff]", "", r[0]) for r in db.execute(
        'SELECT c.title FROM pub_rank p JOIN "case" c ON c.id = p.case_id WHERE p.campaign_id = ? '
        "AND p.dim = 5 AND p.key = 0 AND p.pos IN (%s)" % picks, (cid,))]
    titles = [t for t in titles if len(t) >= 4]
    rare = [chr(c) for c in range(0x9f80, 0x9fa6)]
    for lo, hi in ((1, 2), (3, 4)):
        hits, miss = [], []
        while len(hits) < n:
            t = rnd.choice(titles)
            w = rnd.randint(lo, hi)
            s = rnd.randint(0, len(t) - w)
            hits.append("/search?q=" + urllib.parse.quote(t[s:s + w]))
        while len(miss) < n:
            miss.append("/search?q=" + urllib.parse.quote(
                "".join(rnd.choice(rare) for _ in range(rnd.randint(lo, hi)))))
        k["search %d-%d chars, from titles" % (lo, hi)] = hits
        k["search %d-%d chars, rare (no hit)" % (lo, hi)] = miss
    k["/api/v1/cases?q= (1-4 chars)"] = [u.replace("/search?", "/api/v1/cases?")
                                          for u in k["search 1-2 chars, from titles"]]
    k["/feed.xml"] = ["/feed.xml"] * n
    k["/sitemap.xml"] = ["/sitemap.xml"] * max(1, n // 10)
    k["/healthz"] = ["/healthz"] * n
    k["/metrics"] = ["/metrics"] * n
    return k, total


def check_sitemap(sess, url, total):
    """The index and its parts: sizes, and every published case once."""
    idx = sess.get(url + "/sitemap.xml", timeout=60).text
    parts = re.findall(r"<loc>[^<]*/(sitemap-\d+\.xml)</loc>", idx)
    if not parts:  # one part: /sitemap.xml is the urlset itself
        n = idx.count("<url>")
        cases = len(re.findall(r"/cases/\d+</loc>", idx))
        log("  sitemap: one part of %d URLs (limit 50,000); %d case URLs of %d published"
            % (n, cases, total))
        return n <= 50000 and cases == total
    times, sizes, cases = [], [], 0
    for p in parts:
        t = time.perf_counter()
        body = sess.get(url + "/" + p, timeout=120).text
        times.append((time.perf_counter() - t) * 1e3)
        n = body.count("<url>")
        sizes.append(n)
        cases += len(re.findall(r"/cases/\d+</loc>", body))
    log("  sitemap: index of %d parts; URLs per part max %d (limit 50,000); %d case URLs of %d "
        "published; a part: median %.1f ms, max %.1f ms"
        % (len(parts), max(sizes) if sizes else 0, cases, total,
           statistics.median(times) if times else 0, max(times) if times else 0))
    return len(parts) > 0 and max(sizes) <= 50000 and cases == total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--laurel", default=os.path.join(ROOT, "build", "laurel"))
    o = ap.parse_args()
    rnd = random.Random(o.seed)
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(o.data, "laurel.db"), uri=True)
    urls, total = kinds(db, rnd, o.n)
    db.close()
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    proc = __import__("subprocess").Popen(
        [o.laurel, "serve", "--data", o.data, "--listen", "127.0.0.1:%d" % port,
         "--threads", "2", "--access-log", "/dev/null", "--no-page-cache",
         "--base-url", "https://laurel.example"],
        stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    try:
        sess = requests.Session()
        for _ in range(1800):  # start-up checks the database: up to 30 s, more when loaded
            if proc.poll() is not None:
                raise SystemExit("url_kinds: laurel exited at start (status %d)" % proc.returncode)
            try:
                if sess.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("url_kinds: laurel did not answer /healthz")
        log("== url_kinds: %d published cases, laurel --no-page-cache, one request at a time; "
            "load average %s" % (total, " ".join("%.2f" % x for x in os.getloadavg())))
        # Once per process: the first most-viewed list waits for the order the server keeps
        # in memory (src/store/pub_views.c), rebuilt in the background after that.
        t = time.perf_counter()
        first = sess.get(url + "/cases?sort=views", timeout=600)
        log("  first /cases?sort=views after start (the most-viewed order's first build): "
            "%.0f ms, status %d" % ((time.perf_counter() - t) * 1e3, first.status_code))
        log("  %-38s %5s %9s %9s %9s %9s  %s" % ("kind", "n", "median", "p95", "max", "bytes",
                                                 "statuses"))
        for kind, paths in urls.items():
            ms, sizes, statuses = [], [], {}
            for p in paths:
                t = time.perf_counter()
                r = sess.get(url + p, timeout=120)
                ms.append((time.perf_counter() - t) * 1e3)
                sizes.append(len(r.content))
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            log("  %-38s %5d %7.2fms %7.2fms %7.2fms %9d  %s" % (
                kind, len(ms), statistics.median(ms), pct(ms, 95), max(ms),
                int(statistics.median(sizes)), statuses))
        ok = check_sitemap(sess, url, total)
        log("  load average after: %s" % " ".join("%.2f" % x for x in os.getloadavg()))
        return 0 if ok else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
