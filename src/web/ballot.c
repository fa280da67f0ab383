/*
 * ballot.c — the final ballot (终评) on the web.
 *
 * The organiser forms the stage's jury from the reviewer pool, sets the
 * number of places and the quorum, opens a sitting, ticks who is present
 * and starts the voting; each present juror then saves and changes a
 * ballot of the candidates (the cases advanced from the stage before, with
 * that stage's score, rank and number of reviews; without region and unit
 * when the stage is blind) until they cast it.  Casting answers once with a
 * random receipt, the only key to what was cast; anyone holding it can see
 * on /ballot-receipt that the ballot was counted as cast.  The organiser
 * tallies once every present juror has cast (store/ballot.h says the rule),
 * and opens the runoff the tally proposes when the last places are tied.
 *
 * Secrecy: no page or JSON here shows a juror's choice to anyone but that
 * juror before casting, and nothing after: the juror's own page then says
 * only that the ballot was cast.
 */
#include <stdio.h>
#include <string.h>

#include "domain/auth.h"
#include "store/accounts.h"
#include "store/ballot.h"
#include "web/ballot.h"
#include "web/stages.h"

#define BALLOT_MAX_PLACES 10000
#define BALLOT_MAX_QUORUM 1000

/* ------------------------------------------------------------ loading */

static struct ballot_stage *stage_of(struct req *r, const char *param)
{
    int64_t id = web_path_id(param);
    struct ballot_stage *b = arena_alloc(&r->arena, sizeof *b);
    if (!id || !b || store_ballot_stage(web.store, id, b) != RC_OK)
        return NULL;
    return b;
}

static int under_review(const struct ballot_stage *b)
{
    return b->base.campaign_id == store_review_campaign_id(web.store);
}

static int before_voting(const struct ballot_stage *b)
{
    return b->sitting_id == 0 || (b->round == 1 && b->sitting_state == SITTING_OPEN);
}

static const char *sitting_key(const struct ballot_stage *b)
{
    if (b->final)
        return "ballot_sitting_final";
    if (b->runoff_proposed)
        return "ballot_sitting_runoff";
    switch (b->sitting_state) {
    case SITTING_OPEN:
        return "ballot_sitting_open";
    case SITTING_VOTING:
        return "ballot_sitting_voting";
    case SITTING_TALLIED:
        return "ballot_sitting_tallied";
    default:
        return "ballot_sitting_none";
    }
}

/* The stage as the organiser's ballot pages show it. */
static json_t *stage_model(struct req *r, const struct ballot_stage *b)
{
    json_t *m = stages_stage_json(r, &b->base, -1);
    int on = under_review(b);
    json_object_set_new(m, "places", json_integer(b->places));
    json_object_set_new(m, "jury_quorum", json_integer(b->quorum));
    json_object_set_new(m, "pool", json_integer(b->pool));
    json_object_set_new(m, "jurors", json_integer(b->jurors));
    json_object_set_new(m, "present", json_integer(b->present));
    json_object_set_new(m, "cast", json_integer(b->cast));
    json_object_set_new(m, "round", json_integer(b->round));
    json_object_set_new(m, "sitting_places", json_integer(b->sitting_places));
    json_object_set_new(m, "sitting_word", json_string(i18n_get(r->lang, sitting_key(b))));
    json_object_set_new(m, "is_runoff", json_boolean(b->round > 1));
    json_object_set_new(m, "can_jury", json_boolean(on && before_voting(b)));
    json_object_set_new(m, "can_open",
                        json_boolean(on && !b->sitting_id && b->pool > 0 && b->places > 0));
    json_object_set_new(m, "can_presence", json_boolean(on && b->sitting_state == SITTING_OPEN));
    json_object_set_new(m, "voting", json_boolean(b->sitting_state == SITTING_VOTING));
    json_object_set_new(m, "can_tally", json_boolean(on && b->sitting_state == SITTING_VOTING));
    json_object_set_new(m, "below_quorum", json_boolean(b->present < b->quorum));
    json_object_set_new(m, "can_runoff", json_boolean(on && b->runoff_proposed));
    json_object_set_new(m, "final", json_boolean(b->final));
    json_object_set_new(m, "tallied", json_boolean(b->round > 1 || b->sitting_state ==
                                                                       SITTING_TALLIED));
    return m;
}

static const char *done_word(struct req *r)
{
    const char *done = query_get(&r->query, "done");
    static const char *const known[] = {"settings", "add",    "remove", "sitting",
                                        "presence", "voting", "tally",  "runoff", NULL};
    for (int i = 0; done && known[i]; i++)
        if (strcmp(done, known[i]) == 0)
            return arena_printf(&r->arena, "ballot_done_%s", done);
    return NULL;
}

