"""News written by the organiser, over HTTP against the real server: a draft
is invisible to the public (list, page by slug and by number, home, feed,
sitemap, JSON), publishing shows it everywhere, unpublishing takes it down;
slugs are made from titles, a taken or malformed one is refused beside its
field and changes nothing; images are checked by their bytes and shown in
place, a cover appears on the public pages; Markdown's raw HTML never
reaches a page; the 结果公告 drafted from the data lists every award.

The module runs its own server on its own demo (it writes)."""
import os
import re

import pytest
import requests

from conftest import (CSRF_RE, HTTP_TIMEOUT, JSON, PASSWORD, db_connect, demo_server, login,
                      parse_html)

PNG_1X1 = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
           b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05"
           b"\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="module")
def srv():
    with demo_server("laurel-news-") as s:
        yield s


def db(srv):
    return db_connect(srv.data)


def one(srv, sql, *args):
    c = db(srv)
    try:
        return c.execute(sql, args).fetchone()
    finally:
        c.close()


class Org:
    """The organiser's session with its CSRF token."""

    def __init__(self, base):
        self.base = base
        self.s = login(base, "organiser@demo.laurel")
        r = self.s.get(base + "/admin/news", timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, r.text[:300]
        self.token = CSRF_RE.search(r.text).group(1)

    def get(self, path, **kw):
        return self.s.get(self.base + path, timeout=HTTP_TIMEOUT, **kw)

    def post(self, path, data=None, files=None, **kw):
        d = {"csrf": self.token}
        d.update(data or {})
        return self.s.post(self.base + path, data=d, files=files, allow_redirects=False,
                           timeout=HTTP_TIMEOUT, **kw)

    def create(self, title, body="正文。", **fields):
        data = {"title": title, "date": "2020-03-01", "body": body, "then": "save"}
        data.update(fields)
        r = self.post("/admin/news/new", data)
        assert r.status_code == 303, "expected the draft saved (303), saw %d: %s" % (
            r.status_code, r.text[:400])
        m = re.match(r"/admin/news/(\d+)\?done=saved$", r.headers["Location"])
        assert m, "expected a redirect to the editor, saw %r" % r.headers["Location"]
        return int(m.group(1))

    def article(self, aid):
        r = self.get("/admin/news/%d" % aid, headers=JSON)
        assert r.status_code == 200, r.text[:300]
        return r.json()


@pytest.fixture(scope="module")
def org(srv):
    return Org(srv.url)


def public(srv, path, status=200):
    r = requests.get(srv.url + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == status, "GET %s: expected %d, saw %d" % (path, status, r.status_code)
    return r


def visible_everywhere(srv, title, slug, aid):
    """Where a published article shows: (list, home, feed, sitemap, by slug, by number)."""
    return (title in public(srv, "/news").text,
            title in public(srv, "/").text,
            title in public(srv, "/feed.xml").text,
            ("/news/%s<" % slug) in public(srv, "/sitemap.xml").text,
            requests.get(srv.url + "/news/" + slug, timeout=HTTP_TIMEOUT).status_code,
            requests.get(srv.url + "/news/%d" % aid, timeout=HTTP_TIMEOUT).status_code)


def test_draft_is_private_until_published_and_again_once_unpublished(srv, org):
    title = "Laurel 2020 Opening 开幕"
    body = ("## 开幕\n\n**隆重**开幕。<script>alert('x')</script><img src=x onerror=alert(1)>\n\n"
            "[恶意](javascript:alert(1)) [官网](https://example.org/)\n")
    aid = org.create(title, body, date="2030-01-02")
    art = org.article(aid)
    slug = art["slug"]
    assert slug == "laurel-2020-opening", "expected the slug made from the title, saw %r" % slug
    assert art["status"] == "draft"
    # Invisible to the public everywhere, and not counted.
    assert visible_everywhere(srv, title, slug, aid) == (False, False, False, False, 404, 404)
    assert requests.get(srv.url + "/api/v1/news/" + slug, timeout=HTTP_TIMEOUT).status_code == 404
    assert title not in requests.get(srv.url + "/api/v1/news", timeout=HTTP_TIMEOUT).text
    # The organiser's preview renders it safely.
    r = org.get("/admin/news/%d/preview" % aid)
    assert r.status_code == 200
    page = parse_html(r)
    assert "<strong>隆重</strong>" in r.text and "<h2>开幕</h2>" in r.text
    assert "<script>alert" not in r.text and "onerror" not in r.text
    assert "javascript:" not in r.text
    assert 'href="https://example.org/"' in r.text
    assert page.text  # well-formed

    r = org.post("/admin/news/%d/publish" % aid)
    assert r.status_code == 303 and r.headers["Location"].endswith("done=published")
    assert org.article(aid)["status"] == "published"
    assert visible_everywhere(srv, title, slug, aid) == (True, True, True, True, 200, 200)
    r = public(srv, "/news/" + slug)
    assert "<script>alert" not in r.text and "onerror" not in r.text
    assert "<strong>隆重</strong>" in r.text
    # The list and the home page link to the slug.
    assert 'href="/news/%s"' % slug in public(srv, "/news").text
    assert 'href="/news/%s"' % slug in public(srv, "/").text
    # Publishing again is refused: it is published already.
    r = org.post("/admin/news/%d/publish" % aid)
    assert r.status_code == 409 and "状态已经变了" in r.text

    r = org.post("/admin/news/%d/unpublish" % aid)
    assert r.status_code == 303
    assert org.article(aid)["status"] == "unpublished"
    assert visible_everywhere(srv, title, slug, aid) == (False, False, False, False, 404, 404)
    # The organiser's list still has it, marked.
    r = org.get("/admin/news")
    assert title in r.text and "已撤回" in r.text


def test_old_numbered_urls_keep_working(srv):
    aid, slug = one(srv, "SELECT id, slug FROM article WHERE status = 'published' "
                         "ORDER BY id LIMIT 1")
    by_id = public(srv, "/news/%d" % aid)
    by_slug = public(srv, "/news/" + slug)
    title = one(srv, "SELECT title FROM article WHERE id = ?", aid)[0]
    assert title in by_id.text and title in by_slug.text
    public(srv, "/news/0%d" % aid, status=404)
    public(srv, "/news/No-Such-Slug", status=404)


def test_slug_conflicts_and_bad_slugs_are_refused(srv, org):
    first = org.create("Conflict test", slug="press-2020")
    count = one(srv, "SELECT count(*) FROM article")[0]
    r = org.post("/admin/news/new", {"title": "另一篇", "slug": "press-2020",
                                     "date": "2020-03-02", "body": "x"})
    assert r.status_code == 409, "expected a taken slug refused with 409, saw %d" % r.status_code
    assert "这个网址名称已被另一篇新闻使用，请换一个。" in r.text
    assert 'value="另一篇"' in r.text, "expected the form back as typed"
    assert one(srv, "SELECT count(*) FROM article")[0] == count
    # Saving another article with it is refused too, and changes nothing.
    second = org.create("Second", slug="second-2020")
    before = org.article(second)
    r = org.post("/admin/news/%d" % second, {"title": "改名", "slug": "press-2020",
                                             "date": "2020-03-02", "body": "y"})
    assert r.status_code == 409 and "这个网址名称已被另一篇新闻使用" in r.text
    after = org.article(second)
    assert (after["title"], after["slug"], after["body_md"]) == (
        before["title"], before["slug"], before["body_md"])
    # An article keeps its own slug when saved.
    r = org.post("/admin/news/%d" % first, {"title": "Conflict test 2", "slug": "press-2020",
                                            "date": "2020-03-02", "body": "z"})
    assert r.status_code == 303
    # Malformed slugs: 422 with the rule, in the user's language.
    for bad in ("Press", "a b", "-a", "2020", "a--b", "中文"):
        r = org.post("/admin/news/new", {"title": "t", "slug": bad, "date": "2020-03-02",
                                         "body": "x"})
        assert r.status_code == 422, "expected slug %r refused (422), saw %d" % (bad,
                                                                                r.status_code)
        assert "网址名称只能用小写字母" in r.text
    r = org.post("/admin/news/new?lang=en", {"title": "t", "slug": "Bad Slug",
                                             "date": "2020-03-02", "body": "x"})
    assert r.status_code == 422 and "lower-case letters" in r.text
    org.get("/admin/news?lang=zh-CN")  # the language chosen stays for the visit: back to Chinese
    assert one(srv, "SELECT count(*) FROM article")[0] == count + 1
    # Made from titles: a second "Conflict test" gets the next free suffix; a Chinese title
    # a dated one.
    a = org.article(org.create("Conflict Test"))
    b = org.article(org.create("Conflict Test"))
    assert (a["slug"], b["slug"]) == ("conflict-test", "conflict-test-2")
    c = org.article(org.create("全国案例评选启动", date="2020-04-05"))
    assert c["slug"].startswith("news-2020-04-05")


def test_required_fields_and_dates(srv, org):
    count = one(srv, "SELECT count(*) FROM article")[0]
    for data, message in (({"title": "", "date": "2020-01-01", "body": "x"}, "请填写标题"),
                          ({"title": "t", "date": "2020-13-01", "body": "x"}, "2020-02-04"),
                          ({"title": "t", "date": "2020-01-01", "body": ""}, "请填写正文"),
                          ({"title": "一\n二", "date": "2020-01-01", "body": "x"}, "不能换行")):
        r = org.post("/admin/news/new", data)
        assert r.status_code == 422 and message in r.text, (data, r.status_code, r.text[:300])
    assert one(srv, "SELECT count(*) FROM article")[0] == count
    r = org.post("/admin/news/999999", {"title": "t", "date": "2020-01-01", "body": "x"})
    assert r.status_code == 404
    r = org.post("/admin/news/999999/publish")
    assert r.status_code == 404


def test_images_are_checked_stored_and_shown(srv, org):
    aid = org.create("Pictures", body="图文。")
    count = one(srv, "SELECT count(*) FROM news_image")[0]
    for name, data in (("photo.png", b"this is not an image"),
                       ("page.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
                       ("cut.png", PNG_1X1[:20])):
        r = org.post("/admin/news/%d/images" % aid, files={"file": (name, data, "image/png")})
        assert r.status_code == 415, "expected %s refused (415), saw %d" % (name, r.status_code)
        assert "这个文件不是可用的图片" in r.text
    r = org.post("/admin/news/%d/images" % aid)  # no file
    assert r.status_code in (415, 422)
    too_big = PNG_1X1 + b"\0" * (5 * 1024 * 1024)
    r = org.post("/admin/news/%d/images" % aid, files={"file": ("big.png", too_big, "image/png")})
    assert r.status_code == 413
    assert one(srv, "SELECT count(*) FROM news_image")[0] == count

    r = org.post("/admin/news/%d/images" % aid, files={"file": ("封面.png", PNG_1X1, "text/plain")})
    assert r.status_code == 303 and r.headers["Location"].endswith("done=image#images")
    art = org.article(aid)
    assert len(art["images"]) == 1
    img = art["images"][0]
    assert (img["name"], img["mime"], img["width"], img["height"]) == ("封面.png", "image/png",
                                                                       1, 1)
    r = public(srv, img["url"])
    assert r.content == PNG_1X1 and r.headers["Content-Type"] == "image/png"
    assert r.headers["Content-Disposition"] == "inline"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    public(srv, "/news/images/" + "0" * 64, status=404)
    public(srv, "/news/images/not-a-digest", status=404)
    # The editor offers the Markdown that shows it.
    assert img["markdown"] in org.get("/admin/news/%d" % aid).text

    # A cover must be one of its images.
    r = org.post("/admin/news/%d" % aid, {"title": "Pictures", "date": "2020-03-01",
                                          "body": "图文。", "cover": "a" * 64})
    assert r.status_code == 422 and "封面须是本文已上传的图片之一" in r.text
    body = "图文。\n\n" + img["markdown"]
    r = org.post("/admin/news/%d" % aid, {"title": "Pictures", "date": "2020-03-01",
                                          "body": body, "cover": img["sha256"]})
    assert r.status_code == 303
    org.post("/admin/news/%d/publish" % aid)
    slug = org.article(aid)["slug"]
    page = public(srv, "/news/" + slug).text
    assert 'class="article-cover" src="%s"' % img["url"] in page
    assert '<img src="%s" alt="封面.png"' % img["url"] in page
    assert 'src="%s"' % img["url"] in public(srv, "/news").text


def test_results_announcement_lists_every_award(srv, org):
    r = org.post("/admin/news/results")
    assert r.status_code == 303 and r.headers["Location"].endswith("done=drafted")
    aid = int(re.search(r"/admin/news/(\d+)", r.headers["Location"]).group(1))
    art = org.article(aid)
    assert (art["kind"], art["status"]) == ("results", "draft")
    assert art["title"].endswith("结果公告")
    md = art["body_md"]
    c = db(srv)
    try:
        campaign = c.execute("SELECT campaign_id FROM article WHERE id = ?", (aid,)).fetchone()[0]
        tiers = c.execute("SELECT t.name, count(k.id) FROM tier t LEFT JOIN \"case\" k "
                          "ON k.tier_id = t.id AND k.published_at IS NOT NULL "
                          "WHERE t.campaign_id = ? GROUP BY t.id ORDER BY t.rank",
                          (campaign,)).fetchall()
        titles = [t for (t,) in c.execute(
            "SELECT title FROM \"case\" WHERE campaign_id = ? AND tier_id IS NOT NULL "
            "AND published_at IS NOT NULL", (campaign,))]
    finally:
        c.close()
    assert titles, "expected the demo to have awards"
    for name, n in tiers:
        assert "- %s：%d 个" % (name, n) in md
    escaped = lambda t: re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~&\"'])", r"\\\1", t)  # noqa: E731
    missing = [t for t in titles if escaped(t) not in md]
    assert not missing, "expected every awarded case in the draft, missing %r" % missing[:3]
    # It is a draft to edit: the public does not see it until published.
    assert art["title"] not in public(srv, "/news").text
    org.post("/admin/news/%d/publish" % aid)
    page = public(srv, "/news/" + art["slug"]).text
    assert art["title"] in page and titles[0].split("：")[-1][:6] in page
