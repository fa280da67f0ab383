/*
 * vote_flags.c — fraud flags of an exhibition's votes (votes.h): loading a
 * stage's votes for the rules of domain/fraud.h, storing the groups found
 * with their evidence, voiding a group (its votes kept, marked invalid, the
 * void recorded on the flag) and recounting the valid votes into
 * vote_total, which the ranking and the case pages read.  Written over the
 * driver (db.h): it runs on SQLite and on PostgreSQL alike.  A vote's
 * second is the column at_s (generated from its time by each database,
 * 021_vote_scan_at.sql, pg/schema.sql); the long reads go by pages along
 * the indexes that hold them in the order they need, and every order is
 * spelt out, so that the groups come out the same on both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "store/votes.h"

/* Rows of a long read fetched at a time (PostgreSQL's driver holds a run's rows at once). */
#define SCAN_PAGE 8192

/* ------------------------------------------------------------ interning */

/* Texts (prefixes, blocks) to dense ids: open addressing. */
struct intern {
    char **texts;
    int32_t n, cap; /* texts */
    struct intern_slot {
        uint32_t hash, len;
        int32_t id; /* -1: empty */
    } *slots;
    size_t nslots; /* a power of two, at least twice cap */
};

/*
 * A text's hash, eight bytes at a time (a prefix is 10 to 20 bytes; the
 * scan hashes one a vote): each word mixed in by a multiply, the high half
 * folded into the low, which pick the slot.
 */
static uint32_t text_hash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return (uint32_t)(h ^ h >> 32);
}

