#!/usr/bin/env bash
# crash_soak.sh — the crash test of tests/e2e/test_crash.py for many cycles:
# SIGKILL at random moments under a writer client, and after each kill
# integrity_check ok and every acknowledged write present.
#   bench/crash_soak.sh [CYCLES] [SEED]     (default 1000 cycles, seed from the clock)
# Uses build/laurel (or $LAUREL_BIN); prints the cycles, the writes
# acknowledged and the time taken.
set -euo pipefail
cd "$(dirname "$0")/.."
export LAUREL_CRASH_CYCLES=${1:-1000}
export LAUREL_CRASH_SEED=${2:-$(date +%s)}
export LAUREL_CRASH_VERBOSE=1
export LAUREL_BIN=${LAUREL_BIN:-$PWD/build/laurel}
start=$(date +%s)
/usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/e2e/test_crash.py | tail -3
echo "crash soak: $LAUREL_CRASH_CYCLES cycles, seed $LAUREL_CRASH_SEED, $(( $(date +%s) - start )) s"
