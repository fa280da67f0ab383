"""
test_pg_nodes.py — Laurel on PostgreSQL (issue 15), end to end over HTTP.

A demo's SQLite installation is copied by `laurel migrate-db` into a real PostgreSQL server
(pgcluster.py), then served by two nodes (`laurel serve --db postgresql://...`) that share
that database and one data folder, beside the SQLite server of the same demo, and behind
nginx (the deployment example's upstream, deploy/nginx-nodes.conf, with this test's ports).

- The public pages and the API say the same on PostgreSQL as on SQLite (the view counts
  aside, which each visit changes).
- A user signed in on one node goes on on the other: the session and its CSRF token are rows.
- Votes through both nodes: a voter verified on one node votes on the other, a second vote
  for the same case is refused whichever node it reaches, and both nodes read the same total.
- A page one node keeps in its page cache follows another node's write within seconds,
  and a vote on one case leaves the other nodes' pages of every other case cached.
- The outbox: each code is sent once, though both nodes send (rows claimed with
  FOR UPDATE SKIP LOCKED).
- The database restarted: both nodes connect again by themselves, and no request sees it.
- A node killed with SIGKILL while voters vote through nginx loses no acknowledged vote,
  and nginx goes on answering through the other node.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import (HTTP_TIMEOUT, LAUREL_BIN, LaurelServer, ON_PG, csrf, free_port, login,
                      make_demo, metrics_values)
from pgcluster import pg_cluster
from test_votes import CODE_RE, set_voting, sinks

pytestmark = pytest.mark.skipif(ON_PG, reason="on PostgreSQL: it serves from a PostgreSQL of its "
                                "own (two nodes) in the SQLite pass")

__all__ = ["sinks"]  # the SMTP and SMS sinks, a fixture used by name

ORGANISER = "organiser@demo.laurel"
WAIT = 60.0


class Install:
    """The SQLite server, the two PostgreSQL nodes, the cluster."""

    def __init__(self, pg, lite, nodes, uri):
        self.pg, self.lite, self.nodes, self.uri = pg, lite, nodes, uri

    def sql(self, query):
        return self.pg.psql(query, db="laurel")


@pytest.fixture(scope="module")
def install(sinks):
    smtp, sms = sinks
    workdir = tempfile.mkdtemp(prefix="laurel-pgnodes-")
    servers = []
    try:
        with pg_cluster() as pg:
            data = make_demo(workdir, "--cases", "600")  # 200 of them in no exhibition
            uri = pg.create("laurel")
            r = subprocess.run([LAUREL_BIN, "migrate-db", "--from", data, "--to", uri],
                               capture_output=True, text=True, timeout=1800,
                               stdin=subprocess.DEVNULL)
            assert r.returncode == 0, r.stderr
            # The nodes' shared folder: the uploads and the signing key, as migrate-db says.
            shared = os.path.join(workdir, "shared")
            os.mkdir(shared)
            for name in ("files", "signing.key", "signing.pub"):
                src = os.path.join(data, name)
                if os.path.isdir(src):
                    shutil.copytree(src, os.path.join(shared, name))
                elif os.path.exists(src):
                    shutil.copy2(src, os.path.join(shared, name))
            lite = LaurelServer(LAUREL_BIN, data, workdir, access_log=os.devnull,
                                stdout=subprocess.DEVNULL)
            lite.start()
            servers.append(lite)
            nodes = []
            for i in range(2):
                wd = os.path.join(workdir, "node%d" % i)
                os.mkdir(wd)
                n = LaurelServer(LAUREL_BIN, shared, wd, access_log=os.devnull,
                                 stdout=subprocess.DEVNULL,
                                 extra_args=["--db", uri, "--threads", "4",
                                             "--trusted-proxy", "127.0.0.1/32",
                                             "--smtp", "smtp://127.0.0.1:%d" % smtp.port,
                                             "--sms", "http://127.0.0.1:%d/send" % sms.port,
                                             "--mail-from", "laurel@example.org",
                                             "--mail-retry", "1"])
                n.start()
                servers.append(n)
                nodes.append(n)
            yield Install(pg, lite, nodes, uri)
            for s in servers:
                s.stop()
            servers.clear()
    finally:
        for s in servers:
            if s.proc and s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def without_views(v):
    """A JSON value with every view count taken out (each visit changes them)."""
    if isinstance(v, dict):
        return {k: without_views(x) for k, x in v.items() if k != "views"}
    if isinstance(v, list):
        return [without_views(x) for x in v]
    return v


def api(base, path, session=None):
    r = (session or requests).get(base + "/api/v1" + path, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "%s%s: %d %s" % (base, path, r.status_code, r.text[:200])
    return r.json()


# ------------------------------------------------------------- the same content

def test_public_pages_and_api_say_the_same_on_both_databases(install):
    lite, node = install.lite.url, install.nodes[0].url
    ids = [c["id"] for c in api(lite, "/cases?page=1")["items"]]
    ids += [c["id"] for c in api(lite, "/cases?page=4")["items"]]
    assert len(ids) == 40
    region = api(lite, "/regions")
    code = [r for r in (region if isinstance(region, list) else region["regions"])
            if r.get("cases")][0]["code"]
    paths = ["/cases?page=1", "/cases?page=4", "/cases?region=%s" % code,
             "/regions", "/regions/%s" % code, "/results", "/tags", "/news"]
    paths += ["/cases/%d" % i for i in ids[::4]]
    for path in paths:
        a, b = without_views(api(lite, path)), without_views(api(node, path))
        assert a == b, "%s differs:\nSQLite     %r\nPostgreSQL %r" % (path, a, b)
    # The HTML pages too: the same titles and the same links to cases, in the same order.
    for path in ["/", "/cases?page=2", "/results", "/cases/%d" % ids[3]]:
        pa = requests.get(lite + path, timeout=HTTP_TIMEOUT)
        pb = requests.get(node + path, timeout=HTTP_TIMEOUT)
        assert pa.status_code == pb.status_code == 200, path
        title = re.compile(r"<title>(.*?)</title>", re.S)
        links = re.compile(r'href="(/cases/\d+)"')
        assert title.search(pa.text).group(1) == title.search(pb.text).group(1), path
        assert links.findall(pa.text) == links.findall(pb.text), path


# ------------------------------------------------------------- two nodes, one store

def test_signed_in_on_one_node_goes_on_on_the_other(install):
    a, b = (n.url for n in install.nodes)
    s = login(a, ORGANISER)
    me = s.get(b + "/me", timeout=HTTP_TIMEOUT)
    assert me.status_code == 200 and ORGANISER in me.text
    # A form whose token came from node a, posted to node b.
    token = csrf(s, a)
    r = s.post(b + "/logout", data={"csrf": token}, timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    # Signed out on both.
    assert ORGANISER not in s.get(a + "/me", timeout=HTTP_TIMEOUT).text


def exhibition(install):
    """The demo's exhibition stage with cases, opened for voting today (through node 0)."""
    node = install.nodes[0]
    org = login(node.url, ORGANISER)
    rows = install.sql("SELECT s.id FROM stage s JOIN stage_case c ON c.stage_id = s.id "
                       "WHERE s.kind = 'exhibition' GROUP BY s.id ORDER BY count(*) DESC LIMIT 1")
    stage = int(rows[0][0])
    set_voting(node, org, stage)
    cases = [int(r[0]) for r in install.sql(
        "SELECT case_id FROM stage_case WHERE stage_id = %d ORDER BY case_id" % stage)]
    return stage, cases


