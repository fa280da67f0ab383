/*
 * db_pg.c — the PostgreSQL driver of db.h, over libpq.
 *
 * A statement's SQL has its ?NNN / ? parameters rewritten to $NNN once
 * (outside quotes and comments; a bare ? is one more than the largest
 * number before it, as in SQLite).  It is prepared on the server (a named
 * statement of the session) at its first run, with the types of the values
 * bound then: an integer is int8, a double float8, a blob bytea (sent in
 * binary), and text or NULL leave the type to the server to infer from
 * where the parameter stands, as SQLite's column affinity would take the
 * text.  A later run whose values have other types than those prepared is
 * prepared again.  A run fetches all its rows at once (PQexecPrepared);
 * each step then moves to the next of them, so that several statements of
 * one connection can be stepped in turn as on SQLite.  A store's query
 * with many rows pages with LIMIT rather than stepping through millions.
 *
 * Values come back as text: integers are parsed, a boolean reads 1 or 0,
 * bytea is decoded, numeric (a sum of integers) is a double that
 * db_column_int64 parses whole.  Errors are read by their SQLSTATE class (23505 a taken
 * key, 40001 and 40P01 busy, XX001 corrupt, 53100 a full disk, 08 and 58 a
 * lost server or an I/O error ...).  The session is UTF-8, UTC, READ
 * COMMITTED (db_begin's lock relies on it), and commits with
 * synchronous_commit on: a commit answered is on the server's disk.
 *
 * A connection whose server went away (a restart, a failover to a standby
 * that took over the name) is only seen gone when a statement fails on
 * it.  A statement that may run on a new session (one that begins a
 * transaction, or any while no transaction was open: the store writes only
 * inside transactions, so that is a read) then connects again and runs
 * once more, and the loss is no failure of the caller's.  Never in the
 * middle of a transaction: its statements would run outside it, so they
 * fail until the caller rolls back and begins again, which connects.  The
 * statements prepared on the old session are prepared again.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db_int.h"

/* The type OIDs of PostgreSQL's catalog (pg_type.dat) this driver sends or reads. */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
};

struct pg_conn {
    struct db_conn base;
    PGconn *pg;
    unsigned names;   /* statements prepared: the next one's name */
    int closing;      /* statements are dropped with the session */
    unsigned session; /* sessions so far: a statement prepared on an older one is gone */
    int in_tx;        /* a transaction was open after the last statement */
};

/* One parameter's value for the next run. */
struct pg_param {
    char *text; /* malloc'd, or NULL for NULL */
    int len;    /* of a blob (binary) */
    Oid type;   /* 0: the server infers it */
    char given; /* not NULL */
};

struct pg_stmt {
    struct db_stmt base;
    char *text; /* the SQL with $N parameters */
    int nparams;
    char name[24]; /* the server's statement, "" until prepared */
    unsigned session; /* the session it was prepared on */
    Oid *declared; /* the types it was prepared with */
    struct pg_param *p;
    const char **values;
    int *lengths, *formats;
    int bad;       /* a parameter out of range: the next step fails */
    PGresult *res; /* the run's rows, NULL until run */
    int row, nrows, ncols;
    unsigned char **blob; /* per column, the current row's decoded bytea */
    size_t *blob_len;
    int64_t changes;
};

#define CONN(c) ((struct pg_conn *)(c))
#define STMT(x) ((struct pg_stmt *)(x))

/* db.h's kind of a SQLSTATE (NULL: no answer from the server). */
static enum db_err err_of(const char *state)
{
    if (!state || strlen(state) != 5)
        return DB_E_IO;
    if (strcmp(state, "23505") == 0)
        return DB_E_UNIQUE;
    if (strncmp(state, "23", 2) == 0)
        return DB_E_CONSTRAINT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
        strcmp(state, "55006") == 0)
        return DB_E_BUSY;
    if (strcmp(state, "XX001") == 0 || strcmp(state, "XX002") == 0)
        return DB_E_CORRUPT;
    if (strcmp(state, "53100") == 0)
        return DB_E_FULL;
    if (strcmp(state, "53200") == 0)
        return DB_E_NOMEM;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "58", 2) == 0 ||
        strncmp(state, "57P", 3) == 0)
        return DB_E_IO;
    if (strncmp(state, "42", 2) == 0 || strncmp(state, "22", 2) == 0 ||
        strncmp(state, "0A", 2) == 0 || strncmp(state, "26", 2) == 0)
        return DB_E_SQL;
    return DB_E_OTHER;
}

