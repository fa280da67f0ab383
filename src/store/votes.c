/*
 * votes.c — public voting in the store (votes.h): settings, codes, voters,
 * tokens and votes.  Written over the driver (db.h): it runs on SQLite and
 * on PostgreSQL.  Writes run on the writer thread; every limit is read and
 * the counters updated inside the vote's own transaction.  A vote's time is
 * made in C to the millisecond and bound, as every time of the store is.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"
#include "store/votes.h"

/* The first row's first column of s as an integer (dflt when there is no row); RC_ERROR on a fault. */
static int one_int(struct db_stmt *s, int64_t dflt, int64_t *out)
{
    int rc = db_step(s);
    *out = rc == DB_ROW ? db_column_int64(s, 0) : dflt;
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? RC_OK : RC_ERROR;
}

/* Unix time in milliseconds ms as a vote's time: 2020-02-04T08:00:00.123Z. */
static void vote_time(char out[STORE_NOW_LEN + 4], int64_t ms)
{
    char sec[STORE_NOW_LEN];
    store_time(sec, ms / 1000);
    /* store_time ends with "Z": the milliseconds go before it. */
    snprintf(out, STORE_NOW_LEN + 4, "%.19s.%03dZ", sec, (int)(ms % 1000));
}

int store_vote_setting(struct store *st, int64_t stage_id, char *name, size_t namelen, char *kind,
                       size_t kindlen, struct vote_setting *out, int *has)
{
    static const char sql[] =
        "SELECT s.name, s.kind, v.opens_on, v.closes_on, v.verify, v.per_case, v.per_day, "
        "v.per_net, v.live, v.stage_id, v.burst_window, v.burst_min, v.burst_factor, "
        "v.net_window, v.net_min, v.run_min, v.ring_window, v.ring_min "
        "FROM stage s LEFT JOIN vote_setting v ON v.stage_id = s.id WHERE s.id = ?1";
    memset(out, 0, sizeof *out);
    *has = 0;
    out->stage_id = stage_id;
    snprintf(out->verify, sizeof out->verify, "both");
    out->per_case = 1;
    out->per_day = 10;
    out->per_net = 50;
    out->live = 1;
    out->flags = (struct fraud_limits)FRAUD_LIMITS_DEFAULT;
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    db_copy_text(name, namelen, s, 0);
    db_copy_text(kind, kindlen, s, 1);
    if (db_column_type(s, 9) != DB_NULL) {
        *has = 1;
        db_copy_text(out->opens_on, sizeof out->opens_on, s, 2);
        db_copy_text(out->closes_on, sizeof out->closes_on, s, 3);
        db_copy_text(out->verify, sizeof out->verify, s, 4);
        out->per_case = (int)db_column_int64(s, 5);
        out->per_day = (int)db_column_int64(s, 6);
        out->per_net = (int)db_column_int64(s, 7);
        out->live = (int)db_column_int64(s, 8);
        out->flags = (struct fraud_limits){
            (int)db_column_int64(s, 10), (int)db_column_int64(s, 11), db_column_double(s, 12),
            (int)db_column_int64(s, 13), (int)db_column_int64(s, 14), (int)db_column_int64(s, 15),
            (int)db_column_int64(s, 16), (int)db_column_int64(s, 17)};
    }
    db_reset(s);
    return RC_OK;
}

int tx_vote_setting_put(struct store_tx *tx, const struct vote_setting *v)
{
    static const char sql[] =
        "INSERT INTO vote_setting (stage_id, opens_on, closes_on, verify, per_case, per_day, "
        "per_net, live, burst_window, burst_min, burst_factor, net_window, net_min, run_min, "
        "ring_window, ring_min) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
        "?14, ?15, ?16) ON CONFLICT (stage_id) DO UPDATE "
        "SET opens_on = excluded.opens_on, closes_on = excluded.closes_on, verify = "
        "excluded.verify, per_case = excluded.per_case, per_day = excluded.per_day, per_net = "
        "excluded.per_net, live = excluded.live, burst_window = excluded.burst_window, "
        "burst_min = excluded.burst_min, burst_factor = excluded.burst_factor, net_window = "
        "excluded.net_window, net_min = excluded.net_min, run_min = excluded.run_min, "
        "ring_window = excluded.ring_window, ring_min = excluded.ring_min";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, v->stage_id);
    db_bind_text(s, 2, v->opens_on, -1);
    db_bind_text(s, 3, v->closes_on, -1);
    db_bind_text(s, 4, v->verify, -1);
    db_bind_int64(s, 5, v->per_case);
    db_bind_int64(s, 6, v->per_day);
    db_bind_int64(s, 7, v->per_net);
    db_bind_int64(s, 8, v->live);
    const struct fraud_limits *f = &v->flags;
    db_bind_int64(s, 9, f->burst_window);
    db_bind_int64(s, 10, f->burst_min);
    db_bind_double(s, 11, f->burst_factor);
    db_bind_int64(s, 12, f->net_window);
    db_bind_int64(s, 13, f->net_min);
    db_bind_int64(s, 14, f->run_min);
    db_bind_int64(s, 15, f->ring_window);
    db_bind_int64(s, 16, f->ring_min);
    return db_run(s);
}

