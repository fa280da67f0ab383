#!/usr/bin/env bash
# healthz.sh — /healthz is O(1): its throughput beside the home page's; and
# the latency of a /healthz probe every 50 ms and of a write every 100 ms
# (the demo submitter saving a draft; each acknowledged after its commit),
# first on a quiet server (the reference), then while wrk storms case pages
# spread over all ids at saturation (200 connections), with the ratio of
# the p99s.  Makes a demo of CASES cases (default 4000) in a temporary
# folder, serves it on a free loopback port with build/laurel (or $LAUREL_BIN).
#   bench/healthz.sh [CASES] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-4000}
SECS=${2:-5}
BIN=${LAUREL_BIN:-$PWD/build/laurel}
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$BIN" demo --data "$work/data" --cases "$CASES" >/dev/null
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --data "$work/data" --listen 127.0.0.1:$port --access-log /dev/null 2>"$work/err" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url=http://127.0.0.1:$port
for path in /healthz /; do
    printf '%-10s ' "$path"
    wrk -t1 -c64 -d"${SECS}s" "$url$path" | awk '/Requests\/sec/ { print $2 " req/s" }'
done
cat > "$work/spread.lua" <<LUA
math.randomseed(7)
request = function() return wrk.format("GET", "/cases/" .. math.random(1, $CASES)) end
LUA
cat > "$work/probe.py" <<'PY'
# probe.py URL SECONDS LABEL OUT: a /healthz probe every 50 ms and a write every 100 ms.
import json, re, sys, threading, time
import requests
url, secs, label, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
s = requests.Session()
tok = re.search(r'name="csrf" value="([^"]+)"', s.get(url + "/login").text).group(1)
s.post(url + "/login", data={"csrf": tok, "email": "zhoujiadu@demo.laurel",
                             "password": "laurel-demo-2019"}, allow_redirects=False)
tok = re.search(r'name="csrf" value="([^"]+)"', s.get(url + "/submit").text).group(1)
cid = s.post(url + "/submit/new", data={"csrf": tok},
             allow_redirects=False).headers["Location"].rsplit("/", 1)[1]
end = time.monotonic() + secs
busy = [0]
def probe(lat):
    while time.monotonic() < end:
        t = time.monotonic()
        r = requests.get(url + "/healthz", timeout=30)
        lat.append((time.monotonic() - t) * 1000)
        busy[0] += r.status_code == 503
        time.sleep(0.05)
def write(lat):
    n = 0
    while time.monotonic() < end:
        n += 1
        t = time.monotonic()
        r = s.post(url + "/submit/" + cid, data={"csrf": tok, "title": "storm %d" % n,
                   "action": "save"}, allow_redirects=False, timeout=30)
        assert r.status_code == 303, r.status_code
        lat.append((time.monotonic() - t) * 1000)
        time.sleep(0.1)
h, w = [], []
ts = [threading.Thread(target=probe, args=(h,)), threading.Thread(target=write, args=(w,))]
for t in ts: t.start()
for t in ts: t.join()
def pct(a, p):
    a = sorted(a)
    return a[min(len(a) - 1, int(len(a) * p / 100))]
r = {"healthz": [len(h), pct(h, 50), pct(h, 99)], "writes": [len(w), pct(w, 50), pct(w, 99),
     max(w)]}
json.dump(r, open(out, "w"))
print("%-34s healthz %d probes p50 %.2f ms p99 %.2f ms; writes %d p50 %.2f ms p99 %.2f ms "
      "max %.2f ms" % (label, len(h), pct(h, 50), pct(h, 99), len(w), pct(w, 50), pct(w, 99),
                       max(w)))
PY
/usr/bin/python3 "$work/probe.py" "$url" "$SECS" "quiet server (reference):" "$work/quiet.json"
wrk -t2 -c200 -d"$((SECS + 3))s" -s "$work/spread.lua" "$url" > "$work/wrk.txt" &
wpid=$!
sleep 1
/usr/bin/python3 "$work/probe.py" "$url" "$SECS" "under a case-page storm (200 conns):" \
    "$work/storm.json"
wait $wpid
awk '/Requests\/sec/ { print "case pages meanwhile: " $2 " req/s" }' "$work/wrk.txt"
/usr/bin/python3 - "$work/quiet.json" "$work/storm.json" <<'PY'
import json, sys
q, s = (json.load(open(f)) for f in sys.argv[1:3])
print("storm / quiet p99: writes %.1fx, healthz %.1fx" % (s["writes"][2] / q["writes"][2],
                                                          s["healthz"][2] / q["healthz"][2]))
PY
