"""The account pages and forms as declared pages and actions: every page has
its JSON twin (without a secret in it), a refused form answers at its status
with `error` and `errors` by field (as JSON through /api/v1, or the page
again with what was typed, never a password), and a value over its declared
limit is refused with 422 before anything changes.

Sign-in, sign-out, password change, invitation, set-password links and reset
requests; the behaviour users see is in test_auth, test_throttle and
test_mail.  Failures and reset requests come from loopback addresses of
their own (127.0.3.x), so the throttling counters of the other suites never
move.
"""
import re
import secrets
import subprocess

import requests

from conftest import (CSRF_RE, HTTP_TIMEOUT, LAUREL_BIN, PASSWORD as DEMO_PASSWORD, db_args,
                      db_connect)
from test_auth import PASSWORD, Browser, account, set_cookies

ORGANISER = "organiser@demo.laurel"
MAX_PASSWORD = 128  # AUTH_MAX_PASSWORD, bytes


def db_one(srv, sql, *args):
    c = db_connect(srv.data, readonly=True)
    try:
        return c.execute(sql, args).fetchone()
    finally:
        c.close()


def form_token(b, path):
    r = b.get(path)
    m = CSRF_RE.search(r.text)
    assert m, "expected a csrf field on %s, saw none (status %d)" % (path, r.status_code)
    return m.group(1)


def api_post(b, path, data, token_from):
    """POST data to /api/v1<path> with the token of the form on token_from."""
    data = dict(data, csrf=form_token(b, token_from))
    return b.post("/api/v1" + path, data)


def failures_total(base):
    org = Browser(base, "127.0.0.1").signed_in(ORGANISER, DEMO_PASSWORD)
    r = org.get("/api/v1/admin/logins")
    assert r.status_code == 200, "expected the organiser's /api/v1/admin/logins, saw %d" % (
        r.status_code)
    return r.json()["total"]


def no_secret(model, *secrets_):
    text = repr(model)
    for s in secrets_:
        assert s not in text, "expected no secret in %r" % text[:500]
    assert "password" not in {k.lower() for k in model}, (
        "expected no password member in the model, saw %r" % sorted(model))


# ---------------------------------------------------------------- sign-in

def test_login_page_has_a_json_twin(base):
    b = Browser(base)
    r = b.get("/api/v1/login?next=%2Fadmin")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json"), (
        "expected /api/v1/login as JSON, saw %d %r" % (r.status_code,
                                                        r.headers.get("Content-Type")))
    assert r.json() == {"email": "", "next": "/admin"}, "saw %r" % r.json()
    r = b.get("/api/v1/login?next=%2F%2Fevil.example")
    assert r.json()["next"] == "/", "expected a foreign next made local, saw %r" % r.json()


def test_signed_in_login_page_points_to_me(laurel_server, base):
    b = Browser(base).signed_in(account(laurel_server, "twin"))
    r = b.get("/login")
    assert r.status_code == 303 and r.headers["Location"] == "/me", (
        "expected 303 to /me, saw %d %r" % (r.status_code, r.headers.get("Location")))
    r = b.get("/api/v1/login")
    assert r.status_code == 200 and r.json() == {"ok": True, "location": "/me"}, (
        "expected the JSON redirect to /me, saw %d %s" % (r.status_code, r.text[:200]))


def test_wrong_password_as_json_is_401_with_the_form_model(laurel_server, base):
    email = account(laurel_server, "json401")
    b = Browser(base, "127.0.3.1")
    before = failures_total(base)
    r = api_post(b, "/login", {"email": email, "password": "wrong-password-x",
                               "next": "/password"}, "/login")
    assert r.status_code == 401, "expected 401, saw %d: %s" % (r.status_code, r.text[:200])
    m = r.json()
    assert m["email"] == email and m["next"] == "/password", "saw %r" % m
    assert "邮箱或密码不正确" in m["error"], "expected the failure message, saw %r" % m
    no_secret(m, "wrong-password-x")
    assert "laurel_session" not in set_cookies(r)
    assert failures_total(base) == before + 1, "expected the failure counted once"
    r = api_post(b, "/login", {"email": email, "password": PASSWORD, "next": "/password"},
                 "/login")
    assert r.status_code == 200 and r.json() == {"ok": True, "location": "/password"}, (
        "expected the JSON sign-in to answer its location, saw %d %s" % (r.status_code,
                                                                         r.text[:200]))
    assert "laurel_session" in set_cookies(r), "expected a session cookie"


