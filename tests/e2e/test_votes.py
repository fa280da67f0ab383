"""Public voting in an exhibition stage, end to end over HTTP.

One server of this module's own (its own demo, port and data) delivers codes
to a real SMTP sink (e-mail) and to a local SMS gateway sink (phone: the
outbox POSTs {"phone", "text"} as JSON).  The organiser opens the demo's
exhibition stage for voting today through /admin/stages/{id}/voting, then
voters ask for a code, verify it, and vote through /api/v1/votes*.  Every
refusal is checked with its status and its JSON code; the limits are hit
with 100 parallel requests; the plain contact must be gone from the
database once the code has been sent.
"""
import datetime
import hashlib
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from conftest import (HTTP_TIMEOUT, JSON, LAUREL_BIN, LaurelServer, csrf, db_columns, db_connect,
                      finish, free_port, login, make_demo)
from test_mail import Sink
from test_pagecache import counters, delta

ORGANISER = "organiser@demo.laurel"
WAIT = 30.0
CODE_RE = re.compile(r"(\d{6})")


class Gateway:
    """An SMS gateway sink: records every JSON POST; answers 200."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        sink = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with sink.lock:
                    sink.messages.append((self.headers.get("Content-Type"), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for(self, phone, count=1, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                got = [m for ct, m in self.messages if m.get("phone") == phone]
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError("expected %d SMS to %s within %.0f s; saw %r"
                             % (count, phone, timeout, self.messages))


@pytest.fixture(scope="module")
def sinks():
    smtp, sms = Sink(), Gateway()
    smtp.start()
    yield smtp, sms
    smtp.stop()
    sms.stop()


@pytest.fixture(scope="module")
def srv(sinks):
    smtp, sms = sinks
    workdir = tempfile.mkdtemp(prefix="laurel-votes-")
    s = None
    try:
        data = make_demo(workdir, "--cases", "200")
        s = LaurelServer(LAUREL_BIN, data, workdir, access_log=os.devnull,
                         stdout=subprocess.DEVNULL,
                         extra_args=["--smtp", "smtp://127.0.0.1:%d" % smtp.port,
                                     "--sms", "http://127.0.0.1:%d/send" % sms.port,
                                     "--mail-from", "laurel@example.org", "--mail-retry", "1",
                                     "--threads", "4"])
        s.start()
        s.db = os.path.join(data, "laurel.db")
        yield s
    finally:
        finish(s, workdir)


@pytest.fixture(scope="module")
def org(srv):
    return login(srv.url, ORGANISER)


def beijing_today(delta=0):
    t = datetime.datetime.utcnow() + datetime.timedelta(hours=8, days=delta)
    return t.strftime("%Y-%m-%d")


def exhibition_stages(srv, org):
    """[(id, cases)] of the exhibition stages, from the organiser's JSON pages."""
    found = []
    for sid in range(1, 40):
        r = org.get(srv.url + "/api/v1/admin/stages/%d/voting" % sid, timeout=HTTP_TIMEOUT)
        if r.status_code == 200:
            found.append((sid, r.json()["summary"]["cases"]))
        else:
            assert r.status_code == 404, "GET voting of stage %d: %d %s" % (
                sid, r.status_code, r.text[:200])
    return found


@pytest.fixture(scope="module")
def stages(srv, org):
    """(the exhibition stage with cases, another exhibition stage)."""
    ex = exhibition_stages(srv, org)
    with_cases = [s for s, n in ex if n > 0]
    others = [s for s, n in ex if n == 0]
    assert with_cases and others, "expected the demo's exhibition stages, saw %r" % ex
    # The newest with cases: the edition in review's (the finished 2019 campaign's is closed).
    return with_cases[-1], others[0]


def set_voting(srv, org, stage, status=303, **kw):
    form = {"opens_on": beijing_today(-1), "closes_on": beijing_today(1), "verify": "both",
            "per_case": 1, "per_day": 10, "per_net": 100000, "live": "1"}
    form.update(kw)
    form["csrf"] = csrf(org, srv.url, "/admin/stages/%d/voting" % stage)
    r = org.post(srv.url + "/admin/stages/%d/voting" % stage, data=form, allow_redirects=False,
                 timeout=HTTP_TIMEOUT)
    assert r.status_code == status, "expected %d setting voting on %d, saw %d: %s" % (
        status, stage, r.status_code, r.text[:300])
    return r


