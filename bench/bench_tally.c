/*
 * bench_tally.c — the final ballot's tally at twice the model campaign's
 * scale: 500 candidates, 30 jurors present (from 6 regions, so that each
 * case has its region's jurors in 回避), each ballot approving 130, then
 * the tier proposal (40 best at most 5 per region, 90 excellent).
 *
 * Two ways, in the same run, on one fresh database:
 *   store   what the tally does: the store's count of approvals by case and
 *           of the eligible jurors of each (present, not in 回避), one SQL
 *           statement (store_ballot_tally_input), then tally_run and
 *           tally_tiers;
 *   memory  the reference: the same count from the ballots held in memory
 *           (no database), then the same tally_run and tally_tiers.
 * Prints the median and p95 of 51 runs of each and their ratio, and checks
 * that both give the same elected cases in the same order.
 *
 *   ninja -C build bench_tally && build/bench_tally
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/tally.h"
#include "store/ballot.h"
#include "store/sqlite_tx.h"

#define NCASES 500
#define NJURORS 30
#define NREGIONS 6
#define APPROVE 130
#define RUNS 51

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

/* ballots[j][k]: the k-th case (index) juror j approves. */
static int ballots[NJURORS][APPROVE];
static int case_region[NCASES];

static int exec(struct store_tx *tx, const char *sql)
{
    return sqlite3_exec(tx_db(tx), sql, NULL, NULL, NULL) == SQLITE_OK ? RC_OK : RC_ERROR;
}

/* The campaign, regions, units, 500 cases ranked by a review stage, the jury, the ballots. */
static int load(struct store_tx *tx, void *arg)
{
    (void)arg;
    char sql[512];
    if (exec(tx, "INSERT INTO campaign (id, slug, name, opens_at, closes_at, status) VALUES "
                 "(1, 'b', 'bench', '2019-01-01', '2019-12-31', 'review');"
                 "INSERT INTO track (id, campaign_id, slug, name) VALUES (1, 1, 't', 't');"
                 "INSERT INTO stage (id, campaign_id, seq, name, kind, starts_at, ends_at) VALUES "
                 "(1, 1, 1, 'r', 'review', '2019-01-01', '2019-12-31'),"
                 "(2, 1, 2, 'b', 'ballot', '2019-01-01', '2019-12-31');"
                 "INSERT INTO sitting (id, stage_id, round, places, state, present) VALUES "
                 "(1, 2, 1, 130, 'voting', 30);") != RC_OK)
        return RC_ERROR;
    for (int r = 0; r < NREGIONS; r++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO region (code, name) VALUES ('%d0000', 'r%d');"
                 "INSERT INTO unit (id, region_code, name, level) VALUES (%d, '%d0000', 'u', 1);",
                 11 + r, r, r + 1, 11 + r);
        if (exec(tx, sql) != RC_OK)
            return RC_ERROR;
    }
    for (int c = 0; c < NCASES; c++) {
        case_region[c] = (int)(next_rand() % NREGIONS);
        snprintf(sql, sizeof sql,
                 "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, title) "
                 "VALUES (%d, 1, %d, '%d0000', 1, 'c');"
                 "INSERT INTO stage_case (stage_id, case_id, rank) VALUES (1, %d, %d), (2, %d, NULL);"
                 "INSERT INTO sitting_case (sitting_id, case_id) VALUES (1, %d);",
                 c + 1, case_region[c] + 1, 11 + case_region[c], c + 1, c + 1, c + 1, c + 1);
        if (exec(tx, sql) != RC_OK)
            return RC_ERROR;
    }
    for (int j = 0; j < NJURORS; j++) {
        int region = j % NREGIONS;
        snprintf(sql, sizeof sql,
                 "INSERT INTO user (id, email, name) VALUES (%d, 'j%d@x', 'j');"
                 "INSERT INTO reviewer (user_id, region_code) VALUES (%d, '%d0000');"
                 "INSERT INTO juror (stage_id, user_id, present) VALUES (2, %d, 1);"
                 "INSERT INTO ballot_cast (sitting_id, user_id) VALUES (1, %d);"
                 "INSERT INTO ballot (sitting_id, receipt) VALUES (1, 'r%d');",
                 j + 1, j, j + 1, 11 + region, j + 1, j + 1, j);
        if (exec(tx, sql) != RC_OK)
            return RC_ERROR;
        /* 130 distinct cases, none of the juror's own region; the better ranked more often. */
        char chosen[NCASES] = {0};
        for (int k = 0; k < APPROVE;) {
            int c = (int)(next_rand() % (next_rand() % 2 ? 200 : NCASES));
            if (chosen[c] || case_region[c] == region)
                continue;
            chosen[c] = 1;
            ballots[j][k++] = c;
            snprintf(sql, sizeof sql,
                     "INSERT INTO ballot_approval (sitting_id, receipt, case_id) "
                     "VALUES (1, 'r%d', %d);", j, c + 1);
            if (exec(tx, sql) != RC_OK)
                return RC_ERROR;
        }
    }
    return RC_OK;
}

