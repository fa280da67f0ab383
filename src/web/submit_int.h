/*
 * submit_int.h — what the submission pages (submit.c) share with the
 * upload handler (upload.c): finding the signed-in unit's own case, the
 * deadline rules, and re-showing the edit page with a message.
 */
#ifndef LAUREL_SUBMIT_INT_H
#define LAUREL_SUBMIT_INT_H

#include <jansson.h>

#include "web/web.h"

/*
 * The case named by the route's first capture, if it belongs to the
 * signed-in submitter's unit and to the current campaign; else NULL (the
 * caller answers 404, never 403, so ids of others are not revealed).  A new
 * reference (store_submission's model).
 */
json_t *submit_own_case(struct req *r);

/*
 * Why the submitter may not change case c now, as a message key — its
 * status is not editable, or its window (the campaign's closes_at, or the
 * case's correction_due in correction) is over — or NULL if it may.
 */
const char *submit_edit_block(json_t *c);

/* Why a submitter action from status `status` is outside its time window, or NULL. */
const char *submit_window(json_t *c, int status);

/* An error page with the message of `key` at `status` (JSON: {"error":{status,message}}). */
void submit_fail(struct req *r, struct resp *w, int status, const char *key);

/* Re-show the edit page of c (borrowed) at status with the upload message `key`. */
void submit_render_edit(struct req *r, struct resp *w, int status, json_t *c,
                        const char *upload_error_key);

#endif
