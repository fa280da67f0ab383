/*
 * correction.c — corrections (更正) after publication.
 *
 * Once the notice is closed the list is frozen (the proposal's own actions
 * answer 409); the organiser corrects it from the notice's page: one
 * awarded case withdrawn, or moved to another tier within its quota and
 * region cap, with a written reason.  Each correction is dated and shown
 * on the results page, the case's page, its region's page and the check of
 * its certificate (store/correction.h).  The same write issues a new
 * signed results statement of the corrected list, as closing the notice
 * issued the first.
 */
#include <string.h>

#include "store/ballot.h"
#include "store/correction.h"
#include "web/correction.h"
#include "web/notice.h"

#define CORRECTION_REASON_MAX 2000

struct correction_job {
    int64_t stage_id, case_id, tier_id;
    const char *reason;
};

static enum result correction_load(struct web_act *x)
{
    struct correction_job *j = x->state;
    struct ballot_stage b;
    j->stage_id = web_path_id(x->r->params[0]);
    if (!j->stage_id || store_ballot_stage(web.store, j->stage_id, &b) != RC_OK)
        return RC_NOTFOUND;
    j->case_id = web_int(x, "case_id");
    j->tier_id = web_int(x, "tier_id");
    j->reason = web_text(x, "reason");
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/notice?done=correction",
                           (long long)j->stage_id);
    return RC_OK;
}

static int correction_write(struct store_tx *tx, void *arg)
{
    struct correction_job *j = arg;
    return tx_correction_make(tx, j->stage_id, j->case_id, j->tier_id, j->reason);
}

static const struct web_field correction_fields[] = {
    {"case_id", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "correction_bad_case"},
    {"tier_id", WEB_F_INT, WEB_F_REQUIRED, 0, 1e15, NULL, "correction_bad_tier"},
    {"reason", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_MULTILINE, 0, CORRECTION_REASON_MAX, NULL,
     "correction_bad_reason"},
    {NULL},
};
static const struct web_refusal correction_refusals[] = {
    {RC_STATE, 409, "correction_err_state", NULL},
    {RC_NOTFOUND, 422, "correction_bad_case", NULL},
    {RC_INVALID, 422, "correction_err_same", NULL},
    {RC_QUOTA, 409, "award_err_quota", NULL},
    {RC_OK},
};

const struct web_action act_correction_make = {
    .fields = correction_fields, .state_size = sizeof(struct correction_job),
    .load = correction_load, .write = correction_write, .page = page_notice_admin,
    .refusals = correction_refusals,
};

json_t *correction_public(int64_t case_id, const char *region)
{
    int64_t campaign = store_public_campaign(web.store);
    json_t *a = campaign ? store_corrections(web.store, campaign, case_id, region) : NULL;
    return a ? a : json_array();
}

void correction_put(json_t *model, int64_t case_id, const char *region)
{
    json_t *a = correction_public(case_id, region);
    json_object_set_new(model, "has_corrections", json_boolean(json_array_size(a) > 0));
    json_object_set_new(model, "corrections", a);
}
