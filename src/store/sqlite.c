/*
 * sqlite.c — the SQLite backend's connections: open and migrate, the
 * writer's connection and thread, each serving thread's read connection
 * with its statement cache, and the view counters with their flush.
 *
 * The database is WAL with synchronous=FULL: readers never block the
 * writer, and a commit is on disk before anyone is told it happened.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "store/sqlite_int.h"

/* Prepared statements by the address of their SQL text: open addressing. */
#define STMT_CACHE_SIZE 512

struct stmt_cache {
    const char *sql[STMT_CACHE_SIZE];
    sqlite3_stmt *stmt[STMT_CACHE_SIZE];
};

struct rconn {
    struct store *owner;
    sqlite3 *db;
    struct stmt_cache cache;
    struct rconn *next;
};

static __thread struct rconn *tl_conn;

static const char *const view_table[STORE_COUNT__MAX] = {"\"case\"", "article"};
/* The rows whose views are counted: what the public can open. */
static const char *const view_rows[STORE_COUNT__MAX] = {
    "SELECT id, views FROM \"case\" WHERE published_at IS NOT NULL",
    "SELECT id, views FROM article"};

static int open_conn(const char *path, int flags, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "PRAGMA foreign_keys=ON; PRAGMA cache_size=-2048;", NULL, NULL, NULL);
    if (search_register(db) != 0) {
        sqlite3_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

const char *sq_text(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return t ? (const char *)t : "";
}

void sq_copy(char *dst, size_t n, sqlite3_stmt *s, int col)
{
    snprintf(dst, n, "%s", sq_text(s, col));
}

void sq_bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

json_t *sq_jtext(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return t ? json_stringn((const char *)t, (size_t)sqlite3_column_bytes(s, col)) : json_null();
}

static sqlite3_stmt *cache_get(struct stmt_cache *cache, sqlite3 *db, const char *sql)
{
    size_t h = ((uintptr_t)sql >> 3) % STMT_CACHE_SIZE;
    for (size_t probe = 0; probe < STMT_CACHE_SIZE; probe++) {
        size_t i = (h + probe) % STMT_CACHE_SIZE;
        if (cache->sql[i] == sql)
            return cache->stmt[i];
        if (!cache->sql[i]) {
            if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &cache->stmt[i],
                                   NULL) != SQLITE_OK) {
                log_error("store: %s in: %.80s", sqlite3_errmsg(db), sql);
                cache->stmt[i] = NULL;
                return NULL;
            }
            cache->sql[i] = sql;
            return cache->stmt[i];
        }
    }
    log_error("store: statement cache full");
    return NULL;
}

static void cache_clear(struct stmt_cache *cache)
{
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
        sqlite3_finalize(cache->stmt[i]);
        cache->stmt[i] = NULL;
        cache->sql[i] = NULL;
    }
}

sqlite3_stmt *sq_stmt(struct store *st, enum sq_id id)
{
    return sq_prepare(st, sq_sql[id]);
}

sqlite3_stmt *tx_prepare(struct store_tx *tx, const char *sql)
{
    return cache_get(tx->st->wcache, tx->db, sql);
}

int tx_exec(struct store_tx *tx, sqlite3_stmt *s)
{
    if (!s)
        return STORE_ERROR;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_error("store: write: %s", sqlite3_errmsg(tx->db));
        return STORE_ERROR;
    }
    return STORE_OK;
}

int tx_exec_id(struct store_tx *tx, const char *sql, int64_t id)
{
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return STORE_ERROR;
    sqlite3_bind_int64(s, 1, id);
    return tx_exec(tx, s);
}

int tx_exec_changed(struct store_tx *tx, sqlite3_stmt *s, int none)
{
    int rc = tx_exec(tx, s);
    if (rc == STORE_OK && sqlite3_changes(tx->db) == 0)
        return none;
    return rc;
}

sqlite3_stmt *sq_prepare(struct store *st, const char *sql)
{
    struct rconn *c = tl_conn;
    if (!c || c->owner != st) {
        c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        c->owner = st;
        if (open_conn(st->path, SQLITE_OPEN_READONLY, &c->db) != 0) {
            log_error("store: cannot open a read connection to %s", st->path);
            free(c);
            return NULL;
        }
        sqlite3_exec(c->db, "PRAGMA query_only=ON", NULL, NULL, NULL);
        pthread_mutex_lock(&st->rlock);
        c->next = st->rconns;
        st->rconns = c;
        pthread_mutex_unlock(&st->rlock);
        tl_conn = c;
    }
    return cache_get(&c->cache, c->db, sql);
}

