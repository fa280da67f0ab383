/*
 * sqlite.c — the store's connections: open and migrate, the writer's
 * connection and thread, each serving thread's read connection with its
 * statement cache, and the view counters with their flush; on SQLite, and
 * on PostgreSQL (store_open_pg: the same writer and counters over driver
 * connections of its own, without SQLite's own tools below).
 *
 * The database is WAL with synchronous=FULL: readers never block the
 * writer, and a commit is on disk before anyone is told it happened.
 *
 * Faults: SQLite's own log (SQLITE_CONFIG_LOG) and every statement's result
 * code are watched for corruption (SQLITE_CORRUPT, SQLITE_NOTADB) and I/O
 * errors (SQLITE_IOERR, SQLITE_FULL); each one is logged loudly and noted in
 * core/fault.h, so that the request answers 500 or 503 rather than "not
 * found", the page cache keeps nothing rendered from it, and /healthz turns
 * unhealthy.  At start the WAL's frames are counted before SQLite recovers
 * it; when recovery keeps fewer frames of the current WAL than the file
 * holds (a checksum failed), committed transactions were dropped, and that
 * is said at start and by /healthz.
 *
 * Each SQLite connection is also a driver connection (db.h, adopted):
 * store_db gives the calling thread's, tx_conn the writer's, for the store
 * modules written over the driver (store_int.h); on PostgreSQL each is the
 * driver's own.  A store without SQLite
 * connections (store_over) reads and writes on its one driver connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/fault.h"
#include "core/log.h"
#include "store/audit.h"
#include "store/nodes.h"
#include "store/signkey.h"
#include "store/sqlite_int.h"
#include "store/store_int.h"

/* Prepared statements by the address of their SQL text: open addressing. */
#define STMT_CACHE_SIZE 512

struct stmt_cache {
    const char *sql[STMT_CACHE_SIZE];
    sqlite3_stmt *stmt[STMT_CACHE_SIZE];
};

struct rconn {
    struct store *owner;
    sqlite3 *db; /* NULL on PostgreSQL */
    struct stmt_cache cache;
    struct db_conn *conn; /* db as a driver's connection (store_db), or PostgreSQL's own */
    int reading;          /* PostgreSQL: inside store_read_begin's transaction */
    struct rconn *next;
};

static __thread struct rconn *tl_conn;

static const char *const view_flush_sql[STORE_COUNT__MAX] = {
    "UPDATE \"case\" SET views = views + ?1 WHERE id = ?2",
    "UPDATE article SET views = views + ?1 WHERE id = ?2"};
/* The rows whose views are counted: what the public can open. */
static const char *const view_rows[STORE_COUNT__MAX] = {
    "SELECT id, views FROM \"case\" WHERE published_at IS NOT NULL",
    "SELECT id, views FROM article"};

/* Frames SQLite's WAL recovery kept, from its notice; -1 when it did not run. */
static _Atomic long wal_recovered = -1;

/* The fault class of a result code (extended codes too). */
static enum fault_kind fault_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return FAULT_CORRUPT;
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return FAULT_IO;
    default:
        return FAULT_NONE;
    }
}

/* Note a statement's or connection's fault, if rc is one; returns rc. */
static int check_rc(int rc, sqlite3 *db)
{
    enum fault_kind k = fault_of(rc);
    if (k != FAULT_NONE) {
        const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        log_error("store: %s (sqlite code %d): %s", k == FAULT_CORRUPT
                  ? "DATABASE CORRUPT" : "I/O ERROR", rc, msg);
        fault_note(k, msg);
    }
    return rc;
}

