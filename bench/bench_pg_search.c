/*
 * bench_pg_search.c — the public search on SQLite (FTS5) and on PostgreSQL
 * (the gram index of store/search_pg.c) over the same cases: a demo's data
 * folder and its copy by laurel migrate-db.  Random queries of one to four
 * characters cut from the cases' own titles and summaries (no separator in
 * them), each run once on each store in turn (the order alternating), page
 * one of the newest first: store_cases as /search and /api/v1/cases?q= ask
 * it.  Each query's answers must be the same JSON on both; a difference is
 * counted and printed.
 *
 * Prints per query length the median and p95 in milliseconds on each, and
 * PostgreSQL's over SQLite's: the whole search (store_cases: the index's
 * hits, those published and their page, its summaries), then the index
 * alone (search_fts_hits, search_pg_hits), run right after the same
 * query's search; and, for reference, the list without a query.
 * bench/pg_search.py makes the data and the server and runs it.
 *
 *   ninja -C build bench_pg_search
 *   build/bench_pg_search DATA postgresql://... [queries per length, default 200]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/utf8.h"
#include "store/db.h"
#include "store/search.h"
#include "store/store.h"
#include "store/store_int.h"

#define MAX_SAMPLES 4096
#define LENGTHS 4

static uint64_t rng = 2019;

static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double p95(const double *t, int n)
{
    int i = (n * 95) / 100;
    return t[i < n ? i : n - 1];
}

/* A run of chars characters without a separator cut from a random case's title or summary. */
static int cut_query(struct store *st, int64_t max_id, int chars, char *out, size_t n)
{
    static const char sql[] = "SELECT title, summary FROM \"case\" WHERE id = ?1";
    for (int tries = 0; tries < 1000; tries++) {
        struct db_stmt *s = store_stmt(st, sql);
        if (!s)
            return -1;
        db_bind_int64(s, 1, 1 + (int64_t)(next_rand() % (uint64_t)max_id));
        int found = 0;
        if (db_step(s) == DB_ROW) {
            const char *t = db_column_text(s, (int)(next_rand() % 2));
            size_t len = t ? strlen(t) : 0, count = t ? utf8_count(t, len) : 0;
            if (count >= (size_t)chars) {
                size_t from = utf8_prefix(t, len, next_rand() % (count - (size_t)chars + 1));
                size_t to = from + utf8_prefix(t + from, len - from, (size_t)chars);
                int ok = to - from < n;
                for (size_t i = from; ok && i < to;)
                    ok = !search_separator(utf8_next(t, to, &i));
                if (ok) {
                    memcpy(out, t + from, to - from);
                    out[to - from] = '\0';
                    found = 1;
                }
            }
        }
        db_reset(s);
        if (found)
            return 0;
    }
    return -1;
}