/* Record a failed result (or a lost connection, res NULL); -1. */
static int result_fail(struct db_conn *c, const PGresult *res, const char *sql)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg || !*msg)
        msg = PQerrorMessage(CONN(c)->pg);
    return db_fail(c, err_of(state), msg, sql);
}

/* Is this result a success? */
static int result_ok(const PGresult *res)
{
    ExecStatusType t = PQresultStatus(res);
    return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

/*
 * sql with ?NNN and ? rewritten to $NNN outside quotes and comments
 * (malloc'd), and the largest parameter number in *nparams.
 */
static char *translate(const char *sql, int *nparams)
{
    size_t n = strlen(sql), cap = n * 6 + 1; /* "?" becomes at most "$32766" */
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    int max = 0;
    for (size_t i = 0; i < n;) {
        char c = sql[i];
        if (c == '\'' || c == '"') { /* a literal or a quoted name: '' inside is two of them */
            size_t end = i + 1;
            while (end < n && sql[end] != c)
                end++;
            end = end < n ? end + 1 : n;
            memcpy(out + o, sql + i, end - i);
            o += end - i;
            i = end;
        } else if (c == '-' && sql[i + 1] == '-') {
            size_t end = i;
            while (end < n && sql[end] != '\n')
                end++;
            memcpy(out + o, sql + i, end - i);
            o += end - i;
            i = end;
        } else if (c == '/' && sql[i + 1] == '*') {
            const char *close = strstr(sql + i + 2, "*/");
            size_t end = close ? (size_t)(close - sql) + 2 : n;
            memcpy(out + o, sql + i, end - i);
            o += end - i;
            i = end;
        } else if (c == '?') {
            int num = 0;
            size_t j = i + 1;
            while (j < n && sql[j] >= '0' && sql[j] <= '9' && num < 100000)
                num = num * 10 + (sql[j++] - '0');
            if (j == i + 1)
                num = max + 1;
            if (num < 1 || num > 32766) {
                free(out);
                return NULL;
            }
            if (num > max)
                max = num;
            o += (size_t)snprintf(out + o, cap - o, "$%d", num);
            i = j;
        } else {
            out[o++] = c;
            i++;
        }
    }
    out[o] = 0;
    *nparams = max;
    return out;
}

/* Drop the run's rows and the decoded blobs of its current row. */
static void drop_blobs(struct pg_stmt *x)
{
    for (int col = 0; x->blob && col < x->ncols; col++) {
        free(x->blob[col]);
        x->blob[col] = NULL;
    }
}

static void drop_rows(struct pg_stmt *x)
{
    drop_blobs(x);
    free(x->blob);
    free(x->blob_len);
    x->blob = NULL;
    x->blob_len = NULL;
    PQclear(x->res);
    x->res = NULL;
    x->row = x->nrows = x->ncols = 0;
}

static void pg_finalize(struct db_stmt *s)
{
    struct pg_stmt *x = STMT(s);
    struct pg_conn *c = CONN(s->conn);
    drop_rows(x);
    if (x->name[0] && !c->closing && PQstatus(c->pg) == CONNECTION_OK) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", x->name);
        PQclear(PQexec(c->pg, sql));
    }
    for (int i = 0; i < x->nparams; i++)
        free(x->p[i].text);
    free(x->p);
    free(x->declared);
    free(x->values);
    free(x->lengths);
    free(x->formats);
    free(x->text);
    free(x);
}

static struct db_stmt *pg_prepare(struct db_conn *c, const char *sql)
{
    struct pg_stmt *x = calloc(1, sizeof *x);
    if (!x) {
        db_fail(c, DB_E_NOMEM, "out of memory", sql);
        return NULL;
    }
    x->base.conn = c;
    x->base.sql = sql;
    if (!(x->text = translate(sql, &x->nparams))) {
        free(x);
        db_fail(c, DB_E_SQL, "a parameter number out of range (1..32766)", sql);
        return NULL;
    }
    size_t np = x->nparams ? (size_t)x->nparams : 1;
    x->p = calloc(np, sizeof *x->p);
    x->declared = calloc(np, sizeof *x->declared);
    x->values = calloc(np, sizeof *x->values);
    x->lengths = calloc(np, sizeof *x->lengths);
    x->formats = calloc(np, sizeof *x->formats);
    if (!x->p || !x->declared || !x->values || !x->lengths || !x->formats) {
        pg_finalize(&x->base);
        db_fail(c, DB_E_NOMEM, "out of memory", sql);
        return NULL;
    }
    return &x->base;
}

