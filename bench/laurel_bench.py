"""laurel_bench.py — what the load scripts (rush.py, storm.py) share.

A Workspace is a temporary folder holding a private copy of the laurel binary
(so that a rebuild during the run cannot change it), a fresh demo made with it,
and at most one Server: `laurel serve` on a free loopback port.  Leaving the
`with` block stops the server (SIGTERM, then SIGKILL after 10 s) and removes the
folder, on every exit: SIGTERM is turned into KeyboardInterrupt so that it
unwinds the same way as Ctrl-C, and run_main() turns that into exit status 130.

Besides: the server's CPU time and memory from /proc (cpu_s, proc_kib, a
Sampler of VmRSS, reset_hwm), nearest-rank percentiles, and the csrf field of a
page.  Loopback only; every wait is bounded.
"""
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(*a):
    print(*a, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pct(xs, p):
    """Nearest-rank percentile."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, -(-p * len(xs) // 100) - 1))
    return xs[int(k)]


def cpu_s(pid):
    """User + system CPU seconds of a process (all its threads)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def proc_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """laurel serve on a free loopback port; stop() is bounded and idempotent."""

    def __init__(self, binary, data, workdir, threads, name="bench", extra=()):
        self.binary, self.data, self.workdir, self.threads = binary, data, workdir, threads
        self.name = name  # the script's name, on its messages
        self.extra = list(extra)  # more options of laurel serve (--db URI, --no-page-cache)
        self.proc = None
        self.url = None

    def start(self):
        for attempt in range(3):
            port = free_port()
            self.log = open(os.path.join(self.workdir, "laurel.log"), "wb")
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--data", self.data, "--listen", f"127.0.0.1:{port}",
                 "--threads", str(self.threads),
                 "--access-log", os.path.join(self.workdir, "access.log")] + self.extra,
                stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            self.url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if requests.get(self.url + "/healthz", timeout=1).text.strip() == "ok":
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.1)
            self.stop()
        raise SystemExit(f"{self.name}: laurel did not start:\n" + self.log_text())

    def log_text(self):
        try:
            with open(os.path.join(self.workdir, "laurel.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log(f"{self.name}: laurel ignored SIGTERM for 10 s, killing it")
            p.kill()
            p.wait(timeout=5)


def csrf_of(html):
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    if not m:
        raise RuntimeError("no csrf field in the page")
    return m.group(1)




DEMO_PASSWORD = "laurel-demo-2019"


def organiser_session(url, tool, email="organiser@demo.laurel"):
    """A requests session signed in as the demo's organiser (or another of its accounts) at
    url (tool names the script)."""
    s = requests.Session()
    page = s.get(url + "/login", timeout=30).text
    r = s.post(url + "/login", data={"csrf": csrf_of(page), "email": email,
                                     "password": DEMO_PASSWORD}, allow_redirects=False, timeout=60)
    if r.status_code != 303:
        raise SystemExit("%s: sign-in answered %d" % (tool, r.status_code))
    return s


def pages_settled(srv, deadline=600.0):
    """Wait, bounded, until srv renders no kept page aside (its gauge
    laurel_store_pages_pass_at is -1; a build from before the gauge has no such pass): a
    server started on pages of another build renders them all again on its writer, and a
    figure taken meanwhile would count that work."""
    until = time.monotonic() + deadline
    while True:
        text = requests.get(srv.url + "/metrics", timeout=30).text
        m = re.search(r"^laurel_store_pages_pass_at (-?\d+)$", text, re.M)
        if not m or m.group(1) == "-1":
            return
        if time.monotonic() > until:
            raise SystemExit("the page pass of %s did not end in %.0f s" % (srv.url, deadline))
        time.sleep(0.2)


def ab_rounds(servers, sessions, kinds, rounds, tool):
    """REF against NEW (ref_and_new's servers, a signed-in session on each): in alternating
    rounds (REF, NEW; NEW, REF; ...), for each kind {name: draw} the paths draw() gives, the
    same on both, one GET at a time.  {(server, kind): [(server CPU µs a request, wall median
    ms) a round]}."""
    def one(s, srv, paths):
        times = []
        c0 = cpu_s(srv.proc.pid)
        for path in paths:
            t0 = time.perf_counter()
            r = s.get(srv.url + path, timeout=60)
            times.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise SystemExit("%s: %s answered %d" % (tool, path, r.status_code))
        return (cpu_s(srv.proc.pid) - c0) / len(paths) * 1e6, statistics.median(times)

    got = {(k, kind): [] for k in servers for kind in kinds}
    for r in range(rounds):
        order = ("ref", "new") if r % 2 == 0 else ("new", "ref")
        for kind, draw in kinds.items():
            paths = draw()
            for k in order:
                got[(k, kind)].append(one(sessions[k], servers[k], paths))
        print("round %d done" % (r + 1), flush=True)
    return got


def ab_report(got, kinds, width=30):
    """ab_rounds' figures: per kind the medians over the rounds, and NEW / REF."""
    print("%-*s %10s %10s %7s %9s %9s %7s" % (width, "page", "REF cpu µs", "NEW cpu µs", "ratio",
                                             "REF ms", "NEW ms", "ratio"))
    for kind in kinds:
        rc, nc, rw, nw = (statistics.median(x[i] for x in got[(k, kind)])
                          for i, k in ((0, "ref"), (0, "new"), (1, "ref"), (1, "new")))
        print("%-*s %10.0f %10.0f %7.3f %9.2f %9.2f %7.3f" % (width, kind, rc, nc, nc / rc, rw,
                                                             nw, nw / rw))
    print("load average: %s" % " ".join("%.2f" % x for x in os.getloadavg()))


@contextlib.contextmanager
def ref_and_new(ref, new, tool, made_by="new"):
    """One demo made by NEW (or by REF, made_by="ref": when NEW migrates what REF made), served
    by REF and by NEW at once, each on its own copy: {"ref": Server, "new": Server}; the
    servers stopped and the folder removed after."""
    work = tempfile.mkdtemp(prefix="laurel-%s." % tool)
    servers = {}
    try:
        bins = {}
        for name, binary in (("ref", ref), ("new", new)):
            bins[name] = os.path.join(work, "laurel-" + name)
            shutil.copy(binary, bins[name])
        subprocess.run([bins[made_by], "demo", "--data", os.path.join(work, "demo")], check=True,
                       capture_output=True)
        for name in ("ref", "new"):
            d = os.path.join(work, name)
            shutil.copytree(os.path.join(work, "demo"), os.path.join(d, "data"))
            srv = Server(bins[name], os.path.join(d, "data"), d, 2, name=tool)
            srv.start()
            servers[name] = srv
        for srv in servers.values():
            pages_settled(srv)
        yield servers
    finally:
        for srv in servers.values():
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)


class Sampler(threading.Thread):
    """Samples VmRSS every 50 ms until stopped (bounded: 30 min)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop_ev, self.max_rss = pid, threading.Event(), 0

    def run(self):
        end = time.monotonic() + 1800
        while not self.stop_ev.is_set() and time.monotonic() < end:
            self.max_rss = max(self.max_rss, proc_kib(self.pid, "VmRSS"))
            self.stop_ev.wait(0.05)


def reset_hwm(pid):
    """Sets the process's VmHWM to its current RSS; False where the kernel refuses."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def add_laurel_option(ap):
    """--laurel: the binary under test ($LAUREL_BIN, or build/laurel)."""
    ap.add_argument("--laurel", default=os.environ.get("LAUREL_BIN", os.path.join(ROOT, "build/laurel")))


class Workspace:
    """A temporary folder with a private copy of the binary, a demo and a server.

    with Workspace("rush", o.laurel) as w:
        w.demo(4000)          # -> w.data
        server = w.serve(8)   # a started Server
    """

    def __init__(self, name, laurel):
        self.name, self.laurel = name, laurel
        self.work = self.binary = self.data = self.server = None

    def __enter__(self):
        if not os.access(self.laurel, os.X_OK):
            raise SystemExit(f"{self.name}: no laurel binary at {self.laurel} (ninja -C build)")
        self.work = tempfile.mkdtemp(prefix=f"laurel-{self.name}.")
        # SIGTERM behaves like Ctrl-C, so that __exit__ always runs.
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        try:
            self.binary = os.path.join(self.work, "laurel")
            shutil.copy2(self.laurel, self.binary)  # a rebuild during the run cannot change it
            self.data = os.path.join(self.work, "data")
        except BaseException:
            shutil.rmtree(self.work, ignore_errors=True)
            raise
        return self

    def demo(self, cases):
        """`laurel demo` with `cases` public cases into self.data."""
        subprocess.run([self.binary, "demo", "--data", self.data, "--cases", str(cases)], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)

    def serve(self, threads):
        """Starts (and returns) the server on self.data; __exit__ stops it."""
        self.server = Server(self.binary, self.data, self.work, threads, self.name)
        self.server.start()
        return self.server

    def __exit__(self, *exc):
        if self.server:
            self.server.stop()
        shutil.rmtree(self.work, ignore_errors=True)
        return False


def run_main(main):
    """sys.exit(main()), with Ctrl-C (or SIGTERM, see Workspace) as exit status 130."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
