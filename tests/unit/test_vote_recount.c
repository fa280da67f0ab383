/*
 * test_vote_recount.c — "check again" and the recount (vote_flags.c)
 * against a naive recomputation, on a demo's exhibition with random votes.
 *
 * A demo of 200 cases is loaded (its exhibition has votes cast through the
 * vote path and planted fraud); random voters are added to that stage, from
 * a small pool of prefixes and at random milliseconds, so that votes share
 * seconds and the network rule fires, and a bought burst on one case.  Then,
 * three rounds: the store's scan (one range of the covering index) must
 * equal a naive load of the same votes (the table in id order, the time
 * parsed here, sorted by time and id, the prefixes numbered by their first
 * vote); the rules on both must give the same groups with the same votes
 * and evidence; after the flags are stored and after voiding a random
 * group, vote_total must equal a naive count of the valid votes, and so
 * must tx_vote_recount's.  Votes added between the scan and the storing
 * must be counted too.  The plans of the three reads are checked to be
 * index ranges without a sort.  Last, the vote path's token lookup, which
 * keeps the tokens it met (store/votes.c): a token is found, again after
 * another voter's token was written, and no more once a write deleted it
 * or when it has expired; and the tokens of thousands of voters are kept
 * at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "demo/demo.h"
#include "store/sqlite_int.h"
#include "store/votes.h"

static char dir[64];
static struct store *st;
static sqlite3 *db; /* a plain connection for the naive reads */
static int64_t stage;
static uint64_t rng = 20200204;

