/*
 * votes.h — the demo's exhibition vote (votes.c): opened for voting now,
 * its votes cast through the store's vote path with planted fraud, and the
 * fraud rules run once.
 */
#ifndef LAUREL_DEMO_VOTES_H
#define LAUREL_DEMO_VOTES_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* After demo_load's writes: 0, or -1 with err set. */
int demo_votes(struct store *st, uint64_t seed, char *err, size_t errlen);

#endif
