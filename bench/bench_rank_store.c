/*
 * bench_rank_store.c — a review stage ranked and stored through the store
 * (store/ranking.h, review/rank_run.h), as the organiser's "rank" does on
 * the worker pool, and the organiser's ranking table read back: the
 * reference for the ranking store's move onto the driver (issue 15).
 *
 * On a copy of a demo's data folder, the stage with sequence number SEQ
 * (default 3, the demo's 复评: 400 cases, about 1,300 reviews) of the
 * campaign under review is ranked and stored ROUNDS times (default 11;
 * the first closes it, the others re-rank it); each round times the input
 * read alone (store_ranking_input), the whole ranking with its bootstrap
 * and its write (rank_run_rank, the write on the store's writer thread),
 * and the table's first page with the counts over the pool
 * (store_ranking_page).  Prints the median of each in the process's CPU
 * time (all its threads: steadier than wall time on a shared machine),
 * then in wall time.  Built against another tree's library (main's, say), the same
 * file measures the other store on its own copy of the folder.
 *
 *   ninja -C build bench_rank_store && build/bench_rank_store DATA [SEQ] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "review/rank_run.h"
#include "store/ranking.h"
#include "store/review.h"

#define MAX_ROUNDS 101

/* Milliseconds by the process's CPU clock and by the wall clock. */
struct stamp {
    double cpu, wall;
};

static double ms(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static struct stamp now(void)
{
    return (struct stamp){ms(CLOCK_PROCESS_CPUTIME_ID), ms(CLOCK_MONOTONIC)};
}

/* The time since t0 into cpu[r] and wall[r]. */
static void since(struct stamp t0, double *cpu, double *wall, int r)
{
    struct stamp t = now();
    cpu[r] = t.cpu - t0.cpu;
    wall[r] = t.wall - t0.wall;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DATA [SEQ] [ROUNDS]\n", argv[0]);
        return 2;
    }
    int seq = argc > 2 ? atoi(argv[2]) : 3, rounds = argc > 3 ? atoi(argv[3]) : 11;
    if (rounds < 1 || rounds > MAX_ROUNDS)
        rounds = 11;
    char err[512];
    struct store *st = store_open(argv[1], 0, err, sizeof err);
    if (!st) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int64_t campaign = store_review_campaign_id(st);
    int64_t id = campaign ? store_ranking_stage_by_seq(st, campaign, seq) : 0;
    /* [0] CPU, [1] wall. */
    double in_ms[2][MAX_ROUNDS], rank_ms[2][MAX_ROUNDS], page_ms[2][MAX_ROUNDS];
    int ncases = 0, nscores = 0, pool = 0;
    for (int r = 0; r < rounds; r++) {
        struct ranking_stage s;
        if (!id || store_ranking_stage(st, id, &s) != RC_OK) {
            fprintf(stderr, "no review stage %d in a campaign under review\n", seq);
            store_close(st);
            return 1;
        }
        struct ranking_input in;
        struct stamp t0 = now();
        if (store_ranking_input(st, &s, &in) != RC_OK)
            goto fail;
        since(t0, in_ms[0], in_ms[1], r);
        ncases = in.ncases;
        nscores = in.nscores;
        ranking_input_free(&in);
        t0 = now();
        if (rank_run_rank(st, &s, 1) != RC_OK)
            goto fail;
        since(t0, rank_ms[0], rank_ms[1], r);
        struct ranking_filter f = {NULL, NULL, 0, 0, 50};
        struct ranking_page k;
        t0 = now();
        if (store_ranking_page(st, id, &f, &k) != RC_OK)
            goto fail;
        since(t0, page_ms[0], page_ms[1], r);
        pool = k.pool;
        ranking_page_free(&k);
    }
    printf("stage %d: %d cases, %d reviews counted, pool %d; medians of %d rounds\n", seq, ncases,
           nscores, pool, rounds);
    for (int c = 0; c < 2; c++)
        printf("%s: input %.2f ms, rank and store %.1f ms, table page %.2f ms\n",
               c ? "wall" : "cpu", median(in_ms[c], rounds), median(rank_ms[c], rounds),
               median(page_ms[c], rounds));
    store_close(st);
    return 0;
fail:
    fprintf(stderr, "the ranking failed\n");
    store_close(st);
    return 1;
}