def test_missing_password_is_422_by_field(base):
    b = Browser(base, "127.0.3.2")
    r = api_post(b, "/login", {"email": "someone@demo.laurel", "password": ""}, "/login")
    assert r.status_code == 422, "expected 422, saw %d" % r.status_code
    m = r.json()
    assert set(m["errors"]) == {"password"} and m["error"], (
        "expected the password field named, saw %r" % m)
    assert m["email"] == "someone@demo.laurel", "expected the e-mail typed, saw %r" % m


def test_password_over_its_limit_is_refused_before_hashing(laurel_server, base):
    email = account(laurel_server, "long")
    uid = db_one(laurel_server, "SELECT id FROM \"user\" WHERE email = ?", email)[0]
    b = Browser(base, "127.0.3.3")
    before = failures_total(base)
    long_pw = "p" * (MAX_PASSWORD + 1)
    r = b.post("/login", {"csrf": b.token(), "email": email, "password": long_pw})
    assert r.status_code == 422, "expected 422 for a %d-byte password, saw %d" % (
        len(long_pw), r.status_code)
    assert 'value="%s"' % email in r.text, "expected the form again with the e-mail typed"
    assert long_pw not in r.text, "expected the password never shown again"
    assert failures_total(base) == before, "expected a refused form not to count as a failure"
    assert db_one(laurel_server, "SELECT count(*) FROM session WHERE user_id = ?", uid)[0] == 0
    # At the limit the password is read (and is wrong): 401.
    r = b.post("/login", {"csrf": b.token(), "email": email, "password": "p" * MAX_PASSWORD})
    assert r.status_code == 401, "expected a %d-byte password checked (401), saw %d" % (
        MAX_PASSWORD, r.status_code)


