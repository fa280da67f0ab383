/*
 * db_store.c — the store's side of the driver (store_int.h): the write's
 * connection and statements, the time of a write, the column and binding
 * helpers of the modules over the driver, what they need of the store's
 * own state, a store over one driver connection with its writes run in
 * place, and a PostgreSQL database made ready to serve (its schema,
 * migrate_pg.c, and its search index).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "domain/workdays.h"
#include "store/search.h"
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

void store_time(char out[STORE_NOW_LEN], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, STORE_NOW_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void store_now(char out[STORE_NOW_LEN])
{
    store_time(out, (int64_t)time(NULL));
}

const char *db_text(struct db_stmt *s, int col)
{
    const char *t = db_column_text(s, col);
    return t ? t : "";
}

json_t *db_jtext(struct db_stmt *s, int col)
{
    const char *t = db_column_text(s, col);
    return t ? json_stringn(t, db_column_bytes(s, col)) : json_null();
}

json_t *db_jint(struct db_stmt *s, int col)
{
    return db_column_type(s, col) == DB_NULL ? json_null()
                                             : json_integer((json_int_t)db_column_int64(s, col));
}

json_t *db_jreal(struct db_stmt *s, int col)
{
    return db_column_type(s, col) == DB_NULL ? json_null() : json_real(db_column_double(s, col));
}

void db_copy_text(char *dst, size_t n, struct db_stmt *s, int col)
{
    snprintf(dst, n, "%s", db_text(s, col));
}

int tx_run_id(struct store_tx *tx, const char *sql, int64_t id)
{
    struct db_stmt *s = tx_stmt(tx, sql);
    if (s)
        db_bind_int64(s, 1, id);
    return db_run(s);
}

int db_run_changed(struct db_stmt *s, int none)
{
    int rc = db_run(s);
    if (rc == RC_OK && db_changes(s) == 0)
        return none;
    return rc;
}

void db_bind_opt(struct db_stmt *s, int i, const char *v)
{
    if (v && *v)
        db_bind_text(s, i, v, -1);
    else
        db_bind_null(s, i);
}

/* Column col's UTC time in China Standard Time: *day (workdays.h) and the minute of that day. */
static int cst_of(struct db_stmt *s, int col, int *day, int *minute)
{
    const char *t = db_column_text(s, col);
    char date[11];
    int hour = 0, min = 0;
    if (!t || strlen(t) < 10)
        return -1;
    memcpy(date, t, 10);
    date[10] = 0;
    if (workdays_parse(date, day) != 0)
        return -1;
    if ((t[10] == 'T' || t[10] == ' ') && sscanf(t + 11, "%2d:%2d", &hour, &min) < 1)
        hour = 0;
    hour += 8;
    if (hour >= 24) {
        hour -= 24;
        ++*day;
    }
    *minute = hour * 60 + min;
    return 0;
}

json_t *db_cst_day(struct db_stmt *s, int col)
{
    int day, minute;
    char date[11];
    if (cst_of(s, col, &day, &minute) != 0)
        return json_string("");
    workdays_format(day, date);
    return json_string(date);
}

json_t *db_cst_minute(struct db_stmt *s, int col)
{
    int day, minute;
    char date[11], out[32];
    if (cst_of(s, col, &day, &minute) != 0)
        return json_null();
    workdays_format(day, date);
    snprintf(out, sizeof out, "%s %02d:%02d", date, minute / 60, minute % 60);
    return json_string(out);
}

struct store *tx_store(struct store_tx *tx)
{
    return tx->st;
}

int tx_public_refresh(struct store_tx *tx, int64_t campaign)
{
    if (campaign != tx->st->campaign_id)
        return RC_OK;
    return db_public_refresh(tx->st->wconn, campaign) == 0 ? RC_OK : RC_ERROR;
}

void tx_public_take(struct store_tx *tx)
{
    tx->st->campaign_id = db_public_campaign(tx->st->wconn);
}

int tx_public_reload(struct store_tx *tx)
{
    struct store *st = tx->st;
    tx_public_take(tx);
    if (st->campaign_id && db_public_refresh(st->wconn, st->campaign_id) != 0)
        return RC_ERROR;
    return RC_OK;
}

const struct signkey *store_signkey(struct store *st)
{
    return &st->key;
}

struct store *store_over(struct db_conn *c)
{
    struct store *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    pthread_mutex_init(&st->rlock, NULL);
    st->wconn = c;
    if (db_kind(c) == DB_PG && search_pg_open(c) != 0)
        log_error("store: the search finds nothing until its index is built");
    return st;
}

int store_over_write(struct store *st, store_write_fn run, void *arg)
{
    struct store_tx tx = {st, NULL};
    if (db_begin(st->wconn) != 0)
        return RC_ERROR;
    int rc = run(&tx, arg);
    /* The sections it wrote rendered in it, as SQLite's writer renders them (section_html.c). */
    if (rc == RC_OK && section_html_fill(st->wconn, 0) != 0)
        rc = RC_ERROR;
    if (rc == RC_OK && db_commit(st->wconn) == 0)
        return RC_OK;
    if (db_rollback(st->wconn) != 0)
        log_error("store: rollback failed: %s", db_errmsg(st->wconn));
    return rc == RC_OK ? RC_ERROR : rc;
}

int store_pg_ready(struct db_conn *c, char *err, size_t errlen)
{
    if (store_pg_migrate(c, NULL, err, errlen) != 0)
        return -1;
    /* Every table's page_change trigger (changes.c), under the write lock: nodes start at once. */
    if (db_begin(c) != 0 || changes_install_pg(c) != 0 || db_commit(c) != 0) {
        snprintf(err, errlen, "cannot install the page cache's triggers: %s", db_errmsg(c));
        db_rollback(c);
        return -1;
    }
    search_pg_open(c); /* the search index, built when the cases have none */
    return 0;
}

int store_reads_per_thread(struct store *st)
{
    return st->wdb != NULL || st->db_uri != NULL;
}

struct pub_views **store_pub_views(struct store *st)
{
    return &st->pub_views;
}
