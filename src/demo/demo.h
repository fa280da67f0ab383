/*
 * demo.h — the demo: what `laurel demo` and the tests ask of it.
 *
 * demo_load() fills an empty database with three campaigns made up from a
 * seed: the finished 2019 call (generate.c, its words in words.c) with its
 * cases published; the next edition open for submissions, with one account
 * per role; and the 2020 edition in the middle of its review (edition.c,
 * written by load_edition.c).  It goes through the store's bulk-load
 * session (store/bulk.h); the store knows nothing of the demo.
 *
 * Layering: the demo sits above the store and the domain (it includes
 * store/, domain/ and core/ headers); nothing below it includes a demo
 * header.  Everything else in src/demo/ is the demo's own business, seen
 * only by the demo and its unit tests.
 */
#ifndef LAUREL_DEMO_H
#define LAUREL_DEMO_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* The password of the demo accounts (one per role, and the experts), which `make run` prints. */
#define DEMO_PASSWORD "laurel-demo-2019"

/* The finished campaign's number of cases (--cases). */
#define DEMO_MIN_CASES 200
#define DEMO_MAX_CASES 1000000

/* The 2020 edition in review: cases, of which rejected at screening, and experts. */
#define DEMO_ED_CASES 1200
#define DEMO_ED_REJECTED 48
#define DEMO_ED_EXPERTS 200

/*
 * Fill the empty database of st (just opened with store_open, nothing else
 * using it) with the demo made from (seed, ncases).  0, or -1 with err set;
 * on failure the database is half-written and is to be removed.
 */
int demo_load(struct store *st, uint64_t seed, int ncases, char *err, size_t errlen);

/*
 * The public pages the demo keeps rendered (store/prerender.h), rendered by
 * the caller's renderer inside the load, before its end: the results page
 * and every published case's pages.  0, or -1.
 */
typedef int (*demo_pages_fn)(struct store *st);

/*
 * demo_load, with the pages rendered by pages() before the load ends.
 * pages NULL renders none (the pages then wait for a renderer, as
 * demo_load leaves them).
 */
int demo_load_pages(struct store *st, uint64_t seed, int ncases, demo_pages_fn pages, char *err,
                    size_t errlen);

#endif
