"""A read storm cannot starve health checks and writes.

While many clients ask for expensive pages (deep list pages and searches,
which miss the page cache), reads go to the read lane and the server's own
threads stay free: /healthz keeps answering and a submitter's save is
acknowledged.  Every read is answered 200, or 503 with Retry-After when the
lane's bounded queue is full; none is dropped.  The latency figures are
measured by bench/healthz.sh, not asserted here; the bounds below only say
"answered while the storm lasts".
"""
import os
import random
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import CSRF_RE, demo_server, metrics_values

SCHED_BATCH = 3  # Linux's policy numbers, as /proc/PID/task/TID/stat gives them
SCHED_FIFO = 1

SUBMITTER = "zhoujiadu@demo.laurel"
PASSWORD = "laurel-demo-2019"


def test_health_and_writes_answered_during_a_read_storm():
    """On a server of its own whose lane takes every read (threshold 1 µs): whether the
    shared server's reads average over the default threshold depends on the machine's
    speed, and since case pages and lists got cheap a quiet machine never started it."""
    with demo_server("laurel-lane-", "--read-lane-us", "1", cases=4000) as srv:
        storm(srv.url)


def storm(base):
    rnd = random.Random(11)
    stop = time.monotonic() + 6
    statuses = []

    def reader(i):
        s = requests.Session()
        while time.monotonic() < stop:
            path = rnd.choice(["/cases?page=%d" % rnd.randint(1, 150),
                               "/cases?region=%s" % rnd.choice(["310000", "110000", "440000"]),
                               "/search?q=%s" % rnd.choice(["社区", "党建", "物业", "治理"]),
                               "/cases?page=%d&sort=views" % rnd.randint(1, 150)])
            r = s.get(base + path, timeout=60)
            if r.status_code == 503:
                assert r.headers.get("Retry-After"), "a 503 without Retry-After"
            statuses.append(r.status_code)

    s = requests.Session()
    tok = CSRF_RE.search(s.get(base + "/login", timeout=30).text).group(1)
    r = s.post(base + "/login", data={"csrf": tok, "email": SUBMITTER, "password": PASSWORD},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303
    tok = CSRF_RE.search(s.get(base + "/submit", timeout=30).text).group(1)
    cid = s.post(base + "/submit/new", data={"csrf": tok}, allow_redirects=False,
                 timeout=30).headers["Location"].rsplit("/", 1)[1]
    before = metrics_values(base).get("laurel_http_lane_reads_total", 0)
    with ThreadPoolExecutor(max_workers=40) as pool:
        futures = [pool.submit(reader, i) for i in range(40)]
        while len(statuses) < 40 and time.monotonic() < stop - 3:  # the storm is up
            time.sleep(0.05)
        h = requests.get(base + "/healthz", timeout=10)
        assert h.status_code == 200, "expected /healthz 200 during the storm, saw %d" % (
            h.status_code)
        r = s.post(base + "/submit/" + cid, data={"csrf": tok, "title": "风暴中的保存",
                                                   "action": "save"},
                   allow_redirects=False, timeout=10)
        assert r.status_code == 303, "expected the save acknowledged during the storm, saw %d" % (
            r.status_code)
        for f in futures:
            f.result()
    bad = [c for c in statuses if c not in (200, 503)]
    assert not bad and statuses, "expected every read answered 200 or 503; saw %r" % bad[:10]
    after = metrics_values(base).get("laurel_http_lane_reads_total", 0)
    assert after > before, "expected expensive reads to go through the read lane"


def test_cached_pages_skip_the_lane_while_it_runs():
    """While the lane takes the reads, a page the cache holds is answered at once on the
    server's threads (counted as an early hit), not queued behind the pages being rendered,
    and still counts its view.  The server's lane threshold is set at 1 µs, so that the lane
    runs whatever this machine's speed; readers meanwhile ask for searches that miss the
    cache."""
    with demo_server("laurel-lane-", "--read-lane-us", "1") as srv:
        base = srv.url
        rnd = random.Random(12)
        words = "社区党建物业治理服务居民街道网格志愿养老"
        hot = "/cases/%d" % requests.get(base + "/api/v1/cases", timeout=30).json()["items"][0]["id"]
        assert requests.get(base + hot, timeout=30).status_code == 200  # now cached
        views_before = requests.get(base + "/api/v1" + hot, timeout=30).json()["views"]
        stop = time.monotonic() + 4
        before = metrics_values(base)

        def reader(i):
            s = requests.Session()
            while time.monotonic() < stop:
                s.get(base + "/search?q=" + "".join(rnd.sample(words, 2)), timeout=60)

        hot_answers = []
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(reader, i) for i in range(8)]
            s = requests.Session()
            while time.monotonic() < stop or not hot_answers:
                r = s.get(base + hot, timeout=60)
                hot_answers.append((r.status_code, "<h1" in r.text))
            for f in futures:
                f.result()
        after = metrics_values(base)
        lane = after.get("laurel_http_lane_reads_total", 0) - before.get(
            "laurel_http_lane_reads_total", 0)
        early = after.get("laurel_http_early_hits_total", 0) - before.get(
            "laurel_http_early_hits_total", 0)
        assert lane > 0, "expected the searches to go through the read lane"
        assert early >= len(hot_answers), (
            "expected every visit of the cached page answered before the lane; %d of %d"
            % (early, len(hot_answers)))
        assert all(a == (200, True) for a in hot_answers), hot_answers[:5]
        views_after = requests.get(base + "/api/v1" + hot, timeout=30).json()["views"]
        assert views_after >= views_before + len(hot_answers), (
            views_before, views_after, len(hot_answers))


