#!/usr/bin/env python3
"""rush.py — the deadline rush: many submissions with a 1 MB attachment at once.

The last hours before a call closes, every unit submits at the same time.  This
script makes a fresh demo in a temporary folder, adds ACCOUNTS submitter
accounts (`laurel user add`, before the server starts; units taken from the
demo, one account each), serves the demo on a free loopback port, signs each
account in once through /login, and then runs FLOWS submission flows in
WORKERS client threads, each flow the way a browser would do it:

  POST /submit/new                       -> 303 /submit/{id}   (a new draft)
  POST /submit/{id}  action=save         -> 303                (title, track,
                                                                contact, 5 sections)
  POST /submit/{id}/attachments          -> 303                (a 1 MiB PDF, multipart)
  POST /submit/{id}  action=submit       -> 303 .../status     (submitted)

Every attachment has distinct bytes (content addressing would otherwise store
one file).  It reports errors (anything but the expected 303, or an exception;
the target is 0), the wall-clock time of the whole rush against the DEADLINE
(10 s), throughput, p50 / p95 / p99 / max latency of the upload and of the
whole flow, and the server's memory: VmRSS before, VmHWM (kernel's peak RSS)
over the rush alone (reset with /proc/PID/clear_refs after the sign-ins, whose
argon2 hashing would otherwise set the peak) and over the server's life.
Afterwards it checks in the database (read-only, server stopped) that every
case is 'submitted' with one attachment, and that every file is on disk.

Loopback only; every wait is bounded; the server is stopped (SIGTERM, then
SIGKILL after 10 s) and the folder removed on every exit, Ctrl-C included.
The last line of output is `RESULT key=value ...` for bench/run.sh.

Usage: python3 bench/rush.py [--laurel build/laurel] [--flows 500] [--workers 32]
       [--accounts 25] [--size-kib 1024] [--deadline 10] [--threads NPROC] [--cases 4000]
Needs python3-requests.
"""
import argparse
import concurrent.futures as cf
import os
import re
import sqlite3
import subprocess
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import (Sampler, Workspace, add_laurel_option, cpu_s, csrf_of, log,  # noqa: E402
                          pct, proc_kib, reset_hwm, run_main)

PASSWORD = "rush-bench-2019"
SECTION_TEXT = [
    "老旧小区加装电梯牵动千家万户。" * 8,
    "街道党工委以楼门为单位成立议事会，逐户听取意见，明确费用分摊和维护责任。" * 4,
    "一年来二十三个楼门完成签约，十五台电梯投入使用，居民满意度超过九成。" * 3,
    "把组织优势转化为治理效能，关键在于让每一户都有说话的地方。" * 2,
    "附：议事会章程、会议记录样本。",
]


def sign_in(base, email):
    """A signed-in requests.Session and the session's csrf token."""
    s = requests.Session()
    r = s.get(base + "/login", timeout=10)
    r.raise_for_status()
    r = s.post(base + "/login", data={"csrf": csrf_of(r.text), "email": email,
                                      "password": PASSWORD, "next": "/submit"},
               allow_redirects=False, timeout=30)
    if r.status_code != 303:
        raise RuntimeError(f"sign-in of {email}: HTTP {r.status_code}")
    r = s.get(base + "/submit", timeout=10)
    r.raise_for_status()
    return s, csrf_of(r.text)


def first_track(base, session, token):
    """The slug of the first track on a new case's form (creates one draft, left as is)."""
    r = session.post(base + "/submit/new", data={"csrf": token}, allow_redirects=False, timeout=10)
    if r.status_code != 303:
        raise RuntimeError(f"/submit/new: HTTP {r.status_code}")
    r = session.get(base + r.headers["Location"].replace(base, ""), timeout=10)
    m = re.search(r'<select id="track" name="track">\s*<option value="([^"]+)"', r.text)
    if not m:
        raise RuntimeError("no track on the case form")
    return m.group(1)


def pdf_bytes(n, size):
    """size bytes that start like a PDF and differ for every n."""
    head = b"%PDF-1.4\n% laurel rush " + str(n).encode() + b" " + os.urandom(16).hex().encode() + b"\n"
    body = PDF_FILL[: size - len(head) - 6]
    return head + body + b"%%EOF\n"


PDF_FILL = b""


