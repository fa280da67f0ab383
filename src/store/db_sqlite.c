/*
 * db_sqlite.c — the SQLite driver of db.h: each call is the sqlite3_* call
 * of the same name, with SQLite's result codes read as db.h's error kinds.
 *
 * A connection is opened here (db_open with a file's path: foreign keys on,
 * a busy timeout as the store's own connections have) or adopted from the
 * store, which keeps opening, configuring and closing its handles in
 * sqlite.c while its modules move onto this interface.  A claim's last
 * FOR UPDATE SKIP LOCKED is left out here (db.h).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_int.h"

#define SQLITE_BUSY_MS 5000

struct sqlite_conn {
    struct db_conn base;
    sqlite3 *db;
    int owned; /* closed with the connection (not when adopted) */
};

struct sqlite_stmt {
    struct db_stmt base;
    sqlite3_stmt *s;
    int bad;         /* a parameter could not be bound: the next step fails */
    int64_t changes; /* of the last run that reached its end */
};

#define CONN(c) ((struct sqlite_conn *)(c))
#define STMT(x) ((struct sqlite_stmt *)(x))

/* db.h's kind of an (extended) SQLite result code. */
static enum db_err err_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY
                   ? DB_E_UNIQUE
                   : DB_E_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return DB_E_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return DB_E_CORRUPT;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return DB_E_IO;
    case SQLITE_FULL:
        return DB_E_FULL;
    case SQLITE_NOMEM:
        return DB_E_NOMEM;
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        return DB_E_SQL;
    default:
        return DB_E_OTHER;
    }
}

/* Record the connection's last SQLite error; -1. */
static int fail(struct db_conn *c, const char *sql)
{
    sqlite3 *db = CONN(c)->db;
    return db_fail(c, err_of(sqlite3_extended_errcode(db)), sqlite3_errmsg(db), sql);
}

static void sq_close(struct db_conn *c)
{
    db_cache_clear(c);
    if (CONN(c)->owned)
        sqlite3_close(CONN(c)->db);
    free(c);
}

/*
 * The bytes of sql to prepare: without a last FOR UPDATE SKIP LOCKED (db.h),
 * which SQLite does not know and does not need, its write transaction
 * holding the whole database.
 */
static int sql_bytes(const char *sql)
{
    static const char row_lock[] = " FOR UPDATE SKIP LOCKED";
    size_t n = strlen(sql), k = sizeof row_lock - 1;
    return (int)(n >= k && strcmp(sql + n - k, row_lock) == 0 ? n - k : n);
}

static struct db_stmt *sq_prepare(struct db_conn *c, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v3(CONN(c)->db, sql, sql_bytes(sql), SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
        SQLITE_OK) {
        fail(c, sql);
        return NULL;
    }
    struct sqlite_stmt *x = calloc(1, sizeof *x);
    if (!x) {
        sqlite3_finalize(s);
        db_fail(c, DB_E_NOMEM, "out of memory", sql);
        return NULL;
    }
    x->base.conn = c;
    x->base.sql = sql;
    x->s = s;
    return &x->base;
}

static void sq_finalize(struct db_stmt *s)
{
    sqlite3_finalize(STMT(s)->s);
    free(s);
}

/* A bind's result: a failure (a parameter out of range, memory) fails the next step. */
static void bound(struct db_stmt *s, int rc)
{
    if (rc != SQLITE_OK)
        STMT(s)->bad = rc;
}

static void sq_bind_int64(struct db_stmt *s, int i, int64_t v)
{
    bound(s, sqlite3_bind_int64(STMT(s)->s, i, v));
}

static void sq_bind_double(struct db_stmt *s, int i, double v)
{
    bound(s, sqlite3_bind_double(STMT(s)->s, i, v));
}