_phones = iter(range(10 ** 6))


def new_phone():
    return "137%08d" % (os.getpid() % 1000 * 100000 + next(_phones))


def code_for(sinks, phone):
    text = sinks[1].wait_for(phone, 1, timeout=WAIT)[-1]["text"]
    return CODE_RE.search(text).group(1)


_nets = iter(range(10 ** 6))


def vote_api(base, path, body, token=None, net=None):
    """A voter's POST, from the address net says (X-Forwarded-For: the nodes trust this
    test's loopback address as they would trust nginx)."""
    n = next(_nets) if net is None else net
    h = {"X-Forwarded-For": "10.%d.%d.7" % (n // 250 % 250, n % 250)}
    if token:
        h["Authorization"] = "Bearer " + token
    return requests.post(base + "/api/v1" + path, json=body, headers=h, timeout=HTTP_TIMEOUT)


def verified(install, sinks, stage, ask, verify):
    """A voter who asked for a code on node `ask` and verified it on node `verify`."""
    phone = new_phone()
    r = vote_api(ask, "/votes/code", {"stage": stage, "phone": phone})
    assert r.status_code == 202, r.text
    code = code_for(sinks, phone)
    r = vote_api(verify, "/votes/verify", {"stage": stage, "phone": phone, "code": code})
    assert r.status_code == 200, r.text
    return phone, r.json()["token"]


def total(install, stage, case):
    rows = install.sql("SELECT count(*) FROM vote WHERE stage_id = %d AND case_id = %d "
                       "AND valid = 1" % (stage, case))
    return int(rows[0][0])


def test_votes_through_both_nodes_count_once(install, sinks):
    a, b = (n.url for n in install.nodes)
    stage, cases = exhibition(install)
    case = cases[len(cases) // 2]
    before = total(install, stage, case)
    phone, token = verified(install, sinks, stage, a, b)
    r = vote_api(a, "/votes", {"case": case}, token)
    assert r.status_code == 201, r.text
    assert r.json()["votes"] == before + 1
    # The same vote again, on the other node: refused.
    r = vote_api(b, "/votes", {"case": case}, token)
    assert r.status_code == 409 and r.json()["code"], r.text
    # Another voter, through node b: both nodes count both.
    _, token2 = verified(install, sinks, stage, b, a)
    r = vote_api(b, "/votes", {"case": case}, token2)
    assert r.status_code == 201 and r.json()["votes"] == before + 2, r.text
    assert total(install, stage, case) == before + 2


def test_a_page_another_node_changed_is_not_served_stale(install):
    """A news article's page is kept until a write changes it (no time limit): node a must
    learn that the organiser retitled it on node b."""
    a, b = (n.url for n in install.nodes)
    aid = int(install.sql("SELECT min(id) FROM article WHERE status = 'published'")[0][0])
    for _ in range(2):  # the second from node a's page cache
        r = requests.get(a + "/api/v1/news/%d" % aid, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, r.text[:300]
    org = login(b, ORGANISER)
    was = org.get(b + "/admin/news/%d" % aid, headers={"Accept": "application/json"},
                  timeout=HTTP_TIMEOUT).json()
    was = was.get("article", was)
    title = "（更正）" + was["title"]
    form = {"csrf": csrf(org, b, "/admin/news/%d" % aid), "title": title, "then": "save",
            "slug": was.get("slug") or "", "date": was["published_at"][:10],
            "body": was["body_md"]}
    r = org.post(b + "/admin/news/%d" % aid, data=form, allow_redirects=False,
                 timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, r.text[:300]
    assert requests.get(b + "/api/v1/news/%d" % aid, timeout=HTTP_TIMEOUT).json()["title"] == title
    # Node a learns of node b's write within its second's catch-up (bounded here generously).
    deadline = time.monotonic() + WAIT
    while requests.get(a + "/api/v1/news/%d" % aid, timeout=HTTP_TIMEOUT).json()["title"] != title:
        assert time.monotonic() < deadline, "node a kept serving the article as it was"
        time.sleep(0.1)


def cache_counts(base):
    m = metrics_values(base)
    return m["laurel_pagecache_hits_total"], m["laurel_pagecache_misses_total"]


def caught_up(node, batch):
    """Wait (bounded) until node has sealed a batch after the database's batch `batch`."""
    deadline = time.monotonic() + WAIT
    while metrics_values(node)["laurel_store_write_batch"] <= batch:
        assert time.monotonic() < deadline, "node %s did not catch up with batch %d" % (
            node, batch)
        time.sleep(0.1)


def test_a_vote_on_one_node_keeps_the_other_nodes_pages(install, sinks):
    """A vote through node b changes one case (of the exhibition's campaign): node a keeps
    serving the public case pages from its cache (before page_change, any write on another
    node emptied a node's whole cache).  That a change another node made is seen is
    test_a_page_another_node_changed_is_not_served_stale's."""
    a, b = (n.url for n in install.nodes)
    stage, cases = exhibition(install)
    voted = cases[0]
    # Case pages without a vote block (no exhibition shows them): kept until a write.
    others = [int(r[0]) for r in install.sql(
        'SELECT id FROM "case" WHERE published_at IS NOT NULL AND id NOT IN (SELECT case_id '
        "FROM stage_case sc JOIN stage s ON s.id = sc.stage_id WHERE s.kind = 'exhibition') "
        "ORDER BY id LIMIT 3")]
    assert len(others) == 3, others
    _, token = verified(install, sinks, stage, b, b)
    caught_up(a, metrics_values(b)["laurel_store_write_batch"])  # the voter's rows
    for case in others:
        for _ in range(2):  # the second from node a's page cache
            r = requests.get(a + "/cases/%d" % case, timeout=HTTP_TIMEOUT)
            assert r.status_code == 200, r.text[:300]
    r = vote_api(b, "/votes", {"case": voted}, token)
    assert r.status_code == 201, r.text
    caught_up(a, metrics_values(b)["laurel_store_write_batch"])
    hits, misses = cache_counts(a)
    for case in others:
        r = requests.get(a + "/cases/%d" % case, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, r.text[:300]
    assert cache_counts(a) == (hits + len(others), misses), (
        "expected node a to serve the cases the vote did not change from its cache; saw "
        "hits, misses %r before and %r after" % ((hits, misses), cache_counts(a)))


def test_a_node_drops_the_page_trigger_of_a_table_no_page_shows(install):
    """A database set up when a voter's row still dropped every page keeps that trigger on
    voter; a node's start takes it off (changes_install_pg), as voters are private now."""
    count = ("SELECT count(*) FROM pg_trigger WHERE tgname = 'page_change' AND "
             "tgrelid = 'voter'::regclass")
    install.sql("CREATE TRIGGER page_change AFTER INSERT OR UPDATE OR DELETE ON voter "
                "FOR EACH STATEMENT EXECUTE FUNCTION page_change_any()")
    assert int(install.sql(count)[0][0]) == 1, "expected the old trigger on voter put back"
    install.nodes[0].restart()
    assert int(install.sql(count)[0][0]) == 0, (
        "expected the node's start to drop the page trigger of voter; it is still there")


def test_outbox_sends_each_code_once_with_two_senders(install, sinks):
    a, b = (n.url for n in install.nodes)
    stage, _ = exhibition(install)
    phones = [new_phone() for _ in range(30)]
    for i, phone in enumerate(phones):
        r = vote_api((a, b)[i % 2], "/votes/code", {"stage": stage, "phone": phone})
        assert r.status_code == 202, r.text
    for phone in phones:
        sinks[1].wait_for(phone, 1, timeout=WAIT)
    # Once nothing waits in the outbox, every code has been sent, and sent once.
    deadline = time.monotonic() + WAIT
    while install.sql("SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] != "0":
        assert time.monotonic() < deadline, "the outbox did not drain"
        time.sleep(0.1)
    with sinks[1].lock:
        sent = [m["phone"] for _, m in sinks[1].messages]
    assert all(sent.count(p) == 1 for p in phones), [p for p in phones if sent.count(p) != 1]


def test_nodes_go_on_after_the_database_restarts(install, sinks):
    stage, cases = exhibition(install)
    install.pg.restart()  # every node's sessions are cut
    # No request sees it: each connection meets the loss at its next statement, connects
    # again and runs it anew (the pages below are distinct, so each thread reads the store).
    for node in install.nodes:
        s = login(node.url, ORGANISER)
        assert ORGANISER in s.get(node.url + "/me", timeout=HTTP_TIMEOUT).text
        for path in ["/cases?page=%d&sort=views" % n for n in range(1, 11)] + ["/regions", "/tags"]:
            r = requests.get(node.url + path, timeout=HTTP_TIMEOUT)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
        assert requests.get(node.url + "/healthz", timeout=HTTP_TIMEOUT).text.startswith("ok")
    # A vote: codes, verification and the vote itself written through the new sessions.
    _, token = verified(install, sinks, stage, install.nodes[0].url, install.nodes[1].url)
    r = vote_api(install.nodes[1].url, "/votes", {"case": cases[0]}, token)
    assert r.status_code == 201, r.text


# ------------------------------------------------------------- a node lost under load

NGINX_CONF = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "nginx-nodes.conf")


@pytest.fixture
def nginx(install):
    """nginx in front of both nodes, from the deployment example with this test's ports."""
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(exe):
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (scripts/deps.sh installs it)")
        pytest.skip("nginx is not installed")
    work = tempfile.mkdtemp(prefix="laurel-nginx-")
    port = free_port()
    conf = open(NGINX_CONF, encoding="utf-8").read()
    conf = conf.replace("127.0.0.1:8081", "127.0.0.1:%d" % install.nodes[0].port)
    conf = conf.replace("127.0.0.1:8082", "127.0.0.1:%d" % install.nodes[1].port)
    conf = conf.replace("listen 80;", "listen 127.0.0.1:%d;" % port)
    conf = conf.replace("/var/log/nginx", work).replace("/run/nginx.pid", work + "/nginx.pid")
    conf = conf.replace("user www-data;", "")  # the test's own user
    with open(os.path.join(work, "nginx.conf"), "w", encoding="utf-8") as f:
        f.write(conf)
    p = subprocess.Popen([exe, "-p", work, "-c", os.path.join(work, "nginx.conf"), "-e",
                          os.path.join(work, "error.log"), "-g", "daemon off;"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + WAIT
    while True:
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert p.poll() is None and time.monotonic() < deadline, "nginx did not start"
        time.sleep(0.1)
    yield url
    p.terminate()
    p.wait(timeout=60)
    shutil.rmtree(work, ignore_errors=True)


def test_node_killed_mid_load_loses_no_acknowledged_vote(install, sinks, nginx):
    stage, cases = exhibition(install)
    voters = [verified(install, sinks, stage, nginx, nginx)[1] for _ in range(24)]
    acked, failed, lock = [], [], threading.Lock()
    started = threading.Event()

    def vote(token):
        for case in cases[:6]:
            started.set()
            try:
                r = vote_api(nginx, "/votes", {"case": case}, token)
            except requests.RequestException:
                with lock:
                    failed.append(case)
                continue
            with lock:
                (acked if r.status_code == 201 else failed).append((token, case, r.status_code))

    threads = [threading.Thread(target=vote, args=(t,)) for t in voters]
    for t in threads:
        t.start()
    started.wait(timeout=WAIT)
    victim = install.nodes[1]
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait(timeout=WAIT)
    for t in threads:
        t.join(timeout=600)
    assert acked, "no vote was acknowledged"
    # Every acknowledged vote is a row: voting it again is refused as already cast.
    for token, case, _ in acked:
        r = vote_api(nginx, "/votes", {"case": case}, token)
        assert r.status_code == 409 and r.json()["code"], r.text
    rows = install.sql("SELECT count(*) FROM vote WHERE stage_id = %d AND case_id IN (%s)"
                       % (stage, ",".join(str(c) for c in cases[:6])))
    assert int(rows[0][0]) >= len(acked)
    # nginx answers through the node left; the node comes back on the same store.
    for _ in range(10):
        assert requests.get(nginx + "/cases", timeout=HTTP_TIMEOUT).status_code == 200
    victim.start()
    assert requests.get(victim.url + "/healthz", timeout=HTTP_TIMEOUT).text.startswith("ok")