def one_flow(n, base, cookies, token, track):
    """Runs one submission; returns (timings dict, error or None)."""
    t = {}
    s = requests.Session()
    s.cookies.update(cookies)
    try:
        t0 = time.perf_counter()
        r = s.post(base + "/submit/new", data={"csrf": token}, allow_redirects=False,
                   timeout=(5, 60))
        if r.status_code != 303:
            return t, f"new: HTTP {r.status_code}"
        m = re.search(r"/submit/(\d+)$", r.headers.get("Location", ""))
        if not m:
            return t, f"new: Location {r.headers.get('Location')!r}"
        cid = m.group(1)
        t1 = time.perf_counter()
        fields = {"csrf": token, "title": f"截止前申报的案例 第 {n + 1} 号", "track": track,
                  "tags": "加装电梯、议事会", "contact_name": "张晓敏",
                  "contact_phone": "021-5888 0000", "contact_email": ""}
        for i, text in enumerate(SECTION_TEXT):
            fields[f"s{i + 1}"] = text
        r = s.post(f"{base}/submit/{cid}", data={**fields, "action": "save"},
                   allow_redirects=False, timeout=(5, 60))
        if r.status_code != 303:
            return t, f"save: HTTP {r.status_code}"
        t2 = time.perf_counter()
        body = pdf_bytes(n, FILE_SIZE)
        r = s.post(f"{base}/submit/{cid}/attachments", data={"csrf": token},
                   files={"file": (f"案例材料-{n + 1}.pdf", body, "application/pdf")},
                   allow_redirects=False, timeout=(5, 120))
        if r.status_code != 303:
            return t, f"upload: HTTP {r.status_code}"
        t3 = time.perf_counter()
        r = s.post(f"{base}/submit/{cid}", data={**fields, "action": "submit"},
                   allow_redirects=False, timeout=(5, 60))
        if r.status_code != 303 or not r.headers.get("Location", "").endswith("/status"):
            return t, f"submit: HTTP {r.status_code} {r.headers.get('Location')}"
        t4 = time.perf_counter()
        t.update(new=t1 - t0, save=t2 - t1, upload=t3 - t2, submit=t4 - t3, flow=t4 - t0,
                 end=t4, case=int(cid))
        return t, None
    except requests.RequestException as e:
        return t, f"{type(e).__name__}: {e}"
    finally:
        s.close()


