/*
 * finish2019.h — the demo's 2019 campaign taken from its cases to its
 * published results through the real pipeline (finish2019.c).
 */
#ifndef LAUREL_DEMO_FINISH2019_H
#define LAUREL_DEMO_FINISH2019_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* A case's hidden merit (generate.h's demo_case.merit). */
enum { FINISH_MERIT_NONE, FINISH_MERIT_EXCELLENT, FINISH_MERIT_BEST };

/*
 * Run the 2019 campaign `campaign_id` (cases 1..ncases, merit[id] each)
 * through its stages after demo_load's other writes: 0, or -1 with err set.
 */
int demo_finish2019(struct store *st, uint64_t seed, int64_t campaign_id,
                    const unsigned char *merit, int ncases, char *err, size_t errlen);

#endif
