/*
 * search.h — turning what a visitor typed into an FTS5 query.
 *
 * Cases are indexed twice: by FTS5's trigram tokenizer (case_fts), which
 * finds any substring of three characters or more, and by Laurel's own
 * bigram tokenizer (case_short), which also finds the one- and two-character
 * words that Chinese readers search for most (社区, 党建, 物业).  Each word
 * of the query becomes a quoted phrase; the words are ANDed.
 */
#ifndef LAUREL_SEARCH_H
#define LAUREL_SEARCH_H

#include "core/buf.h"

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

/* 1 if q holds nothing searchable: only white space (U+3000 included) and punctuation. */
int search_blank(const char *q);

#endif
