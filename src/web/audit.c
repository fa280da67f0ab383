/*
 * audit.c — the audit row of each action (web_audit_entry) and the
 * organiser's audit page (/admin/audit): the log newest first, filtered by
 * who, what and case, in pages of AUDIT_PAGE rows, with the chain head and
 * the command that re-checks the chain.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "web/audit.h"

#define AUDIT_PAGE 50

/* POST routes that change no campaign data: no audit row (see audit.h). */
static const char *const unaudited[] = {
    "/login", "/logout", "/password", "/invite/{token}", "/reset", "/reset/{token}",
    "/votes", "/votes/code", "/votes/verify",
    "/cases/{id}/vote", "/cases/{id}/vote/code", "/cases/{id}/vote/verify",
    "/ballot-receipt", "/notice/{stage}/code",
};

/*
 * Routes whose form is a juror's choice: their row records that the juror
 * saved or cast, never what, so its digest covers no field (a digest of a
 * few approvals could be reversed by trying every choice).
 */
static const char *const secret_choice[] = {"/ballot/{stage}", "/ballot/{stage}/cast"};

/* Routes whose first capture is a case id. */
static const char *const case_routes[] = {"/submit/{id}", "/recommend/{id}", "/admin/screening/{id}"};

/* Each audited action in words (a catalog key), by route. */
static const struct {
    const char *pattern, *key;
} what_words[] = {
    {"votes", "audit_what_votes"},
    {"/admin/users/invite", "audit_what_invite"},
    {"/submit/new", "audit_what_submit_new"},
    {"/submit/{id}", "audit_what_submit"},
    {"/submit/{id}/attachments", "audit_what_upload"},
    {"/submit/{id}/attachments/{aid}/delete", "audit_what_attachment_delete"},
    {"/recommend/{id}/endorse", "audit_what_endorse"},
    {"/recommend/{id}/return", "audit_what_return"},
    {"/admin/screening/bulk", "audit_what_screening_bulk"},
    {"/admin/screening/{id}", "audit_what_screening"},
    {"/admin/settings", "audit_what_settings"},
    {"/admin/import/{kind}", "audit_what_import"},
    {"/admin/stages/{id}/close", "audit_what_stage_close"},
    {"/admin/stages/{id}/rank", "audit_what_rank"},
    {"/admin/stages/{id}/advance", "audit_what_advance"},
    {"/review/{stage}/{label}", "audit_what_score"},
    {"/review/{stage}/{label}/conflict", "audit_what_conflict"},
    {"/admin/stages/{id}", "audit_what_stage_settings"},
    {"/admin/stages/{id}/pool", "audit_what_pool"},
    {"/admin/stages/{id}/reviewers", "audit_what_reviewer_add"},
    {"/admin/stages/{id}/reviewers/{uid}/drop", "audit_what_reviewer_drop"},
    {"/admin/stages/{id}/conflicts", "audit_what_conflicts"},
    {"/admin/stages/{id}/assign", "audit_what_assign"},
    {"/admin/stages/{id}/assignments/add", "audit_what_assignment_add"},
    {"/admin/stages/{id}/assignments/remove", "audit_what_assignment_remove"},
    {"/admin/stages/{id}/release", "audit_what_release"},
    {"/admin/stages/{id}/remind", "audit_what_remind"},
    {"/admin/stages/{id}/voting", "audit_what_voting"},
    {"publish-statement", "audit_what_statement"},
    {"/admin/results/statement", "audit_what_statement"},
    {"/admin/results/certificates", "audit_what_certs"},
    {"/admin/news/new", "audit_what_news_new"},
    {"/admin/news/results", "audit_what_news_results"},
    {"/admin/news/{id}", "audit_what_news_edit"},
    {"/admin/news/{id}/publish", "audit_what_news_publish"},
    {"/admin/news/{id}/unpublish", "audit_what_news_unpublish"},
    {"/admin/news/{id}/images", "audit_what_news_image"},
    {"/admin/stages/{id}/jury", "audit_what_jury_settings"},
    {"/admin/stages/{id}/jury/add", "audit_what_juror_add"},
    {"/admin/stages/{id}/jury/{uid}/remove", "audit_what_juror_remove"},
    {"/admin/stages/{id}/sitting", "audit_what_sitting"},
    {"/admin/stages/{id}/sitting/presence", "audit_what_presence"},
    {"/admin/stages/{id}/sitting/start", "audit_what_voting_start"},
    {"/admin/stages/{id}/tally", "audit_what_tally"},
    {"/ballot/{stage}", "audit_what_ballot_save"},
    {"/ballot/{stage}/cast", "audit_what_ballot_cast"},
    {"/admin/stages/{id}/tiers/propose", "audit_what_tiers_propose"},
    {"/admin/stages/{id}/tiers/{tier}", "audit_what_tier_settings"},
    {"/admin/stages/{id}/awards", "audit_what_award_change"},
    {"/admin/stages/{id}/notice", "audit_what_notice_publish"},
    {"/admin/stages/{id}/notice/close", "audit_what_notice_close"},
    {"/notice/{stage}/objection", "audit_what_objection"},
    {"/admin/stages/{id}/objections/{oid}", "audit_what_objection_answer"},
    {"/admin/stages/{id}/flags", "audit_what_flags_scan"},
    {"/admin/stages/{id}/flags/{flag}/void", "audit_what_flag_void"},
    {"/admin/campaigns/{id}/certificate", "audit_what_cert_layout"},
    {"/admin/campaigns/{id}/certificate/background", "audit_what_cert_background"},
    {"/admin/campaigns/{id}/certificate/seal", "audit_what_cert_seal"},
    {"/admin/users/{id}/roles", "campaign_roles_audit_grant"},
    {"/admin/users/{id}/roles/drop", "campaign_roles_audit_drop"},
    {"/admin/users/{id}/edit", "users_audit_edit"},
    {"/admin/users/{id}/status", "users_audit_status"},
    {"/admin/users/{id}/reinvite", "users_audit_reinvite"},
    {"/admin/remind", "intake_remind_audit"},
};

