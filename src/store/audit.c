/*
 * audit.c — the audit chain in the store (audit.h): appending rows,
 * sealing vote batches, listing the log and verifying all of it.  Written
 * over the driver (db.h): it runs on SQLite and on PostgreSQL, and a row's
 * hash is the same on both (it is made here, in C, from the row's values).
 * The chain's head is read backwards along the primary key, which both
 * databases do without a sort; the log's times are made
 * here too (China Standard Time); long reads go by pages of rows.  The
 * refusal to change or delete a row is each database's trigger
 * (010_audit.sql, pg/schema.sql).
 */
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/audit.h"
#include "store/store_int.h"

static const char zero_hash[MERKLE_HEX] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/*
 * The newest row, read backwards along the primary key on both databases.
 * The range on id is what holds SQLite to its rowid: without it, on the
 * statistics of a young chain (few rows to a `who`), its planner read all
 * of audit_who instead, for ORDER BY id DESC as for max(id) (1.8 ms at
 * 40,000 rows, against 4 µs), once per vote batch.
 */
static const char sql_head[] = "SELECT id, hash FROM audit WHERE id > 0 ORDER BY id DESC LIMIT 1";

/* Rows of the chain read at a time by store_audit_verify. */
#define VERIFY_PAGE 8192

/* A row's content, as hashed. */
struct audit_row {
    int64_t id, at, who, case_id, vote_first, vote_last, vote_count; /* 0: absent */
    const char *what, *object, *digest, *prev;
};

static void put_int(crypto_hash_sha256_state *s, int64_t v, int absent_if_zero)
{
    char buf[32];
    int n = absent_if_zero && v == 0 ? 0 : snprintf(buf, sizeof buf, "%" PRId64, v);
    crypto_hash_sha256_update(s, (const unsigned char *)buf, (unsigned long long)n);
    crypto_hash_sha256_update(s, (const unsigned char *)"\n", 1);
}

static void put_text(crypto_hash_sha256_state *s, const char *t, int last)
{
    crypto_hash_sha256_update(s, (const unsigned char *)t, strlen(t));
    if (!last)
        crypto_hash_sha256_update(s, (const unsigned char *)"\n", 1);
}

static void row_hash(const struct audit_row *r, char out[MERKLE_HEX])
{
    crypto_hash_sha256_state s;
    unsigned char h[MERKLE_BYTES];
    crypto_hash_sha256_init(&s);
    put_text(&s, r->prev, 0);
    put_int(&s, r->id, 0);
    put_int(&s, r->at, 0);
    put_int(&s, r->who, 0);
    put_text(&s, r->what, 0);
    put_text(&s, r->object, 0);
    put_int(&s, r->case_id, 1);
    put_text(&s, r->digest, 0);
    put_int(&s, r->vote_first, 1);
    put_int(&s, r->vote_last, 1);
    char buf[32] = "";
    if (r->vote_count)
        snprintf(buf, sizeof buf, "%" PRId64, r->vote_count);
    put_text(&s, buf, 1);
    crypto_hash_sha256_final(&s, h);
    merkle_hex(h, out);
}

/* Append row r (its id, prev and hash filled here) inside tx. */
static int append(struct store_tx *tx, struct audit_row *r)
{
    static const char sql_add[] =
        "INSERT INTO audit (id, at, who, what, object, case_id, digest, vote_first, vote_last, "
        "vote_count, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    struct db_stmt *s = tx_stmt(tx, sql_head);
    if (!s)
        return RC_ERROR;
    char prev[MERKLE_HEX];
    memcpy(prev, zero_hash, sizeof prev);
    r->id = 1;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        r->id = db_column_int64(s, 0) + 1;
        db_copy_text(prev, sizeof prev, s, 1);
    }
    db_reset(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return RC_ERROR;
    r->prev = prev;
    r->at = (int64_t)time(NULL);
    char hash[MERKLE_HEX];
    row_hash(r, hash);
    if (!(s = tx_stmt(tx, sql_add)))
        return RC_ERROR;
    db_bind_int64(s, 1, r->id);
    db_bind_int64(s, 2, r->at);
    db_bind_int64(s, 3, r->who);
    db_bind_text(s, 4, r->what, -1);
    db_bind_text(s, 5, r->object, -1);
    if (r->case_id)
        db_bind_int64(s, 6, r->case_id);
    else
        db_bind_null(s, 6);
    db_bind_text(s, 7, r->digest, -1);
    if (r->vote_count) {
        db_bind_int64(s, 8, r->vote_first);
        db_bind_int64(s, 9, r->vote_last);
        db_bind_int64(s, 10, r->vote_count);
    } else {
        db_bind_null(s, 8);
        db_bind_null(s, 9);
        db_bind_null(s, 10);
    }
    db_bind_text(s, 11, prev, -1);
    db_bind_text(s, 12, hash, -1);
    return db_run(s);
}

