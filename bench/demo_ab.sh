#!/usr/bin/env bash
# demo_ab.sh — `laurel demo --cases N` timed, two binaries alternating (A
# first in each pair) in one invocation: wall, user and system CPU, peak
# memory, the size of the data folder, the load average before and after
# each run, and the demo's own line (its steps' wall/CPU seconds, where the
# binary prints them); then each binary's medians (wall, CPU, cases a
# second by the wall) and B's over A's.  Each run makes its demo in a new
# temporary folder, removed after.
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
runs=$work/runs # one line a run: binary, wall s, CPU s (user + sys)
for p in $(seq 1 "$PAIRS"); do
    for bin in "$A" $B; do
        rm -rf "$work/data"
        l0=$(cut -d' ' -f1-3 /proc/loadavg)
        /usr/bin/time -o "$work/time" -f "%e %U %S %M" \
            "$bin" demo --data "$work/data" --cases "$CASES" > "$work/out" 2>&1
        l1=$(cut -d' ' -f1-3 /proc/loadavg)
        read -r wall user sys kb < "$work/time"
        size=$(du -sm "$work/data" | cut -f1)
        echo "pair $p $bin: $wall s wall, $user s user, $sys s sys, $((kb / 1024)) MB peak," \
            "$size MB on disk; load $l0 -> $l1"
        grep 'demo campaign with' "$work/out" | sed 's/^laurel: /  /'
        echo "$bin $wall $(echo "$user + $sys" | bc)" >> "$runs"
    done
done
rm -rf "$work/data"
awk -v a="$A" -v b="$B" -v n="$CASES" '
    { w[$1] = w[$1] " " $2; c[$1] = c[$1] " " $3 }
    function med(s,  k, v, i, j, t) {
        k = split(s, v, " ")
        for (i = 1; i <= k; i++)
            for (j = i + 1; j <= k; j++)
                if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
        return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
    }
    END {
        printf "median %s: %.2f s wall, %.2f s CPU, %d cases/s\n", a, med(w[a]), med(c[a]), n / med(w[a])
        if (b == "") exit
        printf "median %s: %.2f s wall, %.2f s CPU, %d cases/s\n", b, med(w[b]), med(c[b]), n / med(w[b])
        printf "B / A (medians): wall %.2f, CPU %.2f\n", med(w[b]) / med(w[a]), med(c[b]) / med(c[a])
    }' "$runs"
