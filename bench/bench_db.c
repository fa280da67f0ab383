/*
 * bench_db.c — what the store's driver (src/store/db.h) costs on SQLite
 * against calling sqlite3 directly, on the call it carries most often in
 * the converted module: the certificate layout read (store_cert_layout),
 * which every certificate made and every preview reads.
 *
 * Two ways, alternated round by round in the same run, on one store (a
 * fresh database with the campaign's layout saved, wording and boxes, no
 * images):
 *   direct  the function as it was before the driver (sqlite3_* calls on
 *           the thread's cached statement; kept here as the reference);
 *   driver  store_cert_layout, over the driver;
 * and the same for the smallest statement there is (SELECT ?1, one integer
 * bound and read back), where the driver's share of the time is largest.
 * Prints the median and p95 per call over 51 rounds of 10,000 calls each,
 * in the thread's CPU time, and the ratio driver / direct.  Started beside a PostgreSQL server by
 * tests/unit/with_pg.sh, it also reads the same layout from a store over
 * one PostgreSQL connection (a Unix socket on the same machine), against
 * the SQLite driver's read in the same rounds.
 *
 *   ninja -C build bench_db && build/bench_db
 *   ninja -C build bench_db && tests/unit/with_pg.sh build/bench_db
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/cert_layout.h"
#include "store/sqlite_int.h"
#include "store/store_int.h"

#define ROUNDS 51
#define CALLS 10000
#define PG_CALLS 1000

/*
 * The clock of a round: the thread's CPU time for the SQLite rounds (the
 * driver's cost is CPU, and a loaded machine's preemption is left out),
 * the wall clock for PostgreSQL's (which waits for its server).
 */
static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int blob_dup(sqlite3_stmt *s, int col, unsigned char **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return 0;
    const void *p = sqlite3_column_blob(s, col);
    size_t len = (size_t)sqlite3_column_bytes(s, col);
    if (!p || !len)
        return 0;
    if (!(*out = malloc(len)))
        return -1;
    memcpy(*out, p, len);
    *n = len;
    return 0;
}

/* The layout read as it was before the driver: sqlite3 directly (the reference). */
static int direct_cert_layout(struct store *st, int64_t campaign_id, struct cert_layout *l)
{
    static const char sql[] = "SELECT heading, salutation, sentence, award, organiser, "
                              "date_line, positions, background, coalesce(background_mime, ''), "
                              "seal FROM cert_layout WHERE campaign_id = ?1";
    cert_layout_default(l);
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    int step = sqlite3_step(s), rc = RC_OK;
    if (step == SQLITE_ROW) {
        for (int t = 0; t < CERT_TEXT__MAX; t++)
            if (sqlite3_column_type(s, t) != SQLITE_NULL)
                sq_copy(l->text[t], sizeof l->text[t], s, t);
        json_t *o = json_loads(sq_text(s, 6), 0, NULL);
        for (int b = 0; o && b < CERT_BOX__MAX; b++) {
            double v[4];
            if (json_unpack(json_object_get(o, cert_box_name((enum cert_box)b)), "[FFFF]", &v[0],
                            &v[1], &v[2], &v[3]) == 0)
                l->box[b] = (struct cert_rect){v[0], v[1], v[2], v[3]};
        }
        json_decref(o);
        sq_copy(l->background_mime, sizeof l->background_mime, s, 8);
        if (blob_dup(s, 7, &l->background, &l->background_len) != 0 ||
            blob_dup(s, 9, &l->seal, &l->seal_len) != 0)
            rc = RC_ERROR;
    } else if (step != SQLITE_DONE) {
        rc = RC_ERROR;
    }
    sq_done(s);
    return rc;
}

static int64_t direct_one(struct store *st, int64_t v)
{
    static const char sql[] = "SELECT ?1";
    sqlite3_stmt *s = sq_prepare(st, sql);
    sqlite3_bind_int64(s, 1, v);
    int64_t r = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sq_done(s);
    return r;
}

static int64_t driver_one(struct store *st, int64_t v)
{
    static const char sql[] = "SELECT ?1";
    struct db_stmt *s = store_stmt(st, sql);
    db_bind_int64(s, 1, v);
    int64_t r = db_step(s) == DB_ROW ? db_column_int64(s, 0) : -1;
    db_reset(s);
    return r;
}

static int save(struct store_tx *tx, void *arg)
{
    struct cert_layout *l = arg;
    static const char *const rows[] = {
        "INSERT INTO campaign (id, slug, name, opens_at, closes_at) VALUES "
        "(1, 'bench', '基准', '2019-05-01', '2019-09-30')",
    };
    if (db_run(tx_stmt(tx, rows[0])) != RC_OK)
        return RC_ERROR;
    return tx_cert_layout_save(tx, 1, l, 0, 0);
}

