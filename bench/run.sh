#!/usr/bin/env bash
# run.sh — Laurel's benchmarks (`make bench`).  See docs/BENCHMARKS.md.
#
#   1. demo creation: `laurel demo` for 4,000 cases, ROUNDS runs, median seconds;
#   2. case page /cases/1: laurel against nginx serving the same bytes as a
#      static file, wrk with the same settings, alternating, median req/s;
#   3. laurel's memory: VmRSS / VmHWM from /proc/PID/status, sampled all along;
#   4. public reads (bench/reads.py): a random spread over every case id, list
#      filters and deep pages, and distinct 1-4 character searches, against laurel
#      with and without its page cache and nginx serving the same pages; then the
#      same reads while units save 50 drafts a second (run after 7, on the demo of 1);
#   5. deadline rush (bench/rush.py): 500 submissions with a 1 MiB PDF each,
#      fresh demo and server per round; errors, time, latency, peak RSS;
#   6. login storm (bench/storm.py): 200 correct sign-ins at once; latency and
#      peak RSS beside the argon2 bound (baseline + 2 x 64 MiB);
#   7. the review algorithms (run after 4, before the first summary):
#      bench/bench_assign.c, bench_rank.c and bench_dedupe.c, built with gcc -O2
#      into the temporary folder and run once each.
#
# Everything runs on loopback, in a temporary folder, and every process this
# script starts is stopped when it exits.  Needs wrk, nginx, python3, curl (and gcc for 7).
#
# Knobs (environment): LAUREL_BIN, BENCH_ROUNDS (3), BENCH_DURATION (10s),
# BENCH_CONNECTIONS (64), BENCH_WRK_THREADS (1), BENCH_CASES (4000),
# BENCH_OUT (bench/out); step 4: BENCH_READ_DURATION (5), BENCH_READ_CONNECTIONS (16),
# BENCH_READ_SAMPLE (600); steps 5-6: BENCH_LOAD_ROUNDS
# (BENCH_ROUNDS), BENCH_RUSH_FLOWS (500), BENCH_RUSH_WORKERS (32), BENCH_STORM_LOGINS (200).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

LAUREL=${LAUREL_BIN:-$root/build/laurel}
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-1}
CASES=${BENCH_CASES:-4000}
OUT=${BENCH_OUT:-$root/bench/out}
NPROC=$(nproc)
PY=${PYTHON:-python3}

for tool in wrk nginx curl "$PY"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/deps.sh bench)" >&2; exit 1; }
done
for ((i = 0; i < 30; i++)); do [ -x "$LAUREL" ] && break; sleep 1; done # a rebuild may be relinking it
[ -x "$LAUREL" ] || { echo "bench: no laurel binary at $LAUREL (ninja -C build)" >&2; exit 1; }
NGINX=$(command -v nginx)

work=$(mktemp -d "${TMPDIR:-/tmp}/laurel-bench.XXXXXX")
mkdir -p "$OUT"
# A private copy, so that a rebuild while this runs cannot change the binary under test.
cp "$LAUREL" "$work/laurel"
LAUREL=$work/laurel
pids=()
sampler_pid=""

stop_pid() { # pid: SIGTERM, up to 10 s, then SIGKILL
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { echo "bench: pid $pid ignored SIGTERM, killing" >&2; kill -KILL "$pid" 2>/dev/null || true; }
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid
    set +e
    [ -n "$sampler_pid" ] && { touch "$work/sampler.stop"; stop_pid "$sampler_pid"; }
    for pid in "${pids[@]+"${pids[@]}"}"; do stop_pid "$pid"; done
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # url pid: until it answers 200, 10 s at most
    local url=$1 pid=$2 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || { echo "bench: server for $url exited early" >&2; return 1; }
        curl -fs -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.1
    done
    echo "bench: $url did not answer within 10 s" >&2
    return 1
}