def cases_of(srv, stage):
    open_now = requests.get(srv.url + "/api/v1/votes", timeout=HTTP_TIMEOUT).json()["stages"]
    for s in open_now:
        if s["id"] == stage:
            return s["cases"]
    raise AssertionError("expected stage %d open in GET /api/v1/votes; saw %r" % (stage, open_now))


def post(srv, path, body, token=None, status=None, **kw):
    h = {"Authorization": "Bearer " + token} if token else {}
    r = requests.post(srv.url + "/api/v1" + path, json=body, headers=h, timeout=HTTP_TIMEOUT, **kw)
    if status is not None:
        assert r.status_code == status, "POST %s %r: expected %d, saw %d: %s" % (
            path, body, status, r.status_code, r.text[:300])
    return r


_n = [0]


def new_phone():
    _n[0] += 1
    return "139%08d" % ((os.getpid() * 1000 + _n[0]) % 100000000)


def code_for(sinks, contact, count=1):
    smtp, sms = sinks
    if "@" in contact:
        msg = smtp.wait_for(contact, count)[-1]
        text = msg.get_body(preferencelist=("plain",)).get_content()
    else:
        text = sms.wait_for(contact, count)[-1]["text"]
    m = CODE_RE.search(text)
    assert m, "expected a six-digit code in %r" % text
    return m.group(1)


def voter(srv, sinks, stage, contact=None):
    """A verified voter's token for stage (a new phone unless contact is given)."""
    contact = contact or new_phone()
    key = "email" if "@" in contact else "phone"
    post(srv, "/votes/code", {"stage": stage, key: contact}, status=202)
    code = code_for(sinks, contact)
    r = post(srv, "/votes/verify", {"stage": stage, key: contact, "code": code}, status=200)
    return r.json()["token"]


def refused(r, status, code):
    assert r.status_code == status and r.json().get("code") == code, (
        "expected %d %s, saw %d %s" % (status, code, r.status_code, r.text[:300]))
    assert r.json().get("error"), "expected a message in the refusal; saw %r" % r.text


@pytest.fixture
def opened(srv, org, stages):
    set_voting(srv, org, stages[0])
    return stages[0]


# ---------------------------------------------------------------- the way of a vote

def test_phone_code_verify_vote_and_privacy(srv, org, sinks, opened):
    smtp, sms = sinks
    phone = new_phone()
    r = post(srv, "/votes/code", {"stage": opened, "phone": "+86 " + phone[:3] + "-" + phone[3:]},
             status=202)
    assert r.json().get("sent") is True, r.text
    msg = sms.wait_for(phone)[0]
    with sms.lock:
        ctype = [ct for ct, m in sms.messages if m is msg][0]
    assert ctype.startswith("application/json"), ctype
    code = CODE_RE.search(msg["text"]).group(1)
    bad = "%06d" % ((int(code) + 1) % 1000000)
    refused(post(srv, "/votes/verify", {"stage": opened, "phone": phone, "code": bad}), 422,
            "vote_code_wrong")
    r = post(srv, "/votes/verify", {"stage": opened, "phone": phone, "code": code}, status=200)
    token = r.json()["token"]
    cookie = r.headers.get("Set-Cookie", "")
    assert "laurel_voter=" in cookie and "HttpOnly" in cookie, cookie
    # The code works once.
    refused(post(srv, "/votes/verify", {"stage": opened, "phone": phone, "code": code}), 422,
            "vote_code_expired")
    case = cases_of(srv, opened)[0]
    before = db_connect(srv.data).execute(
        "SELECT coalesce(sum(votes), 0) FROM vote_total WHERE stage_id=? AND case_id=?",
        (opened, case)).fetchone()[0]
    r = post(srv, "/votes", {"case": case}, token=token, status=201)
    body = r.json()
    assert body["case"] == case and body["votes"] == before + 1 and body["remaining_today"] == 9, body
    refused(post(srv, "/votes", {"case": case}, token=token), 409, "vote_already")
    # The contact is nowhere in the database once its code is sent: only a hash and a mask.
    db = db_connect(srv.data)
    masked = phone[:3] + "****" + phone[-4:]
    assert db.execute("SELECT masked FROM voter WHERE masked=?", (masked,)).fetchone()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        rows = db.execute("SELECT to_addr, body FROM outbox WHERE to_mask=?", (masked,)).fetchall()
        if rows and all(a == masked and b == "" for a, b in rows):
            break
        time.sleep(0.1)
    assert rows and all(a == masked and b == "" for a, b in rows), (
        "expected the sent code's row erased to the mask; saw %r" % rows)
    for table in ("voter", "vote_code", "voter_token", "vote", "vote_day", "vote_net", "outbox"):
        cols = db_columns(srv.data, table)
        for c in cols:
            hit = db.execute("SELECT count(*) FROM \"%s\" WHERE CAST(\"%s\" AS TEXT) LIKE ?"
                             % (table, c), ("%" + phone + "%",)).fetchone()[0]
            assert hit == 0, "expected no plain phone in %s.%s, saw %d rows" % (table, c, hit)