def test_any_account_name_signs_in(laurel_server, base):
    """The sign-in form takes any text as the account: `laurel user add` checks no format."""
    name = "forms-plain-%s" % secrets.token_hex(3)
    p = subprocess.run([LAUREL_BIN, "user", "add", "--data", laurel_server.data, "--email", name,
                        "--name", "无邮箱", "--role", "reviewer"] + db_args(laurel_server.data),
                       input=(PASSWORD + "\n").encode(), capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()[-300:]
    r = Browser(base).login(name.upper())
    assert r.status_code == 303, "expected %s to sign in, saw %d" % (name, r.status_code)


# ---------------------------------------------------------------- password change

def test_password_change_refusals_change_nothing(laurel_server, base):
    email = account(laurel_server, "pwjson")
    b = Browser(base).signed_in(email)
    r = b.get("/api/v1/password")
    assert r.status_code == 200 and r.json() == {"min_length": 8}, "saw %r" % r.text[:200]
    hash_before = db_one(laurel_server, "SELECT password_hash FROM \"user\" WHERE email = ?", email)
    cookie = b.session
    cases = [
        ({"old_password": PASSWORD, "new_password": "n" * (MAX_PASSWORD + 1),
          "new_password_again": "n" * (MAX_PASSWORD + 1)}, 422, "new_password"),
        ({"old_password": PASSWORD, "new_password": "new-password-7",
          "new_password_again": "new-password-8"}, 422, "new_password_again"),
        ({"old_password": PASSWORD, "new_password": "short", "new_password_again": "short"},
         422, "new_password"),
        ({"old_password": "not-the-password", "new_password": "new-password-7",
          "new_password_again": "new-password-7"}, 422, "old_password"),
    ]
    for data, status, field in cases:
        r = api_post(b, "/password", data, "/password")
        assert r.status_code == status, "expected %d for %s, saw %d: %s" % (
            status, field, r.status_code, r.text[:200])
        m = r.json()
        assert field in m.get("errors", {}) and m.get("error"), (
            "expected errors.%s and an error, saw %r" % (field, m))
        no_secret(m, data["new_password"], data["old_password"])
    assert db_one(laurel_server, "SELECT password_hash FROM \"user\" WHERE email = ?",
                  email) == hash_before, "expected the password unchanged by refusals"
    assert b.session == cookie and b.get("/me").status_code == 200, (
        "expected the session kept through refusals")
    r = api_post(b, "/password", {"old_password": PASSWORD, "new_password": "new-password-7",
                                  "new_password_again": "new-password-7"}, "/password")
    assert r.status_code == 200 and r.json()["location"] == "/me?changed=1", (
        "expected the change accepted, saw %d %s" % (r.status_code, r.text[:200]))
    m = b.get("/api/v1/me?changed=1").json()
    assert m.get("notice") == "密码已修改。", "expected /me to say so, saw %r" % m
    assert "notice" not in b.get("/api/v1/me").json()


# ---------------------------------------------------------------- invitations

def invite(b, **data):
    return b.post("/admin/users/invite", dict(data, csrf=form_token(b, "/admin/users")))


def test_invitation_over_limits_is_422_and_keeps_what_was_typed(laurel_server, base):
    org = Browser(base).signed_in(ORGANISER, DEMO_PASSWORD)
    outbox = db_one(laurel_server, "SELECT count(*) FROM outbox")[0]
    addr = "forms-%s@example.org" % secrets.token_hex(4)
    long_name = "名" * 65
    r = invite(org, email=addr, name=long_name, role="reviewer")
    assert r.status_code == 422, "expected 422 for a 65-character name, saw %d" % r.status_code
    assert 'value="%s"' % addr in r.text and long_name in r.text, (
        "expected the form again with the address and name typed")
    assert "请填写姓名（不超过 64 个字）" in r.text
    for data, field in [({"role": "king"}, "role"), ({"role": "reviewer", "unit": "x1"}, "unit"),
                        ({"role": "recommender", "region": "1234567"}, "region"),
                        ({"role": "recommender", "region": "999999"}, "region")]:
        r = api_post(org, "/admin/users/invite", dict(data, email=addr, name="表单测试"),
                     "/admin/users")
        assert r.status_code == 422, "expected 422 for %r, saw %d" % (data, r.status_code)
        m = r.json()
        assert field in m["errors"], "expected errors.%s for %r, saw %r" % (field, data,
                                                                           m.get("errors"))
        assert m["form"]["email"] == addr, "expected the address typed in the model"
    r = invite(org, email=addr, name="表单测试", role="recommender", region="310000")
    assert r.status_code == 303, "expected the fixed form accepted, saw %d" % r.status_code
    assert db_one(laurel_server, "SELECT count(*) FROM \"user\" WHERE email = ?", addr)[0] == 1
    assert db_one(laurel_server, "SELECT count(*) FROM outbox")[0] == outbox + 1, (
        "expected exactly one message: none from the refused forms")
    r = api_post(org, "/admin/users/invite", {"email": addr.upper(), "name": "再次",
                                              "role": "reviewer"}, "/admin/users")
    assert r.status_code == 409 and "email" in r.json()["errors"], (
        "expected a taken address refused 409 by field, saw %d %s" % (r.status_code,
                                                                      r.text[:200]))


def test_the_unit_picker_finds_units_by_name(laurel_server, base):
    """The invitation form lists no unit (a campaign has thousands): the organiser types part
    of the unit's name; one match is taken, several are listed to choose from (422, nothing
    written), none is refused (422); the choice is then taken."""
    org = Browser(base).signed_in(ORGANISER, DEMO_PASSWORD)
    page = org.get("/admin/users").text
    units = db_one(laurel_server, "SELECT count(*) FROM unit")[0]
    assert page.count("<option") < 100 and units > 1000, (
        "expected the form to list no unit of the %d" % units)
    unique_id, unique_name = db_one(
        laurel_server, "SELECT id, name FROM unit u WHERE (SELECT count(*) FROM unit v "
        "WHERE v.name LIKE '%' || u.name || '%') = 1 AND name LIKE '%街道' ORDER BY id LIMIT 1")
    many = db_one(laurel_server, "SELECT count(*) FROM unit WHERE name LIKE '%街道%'")[0]
    users = db_one(laurel_server, "SELECT count(*) FROM \"user\"")[0]

    def unit_of(addr):
        return db_one(laurel_server, "SELECT r.unit_id FROM user_role r JOIN \"user\" u "
                      "ON u.id = r.user_id WHERE u.email = ?", addr)[0]

    addr = "picker-%s@example.org" % secrets.token_hex(4)
    r = invite(org, email=addr, name="单位甲", role="submitter", unit_q="无此名称的单位")
    assert r.status_code == 422 and "没有名称含有这几个字的单位" in r.text, r.status_code
    r = invite(org, email=addr, name="单位甲", role="submitter", unit_q="街道")
    assert r.status_code == 422 and "符合的单位不止一个" in r.text, r.status_code
    choices = re.findall(r'<input type="radio" name="unit" value="(\d+)"', r.text)
    assert len(choices) == min(many, 30) and "只列出了前 30 个" in r.text, (len(choices), many)
    assert db_one(laurel_server, "SELECT count(*) FROM \"user\"")[0] == users, "nothing written"
    r = invite(org, email=addr, name="单位甲", role="submitter", unit_q="街道",
               unit=choices[3])
    assert r.status_code == 303, "expected the chosen unit taken, saw %d" % r.status_code
    assert unit_of(addr) == int(choices[3])
    addr2 = "picker-%s@example.org" % secrets.token_hex(4)
    r = invite(org, email=addr2, name="单位乙", role="submitter", unit_q=unique_name)
    assert r.status_code == 303, "expected the one match taken, saw %d" % r.status_code
    assert unit_of(addr2) == unique_id


def test_organiser_pages_have_json_twins(base):
    org = Browser(base).signed_in(ORGANISER, DEMO_PASSWORD)
    users = org.get("/api/v1/admin/users").json()
    assert any(u["email"] == ORGANISER for u in users["users"]), "expected the organiser listed"
    assert {r["value"] for r in users["roles"]} == {"organiser", "recommender", "submitter",
                                                    "reviewer"}
    no_secret(users)
    assert not any("password" in u or "password_hash" in u for u in users["users"])
    outbox = org.get("/api/v1/admin/outbox").json()
    assert {"items", "sent", "pending", "failed"} <= set(outbox), "saw %r" % sorted(outbox)
    logins = org.get("/api/v1/admin/logins").json()
    assert isinstance(logins["total"], int) and isinstance(logins["items"], list)


# ---------------------------------------------------------------- links and resets

def link_token(srv, email, kind):
    row = db_one(srv, "SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1",
                 email)
    assert row, "expected a message to %s in the outbox" % email
    return re.search(r"/%s/([A-Za-z0-9_-]{43})" % kind, row[0]).group(1)


def test_link_pages_json_and_refusals(laurel_server, base):
    org = Browser(base).signed_in(ORGANISER, DEMO_PASSWORD)
    addr = "forms-link-%s@example.org" % secrets.token_hex(4)
    assert invite(org, email=addr, name="链接测试", role="reviewer").status_code == 303
    path = "/invite/" + link_token(laurel_server, addr, "invite")
    b = Browser(base)
    m = b.get("/api/v1" + path).json()
    assert m["email"] == addr and m["name"] == "链接测试" and m["action"] == path, "saw %r" % m
    r = b.get(path)
    assert r.headers.get("Referrer-Policy") == "no-referrer", (
        "expected the link's page to send no Referer, saw %r" % r.headers.get("Referrer-Policy"))
    long_pw = "q" * (MAX_PASSWORD + 1)
    r = b.post(path, {"csrf": form_token(b, path), "password": long_pw,
                      "password_again": long_pw})
    assert r.status_code == 422 and "密码过长" in r.text, (
        "expected 422 for a %d-byte password, saw %d" % (len(long_pw), r.status_code))
    assert long_pw not in r.text and r.headers.get("Referrer-Policy") == "no-referrer"
    r = api_post(b, path, {"password": "link-pass-1", "password_again": "link-pass-2"}, path)
    assert r.status_code == 422 and "password_again" in r.json()["errors"], (
        "expected a mismatch refused by field, saw %d %s" % (r.status_code, r.text[:200]))
    assert db_one(laurel_server, "SELECT password_hash IS NULL FROM \"user\" WHERE email = ?",
                  addr)[0] == 1, "expected no password set by refused forms"
    assert db_one(laurel_server, "SELECT count(*) FROM token t JOIN \"user\" u ON u.id = t.user_id "
                  "WHERE u.email = ? AND t.used_at IS NULL", addr)[0] == 1, (
        "expected the link still unused after refusals")
    r = b.post(path, {"csrf": form_token(b, path), "password": "link-pass-1",
                      "password_again": "link-pass-1"})
    assert r.status_code == 303 and r.headers["Location"] == "/me"
    assert r.headers.get("Referrer-Policy") == "no-referrer"
    # Used: 404 with the link's own message, as HTML and as JSON, still without a Referer.
    for p in (path, "/invite/" + "A" * 43):
        r = requests.get(base + p, timeout=HTTP_TIMEOUT)
        assert r.status_code == 404 and "链接无效或已过期" in r.text and \
            r.headers.get("Referrer-Policy") == "no-referrer", (
                "GET %s: expected 404 without Referer, saw %d %r" % (
                    p, r.status_code, r.headers.get("Referrer-Policy")))
    r = requests.get(base + "/api/v1" + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == 404 and r.json()["error"]["message"] == "链接无效或已过期。"
    other = Browser(base)
    r = other.post(path, {"csrf": form_token(other, "/reset"), "password": "link-pass-3",
                          "password_again": "link-pass-3"})
    assert r.status_code == 404 and r.headers.get("Referrer-Policy") == "no-referrer", (
        "expected a used link's POST to 404 without Referer, saw %d" % r.status_code)


def test_reset_request_forms(laurel_server, base):
    b = Browser(base, "127.0.3.20")
    assert b.get("/api/v1/reset").json() == {"email": ""}
    r = b.post("/reset", {"csrf": form_token(b, "/reset"), "email": "not an address"})
    assert r.status_code == 422 and 'value="not an address"' in r.text, (
        "expected 422 with the address typed, saw %d" % r.status_code)
    r = api_post(b, "/reset", {"email": "x" * 250 + "@example.org"}, "/reset")
    assert r.status_code == 422 and "email" in r.json()["errors"], (
        "expected a 262-byte address refused by field, saw %d" % r.status_code)
    outbox = db_one(laurel_server, "SELECT count(*) FROM outbox")[0]
    email = account(laurel_server, "resetjson")
    r = api_post(b, "/reset", {"email": email}, "/reset")
    assert r.status_code == 200 and r.json() == {"message": "如果该邮箱已注册，您将收到一封邮件。"}, (
        "expected the same answer as JSON, saw %d %s" % (r.status_code, r.text[:200]))
    assert db_one(laurel_server, "SELECT count(*) FROM outbox")[0] == outbox + 1