int tx_audit_append(struct store_tx *tx, const struct audit_entry *e)
{
    struct audit_row r = {0};
    r.who = e->who;
    r.what = e->what;
    r.object = e->object ? e->object : "";
    r.case_id = e->case_id;
    r.digest = e->digest;
    return append(tx, &r);
}

static _Thread_local const struct audit_entry *scoped;

void store_audit_scope(const struct audit_entry *e)
{
    scoped = e;
}

const struct audit_entry *store_audit_scoped(void)
{
    return scoped;
}

/* Append v in decimal at p; the end. */
static char *put_dec(char *p, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Append column col's text of s at p; the end. */
static char *put_col(char *p, struct db_stmt *s, int col)
{
    const char *t = db_column_text(s, col);
    size_t n = t ? db_column_bytes(s, col) : 0;
    if (n)
        memcpy(p, t, n);
    return p + n;
}

/*
 * A vote's leaf from a row of the columns id, stage_id, case_id, voter_id,
 * ord, day, net, ua_hash: the hash of "id|stage|case|voter|ord|day|net|ua".
 */
static void vote_leaf(struct db_stmt *s, unsigned char out[MERKLE_BYTES])
{
    char stack[512];
    size_t need = 5 * 22;
    for (int c = 5; c < 8; c++) {
        db_column_text(s, c);
        need += db_column_bytes(s, c) + 1;
    }
    char *buf = need <= sizeof stack ? stack : malloc(need), *p = buf;
    if (!buf) { /* no memory: a leaf that matches nothing, so the batch is reported */
        memset(out, 0, MERKLE_BYTES);
        return;
    }
    for (int c = 0; c < 5; c++) {
        p = put_dec(p, db_column_int64(s, c));
        *p++ = '|';
    }
    p = put_col(p, s, 5);
    *p++ = '|';
    p = put_col(p, s, 6);
    *p++ = '|';
    p = put_col(p, s, 7);
    merkle_leaf(buf, (size_t)(p - buf), out);
    if (buf != stack)
        free(buf);
}

/* The votes with ids in (?1, ?2], by id, one more than a row seals (to tell there are more). */
static const char sql_votes[] =
    "SELECT id, stage_id, case_id, voter_id, ord, day, net, ua_hash FROM vote "
    "WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3";

/*
 * The Merkle root of the votes with ids in (after, upto], read by s
 * (sql_votes, bound here), the first AUDIT_VOTES_PER_ROW of them by id;
 * *n, *first, *last say which, *more whether votes of the range were left
 * over.  RC_OK or RC_ERROR.
 */
static int votes_root(struct db_stmt *s, int64_t after, int64_t upto,
                      unsigned char (*leaves)[MERKLE_BYTES], int64_t *n, int64_t *first,
                      int64_t *last, int *more, char root[MERKLE_HEX])
{
    db_bind_int64(s, 1, after);
    db_bind_int64(s, 2, upto);
    db_bind_int64(s, 3, AUDIT_VOTES_PER_ROW + 1);
    int rc;
    *n = 0;
    *more = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == AUDIT_VOTES_PER_ROW) {
            *more = 1;
            break;
        }
        int64_t id = db_column_int64(s, 0);
        if (*n == 0)
            *first = id;
        *last = id;
        vote_leaf(s, leaves[(*n)++]);
    }
    db_reset(s);
    if (rc != DB_ROW && rc != DB_DONE)
        return RC_ERROR;
    unsigned char h[MERKLE_BYTES];
    merkle_root(leaves, (size_t)*n, h);
    merkle_hex(h, root);
    return RC_OK;
}

