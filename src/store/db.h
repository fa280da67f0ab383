/*
 * db.h — the store's database driver: one small interface, SQLite and
 * PostgreSQL behind it (db_sqlite.c, db_pg.c).
 *
 * A store function is written once over this interface and runs on both
 * (issue 15).  Its SQL is written in the dialect both accept:
 *
 *   - parameters as ?1, ?2 ... (or ?); the PostgreSQL driver rewrites them
 *     to $1, $2 ... outside quotes and comments; a number used twice is
 *     the same parameter, and every number up to the largest is used (the
 *     server must see each one to know its type);
 *   - upserts as INSERT ... ON CONFLICT (...) DO UPDATE / DO NOTHING, never
 *     INSERT OR IGNORE / OR REPLACE;
 *   - a new row's id read with RETURNING id (a row to step), never a "last
 *     insert id" of the connection;
 *   - dates and times as text (2020-02-04, 2020-02-04T08:00:00Z), made in C
 *     and bound, never strftime('now') or now();
 *   - a truth as an integer: a bound flag is compared (?9 <> 0), and a
 *     comparison read as a column (status = 'archived') reads 0 or 1;
 *   - a failed statement ends the write (PostgreSQL aborts the transaction
 *     on any error): refuse by reading first or by ON CONFLICT, not by
 *     catching a constraint's failure and going on;
 *   - where NULLs are ordered, say where (x IS NULL, x; or NULLS FIRST):
 *     SQLite puts them first, PostgreSQL last; LIKE ignores ASCII case on
 *     SQLite only: compare lower() of both sides where case must not count;
 *   - a text parameter takes its type from where it stands: one only tested
 *     for NULL says it, CAST(?3 AS TEXT) IS NULL OR region_code = ?3;
 *   - sum() of integers is numeric on PostgreSQL: read it with
 *     db_column_int64, not by its db_column_type;
 *   - a write that claims rows another node may be claiming at once reads
 *     them with a SELECT ending in FOR UPDATE SKIP LOCKED (these words,
 *     last): PostgreSQL locks the rows read and passes over those locked,
 *     SQLite runs the SELECT without them (its write transaction holds the
 *     whole database).
 *
 * What differs for real (full-text search, types in the schema, the
 * migrations) stays in one place per driver, not in the store's functions.
 *
 * A connection and its statements belong to one thread at a time.  Text
 * and blobs bound are copied.  A column's text or blob is valid until the
 * next step, reset or finalize of its statement.  Every failure is logged
 * with the SQL it came from, kept as the connection's error (db_errcode),
 * and a fault (corrupt, I/O, full) is noted in core/fault.h as the store's
 * own SQLite faults are.
 */
#ifndef LAUREL_DB_H
#define LAUREL_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/fault.h"
#include "core/result.h"

struct db_conn;
struct db_stmt;
struct sqlite3;

enum db_kind { DB_SQLITE, DB_PG, DB_KIND__MAX };

/* What db_step answers. */
enum db_step { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 };

/* A column's value type in the current row. */
enum db_type { DB_NULL, DB_INT, DB_DOUBLE, DB_TEXT, DB_BLOB, DB_TYPE__MAX };

/* Why the last call on a connection failed, the same words for both drivers. */
enum db_err {
    DB_E_NONE,
    DB_E_UNIQUE,     /* a unique key or primary key is taken */
    DB_E_CONSTRAINT, /* another constraint (foreign key, check, not null) */
    DB_E_BUSY,       /* locked, a deadlock or a serialisation failure: try again */
    DB_E_CORRUPT,    /* the database is damaged */
    DB_E_IO,         /* the disk failed, or the server was lost */
    DB_E_FULL,       /* the disk is full */
    DB_E_NOMEM,      /* out of memory */
    DB_E_SQL,        /* the SQL or a value bound is wrong: a bug */
    DB_E_OTHER,
    DB_E__MAX
};

/*
 * Open target: a PostgreSQL URI (postgresql://... or postgres://...), or
 * else the path of a SQLite file (created if missing).  NULL with a
 * message in err on failure.
 */
struct db_conn *db_open(const char *target, char *err, size_t errlen);
/*
 * A driver connection over a SQLite handle opened elsewhere (the store's
 * own connections while it moves onto this interface): db_close finalizes
 * its statements and leaves the handle open.  NULL when out of memory.
 */
