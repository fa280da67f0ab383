/*
 * db.c — the part of the driver interface (db.h) that is the same for
 * every driver: choosing the driver from the target, the statement cache,
 * the calls passed on through the driver's table, and what a failure means
 * (its kind, its result for the store, its fault, its log line).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/db_int.h"

static const char *const err_names[DB_E__MAX] = {
    [DB_E_NONE] = "none",   [DB_E_UNIQUE] = "unique",   [DB_E_CONSTRAINT] = "constraint",
    [DB_E_BUSY] = "busy",   [DB_E_CORRUPT] = "corrupt", [DB_E_IO] = "io",
    [DB_E_FULL] = "full",   [DB_E_NOMEM] = "nomem",     [DB_E_SQL] = "sql",
    [DB_E_OTHER] = "other",
};

struct db_conn *db_open(const char *target, char *err, size_t errlen)
{
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
        return db_pg_open(target, err, errlen);
    return db_sqlite_open(target, err, errlen);
}

void db_conn_init(struct db_conn *c, const struct db_ops *ops, enum db_kind kind)
{
    c->ops = ops;
    c->kind = kind;
    c->err = DB_E_NONE;
    c->msg[0] = 0;
}

void db_close(struct db_conn *c)
{
    if (c)
        c->ops->close(c);
}

enum db_kind db_kind(const struct db_conn *c)
{
    return c->kind;
}

void db_cache_clear(struct db_conn *c)
{
    for (size_t i = 0; i < DB_CACHE_SIZE; i++) {
        if (c->cache_stmt[i])
            c->ops->finalize(c->cache_stmt[i]);
        c->cache_stmt[i] = NULL;
        c->cache_sql[i] = NULL;
    }
}

struct db_stmt *db_stmt(struct db_conn *c, const char *sql)
{
    if (!c)
        return NULL;
    size_t h = ((uintptr_t)sql >> 3) % DB_CACHE_SIZE;
    for (size_t probe = 0; probe < DB_CACHE_SIZE; probe++) {
        size_t i = (h + probe) % DB_CACHE_SIZE;
        if (c->cache_sql[i] == sql)
            return c->cache_stmt[i];
        if (!c->cache_sql[i]) {
            struct db_stmt *s = c->ops->prepare(c, sql);
            if (s) { /* a failure is not cached: the next use tries again */
                c->cache_sql[i] = sql;
                c->cache_stmt[i] = s;
            }
            return s;
        }
    }
    db_fail(c, DB_E_OTHER, "statement cache full", sql);
    return NULL;
}

struct db_stmt *db_prepare(struct db_conn *c, const char *sql)
{
    return c ? c->ops->prepare(c, sql) : NULL;
}

void db_finalize(struct db_stmt *s)
{
    if (s)
        s->conn->ops->finalize(s);
}

void db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
    s->conn->ops->bind_int64(s, i, v);
}

void db_bind_double(struct db_stmt *s, int i, double v)
{
    s->conn->ops->bind_double(s, i, v);
}

void db_bind_text(struct db_stmt *s, int i, const char *v, int n)
{
    if (!v)
        s->conn->ops->bind_null(s, i);
    else
        s->conn->ops->bind_text(s, i, v, n < 0 ? strlen(v) : (size_t)n);
}

void db_bind_blob(struct db_stmt *s, int i, const void *p, size_t n)
{
    if (!p && n)
        s->conn->ops->bind_null(s, i);
    else
        s->conn->ops->bind_blob(s, i, p ? p : "", n);
}

void db_bind_null(struct db_stmt *s, int i)
{
    s->conn->ops->bind_null(s, i);
}

int db_step(struct db_stmt *s)
{
    return s->conn->ops->step(s);
}

void db_reset(struct db_stmt *s)
{
    if (s)
        s->conn->ops->reset(s);
}

int db_run(struct db_stmt *s)
{
    if (!s)
        return RC_ERROR;
    int step;
    while ((step = db_step(s)) == DB_ROW)
        ;
    enum db_err e = step == DB_DONE ? DB_E_NONE : s->conn->err;
    db_reset(s);
    return step == DB_DONE ? RC_OK : (int)db_err_result(e);
}

int db_run_id(struct db_stmt *s, int64_t *id)
{
    *id = 0;
    if (!s)
        return RC_ERROR;
    int step = db_step(s);
    if (step == DB_ROW) {
        *id = db_column_int64(s, 0);
        while ((step = db_step(s)) == DB_ROW)
            ;
    }
    enum db_err e = step == DB_DONE ? DB_E_NONE : s->conn->err;
    db_reset(s);
    if (step != DB_DONE)
        *id = 0;
    return step == DB_DONE ? RC_OK : (int)db_err_result(e);
}

