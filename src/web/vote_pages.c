/*
 * vote_pages.c — the public pages of an exhibition stage (网上展示), phone
 * first: the exhibition list of a stage, a case's vote page, and the vote
 * block of the case page.
 *
 * The case page is shared and cached, so its block says only what is the
 * same for everyone (the stage, its days, the valid count when counts are
 * shown) and leads to the case's vote page.  That page is personal (never
 * cached, with the CSRF token): it knows the voter by the laurel_voter
 * cookie and shows the votes left today, the code and verify forms, the
 * vote button, and every refusal of its forms (votes.c) in words.
 *
 * The list sorts by valid votes when counts are shown; when they are hidden
 * it is a shuffle that stays the same for one visitor (seeded by the
 * visitor's network and browser), so early leaders do not snowball.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/voter.h"
#include "http/cookie.h"
#include "store/votes.h"
#include "web/votes.h"

/* The verified voter of this request for stage_id, or 0. */
static int64_t voter_of(struct req *r, int64_t stage_id)
{
    const char *token = cookie_get(&r->arena, r->cookie, VOTER_COOKIE);
    if (!token || strlen(token) > 128)
        return 0;
    char hash[VOTER_HEX];
    voter_sha256(token, hash);
    int64_t stage = 0, voter = 0;
    if (store_vote_token(web.store, hash, &stage, &voter) != RC_OK || stage != stage_id)
        return 0;
    return voter;
}

/* The stage of a case's vote, with the link to its exhibition. */
static json_t *stage_json(struct req *r, const struct vote_case *vc)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)vc->stage_id, "name",
                     vc->stage_name, "opens_on", vc->set.opens_on, "closes_on", vc->set.closes_on,
                     "url", arena_printf(&r->arena, "/votes/%lld", (long long)vc->stage_id));
}

json_t *vote_case_block(struct req *r, int64_t case_id)
{
    struct vote_case vc;
    if (store_vote_case(web.store, case_id, 0, &vc) != RC_OK)
        return json_null();
    json_t *st = stage_json(r, &vc);
    return json_pack("{s:o,s:b,s:b,s:o,s:s}", "stage", st, "open", vc.open, "live", vc.set.live,
                     "votes", vc.set.live ? json_integer(vc.votes) : json_null(), "url",
                     arena_printf(&r->arena, "/cases/%lld/vote", (long long)case_id));
}

enum web_err page_case_vote(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t id = web_path_id(r->params[0]);
    struct vote_case vc;
    int rc = id > 0 ? store_vote_case(web.store, id, 0, &vc) : RC_NOTFOUND;
    json_t *c = rc == RC_OK ? store_vote_card(web.store, id) : NULL;
    if (rc == RC_OK && !c)
        rc = RC_ERROR;
    if (rc != RC_OK) {
        json_decref(c);
        return rc == RC_NOTFOUND ? WEB_NOT_FOUND : WEB_UNAVAILABLE;
    }
    int64_t voter = voter_of(r, vc.stage_id);
    if (voter && store_vote_case(web.store, id, voter, &vc) != RC_OK) {
        json_decref(c);
        return WEB_UNAVAILABLE;
    }
    int sent = 0, from_form = vote_form_state(r, &sent);
    /* The contact as typed, for the verify form after a code was sent or refused. */
    struct web_act *x = from_form ? web_act_of(r) : NULL;
    const char *phone = x ? query_get(web_form(r), "phone") : NULL;
    const char *email = x ? query_get(web_form(r), "email") : NULL;
    int remaining = voter ? store_vote_remaining(web.store, vc.stage_id, voter) : vc.set.per_day;
    int allow_phone = strcmp(vc.set.verify, "email") != 0;
    int allow_email = strcmp(vc.set.verify, "phone") != 0;
    json_t *st = stage_json(r, &vc);
    if (json_is_true(json_object_get(c, "published")))
        json_object_set_new(c, "url",
                            json_string(arena_printf(&r->arena, "/cases/%lld", (long long)id)));
    int verifying = from_form && web_act_state(r, &act_case_vote_verify) != NULL;
    p->model = json_pack(
        "{s:O,s:o,s:b,s:b,s:o,s:b,s:i,s:i,s:b,s:b,s:b,s:b,s:b,s:s?,s:s?}", "case", c,
        "stage", st, "open", vc.open,
        "live", vc.set.live, "votes", vc.set.live ? json_integer(vc.votes) : json_null(),
        "verified", voter != 0, "remaining", remaining, "per_day", vc.set.per_day, "voted",
        vc.mine >= vc.set.per_case, "allow_phone", allow_phone, "allow_email", allow_email,
        "sent", sent, "verify_form", !voter && (sent || verifying),
        "phone", phone, "email", email);
    json_decref(c);
    if (!p->model)
        return WEB_INTERNAL;
    if (sent)
        p->notice = "vote_sent";
    else if (query_get(&r->query, "voted") && !from_form)
        p->notice = "vote_done";
    p->template = "vote_case";
    p->title = arena_printf(&r->arena, "%s · %s", i18n_get(r->lang, "vote_button"),
                            json_string_value(json_object_get(json_object_get(p->model, "case"),
                                                              "title")));
    return WEB_OK;
}