/* ns per call of one round of n calls of fn. */
static double round_layout(struct store *st,
                           int (*fn)(struct store *, int64_t, struct cert_layout *), int n)
{
    struct cert_layout l;
    double t0 = now_ns();
    for (int i = 0; i < n; i++) {
        if (fn(st, 1, &l) != RC_OK) {
            fprintf(stderr, "bench_db: the read failed\n");
            exit(1);
        }
        cert_layout_release(&l);
    }
    return (now_ns() - t0) / n;
}

static double round_one(struct store *st, int64_t (*fn)(struct store *, int64_t))
{
    int64_t sum = 0;
    double t0 = now_ns();
    for (int i = 0; i < CALLS; i++)
        sum += fn(st, i);
    if (sum != (int64_t)CALLS * (CALLS - 1) / 2) {
        fprintf(stderr, "bench_db: wrong sum\n");
        exit(1);
    }
    return (now_ns() - t0) / CALLS;
}

static void report(const char *what, const char *an, double *a, const char *bn, double *b)
{
    qsort(a, ROUNDS, sizeof *a, cmp_double);
    qsort(b, ROUNDS, sizeof *b, cmp_double);
    int p95 = ROUNDS * 95 / 100;
    printf("%-18s %-7s %8.0f ns (p95 %8.0f)   %-7s %8.0f ns (p95 %8.0f)   ratio %.3f\n", what, an,
           a[ROUNDS / 2], a[p95], bn, b[ROUNDS / 2], b[p95], b[ROUNDS / 2] / a[ROUNDS / 2]);
}

/* A store over one PostgreSQL connection with the same layout, or NULL when there is no server. */
static struct store *pg_store(struct cert_layout *l)
{
    const char *host = getenv("LAUREL_TEST_PG_HOST"), *port = getenv("LAUREL_TEST_PG_PORT");
    if (!host || !port)
        return NULL;
    char uri[512], err[256];
    snprintf(uri, sizeof uri, "postgresql:///postgres?host=%s&port=%s&user=postgres", host, port);
    struct db_conn *c = db_open(uri, err, sizeof err);
    if (!c || store_pg_schema(c, err, sizeof err) != 0) {
        fprintf(stderr, "bench_db: %s\n", err);
        db_close(c);
        return NULL;
    }
    struct store *st = store_over(c);
    if (st && store_write_sync(st, save, l) != RC_OK) {
        store_close(st);
        return NULL;
    }
    return st;
}

int main(void)
{
    char dir[] = "/tmp/laurel-bench-db-XXXXXX", err[256];
    if (!mkdtemp(dir))
        return 1;
    struct store *st = store_open(dir, 1, err, sizeof err);
    if (!st) {
        fprintf(stderr, "bench_db: %s\n", err);
        return 1;
    }
    struct cert_layout l;
    cert_layout_default(&l);
    snprintf(l.text[CERT_TEXT_HEADING], sizeof l.text[0], "荣誉证书");
    if (store_write_sync(st, save, &l) != RC_OK) {
        fprintf(stderr, "bench_db: cannot save the layout\n");
        return 1;
    }
    struct store *pg = pg_store(&l);
    double a[ROUNDS], b[ROUNDS], c[ROUNDS], d[ROUNDS], e[ROUNDS], f[ROUNDS];
    round_layout(st, direct_cert_layout, CALLS); /* warm: statements prepared, pages cached */
    round_layout(st, store_cert_layout, CALLS);
    if (pg)
        round_layout(pg, store_cert_layout, PG_CALLS);
    for (int r = 0; r < ROUNDS; r++) {
        /* Alternate which goes first, so that neither always follows the other. */
        if (r % 2) {
            b[r] = round_layout(st, store_cert_layout, CALLS);
            a[r] = round_layout(st, direct_cert_layout, CALLS);
            d[r] = round_one(st, driver_one);
            c[r] = round_one(st, direct_one);
        } else {
            a[r] = round_layout(st, direct_cert_layout, CALLS);
            b[r] = round_layout(st, store_cert_layout, CALLS);
            c[r] = round_one(st, direct_one);
            d[r] = round_one(st, driver_one);
        }
        if (pg) { /* beside the SQLite driver's read of this round, both by the wall clock */
            bench_clock = CLOCK_MONOTONIC;
            e[r] = round_layout(st, store_cert_layout, CALLS);
            f[r] = round_layout(pg, store_cert_layout, PG_CALLS);
            bench_clock = CLOCK_THREAD_CPUTIME_ID;
        }
    }
    printf("bench_db: %d rounds of %d calls (PostgreSQL: %d), median and p95 per call, "
           "CPU time of the thread (the last line: wall clock)\n",
           ROUNDS, CALLS, PG_CALLS);
    report("store_cert_layout", "direct", a, "driver", b);
    report("SELECT ?1", "direct", c, "driver", d);
    if (pg)
        report("store_cert_layout", "sqlite", e, "pg", f);
    store_close(pg);
    store_close(st);
    char path[128];
    static const char *const files[] = {"laurel.db",   "laurel.db-wal", "laurel.db-shm",
                                        "signing.key", "signing.pub",   "laurel.lock"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
