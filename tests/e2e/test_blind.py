"""Blind review, tested by a canary crawl.

Before the server starts, unique canary strings are planted in the identities of some
of the review stage's assigned cases, directly in the data folder's database: a new
unit (and parent unit) named with a canary, the region's recommending body, the
contact's name, phone and e-mail, the attachment's original name and a tag; the unit's
name and the contact are also written into the case's title and body so that
redaction is exercised.  Then every reviewer with assignments (or, on a large demo,
30 chosen by user id plus every reviewer of a planted case) signs in and crawls all
that is reachable for them: /review and /me, every local link and form action under
them (forms are posted with invalid data, so they answer with their error pages),
the JSON twins (Accept and /api/v1, of pages and of refused forms), the English pages, the attachments, and error
pages for bad and foreign labels.  No response body or header may hold a canary, nor
a case page the case's real unit name; nor may the outbox's messages to reviewers.

The public site (/, /cases, /regions ...) is outside the crawl on purpose: it shows
the published campaign to everyone alike, and the recommending bodies of regions by
design; it is no reviewer's view of a case under review.
"""
import concurrent.futures
import html.parser
import json
import os
import re
import secrets
import urllib.parse

import pytest

from conftest import HTTP_TIMEOUT, JSON, PASSWORD, login
from scoring_data import Round, add_attachment

CANARY = "Kanary" + secrets.token_hex(4)  # case-insensitive: the e-mails are lower case
PLANTED = 8
MAX_REVIEWERS = int(os.environ.get("LAUREL_BLIND_REVIEWERS", "60"))
SCOPE = re.compile(r"^/(api/v1/)?(review(/|$)|me$|password$)")
MARK = "■■"


