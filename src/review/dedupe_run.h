/*
 * dedupe_run.h — the near-duplicate scan over the store: the texts of a
 * campaign's cases through domain/dedupe, the pairs found, the similarity
 * of two cases side by side, and the command `laurel dedupe`.
 *
 * A scan blocks (it reads every case's text): call it from the worker pool
 * (web_work) or a command, never on a server thread.
 */
#ifndef LAUREL_DEDUPE_RUN_H
#define LAUREL_DEDUPE_RUN_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define DEDUPE_RUN_DEFAULT 0.5 /* the similarity threshold when none is given */

/* The threshold written v (0.05..1), DEDUPE_RUN_DEFAULT when v is NULL or empty; -1 if bad. */
double dedupe_run_threshold(const char *v);

/*
 * The near-duplicate pairs of a campaign, most similar first, at most max:
 * [{a, b, title_a, title_b, similarity}], or NULL on failure.  *ncases set
 * to the cases scanned, *npairs to the pairs found.
 */
json_t *dedupe_run_pairs(struct store *st, int64_t campaign_id, double threshold, int max,
                         int *ncases, int *npairs);

/*
 * The similarity the scan gives two cases (as store_ranking_case_text
 * returns them: title and sections), or -1 if out of memory.
 */
double dedupe_run_similarity(json_t *a, json_t *b);

/* `laurel dedupe [--threshold T] [--data DIR]`: argv as main received it; the exit status. */
int dedupe_run_main(int argc, char **argv);

#endif
