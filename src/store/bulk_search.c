/*
 * bulk_search.c — a bulk load's two search indexes (case_fts, trigram;
 * case_short, bigram) built on the second core while the writer goes on
 * (bulk.h, sqlite_int.h).
 *
 * The two full-text indexes are most of a bulk load's own time (about 120
 * µs of CPU a case for the trigram one, 30 for the bigram one).  They are
 * built by a thread of its own that shares no database with the writer:
 * the writer reads what the indexes take of each case once
 * (store_case_fts_rows_sql, and the summary case_short takes) into a spool
 * file in the data folder (unlinked at once, so it never outlives the
 * process); the thread reads the spool twice and fills the same FTS5
 * tables, made from the same CREATE text, in a side database file with no
 * journal, with the settings store_index_case_fts and bulk.c use: the
 * trigram one first, the bigram one after.  At the end of the load the
 * writer, outside any transaction, attaches the side file and copies the
 * tables' shadow tables (data, idx, docsize, config: contentless tables)
 * into its own, which nothing wrote meanwhile (a publication's close,
 * which indexes the cases it publishes, leaves them to the load while it
 * runs: search_index_new), and removes the file.
 *
 * Why not read the database from the thread: an earlier try did, on a
 * snapshot of the WAL while the writer wrote, and one run in tens ended
 * early for a cause not found.  Here nothing is shared but the spool, which
 * the writer has finished before the thread starts; and any failure of the
 * side build is only logged: the writer then builds both indexes itself,
 * as before, so the load never fails for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "store/sqlite_int.h"

#define SIDE_FTS_BUFFER (64L << 20) /* as bulk.c's: a few large segments */
#define SIDE_FTS_DEFAULT (1L << 20)
#define SIDE_NULL 0xFFFFFFFFu
#define SIDE_FIELDS 5 /* title, unit, tags, body (case_fts); summary (case_short's fourth) */
#define SIDE_TABLES 2

struct bulk_side {
    pthread_t thread;
    FILE *spool;  /* id, then each field as a length (SIDE_NULL) and its bytes */
    char *path;   /* the side database */
    char *create[SIDE_TABLES]; /* case_fts's and case_short's CREATE VIRTUAL TABLE text */
    int rc;       /* the thread's: 0 when the side index is whole */
    char err[256];
};

static int put_field(FILE *f, const unsigned char *p, int n)
{
    uint32_t len = p ? (uint32_t)n : SIDE_NULL;
    return fwrite(&len, sizeof len, 1, f) == 1 && (!p || n == 0 || fwrite(p, (size_t)n, 1, f) == 1)
               ? 0
               : -1;
}

/*
 * What both indexes take of each case, from db (the writer's, in the load)
 * into s->spool: case_fts's rows in their order, each with its summary
 * (case_short's rows are the same cases, title, unit and tags).
 */
static int spool_rows(sqlite3 *db, struct bulk_side *s)
{
    char *sql = sqlite3_mprintf("SELECT r.*, (SELECT summary FROM \"case\" WHERE id = r.id) "
                                "FROM (%s) AS r",
                                store_case_fts_rows_sql);
    sqlite3_stmt *q = NULL;
    int ok = sql && sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK;
    sqlite3_free(sql);
    if (!ok)
        return -1;
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        rc = fwrite(&id, sizeof id, 1, s->spool) == 1 ? 0 : -1;
        for (int i = 1; rc == 0 && i <= SIDE_FIELDS; i++)
            rc = put_field(s->spool, sqlite3_column_text(q, i), sqlite3_column_bytes(q, i));
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(q);
    return rc == 0 && fflush(s->spool) == 0 && fseek(s->spool, 0, SEEK_SET) == 0 ? 0 : -1;
}

static int side_fail(struct bulk_side *s, sqlite3 *db, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what, db ? sqlite3_errmsg(db) : strerror(errno));
    return -1;
}

/*
 * Read one field of the spool into *buf (grown as needed), or pass over it
 * (buf NULL): 1 present, 0 NULL, -1 error.
 */
static int get_field(FILE *f, char **buf, size_t *cap)
{
    uint32_t len;
    if (fread(&len, sizeof len, 1, f) != 1)
        return -1;
    if (len == SIDE_NULL)
        return 0;
    if (!buf)
        return fseek(f, (long)len, SEEK_CUR) == 0 ? 1 : -1;
    if ((size_t)len + 1 > *cap) {
        char *more = realloc(*buf, (size_t)len + 1);
        if (!more)
            return -1;
        *buf = more;
        *cap = (size_t)len + 1;
    }
    if (len && fread(*buf, len, 1, f) != 1)
        return -1;
    (*buf)[len] = 0;
    return 1;
}

