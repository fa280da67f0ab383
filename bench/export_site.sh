#!/usr/bin/env bash
# export_site.sh — `laurel export-site` of the demo's published campaign (4,000 cases by
# default), ROUNDS times into fresh folders: wall and CPU time (user+sys) of each run and
# their medians, beside a reference in the same invocation: `cp -r` of the export it made
# (writing the same 5,000 files and ~100 MB without rendering anything).  Makes a demo of
# CASES cases in a temporary folder unless DATA names one (export-site only reads it).
#   bench/export_site.sh [CASES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-4000}
ROUNDS=${2:-3}
BIN=${LAUREL_BIN:-$PWD/build/laurel}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=${DATA:-$work/data}
[ -n "${DATA:-}" ] || "$BIN" demo --data "$data" --cases "$CASES" >/dev/null
# "wall cpu" of a command, in seconds.
timed() {
    /usr/bin/time -f '%e %U %S' -o "$work/t" "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
    awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$work/t"
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/export" ; : >"$work/copy"
for i in $(seq "$ROUNDS"); do
    read -r wall cpu < <(timed "$BIN" export-site "$work/site$i" --data "$data")
    echo "$wall $cpu" >>"$work/export"
    echo "round $i: export-site $wall s wall, $cpu s CPU ($(head -1 "$work/out"))"
    read -r cwall ccpu < <(timed cp -r "$work/site$i" "$work/copy$i")
    echo "$cwall $ccpu" >>"$work/copy"
    echo "round $i: reference cp -r $cwall s wall, $ccpu s CPU"
    rm -rf "$work/site$i" "$work/copy$i"
done
ew=$(cut -d' ' -f1 "$work/export" | median); ec=$(cut -d' ' -f2 "$work/export" | median)
cw=$(cut -d' ' -f1 "$work/copy" | median)
echo "median export-site: $ew s wall, $ec s CPU; reference cp -r: $cw s wall;" \
     "ratio $(awk -v a="$ew" -v b="$cw" 'BEGIN {printf "%.1f", a / b}')x"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
