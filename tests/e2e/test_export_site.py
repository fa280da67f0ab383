"""`laurel export-site DIR`: the public site as static files.

Two exports. One of the session's shared demo (4,000 cases) while its server runs beside
it: every page is link-checked (each href, src, form action and data-index resolves to a
file of the export; no link starts with /), parses as well-nested HTML, shows no counter
and says so; the key pages hold what the live site shows (a case's title, the results'
totals 40 and 90, a region page); the search index finds a case by two characters of its
title; the server keeps its lock on the data folder (a second `serve` is still refused)
and answers as before. The other of a small demo of its own with no server running (an
article with an image published before it stopped), with --live-url: links to what is
not exported (sign-in, voting) go to the live site, the image is exported with its bytes
and shown by a relative link, and `laurel serve` starts on the folder afterwards. Bad
uses are refused: a folder that is not empty, a missing database, an unknown option.

The browser side (the static search page under a plain file server) is
tests/browser/export.test.mjs.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse

import pytest

from conftest import (LAUREL_BIN, LaurelServer, ON_PG, Page, db_args, db_connect, finish, free_port,
                      get, get_json, healthz, make_demo)
from test_news import PNG_1X1, Org

EXPORT_TIMEOUT = 300
LINK_ATTRS = ("href", "src", "action", "data-index")


def export(data, out, *args):
    return subprocess.run([LAUREL_BIN, "export-site", out, "--data", data, *db_args(data), *args],
                          capture_output=True, text=True, timeout=EXPORT_TIMEOUT)


def html_files(root):
    for dirpath, _, names in os.walk(root):
        for n in names:
            if n.endswith(".html"):
                yield os.path.join(dirpath, n)


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return p


def check_site(root):
    """Link-check and parse every exported page; returns {relative path: Page}."""
    pages, broken, absolute, invalid = {}, [], [], []
    for path in html_files(root):
        rel = os.path.relpath(path, root)
        p = parse(path)
        pages[rel] = p
        if p.errors or p.stack or p.html_lang != "zh-CN" or len(p.titles) != 1:
            invalid.append((rel, p.errors[:3], p.stack, p.html_lang, p.titles))
        for tag, attrs in p.tags:
            if tag == "link" and not attrs.get("href") or tag == "img" and not attrs.get("src"):
                invalid.append((rel, "<%s> without its URL" % tag))
            for name in LINK_ATTRS:
                v = attrs.get(name)
                if v is None:
                    continue
                if v.startswith("/"):
                    absolute.append((rel, tag, v))
                    continue
                u = urllib.parse.urlsplit(v)
                if u.scheme or u.netloc:  # another site (the live one, with --live-url)
                    continue
                if not u.path:  # a fragment of the same page
                    continue
                target = os.path.normpath(os.path.join(os.path.dirname(path),
                                                       urllib.parse.unquote(u.path)))
                if not os.path.isfile(target) or not target.startswith(os.path.abspath(root)):
                    broken.append((rel, tag, v))
    assert pages, "expected exported pages in %s; saw none" % root
    assert not broken, "expected every link to resolve to a file; saw %d broken, e.g. %s" % (
        len(broken), broken[:5])
    assert not absolute, "expected no absolute links; saw %d, e.g. %s" % (
        len(absolute), absolute[:5])
    assert not invalid, "expected valid pages; saw %d, e.g. %s" % (len(invalid), invalid[:5])
    return pages


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def shared(laurel_server):
    """The shared demo exported while its server runs: (folder, pages, run)."""
    out = tempfile.mkdtemp(prefix="laurel-export-")
    os.rmdir(out)  # the command makes it
    run = export(laurel_server.data, out)
    try:
        assert run.returncode == 0, "expected export-site to exit 0; saw %d: %s" % (
            run.returncode, run.stderr[-2000:])
        yield out, check_site(out), run
    finally:
        shutil.rmtree(out, ignore_errors=True)


def published_case(data):
    c = db_connect(data, readonly=True)
    try:
        return c.execute(
            "SELECT k.id, k.title, r.code, r.name FROM \"case\" k "
            "JOIN region r ON r.code = k.region_code "
            "WHERE k.published_at IS NOT NULL AND k.tier_id IS NOT NULL "
            "ORDER BY k.id LIMIT 1").fetchone()
    finally:
        c.close()


def test_every_link_resolves_beside_a_running_server(shared, laurel_server):
    out, pages, run = shared
    assert "index.html" in pages and "search/index.html" in pages, sorted(pages)[:10]
    m = re.search(r"exported (\d+) pages", run.stdout)
    assert m and int(m.group(1)) == len(pages), (
        "expected the summary to count the %d pages written; saw %r" % (len(pages), run.stdout))
    # All pages of the case list are there, and the assets.
    total = get_json(laurel_server.url, "/cases")["pages"]
    for n in range(2, total + 1):
        assert "cases/index.page-%d.html" % n in pages, "expected case list page %d" % n
    for f in ("static/style.css", "static/export_search.js", "feed.xml", "sitemap.xml",
              "signing.pub", "results.xlsx", "search-index.json"):
        assert os.path.isfile(os.path.join(out, f)), "expected %s in the export" % f
    # The server still answers, and still holds the data folder: a second serve is refused
    # (on SQLite; on PostgreSQL the nodes share the folder, unlocked).
    healthz(laurel_server.url, "the export")
    if ON_PG:
        return
    second = subprocess.run([LAUREL_BIN, "serve", "--data", laurel_server.data, "--listen",
                             "127.0.0.1:%d" % free_port()], capture_output=True, text=True,
                            timeout=60)
    assert second.returncode != 0 and "laurel.lock" in second.stderr, (
        "expected a second serve to be refused by the lock; saw %d %s" % (
            second.returncode, second.stderr[-500:]))


def test_key_pages_hold_what_the_live_site_shows(shared, laurel_server):
    out, pages, _ = shared
    cid, title, code, region = published_case(laurel_server.data)
    case = pages["cases/%d/index.html" % cid]
    assert case.h1 == [title], "expected the case page's heading %r; saw %r" % (title, case.h1)
    live = get(laurel_server.url, "/cases/%d" % cid).text
    assert title in live
    results = pages["results/index.html"].text
    assert "40 最佳案例" in results and "90 优秀案例" in results and "130" in results, (
        "expected the results' totals 40 and 90 (130 in all); saw %r" % results[:600])
    reg = pages["regions/%s/index.html" % code]
    assert reg.h1 and region in reg.h1[0], "expected the region page of %s; saw %r" % (
        region, reg.h1)
    statement = read(out, "results/statement/index.html")
    assert "statements/" in statement and os.listdir(os.path.join(out, "results", "statements"))


def test_counters_are_left_out_and_said_so(shared):
    out, pages, _ = shared
    for rel in ("index.html", "cases/index.html", "news/index.html"):
        assert "浏览量、投票数等计数不在其中" in pages[rel].text, rel
    for rel, p in pages.items():
        assert not p.by_class("views") and not p.by_class("vote-count"), (
            "expected no counter in the export; saw one on %s" % rel)
    # Nothing personal or interactive is left: no sign-in link, no filters, no POST form.
    home = read(out, "index.html")
    assert 'class="account"' not in home and 'method="post"' not in home
    assert 'class="filters"' not in read(out, "cases/index.html")


def test_search_index_finds_two_characters(shared):
    out, _, _ = shared
    with open(os.path.join(out, "search-index.json"), encoding="utf-8") as f:
        index = json.load(f)
    docs = index["docs"]
    assert len(docs) == 4000, "expected the 4,000 published cases; saw %d" % len(docs)
    # A pair of Chinese characters from a title: its list names that case, whose file exists.
    doc = next(i for i, d in enumerate(docs) if re.search(r"[\u4e00-\u9fff]{2}", d[1]))
    pair = re.search(r"[\u4e00-\u9fff]{2}", docs[doc][1]).group(0)
    assert doc in index["grams"][pair], "expected %r to find doc %d" % (pair, doc)
    hits = index["grams"][pair]
    assert all(pair in "\n".join([docs[i][1], docs[i][2], docs[i][3], docs[i][7]]) for i in hits)
    assert os.path.isfile(os.path.join(out, docs[doc][0]))
    # The search page is the static one: it loads the index through the script.
    search = read(out, "search/index.html")
    assert 'data-index="../search-index.json"' in search
    assert 'src="../static/export_search.js"' in search


def test_export_with_the_server_stopped_and_live_links(tmp_path):
    workdir = str(tmp_path)
    data = make_demo(workdir, "--cases", "200")
    srv = LaurelServer(LAUREL_BIN, data, workdir)
    try:
        # An article with an image (its cover and in its text), published, then the server stopped.
        srv.start()
        org = Org(srv.url)
        aid = org.create("导出的图文")
        r = org.post("/admin/news/%d/images" % aid,
                     files={"file": ("图.png", PNG_1X1, "image/png")})
        assert r.status_code == 303, r.text[:300]
        img = org.article(aid)["images"][0]
        r = org.post("/admin/news/%d" % aid, {"title": "导出的图文", "date": "2020-03-01",
                                              "body": "图文。\n\n" + img["markdown"],
                                              "cover": img["sha256"]})
        assert r.status_code == 303, r.text[:300]
        assert org.post("/admin/news/%d/publish" % aid).status_code == 303
        slug = org.article(aid)["slug"]
        srv.stop()

        out = os.path.join(workdir, "site")
        live = "https://cases.example.org"
        run = export(data, out, "--live-url", live)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "go to the live site" in run.stdout, run.stdout
        pages = check_site(out)
        home = read(out, "index.html")
        assert 'href="%s/login"' % live in home, "expected 登录 to lead to the live site"
        case = next(r for r in pages if r.startswith("cases/") and r.count("/") == 2)
        assert pages[case].h1, case
        # The image is exported with its bytes, and the article shows it by a relative link.
        with open(os.path.join(out, "news", "images", img["sha256"]), "rb") as f:
            assert f.read() == PNG_1X1
        article = read(out, "news/%s/index.html" % slug)
        assert 'src="../../news/images/%s"' % img["sha256"] in article, article[:2000]

        # The export left the data folder free: serve starts on it again and answers.
        srv.start()
        healthz(srv.url, "an export")
    finally:
        finish(srv, workdir)


def test_bad_uses_are_refused(tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    run = export(str(tmp_path / "nodata"), str(full))
    assert run.returncode == 1 and "not empty" in run.stderr, run.stderr
    assert (full / "keep.txt").read_text() == "mine"
    run = export(str(tmp_path / "nodata"), str(tmp_path / "new"))
    assert run.returncode == 1 and run.stderr.startswith("laurel:"), run.stderr
    run = subprocess.run([LAUREL_BIN, "export-site", str(tmp_path / "x"), "--bogus"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "usage: laurel export-site" in run.stderr, run.stderr
    run = subprocess.run([LAUREL_BIN, "export-site"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
