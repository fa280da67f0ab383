#!/usr/bin/env bash
# healthz.sh — /healthz is O(1): its throughput beside the home page's; and
# the latency of a /healthz probe every 50 ms (a new connection each, as a
# load balancer's health check; raw socket, timed from connect to the whole
# answer) and of a write every 100 ms (the demo submitter saving a draft;
# each acknowledged after its commit; a process of its own, so that the
# probe never waits for it), for SECONDS (default 15: 300 probes), first
# on a quiet server (the reference), then while wrk storms case pages
# spread over all ids at saturation (200 connections), with the ratio of
# the p99s.  Makes a demo of CASES cases (default 4000) in a temporary
# folder and serves a fresh copy of it on a free loopback port for each run.
#   bench/healthz.sh [CASES] [SECONDS]
#   LAUREL_BIN    the binary (default build/laurel)
#   LAUREL_BIN_B  a second binary: A/B runs alternate, A first, on the same demo
#   ROUNDS        runs per binary (default 1); medians printed at the end
#   SERVE_ARGS    more options of `laurel serve`, e.g. --no-page-cache (every case
#                 page rendered: a storm of expensive reads, through the read lane)
#   PROBE_PRIORITY  realtime (default): the probe stands for a load balancer on a
#                 machine of its own, so it runs at real-time priority where the
#                 system allows (SCHED_FIFO), and its own wait for one of the two
#                 cores wrk and the server share is not counted as the server's;
#                 ordinary: the probe takes its turn like any other process
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-4000}
SECS=${2:-15}
BIN=${LAUREL_BIN:-$PWD/build/laurel}
BIN_B=${LAUREL_BIN_B:-}
ROUNDS=${ROUNDS:-1}
SERVE_ARGS=${SERVE_ARGS:-}
export PROBE_PRIORITY=${PROBE_PRIORITY:-realtime}
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
"$BIN" demo --data "$work/demo" --cases "$CASES" >/dev/null
cat > "$work/spread.lua" <<LUA
math.randomseed(7)
request = function() return wrk.format("GET", "/cases/" .. math.random(1, $CASES)) end
LUA
cat > "$work/probe.py" <<'PY'
# probe.py URL SECONDS LABEL OUT: a /healthz probe every 50 ms and a write every 100 ms.
import json, multiprocessing, os, re, socket, sys, time
import requests
url, secs, label, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
if os.environ["PROBE_PRIORITY"] == "realtime":
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
        label += " [probe real-time]"
    except PermissionError:
        label += " [probe ordinary: no real-time allowed]"
host, port = url.split("//")[1].split(":")
s = requests.Session()
tok = re.search(r'name="csrf" value="([^"]+)"', s.get(url + "/login").text).group(1)
s.post(url + "/login", data={"csrf": tok, "email": "zhoujiadu@demo.laurel",
                             "password": "laurel-demo-2019"}, allow_redirects=False)
tok = re.search(r'name="csrf" value="([^"]+)"', s.get(url + "/submit").text).group(1)
cid = s.post(url + "/submit/new", data={"csrf": tok},
             allow_redirects=False).headers["Location"].rsplit("/", 1)[1]
end = time.monotonic() + secs
REQ = b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n"
def healthz():
    """One probe on a new connection; the status and the whole answer's time in ms."""
    t = time.perf_counter()
    c = socket.create_connection((host, int(port)), timeout=30)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall(REQ)
    data = b""
    while True:
        b = c.recv(4096)
        if not b:
            break
        data += b
    c.close()
    return int(data[9:12]), (time.perf_counter() - t) * 1000
def probe(lat, bad):
    while time.monotonic() < end:
        code, ms = healthz()
        lat.append(ms)
        bad[0] += code != 200
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
# The writer in a process of its own: in one process the probe would wait for the
# writer's hold on the interpreter (up to 5 ms), and time the harness, not the server.
def write_child(conn):
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))  # the writer takes its turn
    w = []
    write(w)
    conn.send(w)
