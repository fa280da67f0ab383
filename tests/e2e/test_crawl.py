"""Every link an organiser can follow leads somewhere: a crawl from the dashboard, the
campaigns and the stages of every campaign (so every stage kind: review, exhibition, ballot)
finds no 404 and no 5xx, and no raw code or jargon in the pages' words.  Only links are followed (GET), never forms; downloads are asked for
and checked the same way.  The other roles' pages are crawled the same way from their
workspace: a region's recommender, a unit's clerk and an expert, following the links of their
own area and asking once for every other page of the site their pages link to.  Runs on a
demo of its own, read only."""
import re
import urllib.parse

import pytest

from conftest import HTTP_TIMEOUT, demo_server, login
from test_submit import form, new_case, post_case

START = ["/admin", "/admin/campaigns", "/admin/stages"]
MAX_PAGES = 3000  # a bound, not a target
# Pages of one shape (the same path but for its numbers: a stage's page, a case of a
# ranking, a page of a list) are asked for up to this many times: every stage's pages, and
# enough of the rest to find a broken kind of link.
PER_SHAPE = 60
HREF = re.compile(r'href="([^"]*)"')
# What a Chinese page must not show its readers: values joined with bars, MIME types,
# command-line flags, status words in English, and the jargon of the algorithms.
JARGON = re.compile(r"[\u4e00-\u9fff]\|[\u4e00-\u9fff]|\b(?:application|image|text)/[a-z][a-z.+-]+"
                    r"|(?<![\w-])--[a-z][a-z-]+|\b(?:draft|submitted|recommended|passed|rejected|"
                    r"correction|released|advanced|proposed|ranked|exhibition|ballot)\b|Jaccard"
                    r"|总代价")


def jargon(html):
    """The jargon in a page's visible text (scripts, styles, tags and attributes left out, and
    what is marked as code: the audit's paths, the command behind 给技术人员的校验命令)."""
    text = re.sub(r"<(script|style|code)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]*>", "\n", text).replace("&amp;", "&")
    return sorted({text[max(0, m.start() - 15):m.end() + 15].replace("\n", " ").strip()
                   for m in JARGON.finditer(text)})


@pytest.fixture(scope="module")
def server():
    with demo_server("laurel-crawl-") as srv:
        yield srv


def organiser_link(href):
    """The path of an organiser page the link names (same site, under /admin), or None."""
    url = urllib.parse.urlsplit(href.replace("&amp;", "&"))
    if url.scheme or url.netloc or not url.path.startswith("/admin"):
        return None
    query = [(k, v) for k, v in urllib.parse.parse_qsl(url.query) if k != "lang"]
    return url.path + ("?" + urllib.parse.urlencode(query) if query else "")


def shape(path):
    return re.sub(r"\d+", "#", path)


def test_no_organiser_link_is_broken(server):
    s = login(server.url, "organiser@demo.laurel")
    seen, todo, broken, kinds, referrer, shapes = set(), list(START), [], set(), {}, {}
    words = []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        assert len(seen) <= MAX_PAGES, "expected the crawl to end within %d pages" % MAX_PAGES
        r = s.get(server.url + path, allow_redirects=False, timeout=HTTP_TIMEOUT)
        if r.status_code == 404 or r.status_code >= 500:
            broken.append((path, r.status_code, referrer.get(path)))
            continue
        if "text/html" not in r.headers.get("Content-Type", ""):
            continue
        kinds.update(re.findall(r'class="stage-kind">([^<]+)<', r.text))
        words.extend((path, w) for w in jargon(r.text))
        for href in HREF.findall(r.text):
            link = organiser_link(href)
            if link and link not in seen and link not in referrer:
                if shapes.get(shape(link), 0) >= PER_SHAPE:
                    continue
                shapes[shape(link)] = shapes.get(shape(link), 0) + 1
                referrer[link] = path
                todo.append(link)
    assert not broken, "expected no broken organiser link; saw %r" % broken[:20]
    assert not words, "expected no raw codes or jargon on the organiser's pages; saw %r" % (
        words[:20])
    assert {"专家评审", "网上展示", "投票表决"} <= kinds, (
        "expected the crawl to reach a stage of every kind, saw %r" % kinds)
    assert len(seen) > 100, "expected the crawl to reach the organiser's pages, saw %d" % len(seen)



# Each role's own area (followed) from where it starts; other same-site links are asked once.
ROLES = {
    "recommender": ("shanghai@demo.laurel", ["/me", "/recommend"], ("/recommend", "/me")),
    "submitter": ("zhoujiadu@demo.laurel", ["/me", "/submit"], ("/submit", "/me")),
    "reviewer": ("expert001@demo.laurel", ["/me", "/review"], ("/review", "/me", "/ballot")),
}


def site_link(href):
    """The path and query of a same-site link (no fragment, no lang), or None."""
    url = urllib.parse.urlsplit(href.replace("&amp;", "&"))
    if url.scheme or url.netloc or not url.path.startswith("/") or url.path.startswith("//"):
        return None
    query = [(k, v) for k, v in urllib.parse.parse_qsl(url.query) if k != "lang"]
    return url.path + ("?" + urllib.parse.urlencode(query) if query else "")


@pytest.fixture(scope="module")
def submitted(server):
    """A case of the clerk's unit submitted to its region, so that the clerk's and the
    recommender's pages of one case are there to crawl."""
    s = login(server.url, ROLES["submitter"][0])
    cid = new_case(s, server.url)
    r = post_case(s, server.url, cid, form(action="submit"))
    assert r.status_code == 303, "expected the crawl's case submitted, saw %d" % r.status_code
    return cid


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_link_of_a_role_is_broken(server, submitted, role):
    email, start, own = ROLES[role]
    s = login(server.url, email)
    seen, todo, broken, referrer, shapes, words = set(), list(start), [], {}, {}, []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        assert len(seen) <= MAX_PAGES, "expected the crawl to end within %d pages" % MAX_PAGES
        r = s.get(server.url + path, allow_redirects=False, timeout=HTTP_TIMEOUT)
        if r.status_code == 404 or r.status_code >= 500:
            broken.append((path, r.status_code, referrer.get(path)))
            continue
        if "text/html" not in r.headers.get("Content-Type", "") or not path.startswith(own):
            continue  # another area's page: asked for, not followed
        words.extend((path, w) for w in jargon(r.text))
        for href in HREF.findall(r.text):
            link = site_link(href)
            if not link or link in seen or link in referrer or link.startswith("/static/"):
                continue
            if shapes.get(shape(link), 0) >= PER_SHAPE:
                continue
            shapes[shape(link)] = shapes.get(shape(link), 0) + 1
            referrer[link] = path
            todo.append(link)
    assert not broken, "expected no broken link for the %s; saw %r" % (role, broken[:20])
    assert not words, "expected no raw codes or jargon on the %s's pages; saw %r" % (
        role, words[:20])
    mine = [p for p in seen if p.startswith(own[0])]
    assert len(mine) >= 2, "expected the crawl to reach the %s's pages, saw %r" % (role, mine)
