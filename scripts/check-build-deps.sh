#!/usr/bin/env bash
# check-build-deps.sh — build the release binary the way `make run` does, seeing only
# the packages that `scripts/deps.sh build` installs (and what they pull in).
#
# A developer's machine, and CI's, have the test packages installed too, so a build
# that quietly needs one of them (cmocka, clang, …) passes there and fails on a fresh
# machine.  This check hides everything else from the build: pkg-config sees only the
# .pc files of the build packages and their installed dependencies
# (PKG_CONFIG_LIBDIR), and meson's cmake fallback is switched off by a `cmake` that
# fails.  `tests/run.sh` runs it first; it exits non-zero when the build needs more.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/laurel-depcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The build packages, read from deps.sh itself so that the two cannot drift apart.
mapfile -t pkgs < <(scripts/deps.sh --list build)
mkdir -p "$work/pkgconfig" "$work/bin"
apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${pkgs[@]}" 2>/dev/null |
    grep -E '^[a-z0-9]' | sort -u |
    while read -r p; do dpkg-query -L "$p" 2>/dev/null | grep -E '/pkgconfig/[^/]+\.pc$' || true; done |
    while read -r pc; do ln -sf "$pc" "$work/pkgconfig/"; done
printf '#!/bin/sh\nexit 1\n' >"$work/bin/cmake"
chmod +x "$work/bin/cmake"

echo "depcheck: $(ls "$work/pkgconfig" | wc -l) .pc files from ${#pkgs[@]} build packages"
PATH="$work/bin:$PATH" PKG_CONFIG_LIBDIR="$work/pkgconfig" PKG_CONFIG_PATH="" \
    make --no-print-directory BUILD="$work/build" "$work/build/laurel" >"$work/log" 2>&1 || {
    cat "$work/log" >&2
    echo "depcheck: the release build needs more than 'scripts/deps.sh build' installs" >&2
    exit 1
}
echo "depcheck: the release build needs only the build packages"
