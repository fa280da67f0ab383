/*
 * vote_flags.c — the organiser's fraud review of an exhibition's votes.
 *
 *   GET  /admin/stages/{id}/flags              the flagged groups, each explained in numbers
 *   POST /admin/stages/{id}/flags              check the votes again and recount
 *   GET  /admin/stages/{id}/flags/{flag}       one group: its votes, times and prefixes
 *   POST /admin/stages/{id}/flags/{flag}/void  void its votes with a reason
 *
 * Checking runs the rules of domain/fraud.h on the worker pool over the
 * stage's valid votes read from a read connection, then stores the groups
 * and recounts vote_total in one write.  A void keeps the votes, marks them
 * invalid, records who, when and why on the flag, and recounts: the
 * ranking and the case pages read vote_total, so they count valid votes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "store/votes.h"
#include "web/votes.h"

#define FLAG_VOTES_SHOWN 500
#define VOID_REASON_MAX 500

/* The exhibition stage of the path: RC_OK, RC_NOTFOUND or RC_ERROR. */
static int flags_stage(struct req *r, int64_t *id, char *name, size_t namelen,
                       struct vote_setting *set)
{
    char kind[16];
    int has;
    *id = web_path_id(r->params[0]);
    if (*id <= 0)
        return RC_NOTFOUND;
    int rc = store_vote_setting(web.store, *id, name, namelen, kind, sizeof kind, set, &has);
    if (rc == RC_OK && strcmp(kind, "exhibition") != 0)
        rc = RC_NOTFOUND;
    return rc;
}

static enum web_err page_err(int rc)
{
    return rc == RC_NOTFOUND ? WEB_NOT_FOUND : WEB_UNAVAILABLE;
}

/* Replace o[key], a UTC time as stored (2019-03-01T08:00:00Z), by Beijing time: 2019-03-01 16:00:00. */
static void beijing_time(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!v || !strptime(v, "%Y-%m-%dT%H:%M:%S", &tm))
        return;
    time_t t = timegm(&tm) + 8 * 3600;
    char out[24];
    gmtime_r(&t, &tm);
    strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S", &tm);
    json_object_set_new(o, key, json_string(out));
}

/* The words of a flag's rule, for the templates' sections, and its times as people read them. */
static void add_rule_words(struct req *r, json_t *flag)
{
    beijing_time(flag, "first_at");
    beijing_time(flag, "last_at");
    beijing_time(flag, "found_at");
    beijing_time(json_object_get(flag, "void"), "at");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(flag, "list"), i, v)
        beijing_time(v, "at");
    const char *rule = json_string_value(json_object_get(flag, "rule"));
    if (!rule)
        return;
    json_object_set_new(flag, "rule_name",
                        json_string(i18n_get(r->lang, arena_printf(&r->arena, "flag_rule_%s", rule))));
    json_object_set_new(flag, arena_printf(&r->arena, "is_%s", rule), json_true());
    json_object_set_new(flag, "url", json_string(arena_printf(
                                         &r->arena, "/admin/stages/%lld/flags/%lld",
                                         (long long)web_path_id(r->params[0]),
                                         (long long)json_integer_value(json_object_get(flag, "id")))));
}

struct scan_job {
    int64_t stage_id;
    struct fraud_limits limits;
    int64_t votes, flags;
    double ms;
};

enum web_err page_stage_flags(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t id;
    char name[128];
    struct vote_setting set;
    int rc = flags_stage(r, &id, name, sizeof name, &set);
    if (rc != RC_OK)
        return page_err(rc);
    json_t *flags = store_vote_flags(web.store, id);
    json_t *summary = store_vote_summary(web.store, id);
    if (!flags || !summary) {
        json_decref(flags);
        json_decref(summary);
        return WEB_UNAVAILABLE;
    }
    size_t i;
    json_t *f;
    int open = 0;
    json_array_foreach(flags, i, f)
    {
        add_rule_words(r, f);
        open += !json_object_get(f, "void");
    }
    const struct fraud_limits *l = &set.flags;
    p->model = json_pack("{s:{s:I,s:s},s:b,s:o,s:o,s:i,s:{s:i,s:i,s:s,s:i,s:i,s:i,s:i,s:i}}",
                         "stage", "id", (json_int_t)id, "name", name, "has_flags",
                         json_array_size(flags) > 0, "flags", flags, "summary", summary,
                         "open_flags", open, "limits", "burst_window_min", l->burst_window / 60,
                         "burst_min", l->burst_min, "burst_factor",
                         arena_printf(&r->arena, "%g", l->burst_factor),
                         "net_window_min", l->net_window / 60, "net_min", l->net_min, "run_min",
                         l->run_min, "ring_window_min", l->ring_window / 60, "ring_min",
                         l->ring_min);
    if (!p->model)
        return WEB_INTERNAL;
    struct scan_job *done = web_act_state(r, &act_stage_flags_scan);
    if (done) {
        json_object_set_new(p->model, "checked",
                            json_pack("{s:I,s:I,s:i}", "votes", (json_int_t)done->votes, "flags",
                                      (json_int_t)done->flags, "ms", (int)(done->ms + 0.5)));
        p->notice = "flag_checked";
    } else if (query_get(&r->query, "voided")) {
        p->notice = "flag_voided";
    }
    p->template = "vote_flags";
    p->title = arena_printf(&r->arena, "%s · %s", name, i18n_get(r->lang, "flag_title"));
    return WEB_OK;
}