median() { # numbers on stdin -> median
    sort -g | awk '{a[NR] = $1} END {if (NR == 0) exit 1; if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

now() { date +%s.%N; }

echo "== Laurel benchmarks: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $NPROC cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) memory, $(uname -sr)"
echo "laurel: $("$LAUREL" version 2>&1 | head -n 1); $("$NGINX" -v 2>&1); $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"
echo "wrk: -t$WRK_THREADS -c$CONNS -d$DURATION, $ROUNDS rounds each, alternating"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before (other work on the machine skews every figure)"

# ---------------------------------------------------------------- 1. demo
echo
echo "== 1. demo creation ($CASES cases, $ROUNDS runs)"
: >"$work/demo.txt"
for ((r = 1; r <= ROUNDS; r++)); do
    rm -rf "$work/demo$r"
    t0=$(now)
    "$LAUREL" demo --data "$work/demo$r" --cases "$CASES" >"$work/demo$r.log" 2>&1 ||
        { cat "$work/demo$r.log" >&2; exit 1; }
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}' | tee -a "$work/demo.txt" | sed "s/^/  run $r: /; s/$/ s/"
done
demo_median=$(median <"$work/demo.txt")
data=$work/demo1 # the first one is served below; the rest go
for ((r = 2; r <= ROUNDS; r++)); do rm -rf "$work/demo$r"; done

# ---------------------------------------------------------------- servers
laurel_port=$(free_port)
"$LAUREL" serve --data "$data" --listen "127.0.0.1:$laurel_port" --access-log "$work/access.log" \
    --threads "$NPROC" >"$work/laurel.log" 2>&1 &
laurel_pid=$!
pids+=("$laurel_pid")
laurel_url="http://127.0.0.1:$laurel_port"
wait_http "$laurel_url/healthz" "$laurel_pid" || { cat "$work/laurel.log" >&2; exit 1; }

# Memory sampler: every 0.2 s, bounded (at most 30 min), until told to stop.
(
    for ((i = 0; i < 9000; i++)); do
        [ -e "$work/sampler.stop" ] && break
        [ -r "/proc/$laurel_pid/status" ] || break
        awk -v t="$(now)" '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} END {print t, r, h}' \
            "/proc/$laurel_pid/status" 2>/dev/null || true
        sleep 0.2
    done
) >"$work/rss.txt" &
sampler_pid=$!

rss_now() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$laurel_pid/status"; }
hwm_now() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$laurel_pid/status"; }
rss_idle_start=$(rss_now)

# The page nginx will serve: laurel's own bytes for /cases/1, fetched once.
mkdir -p "$work/www/cases" "$work/nginx"
curl -fsS --max-time 5 -o "$work/www/cases/1" "$laurel_url/cases/1"
page_bytes=$(stat -c %s "$work/www/cases/1")
chmod 755 "$work" "$work/www" "$work/www/cases"
chmod 644 "$work/www/cases/1"

nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<EOF
# Written by bench/run.sh: nginx serving one static copy of laurel's /cases/1.
worker_processes $NPROC;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
user nobody nogroup;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types { }
    default_type text/html;
    charset utf-8;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
        location = /cases/1 { }
        location / { return 404; }
    }
}
EOF
"$NGINX" -p "$work/nginx/" -c "$work/nginx/nginx.conf" >"$work/nginx/stdout.log" 2>&1 &
nginx_pid=$!
pids+=("$nginx_pid")
nginx_url="http://127.0.0.1:$nginx_port"
wait_http "$nginx_url/cases/1" "$nginx_pid" || { cat "$work/nginx/error.log" "$work/nginx/stdout.log" >&2; exit 1; }
curl -fsS --max-time 5 -o "$work/nginx-copy" "$nginx_url/cases/1"
cmp -s "$work/nginx-copy" "$work/www/cases/1" || { echo "bench: nginx does not serve the same bytes" >&2; exit 1; }

