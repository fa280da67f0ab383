/*
 * search.h — the public search's index, one per database: what a visitor
 * typed turned into the newest hits of the index (search_hits_fn).
 *
 * On SQLite cases are indexed twice (search.c): by FTS5's trigram
 * tokenizer (case_fts: title, unit, tags, body), which finds any substring
 * of three characters or more, and by Laurel's own bigram tokenizer
 * (case_short: title, unit, tags, summary; search_tok.c), which also finds
 * the one- and two-character words that Chinese readers search for most
 * (社区, 党建, 物业).  Each word of the query becomes a quoted phrase; the
 * words are ANDed; a query whose words all have three characters or more
 * is the trigram index's, any other the bigram index's.
 *
 * On PostgreSQL (search_pg.c) the same two readings of each case are kept
 * as a table of grams (case_gram: the bigram tokenizer's tokens, the
 * trigrams) with a btree on (gram, case_id), and the folded text they were
 * made from (case_text), so that a query finds the same cases in the same
 * order: the grams give the candidates newest first, the text confirms a
 * phrase where its grams alone do not.
 */
#ifndef LAUREL_SEARCH_H
#define LAUREL_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct db_conn;
struct store;
struct store_tx;

enum search_index { SEARCH_NONE, SEARCH_TRIGRAM, SEARCH_BIGRAM };

/*
 * A search lists at most the SEARCH_CAP newest hits of the index, so that
 * its cost is bounded whatever the query; beyond, the total is estimated.
 */
#define SEARCH_CAP 1000

/* Longest query accepted, in bytes. */
#define SEARCH_MAX_QUERY 256

/*
 * Write the MATCH expression for the valid UTF-8 query q into out and say
 * which index answers it: SEARCH_TRIGRAM when every word has three
 * characters or more, else SEARCH_BIGRAM; SEARCH_NONE when q has no word.
 */
enum search_index search_compile(const char *q, struct buf *out);

/*
 * The newest hits (case ids, newest first) of the search index for the
 * valid UTF-8 query q, at most cap of them, into ids: how many (0 when q
 * has no word or on error, logged).  Any case is a hit, published or not;
 * the caller filters.  search_fts_hits on SQLite, search_pg_hits on
 * PostgreSQL.
 */
typedef size_t (*search_hits_fn)(struct store *st, const char *q, int64_t *ids, size_t cap);
size_t search_fts_hits(struct store *st, const char *q, int64_t *ids, size_t cap);
size_t search_pg_hits(struct store *st, const char *q, int64_t *ids, size_t cap);

/*
 * PostgreSQL: case_text and case_gram made again from every published
 * case, inside the caller's transaction on c: 0, or -1 (logged).  laurel
 * migrate-db runs it after its copy; store_over when the cases have no
 * index yet.
 */
int search_pg_build(struct db_conn *c);
/*
 * After the transaction that built it, outside any: the index vacuumed
 * and analysed, so that its scans read the btree alone (its pages marked
 * all-visible) and the planner knows its grams.  A failure is logged.
 */
void search_pg_settle(struct db_conn *c);
/* PostgreSQL: the published cases not indexed yet, indexed, in the caller's transaction. */
int search_pg_add(struct db_conn *c);
/* SQLite: the same, into both FTS5 indexes. */
int search_fts_add(struct db_conn *c);
/*
 * The published cases that the index of tx's database does not hold yet,
 * added inside the write: what a publication (the 公示's close) makes
 * findable.  Inside a bulk load whose indexes are built aside, nothing:
 * the load's end puts in indexes of every case (bulk_search.c).  0, or -1
 * (logged).
 */
int search_index_new(struct store_tx *tx);
/* search_pg_build in a transaction of its own when c has cases and no index: 0, or -1. */
int search_pg_open(struct db_conn *c);

/* 1 if c is a separator to the bigram tokenizer: white space and punctuation (ASCII and CJK). */
int search_separator(int32_t c);
/* Length of the word separator of a query at q[i] (space, tab, U+3000), or 0. */
size_t search_space_at(const char *q, size_t n, size_t i);
/*
 * The bigram tokenizer over n bytes of text (search_tok.c): each token
 * given to emit as FTS5 gives it (ctx, 0, token, bytes, start, end); in
 * query mode (query non-zero) as for a query's word.  The first non-zero
 * answer of emit ends it and is returned; 0 when all were taken.
 */
typedef int (*search_emit_fn)(void *ctx, int flags, const char *token, int n, int start, int end);
int search_bigrams(const char *text, int n, int query, search_emit_fn emit, void *ctx);

/* 1 if q holds nothing searchable: only white space (U+3000 included) and punctuation. */
int search_blank(const char *q);

#endif