def test_voters_leave_the_cached_pages_cached(srv, sinks, opened):
    """A code asked and verified, and a vote for a case of the edition under review, write no
    row that a page of the published campaign shows (src/store/changes.c): its cached case
    pages stay cached while the public votes."""
    pages = ["/cases/7", "/cases/8"]
    for path in pages * 2:  # rendered, then served from the cache
        r = requests.get(srv.url + path, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, "GET %s: expected 200, saw %d" % (path, r.status_code)

    def served(path):
        c0 = counters(srv.url)
        r = requests.get(srv.url + path, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, "GET %s: expected 200, saw %d" % (path, r.status_code)
        hits, misses = delta(c0, counters(srv.url))
        return "hit" if (hits, misses) == (1, 0) else "hits +%d, misses +%d" % (hits, misses)

    token = voter(srv, sinks, opened)
    seen = [served(path) for path in pages]
    assert seen == ["hit", "hit"], (
        "expected the case pages still cached after a code was asked and verified; saw %r"
        % seen)
    post(srv, "/votes", {"case": cases_of(srv, opened)[2]}, token=token, status=201)
    seen = [served(path) for path in pages]
    assert seen == ["hit", "hit"], (
        "expected the published campaign's case pages still cached after a vote in the "
        "exhibition; saw %r" % seen)


def test_email_code_through_smtp_and_cookie_vote_needs_csrf(srv, sinks, opened):
    addr = "voter-%s@example.org" % uuid.uuid4().hex[:8]
    s = requests.Session()
    r = s.post(srv.url + "/api/v1/votes/code", json={"stage": opened, "email": addr.upper()},
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 202, r.text
    code = code_for(sinks, addr)
    r = s.post(srv.url + "/api/v1/votes/verify",
               json={"stage": opened, "email": addr, "code": code}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and s.cookies.get("laurel_voter"), r.text
    cases = cases_of(srv, opened)
    # A urlencoded form with the voter's cookie and no CSRF token is refused, and counts nothing.
    r = s.post(srv.url + "/votes", data={"case": cases[1]}, headers=JSON, allow_redirects=False,
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 403, "expected 403 without a CSRF token, saw %d %s" % (
        r.status_code, r.text[:200])
    # The same vote as JSON (which no cross-site form can send) is taken.
    r = s.post(srv.url + "/api/v1/votes", json={"case": cases[1]}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 201 and r.json()["remaining_today"] == 9, r.text
    # A form with the page's CSRF token is taken too.
    page = s.get(srv.url + "/votes", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200
    token = s.cookies.get("laurel_csrf")
    assert token, "expected the anonymous CSRF cookie after a personal page"
    r = s.post(srv.url + "/votes", data={"case": cases[2], "csrf": token}, headers=JSON,
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 201, "expected 201 with the CSRF token, saw %d %s" % (
        r.status_code, r.text[:200])


def test_bearer_form_without_cookie_needs_no_csrf(srv, sinks, opened):
    token = voter(srv, sinks, opened)
    case = cases_of(srv, opened)[3]
    r = requests.post(srv.url + "/api/v1/votes", data={"case": case},
                      headers={"Authorization": "Bearer " + token}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 201, r.text


def test_refusals(srv, org, sinks, stages):
    stage, other = stages
    set_voting(srv, org, stage)
    cases = cases_of(srv, stage)
    token = voter(srv, sinks, stage)
    refused(post(srv, "/votes", {"case": cases[0]}, token="x" * 43), 401, "vote_bad_token")
    refused(post(srv, "/votes", {"case": cases[0]}), 401, "vote_bad_token")
    refused(post(srv, "/votes", {"case": 999999999}, token=token), 404, "vote_case_not_in_stage")
    refused(post(srv, "/votes", {"case": "x"}, token=token), 422, "vote_bad_case")
    # A token of another stage.
    set_voting(srv, org, other)
    other_token = voter(srv, sinks, other)
    refused(post(srv, "/votes", {"stage": stage, "case": cases[0]}, token=other_token), 401,
            "vote_token_stage")
    refused(post(srv, "/votes", {"case": cases[0]}, token=other_token), 404,
            "vote_case_not_in_stage")
    # A closed stage: no code, no vote.
    set_voting(srv, org, other, opens_on=beijing_today(-5), closes_on=beijing_today(-1))
    refused(post(srv, "/votes/code", {"stage": other, "phone": new_phone()}), 403, "vote_closed")
    set_voting(srv, org, stage, opens_on=beijing_today(1), closes_on=beijing_today(3))
    refused(post(srv, "/votes", {"case": cases[0]}, token=token), 403, "vote_closed")
    set_voting(srv, org, stage)
    # Bad contacts and codes; a code asked again within the minute is throttled.
    refused(post(srv, "/votes/code", {"stage": stage, "phone": "12345"}), 422, "vote_bad_phone")
    refused(post(srv, "/votes/code", {"stage": stage}), 422, "vote_one_contact")
    refused(post(srv, "/votes/code", {"stage": 999999, "phone": new_phone()}), 404, "vote_no_stage")
    phone = new_phone()
    post(srv, "/votes/code", {"stage": stage, "phone": phone}, status=202)
    refused(post(srv, "/votes/code", {"stage": stage, "phone": phone}), 429, "vote_code_throttled")
    code = code_for(sinks, phone)
    wrong = "%06d" % ((int(code) + 7) % 1000000)
    for _ in range(5):
        refused(post(srv, "/votes/verify", {"stage": stage, "phone": phone, "code": wrong}), 422,
                "vote_code_wrong")
    # Five tries spent: even the right code is refused now.
    refused(post(srv, "/votes/verify", {"stage": stage, "phone": phone, "code": code}), 429,
            "vote_code_tries")
    # Phone-only stage refuses e-mail.
    set_voting(srv, org, stage, verify="phone")
    refused(post(srv, "/votes/code", {"stage": stage, "email": "a-%s@example.org" % uuid.uuid4().hex[:6]}),
            422, "vote_kind_not_allowed")
    set_voting(srv, org, stage)
    # The settings are checked: close before open is 422 and changes nothing.
    set_voting(srv, org, stage, status=422, opens_on=beijing_today(2), closes_on=beijing_today(1))
    assert stage in [s["id"] for s in requests.get(srv.url + "/api/v1/votes").json()["stages"]]


def test_daily_and_address_limits(srv, org, sinks, stages):
    stage = stages[0]
    set_voting(srv, org, stage, per_day=3)
    cases = cases_of(srv, stage)
    token = voter(srv, sinks, stage)
    for i, c in enumerate(cases[10:13]):
        r = post(srv, "/votes", {"case": c}, token=token, status=201)
        assert r.json()["remaining_today"] == 2 - i, r.text
    refused(post(srv, "/votes", {"case": cases[13]}, token=token), 429, "vote_limit_day")
    # Per network address: everyone here is 127.0.0.0/24.
    db = db_connect(srv.data)
    used = db.execute("SELECT coalesce(max(votes), 0) FROM vote_net WHERE stage_id=? AND "
                      "net='127.0.0.0/24' AND day=?", (stage, beijing_today())).fetchone()[0]
    set_voting(srv, org, stage, per_net=used + 1)
    t2 = voter(srv, sinks, stage)
    post(srv, "/votes", {"case": cases[20]}, token=t2, status=201)
    refused(post(srv, "/votes", {"case": cases[21]}, token=t2), 429, "vote_limit_net")
    set_voting(srv, org, stage)


def parallel(fn, n=100):
    with ThreadPoolExecutor(max_workers=n) as ex:
        return list(ex.map(fn, range(n)))


def test_100_identical_votes_accept_exactly_one(srv, org, sinks, opened):
    token = voter(srv, sinks, opened)
    case = cases_of(srv, opened)[30]
    statuses = parallel(lambda i: post(srv, "/votes", {"case": case}, token=token).status_code)
    assert statuses.count(201) == 1 and statuses.count(409) == 99, sorted(set(statuses))
    db = db_connect(srv.data)
    n = db.execute("SELECT count(*) FROM vote v JOIN voter_token t ON t.voter_id=v.voter_id "
                   "WHERE t.token_hash=? AND v.case_id=?",
                   (hashlib.sha256(token.encode()).hexdigest(), case)).fetchone()[0]
    assert n == 1, "expected one vote row, saw %d" % n


def test_100_votes_past_a_daily_limit_of_10_accept_exactly_10(srv, org, sinks, opened):
    token = voter(srv, sinks, opened)
    cases = cases_of(srv, opened)[100:200]
    statuses = parallel(lambda i: post(srv, "/votes", {"case": cases[i]}, token=token).status_code)
    assert statuses.count(201) == 10 and statuses.count(429) == 90, sorted(set(statuses))


def test_counts_hidden_until_close(srv, org, sinks, stages):
    stage = stages[0]
    set_voting(srv, org, stage, live="")
    token = voter(srv, sinks, stage)
    r = post(srv, "/votes", {"case": cases_of(srv, stage)[40]}, token=token, status=201)
    assert r.json()["votes"] is None, r.text
    set_voting(srv, org, stage)


def test_voting_page_and_its_json_twin(srv, org, stages):
    r = org.get(srv.url + "/admin/stages/%d/voting" % stages[0], timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and 'name="per_day"' in r.text, r.text[:300]
    r = org.get(srv.url + "/api/v1/admin/stages/%d/voting" % stages[0], timeout=HTTP_TIMEOUT)
    m = r.json()
    assert m["voting"]["per_day"] == 10 and m["summary"]["votes"] >= 1, m
    # A review stage has no voting.
    r = org.get(srv.url + "/api/v1/admin/stages/1/voting", timeout=HTTP_TIMEOUT)
    assert r.status_code == 404


def test_codes_throttled_per_network_prefix(srv, org, opened):
    """Thirty codes an hour from one /24, whatever the contacts; another /24 still gets its own."""
    def from_ip(ip):
        class Src(requests.adapters.HTTPAdapter):
            def init_poolmanager(self, *a, **kw):
                kw["source_address"] = (ip, 0)
                return super().init_poolmanager(*a, **kw)
        s = requests.Session()
        s.mount("http://", Src())
        return s
    s = from_ip("127.0.7.1")
    statuses = [s.post(srv.url + "/api/v1/votes/code", json={"stage": opened, "phone": new_phone()},
                       timeout=HTTP_TIMEOUT).status_code for _ in range(31)]
    assert statuses[:30] == [202] * 30 and statuses[30] == 429, statuses
    r = from_ip("127.0.8.1").post(srv.url + "/api/v1/votes/code",
                                  json={"stage": opened, "phone": new_phone()}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 202, r.text