static pthread_mutex_t secret_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char secret[VOTER_SECRET_BYTES];
static const struct store *secret_of; /* the store the secret was read from */

int store_vote_secret(struct store *st, unsigned char out[VOTER_SECRET_BYTES])
{
    static const char sql[] = "SELECT secret FROM vote_secret WHERE id = 1";
    int rc = 0;
    pthread_mutex_lock(&secret_lock);
    if (secret_of != st) {
        struct db_stmt *s = store_stmt(st, sql);
        rc = -1;
        if (s && db_step(s) == DB_ROW && db_column_bytes(s, 0) == VOTER_SECRET_BYTES) {
            memcpy(secret, db_column_blob(s, 0), VOTER_SECRET_BYTES);
            secret_of = st;
            rc = 0;
        }
        if (s)
            db_reset(s);
    }
    if (rc == 0)
        memcpy(out, secret, VOTER_SECRET_BYTES);
    pthread_mutex_unlock(&secret_lock);
    return rc;
}

/* The stage's settings if it is open on the day of unix time at (0: today): RC_OK, RC_CLOSED, or RC_ERROR. */
static int open_setting(struct store_tx *tx, int64_t stage_id, int64_t at, struct vote_setting *v)
{
    static const char sql[] =
        "SELECT verify, per_case, per_day, per_net FROM vote_setting WHERE stage_id = ?1 AND "
        "?2 BETWEEN opens_on AND closes_on";
    char today[11];
    voter_day(at, today);
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_text(s, 2, today, -1);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        db_copy_text(v->verify, sizeof v->verify, s, 0);
        v->per_case = (int)db_column_int64(s, 1);
        v->per_day = (int)db_column_int64(s, 2);
        v->per_net = (int)db_column_int64(s, 3);
    }
    db_reset(s);
    return rc == DB_ROW ? RC_OK : rc == DB_DONE ? RC_CLOSED : RC_ERROR;
}