# ---------------------------------------------------------------- 2. case page
echo
echo "== 2. case page /cases/1 ($page_bytes bytes): laurel (dynamic, counts each view) vs nginx (static file)"
cpu_ticks() { # pid...: user+system clock ticks of these processes and their children
    local pid kids all=()
    for pid in "$@"; do
        all+=("$pid")
        kids=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null || true)
        for k in $kids; do all+=("$k"); done
    done
    for pid in "${all[@]}"; do cat "/proc/$pid/stat" 2>/dev/null || true; done |
        sed 's/^.*) //' | awk '{t += $12 + $13} END {print t + 0}'
}
CLK_TCK=$(getconf CLK_TCK)
run_wrk() { # name url duration pid -> "req/s requests cpu-us-per-request"; full output in $OUT/wrk-*.txt
    local name=$1 url=$2 dur=$3 pid=$4 f rps reqs bad c0 c1
    f="$work/wrk-$name-$(date +%s%N).txt"
    c0=$(cpu_ticks "$pid")
    timeout 120 wrk -t"$WRK_THREADS" -c"$CONNS" -d"$dur" --latency "$url" >"$f" 2>&1 ||
        { cat "$f" >&2; echo "bench: wrk failed against $name" >&2; return 1; }
    c1=$(cpu_ticks "$pid")
    cp "$f" "$OUT/" 2>/dev/null || true
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
    if [ -n "$bad" ]; then echo "bench: $name answered $bad non-2xx responses" >&2; cat "$f" >&2; return 1; fi
    if grep -q 'Socket errors' "$f"; then echo "bench: $name: $(grep 'Socket errors' "$f")" >&2; fi
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$f")
    reqs=$(awk '/requests in/ {print $1}' "$f")
    if [ -z "$rps" ] || [ -z "$reqs" ]; then cat "$f" >&2; return 1; fi
    awk -v r="$rps" -v n="$reqs" -v c="$((c1 - c0))" -v hz="$CLK_TCK" 'BEGIN {printf "%s %s %.1f\n", r, n, c * 1e6 / hz / n}'
}
views_before=$(curl -fsS --max-time 5 -H 'Accept: application/json' "$laurel_url/cases/1" |
    "$PY" -c 'import json,sys; d=json.load(sys.stdin); c=d.get("case", d); print(c.get("views", c.get("view_count", "?")))' 2>/dev/null || echo "?")
rm -f "$OUT"/wrk-*.txt
# Warm-up, not counted.
run_wrk laurel-warmup "$laurel_url/cases/1" 2s "$laurel_pid" >/dev/null
run_wrk nginx-warmup "$nginx_url/cases/1" 2s "$nginx_pid" >/dev/null
: >"$work/rounds.txt"
t_load0=$(now)
for ((r = 1; r <= ROUNDS; r++)); do
    out=$(run_wrk laurel "$laurel_url/cases/1" "$DURATION" "$laurel_pid")
    read -r l_rps _ l_cpu <<<"$out"
    out=$(run_wrk nginx "$nginx_url/cases/1" "$DURATION" "$nginx_pid")
    read -r n_rps _ n_cpu <<<"$out"
    echo "$l_rps $n_rps $l_cpu $n_cpu" >>"$work/rounds.txt"
    printf '  round %d: laurel %8.0f req/s %6.1f us CPU/req   nginx %8.0f req/s %6.1f us CPU/req   ratio %.2f\n' \
        "$r" "$l_rps" "$l_cpu" "$n_rps" "$n_cpu" "$(awk -v a="$l_rps" -v b="$n_rps" 'BEGIN {print a / b}')"
done
t_load1=$(now)
laurel_rps=$(awk '{print $1}' "$work/rounds.txt" | median)
nginx_rps=$(awk '{print $2}' "$work/rounds.txt" | median)
laurel_cpu=$(awk '{print $3}' "$work/rounds.txt" | median)
nginx_cpu=$(awk '{print $4}' "$work/rounds.txt" | median)
ratio=$(awk -v a="$laurel_rps" -v b="$nginx_rps" 'BEGIN {printf "%.2f", a / b}')
ratio_paired=$(awk '{print $1 / $2}' "$work/rounds.txt" | median | xargs printf '%.2f')
cpu_ratio=$(awk -v a="$laurel_cpu" -v b="$nginx_cpu" 'BEGIN {printf "%.2f", b / a}')
echo "  medians: laurel $laurel_rps req/s, nginx $nginx_rps req/s; ratio of medians $ratio, median of per-round ratios $ratio_paired"
echo "  server CPU per request (median): laurel $laurel_cpu us, nginx $nginx_cpu us; nginx/laurel $cpu_ratio (>1: laurel cheaper)"
laurel_p99=$(grep -h ' 99%' "$OUT"/wrk-laurel-[0-9]*.txt | awk '{print $2}' | tr '\n' ' ')
nginx_p99=$(grep -h ' 99%' "$OUT"/wrk-nginx-[0-9]*.txt | awk '{print $2}' | tr '\n' ' ')
echo "  wrk latency p99, laurel: $laurel_p99"
echo "  wrk latency p99, nginx:  $nginx_p99"
views_after=$(curl -fsS --max-time 5 -H 'Accept: application/json' "$laurel_url/cases/1" |
    "$PY" -c 'import json,sys; d=json.load(sys.stdin); c=d.get("case", d); print(c.get("views", c.get("view_count", "?")))' 2>/dev/null || echo "?")
echo "  views of case 1: $views_before before, $views_after after (laurel counts every view)"