def main():
    global FILE_SIZE, PDF_FILL
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_laurel_option(ap)
    ap.add_argument("--flows", type=int, default=500)
    ap.add_argument("--workers", type=int, default=32)
    ap.add_argument("--accounts", type=int, default=25)
    ap.add_argument("--size-kib", type=int, default=1024)
    ap.add_argument("--deadline", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--cases", type=int, default=4000)
    o = ap.parse_args()
    FILE_SIZE = o.size_kib * 1024
    PDF_FILL = (b"0 0 0 rg 72 720 m 540 720 l S\n" * (FILE_SIZE // 30 + 1))[:FILE_SIZE]

    with Workspace("rush", o.laurel) as w:
        binary, data = w.binary, w.data
        t0 = time.monotonic()
        w.demo(o.cases)
        log(f"  demo ({o.cases} cases): {time.monotonic() - t0:.1f} s")

        # Submitter accounts: one per unit, the first ACCOUNTS street-level units.
        db = sqlite3.connect(f"file:{data}/laurel.db?mode=ro", uri=True)
        units = [r[0] for r in db.execute(
            "SELECT id FROM unit WHERE level = (SELECT max(level) FROM unit) ORDER BY id LIMIT ?",
            (o.accounts,))]
        db.close()
        if len(units) < o.accounts:
            raise SystemExit(f"rush: the demo has only {len(units)} units")
        emails = [f"rush{i + 1:03d}@bench.laurel" for i in range(o.accounts)]
        t0 = time.monotonic()

        def add(i):
            subprocess.run([binary, "user", "add", "--data", data, "--email", emails[i],
                            "--name", f"压测申报人{i + 1}", "--role", "submitter",
                            "--unit", str(units[i])], input=PASSWORD + "\n", text=True,
                           check=True, stdout=subprocess.DEVNULL, timeout=60)
        # Two at a time (two cores); each hashes a password with argon2id.  SQLite's
        # busy timeout takes care of the two writers.
        with cf.ThreadPoolExecutor(2) as ex:
            list(ex.map(add, range(o.accounts)))
        log(f"  {o.accounts} submitter accounts (laurel user add): {time.monotonic() - t0:.1f} s")

        server = w.serve(o.threads)
        pid = server.proc.pid
        base = server.url
        t0 = time.monotonic()
        accounts = []
        for e in emails:
            s, token = sign_in(base, e)
            accounts.append((dict(s.cookies), token))
            s.close()
        s, token = sign_in(base, emails[0])
        track = first_track(base, s, token)
        s.close()
        log(f"  signed in {o.accounts} accounts: {time.monotonic() - t0:.1f} s; server pid {pid}, "
            f"--threads {o.threads}")

        rss_before = proc_kib(pid, "VmRSS")
        hwm_life_before = proc_kib(pid, "VmHWM")
        hwm_reset = reset_hwm(pid)
        sampler = Sampler(pid)
        sampler.start()

        log(f"  rush: {o.flows} flows, {o.workers} client threads, {FILE_SIZE // 1024} KiB PDF each, "
            f"deadline {o.deadline:g} s")
        results = []
        cpu0, me0 = cpu_s(pid), os.times()
        start = time.perf_counter()
        with cf.ThreadPoolExecutor(o.workers) as ex:
            futs = [ex.submit(one_flow, n, base, *accounts[n % o.accounts], track)
                    for n in range(o.flows)]
            done, not_done = cf.wait(futs, timeout=600)
            for f in not_done:
                f.cancel()
            results = [f.result() for f in done]
        wall = time.perf_counter() - start
        cpu1, me1 = cpu_s(pid), os.times()
        server_cpu = cpu1 - cpu0
        client_cpu = (me1.user - me0.user) + (me1.system - me0.system)
        sampler.stop_ev.set()
        sampler.join(2)
        hwm_rush = proc_kib(pid, "VmHWM")
        rss_after = proc_kib(pid, "VmRSS")

        errors = [e for _, e in results if e] + ["not finished in 600 s"] * len(not_done)
        ok = [t for t, e in results if not e]
        in_time = sum(1 for t in ok if t["end"] - start <= o.deadline)
        server.stop()

        # Check the outcome in the database.
        db = sqlite3.connect(f"file:{data}/laurel.db?mode=ro", uri=True)
        ids = [t["case"] for t in ok]
        q = ",".join("?" * len(ids)) or "NULL"
        submitted = db.execute(f'SELECT count(*) FROM "case" WHERE status = \'submitted\' AND id IN ({q})',
                               ids).fetchone()[0]
        att = db.execute(f"SELECT count(*), count(DISTINCT sha256), sum(size) FROM attachment "
                         f"WHERE case_id IN ({q})", ids).fetchone()
        shas = [r[0] for r in db.execute(f"SELECT sha256 FROM attachment WHERE case_id IN ({q})", ids)]
        db.close()
        on_disk = sum(1 for h in shas if os.path.isfile(os.path.join(data, "files", h[:2], h)))

        mb = FILE_SIZE * len(ok) / 1048576
        log(f"  finished: {len(ok)} flows in {wall:.2f} s; {in_time} of {o.flows} within the "
            f"{o.deadline:g} s deadline; errors: {len(errors)}")
        for e in sorted(set(errors))[:10]:
            log(f"    error x{errors.count(e)}: {e}")
        log(f"  throughput: {len(ok) / wall:.1f} submissions/s, {mb / wall:.1f} MB/s of attachments")
        log(f"  CPU during the rush: server {server_cpu:.1f} s ({server_cpu / max(len(ok), 1) * 1000:.1f} ms "
            f"per submission), this client {client_cpu:.1f} s, of {wall * (os.cpu_count() or 2):.1f} s "
            f"on {os.cpu_count()} cores")
        log(f"  {'latency ms':<12} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
        for k in ("new", "save", "upload", "submit", "flow"):
            xs = [t[k] * 1000 for t in ok]
            log(f"  {k:<12} {pct(xs, 50):8.1f} {pct(xs, 95):8.1f} {pct(xs, 99):8.1f} "
                f"{max(xs) if xs else float('nan'):8.1f}")
        log(f"  server memory: VmRSS {rss_before / 1024:.1f} MB before, {rss_after / 1024:.1f} MB after; "
            f"peak during the rush {hwm_rush / 1024:.1f} MB (VmHWM"
            f"{' reset before the rush' if hwm_reset else ', NOT reset: includes the sign-ins'}; "
            f"sampled max {sampler.max_rss / 1024:.1f} MB); "
            f"peak over the server's life {max(hwm_life_before, hwm_rush) / 1024:.1f} MB (sign-ins' argon2 included)")
        log(f"  database: {submitted} of {len(ok)} cases submitted; {att[0]} attachments, "
            f"{att[1]} distinct, {(att[2] or 0) / 1048576:.0f} MB; {on_disk} files on disk")
        bad = len(errors) + (len(ok) - submitted) + (len(ok) - att[1]) + (len(ok) - on_disk)
        flow = [t["flow"] * 1000 for t in ok]
        up = [t["upload"] * 1000 for t in ok]
        log(f"RESULT flows={o.flows} ok={len(ok)} errors={len(errors)} wall_s={wall:.2f} "
            f"in_deadline={in_time} per_s={len(ok) / wall:.1f} mb_per_s={mb / wall:.1f} "
            f"upload_p50={pct(up, 50):.1f} upload_p95={pct(up, 95):.1f} upload_p99={pct(up, 99):.1f} "
            f"flow_p50={pct(flow, 50):.1f} flow_p95={pct(flow, 95):.1f} flow_p99={pct(flow, 99):.1f} "
            f"rss_before_mb={rss_before / 1024:.1f} hwm_rush_mb={hwm_rush / 1024:.1f} "
            f"hwm_life_mb={max(hwm_life_before, hwm_rush) / 1024:.1f} server_cpu_s={server_cpu:.1f} "
            f"client_cpu_s={client_cpu:.1f} check_failures={bad}")
        return 1 if bad else 0


if __name__ == "__main__":
    run_main(main)