/* A 64-bit mix (splitmix64's finaliser): the shuffle's key of a case for one visitor. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct shuffled {
    uint64_t key;
    json_t *item;
};

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const struct shuffled *)a)->key, y = ((const struct shuffled *)b)->key;
    return x < y ? -1 : x > y;
}

/* Reorder items by a shuffle stable for this visitor and stage; votes dropped. */
static json_t *shuffle_for(struct req *r, int64_t stage_id, json_t *items)
{
    char seed_text[VOTER_HEX];
    const char *who = arena_printf(&r->arena, "%lld|%s|%s", (long long)stage_id, r->ip,
                                   r->user_agent ? r->user_agent : "");
    voter_sha256(who ? who : "", seed_text);
    uint64_t seed = strtoull(arena_strndup(&r->arena, seed_text, 16), NULL, 16);
    size_t n = json_array_size(items), i;
    struct shuffled *v = arena_alloc(&r->arena, (n ? n : 1) * sizeof *v);
    json_t *item, *out = json_array();
    if (!v)
        return out;
    json_array_foreach(items, i, item)
    {
        v[i].key = mix(seed ^ (uint64_t)json_integer_value(json_object_get(item, "id")));
        v[i].item = item;
        json_object_del(item, "votes");
    }
    qsort(v, n, sizeof *v, by_key);
    for (i = 0; i < n; i++)
        json_array_append(out, v[i].item);
    return out;
}

/* The regions and tracks among all the stage's cases, as filter choices. */
static void add_choices(json_t *model, json_t *all, const struct web_input *in)
{
    json_t *regions = json_array(), *tracks = json_array(), *seen = json_object(), *item;
    size_t i;
    json_array_foreach(all, i, item)
    {
        json_t *rg = json_object_get(item, "region"), *tk = json_object_get(item, "track");
        const char *code = json_string_value(json_object_get(rg, "code"));
        const char *slug = json_string_value(json_object_get(tk, "slug"));
        char key[80];
        snprintf(key, sizeof key, "r%s", code);
        if (!json_object_get(seen, key)) {
            json_object_set_new(seen, key, json_true());
            json_array_append_new(regions, json_pack("{s:s,s:O,s:b}", "value", code, "name",
                                                     json_object_get(rg, "name"), "selected",
                                                     in->region && strcmp(in->region, code) == 0));
        }
        snprintf(key, sizeof key, "t%s", slug);
        if (!json_object_get(seen, key)) {
            json_object_set_new(seen, key, json_true());
            json_array_append_new(tracks, json_pack("{s:s,s:O,s:b}", "value", slug, "name",
                                                    json_object_get(tk, "name"), "selected",
                                                    in->track && strcmp(in->track, slug) == 0));
        }
    }
    json_decref(seen);
    json_object_set_new(model, "regions", regions);
    json_object_set_new(model, "tracks", tracks);
}

enum web_err page_exhibit(struct req *r, const struct web_input *in, struct page *p)
{
    int64_t id = web_path_id(r->params[0]);
    char name[128], kind[16];
    struct vote_setting set;
    int has = 0;
    int rc = id > 0 ? store_vote_setting(web.store, id, name, sizeof name, kind, sizeof kind, &set,
                                         &has)
                    : RC_NOTFOUND;
    if (rc == RC_ERROR)
        return WEB_UNAVAILABLE;
    if (rc != RC_OK || strcmp(kind, "exhibition") != 0 || !has)
        return WEB_NOT_FOUND;
    json_t *all = store_vote_exhibit(web.store, id, NULL, NULL);
    json_t *items = in->region || in->track ? store_vote_exhibit(web.store, id, in->region, in->track)
                                            : json_incref(all);
    if (!all || !items) {
        json_decref(all);
        json_decref(items);
        return WEB_UNAVAILABLE;
    }
    if (!set.live) {
        json_t *mixed = shuffle_for(r, id, items);
        json_decref(items);
        items = mixed;
    }
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        int64_t cid = json_integer_value(json_object_get(item, "id"));
        /* A case not published yet is shown by its vote page, which has its summary. */
        const char *vote_url = arena_printf(&r->arena, "/cases/%lld/vote", (long long)cid);
        json_object_set_new(item, "url",
                            json_string(json_is_true(json_object_get(item, "published"))
                                            ? arena_printf(&r->arena, "/cases/%lld", (long long)cid)
                                            : vote_url));
        json_object_set_new(item, "vote_url", json_string(vote_url));
    }
    char today[11];
    voter_today(today);
    int open = strcmp(today, set.opens_on) >= 0 && strcmp(today, set.closes_on) <= 0;
    p->model = json_pack("{s:{s:I,s:s,s:s,s:s},s:b,s:b,s:i,s:I,s:o}", "stage", "id", (json_int_t)id,
                         "name", name, "opens_on", set.opens_on, "closes_on", set.closes_on,
                         "open", open, "live", set.live, "per_day", set.per_day, "total",
                         (json_int_t)json_array_size(items), "cases", items);
    if (!p->model) {
        json_decref(all);
        return WEB_INTERNAL;
    }
    add_choices(p->model, all, in);
    json_decref(all);
    p->template = "vote_exhibit";
    p->title = arena_strdup(&r->arena, name);
    return WEB_OK;
}
