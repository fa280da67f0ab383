/*
 * search.c — the laurel_bigram FTS5 tokenizer and the query compiler; see
 * search.h.
 *
 * The tokenizer treats white space and punctuation (ASCII and CJK) as
 * separators.  Within a run of other characters it emits, at every
 * character, the bigram starting there, and at the run's last character
 * that character alone; ASCII letters are folded to lower case.  So a
 * two-character query is one exact term, a longer one a phrase of
 * overlapping bigrams (a substring match), and a one-character query the
 * prefix query "x"*.  In query mode the trailing unigram is left out unless
 * the word is a single character, so a phrase matches mid-run as well; but
 * a run followed by another run in the same word ("COVID-19") keeps it, as
 * the document has it between the two.
 */
#include "search.h"

#include <sqlite3.h>
#include <string.h>

#include "core/utf8.h"
#include "store/sqlite_int.h"

static int is_separator(int32_t c)
{
    if (c < 0)
        return 1;
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    return (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFF00 && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
           (c >= 0xFF5B && c <= 0xFF65) || c == 0x00B7 || c == 0x00A0;
}

/* Append code point c's bytes from text, folding ASCII upper case. */
static size_t put_char(char *dst, const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = src[i];
        dst[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    return len;
}

static int bigram_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int n,
                           int (*emit)(void *, int, const char *, int, int, int))
{
    (void)tok;
    size_t len = n > 0 ? (size_t)n : 0;
    size_t i = 0;
    int query = (flags & FTS5_TOKENIZE_QUERY) != 0;
    /* The run being scanned: start of the previous character, and run length. */
    size_t prev = 0, prev_len = 0, run = 0;
    size_t ended = 0; /* length of the run before the current separators */
    while (i <= len) {
        size_t at = i;
        int32_t c = -1;
        if (i < len) {
            c = utf8_next(text, len, &i);
        } else {
            i++;
        }
        size_t clen = i - at;
        int sep = at >= len || is_separator(c);
        char token[16];
        int rc = SQLITE_OK;
        if (run > 0) {
            if (!sep) {
                size_t k = put_char(token, text + prev, prev_len);
                k += put_char(token + k, text + at, clen);
                rc = emit(ctx, 0, token, (int)k, (int)prev, (int)(at + clen));
            } else if (!query || run == 1) {
                size_t k = put_char(token, text + prev, prev_len);
                rc = emit(ctx, 0, token, (int)k, (int)prev, (int)(prev + prev_len));
            }
        } else if (!sep && query && ended > 1) {
            /* The unigram left out at the end of the previous run. */
            size_t k = put_char(token, text + prev, prev_len);
            rc = emit(ctx, 0, token, (int)k, (int)prev, (int)(prev + prev_len));
        }
        if (rc != SQLITE_OK)
            return rc;
        if (sep) {
            if (run > 0)
                ended = run;
            run = 0;
        } else {
            ended = 0;
            run++;
            prev = at;
            prev_len = clen;
        }
    }
    return SQLITE_OK;
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

/* Length of the word separator at q[i] (space, tab, U+3000), or 0. */
static size_t space_at(const char *q, size_t n, size_t i)
{
    if (q[i] == ' ' || q[i] == '\t')
        return 1;
    if (n - i >= 3 && memcmp(q + i, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

/* What case_fts indexes of each case, in id order (store_index_case_fts, bulk_search.c). */
const char store_case_fts_rows_sql[] =
    "SELECT c.id, c.title, u.name, "
    "  (SELECT group_concat(t.name, ' ') FROM case_tag ct JOIN tag t ON t.id = ct.tag_id "
    "   WHERE ct.case_id = c.id), "
    "  c.summary || char(10) || (SELECT group_concat(body_md, char(10)) FROM case_section s "
    "   WHERE s.case_id = c.id) "
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id ORDER BY c.id";

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
        "INSERT INTO case_short (rowid, title, unit, tags, summary) "
        "SELECT c.id, c.title, u.name, "
        "  (SELECT group_concat(t.name, ' ') FROM case_tag ct JOIN tag t ON t.id = ct.tag_id "
        "   WHERE ct.case_id = c.id), c.summary "
        "FROM \"case\" c JOIN unit u ON u.id = c.unit_id ORDER BY c.id;";
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
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
        while (i < n && (sp = space_at(q, n, i)) > 0)
            i += sp;
        size_t start = i;
        while (i < n && space_at(q, n, i) == 0)
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
        if (!is_separator(c))
            return 0;
    }
    return 1;
}