# ---------------------------------------------------------------- 3. memory
sleep 1
rss_after=$(rss_now)
hwm=$(hwm_now)
touch "$work/sampler.stop"
stop_pid "$sampler_pid"
sampler_pid=""
rss_load_max=$(awk -v a="$t_load0" -v b="$t_load1" '$1 >= a && $1 <= b && $2 > m {m = $2} END {printf "%.1f", m / 1024}' "$work/rss.txt")
rss_samples=$(wc -l <"$work/rss.txt")
echo
echo "== 3. laurel memory ($rss_samples samples)"
echo "  VmRSS idle at start: $rss_idle_start MB; max during the case-page load: $rss_load_max MB; after all load: $rss_after MB"
echo "  VmHWM (peak resident): $hwm MB"
access_mb=$(awk -v s="$(stat -c %s "$work/access.log" 2>/dev/null || echo 0)" 'BEGIN {printf "%.0f", s / 1048576}')
echo "  access log written: $access_mb MB"

# ---------------------------------------------------------------- 7. review algorithms
# The pure algorithms of the review rounds, each built as its file's top comment says (gcc -O2,
# not the meson build) into the temporary folder: assignment by min-cost flow against a greedy
# baseline, ranking a stage of 20,000 reviews, the near-duplicate scan of 4,000 cases.
echo
echo "== 7. review algorithms (bench/bench_assign.c, bench_rank.c, bench_dedupe.c; gcc -O2)"
CC=${CC:-gcc}
assign_s="?" assign_viol="?" assign_speed="?" rank_ms="?" boot_ms="?" dedupe_s="?" dedupe_exact_s="?" dedupe_found="?"
if command -v "$CC" >/dev/null; then
    build_bench() { # name sources... -> $work/bench_NAME
        local name=$1
        shift
        "$CC" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Isrc -o "$work/bench_$name" "$@" -lm ||
            { echo "bench: cannot build bench_$name" >&2; return 1; }
    }
    build_bench assign bench/bench_assign.c src/domain/assign.c
    build_bench rank bench/bench_rank.c src/domain/rank.c
    build_bench dedupe bench/bench_dedupe.c src/domain/dedupe.c src/demo/generate.c \
        src/demo/words.c src/core/buf.c src/core/utf8.c
    for b in assign rank dedupe; do
        timeout 600 "$work/bench_$b" >"$work/bench_$b.txt" 2>&1 ||
            { cat "$work/bench_$b.txt" >&2; echo "bench: bench_$b failed" >&2; exit 1; }
        sed 's/^/  /' "$work/bench_$b.txt"
        cp "$work/bench_$b.txt" "$OUT/" 2>/dev/null || true
    done
    assign_s=$(awk '/^  time .* violations/ {print $2; exit}' "$work/bench_assign.txt")
    assign_viol=$(awk -F'violations ' '/^  time .* violations/ {split($2, a, ","); print a[1]; exit}' "$work/bench_assign.txt")
    assign_speed=$(awk '/^speed ratio/ {print $NF; exit}' "$work/bench_assign.txt")
    rank_ms=$(awk '/median of .* runs/ {for (i = 1; i <= NF; i++) if ($i == "runs") {print $(i + 1); exit}}' "$work/bench_rank.txt")
    boot_ms=$(awk '/^rank_bootstrap:/ {for (i = 1; i <= NF; i++) if ($i == "rounds") {print $(i + 1); exit}}' "$work/bench_rank.txt")
    # The first block: near-copies edited in runs (the scan's stated target).
    dedupe_s=$(awk '/default \(5-grams/ {for (i = 1; i <= NF; i++) if ($i == "3:") {sub(/s;?$/, "", $(i + 1)); print $(i + 1); exit}}' "$work/bench_dedupe.txt")
    dedupe_exact_s=$(awk '/default \+ exact Jaccard/ {for (i = 1; i <= NF; i++) if ($i == "3:") {sub(/s;?$/, "", $(i + 1)); print $(i + 1); exit}}' "$work/bench_dedupe.txt")
    dedupe_found=$(awk '/default \(5-grams/ {for (i = 1; i <= NF; i++) if ($i == "found") {sub(/;$/, "", $(i + 1)); print $(i + 1); exit}}' "$work/bench_dedupe.txt")
else
    echo "  skipped: no C compiler ($CC)"
fi
vmaybe() { case $1 in '' | *[!0-9.]*) echo "-" ;; *) verdict "$@" ;; esac; } # "?" when skipped