/* SQLite's own log: faults, warnings and recovery notices. */
static void sqlite_log(void *arg, int code, const char *msg)
{
    (void)arg;
    enum fault_kind k = fault_of(code);
    if (k != FAULT_NONE) {
        log_error("store: sqlite %s (code %d): %s",
                  k == FAULT_CORRUPT ? "DATABASE CORRUPT" : "I/O ERROR", code, msg);
        fault_note(k, msg);
        return;
    }
    if ((code & 0xff) == SQLITE_NOTICE) {
        log_info("store: sqlite notice: %s", msg);
        long n;
        if (code == SQLITE_NOTICE_RECOVER_WAL && sscanf(msg, "recovered %ld frames", &n) == 1)
            wal_recovered = n;
    } else if ((code & 0xff) == SQLITE_WARNING) {
        log_info("store: sqlite warning: %s", msg);
    }
}

static void install_log(void)
{
    sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
    /*
     * No memory statistics: kept, they take one process-wide mutex on every
     * allocation SQLite makes, which the server threads' reads fought over.
     */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Frames of the current WAL in path (those whose salts match the header),
 * and the last of them that ends a transaction; -1 when there is no WAL.
 * Stale frames of an earlier WAL cycle carry other salts and are not
 * counted; a checksum failure is what makes recovery keep fewer.
 */
static long wal_frames(const char *path, long *last_commit)
{
    *last_commit = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char hdr[32], fh[24];
    long n = -1;
    if (fread(hdr, 1, 32, f) == 32 && (be32(hdr) & 0xfffffffeu) == 0x377f0682u) {
        uint32_t page = be32(hdr + 8);
        if (page == 1)
            page = 65536;
        n = 0;
        for (long i = 1;; i++) {
            if (fread(fh, 1, 24, f) != 24 || fseek(f, (long)page, SEEK_CUR) != 0)
                break;
            if (memcmp(fh + 8, hdr + 16, 8) != 0)
                break;
            n = i;
            if (be32(fh + 4))
                *last_commit = i;
        }
    }
    fclose(f);
    return n;
}

static int open_conn(const char *path, int flags, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        check_rc(rc, db);
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
                check_rc(sqlite3_errcode(db), db);
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

sqlite3_stmt *tx_prepare(struct store_tx *tx, const char *sql)
{
    if (!tx->db) {
        log_error("store: a write not written over the driver, on a store without SQLite");
        return NULL;
    }
    return cache_get(tx->st->wcache, tx->db, sql);
}

int tx_exec(struct store_tx *tx, sqlite3_stmt *s)
{
    if (!s)
        return RC_ERROR;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        check_rc(rc, tx->db);
        log_error("store: write: %s", sqlite3_errmsg(tx->db));
        return RC_ERROR;
    }
    return RC_OK;
}

int tx_exec_id(struct store_tx *tx, const char *sql, int64_t id)
{
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    return tx_exec(tx, s);
}

int tx_exec_changed(struct store_tx *tx, sqlite3_stmt *s, int none)
{
    int rc = tx_exec(tx, s);
    if (rc == RC_OK && sqlite3_changes(tx->db) == 0)
        return none;
    return rc;
}

/* The calling thread's read connection to st, opened at its first use; NULL (logged). */
static struct rconn *reader(struct store *st)
{
    struct rconn *c = tl_conn;
    if (!c || c->owner != st) {
        c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        c->owner = st;
        if (st->db_uri) { /* PostgreSQL: a connection of this thread's own */
            char err[256];
            if (!(c->conn = db_open(st->db_uri, err, sizeof err))) {
                log_error("store: cannot open a read connection: %s", err);
                free(c);
                return NULL;
            }
        } else if (open_conn(st->path, SQLITE_OPEN_READONLY, &c->db) != 0) {
            log_error("store: cannot open a read connection to %s", st->path);
            free(c);
            return NULL;
        }
        if (c->db)
            sqlite3_exec(c->db, "PRAGMA query_only=ON", NULL, NULL, NULL);
        if (c->db && !(c->conn = db_sqlite_adopt(c->db))) {
            sqlite3_close(c->db);
            free(c);
            return NULL;
        }
        pthread_mutex_lock(&st->rlock);
        c->next = st->rconns;
        st->rconns = c;
        pthread_mutex_unlock(&st->rlock);
        tl_conn = c;
    }
    return c;
}

/* The store whose reads run on its writer's connection on this thread (prerender.c). */
static __thread struct store *tl_on_writer;

struct db_conn *store_db(struct store *st)
{
    /* A store over one driver connection (store_over), or a page rendered inside a write. */
    if ((!st->wdb && !st->db_uri) || tl_on_writer == st)
        return st->wconn;
    struct rconn *c = reader(st);
    return c ? c->conn : NULL;
}

void sqlite_reads_on_writer(struct store *st, int on)
{
    tl_on_writer = on ? st : NULL;
}

sqlite3_stmt *sq_prepare(struct store *st, const char *sql)
{
    if (!st->wdb) {
        log_error("store: a call not written over the driver, on a store without SQLite");
        return NULL;
    }
    if (tl_on_writer == st)
        return cache_get(st->wcache, st->wdb, sql);
    struct rconn *c = reader(st);
    return c ? cache_get(&c->cache, c->db, sql) : NULL;
}

static const char read_begin_sql[] = "BEGIN", read_end_sql[] = "COMMIT";
/* PostgreSQL: one snapshot for the page's reads, as SQLite's read transaction is. */
static const char pg_read_begin_sql[] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

void store_read_begin(struct store *st)
{
    if (st->db_uri) {
        struct rconn *c = reader(st);
        if (c && !c->reading)
            c->reading = db_run(db_stmt(c->conn, pg_read_begin_sql)) == RC_OK;
        return;
    }
    if (!st->wdb)
        return;
    struct rconn *c = reader(st);
    sqlite3_stmt *s = c && sqlite3_get_autocommit(c->db)
                          ? cache_get(&c->cache, c->db, read_begin_sql)
                          : NULL;
    if (s) {
        sqlite3_step(s);
        sqlite3_reset(s);
    }
}

void store_read_end(struct store *st)
{
    struct rconn *c = tl_conn;
    if (c && c->owner == st && c->reading) {
        c->reading = 0;
        if (db_commit(c->conn) != 0)
            db_rollback(c->conn);
        return;
    }
    if (!c || c->owner != st || !c->db || sqlite3_get_autocommit(c->db))
        return;
    sqlite3_stmt *s = cache_get(&c->cache, c->db, read_end_sql);
    if (!s || sqlite3_step(s) != SQLITE_DONE)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    if (s)
        sqlite3_reset(s);
}

void sq_done(sqlite3_stmt *s)
{
    if (s) {
        /* The statement's last step's code: a read cut short by a fault is no empty answer. */
        check_rc(sqlite3_reset(s), sqlite3_db_handle(s));
        sqlite3_clear_bindings(s);
    }
}

/* Flush one counter delta: runs inside the writer's batch. */
struct flush_ctx {
    struct db_stmt *update;
    struct store *st;
    int64_t sum;
};

static int flush_one(void *arg, int64_t id, int64_t delta)
{
    struct flush_ctx *fc = arg;
    db_bind_int64(fc->update, 1, delta);
    db_bind_int64(fc->update, 2, id);
    if (db_run(fc->update) != RC_OK)
        return -1;
    fc->st->views_flushed += (uint64_t)delta;
    fc->sum += delta;
    return 0;
}

static int flush_views(struct db_conn *db, void *ctx)
{
    struct store *st = ctx;
    log_access_flush();
    /* Views change no page's generation (their numbers are holes the cache fills). */
    if (db_kind(db) == DB_PG && changes_quiet(db, 1) != 0)
        return -1;
    for (int k = 0; k < STORE_COUNT__MAX; k++) {
        struct flush_ctx fc = {db_stmt(db, view_flush_sql[k]), st, 0};
        if (!fc.update)
            return -1;
        counter_drain(st->views[k], flush_one, &fc);
        if (k == STORE_COUNT_CASE && fc.sum > 0)
            db_public_add_views(db, st->campaign_id, fc.sum);
    }
    if (db_kind(db) == DB_PG && changes_quiet(db, 0) != 0)
        return -1;
    /* The planner's statistics, kept fresh every few hours (SQLite's advice; PostgreSQL's autovacuum). */
    if (++st->flushes % STORE_OPTIMIZE_FLUSHES == 0 && db_sqlite_handle(db))
        sqlite3_exec(db_sqlite_handle(db), "PRAGMA optimize", NULL, NULL, NULL);
    return 0;
}

/*
 * Last in every writer batch: the audit chain's row for the batch's votes
 * (audit.h); on PostgreSQL, where no hook tells which job wrote a section,
 * the sections the batch wrote rendered once for all its jobs, and the
 * batch's number and what it and other nodes changed (nodes.c), made known
 * once it commits (sealed).
 */
static int seal_batch(struct db_conn *db, void *ctx)
{
    struct store_tx tx = {ctx, db_sqlite_handle(db)};
    if (tx_audit_seal_votes(&tx) != RC_OK)
        return -1;
    if (db_kind(db) == DB_PG && section_html_fill(db, 0) != 0)
        return -1;
    return nodes_seal(ctx, db);
}

static void sealed(void *ctx, int committed)
{
    nodes_sealed(ctx, committed);
}

/* Each counted row's views, as the database holds them. */
static int load_counters(struct store *st)
{
    for (int k = 0; k < STORE_COUNT__MAX; k++) {
        struct db_stmt *s = db_stmt(st->wconn, view_rows[k]);
        int rc;
        if (!s)
            return -1;
        while ((rc = db_step(s)) == DB_ROW)
            counter_register(st->views[k], db_column_int64(s, 0), db_column_int64(s, 1));
        db_reset(s);
        if (rc != DB_DONE)
            return -1;
    }
    return 0;
}

/*
 * The data folder, the database and its WAL and shared-memory files must
 * be writable, or every write would fail after a start that looked fine.
 */
static int writable_check(const char *dir, char *err, size_t errlen)
{
    static const char *const files[] = {"", "/laurel.db", "/laurel.db-wal", "/laurel.db-shm"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s%s", dir, files[i]);
        if (i > 0 && access(path, F_OK) != 0)
            continue; /* not there yet: SQLite creates it in the (writable) folder */
        if (access(path, W_OK) != 0) {
            snprintf(err, errlen,
                     "%s%s cannot be written (%s): refusing to start, since no write could "
                     "succeed; fix its permissions%s",
                     i ? "" : "data folder ", path, strerror(errno),
                     i == 3 ? " or remove this leftover file while no server runs" : "");
            return -1;
        }
    }
    return 0;
}

int store_lock(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/laurel.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, errlen, "%s cannot be written (%s): refusing to start", path,
                 strerror(errno));
        return -1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        long pid = fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK ? (long)who.l_pid : 0;
        snprintf(err, errlen,
                 "data folder %s is in use by another laurel server (process %ld, lock %s); "
                 "stop it first, or give this one another --data",
                 dir, pid, path);
        close(fd);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
        log_error("store: cannot write the pid into %s", path);
    return fd; /* held until the process exits */
}

