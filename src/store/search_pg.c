/*
 * search_pg.c — the public search on PostgreSQL (search.h): the two
 * readings SQLite's FTS5 indexes make of each case, kept as grams and
 * text, and a query answered from them with the same hits in the same
 * order.
 *
 * case_text holds each case's fields as the indexes read them: bigram_text
 * case_short's (title, unit, tags, summary) as the bigram tokenizer reads
 * them, its runs of characters (ASCII folded) each between spaces, a field
 * to a line; trigram_text case_fts's (title, unit, tags, body) folded as
 * FTS5's trigram tokenizer folds them, apart by U+001F.  case_gram holds
 * for each case, as a number made of their code points (one, two or three
 * characters never give the same number): every token of the bigram
 * tokenizer (search_tok.c) and the first character of each, and every
 * trigram of each trigram field.
 *
 * A query is split into words and read as search_compile gives it to one
 * index: by the trigrams when every word has three characters or more,
 * else by the bigram tokens.  The cases that have all of the query's grams
 * are taken newest first along the btree (gram, case_id), up to the cap,
 * so the cost is the page's.  Where a word's grams alone do not make it (a
 * phrase of more than one token), the text confirms it: the folded word as
 * a substring of trigram_text; or its runs joined by spaces as a substring
 * of bigram_text, which is FTS5's phrase over bigram tokens: within one
 * field, its first run the end of a run of the text, its last one the
 * start of one (the whole run when of one character: the text's unigram
 * token), and the runs between whole.
 *
 * FTS5's trigram tokenizer folds the case of every script; fold() here
 * folds ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and full-width
 * Latin letters, which are those a case's text holds.
 *
 * The index is made whole from the published cases (search_pg_build) where
 * SQLite makes its own (after a bulk load there): after laurel migrate-db's
 * copy, and when a store opens on cases that have none (search_pg_open).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/utf8.h"
#include "store/db.h"
#include "store/search.h"
#include "store/store_int.h"

#define FIELD_SEP 0x1F /* between the trigram fields */
#define QUERY_GRAMS 16 /* grams of a query looked up; the text confirms the rest */
#define BUILD_PAGE 64  /* cases read at once while building */
#define BUILD_FIELDS 5 /* title, unit, tags, body, summary */

struct grams {
    int64_t *v;
    size_t n, cap;
    int oom;
};

static void gram_add(struct grams *g, int64_t x)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 256;
        int64_t *v = realloc(g->v, cap * sizeof *v);
        if (!v) {
            g->oom = 1;
            return;
        }
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n++] = x;
}

static int64_t gram1(int32_t a)
{
    return a;
}

static int64_t gram2(int32_t a, int32_t b)
{
    return ((int64_t)a << 21) | b;
}

static int64_t gram3(int32_t a, int32_t b, int32_t c)
{
    return ((int64_t)a << 42) | ((int64_t)b << 21) | c;
}

/* Lower case as FTS5's trigram tokenizer folds it, for the scripts a case holds. */
static int32_t fold(int32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
        (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F) ||
        (c >= 0xFF21 && c <= 0xFF3A))
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if (((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && !(c & 1))
        return c + 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && (c & 1))
        return c + 1;
    if (c == 0x178)
        return 0xFF;
    return c;
}