int tx_vote_code(struct store_tx *tx, const struct vote_code_req *q)
{
    static const char sql_contact[] =
        "SELECT count(*), coalesce(max(created_at), 0) FROM vote_code WHERE hmac = ?1 AND "
        "created_at > ?2";
    static const char sql_net[] = "SELECT count(*) FROM vote_code WHERE net = ?1 AND created_at > ?2";
    static const char sql_code[] =
        "INSERT INTO vote_code (stage_id, hmac, code_hash, net, created_at, expires_at, block, "
        "tail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    static const char sql_out[] =
        "INSERT INTO outbox (to_addr, subject, body, to_mask) VALUES (?1, ?2, ?3, ?4)";
    struct vote_setting v;
    int rc = open_setting(tx, q->stage_id, q->at, &v);
    if (rc != RC_OK)
        return rc;
    if (strcmp(v.verify, "both") != 0 &&
        strcmp(v.verify, q->kind == VOTER_PHONE ? "phone" : "email") != 0)
        return RC_STATE;
    int64_t now = q->at ? q->at : (int64_t)time(NULL);
    struct db_stmt *s = tx_stmt(tx, sql_contact);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, q->hmac, -1);
    db_bind_int64(s, 2, now - 3600);
    rc = db_step(s);
    int64_t n = rc == DB_ROW ? db_column_int64(s, 0) : 0;
    int64_t last = rc == DB_ROW ? db_column_int64(s, 1) : 0;
    db_reset(s);
    if (rc != DB_ROW)
        return RC_ERROR;
    if (n >= VOTE_CODE_PER_HOUR || (n > 0 && last > now - VOTE_CODE_GAP_S))
        return RC_QUOTA;
    if (!(s = tx_stmt(tx, sql_net)))
        return RC_ERROR;
    db_bind_text(s, 1, q->net, -1);
    db_bind_int64(s, 2, now - 3600);
    if (one_int(s, 0, &n) != RC_OK)
        return RC_ERROR;
    if (n >= VOTE_CODE_NET_PER_HOUR)
        return RC_QUOTA;
    if (!(s = tx_stmt(tx, sql_code)))
        return RC_ERROR;
    db_bind_int64(s, 1, q->stage_id);
    db_bind_text(s, 2, q->hmac, -1);
    db_bind_text(s, 3, q->code_hash, -1);
    db_bind_text(s, 4, q->net, -1);
    db_bind_int64(s, 5, now);
    db_bind_int64(s, 6, now + VOTE_CODE_TTL_S);
    if (q->block) {
        db_bind_text(s, 7, q->block, -1);
        db_bind_int64(s, 8, q->tail);
    }
    if ((rc = db_run(s)) != RC_OK || !q->contact)
        return rc;
    if (!(s = tx_stmt(tx, sql_out)))
        return RC_ERROR;
    char to[VOTER_CONTACT_MAX + 8];
    snprintf(to, sizeof to, "%s%s", q->kind == VOTER_PHONE ? "sms:" : "", q->contact);
    db_bind_text(s, 1, to, -1);
    db_bind_text(s, 2, q->subject, -1);
    db_bind_text(s, 3, q->body, -1);
    db_bind_text(s, 4, q->masked, -1);
    return db_run(s);
}

int tx_vote_verify(struct store_tx *tx, struct vote_verify *v)
{
    static const char sql_find[] =
        "SELECT id, code_hash, attempts FROM vote_code WHERE stage_id = ?1 AND hmac = ?2 AND "
        "used = 0 AND expires_at > ?3 ORDER BY id DESC LIMIT 1";
    static const char sql_try[] = "UPDATE vote_code SET attempts = attempts + 1 WHERE id = ?1";
    static const char sql_used[] = "UPDATE vote_code SET used = 1 WHERE id = ?1";
    int64_t now = v->at ? v->at : (int64_t)time(NULL);
    struct db_stmt *s = tx_stmt(tx, sql_find);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, v->stage_id);
    db_bind_text(s, 2, v->hmac, -1);
    db_bind_int64(s, 3, now);
    int rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        if (rc != DB_DONE)
            return RC_ERROR;
        v->outcome = RC_NOTFOUND;
        return RC_OK;
    }
    int64_t id = db_column_int64(s, 0);
    char stored[VOTER_HEX];
    db_copy_text(stored, sizeof stored, s, 1);
    int attempts = (int)db_column_int64(s, 2);
    db_reset(s);
    if (attempts >= VOTE_CODE_TRIES) {
        v->outcome = RC_QUOTA;
        return RC_OK;
    }
    if (strlen(stored) != VOTER_HEX - 1 ||
        sodium_memcmp(stored, v->code_hash, VOTER_HEX - 1) != 0) {
        v->outcome = RC_INVALID;
        return tx_run_id(tx, sql_try, id);
    }
    if ((rc = tx_run_id(tx, sql_used, id)) != RC_OK)
        return rc;
    if ((rc = tx_vote_voter(tx, v->stage_id, v->kind, v->hmac, v->masked, v->token_hash, now,
                            &v->voter_id)) != RC_OK)
        return rc;
    v->outcome = RC_OK;
    return RC_OK;
}

