"""Invitations, password resets and the outbox, against a real SMTP sink.

This module runs its own server (own demo data, own port) started with
--smtp pointing at an aiosmtpd Controller on a free loopback port, so that
stopping the sink and restarting the server cannot disturb the other tests.
Every wait is bounded; a test fails naming what it waited for.
"""
import email
import email.policy
import os
import re
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
import requests

from aiosmtpd.controller import Controller

from conftest import (HTTP_TIMEOUT, JSON, LAUREL_BIN, PASSWORD, LaurelServer, csrf_of, finish,
                      free_port, login, make_demo, parse_html)

ORGANISER = "organiser@demo.laurel"
MAIL_WAIT = 30.0
INVITE_SUBJECT = "【案例征集评选】邀请您加入"
RESET_SUBJECT = "【案例征集评选】重设密码"
RESET_ANSWER = "如果该邮箱已注册，您将收到一封邮件"
INVALID_LINK = "链接无效或已过期"


class Sink:
    """An SMTP server collecting every message it accepts; can stop and come back."""

    def __init__(self):
        self.port = free_port()
        self.messages = []  # (rcpt_tos, email.message.EmailMessage, raw bytes)
        self.lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg, envelope.content))
        return "250 OK"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def to(self, addr):
        with self.lock:
            return [m for rcpt, m, raw in self.messages if addr.lower() in
                    [r.lower() for r in rcpt]]

    def wait_for(self, addr, count=1, timeout=MAIL_WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.to(addr)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError("expected %d message(s) to %s within %.0f s; saw %d (all: %r)"
                             % (count, addr, timeout, len(self.to(addr)),
                                [r for r, m, raw in self.messages]))


@pytest.fixture(scope="module")
def sink():
    s = Sink()
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def mail_server(sink):
    """`laurel serve --smtp` on its own small demo."""
    workdir = tempfile.mkdtemp(prefix="laurel-mail-")
    srv = None
    try:
        data = make_demo(workdir, "--cases", "200")
        srv = LaurelServer(LAUREL_BIN, data, workdir, access_log=os.devnull,
                           stdout=subprocess.DEVNULL,
                           extra_args=["--smtp", "smtp://127.0.0.1:%d" % sink.port,
                                       "--mail-from", "laurel@example.org", "--mail-retry", "1"])
        srv.start()
        yield srv
    finally:
        finish(srv, workdir)


@pytest.fixture
def site(mail_server, sink):
    """The server's URL; the sink is (back) up at the start of every test."""
    if sink.controller is None:
        sink.start()
    assert mail_server.proc.poll() is None, "expected the --smtp server running"
    return mail_server.url


# ---------------------------------------------------------------- helpers

def signed_in(base, s):
    """1 if the session's cookie is a live session (a signed-in-only page answers 200)."""
    r = s.get(base + "/password", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code in (200, 303), "GET /password: saw %d" % r.status_code
    return r.status_code == 200


def invite(base, org, addr, name="测试用户", role="reviewer", **extra):
    r = org.get(base + "/admin/users", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "GET /admin/users: expected 200, saw %d" % r.status_code
    data = {"csrf": csrf_of(r.text), "email": addr, "name": name, "role": role}
    data.update(extra)
    return org.post(base + "/admin/users/invite", data=data, allow_redirects=False,
                    timeout=HTTP_TIMEOUT)


def link_in(msg, base, kind):
    body = msg.get_content()
    m = re.search(re.escape(base) + r"/%s/([A-Za-z0-9_-]{43})" % kind, body)
    assert m, "expected a %s/%s/<token> link in the mail; saw %r" % (base, kind, body)
    return m.group(0)


def set_password(link, password, s=None, status=303):
    s = s or requests.Session()
    r = s.get(link, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "GET %s: expected the form (200), saw %d" % (link, r.status_code)
    r = s.post(link, data={"csrf": csrf_of(r.text), "password": password,
                           "password_again": password},
               allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == status, ("POST %s: expected %d, saw %d: %s"
                                     % (link, status, r.status_code, r.text[:300]))
    return s, r


def unique(prefix):
    return "%s-%s@example.org" % (prefix, uuid.uuid4().hex[:10])


def outbox_rows(base, org, addr):
    r = org.get(base + "/admin/outbox", headers=JSON, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "GET /admin/outbox (JSON): saw %d" % r.status_code
    return [i for i in r.json()["items"] if i["to"] == addr]


def wait_until(what, fn, timeout=MAIL_WAIT):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError("expected %s within %.0f s; last saw %r" % (what, timeout, last))


# ---------------------------------------------------------------- tests

def test_invitation_mail_link_sets_password_and_signs_in(site, sink):
    org = login(site, ORGANISER, PASSWORD)
    addr = unique("invitee")
    r = invite(site, org, addr, name="王小明")
    assert r.status_code == 303 and r.headers["Location"].startswith("/admin/users?invited="), (
        "expected 303 to /admin/users?invited=..., saw %d %r"
        % (r.status_code, r.headers.get("Location")))
    page = org.get(site + r.headers["Location"], timeout=HTTP_TIMEOUT)
    assert addr in page.text, "expected the users page to list and name %s" % addr

    msg = sink.wait_for(addr)[0]
    assert str(msg["Subject"]) == INVITE_SUBJECT, (
        "expected the Subject to decode to %r, saw %r" % (INVITE_SUBJECT, str(msg["Subject"])))
    raw = dict((k.lower(), v) for k, v in msg.items())
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert "date" in raw and "message-id" in raw, "expected Date and Message-ID; saw %r" % raw
    body = msg.get_content()
    assert "王小明" in body and "you have been invited" in body, (
        "expected the Chinese text with the English line below; saw %r" % body)
    link = link_in(msg, site, "invite")

    new_pw = "新的密码-" + uuid.uuid4().hex[:6]
    s, r = set_password(link, new_pw)
    assert r.headers["Location"] == "/me", "expected 303 to /me, saw %r" % r.headers["Location"]
    assert "laurel_session" in s.cookies, "expected a session cookie after setting the password"
    assert signed_in(site, s), "expected the new user to be signed in after setting the password"

    # The link works once.
    r = requests.get(link, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404 and INVALID_LINK in r.text, (
        "expected a used invitation to answer 404 %r; saw %d" % (INVALID_LINK, r.status_code))
    s2 = requests.Session()
    form = s2.get(site + "/reset", timeout=HTTP_TIMEOUT)
    r = s2.post(link, data={"csrf": csrf_of(form.text), "password": "another-pass-1",
                            "password_again": "another-pass-1"},
                allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404, "expected a second POST on the link to 404, saw %d" % r.status_code

    # And the password is the account's: a plain sign-in works.
    s3 = login(site, addr, new_pw)
    assert signed_in(site, s3)
    login(site, addr, "another-pass-1", status=401)


def test_invitation_rejects_bad_input(site, sink):
    org = login(site, ORGANISER, PASSWORD)
    r = invite(site, org, "not-an-address")
    assert r.status_code == 422, "expected 422 for a bad address, saw %d" % r.status_code
    r = invite(site, org, ORGANISER)
    assert r.status_code == 409, "expected 409 for a taken address, saw %d" % r.status_code
    r = invite(site, org, unique("rec"), role="recommender", region="")
    assert r.status_code == 422, "expected 422 for a recommender without region"
    r = invite(site, org, unique("sub"), role="submitter", unit="999999999")
    assert r.status_code == 422, "expected 422 for an unknown unit, saw %d" % r.status_code
    # A recommender with a real region is accepted.
    r = invite(site, org, unique("rec"), role="recommender", region="310000")
    assert r.status_code == 303, "expected 303 for a valid recommender, saw %d" % r.status_code


def test_invitation_pages_need_the_organiser(site):
    r = requests.get(site + "/admin/users", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303 and "/login" in r.headers["Location"]
    sub = login(site, "zhoujiadu@demo.laurel", PASSWORD)
    for path in ("/admin/users", "/admin/outbox"):
        r = sub.get(site + path, allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert r.status_code == 403, "expected 403 for a submitter on %s, saw %d" % (
            path, r.status_code)


def test_unknown_token_is_404(site):
    for path in ("/invite/" + "A" * 43, "/reset/" + "B" * 43, "/invite/short", "/reset/x"):
        r = requests.get(site + path, timeout=HTTP_TIMEOUT)
        assert r.status_code == 404 and INVALID_LINK in r.text, (
            "GET %s: expected 404 %r, saw %d" % (path, INVALID_LINK, r.status_code))


def test_login_page_links_to_reset(site):
    r = requests.get(site + "/login", timeout=HTTP_TIMEOUT)
    p = parse_html(r, "/login")
    assert ("/reset", "忘记密码？") in p.links, "expected a 忘记密码？ link to /reset; saw %r" % (
        p.links[-10:],)


def test_reset_answers_the_same_and_sends_only_for_accounts(site, sink):
    org = login(site, ORGANISER, PASSWORD)
    known = unique("known")
    invite(site, org, known)
    link = link_in(sink.wait_for(known)[0], site, "invite")
    set_password(link, "first-password-1")

    unknown = unique("nobody")
    s = requests.Session()
    answers = []
    for addr in (unknown, known):
        form = s.get(site + "/reset", timeout=HTTP_TIMEOUT)
        assert form.status_code == 200
        r = s.post(site + "/reset", data={"csrf": csrf_of(form.text), "email": addr},
                   timeout=HTTP_TIMEOUT)
        answers.append((r.status_code, r.text.replace(addr, "")))
    assert answers[0][0] == answers[1][0] == 200, "expected 200 for both, saw %r" % (
        [a[0] for a in answers],)
    assert RESET_ANSWER in answers[0][1], "expected the answer %r" % RESET_ANSWER
    assert answers[0][1] == answers[1][1], "expected the same page for a known and unknown address"

    msgs = sink.wait_for(known, count=2)  # the invitation, then the reset
    assert str(msgs[-1]["Subject"]) == RESET_SUBJECT
    time.sleep(1.0)
    assert not sink.to(unknown), "expected no mail to an unknown address; saw one"
    assert not outbox_rows(site, org, unknown), "expected no outbox row for an unknown address"


def test_reset_link_sets_password_and_ends_old_sessions(site, sink):
    org = login(site, ORGANISER, PASSWORD)
    addr = unique("resetter")
    invite(site, org, addr)
    set_password(link_in(sink.wait_for(addr)[0], site, "invite"), "old-password-1")
    old = login(site, addr, "old-password-1")
    assert signed_in(site, old)

    s = requests.Session()
    form = s.get(site + "/reset", timeout=HTTP_TIMEOUT)
    r = s.post(site + "/reset", data={"csrf": csrf_of(form.text), "email": addr.upper()},
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and RESET_ANSWER in r.text
    msg = sink.wait_for(addr, count=2)[-1]
    assert str(msg["Subject"]) == RESET_SUBJECT, "saw Subject %r" % str(msg["Subject"])
    link = link_in(msg, site, "reset")

    new, r = set_password(link, "new-password-2")
    assert signed_in(site, new), "expected the reset to sign the user in"
    assert not signed_in(site, old), "expected the reset to end the old session"
    login(site, addr, "old-password-1", status=401)
    login(site, addr, "new-password-2")
    r = requests.get(link, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404, "expected a used reset link to 404, saw %d" % r.status_code


def test_reset_form_checks_the_address(site):
    s = requests.Session()
    form = s.get(site + "/reset", timeout=HTTP_TIMEOUT)
    r = s.post(site + "/reset", data={"csrf": csrf_of(form.text), "email": "no at sign"},
               timeout=HTTP_TIMEOUT)
    assert r.status_code == 422, "expected 422 for a malformed address, saw %d" % r.status_code
    r = requests.post(site + "/reset", data={"email": "a@example.org"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 403, "expected 403 without a CSRF token, saw %d" % r.status_code


def test_messages_wait_while_smtp_is_down_then_go(site, sink):
    org = login(site, ORGANISER, PASSWORD)
    sink.stop()
    try:
        addr = unique("later")
        r = invite(site, org, addr)
        assert r.status_code == 303
        row = wait_until("a failed attempt recorded for %s" % addr,
                         lambda: [x for x in outbox_rows(site, org, addr)
                                  if x["attempts"] >= 1 and x["last_error"]])[0]
        assert not row["sent"], "expected the message unsent while the sink is down"
        page = org.get(site + "/admin/outbox", timeout=HTTP_TIMEOUT)
        assert "待发送" in page.text and addr in page.text, (
            "expected the outbox page to show the message as pending")
        assert not sink.to(addr)
    finally:
        sink.start()
    msg = sink.wait_for(addr)[0]
    assert str(msg["Subject"]) == INVITE_SUBJECT
    row = wait_until("the outbox row marked sent",
                     lambda: [x for x in outbox_rows(site, org, addr) if x["sent"]])[0]
    assert row["status"] == "sent"
    assert len(sink.to(addr)) == 1, "expected exactly one delivery, saw %d" % len(sink.to(addr))


def test_server_restarts_with_pending_mail(site, mail_server, sink):
    """A message queued before a stop is delivered after the start."""
    org = login(site, ORGANISER, PASSWORD)
    sink.stop()
    addr = unique("restart")
    try:
        assert invite(site, org, addr).status_code == 303
        mail_server.stop()
        mail_server.start()
    finally:
        sink.start()
    sink.wait_for(addr)