/* Parameter i (1..) of x, or NULL when out of range (the next step fails). */
static struct pg_param *param(struct db_stmt *s, int i)
{
    struct pg_stmt *x = STMT(s);
    if (i < 1 || i > x->nparams) {
        x->bad = 1;
        return NULL;
    }
    struct pg_param *p = &x->p[i - 1];
    free(p->text);
    p->text = NULL;
    p->given = 0;
    p->type = 0;
    p->len = 0;
    return p;
}

/* Keep a copy of n bytes (NUL added) as p's value; on no memory the next step fails. */
static void set_value(struct db_stmt *s, struct pg_param *p, const void *v, size_t n, Oid type)
{
    if (!(p->text = malloc(n + 1))) {
        STMT(s)->bad = 1;
        return;
    }
    memcpy(p->text, v, n);
    p->text[n] = 0;
    p->len = (int)n;
    p->type = type;
    p->given = 1;
}

static void pg_bind_int64(struct db_stmt *s, int i, int64_t v)
{
    struct pg_param *p = param(s, i);
    char num[24];
    if (p)
        set_value(s, p, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)v), OID_INT8);
}

static void pg_bind_double(struct db_stmt *s, int i, double v)
{
    struct pg_param *p = param(s, i);
    char num[40];
    if (p)
        set_value(s, p, num, (size_t)snprintf(num, sizeof num, "%.17g", v), OID_FLOAT8);
}

static void pg_bind_text(struct db_stmt *s, int i, const char *v, size_t n)
{
    struct pg_param *p = param(s, i);
    if (p)
        set_value(s, p, v, n, 0);
}

static void pg_bind_blob(struct db_stmt *s, int i, const void *v, size_t n)
{
    struct pg_param *p = param(s, i);
    if (p)
        set_value(s, p, v, n, OID_BYTEA);
}

static void pg_bind_null(struct db_stmt *s, int i)
{
    param(s, i);
}

/*
 * Prepare x on the server if it is not yet, or if a value bound has a type
 * other than the one prepared: a NULL fits any, and a number fits a
 * parameter whose type the server inferred.  0, or -1 (recorded).
 */
static int may_renew(struct pg_conn *c, const char *sql);

static int ensure_prepared(struct pg_stmt *x, int renew)
{
    struct pg_conn *c = CONN(x->base.conn);
    if (x->session != c->session)
        x->name[0] = 0; /* prepared on a session gone */
    int again = !x->name[0];
    for (int i = 0; i < x->nparams && !again; i++) {
        const struct pg_param *p = &x->p[i];
        if (p->given && p->type != x->declared[i] &&
            !(x->declared[i] == 0 && (p->type == OID_INT8 || p->type == OID_FLOAT8)))
            again = 1;
    }
    if (!again)
        return 0;
    if (x->name[0]) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", x->name);
        PQclear(PQexec(c->pg, sql));
        x->name[0] = 0;
    }
    for (int i = 0; i < x->nparams; i++)
        if (x->p[i].given)
            x->declared[i] = x->p[i].type;
    char name[24];
    snprintf(name, sizeof name, "laurel_%u", ++c->names);
    PGresult *res = PQprepare(c->pg, name, x->text, x->nparams, x->declared);
    if (!res || !result_ok(res)) {
        if (renew && may_renew(c, x->text)) { /* the server went away: try it anew */
            PQclear(res);
            return 1;
        }
        result_fail(&c->base, res, x->base.sql);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    memcpy(x->name, name, sizeof name);
    x->session = c->session;
    return 0;
}

/*
 * READ COMMITTED whatever the server's default: a write's statements after
 * db_begin's lock see what the writer before it committed (a repeatable
 * read's snapshot would be the one taken before the lock was granted).
 */
static const char session_sql[] =
    "SET synchronous_commit = on; SET client_min_messages = warning; SET TIME ZONE 'UTC'; "
    "SET default_transaction_isolation = 'read committed'";

/* The session's settings, on a new connection: 0, or -1. */
static int session_setup(PGconn *pg)
{
    PGresult *res = PQexec(pg, session_sql);
    int ok = res && result_ok(res) && PQsetClientEncoding(pg, "UTF8") == 0;
    PQclear(res);
    return ok ? 0 : -1;
}