static int intern_grow(struct intern *t)
{
    int32_t cap = t->cap ? t->cap * 2 : 256;
    char **texts = realloc(t->texts, (size_t)cap * sizeof *texts);
    if (!texts)
        return -1;
    t->texts = texts;
    size_t nslots = (size_t)cap * 2;
    struct intern_slot *slots = malloc(nslots * sizeof *slots);
    if (!slots)
        return -1;
    for (size_t k = 0; k < nslots; k++)
        slots[k].id = -1;
    for (size_t k = 0; k < t->nslots; k++) {
        if (t->slots[k].id < 0)
            continue;
        size_t j = t->slots[k].hash & (nslots - 1);
        while (slots[j].id >= 0)
            j = (j + 1) & (nslots - 1);
        slots[j] = t->slots[k];
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    t->cap = cap;
    return 0;
}

/* The dense id of text s[0..n), added if new; -1 without memory. */
static int32_t intern(struct intern *t, const char *s, size_t n)
{
    if (t->n == t->cap && intern_grow(t) != 0)
        return -1;
    uint32_t h = text_hash(s, n);
    size_t k = h & (t->nslots - 1);
    for (; t->slots[k].id >= 0; k = (k + 1) & (t->nslots - 1)) {
        const struct intern_slot *x = &t->slots[k];
        if (x->hash == h && x->len == n && memcmp(t->texts[x->id], s, n) == 0)
            return x->id;
    }
    char *copy = malloc(n + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    t->texts[t->n] = copy;
    t->slots[k] = (struct intern_slot){h, (uint32_t)n, t->n};
    return t->n++;
}

/* ------------------------------------------------------------ loading */

static int by_time(const void *a, const void *b)
{
    const struct fraud_vote *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

struct first_use {
    int64_t vote; /* the smallest vote id with this prefix */
    int32_t net;
};

static int by_first_use(const void *a, const void *b)
{
    const struct first_use *x = a, *y = b;
    return x->vote < y->vote ? -1 : x->vote > y->vote;
}

/*
 * Number the prefixes in the order of their first vote by id (the table's
 * order), whatever order they were read in: the rules visit prefixes by
 * number, so the groups come out in the same order from any read.
 */
static int renumber_nets(struct vote_scan *out, struct intern *nets)
{
    int32_t nn = nets->n;
    struct first_use *f = malloc((nn ? (size_t)nn : 1) * sizeof *f);
    int32_t *to = malloc((nn ? (size_t)nn : 1) * sizeof *to);
    char **texts = malloc((nn ? (size_t)nn : 1) * sizeof *texts);
    if (!f || !to || !texts) {
        free(f), free(to), free(texts);
        return -1;
    }
    for (int32_t k = 0; k < nn; k++)
        f[k] = (struct first_use){INT64_MAX, k};
    for (size_t i = 0; i < out->in.nvotes; i++) {
        struct first_use *u = &f[out->votes[i].net];
        if (out->votes[i].id < u->vote)
            u->vote = out->votes[i].id;
    }
    qsort(f, (size_t)nn, sizeof *f, by_first_use);
    for (int32_t k = 0; k < nn; k++) {
        to[f[k].net] = k;
        texts[k] = nets->texts[f[k].net];
    }
    for (size_t i = 0; i < out->in.nvotes; i++)
        out->votes[i].net = to[out->votes[i].net];
    memcpy(nets->texts, texts, (size_t)nn * sizeof *texts);
    free(f), free(to), free(texts);
    return 0;
}

void vote_scan_free(struct vote_scan *s)
{
    free(s->votes);
    free(s->voters);
    free(s->codes);
    for (int32_t i = 0; s->nets && i < s->in.nnets; i++)
        free(s->nets[i]);
    for (int32_t i = 0; s->blocks && i < s->in.nblocks; i++)
        free(s->blocks[i]);
    free(s->nets);
    free(s->blocks);
    memset(s, 0, sizeof *s);
}

/* Grow *p (of *cap elements of size sz) to hold n + 1. */
static int room(void **p, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 4096;
    void *q = realloc(*p, c * sz);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/*
 * The stage's valid votes by pages, in the order of the index vote_scan,
 * which holds every column read (021_vote_scan_at.sql).  A page starts at
 * the second where the last one ended: one range of the index with nothing
 * tested row by row (a row value, (at_s, id) > (?2, ?3), was tested on
 * every row by SQLite, a tenth of the read's time); the rows of that second
 * read already are passed over here (vote_next), and the page is as many
 * rows longer.
 */
static const char sql_vote_page[] =
    "SELECT id, case_id, voter_id, at_s, net FROM vote WHERE stage_id = ?1 AND valid = 1 "
    "AND at_s >= ?2 ORDER BY at_s, id LIMIT ?3";

/* Where a read of votes by pages stands: the last second and id read, and that second's votes read. */
struct vote_mark {
    int64_t t, id, same;
};

/* Bind the next page of s after *m: the rows it asks for. */
static int64_t vote_page(struct db_stmt *s, int64_t stage_id, const struct vote_mark *m)
{
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, m->t);
    db_bind_int64(s, 3, SCAN_PAGE + m->same);
    return SCAN_PAGE + m->same;
}

/* Whether the vote (second t, id) comes after *m (not read yet), *m moved onto it if so. */
static int vote_next(struct vote_mark *m, int64_t t, int64_t id)
{
    if (t == m->t && id <= m->id)
        return 0;
    m->same = t == m->t ? m->same + 1 : 1;
    m->t = t, m->id = id;
    return 1;
}

/* The stage's votes into out (the nets interned): RC_OK or RC_ERROR. */
static int scan_votes(struct store *st, int64_t stage_id, struct vote_scan *out,
                      struct intern *nets)
{
    struct vote_mark m = {INT64_MIN, 0, 0};
    size_t cap = 0, n = 0;
    int64_t asked, got;
    do {
        struct db_stmt *s = store_stmt(st, sql_vote_page);
        if (!s)
            return RC_ERROR;
        asked = vote_page(s, stage_id, &m);
        got = 0;
        int rc;
        while ((rc = db_step(s)) == DB_ROW) {
            got++;
            if (!vote_next(&m, db_column_int64(s, 3), db_column_int64(s, 0)))
                continue;
            if (room((void **)&out->votes, &cap, n, sizeof *out->votes) != 0)
                break;
            struct fraud_vote *v = &out->votes[n++];
            v->id = m.id;
            v->case_id = db_column_int64(s, 1);
            v->voter_id = db_column_int64(s, 2);
            v->t = m.t;
            v->net = intern(nets, db_text(s, 4), db_column_bytes(s, 4));
            if (v->net < 0)
                break;
        }
        db_reset(s);
        out->in.nvotes = n;
        if (rc != DB_DONE)
            return RC_ERROR;
    } while (got == asked);
    int sorted = 1;
    for (size_t i = 1; sorted && i < n; i++)
        sorted = by_time(&out->votes[i - 1], &out->votes[i]) < 0;
    if (!sorted) /* cannot be with the index's order; a guard, one pass */
        qsort(out->votes, n, sizeof *out->votes, by_time);
    return RC_OK;
}

/* The stage's voters with their first verification, by pages of voter ids. */
static int scan_voters(struct store *st, int64_t stage_id, struct vote_scan *out)
{
    static const char sql[] =
        "SELECT voter_id, min(expires_at) FROM voter_token WHERE stage_id = ?1 AND voter_id > ?2 "
        "GROUP BY voter_id ORDER BY voter_id LIMIT ?3";
    size_t cap = 0, n = 0, got;
    int64_t after = 0;
    do {
        struct db_stmt *s = store_stmt(st, sql);
        if (!s)
            return RC_ERROR;
        db_bind_int64(s, 1, stage_id);
        db_bind_int64(s, 2, after);
        db_bind_int64(s, 3, SCAN_PAGE);
        int rc;
        got = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            if (room((void **)&out->voters, &cap, n, sizeof *out->voters) != 0)
                break;
            after = db_column_int64(s, 0);
            out->voters[n++] =
                (struct fraud_voter){after, db_column_int64(s, 1) - VOTE_TOKEN_TTL_S};
            got++;
        }
        db_reset(s);
        out->in.nvoters = n;
        if (rc != DB_DONE)
            return RC_ERROR;
    } while (got == SCAN_PAGE);
    return RC_OK;
}

/*
 * The stage's phone code requests by block, number, time (the index
 * vote_code_block's order, so the blocks are numbered alike on both
 * databases), by pages after the last one read.
 */
static int scan_codes(struct store *st, int64_t stage_id, struct vote_scan *out,
                      struct intern *blocks)
{
    static const char sql[] =
        "SELECT c.block, c.tail, c.created_at, coalesce(v.id, 0), c.hmac, c.id FROM vote_code c "
        "LEFT JOIN voter v ON v.hmac = c.hmac WHERE c.stage_id = ?1 AND c.block IS NOT NULL "
        "AND (c.block, c.tail, c.created_at, c.hmac, c.id) > (?2, ?3, ?4, ?5, ?6) "
        "ORDER BY c.block, c.tail, c.created_at, c.hmac, c.id LIMIT ?7";
    size_t cap = 0, n = 0, got;
    char block[128] = "", hmac[128] = "";
    int64_t tail = 0, at = 0, id = 0;
    do {
        struct db_stmt *s = store_stmt(st, sql);
        if (!s)
            return RC_ERROR;
        db_bind_int64(s, 1, stage_id);
        db_bind_text(s, 2, block, -1);
        db_bind_int64(s, 3, tail);
        db_bind_int64(s, 4, at);
        db_bind_text(s, 5, hmac, -1);
        db_bind_int64(s, 6, id);
        db_bind_int64(s, 7, SCAN_PAGE);
        int rc;
        got = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            if (room((void **)&out->codes, &cap, n, sizeof *out->codes) != 0)
                break;
            int32_t b = intern(blocks, db_text(s, 0), db_column_bytes(s, 0));
            if (b < 0)
                break;
            tail = db_column_int64(s, 1);
            at = db_column_int64(s, 2);
            out->codes[n++] = (struct fraud_code){b, (int32_t)tail, at, db_column_int64(s, 3)};
            if (++got == SCAN_PAGE) {
                db_copy_text(block, sizeof block, s, 0);
                db_copy_text(hmac, sizeof hmac, s, 4);
                id = db_column_int64(s, 5);
            }
        }
        db_reset(s);
        out->in.ncodes = n;
        if (rc != DB_DONE)
            return RC_ERROR;
    } while (got == SCAN_PAGE);
    return RC_OK;
}

int store_vote_scan(struct store *st, int64_t stage_id, struct vote_scan *out)
{
    static const char sql_voids[] =
        "SELECT count(*) FROM vote_flag WHERE stage_id = ?1 AND voided_at IS NOT NULL";
    /* The newest vote before the pages, each read apart: its own moment (votes.h). */
    static const char sql_newest[] = "SELECT id FROM vote ORDER BY id DESC LIMIT 1";
    memset(out, 0, sizeof *out);
    struct intern nets = {0}, blocks = {0};
    struct db_stmt *s = store_stmt(st, sql_voids);
    if (!s)
        goto fail;
    db_bind_int64(s, 1, stage_id);
    int rc = db_step(s);
    out->voids = db_column_int64(s, 0);
    db_reset(s);
    if (rc != DB_ROW || !(s = store_stmt(st, sql_newest)))
        goto fail;
    rc = db_step(s);
    out->max_vote_id = rc == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    if ((rc != DB_ROW && rc != DB_DONE) || scan_votes(st, stage_id, out, &nets) != RC_OK ||
        renumber_nets(out, &nets) != 0 || scan_voters(st, stage_id, out) != RC_OK ||
        scan_codes(st, stage_id, out, &blocks) != RC_OK)
        goto fail;
    out->in.votes = out->votes;
    out->in.voters = out->voters;
    out->in.codes = out->codes;
    out->in.nnets = nets.n;
    out->in.nblocks = blocks.n;
    out->nets = nets.texts;
    out->blocks = blocks.texts;
    free(nets.slots);
    free(blocks.slots);
    return RC_OK;
fail:
    out->nets = nets.texts, out->in.nnets = nets.n;
    out->blocks = blocks.texts, out->in.nblocks = blocks.n;
    free(nets.slots);
    free(blocks.slots);
    vote_scan_free(out);
    return RC_ERROR;
}

/* ------------------------------------------------------------ storing */

static const char *const rule_names[] = {"burst", "network", "run", "ring"};

/* The group's key among the stage's flags of its rule, and its evidence as JSON. */
static void describe(const struct vote_scan *sc, const struct fraud_group *g, char *key,
                     size_t keylen, json_t **evidence)
{
    const double *e = g->ev;
    switch (g->rule) {
    case FRAUD_BURST:
        snprintf(key, keylen, "case %lld", (long long)g->key);
    {
        char own[24], peers[24], ratio[24];
        snprintf(own, sizeof own, "%.2f", e[2]);
        snprintf(peers, sizeof peers, "%.2f", e[3]);
        snprintf(ratio, sizeof ratio, "%.0f", e[4]);
        *evidence = json_pack("{s:i,s:i,s:s,s:s,s:s}", "window_s", (int)e[0], "max_in_window",
                              (int)e[1], "own_per_window", own, "peers_per_window", peers,
                              "ratio", ratio);
        break;
    }
    case FRAUD_NETWORK:
        snprintf(key, keylen, "%s", sc->nets[g->key]);
        *evidence = json_pack("{s:s,s:i,s:i,s:i}", "prefix", sc->nets[g->key], "window_s",
                              (int)e[0], "max_new_voters", (int)e[1], "new_voters", (int)e[2]);
        break;
    case FRAUD_RUN:
        snprintf(key, keylen, "block %.16s from %04lld", sc->blocks[g->key], (long long)g->key2);
    {
        char from[12], to[12];
        snprintf(from, sizeof from, "%04d", (int)e[1]);
        snprintf(to, sizeof to, "%04d", (int)e[2]);
        *evidence = json_pack("{s:i,s:s,s:s,s:i,s:i}", "numbers", (int)e[0], "from", from, "to",
                              to, "span_s", (int)e[3], "verified", (int)e[4]);
        break;
    }
    case FRAUD_RING:
    default:
        snprintf(key, keylen, "case %lld from %lld", (long long)g->key, (long long)g->key2);
        *evidence = json_pack("{s:i,s:i,s:i}", "window_s", (int)e[0], "voters", (int)e[1],
                              "span_s", (int)e[2]);
        break;
    }
}

/* ------------------------------------------------------------ counting */

/* Votes by case: open addressing over the case id (a stage has hundreds to thousands). */
struct tally {
    int64_t *cases, *votes;
    size_t n, nslots; /* nslots: a power of two, more than twice n */
};

#define TALLY_EMPTY INT64_MIN

static size_t tally_slot(const struct tally *t, int64_t c)
{
    size_t k = (size_t)(((uint64_t)c * 0x9e3779b97f4a7c15ULL) >> 20) & (t->nslots - 1);
    while (t->cases[k] != TALLY_EMPTY && t->cases[k] != c)
        k = (k + 1) & (t->nslots - 1);
    return k;
}

static int tally_grow(struct tally *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 1024;
    struct tally g = {malloc(nslots * sizeof *g.cases), calloc(nslots, sizeof *g.votes), t->n,
                      nslots};
    if (!g.cases || !g.votes) {
        free(g.cases), free(g.votes);
        return -1;
    }
    for (size_t k = 0; k < nslots; k++)
        g.cases[k] = TALLY_EMPTY;
    for (size_t k = 0; k < t->nslots; k++)
        if (t->cases[k] != TALLY_EMPTY) {
            size_t j = tally_slot(&g, t->cases[k]);
            g.cases[j] = t->cases[k], g.votes[j] = t->votes[k];
        }
    free(t->cases), free(t->votes);
    *t = g;
    return 0;
}

/* One more vote for case c: 0, or -1 without memory. */
static int tally_add(struct tally *t, int64_t c)
{
    if (2 * (t->n + 1) > t->nslots && tally_grow(t) != 0)
        return -1;
    size_t k = tally_slot(t, c);
    if (t->cases[k] == TALLY_EMPTY)
        t->cases[k] = c, t->n++;
    t->votes[k]++;
    return 0;
}

static void tally_free(struct tally *t)
{
    free(t->cases), free(t->votes);
}

/* vote_total of the stage replaced by the tally's counts: RC_OK or RC_ERROR. */
static int tally_put(struct store_tx *tx, int64_t stage_id, const struct tally *t)
{
    static const char sql_clear[] = "DELETE FROM vote_total WHERE stage_id = ?1";
    static const char sql_put[] =
        "INSERT INTO vote_total (stage_id, case_id, votes) VALUES (?1, ?2, ?3)";
    struct db_stmt *s = tx_stmt(tx, sql_clear);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    int rc = db_run(s);
    for (size_t k = 0; rc == RC_OK && k < t->nslots; k++) {
        if (t->cases[k] == TALLY_EMPTY)
            continue;
        if (!(s = tx_stmt(tx, sql_put)))
            return RC_ERROR;
        db_bind_int64(s, 1, stage_id);
        db_bind_int64(s, 2, t->cases[k]);
        db_bind_int64(s, 3, t->votes[k]);
        rc = db_run(s);
    }
    return rc;
}

/*
 * vote_total of the stage from the votes scanned (valid when read) up to
 * the newest when the scan began, and the votes cast since (ids above it,
 * some of them scanned too); when a void came in between, from all the
 * stage's votes again.
 */
static int recount_from(struct store_tx *tx, int64_t stage_id, const struct vote_scan *sc)
{
    static const char sql_voids[] =
        "SELECT count(*) FROM vote_flag WHERE stage_id = ?1 AND voided_at IS NOT NULL";
    /*
     * The votes since by id (a range of the primary key; the unary + keeps
     * SQLite off the stage's index range of every vote), added to the counts.
     */
    static const char sql_since[] =
        "INSERT INTO vote_total (stage_id, case_id, votes) SELECT ?1, case_id, count(*) "
        "FROM vote WHERE id > ?2 AND +stage_id = ?1 AND +valid = 1 GROUP BY case_id "
        "ON CONFLICT (stage_id, case_id) DO UPDATE SET votes = vote_total.votes + excluded.votes";
    struct db_stmt *s = tx_stmt(tx, sql_voids);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    int rc = db_step(s);
    int64_t voids = rc == DB_ROW ? db_column_int64(s, 0) : -1;
    db_reset(s);
    if (rc != DB_ROW)
        return RC_ERROR;
    if (voids != sc->voids)
        return tx_vote_recount(tx, stage_id);
    struct tally t = {0};
    rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < sc->in.nvotes; i++)
        if (sc->votes[i].id <= sc->max_vote_id) /* the later ones are counted below */
            rc = tally_add(&t, sc->votes[i].case_id) == 0 ? RC_OK : RC_ERROR;
    if (rc == RC_OK)
        rc = tally_put(tx, stage_id, &t);
    tally_free(&t);
    if (rc != RC_OK || !(s = tx_stmt(tx, sql_since)))
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, sc->max_vote_id);
    return db_run(s);
}