static int reload_write(struct store_tx *tx, void *arg)
{
    (void)arg;
    return tx_public_reload(tx);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_pg_search DATA postgresql://... [queries per length]\n");
        return 2;
    }
    int n = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 200;
    if (n < 1 || n > MAX_SAMPLES)
        n = 200;
    char err[256] = "";
    struct store *lite = store_open(argv[1], 0, err, sizeof err);
    struct db_conn *c = lite ? db_open(argv[2], err, sizeof err) : NULL;
    struct store *pg = c ? store_over(c) : NULL;
    if (!pg || store_write_sync(pg, reload_write, NULL) != RC_OK) {
        fprintf(stderr, "bench_pg_search: %s\n", err);
        return 1;
    }
    struct db_stmt *s = store_stmt(lite, "SELECT max(id) FROM \"case\"");
    int64_t max_id = s && db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    printf("bench_pg_search: %lld cases, %d queries per length\n", (long long)max_id, n);
    static double tl[MAX_SAMPLES], tp[MAX_SAMPLES], hl[MAX_SAMPLES], hp[MAX_SAMPLES];
    static int64_t hits[SEARCH_CAP + 1];
    int differ = 0;
    for (int len = 1; len <= LENGTHS; len++) {
        for (int i = 0; i < n; i++) {
            char q[64];
            if (cut_query(lite, max_id, len, q, sizeof q) != 0) {
                fprintf(stderr, "bench_pg_search: no query of %d characters\n", len);
                return 1;
            }
            struct store_filter f = {.q = q, .page = 1, .per_page = STORE_PER_PAGE};
            json_t *a, *b;
            double t0, t1, t2;
            if (i % 2) {
                t0 = now_ms();
                a = store_cases(lite, &f);
                t1 = now_ms();
                b = store_cases(pg, &f);
                t2 = now_ms();
                tl[i] = t1 - t0;
                tp[i] = t2 - t1;
            } else {
                t0 = now_ms();
                b = store_cases(pg, &f);
                t1 = now_ms();
                a = store_cases(lite, &f);
                t2 = now_ms();
                tp[i] = t1 - t0;
                tl[i] = t2 - t1;
            }
            if (!json_equal(a, b)) {
                char *x = json_dumps(json_object_get(a, "total"), JSON_ENCODE_ANY);
                char *y = json_dumps(json_object_get(b, "total"), JSON_ENCODE_ANY);
                printf("  differs for %s: total %s on SQLite, %s on PostgreSQL\n", q, x, y);
                free(x);
                free(y);
                differ++;
            }
            json_decref(a);
            json_decref(b);
            /* The index alone: its newest hits, as search_ids asks them. */
            t0 = now_ms();
            size_t nl = search_fts_hits(lite, q, hits, SEARCH_CAP + 1);
            t1 = now_ms();
            size_t np = search_pg_hits(pg, q, hits, SEARCH_CAP + 1);
            t2 = now_ms();
            hl[i] = t1 - t0;
            hp[i] = t2 - t1;
            if (nl != np && nl <= SEARCH_CAP)
                printf("  %s: %zu hits on SQLite, %zu on PostgreSQL (unpublished cases count)\n",
                       q, nl, np);
        }
        qsort(tl, (size_t)n, sizeof *tl, cmp_double);
        qsort(tp, (size_t)n, sizeof *tp, cmp_double);
        printf("%d char%s  SQLite median %7.3f ms p95 %7.3f ms   PostgreSQL median %7.3f ms "
               "p95 %7.3f ms   PG/SQLite median %.2f p95 %.2f\n",
               len, len > 1 ? "s" : " ", tl[n / 2], p95(tl, n), tp[n / 2], p95(tp, n),
               tp[n / 2] / tl[n / 2], p95(tp, n) / p95(tl, n));
        qsort(hl, (size_t)n, sizeof *hl, cmp_double);
        qsort(hp, (size_t)n, sizeof *hp, cmp_double);
        printf("  index alone: SQLite median %7.3f ms p95 %7.3f ms   PostgreSQL median %7.3f ms "
               "p95 %7.3f ms   PG/SQLite median %.2f p95 %.2f\n",
               hl[n / 2], p95(hl, n), hp[n / 2], p95(hp, n), hp[n / 2] / hl[n / 2],
               p95(hp, n) / p95(hl, n));
        fflush(stdout);
    }
    /* The reference: the list without a query, a random page of the newest first. */
    for (int i = 0; i < n; i++) {
        struct store_filter f = {.page = 1 + (int)(next_rand() % 100), .per_page = STORE_PER_PAGE};
        double t0 = now_ms();
        json_decref(store_cases(lite, &f));
        double t1 = now_ms();
        json_decref(store_cases(pg, &f));
        tl[i] = t1 - t0;
        tp[i] = now_ms() - t1;
    }
    qsort(tl, (size_t)n, sizeof *tl, cmp_double);
    qsort(tp, (size_t)n, sizeof *tp, cmp_double);
    printf("no query (the list, page K) SQLite median %7.3f ms p95 %7.3f ms   PostgreSQL median "
           "%7.3f ms p95 %7.3f ms   PG/SQLite median %.2f\n",
           tl[n / 2], p95(tl, n), tp[n / 2], p95(tp, n), tp[n / 2] / tl[n / 2]);
    printf("answers that differ: %d of %d\n", differ, LENGTHS * n);
    store_close(pg);
    store_close(lite);
    return differ ? 1 : 0;
}
