#!/usr/bin/env bash
# demo_ab.sh — `laurel demo --cases N` timed, two binaries alternating (A
# first in each pair) in one invocation: wall, user and system CPU, peak
# memory, the load average before and after each run, and the demo's own
# line (its steps' wall/CPU seconds, where the binary prints them).  Each
# run makes its demo in a new temporary folder, removed after.
#   bench/demo_ab.sh [CASES] [PAIRS]     (default 100000 cases, 2 pairs)
#   LAUREL_BIN    A (default build/laurel)
#   LAUREL_BIN_B  B (default: A only, PAIRS runs)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-100000}
PAIRS=${2:-2}
A=${LAUREL_BIN:-build/laurel}
B=${LAUREL_BIN_B:-}
work=$(mktemp -d /tmp/laurel-demo-ab-XXXXXX)
trap 'rm -rf "$work"' EXIT
for p in $(seq 1 "$PAIRS"); do
    for bin in "$A" $B; do
        rm -rf "$work/data"
        l0=$(cut -d' ' -f1-3 /proc/loadavg)
        /usr/bin/time -o "$work/time" -f "%e s wall, %U s user, %S s sys, %M KB" \
            "$bin" demo --data "$work/data" --cases "$CASES" > "$work/out" 2>&1
        l1=$(cut -d' ' -f1-3 /proc/loadavg)
        echo "pair $p $bin: $(cat "$work/time"); load $l0 -> $l1"
        grep 'demo campaign with' "$work/out" | sed 's/^laurel: /  /'
    done
done
