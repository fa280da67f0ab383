/*
 * search.c — the search on SQLite: the laurel_bigram FTS5 tokenizer (its
 * tokens made by search_bigrams, search_tok.c), the query compiler, the
 * two FTS5 indexes' rebuild and their hits (search_fts_hits); see search.h.
 */
#include "search.h"

#include <sqlite3.h>
#include <string.h>

#include "core/utf8.h"
#include "store/sqlite_int.h"

static int bigram_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int n,
                           int (*emit)(void *, int, const char *, int, int, int))
{
    (void)tok;
    return search_bigrams(text, n, (flags & FTS5_TOKENIZE_QUERY) != 0, emit, ctx);
}

static int bigram_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)ctx, (void)argv, (void)argc;
    static int dummy;
    *out = (Fts5Tokenizer *)&dummy;
    return SQLITE_OK;
}

static void bigram_delete(Fts5Tokenizer *tok)
{
    (void)tok;
}

static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(s, 1, &api, "fts5_api_ptr", NULL);
    sqlite3_step(s);
    sqlite3_finalize(s);
    return api;
}

int search_register(sqlite3 *db)
{
    static fts5_tokenizer bigram = {bigram_create, bigram_delete, bigram_tokenize};
    fts5_api *api = fts5_api_of(db);
    if (!api)
        return -1;
    return api->xCreateTokenizer(api, "laurel_bigram", NULL, &bigram, NULL) == SQLITE_OK ? 0
                                                                                         : -1;
}

