#!/usr/bin/env bash
# crash_soak.sh — the crash test of tests/e2e/test_crash.py for many cycles:
# SIGKILL at random moments under a writer client, and after each kill
# integrity_check ok and every acknowledged write present.
#   bench/crash_soak.sh [CYCLES] [SEED]     (default 1000 cycles, seed from the clock)
# Uses build/laurel (or $LAUREL_BIN); prints the cycles, the writes
# acknowledged and the time taken, and keeps each cycle's line in $SOAK_LOG
# (default: a new temporary file, named at the start).
set -euo pipefail
cd "$(dirname "$0")/.."
export LAUREL_CRASH_CYCLES=${1:-1000}
export LAUREL_CRASH_SEED=${2:-$(date +%s)}
export LAUREL_CRASH_VERBOSE=1
export LAUREL_BIN=${LAUREL_BIN:-$PWD/build/laurel}
start=$(date +%s)
# Every cycle's line goes to the log as it ends, so a run cut short still says how far it got.
log=${SOAK_LOG:-$(mktemp --suffix=.crash_soak.log)}
echo "crash soak: cycles logged to $log"
/usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/e2e/test_crash.py | tee "$log" | tail -3
echo "crash soak: $LAUREL_CRASH_CYCLES cycles, seed $LAUREL_CRASH_SEED, $(( $(date +%s) - start )) s"