int tx_vote_voter(struct store_tx *tx, int64_t stage_id, enum voter_kind kind, const char *hmac,
                  const char *masked, const char *token_hash, int64_t at, int64_t *voter_id)
{
    static const char sql_voter[] =
        "INSERT INTO voter (hmac, kind, masked) VALUES (?1, ?2, ?3) ON CONFLICT (hmac) DO NOTHING";
    static const char sql_voter_id[] = "SELECT id FROM voter WHERE hmac = ?1";
    static const char sql_token[] =
        "INSERT INTO voter_token (token_hash, stage_id, voter_id, expires_at) VALUES (?1, ?2, ?3, ?4)";
    int rc;
    if (!at)
        at = (int64_t)time(NULL);
    struct db_stmt *s = tx_stmt(tx, sql_voter);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, hmac, -1);
    db_bind_text(s, 2, kind == VOTER_PHONE ? "phone" : "email", -1);
    db_bind_text(s, 3, masked, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    if (!(s = tx_stmt(tx, sql_voter_id)))
        return RC_ERROR;
    db_bind_text(s, 1, hmac, -1);
    *voter_id = 0;
    if (one_int(s, 0, voter_id) != RC_OK || *voter_id <= 0)
        return RC_ERROR;
    if (!(s = tx_stmt(tx, sql_token)))
        return RC_ERROR;
    db_bind_text(s, 1, token_hash, -1);
    db_bind_int64(s, 2, stage_id);
    db_bind_int64(s, 3, *voter_id);
    db_bind_int64(s, 4, at + VOTE_TOKEN_TTL_S);
    return db_run(s);
}

/*
 * Voter tokens met lately, by hash, so that a vote's token is found without
 * a read transaction (a tenth of a vote's CPU on the serving threads).  A
 * row of voter_token is never changed once written; should a write of the
 * server change or delete one all the same, the store's global generation
 * moves (changes.c) and every entry kept under an older one is a miss (an
 * edit by hand with the sqlite3 shell is seen at the next restart, as the
 * page cache sees it).  The expiry is checked at each use, as the query does.
 *
 * The cache is set-associative: a token's hash picks a set of TOKEN_WAYS
 * entries, and a new token takes an entry of its set that holds nothing
 * valid, else the one used least lately.  (With one entry per hash, two
 * thousand voters in 4,096 slots evicted each other at every third vote,
 * and each miss was a read transaction.)
 */
#define TOKEN_WAYS 4
#define TOKEN_SETS 2048 /* 8,192 tokens, about 0.9 MB */

struct token_slot {
    const struct store *st; /* NULL: empty */
    uint64_t gen, used;     /* used: the lookup count at its last hit */
    char hash[VOTER_HEX];
    int64_t stage_id, voter_id, expires_at;
};

static struct token_slot token_slots[TOKEN_SETS][TOKEN_WAYS];
static uint64_t token_clock;
static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;

static struct token_slot *token_set(const char *hash)
{
    uint32_t h = 2166136261u;
    for (const char *c = hash; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    return token_slots[h % TOKEN_SETS];
}

/* 1 if slot k holds a token of st that is current at generation gen and time now. */
static int token_valid(const struct token_slot *k, const struct store *st, uint64_t gen,
                       int64_t now)
{
    return k->st == st && k->gen == gen && k->expires_at > now;
}

int store_vote_token(struct store *st, const char *token_hash, int64_t *stage_id, int64_t *voter_id)
{
    static const char sql[] =
        "SELECT stage_id, voter_id, expires_at FROM voter_token WHERE token_hash = ?1 AND "
        "expires_at > ?2";
    int64_t now = (int64_t)time(NULL);
    uint64_t gen = store_generation(st);
    struct token_slot *set = token_set(token_hash);
    int hit = 0;
    pthread_mutex_lock(&token_lock);
    for (int i = 0; i < TOKEN_WAYS && !hit; i++) {
        struct token_slot *k = &set[i];
        if (token_valid(k, st, gen, now) && strcmp(k->hash, token_hash) == 0) {
            *stage_id = k->stage_id;
            *voter_id = k->voter_id;
            k->used = ++token_clock;
            hit = 1;
        }
    }
    pthread_mutex_unlock(&token_lock);
    if (hit)
        return RC_OK;
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, token_hash, -1);
    db_bind_int64(s, 2, now);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *stage_id = db_column_int64(s, 0);
        *voter_id = db_column_int64(s, 1);
        int64_t expires = db_column_int64(s, 2);
        pthread_mutex_lock(&token_lock);
        /* The same token (another thread's miss), else an entry holding nothing valid,
         * else the one used least lately. */
        struct token_slot *k = NULL, *lru = &set[0];
        for (int i = 0; i < TOKEN_WAYS && !k; i++)
            if (strcmp(set[i].hash, token_hash) == 0)
                k = &set[i];
        for (int i = 0; i < TOKEN_WAYS && !k; i++) {
            if (!token_valid(&set[i], st, gen, now))
                k = &set[i];
            else if (set[i].used < lru->used)
                lru = &set[i];
        }
        if (!k)
            k = lru;
        *k = (struct token_slot){st, gen, ++token_clock, "", *stage_id, *voter_id, expires};
        snprintf(k->hash, sizeof k->hash, "%s", token_hash);
        pthread_mutex_unlock(&token_lock);
    }
    db_reset(s);
    return rc == DB_ROW ? RC_OK : rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
}

