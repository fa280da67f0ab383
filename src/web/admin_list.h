/*
 * admin_list.h — what the organiser's long lists share (admin_list.c): the
 * users, the screening queue, a review stage's ranking and its assignments
 * are shown ADMIN_LIST_PER_PAGE rows a page, with the public lists' pager
 * (templates/pager.html), a search box (?q=, read into web_input.q) and
 * filters of their own kept in every page link.
 *
 * A page beyond the last answers 404 (WEB_PAGE_RANGE), as the public case
 * list does; the first page of an empty list is a page.  A filter whose
 * value is none of its choices answers 400 (WEB_BAD_PARAM).
 */
#ifndef LAUREL_WEB_ADMIN_LIST_H
#define LAUREL_WEB_ADMIN_LIST_H

#include <stddef.h>

#include "web/web.h"

#define ADMIN_LIST_PER_PAGE 50

/* A filter as it goes into the list's links: value NULL or empty is left out. */
struct admin_filter {
    const char *key, *value;
};

/* The number of pages of a list of total rows: at least 1. */
int admin_list_pages(int total);

/* The first row of page (1-based) in the list. */
int admin_list_offset(int page);

/*
 * The pager of page of a list of total rows at base (a path), its links
 * keeping the n filters f and q: {page, pages, total, show, prev_url,
 * next_url, numbers:[{n, url, current}]}; a new reference.  NULL when page
 * is beyond the last: the caller answers WEB_PAGE_RANGE.
 */
json_t *admin_list_pager(struct req *r, const char *base, const struct admin_filter *f, size_t n,
                         int page, int total);

/*
 * The value of query parameter key if it is one of choices (NULL-ended);
 * "" when absent or empty; NULL when it is something else (answer 400).
 */
const char *admin_list_choice(struct req *r, const char *key, const char *const *choices);

/* The case or user id a search box names ("123" or "#123"), or 0. */
int64_t admin_list_q_id(const char *q);

/*
 * 1 if the search box q matches a row: q names its id, or is found in one
 * of the n words (a NULL word is none; ASCII letters compared without
 * case).  A NULL q matches every row.
 */
int admin_list_match(const char *q, int64_t id, const char *const *words, size_t n);

#endif
