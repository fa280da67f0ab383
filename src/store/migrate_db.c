/*
 * migrate_db.c — a whole installation copied from its SQLite database to an
 * empty PostgreSQL database (migrate_db.h), through the driver (db.h).
 *
 * The tables are PostgreSQL's (src/store/pg/schema.sql, created here when
 * the target has none, its migrations run when it is older), taken in the
 * order the schema creates them, which is an order their foreign keys accept
 * (a table is created after those it references).  Every table of the source
 * is either copied or derived: the public read tables, the rendered pages
 * and the full-text indexes are rebuilt from the rest by the store that
 * serves them, so they are left out (the search index is built from the copy
 * before it is committed, search_pg.c); any other table of the source that
 * the target lacks, or a column the target's table lacks, stops the copy
 * before it starts, for that would lose data.  The source is read inside one
 * write transaction of its own (nothing changes it meanwhile; a server
 * writing to it makes the copy wait, then fail as busy) and the target is
 * written inside one transaction, committed only when each table's count of
 * rows is the source's: a failed copy leaves the target as it found
 * it.  Values go as the source holds them (an integer, a real, a text, a blob
 * or NULL), and each identity column's sequence is moved past the largest id
 * copied, so that the rows the new store adds take the next ones.  The secret
 * of the voters' hashes is the source's: the row the schema made is
 * replaced.
 *
 * The SQL that asks each database what it holds (sqlite_schema and
 * PRAGMA table_info; information_schema and setval) is each driver's own,
 * as a migration is by its nature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/embed.h"
#include "store/migrate_db.h"
#include "store/search.h"
#include "store/store_int.h"

#define MAX_TABLES 128
#define MAX_COLUMNS 64
#define NAME_MAX_LEN 64

/* Source tables made from the others by the store that serves them: not copied. */
static const char *const derived_prefixes[] = {"sqlite_", "case_fts", "case_short",
                                               "page_",   "pub_",     NULL};

/* Rows the schema itself writes, replaced by the source's where it has the table. */
static const char *const seeded[] = {"vote_secret", "schema_version", NULL};

struct names {
    int n;
    char v[MAX_TABLES][NAME_MAX_LEN];
};

static int derived(const char *table)
{
    for (const char *const *p = derived_prefixes; *p; p++)
        if (strncmp(table, *p, strlen(*p)) == 0)
            return 1;
    return 0;
}

static int listed(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

static int has(const struct names *n, const char *name)
{
    for (int i = 0; i < n->n; i++)
        if (strcmp(n->v[i], name) == 0)
            return 1;
    return 0;
}

static void add(struct names *n, const char *name, size_t len)
{
    if (n->n < MAX_TABLES && len < NAME_MAX_LEN) {
        memcpy(n->v[n->n], name, len);
        n->v[n->n++][len] = '\0';
    }
}

/* The tables of the PostgreSQL schema, in the order it creates them. */
static void schema_tables(struct names *out)
{
    const struct embed_file *f = embed_find("src/store/pg/schema.sql");
    out->n = 0;
    if (!f)
        return;
    const char *p = (const char *)f->data, *end = p + f->len;
    static const char word[] = "CREATE TABLE ";
    while ((p = strstr(p, word)) && p < end) {
        p += sizeof word - 1;
        if (*p == '"')
            p++;
        size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        add(out, p, len);
    }
}

/* The rows of a one-text-column query on c into out. */
static int read_names(struct db_conn *c, const char *sql, const char *param, struct names *out)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    if (param)
        db_bind_text(s, 1, param, -1);
    out->n = 0;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        const char *t = db_column_text(s, 0);
        add(out, t, strlen(t));
    }
    db_finalize(s);
    return step == DB_DONE ? 0 : -1;
}

static int64_t count_rows(struct db_conn *c, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    struct db_stmt *s = db_prepare(c, sql);
    int64_t n = s && db_step(s) == DB_ROW ? db_column_int64(s, 0) : -1;
    db_finalize(s);
    return n;
}

/* The source's columns of table that the target has too, as a list for SQL: -1 when one is missing.
 */
static int columns(struct db_conn *src, struct db_conn *dst, const char *table, char *list,
                   size_t cap, int *ncols, char *err, size_t errlen)
{
    struct names mine, theirs;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s') ORDER BY cid", table);
    if (read_names(src, sql, NULL, &mine) != 0 ||
        read_names(dst,
                   "SELECT column_name::text FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND table_name = ?1",
                   table, &theirs) != 0) {
        snprintf(err, errlen, "cannot read the columns of %s", table);
        return -1;
    }
    size_t len = 0;
    list[0] = '\0';
    for (int i = 0; i < mine.n; i++) {
        if (!has(&theirs, mine.v[i])) {
            snprintf(err, errlen, "the PostgreSQL table %s has no column %s", table, mine.v[i]);
            return -1;
        }
        len += (size_t)snprintf(list + len, cap - len, "%s\"%s\"", i ? ", " : "", mine.v[i]);
        if (len >= cap) {
            snprintf(err, errlen, "too many columns in %s", table);
            return -1;
        }
    }
    *ncols = mine.n;
    return 0;
}