int tx_vote_cast(struct store_tx *tx, struct vote_cast *v)
{
    /* Every limit in one read: the stage open today, the case in its pool, the voter's
     * votes for the case, the voter's and the network prefix's votes today; and the
     * case's total, which the vote's own upsert below makes one more.  (The total is
     * read here rather than by "RETURNING votes" on the upsert: RETURNING opens an
     * ephemeral table for every vote, a third of the writer's time per vote.) */
    static const char sql_check[] =
        "SELECT v.per_case, v.per_day, v.per_net, v.live, "
        "(SELECT count(*) FROM stage_case WHERE stage_id = ?1 AND case_id = ?2), "
        "(SELECT count(*) FROM vote WHERE stage_id = ?1 AND case_id = ?2 AND voter_id = ?3), "
        "coalesce((SELECT votes FROM vote_day WHERE stage_id = ?1 AND voter_id = ?3 AND "
        "day = ?4), 0), "
        "coalesce((SELECT votes FROM vote_net WHERE stage_id = ?1 AND net = ?5 AND day = ?4), 0), "
        "coalesce((SELECT votes FROM vote_total WHERE stage_id = ?1 AND case_id = ?2), 0) "
        "FROM vote_setting v WHERE v.stage_id = ?1 AND ?4 BETWEEN v.opens_on AND v.closes_on";
    static const char sql_vote[] =
        "INSERT INTO vote (stage_id, case_id, voter_id, ord, day, net, ua_hash, at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    static const char sql_day_add[] =
        "INSERT INTO vote_day (stage_id, voter_id, day, votes) VALUES (?1, ?2, ?3, 1) "
        "ON CONFLICT (stage_id, voter_id, day) DO UPDATE SET votes = vote_day.votes + 1";
    static const char sql_net_add[] =
        "INSERT INTO vote_net (stage_id, net, day, votes) VALUES (?1, ?2, ?3, 1) "
        "ON CONFLICT (stage_id, net, day) DO UPDATE SET votes = vote_net.votes + 1";
    static const char sql_total[] =
        "INSERT INTO vote_total (stage_id, case_id, votes) VALUES (?1, ?2, 1) "
        "ON CONFLICT (stage_id, case_id) DO UPDATE SET votes = vote_total.votes + 1";
    int64_t ms = v->at * 1000;
    if (!v->at) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    }
    char today[11], at[STORE_NOW_LEN + 4];
    voter_day(ms / 1000, today);
    vote_time(at, ms);
    int rc;
    struct db_stmt *s = tx_stmt(tx, sql_check);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, v->stage_id);
    db_bind_int64(s, 2, v->case_id);
    db_bind_int64(s, 3, v->voter_id);
    db_bind_text(s, 4, today, -1);
    db_bind_text(s, 5, v->net, -1);
    rc = db_step(s);
    if (rc != DB_ROW) {
        db_reset(s);
        return rc == DB_DONE ? RC_CLOSED : RC_ERROR;
    }
    int64_t per_case = db_column_int64(s, 0), per_day = db_column_int64(s, 1),
            per_net = db_column_int64(s, 2), in_pool = db_column_int64(s, 4),
            mine = db_column_int64(s, 5), day = db_column_int64(s, 6),
            net = db_column_int64(s, 7), total = db_column_int64(s, 8);
    v->live = (int)db_column_int64(s, 3);
    db_reset(s);
    if (!in_pool)
        return RC_NOTFOUND;
    if (mine >= per_case)
        return RC_EXISTS;
    v->remaining = day >= per_day ? 0 : (int)(per_day - day);
    if (day >= per_day) {
        v->limit = "day";
        return RC_QUOTA;
    }
    if (net >= per_net) {
        v->limit = "net";
        return RC_QUOTA;
    }
    if (!(s = tx_stmt(tx, sql_vote)))
        return RC_ERROR;
    db_bind_int64(s, 1, v->stage_id);
    db_bind_int64(s, 2, v->case_id);
    db_bind_int64(s, 3, v->voter_id);
    db_bind_int64(s, 4, mine + 1);
    db_bind_text(s, 5, today, -1);
    db_bind_text(s, 6, v->net, -1);
    db_bind_text(s, 7, v->ua_hash, -1);
    db_bind_text(s, 8, at, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    if (!(s = tx_stmt(tx, sql_day_add)))
        return RC_ERROR;
    db_bind_int64(s, 1, v->stage_id);
    db_bind_int64(s, 2, v->voter_id);
    db_bind_text(s, 3, today, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    if (!(s = tx_stmt(tx, sql_net_add)))
        return RC_ERROR;
    db_bind_int64(s, 1, v->stage_id);
    db_bind_text(s, 2, v->net, -1);
    db_bind_text(s, 3, today, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    if (!(s = tx_stmt(tx, sql_total)))
        return RC_ERROR;
    db_bind_int64(s, 1, v->stage_id);
    db_bind_int64(s, 2, v->case_id);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    v->votes = total + 1;
    v->remaining--;
    return RC_OK;
}

int store_vote_remaining(struct store *st, int64_t stage_id, int64_t voter_id)
{
    static const char sql[] =
        "SELECT v.per_day - coalesce((SELECT votes FROM vote_day d WHERE d.stage_id = ?1 AND "
        "d.voter_id = ?2 AND d.day = ?3), 0) FROM vote_setting v WHERE v.stage_id = ?1";
    char today[11];
    voter_today(today);
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return 0;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, voter_id);
    db_bind_text(s, 3, today, -1);
    int n = db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : 0;
    db_reset(s);
    return n < 0 ? 0 : n;
}

json_t *store_votes_open(struct store *st)
{
    static const char sql[] =
        "SELECT s.id, s.name, v.opens_on, v.closes_on, v.verify, v.per_case, v.per_day, "
        "v.per_net, v.live FROM vote_setting v JOIN stage s ON s.id = v.stage_id "
        "WHERE ?1 BETWEEN v.opens_on AND v.closes_on ORDER BY s.id";
    static const char sql_cases[] =
        "SELECT case_id FROM stage_case WHERE stage_id = ?1 ORDER BY case_id";
    char today[11];
    voter_today(today);
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_text(s, 1, today, -1);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_column_int64(s, 0);
        json_t *cases = json_array();
        struct db_stmt *c = store_stmt(st, sql_cases);
        if (c) {
            db_bind_int64(c, 1, id);
            while (db_step(c) == DB_ROW)
                json_array_append_new(cases, json_integer(db_column_int64(c, 0)));
            db_reset(c);
        }
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:{s:i,s:i,s:i},s:b,s:o}", "id", (json_int_t)id,
                         "title", db_jtext(s, 1), "opens_on", db_jtext(s, 2), "closes_on",
                         db_jtext(s, 3), "verify", db_jtext(s, 4), "limits", "per_case",
                         (int)db_column_int64(s, 5), "per_day", (int)db_column_int64(s, 6), "per_net",
                         (int)db_column_int64(s, 7), "live", (int)db_column_int64(s, 8), "cases",
                         cases));
    }
    db_reset(s);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *store_vote_summary(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM vote WHERE stage_id = ?1 AND valid = 1), "
        "(SELECT count(DISTINCT voter_id) FROM vote WHERE stage_id = ?1), "
        "(SELECT count(*) FROM stage_case WHERE stage_id = ?1)";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW)
        o = json_pack("{s:I,s:I,s:I}", "votes", (json_int_t)db_column_int64(s, 0), "voters",
                      (json_int_t)db_column_int64(s, 1), "cases",
                      (json_int_t)db_column_int64(s, 2));
    db_reset(s);
    return o;
}

