#!/usr/bin/env bash
# pg_migrate.sh — how long PostgreSQL's migration 023 (every text column
# COLLATE "C", vote.at_s stored anew) holds the write lock on a database
# made at version 22 with VOTES votes (default 1,000,000).
#
# Usage: bench/pg_migrate.sh [VOTES]   (from the project's root)
#
# Runs itself beside a throwaway server (tests/unit/with_pg.sh): a database
# with ICU's zh-CN order made from tests/unit/pg_schema_022.sql, the votes
# inserted with the foreign keys' triggers off (session_replication_role),
# analysed, then 023 and the version's update in one transaction through
# psql, timed from the client, as a starting node's migrate_pg.c runs it.
set -euo pipefail
votes=${1:-1000000}
if [ -z "${LAUREL_TEST_PG_HOST:-}" ]; then
    exec "$(dirname "$0")/../tests/unit/with_pg.sh" "$0" "$votes"
fi
P=(psql -h "$LAUREL_TEST_PG_HOST" -p "$LAUREL_TEST_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
"${P[@]}" -d postgres -c "CREATE DATABASE bench_mig TEMPLATE template0 ENCODING 'UTF8' \
    LOCALE_PROVIDER icu ICU_LOCALE 'zh-CN' LOCALE 'C.UTF-8'"
"${P[@]}" -d bench_mig -f tests/unit/pg_schema_022.sql >/dev/null
"${P[@]}" -d bench_mig -c "SET session_replication_role = replica;
    INSERT INTO vote (stage_id, case_id, voter_id, ord, day, at, net, ua_hash)
    SELECT 1, i % 4000, i, 1, '2020-02-04',
           to_char(timestamp '2020-02-04' + i * interval '1 second',
                   'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '10.0.' || (i % 250), md5(i::text)
    FROM generate_series(1, $votes) i"
"${P[@]}" -d bench_mig -c "VACUUM ANALYZE"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
{ cat src/store/pg/migrations/023_collate_c.sql; echo "UPDATE schema_version SET version = 23;"; } |
    "${P[@]}" -d bench_mig -1 -f -
end=$(date +%s.%N)
echo "023 on $votes votes: $(echo "$end - $start" | bc) s"
"${P[@]}" -d bench_mig -c "SELECT 'votes kept: ' || count(*) || ', at_s stored: ' || count(at_s) FROM vote"