h, bad = [], [0]
parent, child = multiprocessing.Pipe()
writer = multiprocessing.Process(target=write_child, args=(child,))
writer.start()
probe(h, bad)
w = parent.recv()
writer.join()
def pct(a, p):
    a = sorted(a)
    return a[min(len(a) - 1, int(len(a) * p / 100))]
r = {"healthz": [len(h), pct(h, 50), pct(h, 99)], "writes": [len(w), pct(w, 50), pct(w, 99),
     max(w)], "not_200": bad[0]}
json.dump(r, open(out, "w"))
print("  %-36s healthz %d probes p50 %.2f ms p99 %.2f ms (%d not 200); writes %d p50 %.2f ms "
      "p99 %.2f ms max %.2f ms" % (label, len(h), pct(h, 50), pct(h, 99), bad[0], len(w),
                                   pct(w, 50), pct(w, 99), max(w)))
PY
# run NAME BINARY K: one quiet and one storm measurement on a fresh copy of the demo.
run() {
    local name=$1 bin=$2 k=$3
    rm -rf "$work/data"
    cp -a "$work/demo" "$work/data"
    local port
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # shellcheck disable=SC2086 # SERVE_ARGS: options split on spaces
    "$bin" serve --data "$work/data" --listen 127.0.0.1:$port --access-log /dev/null \
        $SERVE_ARGS 2>"$work/err" &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    local url=http://127.0.0.1:$port
    echo "$name run $k ($bin $SERVE_ARGS), load average $(load):"
    if [ "$k" = 1 ]; then
        for path in /healthz /; do
            printf '  %-10s ' "$path"
            wrk -t1 -c64 -d"${SECS}s" "$url$path" | awk '/Requests\/sec/ { print $2 " req/s" }'
        done
    fi
    /usr/bin/python3 "$work/probe.py" "$url" "$SECS" "quiet server (reference):" \
        "$work/$name.$k.quiet.json"
    wrk -t2 -c200 -d"$((SECS + 3))s" -s "$work/spread.lua" "$url" > "$work/wrk.txt" &
    local wpid=$!
    sleep 1
    /usr/bin/python3 "$work/probe.py" "$url" "$SECS" "under a case-page storm (200 conns):" \
        "$work/$name.$k.storm.json"
    wait $wpid
    awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt" > "$work/$name.$k.rps"
    echo "  case pages meanwhile: $(cat "$work/$name.$k.rps") req/s; load average $(load)"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
}
for k in $(seq "$ROUNDS"); do
    run A "$BIN" "$k"
    [ -n "$BIN_B" ] && run B "$BIN_B" "$k"
done
/usr/bin/python3 - "$work" "$ROUNDS" ${BIN_B:+B} <<'PY'
import json, statistics, sys
work, rounds, names = sys.argv[1], int(sys.argv[2]), ["A"] + sys.argv[3:]
med = statistics.median
print("medians of %d run(s) each (ms):" % rounds)
print("  %-3s %-27s %-27s %-27s %s" % ("", "quiet healthz p50 / p99", "storm healthz p50 / p99",
                                       "storm writes p50 / p99", "case pages req/s"))
for n in names:
    q = [json.load(open("%s/%s.%d.quiet.json" % (work, n, k))) for k in range(1, rounds + 1)]
    s = [json.load(open("%s/%s.%d.storm.json" % (work, n, k))) for k in range(1, rounds + 1)]
    rps = [float(open("%s/%s.%d.rps" % (work, n, k)).read()) for k in range(1, rounds + 1)]
    print("  %-3s %-27s %-27s %-27s %.0f" % (
        n, "%.2f / %.2f" % (med(x["healthz"][1] for x in q), med(x["healthz"][2] for x in q)),
        "%.2f / %.2f" % (med(x["healthz"][1] for x in s), med(x["healthz"][2] for x in s)),
        "%.2f / %.2f" % (med(x["writes"][1] for x in s), med(x["writes"][2] for x in s)),
        med(rps)))
PY