static uint64_t next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int remove_tree(void)
{
    const char *files[] = {"laurel.db", "laurel.db-wal", "laurel.db-shm", "signing.key",
                           "signing.pub"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
}

/* ------------------------------------------------------------ random votes */

struct add {
    int voters;    /* how many new voters */
    int64_t start; /* unix seconds of the first */
    int burst;     /* 1: all vote for one case within two minutes */
};

static int step(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* Random voters of the stage (a token, a phone code, 1 to 6 votes each), inserted directly. */
static int add_job(struct store_tx *tx, void *arg)
{
    const struct add *a = arg;
    static int64_t serial;
    int64_t cases[256];
    int ncases = 0;
    sqlite3_stmt *s = tx_prepare(tx, "SELECT case_id FROM stage_case WHERE stage_id = ?1 "
                                     "ORDER BY case_id LIMIT 256");
    sqlite3_bind_int64(s, 1, stage);
    while (sqlite3_step(s) == SQLITE_ROW)
        cases[ncases++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (ncases < 10)
        return RC_ERROR;
    for (int v = 0; v < a->voters; v++) {
        char hmac[40], net[32], block[16];
        snprintf(hmac, sizeof hmac, "test-recount-%lld", (long long)++serial);
        int64_t at = a->start + (a->burst ? (int64_t)(next() % 120) : (int64_t)(next() % 86400));
        snprintf(net, sizeof net, "10.%d.%d.0/24", (int)(next() % 3), (int)(next() % 15));
        snprintf(block, sizeof block, "t%d", (int)(next() % 4));
        s = tx_prepare(tx, "INSERT INTO voter (hmac, kind, masked) VALUES (?1, 'phone', '1**')");
        sqlite3_bind_text(s, 1, hmac, -1, SQLITE_TRANSIENT);
        if (step(s))
            return RC_ERROR;
        int64_t id = sqlite3_last_insert_rowid(tx->db);
        s = tx_prepare(tx, "INSERT INTO voter_token (token_hash, stage_id, voter_id, expires_at) "
                           "VALUES (?1, ?2, ?3, ?4)");
        sqlite3_bind_text(s, 1, hmac, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, stage);
        sqlite3_bind_int64(s, 3, id);
        sqlite3_bind_int64(s, 4, at + VOTE_TOKEN_TTL_S);
        if (step(s))
            return RC_ERROR;
        s = tx_prepare(tx, "INSERT INTO vote_code (stage_id, hmac, code_hash, net, created_at, "
                           "expires_at, used, block, tail) VALUES (?1, ?2, '', ?3, ?4, ?4, 1, ?5, ?6)");
        sqlite3_bind_int64(s, 1, stage);
        sqlite3_bind_text(s, 2, hmac, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 3, net, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, at - 60);
        sqlite3_bind_text(s, 5, block, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 6, (int)(next() % 400));
        if (step(s))
            return RC_ERROR;
        int k = a->burst ? 1 : 1 + (int)(next() % 6), first = (int)(next() % (uint64_t)ncases);
        for (int i = 0; i < k; i++) {
            char day[11];
            int64_t t = at + (int64_t)(next() % 3); /* seconds shared by many votes */
            voter_day(t, day);
            s = tx_prepare(tx, "INSERT INTO vote (stage_id, case_id, voter_id, ord, day, at, net, "
                               "ua_hash) VALUES (?1, ?2, ?3, 1, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', "
                               "?5, 'unixepoch'), ?6, '')");
            sqlite3_bind_int64(s, 1, stage);
            sqlite3_bind_int64(s, 2, a->burst ? cases[3] : cases[(first + 7 * i) % ncases]);
            sqlite3_bind_int64(s, 3, id);
            sqlite3_bind_text(s, 4, day, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(s, 5, (double)t + (double)(next() % 1000) / 1000.0);
            sqlite3_bind_text(s, 6, net, -1, SQLITE_TRANSIENT);
            if (step(s))
                return RC_ERROR;
        }
    }
    return RC_OK;
}

static void add_votes(int voters, int64_t start, int burst)
{
    struct add a = {voters, start, burst};
    assert_int_equal(store_write_sync(st, add_job, &a), RC_OK);
}

/* ------------------------------------------------------------ the naive side */

/* "2019-03-01T08:00:00.123Z" as unix seconds, by the C library. */
static int64_t parse_at(const char *s)
{
    struct tm tm = {0};
    assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%S", &tm));
    return (int64_t)timegm(&tm);
}

static int by_time(const void *a, const void *b)
{
    const struct fraud_vote *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

struct named {
    const char *text;
    int32_t k;
};

static int by_text(const void *a, const void *b)
{
    return strcmp(((const struct named *)a)->text, ((const struct named *)b)->text);
}

/* The votes as the table has them, by id; nets numbered by first use; sorted by time here. */
static struct fraud_vote *naive_votes(size_t *n, char ***nets, int32_t *nnets)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT net FROM vote NOT INDEXED WHERE stage_id = ?1 "
                                            "AND valid = 1 GROUP BY net ORDER BY min(id)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, stage);
    char **texts = NULL;
    struct named *sorted = NULL;
    *nnets = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        texts = realloc(texts, (size_t)(*nnets + 1) * sizeof *texts);
        texts[*nnets] = strdup((const char *)sqlite3_column_text(s, 0));
        (*nnets)++;
    }
    sqlite3_finalize(s);
    sorted = malloc((size_t)(*nnets ? *nnets : 1) * sizeof *sorted);
    for (int32_t k = 0; k < *nnets; k++)
        sorted[k] = (struct named){texts[k], k};
    qsort(sorted, (size_t)*nnets, sizeof *sorted, by_text);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, case_id, voter_id, at, net FROM vote "
                                            "NOT INDEXED WHERE stage_id = ?1 AND valid = 1 ORDER BY id",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, stage);
    size_t cap = 1024;
    struct fraud_vote *v = malloc(cap * sizeof *v);
    *n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        struct named key = {(const char *)sqlite3_column_text(s, 4), 0};
        struct named *hit = bsearch(&key, sorted, (size_t)*nnets, sizeof *sorted, by_text);
        assert_non_null(hit);
        v[(*n)++] = (struct fraud_vote){sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                                        sqlite3_column_int64(s, 2),
                                        parse_at((const char *)sqlite3_column_text(s, 3)), hit->k};
    }
    sqlite3_finalize(s);
    free(sorted);
    qsort(v, *n, sizeof *v, by_time);
    *nets = texts;
    return v;
}

/* {case: valid votes} by a plain count, and vote_total, as "case=n;" lists in case order. */
static char *counts(const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, stage);
    size_t len = 0, cap = 1 << 16;
    char *out = malloc(cap);
    out[0] = '\0';
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (cap - len < 64)
            out = realloc(out, cap *= 2);
        len += (size_t)snprintf(out + len, cap - len, "%lld=%lld;",
                                (long long)sqlite3_column_int64(s, 0),
                                (long long)sqlite3_column_int64(s, 1));
    }
    sqlite3_finalize(s);
    return out;
}

static void totals_match(void)
{
    char *naive = counts("SELECT case_id, count(*) FROM vote NOT INDEXED WHERE stage_id = ?1 "
                         "AND valid = 1 GROUP BY case_id ORDER BY case_id");
    char *kept = counts("SELECT case_id, votes FROM vote_total WHERE stage_id = ?1 AND votes > 0 "
                        "ORDER BY case_id");
    assert_true(strlen(naive) > 100);
    assert_string_equal(kept, naive);
    free(naive);
    free(kept);
}