/* ------------------------------------------------------------ check again */

static enum result scan_load(struct web_act *x)
{
    struct scan_job *j = x->state;
    char name[128];
    struct vote_setting set;
    int rc = flags_stage(x->r, &j->stage_id, name, sizeof name, &set);
    j->limits = set.flags;
    return (enum result)rc;
}

static enum result scan_work(void *state)
{
    struct scan_job *j = state;
    double t0 = clock_ms();
    struct vote_scan scan;
    if (store_vote_scan(web.store, j->stage_id, &scan) != RC_OK)
        return RC_ERROR;
    struct fraud_result found;
    if (fraud_find(&scan.in, &j->limits, &found) != 0) {
        vote_scan_free(&scan);
        return RC_ERROR;
    }
    struct vote_flags_put put = {j->stage_id, &scan, &found, 0};
    int rc = store_write_sync(web.store, tx_vote_flags_put, &put);
    j->votes = (int64_t)scan.in.nvotes;
    j->flags = put.flags;
    j->ms = clock_ms() - t0;
    fraud_result_free(&found);
    vote_scan_free(&scan);
    if (rc == RC_OK)
        log_info("vote flags: stage %lld, %lld votes, %lld flags, %.0f ms", (long long)j->stage_id,
                 (long long)j->votes, (long long)j->flags, j->ms);
    return (enum result)rc;
}

const struct web_action act_stage_flags_scan = {
    .state_size = sizeof(struct scan_job),
    .load = scan_load,
    .work = scan_work,
    .page = page_stage_flags,
    .done = page_stage_flags,
};

/* ------------------------------------------------------------ one group */

enum web_err page_stage_flag(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t id;
    char name[128];
    struct vote_setting set;
    int rc = flags_stage(r, &id, name, sizeof name, &set);
    if (rc != RC_OK)
        return page_err(rc);
    int64_t flag_id = web_path_id(r->params[1]);
    json_t *f = flag_id > 0 ? store_vote_flag(web.store, id, flag_id, FLAG_VOTES_SHOWN) : NULL;
    if (!f)
        return WEB_NOT_FOUND;
    add_rule_words(r, f);
    json_object_set_new(f, "more", json_boolean(json_integer_value(json_object_get(f, "votes")) >
                                                FLAG_VOTES_SHOWN));
    p->model = json_pack("{s:{s:I,s:s},s:o,s:i}", "stage", "id", (json_int_t)id, "name", name,
                         "flag", f, "shown", FLAG_VOTES_SHOWN);
    if (!p->model)
        return WEB_INTERNAL;
    struct web_act *x = web_act_of(r);
    if (x && web_act_state(r, &act_stage_flag_void))
        json_object_set_new(p->model, "reason", json_string(web_text(x, "reason") ?: ""));
    p->template = "vote_flag";
    p->title = arena_printf(&r->arena, "%s · %s", name, i18n_get(r->lang, "flag_group"));
    return WEB_OK;
}

static const struct web_field void_fields[] = {
    {"reason", WEB_F_TEXT, WEB_F_REQUIRED, 0, VOID_REASON_MAX, NULL, "flag_reason_missing"},
    {NULL},
};

static enum result void_load(struct web_act *x)
{
    struct vote_void *v = x->state;
    char name[128];
    struct vote_setting set;
    int rc = flags_stage(x->r, &v->stage_id, name, sizeof name, &set);
    if (rc != RC_OK)
        return (enum result)rc;
    v->flag_id = web_path_id(x->r->params[1]);
    if (v->flag_id <= 0)
        return RC_NOTFOUND;
    v->user_id = x->user_id;
    v->reason = web_text(x, "reason");
    x->next = arena_printf(&x->r->arena, "/admin/stages/%lld/flags?voided=1",
                           (long long)v->stage_id);
    return RC_OK;
}

static const struct web_refusal void_refusals[] = {
    {RC_STATE, 409, "flag_voided_already", NULL},
    {RC_OK},
};

const struct web_action act_stage_flag_void = {
    .fields = void_fields,
    .state_size = sizeof(struct vote_void),
    .load = void_load,
    .write = tx_vote_void,
    .page = page_stage_flag,
    .refusals = void_refusals,
};