/* Whether a is the stage to show before b: open now first, then the latest to close. */
static int vote_case_before(const struct vote_case *a, const struct vote_case *b)
{
    if (a->open != b->open)
        return a->open > b->open;
    int c = strcmp(a->set.closes_on, b->set.closes_on);
    return c != 0 ? c > 0 : a->stage_id > b->stage_id;
}

int store_vote_case(struct store *st, int64_t case_id, int64_t voter_id, struct vote_case *out)
{
    /* A case is in one exhibition or a few: the choice among them is made here, not by a sort
     * in SQL, which would build a temporary table on every case page. */
    static const char sql[] =
        "SELECT s.id, s.name, v.opens_on, v.closes_on, v.verify, v.per_case, v.per_day, "
        "v.per_net, v.live, ?3 BETWEEN v.opens_on AND v.closes_on, "
        "coalesce((SELECT votes FROM vote_total t WHERE t.stage_id = s.id AND t.case_id = ?1), 0), "
        "(SELECT count(*) FROM vote x WHERE x.stage_id = s.id AND x.case_id = ?1 AND "
        "x.voter_id = ?2) "
        "FROM stage_case c JOIN stage s ON s.id = c.stage_id JOIN vote_setting v ON "
        "v.stage_id = s.id WHERE c.case_id = ?1 AND s.kind = 'exhibition'";
    char today[11];
    voter_today(today);
    memset(out, 0, sizeof *out);
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, voter_id);
    db_bind_text(s, 3, today, -1);
    int rc, found = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        struct vote_case row;
        memset(&row, 0, sizeof row);
        row.stage_id = row.set.stage_id = db_column_int64(s, 0);
        db_copy_text(row.stage_name, sizeof row.stage_name, s, 1);
        db_copy_text(row.set.opens_on, sizeof row.set.opens_on, s, 2);
        db_copy_text(row.set.closes_on, sizeof row.set.closes_on, s, 3);
        db_copy_text(row.set.verify, sizeof row.set.verify, s, 4);
        row.set.per_case = (int)db_column_int64(s, 5);
        row.set.per_day = (int)db_column_int64(s, 6);
        row.set.per_net = (int)db_column_int64(s, 7);
        row.set.live = (int)db_column_int64(s, 8);
        row.open = (int)db_column_int64(s, 9);
        row.votes = db_column_int64(s, 10);
        row.mine = db_column_int64(s, 11);
        if (!found || vote_case_before(&row, out))
            *out = row;
        found = 1;
    }
    db_reset(s);
    return rc != DB_DONE ? RC_ERROR : found ? RC_OK : RC_NOTFOUND;
}

