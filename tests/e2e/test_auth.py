"""Signing in and out: sessions rotate at sign-in and end at sign-out and at
a password change, cookies are HttpOnly and SameSite=Lax (Secure behind
TLS), failures are throttled per account and address together and per
address (never locking an account for everyone) and never say
whether the account exists, `next` never leads off the site, and the
database keeps only hashes (SHA-256 of session tokens, argon2id of
passwords).

Every test signs in with accounts of its own (`laurel user add`), so no
demo password changes.  Throttling counts failures in memory per account
and per client address: tests that fail sign-ins connect from addresses of
their own in 127/8 (the server listens on 127.0.0.1; Linux lets a client
bind any loopback address), so the counters of 127.0.0.1, which the other
suites use, never move.
"""
import hashlib
import re
import secrets
import subprocess
import time
import urllib.parse

import pytest
import requests

from conftest import CSRF_RE, HTTP_TIMEOUT, LAUREL_BIN, db_args, db_connect

PASSWORD = "auth-password-1"
THROTTLED_ZH = "尝试次数过多"
FAILED_ZH = "邮箱或密码不正确"


def sha256(s):
    return hashlib.sha256(s.encode()).hexdigest()


def db_all(srv, sql, *args):
    c = db_connect(srv.data, readonly=True)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def account(srv, tag, password=PASSWORD):
    """A new reviewer account; its e-mail."""
    email = "auth-%s-%s@demo.laurel" % (tag, secrets.token_hex(3))
    p = subprocess.run([LAUREL_BIN, "user", "add", "--data", srv.data, "--email", email,
                        "--name", "认证测试", "--role", "reviewer"] + db_args(srv.data),
                       input=(password + "\n").encode(), capture_output=True, timeout=60)
    assert p.returncode == 0, "expected `laurel user add %s` to succeed, saw %d: %s" % (
        email, p.returncode, p.stderr.decode()[-500:])
    return email


class Src(requests.adapters.HTTPAdapter):
    """Connect from a given loopback address."""

    def __init__(self, ip):
        self.ip = ip
        super().__init__()

    def init_poolmanager(self, *a, **kw):
        kw["source_address"] = (self.ip, 0)
        return super().init_poolmanager(*a, **kw)


