/*
 * intake_remind.h — the cases of a campaign whose units still have
 * something to do before a deadline: drafts and returned cases before the
 * call closes, cases sent back for correction before their due date.
 */
#ifndef LAUREL_INTAKE_REMIND_H
#define LAUREL_INTAKE_REMIND_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* At most this many cases are reminded at once. */
#define INTAKE_REMIND_MAX 20000

/* [{id, title, status, due}] (due: the correction's, or ""), by id; NULL on error. */
json_t *store_intake_unfinished(struct store *st, int64_t campaign_id);

#endif