/* ------------------------------------------------------------ tests */

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/laurel-recount-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char err[256] = "", path[128];
    st = store_open(dir, 1, err, sizeof err);
    if (!st || demo_load(st, 2019, 200, err, sizeof err) != 0) {
        fprintf(stderr, "demo: %s\n", err);
        return -1;
    }
    snprintf(path, sizeof path, "%s/laurel.db", dir);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "SELECT stage_id FROM vote GROUP BY stage_id ORDER BY count(*) DESC "
                           "LIMIT 1", -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        stage = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return stage > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(db);
    store_close(st);
    remove_tree();
    return 0;
}

/* The scan and the rules on it equal the naive load and the rules on that. */
static void same_scan_and_groups(const struct vote_scan *sc, const struct fraud_limits *lim,
                                 struct fraud_result *found)
{
    size_t n;
    char **nets;
    int32_t nnets;
    struct fraud_vote *v = naive_votes(&n, &nets, &nnets);
    assert_int_equal(sc->in.nvotes, n);
    assert_int_equal(sc->in.nnets, nnets);
    for (int32_t k = 0; k < nnets; k++)
        assert_string_equal(sc->nets[k], nets[k]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sc->votes[i].id, v[i].id);
        assert_int_equal(sc->votes[i].case_id, v[i].case_id);
        assert_int_equal(sc->votes[i].voter_id, v[i].voter_id);
        assert_int_equal(sc->votes[i].t, v[i].t);
        assert_int_equal(sc->votes[i].net, v[i].net);
    }
    struct fraud_input in = sc->in;
    in.votes = v;
    struct fraud_result naive;
    assert_int_equal(fraud_find(&sc->in, lim, found), 0);
    assert_int_equal(fraud_find(&in, lim, &naive), 0);
    assert_true(found->ngroups >= 3);
    assert_int_equal(found->ngroups, naive.ngroups);
    for (size_t g = 0; g < naive.ngroups; g++) {
        const struct fraud_group *a = &found->groups[g], *b = &naive.groups[g];
        assert_int_equal(a->rule, b->rule);
        assert_int_equal(a->key, b->key);
        assert_int_equal(a->key2, b->key2);
        assert_int_equal(a->case_id, b->case_id);
        assert_int_equal(a->n, b->n);
        assert_int_equal(a->voters, b->voters);
        assert_int_equal(a->first_at, b->first_at);
        assert_int_equal(a->last_at, b->last_at);
        assert_memory_equal(a->ev, b->ev, sizeof a->ev);
        for (size_t k = 0; k < a->n; k++)
            assert_int_equal(sc->votes[found->members[a->first + k]].id,
                             v[naive.members[b->first + k]].id);
    }
    fraud_result_free(&naive);
    for (int32_t k = 0; k < nnets; k++)
        free(nets[k]);
    free(nets);
    free(v);
}

struct recount {
    int64_t stage;
};

static int recount_job(struct store_tx *tx, void *arg)
{
    return tx_vote_recount(tx, ((struct recount *)arg)->stage);
}

static void check_again_and_void(void **state)
{
    (void)state;
    int64_t start = (int64_t)time(NULL) - 5 * 86400;
    add_votes(3000, start, 0);
    add_votes(80, start + 2 * 86400, 1);
    char name[128], kind[16];
    int has = 0;
    struct vote_setting set;
    assert_int_equal(store_vote_setting(st, stage, name, sizeof name, kind, sizeof kind, &set, &has),
                     RC_OK);
    int64_t user = 0;
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "SELECT min(id) FROM user", -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        user = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    int voided = 0;
    for (int round = 0; round < 3; round++) {
        struct vote_scan sc;
        struct fraud_result found;
        assert_int_equal(store_vote_scan(st, stage, &sc), RC_OK);
        same_scan_and_groups(&sc, &set.flags, &found);
        /* Votes cast between the read and the write are counted by the write. */
        add_votes(50, start + (int64_t)round * 3600, 0);
        struct vote_flags_put put = {stage, &sc, &found, 0};
        assert_int_equal(store_write_sync(st, tx_vote_flags_put, &put), RC_OK);
        totals_match();
        /* Void a random group not voided yet: its votes leave the totals. */
        int64_t flag = 0;
        sqlite3_prepare_v2(db, "SELECT id FROM vote_flag WHERE stage_id = ?1 AND voided_at IS NULL "
                               "ORDER BY id", -1, &s, NULL);
        sqlite3_bind_int64(s, 1, stage);
        int64_t ids[64];
        int nids = 0;
        while (sqlite3_step(s) == SQLITE_ROW && nids < 64)
            ids[nids++] = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        assert_true(nids > 0);
        flag = ids[next() % (uint64_t)nids];
        struct vote_void vv = {stage, flag, user, "test", 0};
        assert_int_equal(store_write_sync(st, tx_vote_void, &vv), RC_OK);
        voided += vv.voided > 0;
        totals_match();
        /* The recount alone gives the same. */
        struct recount rc = {stage};
        assert_int_equal(store_write_sync(st, recount_job, &rc), RC_OK);
        totals_match();
        fraud_result_free(&found);
        vote_scan_free(&sc);
    }
    assert_true(voided >= 2);
}

