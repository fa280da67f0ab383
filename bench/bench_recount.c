/*
 * bench_recount.c — checking an exhibition's votes for fraud and recounting
 * them, at 1,000,000 votes: the organiser's "check again" (vote_flags.c)
 * end to end — the stage's valid votes, voters and phone codes read from a
 * read connection, the four rules of domain/fraud.h, the groups stored and
 * vote_total recounted in one write — against, in the same run, the
 * recount alone (tx_vote_recount: one GROUP BY over the stage's votes).
 *
 * It appends to the exhibition of a demo database (stage with cases, the
 * one the demo opens): 100,000 voters who verified over 20 days, each
 * voting for ten cases (1,000,000 votes), with planted fraud on top (a
 * burst of 400 votes on one case in five minutes, a ring of 30 voters of
 * one case, a run of 40 consecutive numbers), unless it holds a million
 * votes already (a second run).  Prints the median of 5 runs of each, in
 * wall-clock time and in the process's CPU time (a shared machine's wall
 * clock counts other programs' turns), their ratio, the phases of the
 * last check and the groups found.
 *
 *   build/laurel demo --data /tmp/rc --cases 200
 *   ninja -C build bench_recount && build/bench_recount /tmp/rc
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "domain/fraud.h"
#include "domain/voter.h"
#include "store/sqlite_tx.h"
#include "store/votes.h"

#define VOTERS 100000
#define PER_VOTER 10
#define RUNS 5
#define DAY 86400

struct fill {
    int64_t stage, cases[1024];
    int ncases;
    int64_t start;
};

static uint64_t rng = 2019;
static uint64_t next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int step(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* One voter (token verified at `at`) and its votes at `at` + a minute each; 0 or -1. */
static int voter(struct store_tx *tx, struct fill *f, int64_t n, int64_t at, const char *net,
                 const int64_t *cases, int k, int phone_tail)
{
    static const char sql_voter[] = "INSERT INTO voter (hmac, kind, masked) VALUES (?1, 'phone', '1**')";
    static const char sql_token[] =
        "INSERT INTO voter_token (token_hash, stage_id, voter_id, expires_at) VALUES (?1, ?2, ?3, ?4)";
    static const char sql_code[] =
        "INSERT INTO vote_code (stage_id, hmac, code_hash, net, created_at, expires_at, used, "
        "block, tail) VALUES (?1, ?2, '', ?3, ?4, ?4, 1, ?5, ?6)";
    static const char sql_vote[] =
        "INSERT INTO vote (stage_id, case_id, voter_id, ord, day, at, net, ua_hash) VALUES "
        "(?1, ?2, ?3, 1, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', ?5, 'unixepoch'), ?6, '')";
    char hmac[32], day[11];
    snprintf(hmac, sizeof hmac, "bench-%lld", (long long)n);
    sqlite3_stmt *s = tx_prepare(tx, sql_voter);
    sqlite3_bind_text(s, 1, hmac, -1, SQLITE_TRANSIENT);
    if (step(s))
        return -1;
    int64_t id = sqlite3_last_insert_rowid(tx_db(tx));
    s = tx_prepare(tx, sql_token);
    sqlite3_bind_text(s, 1, hmac, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, f->stage);
    sqlite3_bind_int64(s, 3, id);
    sqlite3_bind_int64(s, 4, at + VOTE_TOKEN_TTL_S);
    if (step(s))
        return -1;
    s = tx_prepare(tx, sql_code);
    sqlite3_bind_int64(s, 1, f->stage);
    sqlite3_bind_text(s, 2, hmac, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, net, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, at - 60);
    char block[16];
    snprintf(block, sizeof block, "b%llu", phone_tail >= 0 ? 7ULL : (unsigned long long)(next() % 100000));
    sqlite3_bind_text(s, 5, block, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 6, phone_tail >= 0 ? phone_tail : (int)(next() % 10000));
    if (step(s))
        return -1;
    for (int i = 0; i < k; i++) {
        int64_t t = at + 60 * (i + 1);
        voter_day(t, day);
        s = tx_prepare(tx, sql_vote);
        sqlite3_bind_int64(s, 1, f->stage);
        sqlite3_bind_int64(s, 2, cases[i]);
        sqlite3_bind_int64(s, 3, id);
        sqlite3_bind_text(s, 4, day, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 5, t);
        sqlite3_bind_text(s, 6, net, -1, SQLITE_TRANSIENT);
        if (step(s))
            return -1;
    }
    return 0;
}