int tx_audit_seal_votes(struct store_tx *tx)
{
    static const char sql_max[] = "SELECT coalesce(max(id), 0) FROM vote";
    static const char sql_sealed[] =
        "SELECT vote_last FROM audit WHERE vote_last IS NOT NULL ORDER BY id DESC LIMIT 1";
    struct db_stmt *s = tx_stmt(tx, sql_max);
    if (!s)
        return RC_ERROR;
    int64_t newest = db_step(s) == DB_ROW ? db_column_int64(s, 0) : -1;
    db_reset(s);
    if (!(s = tx_stmt(tx, sql_sealed)))
        return RC_ERROR;
    int64_t sealed = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    if (newest < 0)
        return RC_ERROR;
    if (newest <= sealed)
        return RC_OK;
    unsigned char(*leaves)[MERKLE_BYTES] = malloc(AUDIT_VOTES_PER_ROW * sizeof *leaves);
    if (!leaves)
        return RC_ERROR;
    int rc = RC_OK;
    while (rc == RC_OK && sealed < newest) {
        struct audit_row r = {0};
        char root[MERKLE_HEX];
        int more;
        if (!(s = tx_stmt(tx, sql_votes)) ||
            votes_root(s, sealed, newest, leaves, &r.vote_count, &r.vote_first, &r.vote_last,
                       &more, root) != RC_OK) {
            rc = RC_ERROR;
            break;
        }
        if (r.vote_count == 0)
            break;
        r.what = "votes";
        r.object = "";
        r.digest = root;
        rc = append(tx, &r);
        sealed = r.vote_last;
    }
    free(leaves);
    return rc;
}

int store_audit_head(struct store *st, char head[MERKLE_HEX], int64_t *rows)
{
    struct db_stmt *s = store_stmt(st, sql_head);
    if (!s)
        return RC_ERROR;
    head[0] = 0;
    *rows = 0;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *rows = db_column_int64(s, 0);
        db_copy_text(head, MERKLE_HEX, s, 1);
    }
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? RC_OK : RC_ERROR;
}

/* Unix time at as China Standard Time (UTC+8), 2020-02-04 08:00:00, as JSON. */
static json_t *cst_time(int64_t at)
{
    time_t t = (time_t)(at + 8 * 3600);
    struct tm tm;
    char buf[32] = "";
    if (gmtime_r(&t, &tm))
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return json_string(buf);
}

json_t *store_audit_list(struct store *st, const struct audit_filter *f)
{
    static const char sql[] =
        "SELECT a.id, a.at, a.who, coalesce(u.name, ''), coalesce(u.email, ''), a.what, a.object, "
        "a.case_id, a.digest, a.vote_count, a.hash FROM audit a LEFT JOIN \"user\" u ON "
        "u.id = a.who WHERE (?1 = 0 OR a.who = ?1) AND (?2 = 0 OR a.case_id = ?2) AND "
        "(CAST(?3 AS TEXT) IS NULL OR a.what = ?3) AND (?4 = 0 OR a.id < ?4) "
        "ORDER BY a.id DESC LIMIT ?5";
    static const char sql_total[] =
        "SELECT count(*) FROM audit a WHERE (?1 = 0 OR a.who = ?1) AND (?2 = 0 OR a.case_id = ?2) "
        "AND (CAST(?3 AS TEXT) IS NULL OR a.what = ?3)";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, f->who);
    db_bind_int64(s, 2, f->case_id);
    db_bind_opt(s, 3, f->what);
    db_bind_int64(s, 4, f->before);
    db_bind_int64(s, 5, (int64_t)f->limit + 1);
    json_t *rows = json_array();
    int rc, n = 0;
    int64_t last = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n++ == f->limit)
            break;
        last = db_column_int64(s, 0);
        json_t *o = json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)last,
                              "at", cst_time(db_column_int64(s, 1)), "who",
                              (json_int_t)db_column_int64(s, 2), "who_name", db_jtext(s, 3),
                              "who_email", db_jtext(s, 4), "what", db_jtext(s, 5), "object",
                              db_jtext(s, 6), "digest", db_jtext(s, 8), "hash", db_jtext(s, 10),
                              "case_id", db_jint(s, 7));
        if (db_column_type(s, 9) != DB_NULL)
            json_object_set_new(o, "votes", json_integer(db_column_int64(s, 9)));
        json_array_append_new(rows, o);
    }
    int more = rc == DB_ROW;
    db_reset(s);
    if (rc != DB_ROW && rc != DB_DONE) {
        json_decref(rows);
        return NULL;
    }
    json_int_t total = 0;
    if ((s = store_stmt(st, sql_total))) {
        db_bind_int64(s, 1, f->who);
        db_bind_int64(s, 2, f->case_id);
        db_bind_opt(s, 3, f->what);
        if (db_step(s) == DB_ROW)
            total = db_column_int64(s, 0);
        db_reset(s);
    }
    json_t *o = json_pack("{s:o,s:I}", "rows", rows, "total", total);
    if (more)
        json_object_set_new(o, "next_before", json_integer(last));
    return o;
}

