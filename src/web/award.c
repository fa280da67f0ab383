/*
 * award.c — the award tiers of a campaign, from its final ballot.
 *
 * Once the ballot's result stands, the organiser asks for a proposal: the
 * elected cases in the ballot's order fill the first tier up to its quota,
 * then the next, a region past a tier's cap going one tier down
 * (store/award.h).  The page says why each case is where it is; the
 * organiser may move a case to another tier or out of the awards, and may
 * change a tier's quota and region cap; each change is checked against the
 * quotas and caps in the transaction that makes it, so nothing beyond a
 * quota is ever saved, whatever else is changed at the same moment.
 */
#include <stdio.h>
#include <string.h>

#include "store/award.h"
#include "store/ballot.h"
#include "store/notice.h"
#include "web/award.h"
#include "web/stages.h"

static struct ballot_stage *stage_of(struct req *r, const char *param)
{
    int64_t id = web_path_id(param);
    struct ballot_stage *b = arena_alloc(&r->arena, sizeof *b);
    if (!id || !b || store_ballot_stage(web.store, id, b) != RC_OK)
        return NULL;
    return b;
}

/* The proposal may change: the ballot's result stands, and it is not published for notice. */
static int editable(const struct ballot_stage *b)
{
    if (!b->final || b->base.campaign_id != store_review_campaign_id(web.store))
        return 0;
    json_t *n = store_notice(web.store, b->base.id);
    json_decref(n);
    return n == NULL;
}

/* Why a case is where it is, as the template words it: why_order, why_cap (with cap), ... */
static void explain(json_t *row, json_t *tiers)
{
    const char *why = json_string_value(json_object_get(row, "why"));
    const char *capped = json_string_value(json_object_get(row, "capped_name"));
    json_object_set_new(row, "why_none", json_boolean(!why || !*why));
    json_object_set_new(row, "why_manual", json_boolean(why && !strcmp(why, "manual")));
    json_object_set_new(row, "why_order", json_boolean(why && !strcmp(why, "in_order")));
    json_object_set_new(row, "why_cap", json_boolean(why && !strcmp(why, "region_cap")));
    size_t i;
    json_t *t;
    json_array_foreach(tiers, i, t)
    {
        if (capped && strcmp(json_string_value(json_object_get(t, "name")), capped) == 0)
            json_object_set(row, "cap", json_object_get(t, "region_cap"));
    }
}

enum web_err page_award_tiers(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct ballot_stage *b = stage_of(r, r->params[0]);
    if (!b)
        return WEB_NOT_FOUND;
    json_t *tiers = store_award_tiers(web.store, b->base.campaign_id);
    json_t *rows = store_award_rows(web.store, b->base.id);
    if (!tiers || !rows) {
        json_decref(tiers);
        json_decref(rows);
        return WEB_INTERNAL;
    }
    int can = editable(b), awarded = 0;
    size_t i, k;
    json_t *row, *t;
    json_array_foreach(rows, i, row)
    {
        explain(row, tiers);
        json_int_t at = json_integer_value(json_object_get(row, "tier_id"));
        awarded += at != 0;
        json_t *opts = json_array();
        json_array_foreach(tiers, k, t)
        {
            json_int_t id = json_integer_value(json_object_get(t, "id"));
            json_array_append_new(opts, json_pack("{s:I,s:O,s:b}", "id", id, "name",
                                                  json_object_get(t, "name"), "selected",
                                                  id == at));
        }
        json_object_set_new(row, "options", opts);
        json_object_set_new(row, "none", json_boolean(at == 0));
    }
    json_array_foreach(tiers, i, t)
    {
        json_int_t n = json_integer_value(json_object_get(t, "awarded"));
        json_int_t q = json_integer_value(json_object_get(t, "quota"));
        json_object_set_new(t, "full", json_boolean(n >= q));
    }
    json_t *m = json_object();
    json_object_set_new(m, "stage", stages_stage_json(r, &b->base, -1));
    json_object_set_new(m, "tiers", tiers);
    json_object_set_new(m, "rows", rows);
    json_object_set_new(m, "elected", json_integer((json_int_t)json_array_size(rows)));
    json_object_set_new(m, "awarded", json_integer(awarded));
    json_object_set_new(m, "final", json_boolean(b->final));
    json_object_set_new(m, "can_edit", json_boolean(can));
    json_object_set_new(m, "has_rows", json_boolean(json_array_size(rows) > 0));
    const char *done = query_get(&r->query, "done");
    if (done && (!strcmp(done, "propose") || !strcmp(done, "tier") || !strcmp(done, "set")))
        p->notice = arena_printf(&r->arena, "award_done_%s", done);
    p->model = m;
    p->template = "award_tiers";
    p->title = arena_printf(&r->arena, "%s · %s", b->base.name, i18n_get(r->lang, "award_title"));
    return WEB_OK;
}