json_t *store_vote_exhibit(struct store *st, int64_t stage_id, const char *region, const char *track)
{
    static const char sql[] =
        "SELECT c.id, c.title, coalesce(t.votes, 0), r.code, r.name, k.slug, k.name, "
        "c.published_at IS NOT NULL "
        "FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id "
        "JOIN region r ON r.code = c.region_code JOIN track k ON k.id = c.track_id "
        "LEFT JOIN vote_total t ON t.stage_id = sc.stage_id AND t.case_id = c.id "
        "WHERE sc.stage_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR c.region_code = ?2) AND "
        "(CAST(?3 AS TEXT) IS NULL OR k.slug = ?3) ORDER BY 3 DESC, c.id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    if (region)
        db_bind_text(s, 2, region, -1);
    if (track)
        db_bind_text(s, 3, track, -1);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:I,s:{s:o,s:o},s:{s:o,s:o},s:b}", "id",
                         (json_int_t)db_column_int64(s, 0), "title", db_jtext(s, 1), "votes",
                         (json_int_t)db_column_int64(s, 2), "region", "code", db_jtext(s, 3),
                         "name", db_jtext(s, 4), "track", "slug", db_jtext(s, 5), "name",
                         db_jtext(s, 6), "published", (int)db_column_int64(s, 7)));
    db_reset(s);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *store_vote_card(struct store *st, int64_t case_id)
{
    static const char sql[] =
        "SELECT c.id, c.title, c.summary, c.published_at IS NOT NULL, r.code, r.name, k.slug, "
        "k.name FROM \"case\" c JOIN region r ON r.code = c.region_code "
        "JOIN track k ON k.id = c.track_id WHERE c.id = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, case_id);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW)
        o = json_pack("{s:I,s:o,s:o,s:b,s:{s:o,s:o},s:{s:o,s:o}}", "id",
                      (json_int_t)db_column_int64(s, 0), "title", db_jtext(s, 1), "summary",
                      db_jtext(s, 2), "published", (int)db_column_int64(s, 3), "region", "code",
                      db_jtext(s, 4), "name", db_jtext(s, 5), "track", "slug", db_jtext(s, 6),
                      "name", db_jtext(s, 7));
    db_reset(s);
    return o;
}