/* ------------------------------------------------------------ organiser pages */

enum web_err page_ballot_jury(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct ballot_stage *b = stage_of(r, r->params[0]);
    if (!b)
        return WEB_NOT_FOUND;
    json_t *m = json_object();
    json_object_set_new(m, "stage", stage_model(r, b));
    json_t *jurors = store_ballot_jurors(web.store, b->base.id, b->sitting_id);
    json_object_set_new(m, "jurors", jurors ? jurors : json_array());
    json_object_set_new(m, "has_jurors", json_boolean(b->jurors > 0));
    json_t *cands = store_ballot_juror_candidates(web.store, b->base.id);
    json_object_set_new(m, "has_candidates", json_boolean(cands && json_array_size(cands) > 0));
    json_object_set_new(m, "candidates", cands ? cands : json_array());
    p->notice = done_word(r);
    p->model = m;
    p->template = "ballot_jury";
    p->title = arena_printf(&r->arena, "%s · %s", b->base.name, i18n_get(r->lang, "ballot_jury_title"));
    return WEB_OK;
}

static json_t *results_model(struct req *r, int64_t sitting_id)
{
    json_t *rows = store_ballot_results(web.store, sitting_id);
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        json_int_t a = json_integer_value(json_object_get(o, "approvals"));
        json_int_t e = json_integer_value(json_object_get(o, "eligible"));
        json_object_set_new(o, "share",
                            json_string(e > 0 ? arena_printf(&r->arena, "%lld/%lld", (long long)a,
                                                             (long long)e)
                                              : "—"));
    }
    return rows ? rows : json_array();
}

enum web_err page_ballot_tally(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct ballot_stage *b = stage_of(r, r->params[0]);
    if (!b)
        return WEB_NOT_FOUND;
    json_t *m = json_object();
    json_object_set_new(m, "stage", stage_model(r, b));
    json_t *sittings = store_ballot_sittings(web.store, b->base.id);
    size_t i;
    json_t *s;
    json_array_foreach(sittings, i, s)
    {
        int tallied = strcmp(json_string_value(json_object_get(s, "state")), "tallied") == 0;
        json_object_set_new(s, "tallied", json_boolean(tallied));
        json_object_set_new(s, "runoff_round", json_boolean(json_integer_value(json_object_get(s, "round")) > 1));
        if (tallied)
            json_object_set_new(s, "results",
                                results_model(r, json_integer_value(json_object_get(s, "id"))));
    }
    json_object_set_new(m, "sittings", sittings ? sittings : json_array());
    json_object_set_new(m, "has_sittings", json_boolean(sittings && json_array_size(sittings) > 0));
    p->notice = done_word(r);
    p->model = m;
    p->template = "ballot_tally";
    p->title = arena_printf(&r->arena, "%s · %s", b->base.name, i18n_get(r->lang, "ballot_tally_title"));
    return WEB_OK;
}

/* ------------------------------------------------------------ organiser actions */

struct jury_job {
    int64_t stage_id;
    int64_t user_id; /* add, remove */
    int places, quorum, runoff;
    const int64_t *present;
    int npresent;
    struct tally_outcome outcome;
};

static enum result jury_load(struct web_act *x)
{
    struct jury_job *j = x->state;
    struct ballot_stage *b = stage_of(x->r, x->r->params[0]);
    if (!b)
        return RC_NOTFOUND;
    if (!under_review(b)) {
        x->error = "ballot_err_campaign";
        return RC_STATE;
    }
    j->stage_id = b->base.id;
    const char *done = x->a == &act_ballot_settings       ? "settings"
                       : x->a == &act_ballot_juror_add    ? "add"
                       : x->a == &act_ballot_juror_remove ? "remove"
                       : x->a == &act_ballot_sitting      ? "sitting"
                       : x->a == &act_ballot_presence     ? "presence"
                       : x->a == &act_ballot_voting       ? "voting"
                                                          : "tally";
    const char *page = x->a == &act_ballot_tally ? "tally" : "jury";
    if (x->a == &act_ballot_sitting && b->runoff_proposed) {
        j->runoff = 1;
        done = "runoff";
    }
    if (x->a == &act_ballot_settings) {
        j->places = (int)web_int(x, "places");
        j->quorum = (int)web_int(x, "quorum");
    } else if (x->a == &act_ballot_juror_add) {
        j->user_id = web_int(x, "user_id");
    } else if (x->a == &act_ballot_juror_remove) {
        if (!(j->user_id = web_path_id(x->r->params[1])))
            return RC_NOTFOUND;
    } else if (x->a == &act_ballot_presence) {
        size_t n = 0;
        j->present = web_ids(x, "present", &n);
        j->npresent = (int)n;
    }
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/%s?done=%s", (long long)b->base.id,
                           page, done);
    return RC_OK;
}

