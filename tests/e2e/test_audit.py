"""The audit chain, end to end: every changing route appends its row, votes are
sealed by batch, and `laurel audit verify` finds what was done behind Laurel's back.

The routes come from the route table (`laurel routes`): every POST route that
says it is audited must, when a real request through it changes something,
append a row naming its route in the same transaction; a route that never
manages a change here fails the test by name, as does one that changes
something without a row.  The requests are the CSRF suite's probes
(test_access.csrf_probe: a request per route that changes data where that is
harmless for other suites), run on a server and demo of this module's own;
the routes those probes leave refused (a stage's lifecycle, a case moved on)
are walked here for real, in order: a case returned, another screened, the
demo's 复评 closed, ranked and advanced, the 终评 pool filled, assigned, an
assignment removed and added back, released, a reviewer dropped.  The final
ballot's, the tiers' and the notice's actions need a ballot stage walked from
its jury to its notice: test_ballot.py does that and checks their rows.  The
routes that append no row (sign-in
and out, one's own password, invitations and resets accepted, the voters' own
requests) are listed below: a new route joins that list only on purpose.

Then the server stops and copies of its database are tampered with directly:
a row changed, a row deleted, a vote removed, a vote altered; `verify`
names the first broken row each time, and says the original is intact.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import (LAUREL_BIN, LaurelServer, ON_PG, db_args, db_connect, db_copy, db_errors,
                      finish, make_demo)
from test_ballot import walked_by_the_ballot
from test_access import (any_number_of_cases_per_unit, csrf_probe, key_of,  # noqa: F401
                         new_case, review_stage, route_table, world)  # two fixtures

UNAUDITED = {"POST /login", "POST /logout", "POST /password", "POST /invite/{token}",
             "POST /reset", "POST /reset/{token}", "POST /votes", "POST /votes/code",
             "POST /votes/verify", "POST /cases/{id}/vote", "POST /cases/{id}/vote/code",
             "POST /cases/{id}/vote/verify", "POST /ballot-receipt", "POST /notice/{stage}/code"}


@pytest.fixture(scope="module")
def laurel_server():
    """This module's own server and demo (the world of test_access is built on it)."""
    workdir = tempfile.mkdtemp(prefix="laurel-audit-")
    srv = None
    try:
        data = make_demo(workdir)
        srv = LaurelServer(LAUREL_BIN, data, workdir, access_log=os.devnull)
        srv.start()
        srv.workdir = workdir
        yield srv
    finally:
        finish(srv, workdir)


def db_rows(srv, sql, *args):
    c = db_connect(srv.data, readonly=True)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def last_audit_id(srv):
    return db_rows(srv, "SELECT coalesce(max(id), 0) FROM audit")[0][0]


def post_routes():
    return [r for r in route_table() if r["method"] == "POST"]