int web_audit_route(const char *pattern)
{
    for (size_t i = 0; i < sizeof unaudited / sizeof unaudited[0]; i++)
        if (strcmp(unaudited[i], pattern) == 0)
            return 0;
    return 1;
}

/* 1 if pattern starts with prefix at a segment's end. */
static int under(const char *pattern, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(pattern, prefix, n) == 0 && (pattern[n] == 0 || pattern[n] == '/');
}

/* 1 if the form field name is declared a password by action a. */
static int secret_field(const struct web_action *a, const char *name)
{
    for (const struct web_field *f = a->fields; f && f->name; f++)
        if (f->type == WEB_F_SECRET && strcmp(f->name, name) == 0)
            return 1;
    return 0;
}

struct audit_entry *web_audit_entry(struct web_act *x)
{
    struct req *r = x->r;
    const struct web_state *ws = r->app;
    const char *pattern = ws && ws->pattern ? ws->pattern : NULL;
    if (!pattern || !web_audit_route(pattern))
        return NULL;
    struct audit_entry *e = arena_alloc(&r->arena, sizeof *e);
    if (!e)
        return NULL;
    memset(e, 0, sizeof *e);
    e->who = x->user_id;
    e->what = pattern;
    e->object = r->path;
    for (size_t i = 0; i < sizeof case_routes / sizeof case_routes[0]; i++)
        if (under(pattern, case_routes[i]) && r->nparams > 0)
            e->case_id = web_path_id(r->params[0]) > 0 ? web_path_id(r->params[0]) : 0;
    /* The change as asked: the form's fields in order, without the token and passwords. */
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    const struct query *form = web_form(r);
    size_t fields = form->n;
    for (size_t i = 0; i < sizeof secret_choice / sizeof secret_choice[0]; i++)
        if (strcmp(secret_choice[i], pattern) == 0)
            fields = 0;
    for (size_t i = 0; i < fields; i++) {
        const struct query_param *q = &form->v[i];
        if (strcmp(q->key, "csrf") == 0 || secret_field(x->a, q->key))
            continue;
        crypto_hash_sha256_update(&s, (const unsigned char *)q->key, strlen(q->key));
        crypto_hash_sha256_update(&s, (const unsigned char *)"=", 1);
        crypto_hash_sha256_update(&s, (const unsigned char *)q->val, q->vlen);
        crypto_hash_sha256_update(&s, (const unsigned char *)"\n", 1);
    }
    unsigned char h[MERKLE_BYTES];
    crypto_hash_sha256_final(&s, h);
    merkle_hex(h, e->digest);
    return e;
}