/* Whether c was lost and sql may run on a new session (it begins a transaction, or none was open). */
static int may_renew(struct pg_conn *c, const char *sql)
{
    return PQstatus(c->pg) == CONNECTION_BAD && (!c->in_tx || strncmp(sql, "BEGIN", 5) == 0);
}

/*
 * Before a statement: a connection lost is made again when may_renew says.
 * A server restarting or failing over refuses connections for a moment
 * ("the database system is shutting down", then starting up): the attempt
 * is made again every RENEW_PAUSE_MS for up to RENEW_TRIES times, so that
 * a restart of a second or two is a wait, not an error, for the statement.
 */
#define RENEW_TRIES 50
#define RENEW_PAUSE_MS 100

static void reconnect(struct pg_conn *c, const char *sql)
{
    if (!may_renew(c, sql))
        return;
    PQreset(c->pg);
    for (int i = 1; i < RENEW_TRIES && PQstatus(c->pg) != CONNECTION_OK; i++) {
        struct timespec pause = {0, RENEW_PAUSE_MS * 1000000L};
        nanosleep(&pause, NULL);
        PQreset(c->pg);
    }
    if (PQstatus(c->pg) == CONNECTION_OK && session_setup(c->pg) == 0) {
        c->session++;
        c->in_tx = 0;
    }
}