/*
 * The side tables, filled from the spool: each one's INSERT, and for each
 * field of the spool the parameter it binds (0: passed over).
 */
static const struct {
    const char *name, *insert;
    int param[SIDE_FIELDS];
} side_table[SIDE_TABLES] = {
    {"case_fts", "INSERT INTO case_fts (rowid, title, unit, tags, body) VALUES (?1, ?2, ?3, ?4, ?5)",
     {2, 3, 4, 5, 0}},
    {"case_short",
     "INSERT INTO case_short (rowid, title, unit, tags, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
     {2, 3, 4, 0, 5}},
};

static int side_insert(struct bulk_side *s, sqlite3 *db, int t)
{
    sqlite3_stmt *ins;
    if (fseek(s->spool, 0, SEEK_SET) != 0)
        return side_fail(s, NULL, "spool");
    if (sqlite3_prepare_v2(db, side_table[t].insert, -1, &ins, NULL) != SQLITE_OK)
        return side_fail(s, db, "prepare");
    char *buf[SIDE_FIELDS] = {0};
    size_t cap[SIDE_FIELDS] = {0};
    int64_t id;
    int rc = 0;
    while (rc == 0 && fread(&id, sizeof id, 1, s->spool) == 1) {
        sqlite3_bind_int64(ins, 1, id);
        for (int i = 0; rc == 0 && i < SIDE_FIELDS; i++) {
            int param = side_table[t].param[i];
            int got = get_field(s->spool, param ? &buf[i] : NULL, &cap[i]);
            if (got < 0)
                rc = side_fail(s, NULL, "spool");
            else if (!param)
                continue;
            else if (got)
                sqlite3_bind_text(ins, param, buf[i], -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(ins, param);
        }
        if (rc == 0 && sqlite3_step(ins) != SQLITE_DONE)
            rc = side_fail(s, db, "insert");
        sqlite3_reset(ins);
    }
    if (rc == 0 && ferror(s->spool))
        rc = side_fail(s, NULL, "spool");
    sqlite3_finalize(ins);
    for (int i = 0; i < SIDE_FIELDS; i++)
        free(buf[i]);
    return rc;
}

/*
 * Side table t made from its CREATE text and filled in one transaction,
 * with the large buffer (and, for case_fts, store_index_case_fts's merge
 * settings) while it fills, the defaults after.
 */
static int side_table_build(struct bulk_side *s, sqlite3 *db, int t)
{
    const char *name = side_table[t].name;
    int fts = t == 0;
    char *head = sqlite3_mprintf("%s; INSERT INTO \"%w\" (\"%w\", rank) VALUES ('hashsize', %ld); "
                                 "%s BEGIN;",
                                 s->create[t], name, name, SIDE_FTS_BUFFER,
                                 fts ? store_case_fts_begin_sql : "");
    char *tail = sqlite3_mprintf("%s INSERT INTO \"%w\" (\"%w\", rank) VALUES ('hashsize', %ld); "
                                 "COMMIT;",
                                 fts ? store_case_fts_end_sql : "", name, name, SIDE_FTS_DEFAULT);
    int rc = 0;
    if (!head || !tail)
        rc = side_fail(s, NULL, "memory");
    else if (sqlite3_exec(db, head, NULL, NULL, NULL) != SQLITE_OK)
        rc = side_fail(s, db, name);
    else if (side_insert(s, db, t) != 0)
        rc = -1;
    else if (sqlite3_exec(db, tail, NULL, NULL, NULL) != SQLITE_OK)
        rc = side_fail(s, db, name);
    sqlite3_free(head);
    sqlite3_free(tail);
    return rc;
}

/* The thread: the side database made, both tables filled from the spool, closed. */
static void *side_build(void *arg)
{
    struct bulk_side *s = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        search_register(db) != 0 ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-131072;",
                     NULL, NULL, NULL) != SQLITE_OK)
        s->rc = side_fail(s, db, "side database");
    for (int t = 0; s->rc == 0 && t < SIDE_TABLES; t++)
        s->rc = side_table_build(s, db, t);
    sqlite3_close(db);
    return NULL;
}

static void side_free(struct bulk_side *s)
{
    if (!s)
        return;
    if (s->spool)
        fclose(s->spool);
    if (s->path)
        unlink(s->path);
    sqlite3_free(s->path);
    for (int t = 0; t < SIDE_TABLES; t++)
        sqlite3_free(s->create[t]);
    free(s);
}

/* An unlinked file beside the database, for the spool. */
static FILE *spool_open(const char *dbpath)
{
    char *p = sqlite3_mprintf("%s-fts-spool", dbpath);
    int fd = p ? open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (fd >= 0)
        unlink(p);
    sqlite3_free(p);
    FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (!f && fd >= 0)
        close(fd);
    return f;
}

