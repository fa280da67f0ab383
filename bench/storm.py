#!/usr/bin/env python3
"""storm.py — a login storm: LOGINS correct sign-ins at once, and what they cost.

Passwords are hashed with argon2id at libsodium's "interactive" limits: 64 MiB
of memory per hash, and at most AUTH_MAX_HASHING (2, src/domain/auth.h) hashes
run at once whatever the number of callers.  So however many people sign in at
the same moment, the server's memory should stay under

    baseline RSS + AUTH_MAX_HASHING x 64 MiB (+ a little slack),

and the sign-ins queue up instead: latency grows with the queue, at about
(LOGINS / 2) x one hash.  The server's own threads must stay free meanwhile
(the hashing runs on the worker pool), so a /healthz probe every 100 ms during
the storm should stay fast.

This script makes a fresh demo in a temporary folder, adds ACCOUNTS reviewer
accounts with a chosen password (`laurel user add`: the demo's own accounts
share a published password, hashed at argon2id's least cost, which would
measure nothing here), serves it on a free loopback port, fetches /login once for each of LOGINS clients (the csrf
cookie and field), resets the server's VmHWM (/proc/PID/clear_refs), then
releases LOGINS client threads at once (a barrier), each POSTing /login with
a correct password for one of those accounts in turn (failures only are
throttled, so correct sign-ins are never refused).  Each expects 303 and a
laurel_session cookie; afterwards every new session must open /me (200).
It reports p50 / p95 / p99 / max latency, throughput, the /healthz probe's
latency, server CPU, and VmHWM over the storm beside the bound above.

Loopback only; every wait is bounded; the server is stopped and the folder
removed on every exit.  The last line is `RESULT key=value ...` for bench/run.sh.

Usage: python3 bench/storm.py [--laurel build/laurel] [--logins 200] [--threads NPROC]
       [--cases 4000] [--slack-mib 16]
"""
import argparse
import os
import subprocess
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import (Sampler, Workspace, add_laurel_option, cpu_s, csrf_of, log,  # noqa: E402
                          pct, proc_kib, reset_hwm, run_main)