/* "INSERT INTO table (cols) VALUES (?1, ...), ..." for rows rows of n columns, in sql[cap]. */
static void insert_sql(char *sql, size_t cap, const char *table, const char *cols, int n, int rows)
{
    size_t len = (size_t)snprintf(sql, cap, "INSERT INTO \"%s\" (%s) VALUES ", table, cols);
    for (int r = 0, p = 1; r < rows && len < cap; r++) {
        len += (size_t)snprintf(sql + len, cap - len, "%s(", r ? ", " : "");
        for (int i = 0; i < n && len < cap; i++, p++)
            len += (size_t)snprintf(sql + len, cap - len, "%s?%d", i ? ", " : "", p);
        if (len < cap)
            len += (size_t)snprintf(sql + len, cap - len, ")");
    }
}

/* Bind the current row of in (n columns) to out's parameters from first + 1. */
static void bind_row(struct db_stmt *out, int first, struct db_stmt *in, int n)
{
    for (int i = 0; i < n; i++) {
        int p = first + i + 1;
        switch (db_column_type(in, i)) {
        case DB_INT:
            db_bind_int64(out, p, db_column_int64(in, i));
            break;
        case DB_DOUBLE:
            db_bind_double(out, p, db_column_double(in, i));
            break;
        case DB_TEXT:
            db_bind_text(out, p, db_column_text(in, i), (int)db_column_bytes(in, i));
            break;
        case DB_BLOB:
            db_bind_blob(out, p, db_column_blob(in, i), db_column_bytes(in, i));
            break;
        default:
            db_bind_null(out, p);
        }
    }
}

/*
 * Copy every row of table, up to BATCH_ROWS rows an INSERT (a round trip to
 * the server for each, not one a row): the full batches, then one INSERT of
 * the rows left (the source is locked: its count does not move).  Its count
 * of rows, or -1 (the reason in err).
 */
#define BATCH_PARAMS 30000 /* PostgreSQL takes at most 65,535 parameters a statement */
#define BATCH_ROWS 500
static int64_t copy_table(struct db_conn *src, struct db_conn *dst, const char *table, char *err,
                          size_t errlen)
{
    char cols[MAX_COLUMNS * (NAME_MAX_LEN + 4)];
    int n = 0;
    int64_t total = count_rows(src, table);
    if (total < 0 || columns(src, dst, table, cols, sizeof cols, &n, err, errlen) != 0)
        return -1;
    int per = n ? BATCH_PARAMS / n : 1;
    per = per > BATCH_ROWS ? BATCH_ROWS : per < 1 ? 1 : per;
    int64_t tail = total % per, full = total - tail;
    size_t cap = sizeof cols + (size_t)per * (size_t)n * 10 + 64;
    char *sql = malloc(cap);
    if (!sql) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(sql, cap, "SELECT %s FROM \"%s\"", cols, table);
    struct db_stmt *in = db_prepare(src, sql);
    insert_sql(sql, cap, table, cols, n, per);
    struct db_stmt *many = full ? db_prepare(dst, sql) : NULL;
    insert_sql(sql, cap, table, cols, n, (int)tail);
    struct db_stmt *rest = tail ? db_prepare(dst, sql) : NULL;
    free(sql);
    int64_t rows = 0;
    int step = in && (many || !full) && (rest || !tail) ? DB_DONE : DB_ERROR;
    while (step != DB_ERROR && (step = db_step(in)) == DB_ROW) {
        int64_t k = rows++;
        struct db_stmt *out = k < full ? many : rest;
        int64_t at = k < full ? k % per : k - full, last = k < full ? per - 1 : tail - 1;
        if (k >= total) {
            step = DB_ERROR;
            break;
        }
        bind_row(out, (int)at * n, in, n);
        if (at == last && db_run(out) != RC_OK)
            step = DB_ERROR;
    }
    if (step == DB_DONE && rows != total)
        step = DB_ERROR;
    if (step != DB_DONE)
        snprintf(err, errlen, "%s, about row %lld of %lld: %s", table, (long long)rows,
                 (long long)total, db_errmsg(db_errcode(dst) != DB_E_NONE ? dst : src));
    db_finalize(in);
    db_finalize(many);
    db_finalize(rest);
    return step == DB_DONE ? rows : -1;
}

