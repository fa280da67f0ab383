"""The page cache over real HTTP: what a write drops, what junk parameters do, the off switch.

A write drops only the cached pages that show what it changed (src/store/changes.c): a
unit's draft in the open call leaves the public pages of the published campaign cached,
while a write the cache cannot narrow down (the organiser's settings) renders every page
again.  Pages are cached by their validated parameters, so unknown, repeated or
reordered parameters hit the same entry.  `laurel serve --no-page-cache` renders every
page and still counts every view.

The server's own counters (/metrics: laurel_pagecache_hits_total and _misses_total) say
whether a page came from the cache; this module runs its own server, so nothing else
moves them.  A cached page lives PAGECACHE_TTL_S (5) seconds: a test whose steps took
longer than that cannot tell an expired page from a dropped one and is skipped.
"""
import os
import re
import tempfile
import time
import uuid

import pytest
import requests

from conftest import (HTTP_TIMEOUT, JSON, LAUREL_BIN, LaurelServer, csrf, finish, login,
                      make_demo)

TTL_S = 5.0
SUBMITTER = "zhoujiadu@demo.laurel"
ORGANISER = "organiser@demo.laurel"
PUBLIC = ["/", "/cases?page=2", "/cases/7", "/regions/310000"]


@pytest.fixture(scope="module")
def world():
    workdir = tempfile.mkdtemp(prefix="laurel-e2e-pagecache-")
    srv = None
    try:
        data = make_demo(workdir, "--cases", "300")
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        srv.start()
        yield srv
    finally:
        finish(srv, workdir)


def counters(base):
    r = requests.get(base + "/metrics", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected /metrics 200, saw %d" % r.status_code
    out = {}
    for name in ("hits", "misses"):
        m = re.search(r"^laurel_pagecache_%s_total (\d+)$" % name, r.text, re.M)
        assert m, "expected laurel_pagecache_%s_total in /metrics" % name
        out[name] = int(m.group(1))
    return out


def fetch(base, path, **kw):
    r = requests.get(base + path, timeout=HTTP_TIMEOUT, **kw)
    assert r.status_code == 200, "GET %s: expected 200, saw %d" % (path, r.status_code)
    return r


def delta(before, after):
    return after["hits"] - before["hits"], after["misses"] - before["misses"]


def test_draft_save_keeps_public_pages(world):
    base = world.url
    unit = login(base, SUBMITTER)
    token = csrf(unit, base, "/submit")
    t0 = time.monotonic()
    for path in PUBLIC:  # rendered now (or still fresh)
        fetch(base, path)
    c0 = counters(base)
    r = unit.post(base + "/submit/new", data={"csrf": token}, allow_redirects=False,
                  timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, "expected 303 from POST /submit/new, saw %d" % r.status_code
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    form = {"csrf": csrf(unit, base, "/submit/%d" % cid), "title": "缓存测试：街道党建草稿",
            "track": "", "tags": "党建", "action": "save", "s1": "草稿" * 30}
    r = unit.post(base + "/submit/%d" % cid, data=form, allow_redirects=False,
                  timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, "expected 303 after saving the draft, saw %d: %s" % (
        r.status_code, r.text[:300])
    for path in PUBLIC:
        fetch(base, path)
    c1 = counters(base)
    if time.monotonic() - t0 >= TTL_S - 0.5:
        pytest.skip("the steps took longer than the cache's lifetime")
    hits, misses = delta(c0, c1)
    assert (hits, misses) == (len(PUBLIC), 0), (
        "expected the %d public pages to stay cached across a unit's draft save "
        "(hits +%d, misses +0); saw hits +%d, misses +%d" % (len(PUBLIC), len(PUBLIC), hits,
                                                             misses))


def test_settings_change_renders_again(world):
    base = world.url
    org = login(base, ORGANISER)
    m = org.get(base + "/admin/settings", headers=JSON, timeout=HTTP_TIMEOUT).json()
    token = csrf(org, base, "/admin/settings")
    t0 = time.monotonic()
    fetch(base, "/cases?page=2")
    fetch(base, "/cases?page=2")
    c0 = counters(base)
    r = org.post(base + "/admin/settings",
                 data={"csrf": token, "opens_at": m["opens_at"], "closes_at": "2099-12-30"},
                 allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, "expected 303 after saving the settings, saw %d: %s" % (
        r.status_code, r.text[:300])
    fetch(base, "/cases?page=2")
    c1 = counters(base)
    if time.monotonic() - t0 >= TTL_S - 0.5:
        pytest.skip("the steps took longer than the cache's lifetime")
    assert delta(c0, c1) == (0, 1), (
        "expected /cases?page=2 to be rendered again after the campaign changed "
        "(hits +0, misses +1); saw hits +%d, misses +%d" % delta(c0, c1))


def test_unknown_parameters_share_one_entry(world):
    base = world.url
    t0 = time.monotonic()
    fetch(base, "/cases?page=2&sort=views")
    c0 = counters(base)
    junk = ["/cases?page=2&sort=views&z=%s" % uuid.uuid4().hex for _ in range(4)]
    junk += ["/cases?sort=views&page=2", "/cases?page=02&sort=views",
             "/cases?utm_source=x&page=2&sort=views&lang=zh-CN&fbclid=%s" % uuid.uuid4().hex]
    bodies = [fetch(base, path).text for path in junk]
    c1 = counters(base)
    if time.monotonic() - t0 >= TTL_S - 0.5:
        pytest.skip("the steps took longer than the cache's lifetime")
    assert delta(c0, c1) == (len(junk), 0), (
        "expected %d hits and no render for the same page with other parameters; "
        "saw hits +%d, misses +%d" % ((len(junk),) + delta(c0, c1)))
    for path, body in zip(junk, bodies):
        assert "z=" not in body and "utm_source" not in body and "fbclid" not in body, (
            "expected no trace of unknown parameters in the page for %s" % path)


def test_bad_parameters_are_rejected_not_cached(world):
    base = world.url
    c0 = counters(base)
    r = requests.get(base + "/cases?page=2&region=abc", timeout=HTTP_TIMEOUT)
    assert r.status_code == 400, "expected 400 for a malformed region, saw %d" % r.status_code
    c1 = counters(base)
    assert c1["hits"] == c0["hits"], "expected no cache hit for a rejected request"


def test_no_page_cache_renders_every_page_and_counts_views(world):
    world.stop()
    plain = LaurelServer(LAUREL_BIN, world.data, world.workdir, extra_args=["--no-page-cache"])
    plain.start()
    try:
        views = []
        c0 = counters(plain.url)
        for _ in range(3):
            fetch(plain.url, "/cases?page=2")
            views.append(fetch(plain.url, "/cases/7", headers=JSON).json()["views"])
        c1 = counters(plain.url)
        hits, misses = delta(c0, c1)
        assert hits == 0 and misses == 6, (
            "expected every page rendered with --no-page-cache (hits +0, misses +6); "
            "saw hits +%d, misses +%d" % (hits, misses))
        assert views == [views[0], views[0] + 1, views[0] + 2], (
            "expected every visit counted without the cache, saw views %r" % views)
    finally:
        plain.stop()
        world.start()