struct bulk_side *bulk_side_start(sqlite3 *db)
{
    static const char create_sql[] =
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1";
    const char *dbpath = sqlite3_db_filename(db, "main");
    struct bulk_side *s = calloc(1, sizeof *s);
    sqlite3_stmt *q = NULL;
    if (!s || !dbpath || !dbpath[0])
        goto fail;
    if (sqlite3_prepare_v2(db, create_sql, -1, &q, NULL) != SQLITE_OK)
        goto fail;
    for (int t = 0; t < SIDE_TABLES; t++) {
        sqlite3_bind_text(q, 1, side_table[t].name, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW ||
            !(s->create[t] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(q, 0))))
            goto fail;
        sqlite3_reset(q);
    }
    s->path = sqlite3_mprintf("%s-fts-side", dbpath);
    sqlite3_finalize(q);
    q = NULL;
    if (!s->path)
        goto fail;
    unlink(s->path); /* a crashed load's */
    if (!(s->spool = spool_open(dbpath)) || spool_rows(db, s) != 0 ||
        pthread_create(&s->thread, NULL, side_build, s) != 0)
        goto fail;
    return s;
fail:
    sqlite3_finalize(q);
    log_error("store: the search indexes are built on the writer (no side build: %s)",
              s && s->path ? "cannot write its spool" : "no database file");
    side_free(s);
    return NULL;
}

/* Copy the side tables' shadow tables over the writer's, outside any transaction. */
static int side_copy(struct db_conn *c, void *arg)
{
    sqlite3 *db = db_sqlite_handle(c);
    static const char tables_sql[] =
        "SELECT name FROM bulk_side.sqlite_schema WHERE type = 'table' AND "
        "(name LIKE 'case\\_fts\\_%' ESCAPE '\\' OR name LIKE 'case\\_short\\_%' ESCAPE '\\') "
        "ORDER BY name";
    struct bulk_side *s = arg;
    char *attach = sqlite3_mprintf("ATTACH %Q AS bulk_side", s->path);
    int rc = attach && sqlite3_exec(db, attach, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    sqlite3_free(attach);
    if (rc != 0)
        return -1;
    sqlite3_stmt *q = NULL;
    int n = 0;
    rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
                 sqlite3_prepare_v2(db, tables_sql, -1, &q, NULL) == SQLITE_OK
             ? 0
             : -1;
    while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
        char *copy = sqlite3_mprintf("DELETE FROM main.\"%w\"; INSERT INTO main.\"%w\" SELECT * "
                                     "FROM bulk_side.\"%w\";",
                                     sqlite3_column_text(q, 0), sqlite3_column_text(q, 0),
                                     sqlite3_column_text(q, 0));
        rc = copy && sqlite3_exec(db, copy, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
        sqlite3_free(copy);
        n++;
    }
    sqlite3_finalize(q);
    if (rc == 0 && n < 3 * SIDE_TABLES)
        rc = -1; /* data, idx, docsize, config of each */
    if (rc != 0)
        log_error("store: cannot copy the side search indexes: %s", sqlite3_errmsg(db));
    sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(db, "DETACH bulk_side", NULL, NULL, NULL);
    return rc;
}

/* The indexes built by the writer after all: emptied first (a failed copy may have left rows). */
static int side_fallback(struct db_conn *c, void *arg)
{
    sqlite3 *db = db_sqlite_handle(c);
    (void)arg;
    return sqlite3_exec(db,
                        "INSERT INTO case_fts (case_fts) VALUES ('delete-all');"
                        "INSERT INTO case_short (case_short) VALUES ('delete-all');",
                        NULL, NULL, NULL) == SQLITE_OK &&
                   store_index_cases(db) == 0
               ? 0
               : -1;
}

int bulk_side_finish(struct store *st)
{
    struct bulk_side *s = st->bulk_side;
    if (!s)
        return 0;
    st->bulk_side = NULL;
    pthread_join(s->thread, NULL);
    int rc = s->rc;
    if (rc != 0)
        log_error("store: the side build of the search indexes failed (%s); built again here",
                  s->err);
    if (rc == 0 && writer_run_bare(st->writer, side_copy, s) != 0)
        rc = -1;
    side_free(s);
    if (rc != 0 && writer_run_sync(st->writer, side_fallback, NULL) != 0)
        return -1;
    return 0;
}

void bulk_side_cancel(struct store *st)
{
    struct bulk_side *s = st->bulk_side;
    if (!s)
        return;
    st->bulk_side = NULL;
    pthread_join(s->thread, NULL);
    side_free(s);
}