def set_cookies(r):
    """{name: (value, {attribute lower-cased: value or True})} of the response's Set-Cookie."""
    out = {}
    for line in r.raw.headers.getlist("Set-Cookie"):
        parts = [p.strip() for p in line.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        for p in parts[1:]:
            k, eq, v = p.partition("=")
            attrs[k.lower()] = v if eq else True
        out[name] = (value, attrs)
    return out


class Browser:
    def __init__(self, base, ip=None, headers=None):
        self.base = base
        self.s = requests.Session()
        if ip:
            self.s.mount("http://", Src(ip))
        self.s.headers.update(headers or {})

    def get(self, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        kw.setdefault("allow_redirects", False)
        return self.s.get(self.base + path, **kw)

    def post(self, path, data, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        kw.setdefault("allow_redirects", False)
        return self.s.post(self.base + path, data=data, **kw)

    def token(self):
        """The csrf field of a form this browser may post: /login, or /me once signed in."""
        r = self.get("/login")
        if r.status_code == 303:
            r = self.get("/me")
        m = CSRF_RE.search(r.text)
        assert m, "expected a csrf field, saw none (status %d)" % r.status_code
        return m.group(1)

    def login(self, email, password=PASSWORD, next="/me"):
        return self.post("/login", {"csrf": self.token(), "email": email, "password": password,
                                    "next": next})

    def signed_in(self, email, password=PASSWORD):
        r = self.login(email, password)
        assert r.status_code == 303, "expected sign-in of %s to be 303, saw %d: %s" % (
            email, r.status_code, r.text[:300])
        return self

    @property
    def session(self):
        return self.s.cookies.get("laurel_session")


def who(base, cookie):
    """The e-mail /me shows for a bare request with this session cookie, or None (anonymous)."""
    r = requests.get(base + "/me", cookies={"laurel_session": cookie}, allow_redirects=False,
                     headers={"Accept": "application/json"}, timeout=HTTP_TIMEOUT)
    if r.status_code == 401:
        return None
    assert r.status_code == 200, "expected /me to be 200 or 401, saw %d" % r.status_code
    return r.json()["email"]


def session_hashes(srv):
    return {h for (h,) in db_all(srv, "SELECT token_hash FROM session")}


# ---------------------------------------------------------------- sessions

def test_session_rotates_at_every_login(laurel_server, base):
    email = account(laurel_server, "rotate")
    b = Browser(base)
    anon_csrf = b.token()
    r = b.login(email)
    assert r.status_code == 303 and r.headers["Location"] == "/me", (
        "expected 303 to /me after signing in, saw %d %r" % (r.status_code,
                                                             r.headers.get("Location")))
    first = set_cookies(r)["laurel_session"][0]
    assert len(first) == 43, "expected a 43-character session token, saw %r" % first
    assert who(base, first) == email
    # The form token of a signed-in browser is the session's, not the pre-sign-in cookie's.
    assert b.token() != anon_csrf, "expected a new CSRF token once signed in"

    r = b.login(email)
    assert r.status_code == 303, "expected the second sign-in to be 303, saw %d" % r.status_code
    second = set_cookies(r)["laurel_session"][0]
    assert second != first, "expected the session token to change at sign-in, saw it kept"
    assert who(base, second) == email
    assert who(base, first) is None, (
        "expected the old session to end when the same browser signed in again; "
        "replaying it still reads as %s" % email)
    hashes = session_hashes(laurel_server)
    assert sha256(first) not in hashes and sha256(second) in hashes, (
        "expected only the new session stored")

    # A third sign-in, as someone else, in the same browser: the session still rotates.
    other = account(laurel_server, "rotate2")
    r = b.login(other)
    third = set_cookies(r)["laurel_session"][0]
    assert third not in (first, second) and who(base, third) == other
    assert who(base, second) is None, "expected the previous account's session ended"


def test_bogus_session_cookies_are_anonymous(base):
    for bogus in ["", "x", "A" * 43, secrets.token_urlsafe(32), "A" * 4000, "%00" * 43]:
        assert who(base, bogus) is None, "expected cookie %r to read as anonymous" % bogus[:50]


def test_logout_ends_the_session(laurel_server, base):
    email = account(laurel_server, "logout")
    b = Browser(base).signed_in(email)
    cookie = b.session
    tok = b.token()
    r = b.post("/logout", {"csrf": tok})
    assert r.status_code == 303 and r.headers["Location"] == "/", (
        "expected sign-out to be 303 to /, saw %d %r" % (r.status_code, r.headers.get("Location")))
    value, attrs = set_cookies(r)["laurel_session"]
    assert value == "" and attrs.get("max-age") == "0", (
        "expected the session cookie cleared (empty, Max-Age=0), saw %r %r" % (value, attrs))
    assert b.get("/me").status_code == 303, "expected the browser anonymous after sign-out"
    assert who(base, cookie) is None, "expected the replayed session cookie to be anonymous"
    assert sha256(cookie) not in session_hashes(laurel_server), (
        "expected the session row deleted at sign-out")
    # The old form token is no longer good for anything.
    r = requests.post(base + "/logout", data={"csrf": tok}, cookies={"laurel_session": cookie},
                      allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 401, "expected a replayed sign-out to be 401, saw %d" % r.status_code


def test_password_change_ends_other_sessions(laurel_server, base):
    email = account(laurel_server, "pwchange")
    a = Browser(base).signed_in(email)
    b = Browser(base).signed_in(email)
    a_old = a.session
    assert who(base, a_old) == email and who(base, b.session) == email

    # A wrong current password changes nothing.
    r = a.post("/password", {"csrf": a.token(), "old_password": "not-it-at-all",
                             "new_password": "new-password-2",
                             "new_password_again": "new-password-2"})
    assert r.status_code == 422, "expected 422 for a wrong current password, saw %d" % (
        r.status_code)
    assert who(base, b.session) == email, "expected a refused change to end no session"

    r = a.post("/password", {"csrf": a.token(), "old_password": PASSWORD,
                             "new_password": "new-password-2",
                             "new_password_again": "new-password-2"})
    assert r.status_code == 303 and r.headers["Location"] == "/me?changed=1", (
        "expected 303 to /me?changed=1, saw %d %r: %s" % (r.status_code,
                                                         r.headers.get("Location"), r.text[:300]))
    a_new = set_cookies(r)["laurel_session"][0]
    assert a_new and a_new != a_old, "expected a new session for the browser that changed it"
    assert who(base, a_new) == email, "expected the changing browser to stay signed in"
    assert who(base, a_old) is None, "expected its old session token ended"
    assert who(base, b.session) is None, (
        "expected the other session to end when the password changed")
    assert b.get("/me").status_code == 303

    ip = "127.0.0.41"  # one failure below: not on 127.0.0.1's counter
    r = Browser(base, ip).login(email, PASSWORD)
    assert r.status_code == 401, "expected the old password refused, saw %d" % r.status_code
    r = Browser(base, ip).login(email, "new-password-2")
    assert r.status_code == 303, "expected the new password to work, saw %d" % r.status_code


# ---------------------------------------------------------------- cookies

def check_cookie(r, name, secure):
    c = set_cookies(r)
    assert name in c, "expected a Set-Cookie for %s, saw %r" % (name, list(c))
    value, attrs = c[name]
    assert attrs.get("httponly") is True, "expected %s HttpOnly, saw %r" % (name, attrs)
    assert str(attrs.get("samesite", "")).lower() == "lax", (
        "expected %s SameSite=Lax, saw %r" % (name, attrs))
    assert attrs.get("path") == "/", "expected %s Path=/, saw %r" % (name, attrs)
    assert ("secure" in attrs) == secure, "expected %s %s, saw %r" % (
        name, "Secure" if secure else "not Secure over plain HTTP", attrs)
    return value, attrs


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https-proxy"])
def test_cookie_attributes(laurel_server, base, tls):
    email = account(laurel_server, "cookie")
    b = Browser(base, headers={"X-Forwarded-Proto": "https"} if tls else None)
    r = b.get("/login")
    value, _ = check_cookie(r, "laurel_csrf", tls)
    # Behind the proxy the client speaks HTTPS; this one does not, so it is handed the
    # Secure cookies itself.
    b.s.cookies.set("laurel_csrf", value)
    r = b.login(email)
    assert r.status_code == 303, "expected sign-in to be 303, saw %d" % r.status_code
    value, attrs = check_cookie(r, "laurel_session", tls)
    assert int(attrs.get("max-age", "0")) > 0, "expected a lasting session cookie, saw %r" % attrs
    b.s.cookies.set("laurel_session", value)
    r = b.post("/logout", {"csrf": b.token()})
    assert r.status_code == 303, "expected sign-out to be 303, saw %d" % r.status_code
    check_cookie(r, "laurel_session", tls)


def test_other_proto_header_values_are_not_tls(laurel_server, base):
    b = Browser(base, headers={"X-Forwarded-Proto": "http"})
    check_cookie(b.get("/login"), "laurel_csrf", False)


# ---------------------------------------------------------------- throttling

def test_login_throttled_per_account(laurel_server, base):
    ip = "127.0.0.51"
    victim, bystander = account(laurel_server, "victim"), account(laurel_server, "bystander")
    b = Browser(base, ip)
    for i in range(5):
        r = b.login(victim, "wrong-password-%d" % i)
        assert r.status_code == 401, "expected failure %d to be 401, saw %d" % (i + 1,
                                                                               r.status_code)
        assert FAILED_ZH in r.text
    r = b.login(victim, PASSWORD)
    assert r.status_code == 429, (
        "expected the 6th attempt, with the right password, to be 429; saw %d" % r.status_code)
    assert THROTTLED_ZH in r.text, "expected the throttling message, saw %r" % r.text[-600:]
    assert "laurel_session" not in set_cookies(r), "expected no session from a throttled login"
    r = Browser(base, ip, headers={"Accept-Language": "en"}).login(victim, PASSWORD)
    assert r.status_code == 429 and "Too many attempts" in r.text
    # Per account and address together: the right password from an address with no
    # failures gets through, so nobody can lock the account out (OWASP).
    r = Browser(base, "127.0.0.52").login(victim, PASSWORD)
    assert r.status_code == 303, ("expected the right password from a clean address to sign "
                                  "in despite 5 failures elsewhere, saw %d" % r.status_code)
    # Another account from the same address is not held up.
    r = Browser(base, ip).login(bystander, PASSWORD)
    assert r.status_code == 303, "expected another account from the same address to sign in, " \
        "saw %d" % r.status_code


def test_login_throttled_per_address(laurel_server, base):
    ip = "127.0.0.53"
    late, later = account(laurel_server, "late"), account(laurel_server, "later")
    b = Browser(base, ip)
    for i in range(19):  # never 5 on one account: only the address counts up
        r = b.login("nobody-%d-%s@demo.laurel" % (i, secrets.token_hex(2)), "wrong-password")
        assert r.status_code == 401, "expected failure %d to be 401, saw %d" % (i + 1,
                                                                               r.status_code)
    r = Browser(base, ip).login(late, PASSWORD)
    assert r.status_code == 303, "expected sign-in after 19 failures to work, saw %d" % (
        r.status_code)
    r = b.login("nobody-last@demo.laurel", "wrong-password")
    assert r.status_code == 401
    r = Browser(base, ip).login(later, PASSWORD)
    assert r.status_code == 429, ("expected every sign-in from the address refused after 20 "
                                  "failures, saw %d" % r.status_code)
    assert THROTTLED_ZH in r.text
    r = Browser(base, "127.0.0.54").login(later, PASSWORD)
    assert r.status_code == 303, "expected the same account from another address to work, " \
        "saw %d" % r.status_code


def test_unknown_account_answers_as_a_wrong_password(laurel_server, base):
    ip = "127.0.0.55"
    known = account(laurel_server, "known")
    unknown = known.replace("-known-", "-nobdy-")
    b = Browser(base, ip)
    r1 = b.login(known, "wrong-password")
    r2 = b.login(unknown, "wrong-password")
    assert r1.status_code == r2.status_code == 401, (
        "expected 401 for both, saw %d (wrong password) and %d (unknown account)"
        % (r1.status_code, r2.status_code))
    t1, t2 = r1.text.replace(known, "EMAIL"), r2.text.replace(unknown, "EMAIL")
    assert t1 == t2, "expected the same page apart from the e-mail typed; they differ"
    assert FAILED_ZH in t1
    h1 = {k.lower() for k in r1.headers} - {"date"}
    h2 = {k.lower() for k in r2.headers} - {"date"}
    assert h1 == h2, "expected the same headers, saw %r and %r" % (h1, h2)
    # Both verify a real argon2id hash: neither answers in a fraction of the other's time.
    times = {known: [], unknown: []}
    for _ in range(2):
        for email in (known, unknown):
            t = time.monotonic()
            b.login(email, "wrong-password")
            times[email].append(time.monotonic() - t)
    assert min(times[unknown]) > 0.3 * min(times[known]), (
        "expected an unknown account to take about as long as a wrong password, saw %r" % times)


# ---------------------------------------------------------------- redirects

@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example",
                                    "\\\\evil.example", "/\t/evil.example", "/\n/evil.example",
                                    "http:evil.example", "javascript:alert(1)",
                                    " //evil.example", "evil.example"])
def test_next_stays_on_the_site(laurel_server, base, target):
    email = account(laurel_server, "next")
    b = Browser(base)
    r = b.get("/login?next=" + urllib.parse.quote(target, safe=""))
    m = re.search(r'name="next" value="([^"]*)"', r.text)
    assert m and m.group(1) == "/", "expected the form's next to be / for %r, saw %r" % (
        target, m and m.group(1))
    r = b.login(email, next=target)
    assert r.status_code == 303, "expected 303, saw %d" % r.status_code
    loc = r.headers["Location"]
    assert loc == "/me", "expected a local redirect to /me for next=%r, saw %r" % (target, loc)
    u = urllib.parse.urlsplit(urllib.parse.urljoin(base + "/login", loc.replace("\t", "")))
    assert u.netloc == urllib.parse.urlsplit(base).netloc


def test_local_next_is_followed(laurel_server, base):
    email = account(laurel_server, "nextok")
    r = Browser(base).login(email, next="/password?from=login")
    assert r.status_code == 303 and r.headers["Location"] == "/password?from=login", (
        "expected the local next followed, saw %d %r" % (r.status_code, r.headers.get("Location")))
    r = Browser(base).get("/password")
    assert r.status_code == 303 and r.headers["Location"] == "/login?next=%2Fpassword", (
        "expected a protected page to send to /login with next, saw %r"
        % r.headers.get("Location"))


# ---------------------------------------------------------------- what is stored

def test_sessions_are_stored_hashed(laurel_server, base):
    email = account(laurel_server, "hashed")
    b = Browser(base).signed_in(email)
    cookie = b.session
    rows = db_all(laurel_server, "SELECT * FROM session")
    assert rows, "expected session rows"
    assert not any(cookie in str(v) for row in rows for v in row), (
        "expected the session token itself nowhere in the session table")
    uid = db_all(laurel_server, "SELECT id FROM \"user\" WHERE email = ?", email)[0][0]
    mine = db_all(laurel_server, "SELECT token_hash FROM session WHERE user_id = ?", uid)
    assert mine == [(sha256(cookie),)], (
        "expected the account's one session stored as the SHA-256 hex of its token, saw %r"
        % mine)


def test_passwords_are_argon2id(laurel_server, base):
    email = account(laurel_server, "argon")
    rows = db_all(laurel_server, "SELECT email, password_hash FROM \"user\" "
                  "WHERE password_hash IS NOT NULL")
    assert len(rows) >= 5, "expected the demo accounts and ours, saw %d" % len(rows)
    bad = [(e, h[:12]) for e, h in rows if not h.startswith("$argon2id$")]
    assert not bad, "expected every password hash to be argon2id, saw %r" % bad
    # The demo hashes its one shared password once for all its accounts; all others differ.
    demo = dict(rows)["organiser@demo.laurel"]
    ours = [h for e, h in rows if h != demo]
    assert len(set(ours)) == len(ours), "expected salted hashes, all different"
    # A password someone chose costs argon2id's interactive limits (64 MiB, two passes); the
    # demo's published one its least, for no cost protects a password everyone knows.
    chosen = dict(rows)[email]
    assert chosen.startswith("$argon2id$v=19$m=65536,t=2,p=1$"), (
        "expected a chosen password hashed at 64 MiB and two passes, saw %r" % chosen[:32])
    assert demo.startswith("$argon2id$v=19$m=8,t=1,p=1$"), (
        "expected the demo's published password hashed at argon2id's least cost, saw %r"
        % demo[:32])
