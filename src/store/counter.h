/*
 * counter.h — page-view counters summed in memory.
 *
 * A counter set maps dense ids (1..2^24) to a running total and a delta not
 * yet written to the database.  Hits are lock-free atomic adds on the
 * serving threads; the writer drains the deltas once a second (and at
 * shutdown) inside its transaction.  Entries live in chunks allocated on
 * first use, so ids may grow while readers run.  An id that was never
 * registered is unknown: a hit on it counts nothing and returns -1.
 */
#ifndef LAUREL_COUNTER_H
#define LAUREL_COUNTER_H

#include <stdint.h>

#define COUNTER_MAX_ID ((int64_t)1 << 24)

struct counter;

struct counter *counter_new(void);
void counter_free(struct counter *c);
/* Make id known with a starting total (from the database).  0, or -1 for a bad id / no memory. */
int counter_register(struct counter *c, int64_t id, int64_t total);
/* Count one view; returns the new total, or -1 if id is unknown. */
int64_t counter_hit(struct counter *c, int64_t id);
/* The current total, or -1. */
int64_t counter_total(const struct counter *c, int64_t id);
/*
 * Take every pending delta (resetting it to zero) and pass it to fn; stops
 * early, restoring the delta in hand, if fn returns non-zero.  Returns the
 * number of ids drained.
 */
int64_t counter_drain(struct counter *c, int (*fn)(void *ctx, int64_t id, int64_t delta),
                      void *ctx);
/* Put a delta back (a flush that failed). */
void counter_restore(struct counter *c, int64_t id, int64_t delta);

#endif
