/*
 * bench_refresh.c — what a publication costs the public read tables: the
 * rebuild of pub_figures, pub_count, pub_rank, pub_pool and pub_award from
 * the published cases of the public campaign (db_public_refresh in
 * store/public.c, which tx_notice_close and the bulk load run), as one
 * write of the writer, RUNS times on a demo folder.  Prints the median and
 * each run in wall-clock time and in the process's CPU time.
 *
 *   build/laurel demo --data /tmp/r --cases 100000
 *   ninja -C build bench_refresh && build/bench_refresh /tmp/r
 *
 * To compare index layouts, change the copy's indexes with sqlite3 between
 * runs (docs/BENCHMARKS.md says how the figures there were taken).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "store/sqlite_tx.h"
#include "store/store_int.h"

#define RUNS 5

static int refresh(struct store_tx *tx, void *arg)
{
    (void)arg;
    return tx_public_reload(tx);
}

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_refresh DEMO-FOLDER\n");
        return 2;
    }
    char err[256];
    struct store *st = store_open(argv[1], 1, err, sizeof err);
    if (!st) {
        fprintf(stderr, "bench_refresh: %s\n", err);
        return 1;
    }
    double wall[RUNS], cpu[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double w0 = clock_ms(), c0 = cpu_ms();
        if (store_write_sync(st, refresh, NULL) != RC_OK) {
            fprintf(stderr, "bench_refresh: the refresh failed\n");
            store_close(st);
            return 1;
        }
        wall[i] = clock_ms() - w0;
        cpu[i] = cpu_ms() - c0;
        printf("run %d: %.0f ms wall, %.0f ms CPU\n", i + 1, wall[i], cpu[i]);
    }
    qsort(wall, RUNS, sizeof wall[0], by_value);
    qsort(cpu, RUNS, sizeof cpu[0], by_value);
    printf("refresh of the public read tables: median %.0f ms wall, %.0f ms CPU (%d runs)\n",
           wall[RUNS / 2], cpu[RUNS / 2], RUNS);
    store_close(st);
    return 0;
}
