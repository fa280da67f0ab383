/*
 * votes_baseline.c — the reference for bench/votes.py: one transaction per
 * vote, the way a server without group commit would store them.
 *
 *   votes_baseline DB SECONDS STAGE CASE VOTER
 *
 * On a copy of the database (WAL, synchronous=FULL, as laurel runs it) it
 * inserts one vote row per transaction (BEGIN; INSERT; COMMIT: one fsync
 * each) for SECONDS seconds from one thread (SQLite has one writer) and
 * prints "RESULT votes_per_s=… p99_ms=…".  No limit is checked: the
 * reference does less work per vote than laurel does.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: votes_baseline DB SECONDS STAGE CASE VOTER\n");
        return 2;
    }
    double secs = strtod(argv[2], NULL);
    long long stage = strtoll(argv[3], NULL, 10), kase = strtoll(argv[4], NULL, 10),
              voter = strtoll(argv[5], NULL, 10);
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL) !=
            SQLITE_OK) {
        fprintf(stderr, "votes_baseline: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO vote (stage_id, case_id, voter_id, ord, day, net, ua_hash) "
                           "VALUES (?1, ?2, ?3, ?4, '2000-01-01', '127.0.0.0/24', '')",
                           -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "votes_baseline: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    size_t cap = 1 << 20, n = 0;
    double *lat = malloc(cap * sizeof *lat);
    double start = now_ms(), end = start + secs * 1e3;
    /* Ordinals of this run: apart from every other run's (runs are seconds apart). */
    long long first = (long long)time(NULL) * 1000000LL;
    while (lat && now_ms() < end && n < cap) {
        double t0 = now_ms();
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_int64(ins, 1, stage);
        sqlite3_bind_int64(ins, 2, kase);
        sqlite3_bind_int64(ins, 3, voter);
        sqlite3_bind_int64(ins, 4, first + (long long)n);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "votes_baseline: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(ins);
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "votes_baseline: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        lat[n++] = now_ms() - t0;
    }
    double took = (now_ms() - start) / 1e3;
    qsort(lat, n, sizeof *lat, cmp);
    printf("RESULT votes_per_s=%.0f p99_ms=%.2f votes=%zu\n", n / took,
           n ? lat[(size_t)(0.99 * (n - 1))] : 0.0, n);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    free(lat);
    return 0;
}