size_t search_space_at(const char *q, size_t n, size_t i)
{
    if (q[i] == ' ' || q[i] == '\t')
        return 1;
    if (n - i >= 3 && memcmp(q + i, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

/* What case_fts indexes of each case, in id order (store_index_case_fts, bulk_search.c). */
/* What each index takes of a case: case_fts's title, unit, tags, body; case_short's summary. */
#define CASE_TAGS                                                                                  \
    "(SELECT group_concat(t.name, ' ') FROM case_tag ct JOIN tag t ON t.id = ct.tag_id "          \
    "WHERE ct.case_id = c.id)"
#define FTS_ROWS                                                                                   \
    "SELECT c.id, c.title, u.name, " CASE_TAGS ", "                                              \
    "  c.summary || char(10) || (SELECT group_concat(body_md, char(10)) FROM case_section s "    \
    "   WHERE s.case_id = c.id) "                                                                 \
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
#define SHORT_ROWS                                                                                 \
    "SELECT c.id, c.title, u.name, " CASE_TAGS ", c.summary "                                    \
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id "

const char store_case_fts_rows_sql[] = FTS_ROWS "ORDER BY c.id";

/* No merging while loading: a bulk load indexes about a third faster. */
const char store_case_fts_begin_sql[] =
    "DELETE FROM case_fts;"
    "INSERT INTO case_fts (case_fts, rank) VALUES ('automerge', 0);"
    "INSERT INTO case_fts (case_fts, rank) VALUES ('crisismerge', 64);";
const char store_case_fts_end_sql[] =
    "INSERT INTO case_fts (case_fts, rank) VALUES ('automerge', 4);"
    "INSERT INTO case_fts (case_fts, rank) VALUES ('crisismerge', 16);";

int store_index_case_fts(sqlite3 *db)
{
    char *sql = sqlite3_mprintf("%s INSERT INTO case_fts (rowid, title, unit, tags, body) %s; %s",
                                store_case_fts_begin_sql, store_case_fts_rows_sql,
                                store_case_fts_end_sql);
    int rc = sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    sqlite3_free(sql);
    return rc;
}

int store_index_case_short(sqlite3 *db)
{
    static const char sql[] =
        "DELETE FROM case_short;"
        "INSERT INTO case_short (rowid, title, unit, tags, summary) " SHORT_ROWS "ORDER BY c.id;";
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/*
 * The published cases that neither index holds yet (a contentless FTS5
 * table keeps a row id in its docsize table), added: what a publication
 * makes findable.  The rows are store_case_fts_rows_sql's and
 * store_index_case_short's, by the cases' primary key.
 */
int search_fts_add(struct db_conn *c)
{
    static const char fts_sql[] =
        "INSERT INTO case_fts (rowid, title, unit, tags, body) " FTS_ROWS
        "WHERE c.published_at IS NOT NULL AND c.id NOT IN (SELECT id FROM case_fts_docsize) "
        "ORDER BY c.id";
    static const char short_sql[] =
        "INSERT INTO case_short (rowid, title, unit, tags, summary) " SHORT_ROWS
        "WHERE c.published_at IS NOT NULL AND c.id NOT IN (SELECT id FROM case_short_docsize) "
        "ORDER BY c.id";
    return db_run(db_stmt(c, fts_sql)) == RC_OK && db_run(db_stmt(c, short_sql)) == RC_OK ? 0
                                                                                           : -1;
}

int search_index_new(struct store_tx *tx)
{
    struct db_conn *c = tx_conn(tx);
    if (tx_store(tx)->bulk_side)
        return 0; /* replaced at the load's end by the indexes built aside */
    return db_kind(c) == DB_PG ? search_pg_add(c) : search_fts_add(c);
}

int store_index_cases(sqlite3 *db)
{
    return store_index_case_fts(db) == 0 && store_index_case_short(db) == 0 ? 0 : -1;
}

enum search_index search_compile(const char *q, struct buf *out)
{
    size_t n = strlen(q), i = 0, sp;
    int words = 0, shortest = 1 << 30;
    struct buf expr = BUF_INIT;
    buf_init(&expr, 4 * SEARCH_MAX_QUERY);
    while (i < n) {
        while (i < n && (sp = search_space_at(q, n, i)) > 0)
            i += sp;
        size_t start = i;
        while (i < n && search_space_at(q, n, i) == 0)
            i++;
        if (i == start)
            continue;
        int chars = (int)utf8_count(q + start, i - start);
        if (chars < shortest)
            shortest = chars;
        if (words++)
            buf_putc(&expr, ' ');
        buf_putc(&expr, '"');
        for (size_t k = start; k < i; k++) {
            if (q[k] == '"')
                buf_putc(&expr, '"');
            buf_putc(&expr, q[k]);
        }
        buf_putc(&expr, '"');
        if (chars == 1)
            buf_putc(&expr, '*');
    }
    enum search_index which = SEARCH_NONE;
    if (words > 0 && !expr.oom) {
        which = shortest >= 3 ? SEARCH_TRIGRAM : SEARCH_BIGRAM;
        buf_append(out, expr.p, expr.len);
    }
    buf_release(&expr);
    return which;
}

int search_blank(const char *q)
{
    size_t n = strlen(q), i = 0;
    while (i < n) {
        int32_t c = utf8_next(q, n, &i);
        if (!search_separator(c))
            return 0;
    }
    return 1;
}

/* The newest hits of the index the query is for: the rowids of FTS5, read in their order. */
size_t search_fts_hits(struct store *st, const char *q, int64_t *ids, size_t cap)
{
    struct buf match = BUF_INIT;
    buf_init(&match, 4096);
    enum search_index which = search_compile(q, &match);
    struct db_stmt *s = NULL;
    if (which != SEARCH_NONE && !match.oom)
        s = store_stmt(st,
                       public_sql[which == SEARCH_TRIGRAM ? Q_SEARCH_HITS_TRI : Q_SEARCH_HITS_BI]);
    size_t n = 0;
    if (s) {
        db_bind_text(s, 1, match.p, (int)match.len);
        db_bind_int64(s, 2, (int64_t)cap);
        while (n < cap && db_step(s) == DB_ROW)
            ids[n++] = db_column_int64(s, 0);
        db_reset(s);
    }
    buf_release(&match);
    return n;
}