int tx_vote_flags_put(struct store_tx *tx, void *arg)
{
    static const char sql_unlink[] =
        "DELETE FROM vote_flag_vote WHERE flag_id IN (SELECT id FROM vote_flag WHERE "
        "stage_id = ?1 AND voided_at IS NULL)";
    static const char sql_drop[] = "DELETE FROM vote_flag WHERE stage_id = ?1 AND voided_at IS NULL";
    static const char sql_flag[] =
        "INSERT INTO vote_flag (stage_id, rule, key, case_id, votes, voters, first_at, last_at, "
        "evidence, found_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT (stage_id, rule, key) DO NOTHING RETURNING id";
    static const char sql_member[] = "INSERT INTO vote_flag_vote (flag_id, vote_id) VALUES (?1, ?2)";
    struct vote_flags_put *p = arg;
    const struct fraud_result *f = p->found;
    char now[STORE_NOW_LEN];
    store_now(now);
    int rc;
    p->flags = 0;
    if ((rc = tx_run_id(tx, sql_unlink, p->stage_id)) != RC_OK ||
        (rc = tx_run_id(tx, sql_drop, p->stage_id)) != RC_OK)
        return rc;
    for (size_t i = 0; i < f->ngroups; i++) {
        const struct fraud_group *g = &f->groups[i];
        char key[96], first[STORE_NOW_LEN], last[STORE_NOW_LEN];
        json_t *ev = NULL;
        describe(p->scan, g, key, sizeof key, &ev);
        char *evs = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
        json_decref(ev);
        if (!evs)
            return RC_ERROR;
        store_time(first, g->first_at);
        store_time(last, g->last_at);
        struct db_stmt *s = tx_stmt(tx, sql_flag);
        if (!s) {
            free(evs);
            return RC_ERROR;
        }
        db_bind_int64(s, 1, p->stage_id);
        db_bind_text(s, 2, rule_names[g->rule], -1);
        db_bind_text(s, 3, key, -1);
        db_bind_int64(s, 4, g->case_id);
        db_bind_int64(s, 5, (int64_t)g->n);
        db_bind_int64(s, 6, g->voters);
        db_bind_text(s, 7, first, -1);
        db_bind_text(s, 8, last, -1);
        db_bind_text(s, 9, evs, -1);
        db_bind_text(s, 10, now, -1);
        free(evs);
        int64_t id = 0;
        if ((rc = db_run_id(s, &id)) != RC_OK)
            return rc;
        if (!id)
            continue; /* a voided flag holds that key: it stays as voided */
        p->flags++;
        for (size_t k = 0; k < g->n; k++) {
            if (!(s = tx_stmt(tx, sql_member)))
                return RC_ERROR;
            db_bind_int64(s, 1, id);
            db_bind_int64(s, 2, p->scan->votes[f->members[g->first + k]].id);
            if ((rc = db_run(s)) != RC_OK)
                return rc;
        }
    }
    return recount_from(tx, p->stage_id, p->scan);
}