json_t *store_audit_facets(struct store *st)
{
    static const char sql_what[] = "SELECT what, count(*) FROM audit GROUP BY what ORDER BY what";
    /* Counted by actor first: PostgreSQL groups no name it was not given. */
    static const char sql_who[] =
        "SELECT a.who, coalesce(u.name, ''), coalesce(u.email, ''), a.n FROM (SELECT who, "
        "count(*) AS n FROM audit WHERE who > 0 GROUP BY who) a LEFT JOIN \"user\" u ON "
        "u.id = a.who ORDER BY a.who";
    json_t *whats = json_array(), *whos = json_array();
    struct db_stmt *s = store_stmt(st, sql_what);
    if (s) {
        while (db_step(s) == DB_ROW)
            json_array_append_new(whats, json_pack("{s:o,s:I}", "what", db_jtext(s, 0), "rows",
                                                   (json_int_t)db_column_int64(s, 1)));
        db_reset(s);
    }
    if ((s = store_stmt(st, sql_who))) {
        while (db_step(s) == DB_ROW)
            json_array_append_new(
                whos, json_pack("{s:I,s:o,s:o,s:I}", "who", (json_int_t)db_column_int64(s, 0),
                                "name", db_jtext(s, 1), "email", db_jtext(s, 2), "rows",
                                (json_int_t)db_column_int64(s, 3)));
        db_reset(s);
    }
    return json_pack("{s:o,s:o}", "whats", whats, "whos", whos);
}

static int broken(struct audit_report *r, int64_t id, const char *why)
{
    r->broken_id = id;
    snprintf(r->why, sizeof r->why, "%s", why);
    return RC_INVALID;
}

/* A vote batch's row, as the chain walk found it, for the batch checks. */
struct batch {
    int64_t row, after, first, last, count; /* its votes: ids in (after, last] */
    char digest[MERKLE_HEX];
};

/* A share of the batches, checked on a thread of its own (its own reader connection). */
struct batch_job {
    struct store *st;
    const struct batch *b;
    size_t n;
    int rc;             /* RC_OK, RC_INVALID (see bad, why) or RC_ERROR */
    int64_t bad;        /* the first broken batch's row */
    const char *why;
    int64_t votes;
};

static void *check_batches(void *arg)
{
    struct batch_job *j = arg;
    unsigned char(*leaves)[MERKLE_BYTES] = malloc(AUDIT_VOTES_PER_ROW * sizeof *leaves);
    j->rc = leaves ? RC_OK : RC_ERROR;
    for (size_t i = 0; i < j->n && j->rc == RC_OK; i++) {
        const struct batch *b = &j->b[i];
        struct db_stmt *v = store_stmt(j->st, sql_votes);
        int64_t n = 0, first = 0, last = 0;
        int more;
        char root[MERKLE_HEX];
        if (!v || votes_root(v, b->after, b->last, leaves, &n, &first, &last, &more, root) != RC_OK) {
            j->rc = RC_ERROR;
            break;
        }
        j->votes += n;
        if (more || n != b->count || first != b->first || last != b->last)
            j->why = "a vote of this batch is missing or was added";
        else if (strcmp(root, b->digest) != 0)
            j->why = "a vote of this batch was changed (its Merkle root differs)";
        if (j->why) {
            j->rc = RC_INVALID;
            j->bad = b->row;
        }
    }
    free(leaves);
    return NULL;
}

#define VERIFY_THREADS_MAX 8

/*
 * Check the batches on up to VERIFY_THREADS_MAX threads (one on a store
 * whose threads share its one connection); the first broken one goes to r.
 */
static int check_all_batches(struct store *st, const struct batch *b, size_t n,
                             struct audit_report *r)
{
    long cpus = store_reads_per_thread(st) ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    size_t t = n < 256 ? 1 : cpus < 1 ? 1 : cpus > VERIFY_THREADS_MAX ? VERIFY_THREADS_MAX : (size_t)cpus;
    struct batch_job jobs[VERIFY_THREADS_MAX];
    pthread_t tid[VERIFY_THREADS_MAX];
    int started[VERIFY_THREADS_MAX] = {0};
    for (size_t i = 0; i < t; i++) {
        size_t from = n * i / t, to = n * (i + 1) / t;
        jobs[i] = (struct batch_job){st, b + from, to - from, RC_OK, 0, NULL, 0};
        /* The first share runs here; the others on their own threads. */
        started[i] = i > 0 && pthread_create(&tid[i], NULL, check_batches, &jobs[i]) == 0;
        if (i > 0 && !started[i])
            check_batches(&jobs[i]);
    }
    check_batches(&jobs[0]);
    int out = RC_OK;
    for (size_t i = 0; i < t; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        r->votes += jobs[i].votes;
    }
    for (size_t i = 0; i < t && out == RC_OK; i++) /* shares in order: the first break wins */
        if (jobs[i].rc == RC_ERROR)
            out = RC_ERROR;
        else if (jobs[i].rc == RC_INVALID)
            out = broken(r, jobs[i].bad, jobs[i].why);
    return out;
}

