/*
 * submit.h — the submitting unit's pages and actions (submit.c), the
 * streamed attachment upload (upload.c) and the download of a stored file
 * (files.c), for the route table in routes.c; and what submit.c shares with
 * upload.c: finding the signed-in unit's own case and the deadline rules.
 */
#ifndef LAUREL_SUBMIT_H
#define LAUREL_SUBMIT_H

#include <jansson.h>

#include "web/web.h"

/* Pages (submit.c): the unit's list, the edit form, the preview, the status path. */
enum web_err page_submit_list(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_submit_edit(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_submit_preview(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_submit_status(struct req *r, const struct web_input *in, struct page *p);

/*
 * Actions (submit.c): a new draft; save, submit or withdraw a case (the
 * form's `action`); remove an attachment.  Upload an attachment (upload.c):
 * multipart/form-data streamed to a temporary file by the action's begin.
 */
extern const struct web_action act_submit_new, act_submit_case, act_submit_attachment_delete;
extern const struct web_action act_submit_upload;

/* GET /files/{sha256}: an attachment's bytes, as a download (files.c). */
void raw_file(struct req *r, struct resp *w);

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

#endif