/* The check's reads are index ranges in the order they need: no table row, no sort. */
static void plans(void **state)
{
    (void)state;
    static const char *const sql[] = {
        "SELECT id, case_id, voter_id, at_s, net FROM vote WHERE stage_id = ?1 AND valid = 1 "
        "AND at_s >= ?2 ORDER BY at_s, id LIMIT ?3",
        "SELECT case_id, at_s, id FROM vote WHERE stage_id = ?1 AND valid = 1 AND at_s >= ?2 "
        "ORDER BY at_s, id LIMIT ?3",
        "SELECT voter_id, min(expires_at) FROM voter_token WHERE stage_id = ?1 AND voter_id > ?2 "
        "GROUP BY voter_id ORDER BY voter_id LIMIT ?3",
        "SELECT c.block, c.tail, c.created_at, coalesce(v.id, 0), c.hmac, c.id FROM vote_code c "
        "LEFT JOIN voter v ON v.hmac = c.hmac WHERE c.stage_id = ?1 AND c.block IS NOT NULL "
        "AND (c.block, c.tail, c.created_at, c.hmac, c.id) > (?2, ?3, ?4, ?5, ?6) "
        "ORDER BY c.block, c.tail, c.created_at, c.hmac, c.id LIMIT ?7",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        char q[1024];
        snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql[i]);
        sqlite3_stmt *s;
        assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
        sqlite3_bind_int64(s, 1, stage);
        char plan[1024] = "";
        while (sqlite3_step(s) == SQLITE_ROW) {
            strncat(plan, (const char *)sqlite3_column_text(s, 3), sizeof plan - strlen(plan) - 2);
            strcat(plan, ";");
        }
        sqlite3_finalize(s);
        assert_non_null(strstr(plan, "INDEX"));
        assert_null(strstr(plan, "TEMP B-TREE"));
        assert_null(strstr(plan, "SCAN"));
        if (i < 2) /* the votes' read and the recount's: vote_scan's range from a page's mark on */
            assert_non_null(strstr(plan, "INDEX vote_scan (stage_id=? AND valid=? AND at_s>?)"));
    }
}

struct token_write {
    const char *sql, *hash;
    int64_t voter, expires;
};

static int token_job(struct store_tx *tx, void *arg)
{
    const struct token_write *t = arg;
    sqlite3_stmt *s = tx_prepare(tx, t->sql);
    sqlite3_bind_text(s, 1, t->hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, stage);
    sqlite3_bind_int64(s, 3, t->voter);
    sqlite3_bind_int64(s, 4, t->expires);
    return tx_exec(tx, s);
}