static int settings_write(struct store_tx *tx, void *arg)
{
    struct jury_job *j = arg;
    return tx_ballot_settings(tx, j->stage_id, j->places, j->quorum);
}

static int juror_add_write(struct store_tx *tx, void *arg)
{
    struct jury_job *j = arg;
    return tx_juror_add(tx, j->stage_id, j->user_id);
}

static int juror_remove_write(struct store_tx *tx, void *arg)
{
    struct jury_job *j = arg;
    return tx_juror_remove(tx, j->stage_id, j->user_id);
}

static int sitting_write(struct store_tx *tx, void *arg)
{
    struct jury_job *j = arg;
    return tx_sitting_open(tx, j->stage_id, j->runoff);
}

static int presence_write(struct store_tx *tx, void *arg)
{
    struct jury_job *j = arg;
    return tx_sitting_presence(tx, j->stage_id, j->present, j->npresent);
}

static int voting_write(struct store_tx *tx, void *arg)
{
    struct jury_job *j = arg;
    return tx_sitting_start(tx, j->stage_id);
}

static int tally_write(struct store_tx *tx, void *arg)
{
    struct jury_job *j = arg;
    return tx_ballot_tally(tx, j->stage_id, &j->outcome);
}

static const struct web_field settings_fields[] = {
    {"places", WEB_F_INT, WEB_F_REQUIRED, 1, BALLOT_MAX_PLACES, NULL, "ballot_bad_places"},
    {"quorum", WEB_F_INT, WEB_F_REQUIRED, 1, BALLOT_MAX_QUORUM, NULL, "ballot_bad_quorum"},
    {NULL},
};
static const struct web_field add_fields[] = {
    {"user_id", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "ballot_bad_juror"},
    {NULL},
};
static const struct web_field presence_fields[] = {
    {"present", WEB_F_IDS, 0, 0, BALLOT_MAX_QUORUM, NULL, "ballot_bad_present"},
    {NULL},
};

static const struct web_refusal jury_refusals[] = {
    {RC_STATE, 409, "ballot_err_state", NULL},
    {RC_EXISTS, 409, "ballot_err_juror_exists", NULL},
    {RC_INVALID, 422, "ballot_err_juror_pool", NULL},
    {RC_NOTFOUND, 409, "ballot_err_state", NULL},
    {RC_OK},
};
static const struct web_refusal sitting_refusals[] = {
    {RC_STATE, 409, "ballot_err_state", NULL},
    {RC_INVALID, 409, "ballot_err_no_candidates", NULL},
    {RC_OK},
};
static const struct web_refusal presence_refusals[] = {
    {RC_STATE, 409, "ballot_err_state", NULL},
    {RC_INVALID, 422, "ballot_bad_present", NULL},
    {RC_OK},
};
static const struct web_refusal voting_refusals[] = {
    {RC_STATE, 409, "ballot_err_state", NULL},
    {RC_QUOTA, 409, "ballot_err_quorum", NULL},
    {RC_OK},
};
static const struct web_refusal tally_refusals[] = {
    {RC_STATE, 409, "ballot_err_not_all_cast", NULL},
    {RC_QUOTA, 409, "ballot_err_quorum", NULL},
    {RC_OK},
};

const struct web_action act_ballot_settings = {
    .fields = settings_fields, .state_size = sizeof(struct jury_job), .load = jury_load,
    .write = settings_write, .page = page_ballot_jury, .refusals = jury_refusals,
};
const struct web_action act_ballot_juror_add = {
    .fields = add_fields, .state_size = sizeof(struct jury_job), .load = jury_load,
    .write = juror_add_write, .page = page_ballot_jury, .refusals = jury_refusals,
};
const struct web_action act_ballot_juror_remove = {
    .state_size = sizeof(struct jury_job), .load = jury_load, .write = juror_remove_write,
    .page = page_ballot_jury, .refusals = jury_refusals,
};
const struct web_action act_ballot_sitting = {
    .state_size = sizeof(struct jury_job), .load = jury_load, .write = sitting_write,
    .page = page_ballot_jury, .refusals = sitting_refusals,
};
const struct web_action act_ballot_presence = {
    .fields = presence_fields, .state_size = sizeof(struct jury_job), .load = jury_load,
    .write = presence_write, .page = page_ballot_jury, .refusals = presence_refusals,
};
const struct web_action act_ballot_voting = {
    .state_size = sizeof(struct jury_job), .load = jury_load, .write = voting_write,
    .page = page_ballot_jury, .refusals = voting_refusals,
};
const struct web_action act_ballot_tally = {
    .state_size = sizeof(struct jury_job), .load = jury_load, .write = tally_write,
    .page = page_ballot_jury, .refusals = tally_refusals,
};

