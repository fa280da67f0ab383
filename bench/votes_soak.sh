#!/usr/bin/env bash
# votes_soak.sh — the votes crash test of tests/e2e/test_votes_crash.py for
# many cycles: SIGKILL at random moments while four voters vote, and after
# each kill integrity_check ok, every acknowledged vote present exactly once
# and the counters equal to the rows.
#   bench/votes_soak.sh [CYCLES] [SEED]     (default 500 cycles, seed from the clock)
# Uses build/laurel (or $LAUREL_BIN); prints the cycles and the time taken.
set -euo pipefail
cd "$(dirname "$0")/.."
export LAUREL_CRASH_CYCLES=${1:-500}
export LAUREL_CRASH_SEED=${2:-$(date +%s)}
export LAUREL_CRASH_VERBOSE=1
export LAUREL_BIN=${LAUREL_BIN:-$PWD/build/laurel}
start=$(date +%s)
/usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/e2e/test_votes_crash.py | tail -3
echo "votes soak: $LAUREL_CRASH_CYCLES cycles, seed $LAUREL_CRASH_SEED, $(( $(date +%s) - start )) s"