/*
 * One pass over the stage's valid votes along the index vote_scan (by
 * pages, as the scan reads them), counted here: no GROUP BY, no sort.
 */
int tx_vote_recount(struct store_tx *tx, int64_t stage_id)
{
    static const char sql_cases[] =
        "SELECT case_id, at_s, id FROM vote WHERE stage_id = ?1 AND valid = 1 AND at_s >= ?2 "
        "ORDER BY at_s, id LIMIT ?3";
    struct vote_mark m = {INT64_MIN, 0, 0};
    struct tally t = {0};
    int rc = DB_DONE;
    int64_t asked, got;
    do {
        struct db_stmt *s = tx_stmt(tx, sql_cases);
        if (!s) {
            tally_free(&t);
            return RC_ERROR;
        }
        asked = vote_page(s, stage_id, &m);
        got = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            got++;
            if (vote_next(&m, db_column_int64(s, 1), db_column_int64(s, 2)) &&
                tally_add(&t, db_column_int64(s, 0)) != 0)
                break;
        }
        db_reset(s);
    } while (rc == DB_DONE && got == asked);
    rc = rc == DB_DONE ? tally_put(tx, stage_id, &t) : RC_ERROR;
    tally_free(&t);
    return rc;
}

int tx_vote_void(struct store_tx *tx, void *arg)
{
    static const char sql_flag[] =
        "SELECT voided_at IS NOT NULL FROM vote_flag WHERE id = ?1 AND stage_id = ?2";
    static const char sql_mark[] =
        "UPDATE vote SET valid = 0, void_flag = ?1 WHERE valid = 1 AND id IN "
        "(SELECT vote_id FROM vote_flag_vote WHERE flag_id = ?1)";
    static const char sql_record[] =
        "UPDATE vote_flag SET voided_at = ?5, voided_by = ?2, void_reason = ?3, "
        "voided_votes = ?4 WHERE id = ?1";
    static const char sql_less[] =
        "WITH gone AS (SELECT v.case_id, count(*) AS n FROM vote_flag_vote m JOIN vote v ON "
        "v.id = m.vote_id WHERE m.flag_id = ?1 AND v.void_flag = ?1 GROUP BY v.case_id) "
        "UPDATE vote_total SET votes = votes - (SELECT n FROM gone WHERE gone.case_id = "
        "vote_total.case_id) WHERE stage_id = ?2 AND case_id IN (SELECT case_id FROM gone)";
    struct vote_void *v = arg;
    struct db_stmt *s = tx_stmt(tx, sql_flag);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, v->flag_id);
    db_bind_int64(s, 2, v->stage_id);
    int rc = db_step(s);
    int voided = rc == DB_ROW ? (int)db_column_int64(s, 0) : 0;
    db_reset(s);
    if (rc != DB_ROW)
        return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    if (voided)
        return RC_STATE;
    if (!(s = tx_stmt(tx, sql_mark)))
        return RC_ERROR;
    db_bind_int64(s, 1, v->flag_id);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    v->voided = db_changes(s);
    char now[STORE_NOW_LEN];
    store_now(now);
    if (!(s = tx_stmt(tx, sql_record)))
        return RC_ERROR;
    db_bind_int64(s, 1, v->flag_id);
    db_bind_int64(s, 2, v->user_id);
    db_bind_text(s, 3, v->reason, -1);
    db_bind_int64(s, 4, v->voided);
    db_bind_text(s, 5, now, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    /* The recount: each case's total less its votes this void made invalid. */
    if (!(s = tx_stmt(tx, sql_less)))
        return RC_ERROR;
    db_bind_int64(s, 1, v->flag_id);
    db_bind_int64(s, 2, v->stage_id);
    return db_run(s);
}

