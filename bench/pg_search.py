#!/usr/bin/env python3
"""
pg_search.py — the public search on SQLite and on PostgreSQL over the same cases.

Makes the demo (`laurel demo`, about 4,000 cases) in a temporary data folder, starts a
throwaway PostgreSQL server (tests/e2e/pgcluster.py: a Unix socket in its own folder),
copies the demo into it with `laurel migrate-db` (which builds the search's gram index,
store/search_pg.c; its time is printed), then runs build/bench_pg_search: random queries
of one to four characters cut from the cases' own text, each on both stores, median and
p95 per length and PostgreSQL's over SQLite's.  Prints the load average before and after.

  ninja -C build laurel bench_pg_search
  /usr/bin/python3 bench/pg_search.py [queries per length, default 200]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from pgcluster import pg_cluster  # noqa: E402


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "200"
    laurel = os.path.join(ROOT, "build", "laurel")
    bench = os.path.join(ROOT, "build", "bench_pg_search")
    data = tempfile.mkdtemp(prefix="laurel-pgsearch-")
    try:
        print("load average before: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
        t = time.time()
        subprocess.run([laurel, "demo", "--data", data], check=True, capture_output=True)
        print("demo made in %.1f s" % (time.time() - t), flush=True)
        with pg_cluster() as pg:
            uri = pg.create("laurel_bench")
            t = time.time()
            subprocess.run([laurel, "migrate-db", "--from", data, "--to", uri], check=True,
                           capture_output=True)
            print("migrate-db (with the search index) in %.1f s" % (time.time() - t))
            rows = pg.psql("SELECT (SELECT count(*) FROM case_text), (SELECT count(*) FROM "
                           "case_gram), pg_size_pretty(pg_total_relation_size('case_gram')), "
                           "pg_size_pretty(pg_total_relation_size('case_text'))", "laurel_bench")
            print("index: %s cases, %s grams, case_gram %s, case_text %s" % tuple(rows[0]),
                  flush=True)
            r = subprocess.run([bench, data, uri, n])
            print("load average after: %.2f %.2f %.2f" % os.getloadavg())
            return r.returncode
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
