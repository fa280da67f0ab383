/*
 * campaign_roles.c — roles per campaign on the organiser's user pages.
 *
 * A reviewer (expert, juror) or recommender acts in the campaigns they are
 * bound to (store/accounts.h, campaign_role); the organiser binds them when
 * inviting, on a person's page (another campaign, or the role taken away
 * for one), or by carrying a pool over when copying a campaign
 * (campaigns.c).  Only running campaigns (neither published nor archived)
 * take new roles.
 */
#include <stdio.h>
#include <string.h>

#include "core/jstr.h"
#include "store/accounts.h"
#include "store/campaign.h"
#include "store/campaigns.h"
#include "web/campaign_roles.h"
#include "web/campaigns.h"
#include "web/user_admin.h"

/* 1 if campaign id exists and is still running. */
static int running(int64_t id)
{
    char status[16];
    return id > 0 && store_campaign_status(web.store, id, status) == RC_OK &&
           strcmp(status, "published") != 0 && strcmp(status, "archived") != 0;
}

int64_t campaign_roles_field(struct web_act *x)
{
    int64_t id = web_int(x, "campaign");
    if (!id)
        id = campaigns_chosen_req(x->r);
    return running(id) ? id : 0;
}

/* The running campaigns, the chosen one selected. */
static json_t *campaign_choices(int64_t chosen)
{
    json_t *all = store_campaigns(web.store);
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c)
    {
        int64_t id = json_integer_value(json_object_get(c, "id"));
        if (running(id))
            json_array_append_new(out, json_pack("{s:I,s:s,s:b}", "id", (json_int_t)id, "name",
                                                 jstr(c, "name"), "selected", id == chosen));
    }
    json_decref(all);
    return out;
}

void campaign_roles_users_model(struct req *r, json_t *m)
{
    const struct query *typed = r->method == HTTP_POST ? web_form(r) : NULL;
    int64_t chosen = typed ? web_path_id(query_get(typed, "campaign")) : 0;
    if (!chosen)
        chosen = campaigns_chosen_req(r);
    json_object_set_new(m, "campaigns", campaign_choices(chosen));
}

/* The person the path names, or RC_NOTFOUND. */
static enum result person_of(struct req *r, struct store_user *u)
{
    int64_t id = r->nparams >= 1 ? web_path_id(r->params[0]) : 0;
    return id > 0 && store_user_by_id(web.store, id, u) == RC_OK ? RC_OK : RC_NOTFOUND;
}

enum web_err page_user_roles(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct store_user u;
    if (person_of(r, &u) != RC_OK)
        return WEB_NOT_FOUND;
    json_t *held = store_campaign_roles_of(web.store, u.id);
    json_t *regions = store_region_units(web.store);
    if (!held || !regions) {
        json_decref(held);
        json_decref(regions);
        return WEB_UNAVAILABLE;
    }
    size_t i;
    json_t *h;
    json_array_foreach(held, i, h)
    {
        char key[48];
        snprintf(key, sizeof key, "users_role_%s", jstr(h, "role"));
        json_object_set_new(h, "role_label", json_string(i18n_get(r->lang, key)));
        json_object_set_new(h, "drop_href", json_sprintf("/admin/users/%lld/roles/drop",
                                                         (long long)u.id));
        json_object_set_new(h, "running", json_boolean(running(
                                              json_integer_value(json_object_get(h, "campaign_id")))));
    }
    json_array_foreach(regions, i, h) json_object_del(h, "units");
    json_t *global = json_array();
    for (unsigned bit = ROLE_ORGANISER; bit <= ROLE_REVIEWER; bit <<= 1) {
        if (!(u.roles & bit))
            continue;
        char key[48];
        snprintf(key, sizeof key, "users_role_%s", store_role_name(bit));
        json_array_append_new(global, json_string(i18n_get(r->lang, key)));
    }
    p->model = json_pack("{s:I,s:s,s:s,s:o,s:o,s:b,s:o,s:o}", "id", (json_int_t)u.id, "name",
                         u.name, "email", u.email, "roles", global, "held", held, "none",
                         json_array_size(held) == 0, "regions", regions, "campaigns",
                         campaign_choices(campaigns_chosen_req(r)));
    if (query_get(&r->query, "done"))
        p->notice = "campaign_roles_done";
    user_admin_model(r, &u, p->model);
    p->template = "user_roles";
    p->title = arena_printf(&r->arena, "%s · %s", i18n_get(r->lang, "campaign_roles_title"),
                            u.name);
    return WEB_OK;
}

/* A role in one campaign, given or taken away. */
struct role_job {
    int64_t user_id, campaign;
    unsigned role;
    const char *region;
    char next[64];
};

static const char *const bound_roles[] = {"reviewer", "recommender", NULL};

static enum result role_load(struct web_act *x)
{
    struct role_job *j = x->state;
    struct store_user u;
    if (person_of(x->r, &u) != RC_OK)
        return RC_NOTFOUND;
    j->user_id = u.id;
    j->role = store_role_parse(web_text(x, "role"));
    snprintf(j->next, sizeof j->next, "/admin/users/%lld?done=1", (long long)u.id);
    x->next = j->next;
    return RC_OK;
}

/* A running campaign, and a region for a recommender. */
static enum result grant_check(struct web_act *x)
{
    struct role_job *j = x->state;
    j->campaign = campaign_roles_field(x);
    if (!j->campaign)
        return web_refuse_field(x, "campaign", "campaign_roles_bad_campaign");
    if (j->role == ROLE_RECOMMENDER) {
        j->region = web_text(x, "region");
        json_t *regions = store_region_units(web.store);
        int ok = 0;
        size_t i;
        json_t *g;
        json_array_foreach(regions, i, g) ok |= j->region && strcmp(jstr(g, "code"), j->region) == 0;
        json_decref(regions);
        if (!ok)
            return web_refuse_field(x, "region", "users_bad_region");
    }
    return RC_OK;
}

static int grant_write(struct store_tx *tx, void *arg)
{
    struct role_job *j = arg;
    return tx_user_role(tx, j->user_id, j->role, j->region, 0, j->campaign);
}

static const struct web_field grant_fields[] = {
    {"role", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, bound_roles, "users_bad_role"},
    {"campaign", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "campaign_roles_bad_campaign"},
    {"region", WEB_F_TEXT, 0, 0, 6, NULL, "users_bad_region"},
    {NULL},
};

const struct web_action act_user_role_grant = {
    .fields = grant_fields,
    .state_size = sizeof(struct role_job),
    .load = role_load,
    .check = grant_check,
    .write = grant_write,
    .page = page_user_roles,
};

static enum result drop_check(struct web_act *x)
{
    struct role_job *j = x->state;
    j->campaign = web_int(x, "campaign");
    return RC_OK;
}

static int drop_write(struct store_tx *tx, void *arg)
{
    struct role_job *j = arg;
    return tx_campaign_role_drop(tx, j->campaign, j->user_id, j->role);
}

static const struct web_field drop_fields[] = {
    {"role", WEB_F_CHOICE, WEB_F_REQUIRED, 0, 0, bound_roles, "users_bad_role"},
    {"campaign", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "campaign_roles_bad_campaign"},
    {NULL},
};

const struct web_action act_user_role_drop = {
    .fields = drop_fields,
    .state_size = sizeof(struct role_job),
    .load = role_load,
    .check = drop_check,
    .write = drop_write,
    .page = page_user_roles,
    .refusals = (const struct web_refusal[]){{RC_NOTFOUND, 409, "campaign_roles_not_held", NULL},
                                             {RC_OK}},
};