int64_t db_changes(const struct db_stmt *s)
{
    return s->conn->ops->changes(s);
}

enum db_type db_column_type(struct db_stmt *s, int col)
{
    return s->conn->ops->column_type(s, col);
}

int64_t db_column_int64(struct db_stmt *s, int col)
{
    return s->conn->ops->column_int64(s, col);
}

double db_column_double(struct db_stmt *s, int col)
{
    return s->conn->ops->column_double(s, col);
}

const char *db_column_text(struct db_stmt *s, int col)
{
    return s->conn->ops->column_text(s, col);
}

const void *db_column_blob(struct db_stmt *s, int col)
{
    return s->conn->ops->column_blob(s, col);
}

size_t db_column_bytes(struct db_stmt *s, int col)
{
    return s->conn->ops->column_bytes(s, col);
}

int db_exec(struct db_conn *c, const char *sql)
{
    return c->ops->exec(c, sql);
}

/* Transactions' words are the connection's cached statements: a writer's batch runs many. */
static const char commit_sql[] = "COMMIT", rollback_sql[] = "ROLLBACK";

int db_begin(struct db_conn *c)
{
    if (db_run(db_stmt(c, c->ops->begin_sql)) != RC_OK)
        return -1;
    if (!c->ops->lock_sql || db_run(db_stmt(c, c->ops->lock_sql)) == RC_OK)
        return 0;
    db_rollback(c);
    return -1;
}

int db_commit(struct db_conn *c)
{
    return db_run(db_stmt(c, commit_sql)) == RC_OK ? 0 : -1;
}

int db_rollback(struct db_conn *c)
{
    return db_run(db_stmt(c, rollback_sql)) == RC_OK ? 0 : -1;
}

/* Run "<verb><name>" when name is a plain identifier. */
static int savepoint_sql(struct db_conn *c, const char *verb, const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 48 || strspn(name, "abcdefghijklmnopqrstuvwxyz_") != n)
        return db_fail(c, DB_E_SQL, "savepoint name is not a plain identifier", name);
    char sql[96];
    snprintf(sql, sizeof sql, "%s%s", verb, name);
    return c->ops->exec(c, sql);
}

int db_savepoint(struct db_conn *c, const char *name)
{
    return savepoint_sql(c, "SAVEPOINT ", name);
}

int db_release(struct db_conn *c, const char *name)
{
    return savepoint_sql(c, "RELEASE SAVEPOINT ", name);
}

int db_rollback_to(struct db_conn *c, const char *name)
{
    return savepoint_sql(c, "ROLLBACK TO SAVEPOINT ", name);
}

enum db_err db_errcode(const struct db_conn *c)
{
    return c->err;
}

const char *db_errmsg(const struct db_conn *c)
{
    return c->msg;
}

enum result db_err_result(enum db_err e)
{
    return e == DB_E_NONE ? RC_OK : e == DB_E_UNIQUE ? RC_EXISTS : RC_ERROR;
}

enum fault_kind db_err_fault(enum db_err e)
{
    switch (e) {
    case DB_E_CORRUPT:
        return FAULT_CORRUPT;
    case DB_E_IO:
    case DB_E_FULL:
        return FAULT_IO;
    default:
        return FAULT_NONE;
    }
}

const char *db_err_name(enum db_err e)
{
    return e >= 0 && e < DB_E__MAX ? err_names[e] : "?";
}

int db_fail(struct db_conn *c, enum db_err e, const char *msg, const char *sql)
{
    c->err = e;
    snprintf(c->msg, sizeof c->msg, "%s", msg ? msg : "");
    size_t n = strlen(c->msg); /* one line: PostgreSQL's messages end with a newline */
    while (n && (c->msg[n - 1] == '\n' || c->msg[n - 1] == ' '))
        c->msg[--n] = 0;
    const char *driver = c->kind == DB_PG ? "postgresql" : "sqlite";
    enum fault_kind k = db_err_fault(e);
    if (k != FAULT_NONE) {
        log_error("store: %s %s (%s): %s in: %.80s", driver,
                  k == FAULT_CORRUPT ? "DATABASE CORRUPT" : "I/O ERROR", err_names[e], c->msg,
                  sql ? sql : "");
        fault_note(k, c->msg);
    } else if (e == DB_E_UNIQUE) { /* a duplicate the store may refuse: no alarm */
        log_info("store: %s: %s in: %.80s", driver, c->msg, sql ? sql : "");
    } else {
        log_error("store: %s (%s): %s in: %.80s", driver, err_names[e], c->msg, sql ? sql : "");
    }
    return -1;
}