# ---------------------------------------------------------------- summary
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {ok = (op == ">=") ? (v >= t) : (v < t); print ok ? "ok" : "MISSED"}'; }
{
    echo
    echo "== summary ($NPROC cores; medians of $ROUNDS; wrk -t$WRK_THREADS -c$CONNS -d$DURATION; load average before $load_before)"
    printf '  %-34s %-22s %-12s %s\n' measure result target verdict
    printf '  %-34s %-22s %-12s %s\n' "case page laurel /cases/1" "$(printf '%.0f req/s' "$laurel_rps")" "" ""
    printf '  %-34s %-22s %-12s %s\n' "case page nginx (static copy)" "$(printf '%.0f req/s' "$nginx_rps")" "" ""
    printf '  %-34s %-22s %-12s %s\n' "ratio laurel / nginx (req/s)" "${ratio}x (paired ${ratio_paired}x)" ">= 1.0x" "$(verdict "$ratio" 1.0 '>=')"
    printf '  %-34s %-22s %-12s %s\n' "server CPU per request" "laurel $laurel_cpu / nginx $nginx_cpu us" "" ""
    printf '  %-34s %-22s %-12s %s\n' "laurel peak RSS (VmHWM)" "$hwm MB" "< 64 MB" "$(verdict "$hwm" 64 '<')"
    printf '  %-34s %-22s %-12s %s\n' "demo creation, $CASES cases" "$demo_median s" "< 5 s" "$(verdict "$demo_median" 5 '<')"
    printf '  %-34s %-22s %-12s %s\n' "assignment 4000x5, 200 experts" "$assign_s s, $assign_viol violations" "< 2 s" "$(vmaybe "$assign_s" 2 '<')"
    printf '  %-34s %-22s %-12s %s\n' "  time optimal / greedy" "${assign_speed}" "" ""
    printf '  %-34s %-22s %-12s %s\n' "ranking 20,000 reviews" "$rank_ms ms" "< 50 ms" "$(vmaybe "$rank_ms" 50 '<')"
    printf '  %-34s %-22s %-12s %s\n' "  bootstrap, 200 rounds" "$boot_ms ms" "" ""
    printf '  %-34s %-22s %-12s %s\n' "near-duplicates, 4000 cases" "$dedupe_s s, found $dedupe_found" "< 2 s" "$(vmaybe "$dedupe_s" 2 '<')"
    printf '  %-34s %-22s %-12s %s\n' "  with exact Jaccard" "$dedupe_exact_s s" "< 2 s" "$(vmaybe "$dedupe_exact_s" 2 '<')"
} | tee "$OUT/summary.txt"

# ---------------------------------------------------------------- 4. public reads
# Its own servers on copies of the demo of step 1 (this step's servers stop first).
stop_pid "$nginx_pid"
stop_pid "$laurel_pid"
echo
echo "== 4. public reads: random spread, page cache off and on, nginx; then with draft saves"
if "$PY" -c 'import requests' 2>/dev/null; then
    BENCH_OUT=$OUT timeout 1800 "$PY" bench/reads.py --laurel "$LAUREL" --data "$data" \
        --threads "$NPROC" 2>&1 | tee "$work/reads.txt" | grep -v '^RESULT ' ||
        { echo "bench: bench/reads.py failed" >&2; exit 1; }
else
    echo "  skipped: $PY has no requests module (apt-get install python3-requests)"
fi

# ---------------------------------------------------------------- 5-6. rush and storm
# Each round of bench/rush.py and bench/storm.py makes its own demo, user accounts
# and server in its own temporary folder and removes them; see the scripts' headers.
LOAD_ROUNDS=${BENCH_LOAD_ROUNDS:-$ROUNDS}
RUSH_FLOWS=${BENCH_RUSH_FLOWS:-500}
RUSH_WORKERS=${BENCH_RUSH_WORKERS:-32}
STORM_LOGINS=${BENCH_STORM_LOGINS:-200}
load_failed=0
if ! "$PY" -c 'import requests' 2>/dev/null; then
    echo
    echo "== 5-6. rush and storm skipped: $PY has no requests module (apt-get install python3-requests)"
    exit 0
fi
result_field() { # name < RESULT lines -> one value per line
    sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}