int store_audit_verify(struct store *st, struct audit_report *r)
{
    static const char sql_rows[] =
        "SELECT id, at, who, what, object, coalesce(case_id, 0), digest, coalesce(vote_first, 0), "
        "coalesce(vote_last, 0), coalesce(vote_count, 0), prev, hash FROM audit WHERE id > ?1 "
        "ORDER BY id LIMIT ?2";
    static const char sql_after[] = "SELECT count(*) FROM vote WHERE id > ?1";
    memset(r, 0, sizeof *r);
    /* The chain, row by row; the vote batches it names are checked afterwards, in parallel. */
    struct batch *batches = NULL;
    size_t nb = 0, cap = 0;
    char prev[MERKLE_HEX];
    memcpy(prev, zero_hash, sizeof prev);
    int64_t sealed = 0, from = 0, got = VERIFY_PAGE;
    int rc = DB_DONE, out = RC_OK;
    struct audit_report chain = {0};
    struct db_stmt *s;
    /* By pages of rows (PostgreSQL's driver holds a run's rows at once). */
    while (out == RC_OK && got == VERIFY_PAGE) {
        if (!(s = store_stmt(st, sql_rows))) {
            out = RC_ERROR;
            break;
        }
        db_bind_int64(s, 1, from);
        db_bind_int64(s, 2, VERIFY_PAGE);
        got = 0;
        while (out == RC_OK && (rc = db_step(s)) == DB_ROW) {
            got++;
            struct audit_row a = {db_column_int64(s, 0), db_column_int64(s, 1),
                                  db_column_int64(s, 2), db_column_int64(s, 5),
                                  db_column_int64(s, 7), db_column_int64(s, 8),
                                  db_column_int64(s, 9), db_text(s, 3), db_text(s, 4),
                                  db_text(s, 6), prev};
            char hash[MERKLE_HEX];
            from = a.id;
            if (a.id != r->rows + 1) {
                out = broken(&chain, r->rows + 1, "row missing: the row numbers jump over it");
                break;
            }
            if (strcmp(db_text(s, 10), prev) != 0) {
                out = broken(&chain, a.id,
                             "its link to the previous row does not match that row's hash");
                break;
            }
            row_hash(&a, hash);
            if (strcmp(hash, db_text(s, 11)) != 0) {
                out = broken(&chain, a.id,
                             "its content does not match its hash (the row was changed)");
                break;
            }
            r->rows++;
            memcpy(prev, hash, sizeof prev);
            if (!a.vote_count)
                continue;
            if (nb == cap) {
                struct batch *more = realloc(batches, (cap = cap ? 2 * cap : 1024) * sizeof *more);
                if (!more) {
                    out = RC_ERROR;
                    break;
                }
                batches = more;
            }
            struct batch *b = &batches[nb++];
            *b = (struct batch){a.id, sealed, a.vote_first, a.vote_last, a.vote_count, ""};
            snprintf(b->digest, sizeof b->digest, "%s", a.digest);
            sealed = a.vote_last;
            r->vote_rows++;
        }
        db_reset(s);
        if (out == RC_OK && rc != DB_DONE)
            out = RC_ERROR;
    }
    memcpy(r->head, r->rows ? prev : "", r->rows ? sizeof prev : 1);
    if (out != RC_ERROR) {
        /* A broken batch before the chain's break is the first broken link. */
        int brc = check_all_batches(st, batches, nb, r);
        if (brc == RC_ERROR)
            out = RC_ERROR;
        else if (brc == RC_INVALID)
            out = RC_INVALID;
        else if (out == RC_INVALID)
            broken(r, chain.broken_id, chain.why);
    }
    free(batches);
    if (out == RC_OK && (s = store_stmt(st, sql_after))) {
        db_bind_int64(s, 1, sealed);
        int64_t after = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
        db_reset(s);
        if (after > 0) {
            char why[128];
            snprintf(why, sizeof why, "%" PRId64 " votes after the last sealed batch are in no batch",
                     after);
            out = broken(r, r->rows + 1, why);
        }
    }
    return out;
}
