"""The public pages of an exhibition stage, end to end over HTTP, as a phone visitor uses them.

The exhibition list of a stage (filters, sort by votes when counts are shown,
a shuffle stable per visitor when hidden), the vote block of a case page, and
a case's vote page: ask a code (read from the SMS gateway sink or the SMTP
sink), verify it, vote, and every refusal shown in Chinese at its status,
through the page's own forms with their CSRF token.  The server and its sinks
are this module's own (the fixtures of test_votes.py).
"""
import re
import time

import requests

from conftest import HTTP_TIMEOUT, csrf_of, db_connect
from test_votes import (beijing_today, cases_of, code_for, new_phone, org, set_voting, sinks,
                        srv, stages)

__all__ = ["org", "sinks", "srv", "stages"]  # the fixtures, used by name

ZH = {"Accept-Language": "zh-CN"}
ITEM_RE = re.compile(r'<a class="vote-title" href="/cases/(\d+)(?:/vote)?">')


def page(s, srv, path, status=200):
    r = s.get(srv.url + path, headers=ZH, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == status, "GET %s: expected %d, saw %d %s" % (
        path, status, r.status_code, r.text[:300])
    return r


def form(s, srv, path, data, status, page_path):
    """POST one of the vote page's forms with the token of page_path; the answer at status."""
    data = dict(data)
    text = page(s, srv, page_path).text
    # The page's token (its cookie's value when the page has no form left, as after a vote).
    data["csrf"] = csrf_of(text) if 'name="csrf"' in text else s.cookies.get("laurel_csrf")
    r = s.post(srv.url + path, data=data, headers=ZH, allow_redirects=False,
               timeout=HTTP_TIMEOUT)
    assert r.status_code == status, "POST %s %r: expected %d, saw %d %s" % (
        path, data, status, r.status_code, r.text[:400])
    return r


def valid_votes(srv, stage, case):
    return db_connect(srv.data).execute(
        "SELECT coalesce(sum(votes), 0) FROM vote_total WHERE stage_id=? AND case_id=?",
        (stage, case)).fetchone()[0]


def verified_visitor(srv, sinks, stage, case, contact=None):
    """A browser-like session that asked a code on the case's vote page and verified it."""
    s = requests.Session()
    contact = contact or new_phone()
    key = "email" if "@" in contact else "phone"
    vote_page = "/cases/%d/vote" % case
    r = form(s, srv, vote_page + "/code", {"stage": stage, key: contact}, 200, vote_page)
    assert "验证码已发送" in r.text and 'action="%s/verify"' % vote_page in r.text, r.text[:600]
    code = code_for(sinks, contact)
    r = form(s, srv, vote_page + "/verify", {"stage": stage, key: contact, "code": code}, 303,
             vote_page)
    assert r.headers["Location"].endswith(vote_page) and s.cookies.get("laurel_voter")
    return s


def published_case_in(srv, stage):
    """A published case put in the exhibition's pool (the demo exhibits cases not yet published)."""
    db = db_connect(srv.data)
    with db:
        case = db.execute("SELECT id FROM \"case\" WHERE published_at IS NOT NULL AND id NOT IN "
                          "(SELECT case_id FROM stage_case WHERE stage_id=?) ORDER BY id LIMIT 1",
                          (stage,)).fetchone()[0]
        db.execute("INSERT INTO stage_case (stage_id, case_id) VALUES (?, ?)", (stage, case))
    return case


def test_case_page_block_and_the_whole_web_vote(srv, org, sinks, stages):
    stage = stages[0]
    set_voting(srv, org, stage)
    case = published_case_in(srv, stage)
    before = valid_votes(srv, stage, case)
    anon = requests.Session()
    r = page(anon, srv, "/cases/%d" % case)
    block = r.text[r.text.index('id="vote"'):]
    assert 'href="/cases/%d/vote"' % case in block and "<strong>%d</strong>" % before in block
    assert 'href="/votes/%d"' % stage in block
    # The vote page of a visitor not verified yet: the code forms, no vote button.
    r = page(anon, srv, "/cases/%d/vote" % case)
    assert 'action="/cases/%d/vote/code"' % case in r.text and 'name="phone"' in r.text
    assert 'action="/cases/%d/vote"' % case not in r.text
    # Ask, verify with a wrong code (refused, in Chinese), then the right one.
    s = requests.Session()
    phone = new_phone()
    vote_page = "/cases/%d/vote" % case
    form(s, srv, vote_page + "/code", {"stage": stage, "phone": phone}, 200, vote_page)
    code = code_for(sinks, phone)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    r = form(s, srv, vote_page + "/verify", {"stage": stage, "phone": phone, "code": wrong}, 422,
             vote_page)
    assert "验证码不正确" in r.text and 'name="phone" value="%s"' % phone in r.text
    form(s, srv, vote_page + "/verify", {"stage": stage, "phone": phone, "code": code}, 303,
         vote_page)
    r = page(s, srv, vote_page)
    assert 'id="vote-remaining">10<' in r.text and 'action="%s"' % vote_page in r.text
    # Vote: back to the page, counted, one vote fewer today.
    r = form(s, srv, vote_page, {"stage": stage}, 303, vote_page)
    assert r.headers["Location"].endswith(vote_page + "?voted=1")
    r = page(s, srv, vote_page + "?voted=1")
    assert "投票成功" in r.text and 'id="vote-remaining">9<' in r.text
    assert 'id="vote-count">%d<' % (before + 1) in r.text
    assert valid_votes(srv, stage, case) == before + 1
    # The shared case page shows the new count to everyone.
    r = page(anon, srv, "/cases/%d" % case)
    assert "<strong>%d</strong>" % (before + 1) in r.text[r.text.index('id="vote"'):]
    # Again: already voted, 409, nothing counted.
    r = form(s, srv, vote_page, {"stage": stage}, 409, vote_page)
    assert "您已经为这个案例投过票了" in r.text
    assert valid_votes(srv, stage, case) == before + 1
    # A form without its token is refused and counts nothing.
    other = cases_of(srv, stage)[51]
    had = valid_votes(srv, stage, other)
    r = s.post(srv.url + "/cases/%d/vote" % other, data={"stage": stage},
               allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 403
    assert valid_votes(srv, stage, other) == had


def test_case_page_follows_the_voting_days(srv, org, sinks, stages):
    """A cached case page says whether voting is open now: when the last voting day has passed
    (here: the days moved behind Laurel's back, as the calendar would move them, with no write
    that could drop the page), the page says so within the page cache's few seconds."""
    stage = stages[0]
    set_voting(srv, org, stage)
    case = published_case_in(srv, stage)
    anon = requests.Session()
    block = lambda: page(anon, srv, "/cases/%d" % case).text.split('id="vote"', 1)[1]  # noqa: E731
    assert 'href="/cases/%d/vote"' % case in block()  # open, and now in the page cache
    db = db_connect(srv.data)
    with db:
        db.execute("UPDATE vote_setting SET opens_on = ?, closes_on = ? WHERE stage_id = ?",
                   (beijing_today(-3), beijing_today(-1), stage))
    db.close()
    deadline = time.monotonic() + 120
    while "本阶段目前不在投票时间内" not in block():
        assert time.monotonic() < deadline, "expected the case page to say voting has closed"
        time.sleep(0.5)  # polling: a cached copy lives a few seconds
    assert 'href="/cases/%d/vote"' % case not in block()
    set_voting(srv, org, stage)


def test_front_page_and_votes_page_lead_to_an_open_exhibition(srv, org, sinks, stages):
    stage = stages[0]
    set_voting(srv, org, stage)
    link = 'href="/votes/%d"' % stage
    assert link in page(requests.Session(), srv, "/").text
    # So does the page of the stages open for voting, and the link leads to the exhibition.
    assert link in page(requests.Session(), srv, "/votes").text
    assert page(requests.Session(), srv, "/votes/%d" % stage).status_code == 200
    set_voting(srv, org, stage, opens_on=beijing_today(-5), closes_on=beijing_today(-2))
    assert link not in page(requests.Session(), srv, "/").text
    assert link not in page(requests.Session(), srv, "/votes").text
    set_voting(srv, org, stage)


def test_web_refusals_in_chinese(srv, org, sinks, stages):
    stage = stages[0]
    set_voting(srv, org, stage, per_day=1)
    cases = cases_of(srv, stage)
    a, b = cases[60], cases[61]
    # Not verified: 401 and the code forms again.
    anon = requests.Session()
    r = form(anon, srv, "/cases/%d/vote" % a, {"stage": stage}, 401, "/cases/%d/vote" % a)
    assert "请先验证手机号或电子邮箱再投票" in r.text and 'name="phone"' in r.text
    # Daily limit: one vote today, the second refused with 429.
    s = verified_visitor(srv, sinks, stage, a, "web-%s@example.org" % new_phone())
    form(s, srv, "/cases/%d/vote" % a, {"stage": stage}, 303, "/cases/%d/vote" % a)
    before = valid_votes(srv, stage, b)
    r = form(s, srv, "/cases/%d/vote" % b, {"stage": stage}, 429, "/cases/%d/vote" % b)
    assert "您今天的投票次数已用完" in r.text
    assert valid_votes(srv, stage, b) == before
    # Address limit: everyone here is one /24.
    used = db_connect(srv.data).execute(
        "SELECT coalesce(max(votes), 0) FROM vote_net WHERE stage_id=? AND "
        "net='127.0.0.0/24' AND day=?", (stage, beijing_today())).fetchone()[0]
    set_voting(srv, org, stage, per_net=used)
    t = verified_visitor(srv, sinks, stage, b)
    r = form(t, srv, "/cases/%d/vote" % b, {"stage": stage}, 429, "/cases/%d/vote" % b)
    assert "您所在网络今天的投票次数已达上限" in r.text
    # Stage closed: the page says so and has no forms; a vote posted anyway is 403.
    set_voting(srv, org, stage, opens_on=beijing_today(1), closes_on=beijing_today(2))
    r = page(t, srv, "/cases/%d/vote" % b)
    assert "不在投票时间内" in r.text and 'action="/cases/%d/vote"' % b not in r.text
    r = form(t, srv, "/cases/%d/vote" % b, {"stage": stage}, 403, "/cases/%d/vote" % b)
    assert "本阶段目前不在投票时间内" in r.text
    assert valid_votes(srv, stage, b) == before
    set_voting(srv, org, stage)
    # A bad phone number: 422 beside the form, nothing sent.
    r = form(anon, srv, "/cases/%d/vote/code" % a, {"stage": stage, "phone": "12345"}, 422,
             "/cases/%d/vote" % a)
    assert "请填写正确的 11 位手机号" in r.text
    # A case in no exhibition has no vote page.
    page(anon, srv, "/cases/999999999/vote", status=404)


def test_exhibition_list_filters_and_orders(srv, org, sinks, stages):
    stage = stages[0]
    set_voting(srv, org, stage)
    anon = requests.Session()
    r = page(anon, srv, "/votes/%d" % stage)
    ids = [int(i) for i in ITEM_RE.findall(r.text)]
    assert sorted(ids) == sorted(cases_of(srv, stage))
    db = db_connect(srv.data)
    counts = dict(db.execute("SELECT case_id, votes FROM vote_total WHERE stage_id=?", (stage,)))
    shown = [counts.get(i, 0) for i in ids]
    assert shown == sorted(shown, reverse=True) and shown[0] > 0, shown[:10]
    # Filter by region: every case listed is of that region, and only those.
    region = db.execute("SELECT c.region_code FROM stage_case s JOIN \"case\" c ON c.id=s.case_id "
                        "WHERE s.stage_id=? LIMIT 1", (stage,)).fetchone()[0]
    want = {i for (i,) in db.execute(
        "SELECT c.id FROM stage_case s JOIN \"case\" c ON c.id=s.case_id WHERE s.stage_id=? "
        "AND c.region_code=?", (stage, region))}
    r = page(anon, srv, "/votes/%d?region=%s" % (stage, region))
    assert {int(i) for i in ITEM_RE.findall(r.text)} == want
    # Hidden counts: no numbers, an order that is not by votes nor by id, the same on a reload.
    set_voting(srv, org, stage, live="")
    r1 = page(anon, srv, "/votes/%d" % stage)
    r2 = page(anon, srv, "/votes/%d" % stage)
    o1 = [int(i) for i in ITEM_RE.findall(r1.text)]
    assert o1 == [int(i) for i in ITEM_RE.findall(r2.text)]
    assert o1 != sorted(o1) and o1 != ids and sorted(o1) == sorted(ids)
    assert 'class="vote-count"' not in r1.text
    other = page(requests.Session(), srv, "/votes/%d" % stage).text
    assert sorted(int(i) for i in ITEM_RE.findall(other)) == sorted(o1)
    set_voting(srv, org, stage)
    # A stage that is not an exhibition has no list.
    page(anon, srv, "/votes/1", status=404)
