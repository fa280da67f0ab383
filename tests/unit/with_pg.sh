#!/usr/bin/env bash
# with_pg.sh — run a test program beside a throwaway PostgreSQL server.
#
# Usage: tests/unit/with_pg.sh PROGRAM [ARGS...]
#
# Makes a cluster in a new temporary folder (initdb from Debian's
# /usr/lib/postgresql/*/bin, the newest), starts it on a Unix socket in that
# folder only (no TCP port, so no clash with anything), waits until it takes
# connections (pg_ctl -w, bounded), runs PROGRAM with LAUREL_TEST_PG_HOST and
# LAUREL_TEST_PG_PORT set, and stops and removes the cluster when PROGRAM
# ends, whatever its end.  PostgreSQL refuses to run as root, so as root the
# server runs as the `postgres` user (runuser).  Without an installed server
# PROGRAM runs alone, and says it skipped its PostgreSQL half.
set -euo pipefail

initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$initdb" ]; then
    echo "with_pg: no PostgreSQL server (/usr/lib/postgresql/*/bin/initdb; Debian's" \
        "postgresql package): running without it" >&2
    exec "$@"
fi
bin=$(dirname "$initdb")
work=$(mktemp -d "${TMPDIR:-/tmp}/laurel-pg.XXXXXX")
as=()
if [ "$(id -u)" -eq 0 ]; then
    as=(runuser -u postgres --)
    chown postgres: "$work"
fi
port=5432 # only names the socket file in $work

stop() {
    if [ -f "$work/data/postmaster.pid" ]; then
        "${as[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            "${as[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap stop EXIT
trap 'exit 143' TERM INT # a timeout's signal: exit, so that the cluster is stopped too

if ! "${as[@]}" "$bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --locale=C \
    --no-sync >"$work/initdb.log" 2>&1; then
    cat "$work/initdb.log" >&2
    echo "with_pg: initdb failed" >&2
    exit 1
fi
if ! "${as[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 120 \
    -o "-h '' -k $work -p $port" start >/dev/null; then
    cat "$work/server.log" >&2
    echo "with_pg: the server did not start within 120 s" >&2
    exit 1
fi

export LAUREL_TEST_PG_HOST=$work LAUREL_TEST_PG_PORT=$port
set +e
"$@"
rc=$?
set -e
[ $rc -eq 0 ] || tail -n 20 "$work/server.log" >&2
exit $rc