def _threads(pid):
    """{thread id: (name, niceness, scheduling policy, real-time priority)} of process pid,
    from /proc."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            stat = f.read()
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()  # fields[0] is field 3 (state)
        out[int(tid)] = (name, int(fields[19 - 3]), int(fields[41 - 3]), int(fields[40 - 3]))
    return out


def test_lane_threads_run_below_the_server_threads(laurel_server):
    """The read lane's threads (named laurel-lane) run at SCHED_BATCH and 10 more niceness
    than the process, so that a health check, a cache hit or a write on the server's own
    threads preempts the pages being rendered; the server's threads keep the process's
    priority."""
    pid = laurel_server.proc.pid
    threads = _threads(pid)
    _, base_nice, base_policy, _ = threads[pid]
    lane = [t for t in threads.values() if t[0] == "laurel-lane"]
    workers = [t for t in threads.values() if t[0] == "MHD-worker"]
    assert lane, "expected read-lane threads named laurel-lane; saw %r" % sorted(threads.values())
    assert workers, "expected libmicrohttpd's worker threads; saw %r" % sorted(threads.values())
    want = min(19, base_nice + 10)
    assert all(t[1] == want and t[2] == SCHED_BATCH for t in lane), (
        "expected every lane thread at niceness %d and SCHED_BATCH; saw %r" % (want, lane))
    assert all(t[1] == base_nice and t[2] == base_policy for t in workers), (
        "expected the server's threads at the process's priority %d; saw %r"
        % (base_nice, workers))


def _may_run_realtime():
    """Whether a process of this user may take a real-time policy (as the server may)."""
    try_fifo = "import os; os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))"
    return subprocess.run([sys.executable, "-c", try_fifo], capture_output=True).returncode == 0


def test_the_door_runs_above_the_server_threads(laurel_server):
    """The door's thread (laurel-door: accepts, answers health checks) runs at SCHED_FIFO 1
    where the process may, so that a probe never waits for a core behind pages being rendered;
    else at 5 less niceness than the process where it may, else at the process's own."""
    threads = _threads(laurel_server.proc.pid)
    base_nice = threads[laurel_server.proc.pid][1]
    door = [t for t in threads.values() if t[0] == "laurel-door"]
    assert len(door) == 1, "expected one door thread; saw %r" % sorted(threads.values())
    _, nice, policy, rt_priority = door[0]
    if _may_run_realtime():
        assert (policy, rt_priority) == (SCHED_FIFO, 1), (
            "expected the door at SCHED_FIFO 1; saw policy %d priority %d" % (policy, rt_priority))
    else:
        assert nice <= base_nice, "expected the door at most at the process's niceness; saw %r" % (
            door,)
