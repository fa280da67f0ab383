/*
 * db_int.h — what a driver of db.h implements, and what db.c does for all
 * of them: the table of a driver's operations, the connection and
 * statement headers a driver's own structs begin with, the statement cache
 * and the recording of failures.
 */
#ifndef LAUREL_DB_INT_H
#define LAUREL_DB_INT_H

#include "store/db.h"

/* Statements cached per connection, by the address of their SQL text. */
#define DB_CACHE_SIZE 512

/* A driver's operations; db.c checks arguments common to all before calling them. */
struct db_ops {
    void (*close)(struct db_conn *c);
    struct db_stmt *(*prepare)(struct db_conn *c, const char *sql);
    void (*finalize)(struct db_stmt *s);
    void (*bind_int64)(struct db_stmt *s, int i, int64_t v);
    void (*bind_double)(struct db_stmt *s, int i, double v);
    void (*bind_text)(struct db_stmt *s, int i, const char *v, size_t n);
    void (*bind_blob)(struct db_stmt *s, int i, const void *p, size_t n);
    void (*bind_null)(struct db_stmt *s, int i);
    int (*step)(struct db_stmt *s);
    void (*reset)(struct db_stmt *s);
    int64_t (*changes)(const struct db_stmt *s);
    enum db_type (*column_type)(struct db_stmt *s, int col);
    int64_t (*column_int64)(struct db_stmt *s, int col);
    double (*column_double)(struct db_stmt *s, int col);
    const char *(*column_text)(struct db_stmt *s, int col);
    const void *(*column_blob)(struct db_stmt *s, int col);
    size_t (*column_bytes)(struct db_stmt *s, int col);
    int (*exec)(struct db_conn *c, const char *sql);
    const char *begin_sql; /* how this driver opens a write transaction */
    const char *lock_sql;  /* then takes the database's one write lock (NULL: begin_sql did) */
};

struct db_conn {
    const struct db_ops *ops;
    enum db_kind kind;
    enum db_err err;
    char msg[256];
    const char *cache_sql[DB_CACHE_SIZE];
    struct db_stmt *cache_stmt[DB_CACHE_SIZE];
};

struct db_stmt {
    struct db_conn *conn;
    const char *sql; /* the text as given, for messages */
};

/* Fill the header of a new connection (its struct zeroed before). */
void db_conn_init(struct db_conn *c, const struct db_ops *ops, enum db_kind kind);
/* Finalize the cached statements (a driver's close calls it first). */
void db_cache_clear(struct db_conn *c);
/*
 * Record a failure on c: its kind and message, logged with the head of
 * sql (may be NULL), a fault noted when it is one.  Returns -1.
 */
int db_fail(struct db_conn *c, enum db_err e, const char *msg, const char *sql);

struct db_conn *db_sqlite_open(const char *path, char *err, size_t errlen);
struct db_conn *db_pg_open(const char *uri, char *err, size_t errlen);

#endif