/* ------------------------------------------------------------ reading */

/* One flag row of the SELECT below as JSON. */
static json_t *flag_json(struct db_stmt *s)
{
    json_t *ev = json_loads(db_text(s, 9), 0, NULL);
    json_t *f = json_pack(
        "{s:I,s:o,s:{s:I,s:o},s:I,s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)db_column_int64(s, 0),
        "rule", db_jtext(s, 1), "case", "id", (json_int_t)db_column_int64(s, 2), "title",
        db_jtext(s, 3), "votes", (json_int_t)db_column_int64(s, 4), "voters",
        (json_int_t)db_column_int64(s, 5), "first_at", db_jtext(s, 6), "last_at", db_jtext(s, 7),
        "found_at", db_jtext(s, 8), "evidence", ev ? ev : json_object());
    if (f && db_column_type(s, 10) != DB_NULL)
        json_object_set_new(f, "void",
                            json_pack("{s:o,s:o,s:o,s:I}", "at", db_jtext(s, 10), "by",
                                      db_jtext(s, 11), "reason", db_jtext(s, 12), "votes",
                                      (json_int_t)db_column_int64(s, 13)));
    return f;
}

#define FLAG_COLUMNS                                                                               \
    "SELECT f.id, f.rule, f.case_id, coalesce(c.title, ''), f.votes, f.voters, f.first_at, "       \
    "f.last_at, f.found_at, f.evidence, f.voided_at, coalesce(u.name, u.email, ''), "               \
    "f.void_reason, f.voided_votes FROM vote_flag f LEFT JOIN \"case\" c ON c.id = f.case_id "    \
    "LEFT JOIN \"user\" u ON u.id = f.voided_by "

