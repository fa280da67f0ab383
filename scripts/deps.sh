#!/usr/bin/env bash
# deps.sh — install what Laurel needs from Debian's packages, if it is missing.
#
# Usage: scripts/deps.sh [--list] build|test|bench
# --list prints the set's packages, one a line, and installs nothing.
# Idempotent: packages already installed are left alone, and apt-get runs
# only when something is missing.  Needs root (or sudo) for apt-get.
set -euo pipefail

build_pkgs=(gcc pkg-config meson ninja-build python3
    libmicrohttpd-dev libsqlite3-dev libjansson-dev libcmark-dev libsodium-dev
    libcurl4-openssl-dev libxlsxwriter-dev zlib1g-dev
    libpango1.0-dev libcairo2-dev libqrencode-dev fonts-noto-cjk
    libjpeg62-turbo-dev
    libpq-dev)
# zlib1g-dev: libxlsxwriter links -lz, and its -dev package does not depend on it.
# libpq-dev: the store's PostgreSQL driver; postgresql (tests): the server its tests start;
# nginx-light (tests): in front of two nodes on one PostgreSQL (test_pg_nodes.py);
# python3-psycopg2 (tests): the end-to-end suite's own reads and writes on PostgreSQL.
test_pkgs=(clang libclang-rt-14-dev libcmocka-dev python3-pytest python3-requests
    chromium fonts-noto-cjk nodejs npm python3-aiosmtpd poppler-utils
    postgresql nginx-light python3-psycopg2)
bench_pkgs=(wrk nginx-light python3-requests curl sqlite3
    valgrind)

list=false
if [ "${1:-}" = --list ]; then
    list=true
    shift
fi

case "${1:-build}" in
build) want=("${build_pkgs[@]}") ;;
test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
bench) want=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
*) echo "usage: $0 [--list] build|test|bench" >&2; exit 2 ;;
esac
if $list; then
    printf '%s\n' "${want[@]}"
    exit 0
fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js may come from outside Debian's packages; any node and npm on PATH will do.
if command -v node >/dev/null && command -v npm >/dev/null; then
    kept=()
    for p in "${missing[@]}"; do
        [[ $p == nodejs || $p == npm ]] || kept+=("$p")
    done
    missing=("${kept[@]+"${kept[@]}"}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
        sudo=sudo
    else
        echo "deps: these Debian packages are missing and I am not root: ${missing[*]}" >&2
        echo "deps: install them with apt-get as root, then run make again." >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