static void sq_bind_text(struct db_stmt *s, int i, const char *v, size_t n)
{
    bound(s, sqlite3_bind_text64(STMT(s)->s, i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static void sq_bind_blob(struct db_stmt *s, int i, const void *p, size_t n)
{
    bound(s, sqlite3_bind_blob64(STMT(s)->s, i, p, n, SQLITE_TRANSIENT));
}

static void sq_bind_null(struct db_stmt *s, int i)
{
    bound(s, sqlite3_bind_null(STMT(s)->s, i));
}

static int sq_step(struct db_stmt *s)
{
    struct sqlite_stmt *x = STMT(s);
    if (x->bad) {
        db_fail(s->conn, err_of(x->bad), sqlite3_errstr(x->bad), s->sql);
        return DB_ERROR;
    }
    int rc = sqlite3_step(x->s);
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE) {
        x->changes = sqlite3_stmt_readonly(x->s) ? 0 : sqlite3_changes64(CONN(s->conn)->db);
        return DB_DONE;
    }
    fail(s->conn, s->sql);
    return DB_ERROR;
}

static void sq_reset(struct db_stmt *s)
{
    sqlite3_reset(STMT(s)->s); /* repeats the last step's error, recorded then */
    sqlite3_clear_bindings(STMT(s)->s);
    STMT(s)->bad = 0;
}

static int64_t sq_changes(const struct db_stmt *s)
{
    return STMT(s)->changes;
}

static enum db_type sq_column_type(struct db_stmt *s, int col)
{
    switch (sqlite3_column_type(STMT(s)->s, col)) {
    case SQLITE_INTEGER:
        return DB_INT;
    case SQLITE_FLOAT:
        return DB_DOUBLE;
    case SQLITE_TEXT:
        return DB_TEXT;
    case SQLITE_BLOB:
        return DB_BLOB;
    default:
        return DB_NULL;
    }
}

static int64_t sq_column_int64(struct db_stmt *s, int col)
{
    return sqlite3_column_int64(STMT(s)->s, col);
}

static double sq_column_double(struct db_stmt *s, int col)
{
    return sqlite3_column_double(STMT(s)->s, col);
}

static const char *sq_column_text(struct db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(STMT(s)->s, col);
}

static const void *sq_column_blob(struct db_stmt *s, int col)
{
    return sqlite3_column_blob(STMT(s)->s, col);
}

static size_t sq_column_bytes(struct db_stmt *s, int col)
{
    return (size_t)sqlite3_column_bytes(STMT(s)->s, col);
}

static int sq_exec(struct db_conn *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(CONN(c)->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        db_fail(c, err_of(sqlite3_extended_errcode(CONN(c)->db)), msg ? msg : sqlite3_errstr(rc),
                sql);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static const struct db_ops sqlite_ops = {
    .close = sq_close,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .changes = sq_changes,
    .column_type = sq_column_type,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_text = sq_column_text,
    .column_blob = sq_column_blob,
    .column_bytes = sq_column_bytes,
    .exec = sq_exec,
    .begin_sql = "BEGIN IMMEDIATE",
};

static struct db_conn *wrap(sqlite3 *db, int owned)
{
    struct sqlite_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    db_conn_init(&c->base, &sqlite_ops, DB_SQLITE);
    c->db = db;
    c->owned = owned;
    return &c->base;
}

struct db_conn *db_sqlite_adopt(struct sqlite3 *db)
{
    return wrap(db, 0);
}

struct sqlite3 *db_sqlite_handle(struct db_conn *c)
{
    return c && c->kind == DB_SQLITE ? ((struct sqlite_conn *)c)->db : NULL;
}

struct db_conn *db_sqlite_open(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    struct db_conn *c = rc == SQLITE_OK ? wrap(db, 1) : NULL;
    if (!c) {
        snprintf(err, errlen, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
    /* Reads the file's header: a file that is no database fails here, as a fault noted. */
    if (sq_exec(c, "PRAGMA foreign_keys=ON; SELECT count(*) FROM sqlite_schema") != 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, db_errmsg(c));
        sq_close(c);
        return NULL;
    }
    return c;
}
