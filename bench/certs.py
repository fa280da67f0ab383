#!/usr/bin/env python3
"""certs.py — the time to make all the certificates of the demo's published campaign.

A fresh demo (its published 2019 campaign has 130 awards); the organiser asks
for the certificates at /admin/results ROUNDS times, one batch after the other;
each batch writes a PDF of each certificate into a ZIP and a PDF of all 130 on
the worker pool.  Measured per batch: the batch's own seconds (as the
organiser's page reports them), the wall time from the POST until the page says
done, and the server's CPU seconds meanwhile (which a loaded machine does not
inflate).  The reference, in the same run: poppler's pdftotext reading the
PDF of all 130 pages the batch made.  Reports medians and the ratio; the last
line is `RESULT key=value ...`.  Nothing is cached between batches: each
typesets every page again (the codes are made once, the first time).

Usage: python3 bench/certs.py [--laurel build/laurel] [--rounds 3]
Needs poppler-utils and python3-requests.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from laurel_bench import Workspace, add_laurel_option, cpu_s, csrf_of, log, run_main  # noqa: E402

JSON = {"Accept": "application/json"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_laurel_option(ap)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    o = ap.parse_args()
    with Workspace("certs", o.laurel) as w:
        w.demo(4000)
        server = w.serve(o.threads)
        s = requests.Session()
        token = csrf_of(s.get(server.url + "/login", timeout=30).text)
        r = s.post(server.url + "/login", data={"csrf": token, "email": "organiser@demo.laurel",
                                                "password": "laurel-demo-2019"},
                   allow_redirects=False, timeout=30)
        assert r.status_code == 303, r.text[:300]
        batch, wall, cpu, ref = [], [], [], []
        for rnd in range(o.rounds):
            token = csrf_of(s.get(server.url + "/admin/results", timeout=30).text)
            t0, c0 = time.monotonic(), cpu_s(server.proc.pid)
            r = s.post(server.url + "/admin/results/certificates", data={"csrf": token},
                       allow_redirects=False, timeout=60)
            assert r.status_code == 303, r.text[:300]
            deadline = time.monotonic() + 600
            while True:
                m = s.get(server.url + "/admin/results", headers=JSON, timeout=30).json()["certs"]
                if m["state"] != "running":
                    break
                if time.monotonic() > deadline:
                    raise SystemExit("certs: the batch did not finish in 600 s")
                time.sleep(0.05)
            wall.append(time.monotonic() - t0)
            cpu.append(cpu_s(server.proc.pid) - c0)
            if m["state"] != "done" or m["total"] != 131:
                raise SystemExit("certs: the batch ended %r" % m)
            batch.append(m["seconds"])
            pdf = os.path.join(w.work, "all.pdf")
            with open(pdf, "wb") as f:
                f.write(s.get(server.url + "/admin/results/files/certificates.pdf",
                              timeout=60).content)
            t = time.monotonic()
            text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True,
                                  check=True, timeout=300).stdout
            ref.append(time.monotonic() - t)
            if len(re.findall("荣誉证书", text)) != 130:
                raise SystemExit("certs: expected 130 certificates in the PDF")
            log("round %d: batch %.2f s (wall %.2f s, server CPU %.2f s); pdftotext %.2f s"
                % (rnd + 1, batch[-1], wall[-1], cpu[-1], ref[-1]))
        sizes = {ext: os.path.getsize(os.path.join(
            w.data, "certificates", "certificates-2019.%s" % ext)) for ext in ("pdf", "zip")}
    b, wl, c, rf = (statistics.median(x) for x in (batch, wall, cpu, ref))
    print("all 130 certificates (a ZIP of single PDFs and one PDF of all), medians of %d batches"
          % o.rounds)
    print("  batch %.2f s, wall %.2f s, server CPU %.2f s; pdftotext over the 130 pages %.2f s "
          "(ratio %.1fx)" % (b, wl, c, rf, b / rf))
    print("  files: PDF of all %.1f MB, ZIP of single PDFs %.1f MB" % (
        sizes["pdf"] / 1e6, sizes["zip"] / 1e6))
    print("RESULT batch_s=%.2f wall_s=%.2f cpu_s=%.2f pdftotext_s=%.2f ratio=%.2f pdf_mb=%.1f "
          "zip_mb=%.1f" % (b, wl, c, rf, b / rf, sizes["pdf"] / 1e6, sizes["zip"] / 1e6))


if __name__ == "__main__":
    run_main(main)
