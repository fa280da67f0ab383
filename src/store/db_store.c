/*
 * db_store.c — the store's side of the driver (store_int.h): the write's
 * connection and statements, the time of a write, a store over one
 * driver connection with its writes run in place, and the PostgreSQL
 * schema of the tables written over the driver so far.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/embed.h"
#include "core/log.h"
#include "store/sqlite_int.h"
#include "store/store_int.h"

struct db_conn *tx_conn(struct store_tx *tx)
{
    return tx->st->wconn;
}

struct db_stmt *store_stmt(struct store *st, const char *sql)
{
    return db_stmt(store_db(st), sql);
}

struct db_stmt *tx_stmt(struct store_tx *tx, const char *sql)
{
    return db_stmt(tx->st->wconn, sql);
}

void store_now(char out[STORE_NOW_LEN])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, STORE_NOW_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct store *store_over(struct db_conn *c)
{
    struct store *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    pthread_mutex_init(&st->rlock, NULL);
    st->wconn = c;
    return st;
}

int store_over_write(struct store *st, store_write_fn run, void *arg)
{
    struct store_tx tx = {st, NULL};
    if (db_begin(st->wconn) != 0)
        return RC_ERROR;
    int rc = run(&tx, arg);
    if (rc == RC_OK && db_commit(st->wconn) == 0)
        return RC_OK;
    if (db_rollback(st->wconn) != 0)
        log_error("store: rollback failed: %s", db_errmsg(st->wconn));
    return rc == RC_OK ? RC_ERROR : rc;
}

int store_pg_schema(struct db_conn *c, char *err, size_t errlen)
{
    const struct embed_file *f = embed_find("src/store/pg/schema.sql");
    if (!f || db_kind(c) != DB_PG) {
        snprintf(err, errlen, "no PostgreSQL schema for this connection");
        return -1;
    }
    if (db_begin(c) != 0 || db_exec(c, (const char *)f->data) != 0 || db_commit(c) != 0) {
        snprintf(err, errlen, "cannot create the PostgreSQL schema: %s", db_errmsg(c));
        db_rollback(c);
        return -1;
    }
    return 0;
}