PASSWORD = "storm-bench-2019"
ACCOUNTS = ["storm%d@bench.laurel" % (i + 1) for i in range(4)]
HASH_MIB = 64          # crypto_pwhash_MEMLIMIT_INTERACTIVE
MAX_HASHING = 2        # AUTH_MAX_HASHING


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_laurel_option(ap)
    ap.add_argument("--logins", type=int, default=200)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--slack-mib", type=float, default=16)
    o = ap.parse_args()
    with Workspace("storm", o.laurel) as w:
        w.demo(o.cases)
        for i, email in enumerate(ACCOUNTS):
            subprocess.run([w.binary, "user", "add", "--data", w.data, "--email", email,
                            "--name", "压测专家%d" % (i + 1), "--role", "reviewer"],
                           input=PASSWORD + "\n", text=True, check=True,
                           stdout=subprocess.DEVNULL, timeout=60)
        server = w.serve(o.threads)
        pid, base = server.proc.pid, server.url

        # Each client: its own connection, the csrf cookie and field of /login.
        clients = []
        for i in range(o.logins):
            s = requests.Session()
            r = s.get(base + "/login", timeout=10)
            r.raise_for_status()
            clients.append((s, csrf_of(r.text), ACCOUNTS[i % len(ACCOUNTS)]))
        for _ in range(20):  # the pages the storm touches, warm
            requests.get(base + "/healthz", timeout=5)
        time.sleep(0.5)
        rss_base = proc_kib(pid, "VmRSS")
        hwm_before = proc_kib(pid, "VmHWM")
        hwm_reset = reset_hwm(pid)  # VmHWM := current RSS
        sampler = Sampler(pid)
        sampler.start()

        results = [None] * o.logins
        barrier = threading.Barrier(o.logins + 1, timeout=60)

        def login(i):
            s, token, email = clients[i]
            try:
                barrier.wait()
                t0 = time.perf_counter()
                r = s.post(base + "/login", data={"csrf": token, "email": email,
                                                  "password": PASSWORD, "next": "/me"},
                           allow_redirects=False, timeout=(10, 180))
                dt = time.perf_counter() - t0
                if r.status_code != 303 or "laurel_session" not in s.cookies:
                    results[i] = (dt, f"HTTP {r.status_code}")
                else:
                    results[i] = (dt, None)
            except (requests.RequestException, threading.BrokenBarrierError) as e:
                results[i] = (None, f"{type(e).__name__}: {e}")

        probe, probe_stop = [], threading.Event()

        def prober():
            ps = requests.Session()
            while not probe_stop.is_set():
                t0 = time.perf_counter()
                try:
                    ps.get(base + "/healthz", timeout=5).raise_for_status()
                    probe.append((time.perf_counter() - t0) * 1000)
                except requests.RequestException:
                    probe.append(float("inf"))
                probe_stop.wait(0.1)

        threads = [threading.Thread(target=login, args=(i,), daemon=True) for i in range(o.logins)]
        for t in threads:
            t.start()
        pt = threading.Thread(target=prober, daemon=True)
        log(f"  storm: {o.logins} sign-ins at once over {len(ACCOUNTS)} accounts, server --threads "
            f"{o.threads}, pid {pid}")
        cpu0 = cpu_s(pid)
        barrier.wait()
        start = time.perf_counter()
        pt.start()
        deadline = time.monotonic() + 300
        for t in threads:
            t.join(max(0.1, deadline - time.monotonic()))
        wall = time.perf_counter() - start
        cpu = cpu_s(pid) - cpu0
        probe_stop.set()
        pt.join(6)
        sampler.stop_ev.set()
        sampler.join(2)
        hwm = proc_kib(pid, "VmHWM")
        rss_after = proc_kib(pid, "VmRSS")

        errors = [e for r in results for e in ([r[1]] if r and r[1] else ([] if r else ["no answer in 300 s"]))]
        lat = [r[0] * 1000 for r in results if r and not r[1]]
        # Every new session works.
        bad_sessions = 0
        for s, _, _ in clients:
            try:
                if s.get(base + "/me", allow_redirects=False, timeout=10).status_code != 200:
                    bad_sessions += 1
            except requests.RequestException:
                bad_sessions += 1
            s.close()
        server.stop()

        bound = rss_base / 1024 + MAX_HASHING * HASH_MIB
        peak = hwm / 1024
        verdict = "ok" if peak <= bound + o.slack_mib else "OVER"
        log(f"  finished: {len(lat)} of {o.logins} signed in, errors {len(errors)}, sessions not "
            f"opening /me {bad_sessions}; {wall:.2f} s, {len(lat) / wall:.1f} sign-ins/s, "
            f"{wall / max(len(lat), 1) * MAX_HASHING * 1000:.0f} ms per hash slot")
        for e in sorted(set(errors))[:10]:
            log(f"    error x{errors.count(e)}: {e}")
        log(f"  sign-in latency ms: p50 {pct(lat, 50):.0f}  p95 {pct(lat, 95):.0f}  "
            f"p99 {pct(lat, 99):.0f}  max {max(lat) if lat else float('nan'):.0f}")
        fin = [x for x in probe if x != float("inf")]
        log(f"  /healthz during the storm ({len(probe)} probes, {len(probe) - len(fin)} failed): "
            f"p50 {pct(fin, 50):.1f} ms, p99 {pct(fin, 99):.1f} ms, max {max(fin) if fin else float('nan'):.1f} ms")
        log(f"  server CPU during the storm: {cpu:.1f} s ({cpu / max(len(lat), 1) * 1000:.0f} ms per sign-in)")
        log(f"  memory: baseline VmRSS {rss_base / 1024:.1f} MB; peak VmHWM during the storm {peak:.1f} MB"
            f"{'' if hwm_reset else ' (VmHWM NOT reset)'} (sampled max {sampler.max_rss / 1024:.1f} MB); "
            f"after {rss_after / 1024:.1f} MB")
        log(f"  bound: baseline {rss_base / 1024:.1f} + {MAX_HASHING} x {HASH_MIB} MiB = {bound:.1f} MB "
            f"(+ {o.slack_mib:g} MB slack = {bound + o.slack_mib:.1f}); measured peak {peak:.1f} MB: {verdict}")
        log(f"RESULT logins={o.logins} ok={len(lat)} errors={len(errors)} bad_sessions={bad_sessions} "
            f"wall_s={wall:.2f} per_s={len(lat) / wall:.1f} p50_ms={pct(lat, 50):.0f} "
            f"p95_ms={pct(lat, 95):.0f} p99_ms={pct(lat, 99):.0f} healthz_p99_ms={pct(fin, 99):.1f} "
            f"rss_base_mb={rss_base / 1024:.1f} hwm_mb={peak:.1f} bound_mb={bound:.1f} "
            f"slack_mb={o.slack_mib:g} verdict={verdict} hwm_before_mb={hwm_before / 1024:.1f}")
        return 1 if errors or bad_sessions or verdict != "ok" else 0


if __name__ == "__main__":
    run_main(main)
