/*
 * load_edition.h — loading the demo's later edition, in review.
 *
 * demo_load_edition() writes what edition.c makes up — the 2020 campaign in
 * status 'review', its cases screened, 200 experts, the first round done,
 * the exhibition's votes and the second round under way — into a database
 * that already holds the 2019 demo and its accounts (it is the last write
 * of demo_load, load.c).  One job of the writer thread: one transaction.
 */
#ifndef LAUREL_DEMO_LOAD_EDITION_H
#define LAUREL_DEMO_LOAD_EDITION_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * Build the edition for the demo made from (seed, ncases); the experts'
 * password hash is `hash` (DEMO_PASSWORD, hashed once by the caller).
 * Returns 0, or -1 with err set.
 */
int demo_load_edition(struct store *st, uint64_t seed, int ncases, const char *hash, char *err,
                      size_t errlen);

#endif