static const struct tally_tier tiers[] = {{1, 40, 5}, {2, 90, 0}};

/* Tally then tiers; the places of the elected, best first, into p (returns how many). */
static int finish(struct tally_case *c, int n, struct tally_place *p)
{
    struct tally_outcome o;
    static int counts[2 * NREGIONS];
    tally_run(c, n, 130, &o);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (c[i].elected) {
            p[k].case_id = c[i].case_id;
            p[k++].region = case_region[c[i].case_id - 1];
        }
    tally_tiers(p, k, tiers, 2, NREGIONS, counts);
    return k;
}

static int from_store(struct store *st, struct tally_place *p)
{
    struct tally_case *c;
    int n;
    if (store_ballot_tally_input(st, 1, &c, &n) != RC_OK || n != NCASES)
        return -1;
    int k = finish(c, n, p);
    free(c);
    return k;
}

static int from_memory(struct tally_place *p)
{
    static struct tally_case c[NCASES];
    for (int i = 0; i < NCASES; i++)
        c[i] = (struct tally_case){.case_id = i + 1, .prior_rank = i + 1};
    for (int j = 0; j < NJURORS; j++)
        for (int k = 0; k < APPROVE; k++)
            c[ballots[j][k]].approvals++;
    for (int i = 0; i < NCASES; i++)
        for (int j = 0; j < NJURORS; j++)
            c[i].eligible += case_region[i] != j % NREGIONS;
    return finish(c, NCASES, p);
}

int main(void)
{
    char dir[] = "/tmp/bench_tally_XXXXXX", err[256];
    if (!mkdtemp(dir))
        return 1;
    struct store *st = store_open(dir, 1, err, sizeof err);
    if (!st || store_write_sync(st, load, NULL) != RC_OK) {
        fprintf(stderr, "bench_tally: cannot build the database: %s\n", st ? "load" : err);
        return 1;
    }
    static struct tally_place ps[NCASES], pm[NCASES];
    static double ts[RUNS], tm[RUNS];
    int ks = 0, km = 0;
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ms();
        ks = from_store(st, ps);
        double t1 = now_ms();
        km = from_memory(pm);
        double t2 = now_ms();
        ts[i] = t1 - t0;
        tm[i] = t2 - t1;
    }
    int same = ks == km && ks > 0;
    for (int i = 0; same && i < ks; i++)
        same = ps[i].case_id == pm[i].case_id && ps[i].tier == pm[i].tier;
    qsort(ts, RUNS, sizeof *ts, cmp_double);
    qsort(tm, RUNS, sizeof *tm, cmp_double);
    printf("tally %d candidates x %d jurors (%d approvals each) + tiers 40/90, %d runs\n", NCASES,
           NJURORS, APPROVE, RUNS);
    printf("  store   median %7.3f ms  p95 %7.3f ms\n", ts[RUNS / 2], ts[RUNS * 95 / 100]);
    printf("  memory  median %7.3f ms  p95 %7.3f ms  (reference)\n", tm[RUNS / 2],
           tm[RUNS * 95 / 100]);
    printf("  ratio store/memory %.1f; elected %d, same result: %s\n",
           ts[RUNS / 2] / (tm[RUNS / 2] > 0 ? tm[RUNS / 2] : 1e-9), ks, same ? "yes" : "NO");
    store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return same ? 0 : 1;
}
