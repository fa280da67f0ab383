"""The organiser's changes to one account, over HTTP (src/web/user_admin.c).

A person invited by the organiser has their name and address corrected (a
taken address is 409 and changes nothing), gets the invitation again (the
earlier link stops working, a new message waits in the outbox), and a
person with a password is disabled (signed out at once, sign-in refused)
and enabled again.  The organiser cannot disable their own account.
"""
import re
import secrets

import pytest
import requests

from conftest import HTTP_TIMEOUT, db_connect, login
from test_access import user_add
from test_intake import User, outbox_max, outbox_rows

PASSWORD2 = "user-admin-pass-1"


@pytest.fixture(scope="module")
def organiser(laurel_server):
    return User(laurel_server.url, "organiser@demo.laurel")


def user_row(server, uid):
    c = db_connect(server.data, readonly=True)
    try:
        return c.execute("SELECT name, email, disabled FROM \"user\" WHERE id = ?",
                         (uid,)).fetchone()
    finally:
        c.close()


def uid_of(server, email):
    c = db_connect(server.data, readonly=True)
    try:
        return c.execute("SELECT id FROM \"user\" WHERE email = ?", (email,)).fetchone()[0]
    finally:
        c.close()


def invite_link(body):
    m = re.search(r"/invite/([A-Za-z0-9_-]{43})", body)
    assert m, "expected an invitation link in %r" % body
    return "/invite/" + m.group(1)


def test_edit_and_reinvite_a_pending_person(laurel_server, organiser):
    base = laurel_server.url
    tag = secrets.token_hex(3)
    email = "ua-%s@example.cn" % tag
    mark = outbox_max(laurel_server)
    r = organiser.post("/admin/users/invite", {"email": email, "name": "王五", "role": "organiser"})
    assert r.status_code == 303, "expected the invitation to answer 303, saw %d" % r.status_code
    first = [x for x in outbox_rows(laurel_server, mark) if x[1] == email]
    assert len(first) == 1
    old_link = invite_link(first[0][3])
    uid = uid_of(laurel_server, email)

    page = organiser.get("/admin/users/%d" % uid)
    assert page.status_code == 200 and "重新发送邀请" in page.text and "停用账号" in page.text

    # A taken address is refused, nothing changes; a good edit is saved.
    r = organiser.post("/admin/users/%d/edit" % uid, {"name": "王五五",
                                                      "email": "organiser@demo.laurel"})
    assert r.status_code == 409 and "该邮箱已有账户" in r.text, r.status_code
    assert user_row(laurel_server, uid) == ("王五", email, 0)
    r = organiser.post("/admin/users/%d/edit" % uid, {"name": "", "email": email})
    assert r.status_code == 422, "expected an empty name to be 422, saw %d" % r.status_code
    new_email = "ua-%s-new@example.cn" % tag
    r = organiser.post("/admin/users/%d/edit" % uid, {"name": "王五五", "email": new_email})
    assert r.status_code == 303, "expected the edit to answer 303, saw %d" % r.status_code
    assert user_row(laurel_server, uid) == ("王五五", new_email, 0)
    assert "姓名和邮箱已保存" in organiser.get(r.headers["Location"]).text

    mark = outbox_max(laurel_server)
    r = organiser.post("/admin/users/%d/reinvite" % uid)
    assert r.status_code == 303, "expected the re-invitation to answer 303, saw %d" % r.status_code
    again = outbox_rows(laurel_server, mark)
    assert len(again) == 1 and again[0][1] == new_email, again
    new_link = invite_link(again[0][3])
    assert requests.get(base + old_link, timeout=HTTP_TIMEOUT).status_code == 404, (
        "expected the earlier invitation link to stop working")
    assert requests.get(base + new_link, timeout=HTTP_TIMEOUT).status_code == 200
    assert organiser.post("/admin/users/999999/reinvite").status_code == 404


def test_disable_signs_out_and_enable_lets_back_in(laurel_server, organiser):
    base = laurel_server.url
    email = "ua-%s@example.cn" % secrets.token_hex(3)
    user_add(laurel_server, email, "赵六", "organiser", PASSWORD2)
    uid = uid_of(laurel_server, email)
    them = login(base, email, PASSWORD2)
    assert them.get(base + "/admin", allow_redirects=False, timeout=HTTP_TIMEOUT).status_code == 200

    # Someone with a password is not invited again.
    mark = outbox_max(laurel_server)
    r = organiser.post("/admin/users/%d/reinvite" % uid)
    assert r.status_code == 409 and outbox_rows(laurel_server, mark) == []

    r = organiser.post("/admin/users/%d/status" % uid, {"action": "pause"})
    assert r.status_code == 422
    r = organiser.post("/admin/users/%d/status" % uid, {"action": "disable"})
    assert r.status_code == 303, "expected disabling to answer 303, saw %d" % r.status_code
    assert user_row(laurel_server, uid)[2] == 1
    r = them.get(base + "/admin", allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code in (302, 303, 401), "expected the session ended, saw %d" % r.status_code
    login(base, email, PASSWORD2, status=401)
    users = organiser.get("/admin/users?q=" + email).text
    assert "已停用" in users, "expected the list of users to say the account is disabled"
    r = organiser.post("/admin/users/%d/status" % uid, {"action": "disable"})
    assert r.status_code == 409, "expected disabling twice to be 409, saw %d" % r.status_code

    r = organiser.post("/admin/users/%d/status" % uid, {"action": "enable"})
    assert r.status_code == 303
    login(base, email, PASSWORD2)


def test_organiser_cannot_disable_themselves(laurel_server, organiser):
    me = uid_of(laurel_server, "organiser@demo.laurel")
    r = organiser.post("/admin/users/%d/status" % me, {"action": "disable"})
    assert r.status_code == 409 and "不能停用自己的账号" in r.text, r.status_code
    assert user_row(laurel_server, me)[2] == 0
    assert "停用账号" not in organiser.get("/admin/users/%d" % me).text