/* Move table's identity sequences past its largest id: 0 or -1. */
static int move_sequences(struct db_conn *dst, const char *table)
{
    struct names ids;
    if (read_names(dst,
                   "SELECT column_name::text FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND table_name = ?1 "
                   "AND is_identity = 'YES'",
                   table, &ids) != 0)
        return -1;
    for (int i = 0; i < ids.n; i++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('\"%s\"', '%s'), "
                 "coalesce(max(\"%s\"), 1), max(\"%s\") IS NOT NULL) FROM \"%s\"",
                 table, ids.v[i], ids.v[i], ids.v[i], table);
        struct db_stmt *s = db_prepare(dst, sql);
        int ok = s && db_step(s) == DB_ROW;
        db_finalize(s);
        if (!ok)
            return -1;
    }
    return 0;
}

/*
 * The target's state: 0 empty and at this binary's schema (made if it had
 * none, brought up to date if older), -1 not (err says why).
 */
static int ready_target(struct db_conn *dst, const struct names *tables, char *err, size_t errlen)
{
    if (store_pg_migrate(dst, NULL, err, errlen) != 0)
        return -1;
    for (int i = 0; i < tables->n; i++) {
        if (listed(seeded, tables->v[i]))
            continue;
        int64_t n = count_rows(dst, tables->v[i]);
        if (n != 0) {
            if (n < 0)
                snprintf(err, errlen, "the target has no table %s: it is not Laurel's schema",
                         tables->v[i]);
            else
                snprintf(err, errlen,
                         "the target is not empty: its table %s has %lld rows (migrate-db copies "
                         "into an empty database only)",
                         tables->v[i], (long long)n);
            return -1;
        }
    }
    return 0;
}

int store_migrate_db(const char *data_dir, const char *uri, migrate_progress_fn progress, void *arg,
                     struct migrate_report *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    err[0] = '\0';
    char path[4096];
    snprintf(path, sizeof path, "%s/laurel.db", data_dir);
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "no database at %s", path);
        return -1;
    }
    struct db_conn *src = db_open(path, err, errlen);
    struct db_conn *dst = src ? db_open(uri, err, errlen) : NULL;
    if (!src || !dst || db_kind(dst) != DB_PG) {
        if (dst && db_kind(dst) != DB_PG)
            snprintf(err, errlen, "the target must be a PostgreSQL URI (postgresql://...)");
        db_close(src);
        db_close(dst);
        return -1;
    }
    struct names tables, source;
    schema_tables(&tables);
    int rc = -1;
    if (read_names(src, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", NULL,
                   &source) != 0) {
        snprintf(err, errlen, "cannot read the tables of %s: %s", path, db_errmsg(src));
        goto out;
    }
    for (int i = 0; i < source.n; i++) {
        if (derived(source.v[i]))
            r->derived++;
        else if (!has(&tables, source.v[i])) {
            snprintf(err, errlen, "the PostgreSQL schema has no table %s: nothing copied",
                     source.v[i]);
            goto out;
        }
    }
    if (ready_target(dst, &tables, err, errlen) != 0)
        goto out;
    /* A copy changes no page a node keeps: page_change's triggers stay quiet (changes.c). */
    if (db_begin(src) != 0 || db_begin(dst) != 0 || changes_quiet(dst, 1) != 0) {
        snprintf(err, errlen, "cannot begin: %s", db_errmsg(src));
        goto out;
    }
    for (int i = 0; i < tables.n; i++) {
        const char *t = tables.v[i];
        if (!has(&source, t))
            continue;
        if (listed(seeded, t)) {
            char sql[128];
            snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", t);
            if (db_exec(dst, sql) != 0) {
                snprintf(err, errlen, "cannot empty %s: %s", t, db_errmsg(dst));
                goto rollback;
            }
        }
        int64_t rows = copy_table(src, dst, t, err, errlen);
        if (rows < 0)
            goto rollback;
        int64_t there = count_rows(dst, t), here = count_rows(src, t);
        if (there != rows || here != rows) {
            snprintf(err, errlen, "%s: %lld rows in the source, %lld copied, %lld in the target", t,
                     (long long)here, (long long)rows, (long long)there);
            goto rollback;
        }
        if (move_sequences(dst, t) != 0) {
            snprintf(err, errlen, "cannot move the sequences of %s: %s", t, db_errmsg(dst));
            goto rollback;
        }
        r->tables++;
        r->rows += rows;
        if (progress)
            progress(arg, t, rows);
    }
    if (search_pg_build(dst) != 0) {
        snprintf(err, errlen, "cannot build the search index: %s", db_errmsg(dst));
        goto rollback;
    }
    if (db_commit(dst) != 0) {
        snprintf(err, errlen, "cannot commit: %s", db_errmsg(dst));
        goto rollback;
    }
    db_rollback(src); /* it only read */
    search_pg_settle(dst);
    rc = 0;
    goto out;
rollback:
    db_rollback(dst);
    db_rollback(src);
out:
    db_close(src);
    db_close(dst);
    return rc;
}