/*
 * What a store opened on either database starts with, once its schema is
 * current: the view counters and the public campaign, with its public read
 * tables filled if they are stale (a database from before migration 004,
 * or one copied by migrate-db): 0, or -1 with err.
 */
static int store_start(struct store *st, char *err, size_t errlen)
{
    for (int k = 0; k < STORE_COUNT__MAX; k++)
        st->views[k] = counter_new();
    if (!st->views[0] || !st->views[1] || load_counters(st) != 0) {
        snprintf(err, errlen, "cannot load view counters");
        return -1;
    }
    st->campaign_id = db_public_campaign(st->wconn);
    if (st->campaign_id && db_public_stale(st->wconn, st->campaign_id)) {
        if (db_begin(st->wconn) != 0 || db_public_refresh(st->wconn, st->campaign_id) != 0 ||
            db_commit(st->wconn) != 0) {
            db_rollback(st->wconn);
            snprintf(err, errlen, "cannot build the public read tables");
            return -1;
        }
    }
    return 0;
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
    static pthread_once_t log_once = PTHREAD_ONCE_INIT;
    pthread_once(&log_once, install_log);
    pthread_mutex_init(&st->rlock, NULL);
    size_t n = strlen(dir) + 16;
    st->path = malloc(n);
    if (st->path)
        snprintf(st->path, n, "%s/laurel.db", dir);
    char wal[4096];
    snprintf(wal, sizeof wal, "%s/laurel.db-wal", dir);
    if (writable_check(dir, err, errlen) != 0) {
        store_close(st);
        return NULL;
    }
    long wal_commit = 0;
    long wal_n = wal_frames(wal, &wal_commit);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (!st->path || open_conn(st->path, flags, &st->wdb) != 0) {
        snprintf(err, errlen, "cannot open database %s", st->path ? st->path : dir);
        store_close(st);
        return NULL;
    }
    if (!(st->wconn = db_sqlite_adopt(st->wdb))) {
        snprintf(err, errlen, "out of memory");
        store_close(st);
        return NULL;
    }
    if (signkey_load(dir, &st->key, err, errlen) != 0) { /* made here the first time */
        store_close(st);
        return NULL;
    }
    if (sqlite3_db_readonly(st->wdb, "main") == 1) {
        snprintf(err, errlen,
                 "database %s can only be read (its permissions or its file system): "
                 "refusing to start, since no write could succeed",
                 st->path);
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
    /* The first read above ran the WAL's recovery, if it had to. */
    long kept = wal_recovered < 0 ? 0 : wal_recovered;
    if (wal_n > 0 && wal_commit > kept) {
        char warn[512];
        snprintf(warn, sizeof warn,
                 "WAL recovery dropped frames %ld to %ld of laurel.db-wal (a checksum failed): "
                 "transactions committed before the last stop may be lost",
                 kept + 1, wal_commit);
        log_error("store: %s", warn);
        fault_add_warning(warn);
    }
    if (store_start(st, err, errlen) != 0) {
        store_close(st);
        return NULL;
    }
    /* Sections written before migration 011 or by another program: rendered once, now. */
    if (db_begin(st->wconn) != 0 || section_html_fill(st->wconn, 0) != 0 ||
        db_commit(st->wconn) != 0)
        db_rollback(st->wconn);
    changes_install(st);
    st->wcache = calloc(1, sizeof *st->wcache);
    st->writer = st->wcache ? writer_start(st->wconn, flush_views, seal_batch, sealed, st) : NULL;
    if (!st->writer) {
        snprintf(err, errlen, "cannot start the writer thread");
        store_close(st);
        return NULL;
    }
    return st;
}

/*
 * A store on PostgreSQL: the data folder keeps the uploads and the signing
 * key (shared by the nodes of a deployment), the database all the rest.
 * The schema is created in an empty database.  Reads run on a connection
 * of each serving thread's own, writes on the writer's, in batches as on
 * SQLite (one commit a batch, synchronous_commit on).  What is SQLite's own
 * stays off: the page generations by table (every write changes them all,
 * changes.c), the pages rendered at write (read from the model, prerender.c).
 */
struct store *store_open_pg(const char *dir, const char *uri, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 && mkdir(dir, 0750) != 0) {
        snprintf(err, errlen, "cannot create the data folder %s", dir);
        return NULL;
    }
    struct store *st = calloc(1, sizeof *st);
    if (!st || !(st->db_uri = strdup(uri))) {
        free(st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&st->rlock, NULL);
    if (!(st->wconn = db_open(uri, err, errlen)) || signkey_load(dir, &st->key, err, errlen) != 0 ||
        store_pg_ready(st->wconn, err, errlen) != 0 || store_start(st, err, errlen) != 0) {
        store_close(st);
        return NULL;
    }
    if (!(st->writer = writer_start(st->wconn, flush_views, seal_batch, sealed, st))) {
        snprintf(err, errlen, "cannot start the writer thread");
        store_close(st);
        return NULL;
    }
    return st;
}

static int reload_job(struct db_conn *db, void *arg)
{
    struct store *st = arg;
    (void)db; /* the writer's connection, st->wconn */
    if (load_counters(st) != 0)
        return -1;
    st->campaign_id = db_public_campaign(st->wconn);
    /* A campaign published without its public read tables gets them now. */
    if (st->campaign_id && db_public_stale(st->wconn, st->campaign_id) &&
        db_public_refresh(st->wconn, st->campaign_id) != 0)
        return -1;
    prerender_flush(st); /* the pages of a bulk load, once, at its end */
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
    atomic_store(&st->closing, 1); /* a pass of the pages goes on at the next start */
    writer_stop(st->writer);       /* runs the last counter flush */
    db_public_close(st);
    struct rconn *c = st->rconns;
    while (c) {
        struct rconn *next = c->next;
        cache_clear(&c->cache);
        db_close(c->conn);
        if (c->db) {
            sqlite3_exec(c->db, "PRAGMA optimize", NULL, NULL, NULL);
            sqlite3_close(c->db);
        }
        if (tl_conn == c)
            tl_conn = NULL;
        free(c);
        c = next;
    }
    if (st->wcache) {
        cache_clear(st->wcache);
        free(st->wcache);
    }
    db_close(st->wconn); /* its statements; the handle, for a store over it alone */
    if (st->wdb) {
        if (st->writer)
            sqlite3_exec(st->wdb, "PRAGMA optimize", NULL, NULL, NULL);
        sqlite3_close(st->wdb);
    }
    for (int k = 0; k < STORE_COUNT__MAX; k++)
        counter_free(st->views[k]);
    nodes_free(st);
    pthread_mutex_destroy(&st->rlock);
    free(st->path);
    free(st->db_uri);
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
    out->write_batch = st->batch_seen;
    out->pages_pass_at = prerender_pass_at(st);
}

uint64_t store_generation(struct store *st)
{
    /* A fault changes it too: nothing rendered from a failed read stays cached. */
    return st->generation + fault_count();
}

int64_t store_public_campaign(struct store *st)
{
    return st->campaign_id;
}

/*
 * The check's watchdog: sqlite3_interrupt at the deadline.  A progress
 * handler is not enough: the integrity check walks a table's pages inside
 * one VM step, where no handler runs, and on a slow disk that step alone
 * overran the bound many times over.
 */
struct check_watch {
    sqlite3 *db;
    struct timespec until; /* CLOCK_MONOTONIC */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
};

static void *check_watchdog(void *arg)
{
    struct check_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->done && pthread_cond_timedwait(&w->cv, &w->mu, &w->until) != ETIMEDOUT)
        ;
    if (!w->done)
        sqlite3_interrupt(w->db);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Start w's watchdog, timeout_ms from now: 0, or -1 when no thread could start. */
static int check_watch_start(struct check_watch *w, pthread_t *t, sqlite3 *db, unsigned timeout_ms)
{
    memset(w, 0, sizeof *w);
    w->db = db;
    clock_gettime(CLOCK_MONOTONIC, &w->until);
    w->until.tv_sec += timeout_ms / 1000;
    w->until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (w->until.tv_nsec >= 1000000000L) {
        w->until.tv_sec++;
        w->until.tv_nsec -= 1000000000L;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(t, NULL, check_watchdog, w) == 0)
        return 0;
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    return -1;
}

static void check_watch_stop(struct check_watch *w, pthread_t t)
{
    pthread_mutex_lock(&w->mu);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(t, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}

int store_check(struct store *st, unsigned timeout_ms, char *err, size_t errlen)
{
    if (st->db_uri) /* PostgreSQL checks its own pages (data checksums, its DBA's tools) */
        return 0;
    sqlite3 *db = NULL;
    if (open_conn(st->path, SQLITE_OPEN_READONLY, &db) != 0) {
        snprintf(err, errlen, "cannot open %s to check it", st->path);
        return -1;
    }
    struct check_watch w;
    pthread_t watchdog;
    if (check_watch_start(&w, &watchdog, db, timeout_ms) != 0) {
        sqlite3_close(db);
        snprintf(err, errlen, "no thread to bound the check with");
        return 1;
    }
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(5)", -1, &s, NULL);
    int result = 0;
    size_t used = 0;
    err[0] = 0;
    while (s && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *line = sq_text(s, 0);
        if (strcmp(line, "ok") == 0)
            continue;
        result = -1;
        if (used + 2 < errlen)
            used += (size_t)snprintf(err + used, errlen - used, "%s%s", used ? "; " : "", line);
    }
    if (rc == SQLITE_INTERRUPT) {
        result = 1;
        snprintf(err, errlen, "the check did not finish within %u ms", timeout_ms);
    } else if (rc != SQLITE_DONE && result == 0) {
        result = -1;
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    }
    if (result < 0)
        fault_note(FAULT_CORRUPT, err);
    sqlite3_finalize(s);
    check_watch_stop(&w, watchdog);
    sqlite3_close(db);
    return result;
}

/* A queued write of store.h: the writer job and the caller's callbacks. */
struct write_job {
    struct writer_job job;
    struct store_changes changes;
    struct store *st;
    store_write_fn run;
    void (*done)(void *arg, int rc);
    void *arg;
};

static int write_run(struct db_conn *db, void *arg)
{
    struct write_job *j = arg;
    struct store_tx tx = {j->st, db_sqlite_handle(db)};
    changes_begin(j->st, &j->changes);
    int rc = j->run(&tx, j->arg);
    changes_end(j->st, &j->changes);
    return rc == RC_OK ? 0 : rc;
}

static void write_done(void *arg, int rc)
{
    struct write_job *j = arg;
    if (rc == 0)
        changes_apply(j->st, &j->changes);
    j->done(j->arg, rc);
    free(j);
}

int store_write(struct store *st, store_write_fn run, void (*done)(void *arg, int rc), void *arg)
{
    if (!st->writer) { /* a store over one driver connection: run at once */
        done(arg, store_over_write(st, run, arg));
        return RC_OK;
    }
    struct write_job *j = calloc(1, sizeof *j);
    if (!j)
        return RC_ERROR;
    j->st = st;
    j->run = run;
    j->done = done;
    j->arg = arg;
    j->job.run = write_run;
    j->job.done = write_done;
    j->job.arg = j;
    writer_submit(st->writer, &j->job);
    return RC_OK;
}

struct sync_write {
    struct store_changes changes;
    struct store *st;
    store_write_fn run;
    void *arg;
    const struct audit_entry *audit; /* the caller's scoped row (audit.h), or NULL */
};

static int sync_write_run(struct db_conn *db, void *arg)
{
    struct sync_write *sw = arg;
    struct store_tx tx = {sw->st, db_sqlite_handle(db)};
    changes_begin(sw->st, &sw->changes);
    int rc = sw->run(&tx, sw->arg);
    if (rc == RC_OK && sw->audit) /* the calling action's row, in the same transaction */
        rc = tx_audit_append(&tx, sw->audit);
    changes_end(sw->st, &sw->changes);
    return rc == RC_OK ? 0 : rc;
}

int store_write_sync(struct store *st, store_write_fn run, void *arg)
{
    if (!st->writer)
        return store_over_write(st, run, arg);
    struct sync_write sw = {{0}, st, run, arg, store_audit_scoped()};
    int rc = writer_run_sync(st->writer, sync_write_run, &sw);
    if (rc == 0)
        changes_apply(st, &sw.changes);
    return rc == 0 ? RC_OK : rc;
}