void sq_done(sqlite3_stmt *s)
{
    if (s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
}

/* Flush one counter delta: runs inside the writer's batch. */
struct flush_ctx {
    sqlite3_stmt *update;
    struct store *st;
    int64_t sum;
};

static int flush_one(void *arg, int64_t id, int64_t delta)
{
    struct flush_ctx *fc = arg;
    sqlite3_bind_int64(fc->update, 1, delta);
    sqlite3_bind_int64(fc->update, 2, id);
    int rc = sqlite3_step(fc->update);
    sqlite3_reset(fc->update);
    if (rc != SQLITE_DONE)
        return -1;
    fc->st->views_flushed += (uint64_t)delta;
    fc->sum += delta;
    return 0;
}

static int flush_views(sqlite3 *db, void *ctx)
{
    struct store *st = ctx;
    log_access_flush();
    for (int k = 0; k < STORE_COUNT__MAX; k++) {
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE %s SET views = views + ?1 WHERE id = ?2",
                 view_table[k]);
        struct flush_ctx fc = {NULL, st, 0};
        if (sqlite3_prepare_v2(db, sql, -1, &fc.update, NULL) != SQLITE_OK)
            return -1;
        counter_drain(st->views[k], flush_one, &fc);
        sqlite3_finalize(fc.update);
        if (k == STORE_COUNT_CASE && fc.sum > 0)
            db_public_add_views(db, st->campaign_id, fc.sum);
    }
    /* The planner's statistics, kept fresh every few hours (SQLite's advice). */
    if (++st->flushes % STORE_OPTIMIZE_FLUSHES == 0)
        sqlite3_exec(db, "PRAGMA optimize", NULL, NULL, NULL);
    return 0;
}

static int load_counters(struct store *st)
{
    for (int k = 0; k < STORE_COUNT__MAX; k++) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->wdb, view_rows[k], -1, &s, NULL) != SQLITE_OK)
            return -1;
        while (sqlite3_step(s) == SQLITE_ROW)
            counter_register(st->views[k], sqlite3_column_int64(s, 0),
                             sqlite3_column_int64(s, 1));
        sqlite3_finalize(s);
    }
    return 0;
}

static int64_t find_public_campaign(sqlite3 *db)
{
    sqlite3_stmt *s;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT id FROM campaign WHERE status IN ('published','archived') "
                           "ORDER BY published_at DESC, id DESC LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(s) == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return id;
}