def verify(data):
    p = subprocess.run([LAUREL_BIN, "audit", "verify", "--data", data] + db_args(data),
                       capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def test_routes_say_whether_they_are_audited():
    unaudited = {key_of(r) for r in post_routes() if r.get("audit") is False}
    missing = [key_of(r) for r in post_routes() if "audit" not in r]
    assert not missing, "expected every POST route to say whether it is audited; %r do not" % (
        missing)
    assert unaudited == UNAUDITED, (
        "expected exactly these POST routes without an audit row: %r; saw %r"
        % (sorted(UNAUDITED), sorted(unaudited)))


def lifecycle(world):
    """{route key: a function of the world giving (actor, path, data, files, snapshot)} for the
    routes walked for real here, in the order they must run (after every probe)."""
    srv, a = world["server"], world["actors"]
    org = a["org"]
    one = lambda sql, *args: db_rows(srv, sql, *args)[0]  # noqa: E731
    st = {}

    def case_row(cid):
        return lambda: one('SELECT status, updated_at FROM "case" WHERE id = ?', cid)

    def stage_row(sid):
        return lambda: (one("SELECT state, (SELECT count(*) FROM stage_case WHERE stage_id = ?1), "
                            "(SELECT count(*) FROM stage_case WHERE stage_id = ?1 AND rank IS "
                            "NOT NULL) FROM stage WHERE id = ?1", sid),
                        db_rows(srv, "SELECT user_id, case_id, state FROM assignment "
                                "WHERE stage_id = ? ORDER BY 1, 2", sid))

    def ret(w):
        cid, _, _ = new_case(a["sub"], "审计 退回用")
        return a["rec"], "/recommend/%d/return" % cid, {"reason": "请补充材料"}, None, case_row(cid)

    def screen(w):
        cid, _, _ = new_case(a["sub"], "审计 审查用")
        r = a["rec"].post("/recommend/%d/endorse" % cid)
        assert r.status_code == 303, r.text[:300]
        return (org, "/admin/screening/%d" % cid, {"decision": "pass", "check_complete": "1"},
                None, case_row(cid))

    def on_stage(kind, action, data=None):
        def run(w):
            if "released" not in st:
                st["released"], st["setup"] = review_stage(srv, "released"), review_stage(srv,
                                                                                         "setup")
            sid = st[kind]
            return org, "/admin/stages/%d/%s" % (sid, action), data or {}, None, stage_row(sid)
        return run

    def assignment(action):
        def run(w):
            sid = st["setup"]
            cid, uid = one("SELECT case_id, user_id FROM assignment WHERE stage_id = ? "
                           "ORDER BY case_id, user_id LIMIT 1", sid)
            st["pair"] = st.get("pair", (cid, uid))
            cid, uid = st["pair"]
            return (org, "/admin/stages/%d/assignments/%s" % (sid, action),
                    {"case_id": str(cid), "user_id": str(uid)}, None, stage_row(sid))
        return run

    def drop(w):
        sid = st["setup"]
        uid = one("SELECT min(user_id) FROM assignment WHERE stage_id = ?", sid)[0]
        return org, "/admin/stages/%d/reviewers/%d/drop" % (sid, uid), {}, None, stage_row(sid)

    return {
        "POST /recommend/{id}/return": ret,
        "POST /admin/screening/{id}": screen,
        "POST /admin/stages/{id}/close": on_stage("released", "close"),
        "POST /admin/stages/{id}/rank": on_stage("released", "rank"),
        "POST /admin/stages/{id}/advance": on_stage("released", "advance"),
        "POST /admin/stages/{id}/pool": on_stage("setup", "pool"),
        "POST /admin/stages/{id}/assign": on_stage("setup", "assign"),
        "POST /admin/stages/{id}/assignments/remove": assignment("remove"),
        "POST /admin/stages/{id}/assignments/add": assignment("add"),
        "POST /admin/stages/{id}/release": on_stage("setup", "release"),
        "POST /admin/stages/{id}/reviewers/{uid}/drop": drop,
    }


def test_every_changing_route_appends_an_audit_row(world):
    srv = world["server"]
    failures, changed = [], set()
    walked = lifecycle(world)
    routes = sorted(post_routes(), key=lambda r: list(walked).index(key_of(r)) + 1
                    if key_of(r) in walked else 0)
    for route in routes:
        key = key_of(route)
        if walked_by_the_ballot(route["pattern"]):
            continue  # a ballot stage's actions: their rows are checked in test_ballot.py
        probe = walked[key](world) if key in walked else csrf_probe(world, key)
        if probe is None:
            failures.append("%s: no request for it in test_access.csrf_probe" % key)
            continue
        who, path, data, files, snapshot = probe
        before, mark = snapshot(), last_audit_id(srv)
        r = who.post(path, data, files=files)
        if r.status_code >= 400:
            if route["audit"]:
                failures.append("%s: the request was refused (%d), so no row could be checked"
                                % (key, r.status_code))
            continue
        if snapshot() == before and key != "POST /admin/stages/{id}/pool":
            # (Filling a pool already filled by the advance writes the same pool again.)
            failures.append("%s: the request (%d) changed nothing" % (key, r.status_code))
            continue
        changed.add(key)
        rows = db_rows(srv, "SELECT what, who, object FROM audit WHERE id > ? AND what <> 'votes'",
                       mark)
        if route["audit"]:
            mine = [w for w in rows if w[0] == route["pattern"]]
            if not mine:
                failures.append("%s changed data without an audit row (new rows: %r)"
                                % (key, rows))
            elif who.email and mine[0][1] == 0:
                failures.append("%s: its row names nobody, signed in as %s" % (key, who.email))
            elif mine[0][2] != path:
                failures.append("%s: its row's object is %r, not %r" % (key, mine[0][2], path))
        elif rows:
            failures.append("%s is listed as unaudited but appended %r" % (key, rows))
    assert not failures, "audit rows by route:\n  " + "\n  ".join(failures)
    assert "POST /votes" in changed, "expected the vote probe to cast a vote"
    # The vote cast above is sealed in its batch's row.
    newest_vote = db_rows(srv, "SELECT max(id) FROM vote")[0][0]
    sealed = db_rows(srv, "SELECT max(vote_last) FROM audit WHERE what = 'votes'")[0][0]
    assert sealed == newest_vote, "expected votes sealed up to %r, saw %r" % (newest_vote, sealed)


def test_organiser_audit_page_lists_and_filters(world):
    org = world["actors"]["org"]
    r = org.get("/api/v1/admin/audit")
    assert r.status_code == 200, r.text[:300]
    m = r.json()
    assert m["rows_total"] > 20 and len(m["head"]) == 64, m
    rows = m["log"]["rows"]
    assert rows[0]["hash"] == m["head"], "expected the newest row first, its hash the chain head"
    assert any(w["what"] == "/admin/settings" for w in m["facets"]["whats"])
    f = org.get("/api/v1/admin/audit?what=/admin/settings").json()
    assert f["log"]["rows"] and all(x["what"] == "/admin/settings" for x in f["log"]["rows"])
    case = next(x["case_id"] for x in rows if x["case_id"])
    f = org.get("/api/v1/admin/audit?case=%d" % case).json()
    assert f["log"]["rows"] and all(x["case_id"] == case for x in f["log"]["rows"])
    who = next(x["who"] for x in rows if x["who"])
    f = org.get("/api/v1/admin/audit?who=%d" % who).json()
    assert f["log"]["rows"] and all(x["who"] == who for x in f["log"]["rows"])
    # Paging: the next page goes on below the last row shown.
    small = org.get("/api/v1/admin/audit").json()
    if "next_before" in small:
        nxt = org.get("/api/v1/admin/audit?before=%d" % small["next_before"]).json()
        assert nxt["log"]["rows"][0]["id"] < small["log"]["rows"][-1]["id"] + 1
    page = org.get("/admin/audit")
    assert page.status_code == 200 and m["head"] in page.text and "操作审计" in page.text
    bad = org.get("/admin/audit?who=abc")
    assert bad.status_code == 400 and "筛选条件无效" in bad.text, (bad.status_code, bad.text[:300])
    assert world["actors"]["rec"].get("/admin/audit").status_code == 403


def test_laurel_cannot_change_or_delete_a_row(world):
    srv = world["server"]
    c = db_connect(srv.data)
    try:
        for sql in ("UPDATE audit SET who = 99 WHERE id = 1", "DELETE FROM audit WHERE id = 1"):
            with pytest.raises(db_errors(), match="audit rows cannot be"):
                c.execute(sql)
    finally:
        c.close()


@pytest.fixture(scope="module")
def stopped(world):
    """The server stopped after the tests above: its data folder, verified intact."""
    srv = world["server"]
    srv.stop()
    rc, out = verify(srv.data)
    assert rc == 0 and "intact" in out, "expected the untouched chain intact, saw %d: %s" % (
        rc, out)
    return srv.data


def tampered(data, *sql):
    """A copy of the data folder with sql run on it (the triggers dropped first); verify's answer."""
    copy = tempfile.mkdtemp(prefix="laurel-tamper-")
    try:
        db_copy(data, copy)
        c = db_connect(copy)
        on = " ON audit" if ON_PG else ""  # PostgreSQL names a trigger's table
        c.execute("DROP TRIGGER audit_no_update" + on)
        c.execute("DROP TRIGGER audit_no_delete" + on)
        for s in sql:
            assert c.execute(s).rowcount == 1, "expected %r to change one row" % s
        c.commit()
        c.close()
        return verify(copy)
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def test_verify_finds_a_changed_row(stopped):
    rc, out = tampered(stopped, "UPDATE audit SET who = 7 WHERE id = 5")
    assert rc == 1 and "BROKEN at row 5" in out and "changed" in out, out


def test_verify_finds_a_deleted_row(stopped):
    rc, out = tampered(stopped, "DELETE FROM audit WHERE id = 9")
    assert rc == 1 and "BROKEN at row 9" in out, out


def test_verify_finds_a_row_rehashed_alone(stopped):
    # Changing a row and its own hash still breaks the next row's link.
    c = db_connect(stopped, readonly=True)
    n = c.execute("SELECT max(id) FROM audit").fetchone()[0]
    c.close()
    assert n > 4
    rc, out = tampered(stopped, "UPDATE audit SET hash = '%s' WHERE id = 3" % ("ab" * 32))
    assert rc == 1 and "BROKEN at row 3" in out, out


def test_verify_finds_a_removed_vote(stopped):
    c = db_connect(stopped, readonly=True)
    vote, batch = c.execute("SELECT v.id, a.id FROM vote v JOIN audit a ON a.what = 'votes' AND "
                            "v.id BETWEEN a.vote_first AND a.vote_last ORDER BY v.id").fetchone()
    c.close()
    rc, out = tampered(stopped, "DELETE FROM vote WHERE id = %d" % vote)
    assert rc == 1 and ("BROKEN at row %d" % batch) in out and "missing" in out, out


def test_verify_finds_an_altered_vote(stopped):
    c = db_connect(stopped, readonly=True)
    vote, batch = c.execute("SELECT v.id, a.id FROM vote v JOIN audit a ON a.what = 'votes' AND "
                            "v.id BETWEEN a.vote_first AND a.vote_last ORDER BY v.id").fetchone()
    c.close()
    rc, out = tampered(stopped, "UPDATE vote SET ord = ord + 100 WHERE id = %d" % vote)
    assert rc == 1 and ("BROKEN at row %d" % batch) in out and "changed" in out, out


def test_verify_finds_an_unsealed_vote(stopped):
    rc, out = tampered(stopped, "INSERT INTO vote (stage_id, case_id, voter_id, ord, day, net, "
                       "ua_hash) SELECT stage_id, case_id, voter_id, ord + 1, day, net, ua_hash "
                       "FROM vote ORDER BY id DESC LIMIT 1")
    assert rc == 1 and "in no batch" in out, out