struct db_conn *db_sqlite_adopt(struct sqlite3 *db);
/* The SQLite handle of a SQLite connection, for SQLite's own tools; NULL on PostgreSQL. */
struct sqlite3 *db_sqlite_handle(struct db_conn *c);
/* Finalize every statement of c and close it (NULL is allowed). */
void db_close(struct db_conn *c);
enum db_kind db_kind(const struct db_conn *c);

/*
 * The connection's statement for the SQL text sql, prepared at its first
 * use and cached by the text's address: sql must be a string constant.
 * NULL (logged) when it cannot be prepared.  Never finalized by the caller.
 */
struct db_stmt *db_stmt(struct db_conn *c, const char *sql);
/* A statement of the caller's own (sql may be built at run time): db_finalize. */
struct db_stmt *db_prepare(struct db_conn *c, const char *sql);
void db_finalize(struct db_stmt *s);

/* Bind parameter i (1..) of s. */
void db_bind_int64(struct db_stmt *s, int i, int64_t v);
void db_bind_double(struct db_stmt *s, int i, double v);
/* Text of n bytes, or up to its NUL when n < 0; NULL binds NULL. */
void db_bind_text(struct db_stmt *s, int i, const char *v, int n);
/* n bytes at p (an empty blob when n is 0); p NULL with n > 0 binds NULL. */
void db_bind_blob(struct db_stmt *s, int i, const void *p, size_t n);
void db_bind_null(struct db_stmt *s, int i);

/* Run s to its next row: DB_ROW, DB_DONE, or DB_ERROR (logged, db_errcode). */
int db_step(struct db_stmt *s);
/* Ready s to run again: its rows dropped, its parameters NULL. */
void db_reset(struct db_stmt *s);
/*
 * Step s to its end and reset it, for a statement whose rows are not
 * wanted: RC_OK, or db_err_result of its error.  NULL gives RC_ERROR, so
 * db_run(db_stmt(...)) needs no check of its own.
 */
int db_run(struct db_stmt *s);
/*
 * db_run for an INSERT ... RETURNING id: the first row's first column in
 * *id, 0 when it gave no row (an INSERT ... SELECT that found none) or
 * failed.
 */
int db_run_id(struct db_stmt *s, int64_t *id);
/* Rows the last run of s inserted, changed or deleted (after DB_DONE). */
int64_t db_changes(const struct db_stmt *s);

/* Columns of the current row, from 0.  Text is NUL-terminated; NULL reads as 0, 0.0, NULL. */
enum db_type db_column_type(struct db_stmt *s, int col);
int64_t db_column_int64(struct db_stmt *s, int col);
double db_column_double(struct db_stmt *s, int col);
const char *db_column_text(struct db_stmt *s, int col);
const void *db_column_blob(struct db_stmt *s, int col);
/* The bytes of the column's text or blob. */
size_t db_column_bytes(struct db_stmt *s, int col);

/* Run SQL without parameters, several statements allowed (a schema): 0 or -1. */
int db_exec(struct db_conn *c, const char *sql);
/*
 * A write transaction: 0 or -1.  db_begin takes the database's one write
 * lock at once, on SQLite (BEGIN IMMEDIATE) and on PostgreSQL (an advisory
 * lock held to the transaction's end), so that the writes of several nodes
 * on one database take turns as a single writer's do: a row read to decide
 * a write (the head of the audit chain, a quota) is still so at the commit.
 */
int db_begin(struct db_conn *c);
int db_commit(struct db_conn *c);
int db_rollback(struct db_conn *c);
/* Savepoints inside a transaction; name is a plain identifier ([a-z_]+). */
int db_savepoint(struct db_conn *c, const char *name);
int db_release(struct db_conn *c, const char *name);
int db_rollback_to(struct db_conn *c, const char *name);

/* The last failure on c and its message ("" when none). */
enum db_err db_errcode(const struct db_conn *c);
const char *db_errmsg(const struct db_conn *c);
/* What a failure means to the store: RC_EXISTS for a taken key, else RC_ERROR. */
enum result db_err_result(enum db_err e);
/* The fault it is (core/fault.h): corrupt, I/O (a full disk too), or none. */
enum fault_kind db_err_fault(enum db_err e);
/* The error's name, for logs and tests ("unique", "busy", ...). */
const char *db_err_name(enum db_err e);

#endif