struct store *store_open(const char *dir, int create, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (!create || mkdir(dir, 0750) != 0) {
            snprintf(err, errlen, "data folder %s does not exist (run `laurel init` or `laurel demo`)",
                     dir);
            return NULL;
        }
    }
    struct store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&st->rlock, NULL);
    size_t n = strlen(dir) + 16;
    st->path = malloc(n);
    snprintf(st->path, n, "%s/laurel.db", dir);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (!st->path || open_conn(st->path, flags, &st->wdb) != 0) {
        snprintf(err, errlen, "cannot open database %s", st->path ? st->path : dir);
        store_close(st);
        return NULL;
    }
    char *msg = NULL;
    if (sqlite3_exec(st->wdb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot set WAL mode: %s", msg ? msg : "?");
        sqlite3_free(msg);
        store_close(st);
        return NULL;
    }
    if (migrate_run(st->wdb, err, errlen) != 0) {
        store_close(st);
        return NULL;
    }
    for (int k = 0; k < STORE_COUNT__MAX; k++)
        st->views[k] = counter_new();
    if (!st->views[0] || !st->views[1] || load_counters(st) != 0) {
        snprintf(err, errlen, "cannot load view counters");
        store_close(st);
        return NULL;
    }
    st->campaign_id = find_public_campaign(st->wdb);
    if (st->campaign_id && db_public_stale(st->wdb, st->campaign_id)) {
        /* A database from before migration 004: fill its public read tables once. */
        if (sqlite3_exec(st->wdb, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
            db_public_refresh(st->wdb, st->campaign_id) != 0 ||
            sqlite3_exec(st->wdb, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_exec(st->wdb, "ROLLBACK", NULL, NULL, NULL);
            snprintf(err, errlen, "cannot build the public read tables");
            store_close(st);
            return NULL;
        }
    }
    st->wcache = calloc(1, sizeof *st->wcache);
    st->writer = st->wcache ? writer_start(st->wdb, flush_views, st) : NULL;
    if (!st->writer) {
        snprintf(err, errlen, "cannot start the writer thread");
        store_close(st);
        return NULL;
    }
    return st;
}

static int reload_job(sqlite3 *db, void *arg)
{
    struct store *st = arg;
    (void)db; /* the writer's connection, st->wdb */
    if (load_counters(st) != 0)
        return -1;
    st->campaign_id = find_public_campaign(st->wdb);
    /* A campaign published without its public read tables gets them now. */
    if (st->campaign_id && db_public_stale(st->wdb, st->campaign_id) &&
        db_public_refresh(st->wdb, st->campaign_id) != 0)
        return -1;
    st->generation++;
    return 0;
}

int store_reload(struct store *st)
{
    return writer_run_sync(st->writer, reload_job, st);
}

void store_close(struct store *st)
{
    if (!st)
        return;
    writer_stop(st->writer); /* runs the last counter flush */
    db_public_close(st);
    struct rconn *c = st->rconns;
    while (c) {
        struct rconn *next = c->next;
        cache_clear(&c->cache);
        sqlite3_exec(c->db, "PRAGMA optimize", NULL, NULL, NULL);
        sqlite3_close(c->db);
        if (tl_conn == c)
            tl_conn = NULL;
        free(c);
        c = next;
    }
    if (st->wcache) {
        cache_clear(st->wcache);
        free(st->wcache);
    }
    if (st->wdb) {
        if (st->writer)
            sqlite3_exec(st->wdb, "PRAGMA optimize", NULL, NULL, NULL);
        sqlite3_close(st->wdb);
    }
    for (int k = 0; k < STORE_COUNT__MAX; k++)
        counter_free(st->views[k]);
    pthread_mutex_destroy(&st->rlock);
    free(st->path);
    free(st);
}

int64_t store_view(struct store *st, enum store_counted kind, int64_t id)
{
    return counter_hit(st->views[kind], id);
}

int64_t store_view_start(struct store *st, enum store_counted kind, int64_t id, int64_t had)
{
    if (counter_total(st->views[kind], id) < 0 && counter_register(st->views[kind], id, had) != 0)
        return -1;
    return counter_hit(st->views[kind], id);
}

void store_stats_get(struct store *st, struct store_stats *out)
{
    struct writer_stats ws;
    writer_stats_get(st->writer, &ws);
    out->batches = ws.batches;
    out->jobs = ws.jobs;
    out->last_commit_ms = ws.last_commit_ms;
    out->views_flushed = st->views_flushed;
}

uint64_t store_generation(struct store *st)
{
    return st->generation;
}

/* A queued write of store.h: the writer job and the caller's callbacks. */
struct write_job {
    struct writer_job job;
    struct store *st;
    store_write_fn run;
    void (*done)(void *arg, int rc);
    void *arg;
};

static int write_run(sqlite3 *db, void *arg)
{
    struct write_job *j = arg;
    struct store_tx tx = {j->st, db};
    int rc = j->run(&tx, j->arg);
    return rc == STORE_OK ? 0 : rc;
}

static void write_done(void *arg, int rc)
{
    struct write_job *j = arg;
    if (rc == 0)
        j->st->generation++;
    j->done(j->arg, rc);
    free(j);
}

int store_write(struct store *st, store_write_fn run, void (*done)(void *arg, int rc), void *arg)
{
    struct write_job *j = calloc(1, sizeof *j);
    if (!j)
        return STORE_ERROR;
    j->st = st;
    j->run = run;
    j->done = done;
    j->arg = arg;
    j->job.run = write_run;
    j->job.done = write_done;
    j->job.arg = j;
    writer_submit(st->writer, &j->job);
    return STORE_OK;
}

struct sync_write {
    struct store *st;
    store_write_fn run;
    void *arg;
};

static int sync_write_run(sqlite3 *db, void *arg)
{
    struct sync_write *sw = arg;
    struct store_tx tx = {sw->st, db};
    int rc = sw->run(&tx, sw->arg);
    return rc == STORE_OK ? 0 : rc;
}

int store_write_sync(struct store *st, store_write_fn run, void *arg)
{
    struct sync_write sw = {st, run, arg};
    int rc = writer_run_sync(st->writer, sync_write_run, &sw);
    if (rc == 0)
        st->generation++;
    return rc == 0 ? STORE_OK : rc;
}