static void tokens_kept_and_dropped(void **state)
{
    (void)state;
    static const char put[] = "INSERT INTO voter_token (token_hash, stage_id, voter_id, expires_at) "
                              "SELECT ?1, ?2, ?3, ?4";
    static const char drop[] = "DELETE FROM voter_token WHERE token_hash = ?1 AND ?2 + ?3 + ?4 > 0";
    int64_t voter = 0, got_stage = 0, got_voter = 0, now = (int64_t)time(NULL);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "SELECT min(id) FROM voter", -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        voter = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    assert_true(voter > 0);
    struct token_write a = {put, "test-token-a", voter, now + 3600};
    struct token_write b = {put, "test-token-b", voter, now + 3600};
    struct token_write old = {put, "test-token-old", voter, now - 1};
    assert_int_equal(store_write_sync(st, token_job, &a), RC_OK);
    assert_int_equal(store_write_sync(st, token_job, &old), RC_OK);
    for (int i = 0; i < 2; i++) { /* a miss, then a hit */
        assert_int_equal(store_vote_token(st, "test-token-a", &got_stage, &got_voter), RC_OK);
        assert_int_equal(got_stage, stage);
        assert_int_equal(got_voter, voter);
        assert_int_equal(store_vote_token(st, "test-token-old", &got_stage, &got_voter),
                         RC_NOTFOUND);
    }
    assert_int_equal(store_write_sync(st, token_job, &b), RC_OK);
    assert_int_equal(store_vote_token(st, "test-token-a", &got_stage, &got_voter), RC_OK);
    assert_int_equal(store_vote_token(st, "test-token-b", &got_stage, &got_voter), RC_OK);
    struct token_write gone = {drop, "test-token-a", 0, 1};
    assert_int_equal(store_write_sync(st, token_job, &gone), RC_OK);
    assert_int_equal(store_vote_token(st, "test-token-a", &got_stage, &got_voter), RC_NOTFOUND);
    assert_int_equal(store_vote_token(st, "test-token-b", &got_stage, &got_voter), RC_OK);
    assert_int_equal(store_vote_token(st, "no-such-token", &got_stage, &got_voter), RC_NOTFOUND);
}

/* Many voters' tokens, written in one job: "test-many-N" for N below n. */
struct many_tokens {
    int n;
    int64_t voter, expires;
};

static int many_job(struct store_tx *tx, void *arg)
{
    const struct many_tokens *m = arg;
    sqlite3_stmt *s = tx_prepare(tx, "INSERT INTO voter_token (token_hash, stage_id, voter_id, "
                                     "expires_at) VALUES (?1, ?2, ?3, ?4)");
    for (int i = 0; i < m->n; i++) {
        char hash[32];
        snprintf(hash, sizeof hash, "test-many-%d", i);
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, stage);
        sqlite3_bind_int64(s, 3, m->voter);
        sqlite3_bind_int64(s, 4, m->expires);
        if (tx_exec(tx, s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

/* How many of the n tokens "test-many-N" store_vote_token finds. */
static int many_found(int n)
{
    int found = 0;
    for (int i = 0; i < n; i++) {
        char hash[32];
        int64_t got_stage = 0, got_voter = 0;
        snprintf(hash, sizeof hash, "test-many-%d", i);
        found += store_vote_token(st, hash, &got_stage, &got_voter) == RC_OK && got_stage == stage;
    }
    return found;
}

/*
 * The tokens of two thousand voters (bench/votes.py's), each met once, are
 * kept: deleted behind the store's back (a plain connection, which moves no
 * generation), at least 99 % are still found, so few were evicted by
 * another's (the cache is set-associative; with one slot per hash a fifth
 * of them were lost, and each loss is a read transaction per vote).  A
 * write of the server that changes a token drops them all: they are read
 * again, and are gone.
 */
static void tokens_of_many_voters_kept(void **state)
{
    (void)state;
    enum { N = 2000 };
    struct many_tokens m = {N, 0, (int64_t)time(NULL) + 3600};
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "SELECT min(id) FROM voter", -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        m.voter = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    assert_true(m.voter > 0);
    assert_int_equal(store_write_sync(st, many_job, &m), RC_OK);
    assert_int_equal(many_found(N), N); /* read, and kept */
    char path[128];
    sqlite3 *rw = NULL;
    snprintf(path, sizeof path, "%s/laurel.db", dir);
    assert_int_equal(sqlite3_open_v2(path, &rw, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(rw, 5000);
    assert_int_equal(sqlite3_exec(rw, "DELETE FROM voter_token WHERE token_hash LIKE 'test-many-%'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_changes(rw), N);
    sqlite3_close(rw);
    int kept = many_found(N); /* from memory: one slot per hash kept 79 % */
    assert_in_range(kept, N * 99 / 100, N);
    struct token_write gone = {"DELETE FROM voter_token WHERE token_hash = ?1 AND ?2 + ?3 + ?4 > 0",
                               "test-token-b", 0, 1};
    assert_int_equal(store_write_sync(st, token_job, &gone), RC_OK);
    assert_int_equal(many_found(N), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_again_and_void),
        cmocka_unit_test(plans),
        cmocka_unit_test(tokens_kept_and_dropped),
        cmocka_unit_test(tokens_of_many_voters_kept),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