/* ------------------------------------------------------------ the juror */

enum web_err page_ballot_list(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const struct store_user *u = web_user(r);
    json_t *stages = u ? store_ballot_stages_of(web.store, u->id) : NULL;
    if (!stages)
        return WEB_INTERNAL;
    p->model = json_pack("{s:o,s:b}", "stages", stages, "has_stages", json_array_size(stages) > 0);
    p->template = "ballot_list";
    p->title = i18n_get(r->lang, "ballot_list_title");
    return WEB_OK;
}

/* A juror's stage from the path: NULL unless the signed-in user is on its jury. */
static struct ballot_stage *juror_stage(struct req *r, int *present)
{
    const struct store_user *u = web_user(r);
    struct ballot_stage *b = stage_of(r, r->params[0]);
    if (!u || !b || store_ballot_is_juror(web.store, b->base.id, u->id, present) != 1)
        return NULL;
    return b;
}

static int id_in(const int64_t *ids, size_t n, json_int_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

enum web_err page_ballot_paper(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int present = 0;
    struct ballot_stage *b = juror_stage(r, &present);
    if (!b)
        return WEB_NOT_FOUND;
    const struct store_user *u = web_user(r);
    int cast = b->sitting_id && store_ballot_has_cast(web.store, b->sitting_id, u->id) == 1;
    int voting = b->sitting_state == SITTING_VOTING;
    json_t *m = json_pack("{s:I,s:s,s:i,s:i,s:b,s:b,s:b,s:b,s:b}", "id", (json_int_t)b->base.id,
                          "name", b->base.name, "round", b->round, "places", b->sitting_places,
                          "blind", b->base.blind, "present", present, "cast", cast, "voting",
                          voting, "runoff", b->round > 1);
    json_object_set_new(m, "sitting_word", json_string(i18n_get(r->lang, sitting_key(b))));
    int can_vote = voting && present && !cast;
    json_object_set_new(m, "can_vote", json_boolean(can_vote));
    if (can_vote) {
        /* After a refused save or cast: the boxes as the juror ticked them. */
        struct web_act *x = web_act_of(r);
        size_t ntyped = 0;
        const int64_t *typed = x ? web_ids(x, "approve", &ntyped) : NULL;
        json_t *paper = store_ballot_paper(web.store, b->sitting_id, u->id);
        if (!paper)
            return WEB_INTERNAL;
        int approved = 0;
        size_t i;
        json_t *c;
        json_array_foreach(paper, i, c)
        {
            if (x)
                json_object_set_new(c, "approved",
                                    json_boolean(id_in(typed, ntyped,
                                                       json_integer_value(json_object_get(c, "case_id")))));
            approved += json_is_true(json_object_get(c, "approved"));
            json_t *sc = json_object_get(c, "score");
            json_object_set_new(c, "score_s",
                                json_string(json_is_number(sc)
                                                ? arena_printf(&r->arena, "%.2f", json_number_value(sc))
                                                : "—"));
            if (b->base.blind) {
                json_object_del(c, "region_name");
                json_object_del(c, "unit_name");
            }
        }
        json_object_set_new(m, "candidates", paper);
        json_object_set_new(m, "approved", json_integer(approved));
    }
    p->model = m;
    p->template = "ballot_paper";
    p->title = arena_printf(&r->arena, "%s · %s", b->base.name, i18n_get(r->lang, "ballot_paper_title"));
    if (query_get(&r->query, "saved"))
        p->notice = "ballot_saved";
    return WEB_OK;
}

struct paper_job {
    int64_t sitting_id, user_id, stage_id;
    const int64_t *ids;
    int n;
    char receipt[AUTH_TOKEN_CHARS + 1];
    char digest[AUTH_DIGEST_CHARS + 1];
};

static enum result paper_load(struct web_act *x)
{
    struct paper_job *j = x->state;
    int present = 0;
    struct ballot_stage *b = juror_stage(x->r, &present);
    if (!b)
        return RC_NOTFOUND;
    j->stage_id = b->base.id;
    j->sitting_id = b->sitting_id;
    j->user_id = x->user_id;
    size_t n = 0;
    j->ids = web_ids(x, "approve", &n);
    j->n = (int)n;
    if (x->a == &act_ballot_cast) {
        auth_token(j->receipt);
        j->receipt[BALLOT_RECEIPT_CHARS] = 0;
        auth_digest(j->receipt, j->digest);
    }
    x->next = arena_printf(&x->r->arena, "/ballot/%lld?saved=1", (long long)b->base.id);
    return RC_OK;
}

/* Casting is final: the juror confirms it. */
static enum result cast_check(struct web_act *x)
{
    if (!web_int(x, "confirm"))
        return web_refuse_field(x, "confirm", "ballot_err_confirm");
    return RC_OK;
}

static int save_write(struct store_tx *tx, void *arg)
{
    struct paper_job *j = arg;
    return tx_ballot_save(tx, j->sitting_id, j->user_id, j->ids, j->n);
}

static int cast_write(struct store_tx *tx, void *arg)
{
    struct paper_job *j = arg;
    return tx_ballot_cast(tx, j->sitting_id, j->user_id, j->ids, j->n, j->digest);
}

/* The answer to a cast: the receipt, shown this once. */
static enum web_err page_ballot_cast(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const struct paper_job *j = web_act_state(r, &act_ballot_cast);
    if (!j)
        return WEB_NOT_FOUND;
    p->model = json_pack("{s:I,s:s,s:i}", "id", (json_int_t)j->stage_id, "receipt", j->receipt,
                         "approved", j->n);
    p->template = "ballot_cast";
    p->title = i18n_get(r->lang, "ballot_cast_title");
    return WEB_OK;
}

static const struct web_field paper_fields[] = {
    {"approve", WEB_F_IDS, 0, 0, BALLOT_MAX_PLACES, NULL, "ballot_err_quota"},
    {NULL},
};
static const struct web_field cast_fields[] = {
    {"approve", WEB_F_IDS, 0, 0, BALLOT_MAX_PLACES, NULL, "ballot_err_quota"},
    {"confirm", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {NULL},
};
static const struct web_refusal paper_refusals[] = {
    {RC_EXISTS, 409, "ballot_err_cast", NULL},
    {RC_STATE, 409, "ballot_err_not_voting", NULL},
    {RC_QUOTA, 422, "ballot_err_quota", NULL},
    {RC_INVALID, 422, "ballot_err_candidate", NULL},
    {RC_NOTFOUND, 409, "ballot_err_not_voting", NULL},
    {RC_OK},
};

const struct web_action act_ballot_save = {
    .fields = paper_fields, .state_size = sizeof(struct paper_job), .load = paper_load,
    .write = save_write, .page = page_ballot_paper, .refusals = paper_refusals,
};
const struct web_action act_ballot_cast = {
    .fields = cast_fields, .state_size = sizeof(struct paper_job), .load = paper_load,
    .check = cast_check, .write = cast_write, .page = page_ballot_paper, .done = page_ballot_cast,
    .refusals = paper_refusals,
};

/* ------------------------------------------------------------ the receipt */

struct receipt_job {
    json_t *ballot; /* owned by the page's model once shown */
};

enum web_err page_ballot_receipt(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct receipt_job *j = web_act_state(r, &act_ballot_receipt);
    json_t *m = json_object();
    if (j && j->ballot) {
        json_object_set_new(m, "ballot", j->ballot);
        j->ballot = NULL;
    }
    p->model = m;
    p->template = "ballot_receipt";
    p->title = i18n_get(r->lang, "ballot_receipt_title");
    return WEB_OK;
}

static enum result receipt_check(struct web_act *x)
{
    struct receipt_job *j = x->state;
    char digest[AUTH_DIGEST_CHARS + 1];
    auth_digest(web_text(x, "receipt"), digest);
    j->ballot = store_ballot_receipt(web.store, digest);
    if (!j->ballot)
        return web_refuse_field(x, "receipt", "ballot_receipt_unknown");
    return RC_OK;
}

static const struct web_field receipt_fields[] = {
    {"receipt", WEB_F_TEXT, WEB_F_REQUIRED | WEB_F_ONELINE, 0, 64, NULL, "ballot_receipt_missing"},
    {NULL},
};

const struct web_action act_ballot_receipt = {
    .fields = receipt_fields,
    .state_size = sizeof(struct receipt_job),
    .check = receipt_check,
    .page = page_ballot_receipt,
    .done = page_ballot_receipt,
};