json_t *store_vote_flags(struct store *st, int64_t stage_id)
{
    static const char sql[] = FLAG_COLUMNS "WHERE f.stage_id = ?1 "
                                           "ORDER BY f.voided_at IS NOT NULL, f.votes DESC, f.id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        json_array_append_new(a, flag_json(s));
    db_reset(s);
    if (rc != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *store_vote_flag(struct store *st, int64_t stage_id, int64_t flag_id, int limit)
{
    static const char sql[] = FLAG_COLUMNS "WHERE f.id = ?1 AND f.stage_id = ?2";
    static const char sql_votes[] =
        "SELECT v.id, v.at, v.case_id, c.title, w.masked, v.net, v.valid FROM vote_flag_vote m "
        "JOIN vote v ON v.id = m.vote_id JOIN voter w ON w.id = v.voter_id "
        "JOIN \"case\" c ON c.id = v.case_id WHERE m.flag_id = ?1 ORDER BY v.at, v.id LIMIT ?2";
    static const char sql_nets[] =
        "SELECT v.net, count(*), count(DISTINCT v.voter_id) FROM vote_flag_vote m "
        "JOIN vote v ON v.id = m.vote_id WHERE m.flag_id = ?1 GROUP BY v.net "
        "ORDER BY 2 DESC, 1 LIMIT 50";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, flag_id);
    db_bind_int64(s, 2, stage_id);
    json_t *f = db_step(s) == DB_ROW ? flag_json(s) : NULL;
    db_reset(s);
    if (!f)
        return NULL;
    json_t *votes = json_array(), *nets = json_array();
    json_object_set_new(f, "list", votes);
    json_object_set_new(f, "prefixes", nets);
    if (!(s = store_stmt(st, sql_votes))) {
        json_decref(f);
        return NULL;
    }
    db_bind_int64(s, 1, flag_id);
    db_bind_int64(s, 2, limit);
    while (db_step(s) == DB_ROW)
        json_array_append_new(
            votes, json_pack("{s:I,s:o,s:{s:I,s:o},s:o,s:o,s:b}", "id",
                             (json_int_t)db_column_int64(s, 0), "at", db_jtext(s, 1), "case",
                             "id", (json_int_t)db_column_int64(s, 2), "title", db_jtext(s, 3),
                             "voter", db_jtext(s, 4), "net", db_jtext(s, 5), "valid",
                             (int)db_column_int64(s, 6)));
    db_reset(s);
    if (!(s = store_stmt(st, sql_nets))) {
        json_decref(f);
        return NULL;
    }
    db_bind_int64(s, 1, flag_id);
    while (db_step(s) == DB_ROW)
        json_array_append_new(nets, json_pack("{s:o,s:I,s:I}", "net", db_jtext(s, 0), "votes",
                                              (json_int_t)db_column_int64(s, 1), "voters",
                                              (json_int_t)db_column_int64(s, 2)));
    db_reset(s);
    return f;
}