class Links(html.parser.HTMLParser):
    """Local hrefs and forms (action, method, field names) of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("a", "link") and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "form":
            self.forms.append({"action": a.get("action") or "", "method":
                               (a.get("method") or "get").lower(), "fields": {}})
        elif tag in ("input", "textarea", "button", "select") and self.forms and a.get("name"):
            self.forms[-1]["fields"].setdefault(a["name"], a.get("value") or "")


def local(path, href):
    u = urllib.parse.urlsplit(urllib.parse.urljoin("http://x" + path, href))
    if u.netloc != "x":
        return None
    return u.path + ("?" + u.query if u.query else "")


def in_scope(p):
    return p is not None and SCOPE.match(p.split("?", 1)[0]) is not None


# ---------------------------------------------------------------- planting

def plant(rnd):
    c = rnd.db()
    try:
        assigned = [r[0] for r in c.execute(
            "SELECT DISTINCT case_id FROM assignment WHERE stage_id = ? AND state = 'released' "
            "ORDER BY case_id", (rnd.stage,))]
        assert len(assigned) >= PLANTED, "expected at least %d assigned cases" % PLANTED
        step = len(assigned) // PLANTED
        chosen = [assigned[i * step] for i in range(PLANTED)]
        rnd.planted = {}
        sources = {}
        for i, cid in enumerate(chosen):
            region, unit_id, title = c.execute(
                'SELECT region_code, unit_id, title FROM "case" WHERE id = ?', (cid,)).fetchone()
            rname = c.execute("SELECT name FROM region WHERE code = ?", (region,)).fetchone()[0]
            real_unit = c.execute("SELECT name FROM unit WHERE id = ?", (unit_id,)).fetchone()[0]
            parent_name = "%s%sP%d区" % (rname, CANARY, i)
            unit_name = "%s%sU%d街道" % (parent_name, CANARY, i)
            parent = c.execute("INSERT INTO unit (parent_id, region_code, name, level) VALUES "
                               "(NULL, ?, ?, 2)", (region, parent_name)).lastrowid
            unit = c.execute("INSERT INTO unit (parent_id, region_code, name, level) VALUES "
                             "(?, ?, ?, 3)", (parent, region, unit_name)).lastrowid
            if region not in sources:
                sources[region] = "中共%sR%d委组织部" % (CANARY, i)
                c.execute("UPDATE region SET source = ? WHERE code = ?", (sources[region], region))
            phone = "139%08d" % (secrets.randbelow(10 ** 8))
            email = "%sm%d@canary.example" % (CANARY.lower(), i)
            contact = "%sN%d" % (CANARY, i)
            c.execute('UPDATE "case" SET unit_id = ?, contact_name = ?, contact_phone = ?, '
                      "contact_email = ?, title = ? WHERE id = ?",
                      (unit, contact, phone, email, "%s：%s" % (unit_name, title), cid))
            lead = ("%s（简称%sU%d）地处%sP%d区，由%s推荐。联系人%s，电话%s，邮箱 %s。\n\n"
                    % (unit_name, CANARY, i, CANARY, i, sources[region], contact, phone, email))
            if c.execute("SELECT count(*) FROM case_section WHERE case_id = ? AND seq = 1",
                         (cid,)).fetchone()[0]:
                c.execute("UPDATE case_section SET body_md = ? || body_md "
                          "WHERE case_id = ? AND seq = 1", (lead, cid))
            else:
                c.execute("INSERT INTO case_section (case_id, seq, body_md) VALUES (?, 1, ?)",
                          (cid, lead))
            tag = "%sU%d" % (CANARY, i)
            c.execute("INSERT INTO tag (name) VALUES (?) ON CONFLICT DO NOTHING", (tag,))
            c.execute("INSERT INTO case_tag (case_id, tag_id) "
                      "SELECT ?, id FROM tag WHERE name = ? ON CONFLICT DO NOTHING", (cid, tag))
            c.execute("INSERT INTO case_tag (case_id, tag_id) "
                      "SELECT ?, id FROM tag WHERE name = '党建引领' ON CONFLICT DO NOTHING",
                      (cid,))
            if c.execute("SELECT count(*) FROM attachment WHERE case_id = ?",
                         (cid,)).fetchone()[0]:
                c.execute("UPDATE attachment SET name = ? || '-' || name WHERE case_id = ?",
                          ("%sA%d" % (CANARY, i), cid))
            else:
                add_attachment(c, rnd.data, cid, "%sA%d-原件.pdf" % (CANARY, i),
                               b"%PDF-1.4\n% blind e2e " + str(i).encode() + b"\n")
            rnd.planted[cid] = {"real_unit": real_unit, "region": rname, "phone": phone}
        c.commit()
    finally:
        c.close()


@pytest.fixture(scope="module")
def rnd():
    r = Round(prepare=plant)
    try:
        yield r
    finally:
        r.close()


def crawl_set(rnd):
    """The reviewers to crawl as: every one with assignments, or 30 by user id plus every
    reviewer of a planted case when there are more than MAX_REVIEWERS."""
    everyone = rnd.reviewers()
    if len(everyone) <= MAX_REVIEWERS:
        return everyone
    c = rnd.db()
    try:
        planted = set(r[0] for r in c.execute(
            "SELECT DISTINCT user_id FROM assignment WHERE stage_id = ? AND state = 'released' "
            "AND case_id IN (%s)" % ",".join(str(i) for i in rnd.planted), (rnd.stage,)))
    finally:
        c.close()
    step = max(1, len(everyone) // 30)
    chosen = set(u[0] for u in everyone[::step][:30]) | planted
    return [u for u in everyone if u[0] in chosen]


# ---------------------------------------------------------------- crawling

class Crawl:
    def __init__(self, rnd, email, unit_of_label):
        self.base = rnd.url
        self.email = email
        self.s = login(self.base, email, PASSWORD)
        self.unit_of_label = unit_of_label  # path -> names that page must not show
        self.seen = set()
        self.hits = []      # (what, url, where)
        self.opened = {}    # case page path -> (title, body) of 200 answers
        self.files = []     # attachment paths answered 200
        self.count = 0
        self.token = None

    def check(self, what, r, extra=()):
        self.count += 1
        text = r.content.decode("utf-8", "replace")
        if r.headers.get("Content-Type", "").startswith("application/json"):
            try:
                text += json.dumps(r.json(), ensure_ascii=False)
            except ValueError:
                pass
        heads = "\n".join("%s: %s" % kv for kv in r.headers.items())
        for where, blob in (("body", text), ("headers", heads),
                            ("headers", urllib.parse.unquote(heads))):
            if CANARY.lower() in blob.lower():
                i = blob.lower().index(CANARY.lower())
                self.hits.append((what, r.url, where, blob[max(0, i - 80):i + 40]))
            for name in extra:
                if name and name in blob:
                    i = blob.index(name)
                    self.hits.append((what, r.url, where + " (real name %s)" % name,
                                      blob[max(0, i - 80):i + 40]))

    def names_for(self, path):
        m = re.match(r"^(?:/api/v1)?(/review/\d+/[^/?]+)", path)
        return self.unit_of_label.get(m.group(1), ()) if m else ()

    def get(self, path, headers=None):
        r = self.s.get(self.base + path, headers=headers or {}, allow_redirects=False,
                       timeout=HTTP_TIMEOUT)
        self.check("GET " + path + (" (json)" if headers else ""), r, self.names_for(path))
        return r

    def csrf(self):
        if not self.token:
            m = re.search(r'name="csrf" value="([^"]+)"', self.s.get(
                self.base + "/me", timeout=HTTP_TIMEOUT).text)
            self.token = m.group(1)
        return self.token

    def visit(self, path):
        if path in self.seen:
            return []
        self.seen.add(path)
        r = self.get(path)
        out = []
        if r.status_code in (301, 302, 303) and "Location" in r.headers:
            out.append(local(path, r.headers["Location"]))
        bare = path.split("?", 1)[0]
        if re.match(r"^/review/\d+/[^/]+/files/\d+$", bare):
            if r.status_code == 200:
                self.files.append(bare)
            return [p for p in out if in_scope(p)]
        # The JSON twins of every page.
        self.get(path, headers=JSON)
        if not path.startswith("/api/v1"):
            self.get("/api/v1" + path)
        ctype = r.headers.get("Content-Type", "")
        if r.status_code == 200 and ctype.startswith("text/html"):
            if re.match(r"^/review/\d+/[^/]+$", bare):
                t = re.search(r"<h1>(.*?)</h1>", r.text, re.S)
                self.opened[bare] = (t.group(1) if t else "", r.text)
            p = Links()
            p.feed(r.text)
            out += [local(path, h) for h in p.hrefs]
            for f in p.forms:
                action = local(path, f["action"] or path)
                if f["method"] == "get":
                    out.append(action)
                elif in_scope(action):
                    self.post(action, f["fields"])
        return [x for x in out if in_scope(x)]

    def post(self, action, fields):
        """Post a form with invalid data: its error page is a page too."""
        key = "POST " + action
        if key in self.seen:
            return
        self.seen.add(key)
        data = {k: "" for k in fields}
        data["csrf"] = self.csrf()
        if "action" in fields:
            data["action"] = "check"  # neither save nor submit: 422, nothing written
        # The page shown again, as HTML and as its JSON twins (Accept and /api/v1).
        for prefix, headers in (("", {}), ("", JSON), ("/api/v1", {})):
            r = self.s.post(self.base + prefix + action, data=data, headers=headers,
                            allow_redirects=False, timeout=HTTP_TIMEOUT)
            assert r.status_code in (403, 404, 409, 422), (
                "expected POST %s with invalid data to be refused, saw %d" % (action,
                                                                              r.status_code))
            self.check(key, r, self.names_for(action))

    def run(self, start):
        queue = list(start)
        while queue:
            p = queue.pop(0)
            if p and p not in self.seen:
                queue += self.visit(p)
        return self


def test_canary_crawl(rnd):
    labels = rnd.labels()
    c = rnd.db()
    try:
        units = dict(c.execute(
            'SELECT c.id, u.name FROM "case" c JOIN unit u ON u.id = c.unit_id '
            "WHERE c.id IN (SELECT case_id FROM assignment WHERE stage_id = ?)", (rnd.stage,)))
    finally:
        c.close()
    unit_of_label = {}
    for cid, no in labels.items():
        names = [units.get(cid)]
        if cid in rnd.planted:
            names += [rnd.planted[cid]["region"], rnd.planted[cid]["phone"]]
        unit_of_label["/review/%d/%04d" % (rnd.seq, no)] = tuple(n for n in names if n)
    planted_paths = ["/review/%d/%04d" % (rnd.seq, labels[cid]) for cid in rnd.planted]
    probes = ["/review", "/me", "/review/%d/0000" % rnd.seq, "/review/%d/abc" % rnd.seq,
              "/review/99/0001", "/review/%d/9999999" % rnd.seq,
              "/review/%d/%s" % (rnd.seq, urllib.parse.quote("复评-0001"))]
    probes += planted_paths + [p + "/files/1" for p in planted_paths]
    people = crawl_set(rnd)
    assert people, "expected reviewers with assignments"

    def one(person):
        cr = Crawl(rnd, person[1], unit_of_label).run(probes)
        # A foreign label's forms: posted too, for their error pages.
        for p in planted_paths:
            cr.post(p + "/conflict", {"reason": ""})
        return cr

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        crawls = list(pool.map(one, people))
    hits = [h for cr in crawls for h in cr.hits]
    assert not hits, "expected no identity in any reviewer's view; saw %d leaks, first: %r" % (
        len(hits), hits[:5])

    # The crawl was not vacuous: every planted case was opened, redacted, its file served.
    opened = {}
    for cr in crawls:
        opened.update(cr.opened)
    files = set(f for cr in crawls for f in cr.files)
    for path in planted_paths:
        assert path in opened, "expected some reviewer to open planted case %s" % path
        title, body = opened[path]
        assert title.startswith(MARK), "expected the planted title redacted, saw %r" % title
        assert body.count(MARK) >= 8, "expected the planted body redacted (%d marks)" % (
            body.count(MARK))
        assert path + "/files/1" in files, "expected the planted case's attachment served"
    total = sum(cr.count for cr in crawls)
    assert total >= 50 * len(people) // 10, "expected a real crawl, saw %d responses" % total


def test_outbox_to_reviewers_has_no_canary(rnd):
    c = rnd.db()
    try:
        emails = set(e.lower() for _, e, _ in rnd.reviewers())
        rows = [r for r in c.execute("SELECT to_addr, subject, body FROM outbox")
                if r[0].lower() in emails]
    finally:
        c.close()
    for to, subject, body in rows:
        blob = subject + "\n" + body
        assert CANARY.lower() not in blob.lower(), "expected no canary in mail to %s" % to
        for p in rnd.planted.values():
            assert p["real_unit"] not in blob, "expected no planted unit's name in mail to %s" % to
