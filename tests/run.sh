#!/usr/bin/env bash
# run.sh — every test that `make test` runs, in order, stopping at the first failure:
#   0. the release build as `make run` makes it, seeing only the build packages;
#   1. the release build and its unit tests (cmocka);
#   2. the AddressSanitizer + UndefinedBehaviorSanitizer build: unit tests again;
#   3. the end-to-end suite (pytest) against the real binary, release and sanitized, and the
#      release binary's again on PostgreSQL (LAUREL_E2E_DB=postgresql: a throwaway cluster),
#      that pass beside the other two;
#   4. each fuzz target (libFuzzer, clang) for FUZZ_SECONDS on its corpus, two at a time
#      (each is one thread);
#   5. the browser test (playwright-core driving Debian's chromium).
# Build folders: build/, build-asan/, build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
PY=/usr/bin/python3

step() { printf '\n== %s (at %d s)\n' "$*" "$SECONDS"; }

step "release build with only the build packages (as make run)"
scripts/check-build-deps.sh

step "release build"
# `make run` may have configured build/ without the tests: turn them on.
if [ -f build/build.ninja ]; then
    meson configure build -Dtests=true
else
    meson setup build --buildtype=release -Db_ndebug=true -Dtests=true
fi
ninja -C build

step "unit tests (release)"
meson test -C build --suite unit --print-errorlogs

step "sanitized build (ASan + UBSan)"
[ -f build-asan/build.ninja ] ||
    meson setup build-asan --buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
        -Dtests=true
ninja -C build-asan

step "unit tests (sanitized)"
meson test -C build-asan --suite unit --print-errorlogs

# The PostgreSQL pass takes about as long as the other two together, so it runs beside
# them; its output is kept and shown when it ends.
step "end-to-end tests on PostgreSQL (release), beside the next two passes"
pg_log=$(mktemp)
LAUREL_E2E_DB=postgresql LAUREL_BIN=$PWD/build/laurel setsid $PY -m pytest -q -p no:cacheprovider \
    tests/e2e >"$pg_log" 2>&1 &
pg_pid=$!
trap 'kill -- -"$pg_pid" 2>/dev/null; rm -f "$pg_log"' EXIT

step "end-to-end tests (release)"
LAUREL_BIN=$PWD/build/laurel $PY -m pytest -q -p no:cacheprovider tests/e2e

step "end-to-end tests (sanitized)"
LAUREL_BIN=$PWD/build-asan/laurel $PY -m pytest -q -p no:cacheprovider tests/e2e

step "end-to-end tests on PostgreSQL (release): its output"
pg_status=0
wait "$pg_pid" || pg_status=$?
trap - EXIT
cat "$pg_log"
rm -f "$pg_log"
[ "$pg_status" -eq 0 ] || { echo "end-to-end tests on PostgreSQL failed (exit $pg_status)"; exit 1; }

step "fuzz targets, ${FUZZ_SECONDS}s each"
[ -f build-fuzz/build.ninja ] ||
    CC=clang meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true \
        -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-fuzz
# One target on a copy of its corpus: its line of figures, or its failure.
fuzz_one() {
    local target=$1 name work
    name=$(basename "$target")
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/${name#fuzz_}"/. "$work"/
    printf '%s: ' "$name"
    local rc=0
    "$target" -max_total_time="$FUZZ_SECONDS" -artifact_prefix="$work/" -print_final_stats=1 \
        "$work" 2>&1 | awk '/number_of_executed_units/ { printf "%s runs, ", $2 }
                            /peak_rss_mb/ { print $2 " MB peak" }
                            /ERROR|SUMMARY/ { print }' || rc=$?
    rm -rf "$work"
    return "$rc"
}
fuzz_out=$(mktemp -d)
fuzz_pids=()
for target in build-fuzz/tests/fuzz/fuzz_*; do
    [ -f "$target" ] && [ -x "$target" ] || continue
    while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done # statuses: below
    fuzz_one "$target" >"$fuzz_out/$(basename "$target")" 2>&1 &
    fuzz_pids+=("$!")
done
fuzz_status=0
for pid in "${fuzz_pids[@]}"; do wait "$pid" || fuzz_status=1; done
cat "$fuzz_out"/*
rm -rf "$fuzz_out"
[ "$fuzz_status" -eq 0 ] || { echo "a fuzz target failed"; exit 1; }

step "browser test (chromium)"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
LAUREL_BIN=$PWD/build/laurel node --test tests/browser/