load_round() { # name script args... -> appends its RESULT line to $work/name.results
    local name=$1 r=$2 rc=0
    shift 2
    timeout 900 "$PY" "$@" --laurel "$LAUREL" --threads "$NPROC" --cases "$CASES" \
        >"$work/$name-$r.txt" 2>&1 || rc=$?
    sed 's/^/  /' "$work/$name-$r.txt" | grep -v '^  RESULT ' || true
    cp "$work/$name-$r.txt" "$OUT/$name-$r.txt" 2>/dev/null || true
    grep '^RESULT ' "$work/$name-$r.txt" >>"$work/$name.results" || true
    if [ "$rc" -ne 0 ]; then
        echo "  bench: $name round $r failed (exit $rc)" >&2
        load_failed=1
    fi
}

echo
echo "== 5. deadline rush: $RUSH_FLOWS submissions, 1 MiB PDF each, $RUSH_WORKERS client threads, $LOAD_ROUNDS rounds"
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/rush.results"
for ((r = 1; r <= LOAD_ROUNDS; r++)); do
    echo "  -- round $r"
    load_round rush "$r" bench/rush.py --flows "$RUSH_FLOWS" --workers "$RUSH_WORKERS"
done

echo
echo "== 6. login storm: $STORM_LOGINS correct sign-ins at once, $LOAD_ROUNDS rounds"
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/storm.results"
for ((r = 1; r <= LOAD_ROUNDS; r++)); do
    echo "  -- round $r"
    load_round storm "$r" bench/storm.py --logins "$STORM_LOGINS"
done

rmed() { result_field "$2" <"$work/$1.results" | median 2>/dev/null || echo "?"; }
rsum() { result_field "$2" <"$work/$1.results" | awk '{s += $1} END {print s + 0}'; }
{
    echo
    echo "== summary, steps 5-6 (medians of $LOAD_ROUNDS rounds, fresh demo and server each)"
    printf '  %-34s %-30s %-14s %s\n' measure result target verdict
    rush_errors=$(rsum rush errors)
    rush_checks=$(rsum rush check_failures)
    rush_wall=$(rmed rush wall_s)
    printf '  %-34s %-30s %-14s %s\n' "rush: errors (all rounds)" "$rush_errors (+ $rush_checks failed checks)" "0" \
        "$([ "$rush_errors" = 0 ] && [ "$rush_checks" = 0 ] && echo ok || echo MISSED)"
    printf '  %-34s %-30s %-14s %s\n' "rush: $RUSH_FLOWS submissions take" "$rush_wall s ($(rmed rush per_s)/s)" "<= 10 s" \
        "$(verdict "$rush_wall" 10.0001 '<')"
    printf '  %-34s %-30s %-14s %s\n' "rush: upload p50 / p95 / p99" "$(rmed rush upload_p50) / $(rmed rush upload_p95) / $(rmed rush upload_p99) ms" "" ""
    printf '  %-34s %-30s %-14s %s\n' "rush: whole flow p50 / p95 / p99" "$(rmed rush flow_p50) / $(rmed rush flow_p95) / $(rmed rush flow_p99) ms" "" ""
    printf '  %-34s %-30s %-14s %s\n' "rush: server peak RSS (VmHWM)" "$(rmed rush hwm_rush_mb) MB (from $(rmed rush rss_before_mb))" "< 64 MB" \
        "$(verdict "$(rmed rush hwm_rush_mb)" 64 '<')"
    storm_errors=$(rsum storm errors)
    printf '  %-34s %-30s %-14s %s\n' "storm: errors (all rounds)" "$storm_errors" "0" "$([ "$storm_errors" = 0 ] && echo ok || echo MISSED)"
    printf '  %-34s %-30s %-14s %s\n' "storm: sign-in p50 / p99" "$(rmed storm p50_ms) / $(rmed storm p99_ms) ms" "" ""
    printf '  %-34s %-30s %-14s %s\n' "storm: /healthz p99 meanwhile" "$(rmed storm healthz_p99_ms) ms" "" ""
    storm_hwm=$(rmed storm hwm_mb)
    storm_bound=$(rmed storm bound_mb)
    storm_slack=$(result_field slack_mb <"$work/storm.results" | head -n 1)
    printf '  %-34s %-30s %-14s %s\n' "storm: peak RSS vs argon2 bound" "$storm_hwm MB vs $storm_bound MB" "+ ${storm_slack:-16} MB" \
        "$(verdict "$storm_hwm" "$(awk -v b="$storm_bound" -v s="${storm_slack:-16}" 'BEGIN {print b + s}')" '<')"
} | tee -a "$OUT/summary.txt"
exit "$load_failed"