/* An action in words, or its route when it has none. */
static const char *what_word(struct req *r, const char *what)
{
    for (size_t i = 0; i < sizeof what_words / sizeof what_words[0]; i++)
        if (strcmp(what_words[i].pattern, what) == 0)
            return i18n_get(r->lang, what_words[i].key);
    return what;
}

/* A query parameter as a positive id: 0 when absent, -1 when malformed. */
static int64_t query_id(struct req *r, const char *name)
{
    const char *v = query_get(&r->query, name);
    if (!v || !*v)
        return 0;
    int64_t id = web_path_id(v);
    return id > 0 ? id : -1;
}

enum web_err page_audit(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    struct audit_filter f = {0};
    f.who = query_id(r, "who");
    f.case_id = query_id(r, "case");
    f.before = query_id(r, "before");
    f.limit = AUDIT_PAGE;
    const char *what = query_get(&r->query, "what");
    f.what = what && *what ? what : NULL;
    if (f.who < 0 || f.case_id < 0 || f.before < 0 || (f.what && strlen(f.what) > AUDIT_WHAT_MAX)) {
        p->error = "audit_bad_filter";
        p->status = 400;
        return WEB_BAD_PARAM;
    }
    json_t *list = store_audit_list(web.store, &f);
    json_t *facets = store_audit_facets(web.store);
    char head[MERKLE_HEX];
    int64_t rows = 0;
    if (!list || !facets || store_audit_head(web.store, head, &rows) != RC_OK) {
        json_decref(list);
        json_decref(facets);
        return WEB_UNAVAILABLE;
    }
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(list, "rows"), i, row) {
        const char *w = json_string_value(json_object_get(row, "what"));
        json_object_set_new(row, "what_word", json_string(what_word(r, w ? w : "")));
        const char *h = json_string_value(json_object_get(row, "hash"));
        size_t hl = h ? strlen(h) : 0;
        json_object_set_new(row, "hash_short", json_stringn(h ? h : "", hl > 16 ? 16 : hl));
    }
    json_array_foreach(json_object_get(facets, "whats"), i, row) {
        const char *w = json_string_value(json_object_get(row, "what"));
        json_object_set_new(row, "what_word", json_string(what_word(r, w ? w : "")));
        json_object_set_new(row, "selected", json_boolean(f.what && w && strcmp(w, f.what) == 0));
    }
    json_array_foreach(json_object_get(facets, "whos"), i, row)
        json_object_set_new(row, "selected", /* the system (0) is no filter: it has no entry */
                            json_boolean(json_integer_value(json_object_get(row, "who")) == f.who));
    json_t *m = json_pack("{s:o,s:o,s:s,s:I}", "log", list, "facets", facets, "head", head,
                          "rows_total", (json_int_t)rows);
    json_t *filter = json_object();
    if (f.who)
        json_object_set_new(filter, "who", json_integer(f.who));
    if (f.case_id)
        json_object_set_new(filter, "case", json_integer(f.case_id));
    if (f.what)
        json_object_set_new(filter, "what", json_string(f.what));
    json_object_set_new(m, "filter", filter);
    /* The next page (its link keeps the filters: the template adds them). */
    json_t *next = json_object_get(list, "next_before");
    if (next)
        json_object_set(m, "next_before", next);
    p->model = m;
    p->template = "audit";
    p->title = i18n_get(r->lang, "audit_title");
    return WEB_OK;
}
