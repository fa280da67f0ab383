#!/usr/bin/env bash
# ceiling.sh — how much of nginx any page served through laurel can reach on this
# machine: the same bytes served by nginx and by laurel, in the same run, with wrk.
#
#   /healthz          laurel's cheapest answer (3 bytes, no query) against a 3-byte file;
#   /static/style.css a static file from memory in both (8.5 KB);
#   one case page     laurel's page cache serving one page again and again (every hit
#                     counts a view) against nginx serving a copy of the same page.
#
# The first two bound what any page can reach through libmicrohttpd and our request
# path; the third what a page-cache hit reaches.  Makes a demo of CASES cases (default
# 4000) in a temporary folder unless DATA names one (it is copied, as serving writes).
# A third server, libmicrohttpd alone (bench/mhd_floor.c, built here with gcc), serves the
# same files from memory with laurel's settings for the library: what is left between it
# and laurel is laurel's own request path (routing, framing guard, headers, the view count).
#   bench/ceiling.sh [CASES] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-4000}
SECS=${2:-5}
CONNS=${3:-16}
BIN=${LAUREL_BIN:-$PWD/build/laurel}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
THREADS=${THREADS:-$(nproc)}
work=$(mktemp -d)
lpid= npid= fpid=
cleanup() {
    [ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
    [ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
    [ -n "$npid" ] && kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
if [ -n "${DATA:-}" ]; then cp -a "$DATA" "$work/data"; else
    "$BIN" demo --data "$work/data" --cases "$CASES" >/dev/null; fi
freeport() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
lport=$(freeport)
"$BIN" serve --data "$work/data" --listen 127.0.0.1:$lport --threads "$THREADS" \
    --access-log /dev/null 2>"$work/laurel.err" &
lpid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$lport/healthz" >/dev/null && break; sleep 0.1; done
laurel=http://127.0.0.1:$lport
id=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$work/data/laurel.db?mode=ro', uri=True).execute(\"SELECT id FROM \\\"case\\\" WHERE status='published' ORDER BY id LIMIT 1\").fetchone()[0])")
mkdir -p "$work/www/p" "$work/nginx"
curl -sf "$laurel/healthz" >"$work/www/p/healthz"
cp static/style.css "$work/www/p/style.css"
curl -sf "$laurel/cases/$id" >"$work/www/p/case"
nport=$(freeport)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $THREADS;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
user nobody nogroup;
events { worker_connections 4096; }
http {
    access_log off; sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_timeout 65; keepalive_requests 1000000;
    types { } default_type text/html; charset utf-8;
    client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi; uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server { listen 127.0.0.1:$nport; root $work/www; location /p/ { } }
}
CONF
chmod -R a+rX "$work/www"
"$NGINX" -p "$work/nginx/" -c "$work/nginx/nginx.conf" &
npid=$!
nginx=http://127.0.0.1:$nport
for _ in $(seq 100); do curl -sf "$nginx/p/healthz" >/dev/null && break; sleep 0.1; done
"${CC:-gcc}" -O2 -std=c11 -D_POSIX_C_SOURCE=200809L bench/mhd_floor.c -o "$work/mhd_floor" \
    -lmicrohttpd -lpthread
fport=$(freeport)
"$work/mhd_floor" "$fport" "$THREADS" "$work/www/p" &
fpid=$!
floor=http://127.0.0.1:$fport
for _ in $(seq 100); do curl -sf "$floor/p/healthz" >/dev/null && break; sleep 0.1; done
run() { # url -> "req/s p99"
    wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$1" |
        awk '/Requests\/sec/ { r = $2 } /^ +99%/ { p = $2 } END { print r, p }'
}
printf '%-18s %12s %8s %12s %8s %12s %8s %8s %8s\n' page "nginx req/s" p99 \
    "mhd req/s" p99 "laurel req/s" p99 "mhd" "laurel"
for pair in "/healthz:/p/healthz" "/static/style.css:/p/style.css" "/cases/$id:/p/case"; do
    lpath=${pair%%:*} npath=${pair##*:}
    read -r nr np < <(run "$nginx$npath")
    read -r fr fp < <(run "$floor$npath")
    read -r lr lp < <(run "$laurel$lpath")
    printf '%-18s %12s %8s %12s %8s %12s %8s %7.3fx %7.3fx\n' "$lpath" "$nr" "$np" "$fr" "$fp" \
        "$lr" "$lp" "$(echo "$fr / $nr" | bc -l)" "$(echo "$lr / $nr" | bc -l)"
done
echo "mhd: libmicrohttpd alone (bench/mhd_floor.c); the last two columns are req/s over nginx's"
echo "page sizes: healthz $(stat -c %s "$work/www/p/healthz") B, style.css" \
    "$(stat -c %s "$work/www/p/style.css") B, case $(stat -c %s "$work/www/p/case") B"