static void put_utf8(struct buf *b, int32_t c)
{
    char s[4];
    size_t n;
    if (c < 0x80) {
        s[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        s[0] = (char)(0xC0 | (c >> 6));
        s[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        s[0] = (char)(0xE0 | (c >> 12));
        s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        s[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        s[0] = (char)(0xF0 | (c >> 18));
        s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        s[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    buf_append(b, s, n);
}

/* The n bytes at t folded into out; their trigrams into g (NULL: none). */
static void trigram_field(const char *t, size_t n, struct buf *out, struct grams *g)
{
    int32_t w[3] = {0, 0, 0};
    size_t i = 0, k = 0;
    while (i < n) {
        int32_t c = fold(utf8_next(t, n, &i));
        if (c < 0)
            continue;
        put_utf8(out, c);
        w[0] = w[1];
        w[1] = w[2];
        w[2] = c;
        if (++k >= 3 && g)
            gram_add(g, gram3(w[0], w[1], w[2]));
    }
}

/* The runs of the n bytes at t, ASCII folded, each followed by a space, into out. */
static void bigram_runs(const char *t, size_t n, struct buf *out)
{
    size_t i = 0, at = 0;
    int in_run = 0;
    while (i < n) {
        at = i;
        int32_t c = utf8_next(t, n, &i);
        if (search_separator(c)) {
            if (in_run)
                buf_putc(out, ' ');
            in_run = 0;
            continue;
        }
        in_run = 1;
        if (c >= 'A' && c <= 'Z')
            buf_putc(out, (char)(c + 32));
        else
            buf_append(out, t + at, i - at);
    }
    if (in_run)
        buf_putc(out, ' ');
}

/* A bigram token as grams: itself, and its first character (what "x"* finds). */
static int emit_gram(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (void)flags, (void)start, (void)end;
    struct grams *g = ctx;
    size_t i = 0;
    int32_t a = utf8_next(token, (size_t)n, &i);
    gram_add(g, gram1(a));
    if (i < (size_t)n)
        gram_add(g, gram2(a, utf8_next(token, (size_t)n, &i)));
    return 0;
}

static int cmp_gram(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sort g and drop its repeats. */
static void gram_unique(struct grams *g)
{
    if (g->n == 0)
        return;
    qsort(g->v, g->n, sizeof *g->v, cmp_gram);
    size_t k = 1;
    for (size_t i = 1; i < g->n; i++)
        if (g->v[i] != g->v[k - 1])
            g->v[k++] = g->v[i];
    g->n = k;
}

/* One case as its fields come (title, unit, tags, body, summary; NULL for none). */
struct case_fields {
    int64_t id;
    char *f[BUILD_FIELDS];
};

/* The case's two texts and its grams, written. */
static int index_case(struct db_conn *c, const struct case_fields *cf, struct grams *g,
                      struct buf *bi, struct buf *tri, struct buf *arr)
{
    static const char text_sql[] =
        "INSERT INTO case_text (case_id, bigram_text, trigram_text) VALUES (?1, ?2, ?3)";
    static const char gram_sql[] =
        "INSERT INTO case_gram (gram, case_id) SELECT unnest(CAST(?1 AS BIGINT[])), ?2";
    static const int bigram_fields[] = {0, 1, 2, 4}, trigram_fields[] = {0, 1, 2, 3};
    g->n = 0;
    buf_reset(bi);
    buf_reset(tri);
    buf_reset(arr);
    for (int k = 0; k < 4; k++) {
        const char *t = cf->f[bigram_fields[k]];
        if (k)
            buf_putc(bi, '\n');
        buf_putc(bi, ' ');
        if (t) {
            bigram_runs(t, strlen(t), bi);
            search_bigrams(t, (int)strlen(t), 0, emit_gram, g);
        }
        if (k)
            buf_putc(tri, FIELD_SEP);
        t = cf->f[trigram_fields[k]];
        if (t)
            trigram_field(t, strlen(t), tri, g);
    }
    gram_unique(g);
    buf_putc(arr, '{');
    for (size_t i = 0; i < g->n; i++)
        buf_printf(arr, i ? ",%lld" : "%lld", (long long)g->v[i]);
    buf_putc(arr, '}');
    if (g->oom || bi->oom || tri->oom || arr->oom)
        return -1;
    struct db_stmt *s = db_stmt(c, text_sql);
    if (s) {
        db_bind_int64(s, 1, cf->id);
        db_bind_text(s, 2, bi->p, (int)bi->len);
        db_bind_text(s, 3, tri->p, (int)tri->len);
    }
    if (db_run(s) != RC_OK || !(s = db_stmt(c, gram_sql)))
        return -1;
    db_bind_text(s, 1, arr->p, (int)arr->len);
    db_bind_int64(s, 2, cf->id);
    return db_run(s) == RC_OK ? 0 : -1;
}

/*
 * What the two FTS5 indexes take of each published case (search.c's
 * store_case_fts_rows_sql), a page.  Published ones only, as migration 004
 * fills case_short, and as a bulk load's cases are (the demo's): a case
 * the public cannot find takes no place among the capped hits.
 */
static const char rows_sql[] =
    "SELECT c.id, c.title, u.name, "
    "  (SELECT string_agg(t.name, ' ' ORDER BY ct.tag_id) FROM case_tag ct "
    "   JOIN tag t ON t.id = ct.tag_id WHERE ct.case_id = c.id), "
    "  c.summary || chr(10) || (SELECT string_agg(s.body_md, chr(10) ORDER BY s.seq) "
    "   FROM case_section s WHERE s.case_id = c.id), "
    "  c.summary "
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
    "WHERE c.id > ?1 AND c.published_at IS NOT NULL "
    "AND (?3 = 0 OR NOT EXISTS (SELECT 1 FROM case_text x WHERE x.case_id = c.id)) "
    "ORDER BY c.id LIMIT ?2";

/* Up to BUILD_PAGE cases after id `after` (those not indexed yet, if fresh) into cf: how many, -1. */
static int read_page(struct db_conn *c, int64_t after, int fresh, struct case_fields *cf)
{
    struct db_stmt *s = db_stmt(c, rows_sql);
    if (!s)
        return -1;
    db_bind_int64(s, 1, after);
    db_bind_int64(s, 2, BUILD_PAGE);
    db_bind_int64(s, 3, fresh);
    int n = 0, step = DB_DONE;
    while (n < BUILD_PAGE && (step = db_step(s)) == DB_ROW) {
        cf[n].id = db_column_int64(s, 0);
        for (int k = 0; k < BUILD_FIELDS; k++) {
            const char *t = db_column_text(s, k + 1);
            cf[n].f[k] = t ? strdup(t) : NULL;
        }
        n++;
    }
    if (n < BUILD_PAGE && step != DB_DONE)
        n = -1;
    db_reset(s);
    return n;
}

/* Index the published cases (fresh: only those not indexed yet) on c: 0, or -1 (logged). */
static int index_published(struct db_conn *c, int fresh)
{
    struct case_fields cf[BUILD_PAGE];
    struct grams g = {0};
    struct buf bi = BUF_INIT, tri = BUF_INIT, arr = BUF_INIT;
    buf_init(&bi, 16 << 20);
    buf_init(&tri, 64 << 20);
    buf_init(&arr, 64 << 20);
    int rc = 0;
    int64_t after = 0, cases = 0;
    for (int n = BUILD_PAGE; rc == 0 && n == BUILD_PAGE;) {
        n = read_page(c, after, fresh, cf);
        if (n < 0)
            rc = -1;
        for (int i = 0; i < n; i++) {
            if (rc == 0 && index_case(c, &cf[i], &g, &bi, &tri, &arr) != 0)
                rc = -1;
            for (int k = 0; k < BUILD_FIELDS; k++)
                free(cf[i].f[k]);
            after = cf[i].id;
            cases++;
        }
    }
    if (rc != 0)
        log_error("store: cannot build the search index (%lld cases read): %s", (long long)cases,
                  db_errmsg(c));
    free(g.v);
    buf_release(&bi);
    buf_release(&tri);
    buf_release(&arr);
    return rc;
}

int search_pg_build(struct db_conn *c)
{
    return db_exec(c, "TRUNCATE case_text, case_gram") == 0 ? index_published(c, 0) : -1;
}

int search_pg_add(struct db_conn *c)
{
    return index_published(c, 1);
}

void search_pg_settle(struct db_conn *c)
{
    if (db_exec(c, "VACUUM ANALYZE case_text, case_gram") != 0)
        log_error("store: the search index was not vacuumed: %s", db_errmsg(c));
}

int search_pg_open(struct db_conn *c)
{
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 FROM \"case\" WHERE published_at IS NOT NULL) "
        "AND NOT EXISTS (SELECT 1 FROM case_text)";
    struct db_stmt *s = db_stmt(c, sql);
    int empty = s && db_step(s) == DB_ROW && db_column_int64(s, 0);
    db_reset(s);
    if (!empty)
        return 0;
    if (db_begin(c) != 0)
        return -1;
    if (search_pg_build(c) == 0 && db_commit(c) == 0) {
        log_info("store: the search index was built for the cases");
        search_pg_settle(c);
        return 0;
    }
    db_rollback(c);
    return -1;
}

/* One word of a query, as a reading takes it. */
struct word {
    struct grams g;  /* the grams a hit must have */
    struct buf text; /* what bigram_text or trigram_text must hold */
    int exact;       /* its grams alone make it */
};

/* A word of chars characters as the bigram reading takes it: 0, or -1 when it has no token. */
static int bigram_word(const char *w, size_t n, size_t chars, struct word *out)
{
    search_bigrams(w, (int)n, 1, emit_gram, &out->g);
    /* Each token gave its first character, a bigram itself too: the tokens are the former. */
    size_t ntok, two = 0;
    for (size_t i = 0; i < out->g.n; i++)
        if (out->g.v[i] >= (1 << 21))
            two++;
    ntok = out->g.n - two; /* a token's first character each */
    if (ntok == 0)
        return -1;
    int prefix = chars == 1;
    bigram_runs(w, n, &out->text);
    /* Runs joined by one space; the last space kept after a last run of one character. */
    size_t len = out->text.len, last = len - 1;
    while (last > 0 && out->text.p[last - 1] != ' ')
        last--;
    int one = utf8_count(out->text.p + last, len - 1 - last) == 1;
    if (prefix || !one)
        out->text.p[--out->text.len] = '\0';
    out->exact = ntok == 1 && (prefix || two == 1);
    return 0;
}

/* A word as the trigram reading takes it. */
static void trigram_word(const char *w, size_t n, size_t chars, struct word *out)
{
    trigram_field(w, n, &out->text, &out->g);
    out->exact = chars == 3;
}

/* The statement for the words: their grams looked up, the text where needed. */
static void hits_sql(struct buf *sql, struct word *w, int nw, int trigram, int64_t *gram,
                     int *ngram, int *verify)
{
    *ngram = 0;
    for (int i = 0; i < nw; i++) {
        gram_unique(&w[i].g);
        int all = 1;
        for (size_t k = 0; k < w[i].g.n; k++) {
            int seen = 0;
            for (int j = 0; j < *ngram; j++)
                seen |= gram[j] == w[i].g.v[k];
            if (seen)
                continue;
            if (*ngram < QUERY_GRAMS)
                gram[(*ngram)++] = w[i].g.v[k];
            else
                all = 0;
        }
        verify[i] = !(all && w[i].exact);
    }
    buf_puts(sql, "SELECT g1.case_id FROM case_gram g1 WHERE g1.gram = ?1 ");
    for (int j = 1; j < *ngram; j++)
        buf_printf(sql,
                   "AND EXISTS (SELECT 1 FROM case_gram g WHERE g.gram = ?%d "
                   "AND g.case_id = g1.case_id) ",
                   j + 1);
    /* The text read by a subquery, so only for the rows the grams let by, newest first. */
    int p = *ngram, any = 0;
    for (int i = 0; i < nw; i++)
        if (verify[i])
            buf_printf(sql, "%s strpos(t.%s, ?%d) > 0", any++ ? " AND" : "AND (SELECT",
                       trigram ? "trigram_text" : "bigram_text", ++p);
    if (any)
        buf_puts(sql, " FROM case_text t WHERE t.case_id = g1.case_id) ");
    buf_printf(sql, "ORDER BY g1.case_id DESC LIMIT ?%d", p + 1);
}

size_t search_pg_hits(struct store *st, const char *q, int64_t *ids, size_t cap)
{
    struct word w[SEARCH_MAX_QUERY];
    size_t n = strlen(q), i = 0, sp, shortest = (size_t)-1;
    int nw = 0;
    /* The words, and which reading: as search_compile. */
    size_t starts[SEARCH_MAX_QUERY], ends[SEARCH_MAX_QUERY], chars[SEARCH_MAX_QUERY];
    while (i < n && nw < SEARCH_MAX_QUERY) {
        while (i < n && (sp = search_space_at(q, n, i)) > 0)
            i += sp;
        size_t start = i;
        while (i < n && search_space_at(q, n, i) == 0)
            i++;
        if (i == start)
            continue;
        starts[nw] = start;
        ends[nw] = i;
        chars[nw] = utf8_count(q + start, i - start);
        if (chars[nw] < shortest)
            shortest = chars[nw];
        nw++;
    }
    int trigram = shortest >= 3, kept = 0;
    for (int k = 0; k < nw; k++) {
        struct word *o = &w[kept];
        memset(o, 0, sizeof *o);
        buf_init(&o->text, 4 * SEARCH_MAX_QUERY);
        const char *p = q + starts[k];
        size_t len = ends[k] - starts[k];
        if (trigram) {
            trigram_word(p, len, chars[k], o);
            kept++;
        } else if (bigram_word(p, len, chars[k], o) == 0) {
            kept++;
        } else { /* no token: FTS5 leaves the word out */
            free(o->g.v);
            buf_release(&o->text);
        }
    }
    size_t found = 0;
    if (kept > 0) {
        struct buf sql = BUF_INIT;
        buf_init(&sql, 1 << 16);
        int64_t gram[QUERY_GRAMS];
        int ngram, verify[SEARCH_MAX_QUERY];
        hits_sql(&sql, w, kept, trigram, gram, &ngram, verify);
        struct db_stmt *s = sql.oom ? NULL : db_prepare(store_db(st), sql.p);
        if (s) {
            int p = 0;
            for (int j = 0; j < ngram; j++)
                db_bind_int64(s, ++p, gram[j]);
            for (int k = 0; k < kept; k++)
                if (verify[k])
                    db_bind_text(s, ++p, w[k].text.p, (int)w[k].text.len);
            db_bind_int64(s, ++p, (int64_t)cap);
            while (found < cap && db_step(s) == DB_ROW)
                ids[found++] = db_column_int64(s, 0);
            db_finalize(s);
        }
        buf_release(&sql);
    }
    for (int k = 0; k < kept; k++) {
        free(w[k].g.v);
        buf_release(&w[k].text);
    }
    return found;
}