/* ------------------------------------------------------------ actions */

struct award_job {
    int64_t stage_id, campaign_id, tier_id, case_id;
    int quota, region_cap, placed;
    enum award_refusal why;
};

static enum result award_load(struct web_act *x)
{
    struct award_job *j = x->state;
    struct ballot_stage *b = stage_of(x->r, x->r->params[0]);
    if (!b)
        return RC_NOTFOUND;
    j->stage_id = b->base.id;
    j->campaign_id = b->base.campaign_id;
    if (!editable(b)) {
        x->error = "award_err_not_final";
        return RC_STATE;
    }
    const char *done = "propose";
    if (x->a == &act_award_tier) {
        if (!(j->tier_id = web_path_id(x->r->params[1])))
            return RC_NOTFOUND;
        j->quota = (int)web_int(x, "quota");
        j->region_cap = (int)web_int(x, "region_cap");
        done = "tier";
    } else if (x->a == &act_award_set) {
        j->case_id = web_int(x, "case_id");
        j->tier_id = web_int(x, "tier_id");
        done = "set";
    }
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/tiers?done=%s",
                           (long long)b->base.id, done);
    return RC_OK;
}

static int propose_write(struct store_tx *tx, void *arg)
{
    struct award_job *j = arg;
    return tx_award_propose(tx, j->stage_id, &j->placed);
}

static int tier_write(struct store_tx *tx, void *arg)
{
    struct award_job *j = arg;
    return tx_award_tier(tx, j->campaign_id, j->tier_id, j->quota, j->region_cap);
}

static int set_write(struct store_tx *tx, void *arg)
{
    struct award_job *j = arg;
    return tx_award_set(tx, j->stage_id, j->case_id, j->tier_id, &j->why);
}

/* A full tier and a region at its cap say so apart. */
static enum result set_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct award_job *j = x->state;
    if (rc == RC_QUOTA) {
        x->status = 409;
        x->error = j->why == AWARD_CAP ? "award_err_cap" : "award_err_quota";
    } else if (rc == RC_NOTFOUND) {
        x->status = 422;
        x->error = "award_err_case";
    } else if (rc == RC_STATE) {
        x->error = "award_err_not_final";
    }
    return rc;
}

static const struct web_field tier_fields[] = {
    {"quota", WEB_F_INT, WEB_F_REQUIRED, 0, 100000, NULL, "award_bad_quota"},
    {"region_cap", WEB_F_INT, WEB_F_REQUIRED, 0, 100000, NULL, "award_bad_cap"},
    {NULL},
};
static const struct web_field set_fields[] = {
    {"case_id", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "award_err_case"},
    {"tier_id", WEB_F_INT, WEB_F_REQUIRED, 0, 1e15, NULL, "award_err_case"},
    {NULL},
};
static const struct web_refusal propose_refusals[] = {
    {RC_STATE, 409, "award_err_not_final", NULL},
    {RC_OK},
};
static const struct web_refusal tier_refusals[] = {
    {RC_STATE, 409, "award_err_not_final", NULL},
    {RC_QUOTA, 409, "award_err_below", NULL},
    {RC_NOTFOUND, 404, "err_not_found", NULL},
    {RC_OK},
};

const struct web_action act_award_propose = {
    .state_size = sizeof(struct award_job), .load = award_load, .write = propose_write,
    .page = page_award_tiers, .refusals = propose_refusals,
};
const struct web_action act_award_tier = {
    .fields = tier_fields, .state_size = sizeof(struct award_job), .load = award_load,
    .write = tier_write, .page = page_award_tiers, .refusals = tier_refusals,
};
const struct web_action act_award_set = {
    .fields = set_fields, .state_size = sizeof(struct award_job), .load = award_load,
    .write = set_write, .then = set_then, .page = page_award_tiers,
};