static int fill_job(struct store_tx *tx, void *arg)
{
    struct fill *f = arg;
    static const char sql_stage[] =
        "SELECT s.id FROM stage s WHERE s.kind = 'exhibition' AND EXISTS (SELECT 1 FROM "
        "stage_case c WHERE c.stage_id = s.id) ORDER BY s.id DESC LIMIT 1";
    static const char sql_cases[] = "SELECT case_id FROM stage_case WHERE stage_id = ?1 LIMIT 1024";
    sqlite3_stmt *s = tx_prepare(tx, sql_stage);
    if (sqlite3_step(s) != SQLITE_ROW)
        return RC_ERROR;
    f->stage = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    s = tx_prepare(tx, sql_cases);
    sqlite3_bind_int64(s, 1, f->stage);
    while (sqlite3_step(s) == SQLITE_ROW)
        f->cases[f->ncases++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (f->ncases < 50)
        return RC_ERROR;
    int64_t n = 0, picks[PER_VOTER];
    char net[32];
    for (int v = 0; v < VOTERS; v++, n++) {
        int64_t at = f->start + (int64_t)(next() % (20 * DAY));
        int first = (int)(next() % (uint64_t)f->ncases);
        for (int k = 0; k < PER_VOTER; k++)
            picks[k] = f->cases[(first + 7 * k) % f->ncases];
        snprintf(net, sizeof net, "%d.%d.%d.0/24", 36 + (int)(next() % 180),
                 (int)(next() % 256), (int)(next() % 256));
        if (voter(tx, f, n, at, net, picks, PER_VOTER, -1))
            return RC_ERROR;
    }
    /* Planted: a burst of 400 on one case in five minutes, a ring of 30, a run of 40. */
    int64_t bought = f->cases[f->ncases / 2], at = f->start + 5 * DAY + 3 * 3600;
    for (int v = 0; v < 400; v++, n++) {
        snprintf(net, sizeof net, "103.40.%d.0/24", v / 10);
        if (voter(tx, f, n, at + v * 300 / 400, net, &bought, 1, -1))
            return RC_ERROR;
    }
    int64_t ringed = f->cases[f->ncases / 3];
    for (int v = 0; v < 30; v++, n++) {
        snprintf(net, sizeof net, "110.%d.1.0/24", v);
        if (voter(tx, f, n, f->start + 9 * DAY + v * 15, net, &ringed, 1, -1))
            return RC_ERROR;
    }
    for (int v = 0; v < 40; v++, n++) {
        snprintf(net, sizeof net, "175.9.%d.0/24", v % 6);
        for (int k = 0; k < 4; k++)
            picks[k] = f->cases[(v + 11 * k) % f->ncases];
        if (voter(tx, f, n, f->start + 12 * DAY + v * 40, net, picks, 4, 2000 + v))
            return RC_ERROR;
    }
    return tx_vote_recount(tx, f->stage);
}

static int stage_job(struct store_tx *tx, void *arg)
{
    static const char sql[] = "SELECT stage_id FROM vote GROUP BY stage_id ORDER BY count(*) DESC LIMIT 1";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (sqlite3_step(s) == SQLITE_ROW)
        ((struct fill *)arg)->stage = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return RC_OK;
}

struct recount {
    int64_t stage;
};

static int recount_job(struct store_tx *tx, void *arg)
{
    return tx_vote_recount(tx, ((struct recount *)arg)->stage);
}

/* The process's CPU time in ms (every thread: the writer's too). */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int count_job(struct store_tx *tx, void *arg)
{
    static const char sql[] = "SELECT count(*) FROM vote";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    *(int64_t *)arg = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return RC_OK;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DEMO_DATA_DIR\n", argv[0]);
        return 2;
    }
    char err[256];
    struct store *st = store_open(argv[1], 0, err, sizeof err);
    if (!st) {
        fprintf(stderr, "bench_recount: %s\n", err);
        return 1;
    }
    static struct fill f;
    f.start = (int64_t)time(NULL) - 21 * DAY;
    int64_t had = 0;
    store_write_sync(st, count_job, &had);
    double t0 = clock_ms();
    if (had < (int64_t)VOTERS * PER_VOTER) {
        if (store_write_sync(st, fill_job, &f) != RC_OK) {
            fprintf(stderr, "bench_recount: cannot add the votes\n");
            return 1;
        }
        printf("added %d voters' votes to stage %lld in %.1f s\n", VOTERS, (long long)f.stage,
               (clock_ms() - t0) / 1000);
    } else {
        f.stage = 10;
        store_write_sync(st, stage_job, &f);
    }
    struct vote_setting set;
    char name[128], kind[16];
    int has;
    store_vote_setting(st, f.stage, name, sizeof name, kind, sizeof kind, &set, &has);
    double check[RUNS], alone[RUNS], check_cpu[RUNS], alone_cpu[RUNS], load = 0, rules = 0,
           write = 0, load_cpu = 0, rules_cpu = 0, write_cpu = 0;
    size_t nvotes = 0, ngroups = 0;
    struct fraud_result last = {0};
    for (int r = 0; r < RUNS; r++) {
        struct recount rc = {f.stage};
        double a = clock_ms(), ac = cpu_ms();
        if (store_write_sync(st, recount_job, &rc) != RC_OK)
            return 1;
        alone[r] = clock_ms() - a;
        alone_cpu[r] = cpu_ms() - ac;
        double b = clock_ms(), bc = cpu_ms();
        struct vote_scan scan;
        struct fraud_result found;
        if (store_vote_scan(st, f.stage, &scan) != RC_OK)
            return 1;
        double c = clock_ms(), cc = cpu_ms();
        if (fraud_find(&scan.in, &set.flags, &found) != 0)
            return 1;
        double d = clock_ms(), dc = cpu_ms();
        struct vote_flags_put put = {f.stage, &scan, &found, 0};
        if (store_write_sync(st, tx_vote_flags_put, &put) != RC_OK)
            return 1;
        double e = clock_ms(), ec = cpu_ms();
        check[r] = e - b;
        check_cpu[r] = ec - bc;
        load = c - b, rules = d - c, write = e - d;
        load_cpu = cc - bc, rules_cpu = dc - cc, write_cpu = ec - dc;
        nvotes = scan.in.nvotes, ngroups = found.ngroups;
        fraud_result_free(&last);
        last = found;
        vote_scan_free(&scan);
    }
    qsort(check, RUNS, sizeof *check, cmp);
    qsort(alone, RUNS, sizeof *alone, cmp);
    qsort(check_cpu, RUNS, sizeof *check_cpu, cmp);
    qsort(alone_cpu, RUNS, sizeof *alone_cpu, cmp);
    printf("votes checked: %zu, groups found: %zu\n", nvotes, ngroups);
    static const char *const rule[] = {"burst", "network", "run", "ring"};
    for (size_t i = 0; i < last.ngroups; i++)
        printf("  %-8s case %lld: %zu votes, %lld voters\n", rule[last.groups[i].rule],
               (long long)last.groups[i].case_id, last.groups[i].n,
               (long long)last.groups[i].voters);
    printf("check again (read + rules + flags + recount), median of %d: %.0f ms wall, "
           "%.0f ms CPU\n", RUNS, check[RUNS / 2], check_cpu[RUNS / 2]);
    printf("  last run: read %.0f ms, rules %.0f ms, flags and recount %.0f ms (wall); "
           "%.0f, %.0f, %.0f ms CPU\n", load, rules, write, load_cpu, rules_cpu, write_cpu);
    printf("recount alone (reference), median of %d: %.0f ms wall, %.0f ms CPU\n", RUNS,
           alone[RUNS / 2], alone_cpu[RUNS / 2]);
    printf("ratio check / recount alone: %.2f wall, %.2f CPU\n", check[RUNS / 2] / alone[RUNS / 2],
           check_cpu[RUNS / 2] / alone_cpu[RUNS / 2]);
    fraud_result_free(&last);
    store_close(st);
    return 0;
}
