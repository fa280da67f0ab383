#!/usr/bin/env python3
"""reads.py — public reads as visitors make them, laurel against nginx, with and without writes.

Three kinds of URL, each drawn from a spread that no single hot page can stand for:

  case    /cases/ID over ALL published case ids of the public campaign, drawn at random;
  list    /cases with a random filter (none, region, tier, track or tag), a random sort
          (date or views) and a page drawn uniformly from 1 to that list's last page
          (so mostly deep pages on a long list);
  search  /search?q= with 1 to 4 characters, half taken from case titles (hits) and half
          rare characters (mostly no hit), every request a different query (wrk sends the
          list in order), so no cache can serve a search twice;
  mixed   all of the above in one list, drawn at random.

Before measuring, both laurels are warmed as a server that has run a while would be: every
case page once, in order, for at most --warm seconds (10).

Each kind is driven by wrk (bench/reads.lua picks the paths) against three servers up at
once and driven in turn, so that each ratio comes from runs next to each other:

  laurel --no-page-cache   every page rendered: the real cost;
  laurel                   with its page cache, on its own copy of the demo (a case page
                           lives until it changes, a list 5 s; the spread decides the hits);
  nginx                    serving the same pages as static files, fetched once from laurel,
                           written to a folder, served on loopback: every case page (up to
                           --case-sample, 20,000: the same spread laurel serves) and a sample
                           of the lists and searches (--sample).

Then the mixed load again, with and without the page cache, while a writer (two signed-in
units) saves drafts 50 times a second: throughput against the same load read-only.  With
--writer codes the writer is the public asking for voting codes instead (the demo's open
exhibition, a new phone number each, from a new /24 every 25 codes so that the per-network
limit refuses none): the writes of a public vote in full swing.

Prints req/s, the ratio to nginx, p50/p95/p99 and the server's CPU per request (user +
system of all its processes and threads over the run, divided by the requests: the figure
that depends least on what else the machine runs) per kind, and one RESULT line per run
(for bench/run.sh).  Everything runs on loopback in a temporary folder; every process it
starts is stopped on exit.  Needs wrk, nginx, python3-requests.

  bench/reads.py [--cases 4000] [--data DIR] [--duration 5] [--connections 16]
                 [--case-sample 20000] [--nginx-file-cache on|off]
                 [--writer drafts|codes] [--writes 50]

--data serves an existing demo folder (it is copied first, as serving writes to it); else a
demo of --cases cases is made (BENCH_CASES).  See docs/BENCHMARKS.md for the figures.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import add_laurel_option, cpu_s, free_port, log  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PER_PAGE = 20      # STORE_PER_PAGE
MAX_PAGE = 100000  # the highest page= the server accepts
SUBMITTER = "zhoujiadu@demo.laurel"
PASSWORD = "laurel-demo-2019"
KINDS = ["case", "list", "search", "mixed"]


# ---------------------------------------------------------------- processes

class Proc:
    """A started process, stopped (SIGTERM, then SIGKILL after 10 s) by stop() or at exit."""
    live = []

    def __init__(self, argv, log_path, cwd=None):
        self.log = open(log_path, "wb")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, cwd=cwd)
        Proc.live.append(self)

    def cpu_s(self):
        """CPU seconds of the process and of its children (nginx's workers)."""
        pids = [self.p.pid]
        try:
            with open(f"/proc/{self.p.pid}/task/{self.p.pid}/children") as f:
                pids += [int(x) for x in f.read().split()]
        except OSError:
            pass
        return sum(cpu_s(pid) for pid in pids)

    def stop(self):
        p, self.p = self.p, None
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        if self in Proc.live:
            Proc.live.remove(self)

    @classmethod
    def stop_all(cls):
        for p in list(cls.live):
            p.stop()


def wait_ok(url, proc, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.p.poll() is not None:
            raise SystemExit(f"reads: {what} exited early (see {proc.log.name})")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"reads: {what} did not answer {url} within {seconds} s")


def start_laurel(o, work, data, cache):
    port = free_port()
    argv = [o.binary, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
            "--threads", str(o.threads), "--access-log", "/dev/null"]
    if not cache:
        argv.append("--no-page-cache")
    p = Proc(argv, os.path.join(work, "laurel-%s.log" % ("cache" if cache else "nocache")))
    url = f"http://127.0.0.1:{port}"
    # Start-up checks the database (PRAGMA quick_check, bounded by --db-check-seconds,
    # 30 s by default): a fresh copy of a 1,000,000-case demo is 7 GB read cold.
    wait_ok(url + "/healthz", p, "laurel", seconds=180)
    return p, url


def start_nginx(o, work, www, probe):
    port = free_port()
    # As a static site is served in production: open files kept, not opened per request.
    file_cache = ("    open_file_cache max=25000 inactive=60s;\n    open_file_cache_valid 60s;\n"
                  if o.nginx_file_cache == "on" else "")
    conf = os.path.join(work, "nginx")
    os.makedirs(conf, exist_ok=True)
    with open(os.path.join(conf, "nginx.conf"), "w") as f:
        f.write(f"""# Written by bench/reads.py: the sampled pages as static files.
worker_processes {o.threads};
daemon off;
pid {conf}/nginx.pid;
error_log {conf}/error.log warn;
user nobody nogroup;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
{file_cache}    types {{ }}
    default_type text/html;
    charset utf-8;
    client_body_temp_path {conf}/body;
    proxy_temp_path {conf}/proxy;
    fastcgi_temp_path {conf}/fastcgi;
    uwsgi_temp_path {conf}/uwsgi;
    scgi_temp_path {conf}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {www};
        location /p/ {{ }}
        location / {{ return 404; }}
    }}
}}
""")
    p = Proc([o.nginx, "-p", conf + "/", "-c", os.path.join(conf, "nginx.conf")],
             os.path.join(conf, "stdout.log"))
    url = f"http://127.0.0.1:{port}"
    wait_ok(url + probe, p, "nginx")
    return p, url


# ---------------------------------------------------------------- the URLs

def public_campaign(db):
    row = db.execute("SELECT id FROM campaign WHERE status IN ('published','archived') "
                     "ORDER BY published_at DESC, id DESC LIMIT 1").fetchone()
    if not row:
        raise SystemExit("reads: the demo has no published campaign")
    return row[0]


def q(path, **params):
    params = {k: v for k, v in params.items() if v is not None}
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


def make_paths(db, rnd, nlist, nsearch):
    cid = public_campaign(db)
    pub = "c.campaign_id = ? AND c.status = 'published'"
    ids = [r[0] for r in db.execute(f'SELECT id FROM "case" c WHERE {pub} ORDER BY id', (cid,))]
    total = len(ids)
    filters = [(None, None, total)]
    for code, n in db.execute(f'SELECT region_code, count(*) FROM "case" c WHERE {pub} '
                              "GROUP BY region_code", (cid,)):
        filters.append(("region", code, n))
    for slug, n in db.execute(f'SELECT t.slug, count(*) FROM "case" c JOIN tier t ON t.id = '
                              f"c.tier_id WHERE {pub} GROUP BY t.slug", (cid,)):
        filters.append(("tier", slug, n))
    for slug, n in db.execute(f'SELECT t.slug, count(*) FROM "case" c JOIN track t ON t.id = '
                              f"c.track_id WHERE {pub} GROUP BY t.slug", (cid,)):
        filters.append(("track", slug, n))
    for name, n in db.execute(f'SELECT t.name, count(*) FROM "case" c JOIN case_tag ct ON '
                              f"ct.case_id = c.id JOIN tag t ON t.id = ct.tag_id WHERE {pub} "
                              "GROUP BY t.name", (cid,)):
        filters.append(("tag", name, n))
    # The filter kinds equally often (the unfiltered list as one of them), then a value.
    by_kind = {}
    for f in filters:
        by_kind.setdefault(f[0], []).append(f)
    lists = []  # drawn with repeats: a small campaign has fewer distinct lists than draws
    for _ in range(nlist):
        key, val, n = rnd.choice(by_kind[rnd.choice(list(by_kind))])
        pages = max(1, min(MAX_PAGE, -(-n // PER_PAGE)))
        sort = rnd.choice([None, "date", "views"])
        lists.append(q("/cases", **({key: val} if key else {}), sort=sort,
                       page=rnd.randint(1, pages)))
    # Searches: 1-4 characters, half from titles (hits), half rare characters (mostly none).
    titles = [r[0] for r in db.execute(f'SELECT title FROM "case" c WHERE {pub} '
                                       "ORDER BY random() LIMIT 3000", (cid,))]
    cjk = [re.sub(r"[^\u4e00-\u9fff]", "", t) for t in titles]
    cjk = [t for t in cjk if len(t) >= 4]
    rare = [chr(c) for c in range(0x9f80, 0x9fa6)]
    searches, tries = [], 0
    seen = set()
    while len(searches) < nsearch and tries < nsearch * 20:
        tries += 1
        n = rnd.randint(1, 4)
        if rnd.random() < 0.5 and cjk:
            t = rnd.choice(cjk)
            k = rnd.randint(0, len(t) - n)
            word = t[k:k + n]
        else:
            word = "".join(rnd.choice(rare) for _ in range(n))
        if word in seen:
            continue
        seen.add(word)
        searches.append("/search?q=" + urllib.parse.quote(word))
    return {"case": ["/cases/%d" % i for i in ids], "list": lists, "search": searches,
            "total": total}


def write_list(path, items):
    with open(path, "w") as f:
        for s in items:
            f.write(s + "\n")


def fetch_sample(url, paths, www, kind, budget_s, workers=4):
    """GET each path from laurel into www/p/KIND-i, for budget_s seconds at most; returns
    the nginx paths and the failures."""
    out, bad = [None] * len(paths), []
    lock = threading.Lock()
    todo = list(enumerate(paths))
    deadline = time.monotonic() + budget_s

    def worker():
        s = requests.Session()
        while True:
            with lock:
                if not todo or time.monotonic() > deadline:
                    return
                i, p = todo.pop()
            try:
                r = s.get(url + p, timeout=60)
            except requests.RequestException as e:
                with lock:
                    bad.append((p, type(e).__name__))
                s = requests.Session()
                continue
            if r.status_code != 200:
                with lock:
                    bad.append((p, r.status_code))
                continue
            name = "%s-%d" % (kind, i)
            with open(os.path.join(www, "p", name), "wb") as f:
                f.write(r.content)
            out[i] = "/p/" + name

    ts = [threading.Thread(target=worker) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return [p for p in out if p], bad


# ---------------------------------------------------------------- load

def wrk(o, url, paths_file, mode, label, laurel=True, duration=None, server=None):
    """One wrk run: its RESULT fields, and cpu_us (the server's CPU a request) if server (a
    Proc) is given."""
    if laurel:
        drain(url)
    duration = duration or o.duration
    cpu0 = server.cpu_s() if server else float("nan")
    argv = ["wrk", "-t", str(o.wrk_threads), "-c", str(o.connections), "-d", "%ds" % duration,
            "--timeout", "30s",
            "-s", os.path.join(HERE, "reads.lua"), url, "--", paths_file, mode]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 90)
    m = re.search(r"^RESULT (.*)$", r.stdout, re.M)
    if r.returncode != 0 or not m:
        raise SystemExit(f"reads: wrk failed ({label}): {r.stdout[-1000:]} {r.stderr[-1000:]}")
    res = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    cpu1 = server.cpu_s() if server else float("nan")
    res["cpu_us"] = (cpu1 - cpu0) / res["requests"] * 1e6 if res["requests"] else float("nan")
    if res["errors"] or res["non2xx"]:
        log(f"  note: {label}: {int(res['errors'])} socket errors, {int(res['non2xx'])} non-2xx")
    return res


class Drafts(threading.Thread):
    """Signed-in units saving a draft `rate` times a second in all (paced, not flooding)."""

    def __init__(self, url, rate, units=2):
        super().__init__(daemon=True)
        self.url, self.rate, self.units = url, rate, units
        self.stop_ev = threading.Event()
        self.lat, self.errors, self.lock = [], 0, threading.Lock()

    def unit(self, k):
        s = requests.Session()
        r = s.get(self.url + "/login", timeout=30)
        tok = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        r = s.post(self.url + "/login", data={"csrf": tok, "email": SUBMITTER,
                                              "password": PASSWORD},
                   allow_redirects=False, timeout=60)
        if r.status_code != 303:
            raise SystemExit(f"reads: cannot sign in the writer: {r.status_code}")
        r = s.get(self.url + "/submit", timeout=30)
        tok = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        r = s.post(self.url + "/submit/new", data={"csrf": tok}, allow_redirects=False,
                   timeout=30)
        cid = int(r.headers["Location"].rsplit("/", 1)[1])
        r = s.get(self.url + "/submit/%d" % cid, timeout=30)
        tok = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        # The saves on one kept-alive connection of the standard library's: requests cost
        # the client 3.4 ms of CPU a save, more than twice the server's 1.4 ms, on the very
        # cores the reads are measured on.
        port = int(self.url.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cookie = "; ".join("%s=%s" % (c.name, c.value) for c in s.cookies)
        return conn, cookie, cid, tok

    def prepare(self):
        """Sign the units in and make their drafts now, while the server is idle."""
        self.sessions = [self.unit(k) for k in range(self.units)]

    def write(self, k, n):
        """Unit k's n-th save of its draft: True when it was saved."""
        conn, cookie, cid, tok = self.sessions[k]
        body = urllib.parse.urlencode({"csrf": tok, "title": "基准测试草稿 %d-%d" % (k, n),
                                       "track": "", "tags": "党建", "action": "save",
                                       "s1": "写入负载。" * 20})
        try:
            conn.request("POST", "/submit/%d" % cid, body,
                         {"Content-Type": "application/x-www-form-urlencoded",
                          "Cookie": cookie})
            r = conn.getresponse()
            r.read()
            return r.status == 303
        except (OSError, http.client.HTTPException):
            conn.close()  # the next save connects again
            return False

    def run_unit(self, k, period):
        self.ready.release()
        self.go.wait()
        n, t0 = 0, time.monotonic()
        while not self.stop_ev.is_set():
            n += 1
            a = time.monotonic()
            ok = self.write(k, n)
            b = time.monotonic()
            with self.lock:
                self.lat.append((b - a) * 1000)
                self.errors += not ok
            delay = t0 + n * period - time.monotonic()
            if delay > 0:
                self.stop_ev.wait(delay)

    def run(self):
        self.ready = threading.Semaphore(0)
        self.go = threading.Event()
        ts = [threading.Thread(target=self.run_unit, args=(k, self.units / self.rate),
                               daemon=True) for k in range(self.units)]
        for t in ts:
            t.start()
        for _ in ts:
            self.ready.acquire()
        self.t0 = time.monotonic()
        self.go.set()
        self.stop_ev.wait()
        for t in ts:
            t.join(timeout=35)
        self.t1 = time.monotonic()


class Codes(Drafts):
    """The public asking for voting codes `rate` times a second in all (paced, not flooding):
    the demo's open exhibition, a new phone number each, a new /24 every 25 codes."""

    def prepare(self):
        r = requests.get(self.url + "/api/v1/votes", timeout=30)
        stages = r.json().get("stages") if r.status_code == 200 else None
        if not stages:
            raise SystemExit("reads: no exhibition open for voting in this demo")
        self.stage = stages[0]["id"]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.sent = 0

    def write(self, k, n):
        """A code asked for a new phone number: True when the server took it (202)."""
        with self.lock:
            self.sent += 1
            sent = self.sent
        net = 10 + sent // 25
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                       source_address=("127.%d.%d.1" % (net // 250, net % 250), 0))
        try:
            body = json.dumps({"stage": self.stage, "phone": "139%08d" % sent})
            c.request("POST", "/api/v1/votes/code", body,
                      {"Content-Type": "application/json", "Accept": "application/json"})
            return c.getresponse().status == 202
        except OSError:
            return False
        finally:
            c.close()


def pct(xs, p):
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, -(-p * len(xs) // 100) - 1))] if xs else float("nan")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_laurel_option(ap)
    ap.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", "4000")))
    ap.add_argument("--data", help="an existing demo folder to serve (copied first)")
    ap.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_READ_DURATION", "5")))
    ap.add_argument("--connections", type=int,
                    default=int(os.environ.get("BENCH_READ_CONNECTIONS", "16")))
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--sample", type=int, default=int(os.environ.get("BENCH_READ_SAMPLE", "600")),
                    help="pages of each kind fetched for nginx")
    ap.add_argument("--case-sample", type=int, default=20000,
                    help="case pages fetched for nginx: all of them up to this many")
    ap.add_argument("--nginx-file-cache", choices=("on", "off"), default="on",
                    help="nginx keeps its open files (open_file_cache), as a tuned site does")
    ap.add_argument("--sample-seconds", type=float, default=45.0,
                    help="at most this long fetching each kind's sample")
    ap.add_argument("--lists", type=int, default=20000)
    ap.add_argument("--searches", type=int, default=40000)
    ap.add_argument("--warm", type=int, default=int(os.environ.get("BENCH_READ_WARM", "10")),
                    help="seconds of case pages in order before measuring (0: none)")
    ap.add_argument("--writes", type=float, default=50.0, help="writes per second")
    ap.add_argument("--writer", choices=("drafts", "codes"), default="drafts",
                    help="what the writes are: units' draft saves, or voters' code requests")
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--out", default=os.environ.get("BENCH_OUT", os.path.join(HERE, "out")))
    o = ap.parse_args()
    o.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    for tool in ("wrk", o.nginx):
        if not shutil.which(tool):
            raise SystemExit(f"reads: {tool} is missing (scripts/deps.sh bench)")
    if not os.access(o.laurel, os.X_OK):
        raise SystemExit(f"reads: no laurel binary at {o.laurel} (ninja -C build)")

    work = tempfile.mkdtemp(prefix="laurel-reads.")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return run(o, work)
    finally:
        Proc.stop_all()
        shutil.rmtree(work, ignore_errors=True)


def run(o, work):
    o.binary = os.path.join(work, "laurel")
    shutil.copy2(o.laurel, o.binary)
    data = os.path.join(work, "data")
    t0 = time.monotonic()
    if o.data:
        shutil.copytree(o.data, data)
        made = "copied from %s" % o.data
    else:
        subprocess.run([o.binary, "demo", "--data", data, "--cases", str(o.cases)], check=True,
                       stdout=subprocess.DEVNULL, timeout=3600)
        made = "made in %.1f s" % (time.monotonic() - t0)
    db = sqlite3.connect("file:%s/laurel.db?mode=ro" % data, uri=True)
    rnd = random.Random(o.seed)
    paths = make_paths(db, rnd, o.lists, o.searches)
    db.close()
    # Mixed: as many case pages as list pages, and half as many searches.
    paths["mixed"] = ([rnd.choice(paths["case"]) for _ in range(o.lists)] + paths["list"]
                      + paths["search"][: o.lists // 2])
    lists = {}
    for kind in KINDS:
        lists[kind] = os.path.join(work, "paths-%s.txt" % kind)
        write_list(lists[kind], paths[kind])
    load0 = open("/proc/loadavg").read().split()[:3]
    log(f"== public reads: {paths['total']} published cases (demo {made}); "
        f"wrk -t{o.wrk_threads} -c{o.connections} -d{o.duration}s per run; "
        f"laurel --threads {o.threads}; load average {' '.join(load0)}")
    log(f"  URLs: case {len(paths['case'])} (every id), list {len(paths['list'])}, "
        f"search {len(paths['search'])} (distinct, in order), mixed {len(paths['mixed'])}")

    res = {}
    # Three servers up at once (the two laurels on their own copies of the demo), driven in
    # turn kind by kind: on a shared machine, each ratio comes from runs next to each other.
    data2 = os.path.join(work, "data-cache")
    shutil.copytree(data, data2)
    www = os.path.join(work, "www")
    os.makedirs(os.path.join(www, "p"))
    os.chmod(work, 0o755)
    plain, plain_url = start_laurel(o, work, data, cache=False)
    static = {}
    t = time.monotonic()
    for kind in ("case", "list", "search"):
        want = o.case_sample if kind == "case" else o.sample
        sample = rnd.sample(paths[kind], min(want, len(paths[kind])))
        got, bad = fetch_sample(plain_url, sample, www, kind, o.sample_seconds)
        if bad:
            log(f"  note: {len(bad)} of {len(sample)} {kind} pages did not answer 200, e.g. {bad[:3]}")
        if not got:
            raise SystemExit(f"reads: no {kind} page fetched for nginx within {o.sample_seconds} s")
        static[kind] = got
    static["mixed"] = static["case"] + static["list"] + static["search"]
    for kind in KINDS:
        write_list(os.path.join(work, "static-%s.txt" % kind), static[kind])
    for root, dirs, files in os.walk(www):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    log("  nginx sample: %s pages fetched from laurel in %.1f s" % (
        " + ".join("%d %s" % (len(static[k]), k) for k in ("case", "list", "search")),
        time.monotonic() - t))
    cached, cached_url = start_laurel(o, work, data2, cache=True)
    ngx, ngx_url = start_nginx(o, work, www, static["case"][0])
    urls = {"nocache": plain_url, "cache": cached_url}
    servers = {"nocache": plain, "cache": cached}
    writers = {}
    for who in ("nocache", "cache"):
        writers[who] = (Codes if o.writer == "codes" else Drafts)(urls[who], o.writes)
        writers[who].prepare()
    # A server that has run a while has seen its pages: every case page once, in order, for
    # at most --warm seconds, on both laurels (the cache keeps a case page until it changes).
    if o.warm > 0:
        for who in ("nocache", "cache"):
            r = wrk(o, urls[who], lists["case"], "seq", "warm " + who, duration=o.warm)
            log("  warm-up %-7s %d case pages in %d s" % (who, r["requests"], o.warm))
    for kind in KINDS:
        res[("nginx", kind)] = wrk(o, ngx_url, os.path.join(work, "static-%s.txt" % kind),
                                   "random", "nginx " + kind, laurel=False, server=ngx)
        for who in ("nocache", "cache"):
            res[(who, kind)] = wrk(o, urls[who], lists[kind],
                                   "seq" if kind == "search" else "random",
                                   "laurel %s %s" % (who, kind), server=servers[who])
        log("  %-7s nginx %8.0f req/s, laurel no cache %7.0f, laurel cache %7.0f" % (
            kind, res[("nginx", kind)]["rps"], res[("nocache", kind)]["rps"],
            res[("cache", kind)]["rps"]))
    ngx.stop()
    # The same mixed reads, read-only and then with draft saves, on each laurel.
    for who in ("nocache", "cache"):
        res[(who, "readonly")] = wrk(o, urls[who], lists["mixed"], "random", who + " read-only")
        res[(who, "writes")], res[(who, "drafts")] = with_writes(o, urls[who], lists["mixed"],
                                                                 writers[who])
    plain.stop()
    cached.stop()
    report(o, paths, res, load0)
    return 0


def drain(url, seconds=120):
    """Wait (bounded) until the server answers /healthz within 2 s: the requests a finished
    wrk run left queued are done."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
    log(f"  note: {url} still busy {seconds} s after the last run")


def with_writes(o, url, paths_file, d):
    d.start()
    deadline = time.monotonic() + 60
    while not hasattr(d, "t0"):
        if time.monotonic() > deadline:
            raise SystemExit("reads: the draft writer did not start within 60 s")
        if not d.is_alive():
            raise SystemExit("reads: the draft writer could not start")
        time.sleep(0.05)
    drain(url)
    r = wrk(o, url, paths_file, "random", "with writes")
    d.stop_ev.set()
    d.join(timeout=60)
    n = len(d.lat)
    return r, {"per_s": n / max(1e-9, d.t1 - d.t0), "n": n, "errors": d.errors,
               "p50": pct(d.lat, 50), "p99": pct(d.lat, 99)}


def report(o, paths, res, load0):
    rows = []
    log("")
    log(f"== summary: public reads, {paths['total']} cases ({os.cpu_count()} cores; wrk "
        f"-c{o.connections} -d{o.duration}s; load average before {' '.join(load0)}, after "
        f"{' '.join(open('/proc/loadavg').read().split()[:3])})")
    log("  %-7s %-23s %9s %7s %8s %8s %8s %8s" % ("kind", "server", "req/s", "xnginx", "p50_ms",
                                                  "p95_ms", "p99_ms", "cpu_us"))
    for kind in KINDS:
        n = res[("nginx", kind)]["rps"]
        for who, name in (("nginx", "nginx (static copies)"), ("nocache", "laurel, no page cache"),
                          ("cache", "laurel, page cache")):
            r = res[(who, kind)]
            log("  %-7s %-23s %9.0f %6.2fx %8.2f %8.2f %8.2f %8.1f" % (
                kind, name, r["rps"], r["rps"] / n, r["p50_ms"], r["p95_ms"], r["p99_ms"],
                r["cpu_us"]))
            rows.append(("RESULT kind=%s server=%s cases=%d rps=%.1f ratio=%.3f p50_ms=%.3f "
                         "p95_ms=%.3f p99_ms=%.3f cpu_us=%.1f" % (
                             kind, who, paths["total"], r["rps"], r["rps"] / n, r["p50_ms"],
                             r["p95_ms"], r["p99_ms"], r["cpu_us"])))
    log("  mixed reads while %s:" % ("units save %.0f drafts/s" % o.writes if o.writer == "drafts"
                                     else "voters ask for %.0f codes/s" % o.writes))
    for who, name in (("nocache", "no page cache"), ("cache", "page cache")):
        ro, rw, d = res[(who, "readonly")], res[(who, "writes")], res[(who, "drafts")]
        ratio = rw["rps"] / ro["rps"]
        log("    %-14s read-only %7.0f req/s, with writes %7.0f req/s (%.2fx, target >= 0.80x); "
            "reads p95 %.2f -> %.2f ms; saves %.1f/s, p50 %.1f ms, p99 %.1f ms, %d errors" % (
                name, ro["rps"], rw["rps"], ratio, ro["p95_ms"], rw["p95_ms"], d["per_s"],
                d["p50"], d["p99"], d["errors"]))
        rows.append("RESULT kind=writes writer=%s server=%s cases=%d rps_readonly=%.1f "
                    "rps_writes=%.1f ratio=%.3f saves_per_s=%.1f save_p99_ms=%.1f "
                    "save_errors=%d" % (o.writer, who, paths["total"], ro["rps"], rw["rps"],
                                        ratio, d["per_s"], d["p99"], d["errors"]))
    for r in rows:
        print(r)
    try:
        os.makedirs(o.out, exist_ok=True)
        with open(os.path.join(o.out, "reads-%d.txt" % paths["total"]), "w") as f:
            f.write("\n".join(rows) + "\n")
    except OSError:
        pass


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