/* After a statement: whether it left a transaction open (on a lost connection, as it was). */
static void note_tx(struct pg_conn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(c->pg);
    if (t != PQTRANS_UNKNOWN)
        c->in_tx = t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/* Run x with its values bound: its rows kept, before the first. */
static int run(struct pg_stmt *x)
{
    struct db_conn *c = x->base.conn;
    if (x->bad)
        return db_fail(c, DB_E_SQL, "a parameter out of range, or no memory for its value",
                       x->base.sql);
    PGresult *res = NULL;
    for (int attempt = 0;; attempt++) { /* a second only on a new session */
        reconnect(CONN(c), x->text);
        int prepared = ensure_prepared(x, attempt == 0);
        if (prepared > 0)
            continue;
        if (prepared != 0)
            return -1;
        for (int i = 0; i < x->nparams; i++) {
            const struct pg_param *p = &x->p[i];
            x->values[i] = p->given ? p->text : NULL;
            x->lengths[i] = p->len;
            x->formats[i] = p->given && x->declared[i] == OID_BYTEA;
        }
        res = PQexecPrepared(CONN(c)->pg, x->name, x->nparams, x->values, x->lengths, x->formats,
                             0);
        note_tx(CONN(c));
        if (res && result_ok(res))
            break;
        if (attempt == 0 && may_renew(CONN(c), x->text)) {
            PQclear(res);
            continue;
        }
        result_fail(c, res, x->base.sql);
        PQclear(res);
        return -1;
    }
    x->res = res;
    x->nrows = PQntuples(res);
    x->ncols = PQnfields(res);
    x->row = -1;
    const char *tuples = PQcmdTuples(res);
    x->changes = *tuples && strncmp(PQcmdStatus(res), "SELECT", 6) != 0 ? atoll(tuples) : 0;
    if (x->ncols > 0) {
        x->blob = calloc((size_t)x->ncols, sizeof *x->blob);
        x->blob_len = calloc((size_t)x->ncols, sizeof *x->blob_len);
        if (!x->blob || !x->blob_len) {
            drop_rows(x);
            return db_fail(c, DB_E_NOMEM, "out of memory", x->base.sql);
        }
    }
    return 0;
}

static int pg_step(struct db_stmt *s)
{
    struct pg_stmt *x = STMT(s);
    if (!x->res && run(x) != 0)
        return DB_ERROR;
    drop_blobs(x);
    if (x->row + 1 < x->nrows) {
        x->row++;
        return DB_ROW;
    }
    x->row = x->nrows;
    return DB_DONE;
}

static void pg_reset(struct db_stmt *s)
{
    struct pg_stmt *x = STMT(s);
    drop_rows(x);
    for (int i = 0; i < x->nparams; i++) {
        free(x->p[i].text);
        x->p[i] = (struct pg_param){0};
    }
    x->bad = 0;
}

static int64_t pg_changes(const struct db_stmt *s)
{
    return STMT(s)->changes;
}

/* The current row's value of col, or NULL when it is NULL or there is no such column. */
static const char *value(struct pg_stmt *x, int col)
{
    if (!x->res || x->row < 0 || x->row >= x->nrows || col < 0 || col >= x->ncols ||
        PQgetisnull(x->res, x->row, col))
        return NULL;
    return PQgetvalue(x->res, x->row, col);
}

static enum db_type pg_column_type(struct db_stmt *s, int col)
{
    struct pg_stmt *x = STMT(s);
    if (!value(x, col))
        return DB_NULL;
    switch (PQftype(x->res, col)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        return DB_INT;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return DB_DOUBLE;
    case OID_BYTEA:
        return DB_BLOB;
    default:
        return DB_TEXT;
    }
}

static int64_t pg_column_int64(struct db_stmt *s, int col)
{
    const char *v = value(STMT(s), col);
    if (!v)
        return 0;
    if (PQftype(STMT(s)->res, col) == OID_BOOL)
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static double pg_column_double(struct db_stmt *s, int col)
{
    const char *v = value(STMT(s), col);
    if (!v)
        return 0.0;
    if (PQftype(STMT(s)->res, col) == OID_BOOL)
        return v[0] == 't';
    return strtod(v, NULL);
}

/* A bytea column's bytes, decoded once per row (NUL added); NULL when NULL or no memory. */
static const unsigned char *bytes(struct pg_stmt *x, int col)
{
    const char *v = value(x, col);
    if (!v)
        return NULL;
    if (!x->blob[col]) {
        size_t n = 0;
        unsigned char *d = PQunescapeBytea((const unsigned char *)v, &n);
        if (!d)
            return NULL;
        if ((x->blob[col] = malloc(n + 1))) {
            memcpy(x->blob[col], d, n);
            x->blob[col][n] = 0;
            x->blob_len[col] = n;
        }
        PQfreemem(d);
    }
    return x->blob[col];
}

static const char *pg_column_text(struct db_stmt *s, int col)
{
    struct pg_stmt *x = STMT(s);
    const char *v = value(x, col);
    if (v && PQftype(x->res, col) == OID_BYTEA)
        return (const char *)bytes(x, col);
    if (v && PQftype(x->res, col) == OID_BOOL)
        return v[0] == 't' ? "1" : "0";
    return v;
}

static const void *pg_column_blob(struct db_stmt *s, int col)
{
    struct pg_stmt *x = STMT(s);
    const char *v = value(x, col);
    if (v && PQftype(x->res, col) == OID_BYTEA)
        return bytes(x, col);
    return v;
}

static size_t pg_column_bytes(struct db_stmt *s, int col)
{
    struct pg_stmt *x = STMT(s);
    const char *v = value(x, col);
    if (!v)
        return 0;
    switch (PQftype(x->res, col)) {
    case OID_BYTEA:
        return bytes(x, col) ? x->blob_len[col] : 0;
    case OID_BOOL:
        return 1;
    default:
        return (size_t)PQgetlength(x->res, x->row, col);
    }
}

static int pg_exec(struct db_conn *c, const char *sql)
{
    reconnect(CONN(c), sql);
    PGresult *res = PQexec(CONN(c)->pg, sql);
    note_tx(CONN(c));
    if ((!res || !result_ok(res)) && may_renew(CONN(c), sql)) { /* lost: once more, anew */
        PQclear(res);
        reconnect(CONN(c), sql);
        res = PQexec(CONN(c)->pg, sql);
        note_tx(CONN(c));
    }
    int ok = res && result_ok(res);
    if (!ok)
        result_fail(c, res, sql);
    PQclear(res);
    return ok ? 0 : -1;
}

static void pg_close(struct db_conn *c)
{
    CONN(c)->closing = 1;
    db_cache_clear(c);
    PQfinish(CONN(c)->pg);
    free(c);
}

static const struct db_ops pg_ops = {
    .close = pg_close,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .changes = pg_changes,
    .column_type = pg_column_type,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
    .column_bytes = pg_column_bytes,
    .exec = pg_exec,
    .begin_sql = "BEGIN",
    /* One writer at a time, as on SQLite: the key is "laurel" read as a number. */
    .lock_sql = "SELECT pg_advisory_xact_lock(108097114101108)",
};

/* The server's notices (an object already there, ...) are not the store's business. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

struct db_conn *db_pg_open(const char *uri, char *err, size_t errlen)
{
    PGconn *pg = PQconnectdb(uri);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
                 pg ? PQerrorMessage(pg) : "no memory");
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, quiet, NULL);
    int ok = session_setup(pg) == 0;
    struct pg_conn *c = ok ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        snprintf(err, errlen, "cannot set up the PostgreSQL session: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    db_conn_init(&c->base, &pg_ops, DB_PG);
    c->pg = pg;
    return &c->base;
}
