/*
 * routes.c — the route table and the dispatcher.
 *
 * Every URL Laurel answers is a row of `routes` below; /api/v1/<path>
 * answers the same as <path>, as JSON.  The dispatcher decodes and
 * validates the request (path, query, language), finds the route, and
 * either runs a raw handler or runs a model handler through the page cache,
 * counting views of counted pages, and renders the model as HTML or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/utf8.h"
#include "http/jsonform.h"
#include "http/router.h"
#include "store/search.h"
#include "view/json_flat.h"
#include "view/render.h"
#include "web/pagecache.h"
#include "store/accounts.h"
#include "web/web.h"
#include "web/action.h"
#include "http/cookie.h"
#include "web/admin.h"
#include "web/intake.h"
#include "web/import.h"
#include "web/invite.h"
#include "web/stages.h"
#include "web/submit.h"
#include "web/ranking.h"
#include "web/session.h"
#include "web/review.h"
#include "web/votes.h"
#include "web/news.h"
#include "store/news.h"
#include "web/ballot.h"
#include "web/award.h"
#include "web/notice.h"
#include "web/correction.h"
#include "web/notice_upload.h"
#include "web/audit.h"
#include "web/statement.h"
#include "web/certs.h"
#include "web/campaigns.h"
#include "web/site_map.h"
#include "web/cert_layout.h"
#include "web/campaign_roles.h"
#include "web/user_admin.h"
#include "web/intake_remind.h"

struct web_config web;

/* The cookie that keeps the language chosen for the visit. */
#define LANG_COOKIE "laurel_lang"

/* A public page (cached; flags say which views it counts). */
#define H_MODEL(fn, flags) (&(const struct web_handler){fn, NULL, NULL, 0, flags})
/* A page of signed-in users or with a form: never cached. */
#define H_PAGE(fn, roles) (&(const struct web_handler){fn, NULL, NULL, roles, WEB_NOCACHE})
/* A declared POST action (action.h). */
#define H_ACTION(act, roles) (&(const struct web_handler){NULL, NULL, &act, roles, WEB_NOCACHE})
/* A page and an action whose path holds a secret (an e-mailed link's token): no Referer. */
#define H_LINK_PAGE(fn)                                                                     \
    (&(const struct web_handler){fn, NULL, NULL, 0, WEB_NOCACHE | WEB_NOREFERRER})
#define H_LINK_ACTION(act)                                                                  \
    (&(const struct web_handler){NULL, NULL, &act, 0, WEB_NOCACHE | WEB_NOREFERRER})
/* A response written by the handler: files, feeds, health. */
#define H_RAW(fn) (&(const struct web_handler){NULL, fn, NULL, 0, 0})
/*
 * A response a signed-in user's handler writes itself: downloads (files,
 * spreadsheets, samples) and the near-duplicates page, whose model is
 * computed on the worker pool.
 */
#define H_DOWNLOAD(fn, roles) (&(const struct web_handler){NULL, fn, NULL, roles, WEB_NOCACHE})

static const struct route routes[] = {
    /* The public site (public.c, feeds.c, statics.c). */
    {"GET", "/", H_MODEL(page_home, 0)},
    {"GET", "/cases", H_MODEL(page_cases, 0)},
    {"GET", "/cases/{id}", H_MODEL(page_case, WEB_COUNTS_CASE)},
    {"GET", "/results", H_MODEL(page_results, 0)},
    {"GET", "/regions", H_MODEL(page_regions, 0)},
    {"GET", "/regions/{code}", H_MODEL(page_region, 0)},
    {"GET", "/tags", H_MODEL(page_tags, 0)},
    {"GET", "/tags/{tag}", H_MODEL(page_tag, 0)},
    {"GET", "/news", H_MODEL(page_news, 0)},
    {"GET", "/news/{id}", H_MODEL(page_article, WEB_COUNTS_ARTICLE)},
    {"GET", "/search", H_MODEL(page_search, 0)},
    {"GET", "/sitemap.xml", H_RAW(raw_sitemap)},
    {"GET", "/sitemap-{n}", H_RAW(raw_sitemap)},
    {"GET", "/feed.xml", H_RAW(raw_feed)},
    {"GET", "/robots.txt", H_RAW(raw_robots)},
    {"GET", "/healthz", H_RAW(raw_healthz)},
    {"GET", "/metrics", H_RAW(raw_metrics)},
    {"GET", "/static/{*}", H_RAW(raw_static)},
    {"GET", "/favicon.ico", H_RAW(raw_static)},
    /* Accounts (session.c). */
    {"GET", "/login", H_PAGE(page_login, 0)},
    {"POST", "/login", H_ACTION(act_login, 0)},
    {"POST", "/logout", H_ACTION(act_logout, WEB_SIGNED_IN)},
    {"GET", "/password", H_PAGE(page_password, WEB_SIGNED_IN)},
    {"POST", "/password", H_ACTION(act_password, WEB_SIGNED_IN)},
    /* Invitations, password resets and mail (invite.c). */
    {"GET", "/admin/users", H_PAGE(page_users, ROLE_ORGANISER)},
    {"POST", "/admin/users/invite", H_ACTION(act_users_invite, ROLE_ORGANISER)},
    {"GET", "/admin/outbox", H_PAGE(page_outbox, ROLE_ORGANISER)},
    {"GET", "/admin/logins", H_PAGE(page_login_failures, ROLE_ORGANISER)},
    {"GET", "/invite/{token}", H_LINK_PAGE(page_invite_link)},
    {"POST", "/invite/{token}", H_LINK_ACTION(act_invite_accept)},
    {"GET", "/reset", H_PAGE(page_reset_request, 0)},
    {"POST", "/reset", H_ACTION(act_reset_request, 0)},
    {"GET", "/reset/{token}", H_LINK_PAGE(page_reset_link)},
    {"POST", "/reset/{token}", H_LINK_ACTION(act_reset_accept)},
    /* Submission by units (submit.c, upload.c, files.c). */
    {"GET", "/submit", H_PAGE(page_submit_list, ROLE_SUBMITTER)},
    {"POST", "/submit/new", H_ACTION(act_submit_new, ROLE_SUBMITTER)},
    {"GET", "/submit/{id}", H_PAGE(page_submit_edit, ROLE_SUBMITTER)},
    {"POST", "/submit/{id}", H_ACTION(act_submit_case, ROLE_SUBMITTER)},
    {"GET", "/submit/{id}/preview", H_PAGE(page_submit_preview, ROLE_SUBMITTER)},
    {"GET", "/submit/{id}/status", H_PAGE(page_submit_status, ROLE_SUBMITTER)},
    {"POST", "/submit/{id}/attachments", H_ACTION(act_submit_upload, ROLE_SUBMITTER)},
    {"POST", "/submit/{id}/attachments/{aid}/delete",
     H_ACTION(act_submit_attachment_delete, ROLE_SUBMITTER)},
    {"GET", "/files/{sha256}", H_RAW(raw_file)},
    /* Regional recommendation (recommend.c). */
    {"GET", "/recommend", H_PAGE(page_recommend, ROLE_RECOMMENDER)},
    {"GET", "/recommend/{id}", H_PAGE(page_recommend_case, ROLE_RECOMMENDER)},
    {"POST", "/recommend/{id}/endorse", H_ACTION(act_recommend_endorse, ROLE_RECOMMENDER)},
    {"POST", "/recommend/{id}/return", H_ACTION(act_recommend_return, ROLE_RECOMMENDER)},
    /* The workspace home (me.c). */
    {"GET", "/me", H_PAGE(page_me, WEB_SIGNED_IN)},
    /* The organiser: dashboard, screening, settings (admin.c). */
    {"GET", "/admin", H_PAGE(page_admin, ROLE_ORGANISER)},
    {"GET", "/admin/screening", H_PAGE(page_admin_screening, ROLE_ORGANISER)},
    {"POST", "/admin/screening/bulk", H_ACTION(act_admin_screening_bulk, ROLE_ORGANISER)},
    {"GET", "/admin/screening/{id}", H_PAGE(page_admin_screening_case, ROLE_ORGANISER)},
    {"POST", "/admin/screening/{id}",
     H_ACTION(act_admin_screening_decide, ROLE_ORGANISER)},
    {"GET", "/admin/settings", H_PAGE(page_admin_settings, ROLE_ORGANISER)},
    {"POST", "/admin/settings", H_ACTION(act_admin_settings, ROLE_ORGANISER)},
    /* Import and export (import.c, export.c). */
    {"GET", "/admin/import", H_PAGE(page_import, ROLE_ORGANISER)},
    {"GET", "/admin/import/sample/{kind}", H_DOWNLOAD(raw_import_sample, ROLE_ORGANISER)},
    {"POST", "/admin/import/{kind}", H_ACTION(act_import, ROLE_ORGANISER)},
    {"GET", "/admin/export.xlsx", H_DOWNLOAD(raw_export_xlsx, ROLE_ORGANISER)},
    /* Ranking, advancement, near-duplicates and stage exports (ranking.c). */
    {"GET", "/admin/stages/{id}/ranking", H_PAGE(page_ranking, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/close", H_ACTION(act_ranking_close, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/rank", H_ACTION(act_ranking_rank, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/advance", H_ACTION(act_ranking_advance, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/cases/{case}", H_PAGE(page_ranking_case, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/export/{kind}", H_DOWNLOAD(raw_ranking_export, ROLE_ORGANISER)},
    {"GET", "/admin/dedupe", H_DOWNLOAD(raw_dedupe, ROLE_ORGANISER)},
    {"GET", "/admin/dedupe/{a}/{b}", H_PAGE(page_dedupe_pair, ROLE_ORGANISER)},
    /* Reviewers: assignments, scoring, declared conflicts, attachments (review.c). */
    {"GET", "/review", H_PAGE(page_review_list, ROLE_REVIEWER)},
    {"GET", "/review/{stage}/{label}", H_PAGE(page_review_case, ROLE_REVIEWER)},
    {"POST", "/review/{stage}/{label}", H_ACTION(act_review_score, ROLE_REVIEWER)},
    {"POST", "/review/{stage}/{label}/conflict",
     H_ACTION(act_review_conflict, ROLE_REVIEWER)},
    {"GET", "/review/{stage}/{label}/files/{n}", H_DOWNLOAD(raw_review_file, ROLE_REVIEWER)},
    /* Review stages: settings, pool, reviewers, conflicts, assignment, progress (stages.c). */
    {"GET", "/admin/stages", H_PAGE(page_stages, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}", H_PAGE(page_stage_settings, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}", H_ACTION(act_stage_settings, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/pool", H_PAGE(page_stage_pool, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/pool", H_ACTION(act_stage_pool_fill, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/reviewers", H_PAGE(page_stage_reviewers, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/reviewers", H_ACTION(act_stage_reviewer_add, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/reviewers/{uid}/drop",
     H_ACTION(act_stage_reviewer_drop, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/conflicts", H_PAGE(page_stage_conflicts, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/conflicts", H_ACTION(act_stage_conflicts, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/assign", H_ACTION(act_stage_assign, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/assignments", H_PAGE(page_stage_assignments, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/assignments/add",
     H_ACTION(act_stage_assignment_add, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/assignments/remove",
     H_ACTION(act_stage_assignment_remove, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/release", H_ACTION(act_stage_release, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/progress", H_PAGE(page_stage_progress, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/remind", H_ACTION(act_stage_remind, ROLE_ORGANISER)},
    /* Public voting in exhibition stages, and its settings (votes.c). */
    {"GET", "/votes", H_PAGE(page_votes, 0)},
    {"POST", "/votes", H_ACTION(act_vote_cast, 0)},
    {"POST", "/votes/code", H_ACTION(act_vote_code, 0)},
    {"POST", "/votes/verify", H_ACTION(act_vote_verify, 0)},
    {"GET", "/admin/stages/{id}/voting", H_PAGE(page_stage_voting, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/voting", H_ACTION(act_stage_voting, ROLE_ORGANISER)},
    /* News written by the organiser, its images, the results' spreadsheet (news.c). */
    {"GET", "/admin/news", H_PAGE(page_admin_news, ROLE_ORGANISER)},
    {"GET", "/admin/news/new", H_PAGE(page_admin_news_new, ROLE_ORGANISER)},
    {"POST", "/admin/news/new", H_ACTION(act_admin_news_create, ROLE_ORGANISER)},
    {"POST", "/admin/news/results", H_ACTION(act_admin_news_results, ROLE_ORGANISER)},
    {"GET", "/admin/news/{id}", H_PAGE(page_admin_news_edit, ROLE_ORGANISER)},
    {"POST", "/admin/news/{id}", H_ACTION(act_admin_news_save, ROLE_ORGANISER)},
    {"GET", "/admin/news/{id}/preview", H_PAGE(page_admin_news_preview, ROLE_ORGANISER)},
    {"POST", "/admin/news/{id}/publish", H_ACTION(act_admin_news_publish, ROLE_ORGANISER)},
    {"POST", "/admin/news/{id}/unpublish", H_ACTION(act_admin_news_unpublish, ROLE_ORGANISER)},
    {"POST", "/admin/news/{id}/images", H_ACTION(act_admin_news_image, ROLE_ORGANISER)},
    {"GET", "/news/images/{sha256}", H_RAW(raw_news_image)},
    {"GET", "/results.xlsx", H_RAW(raw_results_xlsx)},
    /* The final ballot: jury, sittings, ballots, tally, receipts (ballot.c). */
    {"GET", "/admin/stages/{id}/jury", H_PAGE(page_ballot_jury, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/jury", H_ACTION(act_ballot_settings, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/jury/add", H_ACTION(act_ballot_juror_add, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/jury/{uid}/remove",
     H_ACTION(act_ballot_juror_remove, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/sitting", H_ACTION(act_ballot_sitting, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/sitting/presence",
     H_ACTION(act_ballot_presence, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/sitting/start", H_ACTION(act_ballot_voting, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/tally", H_PAGE(page_ballot_tally, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/tally", H_ACTION(act_ballot_tally, ROLE_ORGANISER)},
    {"GET", "/ballot", H_PAGE(page_ballot_list, ROLE_REVIEWER)},
    {"GET", "/ballot/{stage}", H_PAGE(page_ballot_paper, ROLE_REVIEWER)},
    {"POST", "/ballot/{stage}", H_ACTION(act_ballot_save, ROLE_REVIEWER)},
    {"POST", "/ballot/{stage}/cast", H_ACTION(act_ballot_cast, ROLE_REVIEWER)},
    {"GET", "/ballot-receipt", H_PAGE(page_ballot_receipt, 0)},
    {"POST", "/ballot-receipt", H_ACTION(act_ballot_receipt, 0)},
    /* Award tiers from the final ballot: quotas, caps, proposal, changes (award.c). */
    {"GET", "/admin/stages/{id}/tiers", H_PAGE(page_award_tiers, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/tiers/propose", H_ACTION(act_award_propose, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/tiers/{tier}", H_ACTION(act_award_tier, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/awards", H_ACTION(act_award_set, ROLE_ORGANISER)},
    /* 公示 of the awards (notice.c). */
    {"GET", "/admin/stages/{id}/notice", H_PAGE(page_notice_admin, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/notice", H_ACTION(act_notice_publish, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/notice/close", H_ACTION(act_notice_close, ROLE_ORGANISER)},
    {"GET", "/notice", H_PAGE(page_notice, 0)},
    {"POST", "/notice/{stage}/code", H_ACTION(act_objection_code, 0)},
    {"POST", "/notice/{stage}/objection", H_ACTION(act_objection_file, 0)},
    {"POST", "/admin/stages/{id}/objections/{oid}",
     H_ACTION(act_objection_answer, ROLE_ORGANISER)},
    /* The exhibition and a case's vote page with its forms (vote_pages.c, votes.c). */
    {"GET", "/votes/{id}", H_PAGE(page_exhibit, 0)},
    {"GET", "/cases/{id}/vote", H_PAGE(page_case_vote, 0)},
    {"POST", "/cases/{id}/vote", H_ACTION(act_case_vote_cast, 0)},
    {"POST", "/cases/{id}/vote/code", H_ACTION(act_case_vote_code, 0)},
    {"POST", "/cases/{id}/vote/verify", H_ACTION(act_case_vote_verify, 0)},
    /* The organiser's fraud review of an exhibition's votes (vote_flags.c). */
    {"GET", "/admin/stages/{id}/flags", H_PAGE(page_stage_flags, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/flags", H_ACTION(act_stage_flags_scan, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/flags/{flag}", H_PAGE(page_stage_flag, ROLE_ORGANISER)},
    {"POST", "/admin/stages/{id}/flags/{flag}/void", H_ACTION(act_stage_flag_void, ROLE_ORGANISER)},
    /* The audit chain, signed results and certificates (audit.c). */
    {"GET", "/admin/audit", H_PAGE(page_audit, ROLE_ORGANISER)},
    {"GET", "/results/statement", H_MODEL(page_statement, 0)},
    {"GET", "/results/statements/{file}", H_RAW(raw_statement_file)},
    {"GET", "/signing.pub", H_RAW(raw_public_key)},
    {"GET", "/admin/results", H_PAGE(page_admin_results, ROLE_ORGANISER)},
    {"POST", "/admin/results/statement", H_ACTION(act_statement_issue, ROLE_ORGANISER)},
    {"POST", "/admin/results/certificates", H_ACTION(act_certs_make, ROLE_ORGANISER)},
    {"GET", "/admin/results/files/{file}", H_DOWNLOAD(raw_certs_file, ROLE_ORGANISER)},
    {"GET", "/me/certificates", H_PAGE(page_my_certs, ROLE_SUBMITTER)},
    {"GET", "/me/certificates/{file}", H_DOWNLOAD(raw_my_cert, ROLE_SUBMITTER)},
    {"GET", "/verify/{code}", H_PAGE(page_verify, 0)},
    /* Campaigns: the list and switcher, a new one, its settings and stages; the open call. */
    {"GET", "/admin/campaigns", H_PAGE(page_campaigns, ROLE_ORGANISER)},
    {"POST", "/admin/campaigns", H_ACTION(act_campaign_create, ROLE_ORGANISER)},
    {"GET", "/admin/campaigns/{id}", H_PAGE(page_campaign, ROLE_ORGANISER)},
    {"POST", "/admin/campaigns/{id}", H_ACTION(act_campaign_save, ROLE_ORGANISER)},
    {"GET", "/admin/campaigns/{id}/notice", H_PAGE(page_campaign_preview, ROLE_ORGANISER)},
    {"POST", "/admin/campaigns/{id}/stages", H_ACTION(act_campaign_stage_add, ROLE_ORGANISER)},
    {"POST", "/admin/campaigns/{id}/status", H_ACTION(act_campaign_status, ROLE_ORGANISER)},
    {"GET", "/call", H_PAGE(page_call, 0)},
    {"GET", "/sitemap", H_MODEL(page_site_map, 0)},
    /* Corrections after publication (correction.c). */
    {"POST", "/admin/stages/{id}/corrections", H_ACTION(act_correction_make, ROLE_ORGANISER)},
    {"GET", "/admin/stages/{id}/objections/{oid}/file",
     H_DOWNLOAD(raw_objection_file, ROLE_ORGANISER)},
    {"GET", "/admin/campaigns/{id}/certificate", H_PAGE(page_cert_layout, ROLE_ORGANISER)},
    {"POST", "/admin/campaigns/{id}/certificate", H_ACTION(act_cert_layout_save, ROLE_ORGANISER)},
    {"POST", "/admin/campaigns/{id}/certificate/background", H_ACTION(act_cert_background, ROLE_ORGANISER)},
    {"POST", "/admin/campaigns/{id}/certificate/seal", H_ACTION(act_cert_seal, ROLE_ORGANISER)},
    {"GET", "/admin/campaigns/{id}/certificate/{file}", H_DOWNLOAD(raw_cert_preview, ROLE_ORGANISER)},
    /* Roles per campaign: one person's campaigns, given or taken away (campaign_roles.c). */
    {"GET", "/admin/users/{id}", H_PAGE(page_user_roles, ROLE_ORGANISER)},
    {"POST", "/admin/users/{id}/roles", H_ACTION(act_user_role_grant, ROLE_ORGANISER)},
    {"POST", "/admin/users/{id}/roles/drop", H_ACTION(act_user_role_drop, ROLE_ORGANISER)},
    {"POST", "/admin/users/{id}/edit", H_ACTION(act_user_edit, ROLE_ORGANISER)},
    {"POST", "/admin/users/{id}/status", H_ACTION(act_user_status, ROLE_ORGANISER)},
    {"POST", "/admin/users/{id}/reinvite", H_ACTION(act_user_reinvite, ROLE_ORGANISER)},
    {"POST", "/admin/remind", H_ACTION(act_admin_remind, ROLE_ORGANISER)},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static const struct {
    int status;
    const char *key; /* message catalog key */
} web_errors[WEB__MAX] = {
    [WEB_OK] = {200, ""},
    [WEB_BAD_REQUEST] = {400, "err_bad_request"},
    [WEB_BAD_ENCODING] = {400, "err_bad_encoding"},
    [WEB_BAD_PARAM] = {400, "err_bad_param"},
    [WEB_PAGE_RANGE] = {404, "err_page_range"},
    [WEB_NOT_FOUND] = {404, "err_not_found"},
    [WEB_BAD_METHOD] = {405, "err_bad_method"},
    [WEB_UNAUTHORIZED] = {401, "err_unauthorized"},
    [WEB_FORBIDDEN] = {403, "err_forbidden"},
    [WEB_CSRF] = {403, "err_csrf"},
    [WEB_CONFLICT] = {409, "err_conflict"},
    [WEB_INVALID] = {422, "err_invalid"},
    [WEB_TOO_LARGE] = {413, "err_too_large"},
    [WEB_UNSUPPORTED] = {415, "err_unsupported"},
    [WEB_THROTTLED] = {429, "err_throttled"},
    [WEB_UNAVAILABLE] = {503, "err_unavailable"},
    [WEB_INTERNAL] = {500, "err_internal"},
};

/* The other language's URL for this request: the path plus ?lang=xx. */
static const char *other_lang_url(struct req *r)
{
    const char *code = r->lang == LANG_ZH ? "en" : "zh-CN";
    struct buf b = BUF_INIT;
    buf_init(&b, 8192);
    buf_puts(&b, r->api ? "/api/v1" : "");
    buf_url(&b, "", 0);
    /* The path is decoded; re-encode all but the slashes. */
    const char *p = r->path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        buf_url(&b, p, n);
        if (slash)
            buf_putc(&b, '/');
        p += n + (slash ? 1 : 0);
    }
    char sep = '?';
    struct web_state *ws = r->app;
    int canonical = ws && ws->handler && !(ws->handler->flags & WEB_NOCACHE);
    if (canonical) {
        /* A cached page: the parameters it was cached by, not this request's extras. */
        static const char *const known[] = {"region", "tier", "track", "tag", "q", "sort", "page"};
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
            const char *v = query_get(&r->query, known[i]);
            if (!v || !*v)
                continue;
            buf_putc(&b, sep);
            sep = '&';
            buf_puts(&b, known[i]);
            buf_putc(&b, '=');
            buf_url(&b, v, strlen(v));
        }
    }
    for (size_t i = 0; !canonical && i < r->query.n; i++) {
        if (strcmp(r->query.v[i].key, "lang") == 0)
            continue;
        buf_putc(&b, sep);
        sep = '&';
        buf_url(&b, r->query.v[i].key, strlen(r->query.v[i].key));
        buf_putc(&b, '=');
        buf_url(&b, r->query.v[i].val, r->query.v[i].vlen);
    }
    buf_printf(&b, "%clang=%s", sep, code);
    char *s = arena_strndup(&r->arena, b.p ? b.p : "/", b.len);
    buf_release(&b);
    return s ? s : "/";
}

/* What the layout needs beside a page's model. */
static json_t *site_of(struct req *r, struct resp *w, const char *title)
{
    enum lang other = r->lang == LANG_ZH ? LANG_EN : LANG_ZH;
    /* Built key by key, not by json_pack: every page makes one, and the strings are ours
     * (codes, a catalog's text) or were checked for UTF-8 when they came in. */
    json_t *site = json_object();
    json_object_set_new_nocheck(site, "lang", json_string_nocheck(i18n_code(r->lang)));
    json_object_set_new_nocheck(site, "other_lang", json_string_nocheck(i18n_code(other)));
    json_object_set_new_nocheck(
        site, "other_lang_name",
        json_string_nocheck(i18n_get(r->lang, other == LANG_EN ? "lang_en" : "lang_zh")));
    json_object_set_new_nocheck(site, "other_lang_url", json_string_nocheck(other_lang_url(r)));
    json_object_set_new_nocheck(site, "title", json_string_nocheck(title ? title : ""));
    json_object_set_new_nocheck(site, "en", json_boolean(r->lang == LANG_EN));
    if (web.static_export)
        json_object_set_new(site, "export", json_string(web.static_export));
    const struct store_user *u = web_user(r);
    struct web_state *ws = r->app;
    if (u) {
        json_t *roles = json_object();
        for (unsigned bit = ROLE_ORGANISER; bit <= ROLE_REVIEWER; bit <<= 1)
            json_object_set_new(roles, store_role_name(bit), json_boolean(u->roles & bit));
        json_object_set_new(site, "user", json_pack("{s:s,s:s,s:o}", "name", u->name, "email",
                                                    u->email, "roles", roles));
    }
    /* Only personal pages carry a token (a signed-in user's pages are never cached). */
    if (u || (ws && ws->handler && (ws->handler->flags & WEB_NOCACHE)))
        json_object_set_new(site, "csrf", json_string(web_csrf_token(r, w)));
    return site;
}

void web_render(struct req *r, struct resp *w, int status, const char *template,
                const char *title, json_t *model)
{
    buf_reset(&w->body);
    w->status = status;
    resp_header(w, "Cache-Control", "no-store");
    if (r->json) {
        /* A flat object of numbers (a vote's answer) without json_dumps: the same bytes. */
        if (json_flat_write(model, &w->body) != 0) {
            char *s = json_dumps(model, JSON_COMPACT);
            buf_puts(&w->body, s ? s : "{}");
            free(s);
        }
        w->content_type = "application/json; charset=utf-8";
    } else {
        json_t *site = site_of(r, w, title);
        w->content_type = "text/html; charset=utf-8";
        if (render_page(template, model, r->lang, site, &w->body) != 0) {
            buf_reset(&w->body);
            w->status = 500;
            w->content_type = "text/plain; charset=utf-8";
            buf_puts(&w->body, i18n_get(r->lang, "err_internal"));
        }
        json_decref(site);
    }
    json_decref(model);
}

const char *web_safe_next(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
        return "/";
    /* Browsers drop tabs and line breaks from URLs: "/\t/evil" would become "//evil". */
    for (const char *p = next; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "/";
    return next;
}

void web_redirect(struct req *r, struct resp *w, const char *url)
{
    url = web_safe_next(url);
    if (r->json) {
        w->status = 200;
        w->content_type = "application/json; charset=utf-8";
        json_t *o = json_pack("{s:b,s:s}", "ok", 1, "location", url);
        char *s = json_dumps(o, JSON_COMPACT);
        buf_puts(&w->body, s ? s : "{}");
        free(s);
        json_decref(o);
        return;
    }
    w->status = 303;
    resp_header(w, "Location", arena_strdup(&r->arena, url));
    resp_header(w, "Cache-Control", "no-store");
}

const struct query *web_form(struct req *r)
{
    struct web_state *ws = r->app;
    if (!ws->form_parsed) {
        ws->form_parsed = 1;
        ws->form.n = 0;
        /* A JSON object body gives the same fields as a urlencoded form. */
        if (r->body && jsonform_is_json(r->content_type)) {
            if (jsonform_parse(&r->arena, r->body, r->body_len, &ws->form) != QUERY_OK)
                ws->form.n = 0;
        } else if (r->body &&
                   query_parse(&r->arena, r->body, r->body_len, &ws->form) != QUERY_OK) {
            ws->form.n = 0;
        }
    }
    return &ws->form;
}

const char *web_trimmed(struct req *r, const char *v)
{
    if (!v)
        return NULL;
    while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    return arena_strndup(&r->arena, v, n);
}

void web_error(struct req *r, struct resp *w, enum web_err e)
{
    if (e == WEB_UNAUTHORIZED && !r->json && r->method != HTTP_POST) {
        struct buf b = BUF_INIT;
        buf_init(&b, 8192);
        buf_puts(&b, "/login?next=");
        buf_url(&b, r->uri, strlen(r->uri));
        w->status = 303;
        resp_header(w, "Location", arena_strdup(&r->arena, b.p));
        resp_header(w, "Cache-Control", "no-store");
        buf_release(&b);
        return;
    }
    web_error_message(r, w, web_errors[e].status, i18n_get(r->lang, web_errors[e].key));
}

/* The headers a route's flags ask for on every answer. */
static void route_headers(struct req *r, struct resp *w)
{
    struct web_state *ws = r->app;
    if (ws && ws->handler && (ws->handler->flags & WEB_NOREFERRER))
        resp_header(w, "Referrer-Policy", "no-referrer");
    /* A language chosen with ?lang= stays for the visit (read back in read_uri). */
    if (i18n_parse(query_get(&r->query, "lang")) >= 0)
        resp_header(w, "Set-Cookie", arena_printf(&r->arena, LANG_COOKIE "=%s; Path=/; "
                                                  "SameSite=Lax; HttpOnly", i18n_code(r->lang)));
}

void web_error_message(struct req *r, struct resp *w, int status, const char *msg)
{
    buf_reset(&w->body);
    w->status = status;
    w->nheaders = 0;
    route_headers(r, w);
    resp_header(w, "Cache-Control", "no-store");
    if (r->json) {
        json_t *o = json_pack("{s:{s:i,s:s}}", "error", "status", w->status, "message", msg);
        char *s = json_dumps(o, JSON_COMPACT);
        buf_puts(&w->body, s ? s : "{}");
        free(s);
        json_decref(o);
        w->content_type = "application/json; charset=utf-8";
        return;
    }
    json_t *m = json_pack("{s:i,s:s}", "status", w->status, "message", msg);
    json_t *site = site_of(r, w, msg);
    if (render_page("error", m, r->lang, site, &w->body) != 0) {
        buf_reset(&w->body);
        buf_printf(&w->body, "%d %s\n", w->status, msg);
        w->content_type = "text/plain; charset=utf-8";
    } else {
        w->content_type = "text/html; charset=utf-8";
    }
    json_decref(site);
    json_decref(m);
}

/* Validate the known query parameters into in; unknown ones are ignored. */
static enum web_err read_input(struct req *r, struct web_input *in)
{
    memset(in, 0, sizeof *in);
    in->page = 1;
    const char *v;
    if ((v = query_get(&r->query, "region")) && *v) {
        if (strlen(v) != 6 || strspn(v, "0123456789") != 6)
            return WEB_BAD_PARAM;
        in->region = v;
    }
    if ((v = query_get(&r->query, "tier")) && *v) {
        if (strlen(v) > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz-") != strlen(v))
            return WEB_BAD_PARAM;
        in->tier = v;
    }
    if ((v = query_get(&r->query, "track")) && *v) {
        if (strlen(v) > 64 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(v))
            return WEB_BAD_PARAM;
        in->track = v;
    }
    if ((v = query_get(&r->query, "tag")) && *v) {
        if (utf8_count(v, strlen(v)) > 32)
            return WEB_BAD_PARAM;
        in->tag = v;
    }
    if ((v = query_get(&r->query, "q"))) {
        if (strlen(v) > SEARCH_MAX_QUERY)
            return WEB_BAD_PARAM;
        if (!search_blank(v))
            in->q = v;
    }
    if ((v = query_get(&r->query, "sort")) && *v) {
        if (strcmp(v, "views") == 0)
            in->sort_views = 1;
        else if (strcmp(v, "date") != 0)
            return WEB_BAD_PARAM;
    }
    if ((v = query_get(&r->query, "page")) && *v) {
        char *end;
        long n = strtol(v, &end, 10);
        /* Up to 2,000,000 cases at 20 a page: a deep page is a range seek (pub_rank), so
         * the bound is only a sanity limit (10,000 left the last 40,000 pages of a
         * 1,000,000-case campaign unreachable). */
        if (*end || n < 1 || n > 100000 || strspn(v, "0123456789") != strlen(v))
            return WEB_PAGE_RANGE;
        in->page = (int)n;
    }
    if ((v = query_get(&r->query, "campaign")) && *v) {
        if (strlen(v) > 15 || strspn(v, "0123456789") != strlen(v) || atoll(v) < 1)
            return WEB_BAD_PARAM;
        in->campaign = atoll(v);
    }
    return WEB_OK;
}

/* Split the raw URI into the decoded path and the parsed query. */
static enum web_err read_uri(struct req *r)
{
    const char *uri = r->uri;
    const char *qm = strchr(uri, '?');
    size_t plen = qm ? (size_t)(qm - uri) : strlen(uri);
    if (plen == 0 || uri[0] != '/')
        return WEB_BAD_REQUEST;
    /* Known before anything can fail, so that API clients get their errors as JSON. */
    if (strncmp(uri, "/api/v1/", 8) == 0 || strncmp(uri, "/api/v1?", 8) == 0 ||
        strcmp(uri, "/api/v1") == 0)
        r->json = 1;
    if (query_decode(&r->arena, uri, plen, 0, &r->path, NULL) != QUERY_OK)
        return WEB_BAD_ENCODING;
    if (qm) {
        enum query_rc rc = query_parse(&r->arena, qm + 1, strlen(qm + 1), &r->query);
        if (rc == QUERY_EUTF8 || rc == QUERY_EESCAPE)
            return WEB_BAD_ENCODING;
        if (rc != QUERY_OK)
            return WEB_BAD_REQUEST;
    }
    int l = i18n_parse(query_get(&r->query, "lang"));
    if (l < 0 && r->cookie)
        l = i18n_parse(cookie_get(&r->arena, r->cookie, LANG_COOKIE));
    if (l >= 0)
        r->lang = (enum lang)l;
    if (strncmp(r->path, "/api/v1/", 8) == 0 || strcmp(r->path, "/api/v1") == 0) {
        r->api = 1;
        r->json = 1;
        r->path += 7;
        if (!*r->path)
            r->path = "/";
    }
    return WEB_OK;
}

/* Serialise or render the page's model into w. */
static int render_model(struct req *r, struct resp *w, struct page *p, struct buf *out,
                        const char **ctype)
{
    if (r->json) {
        char *s = json_dumps(p->model, JSON_COMPACT);
        if (!s)
            return -1;
        buf_puts(out, s);
        free(s);
        *ctype = "application/json; charset=utf-8";
        return 0;
    }
    *ctype = "text/html; charset=utf-8";
    json_t *site = site_of(r, w, p->title);
    int rc = p->html ? render_layout(p->html, p->html_len, r->lang, site, out)
                     : render_page(p->template, p->model, r->lang, site, out);
    json_decref(site);
    return rc;
}

/* What a route counts a view of: a store_counted kind (the id is in its path), or -1. */
static int counted_kind(const struct web_handler *h)
{
    return h->flags & WEB_COUNTS_CASE ? STORE_COUNT_CASE
           : h->flags & WEB_COUNTS_ARTICLE ? STORE_COUNT_ARTICLE
                                           : -1;
}

/* Answer a model handler's error e: with the message the handler named, if any. */
static void page_error(struct req *r, struct resp *w, enum web_err e, struct page *p)
{
    json_decref(p->model);
    json_decref(p->errors);
    if (p->error)
        web_error_message(r, w, web_errors[e].status, i18n_get(r->lang, p->error));
    else
        web_error(r, w, e);
}

/* Put the page's notice, error and errors into its model, in the request's language. */
static void page_messages(struct req *r, struct page *p)
{
    if (p->notice)
        json_object_set_new(p->model, "notice", json_string(i18n_get(r->lang, p->notice)));
    if (p->error)
        json_object_set_new(p->model, "error", json_string(i18n_get(r->lang, p->error)));
    if (p->errors) {
        /* By field for programs and for marking fields; for the summary, each message once. */
        json_t *list = json_array();
        const char *field;
        json_t *msg, *seen;
        size_t i;
        json_object_foreach(p->errors, field, msg)
        {
            int again = 0;
            json_array_foreach(list, i, seen) again |= json_equal(json_object_get(seen, "message"), msg);
            if (!again)
                json_array_append_new(list, json_pack("{s:s,s:O}", "field", field, "message", msg));
        }
        json_object_set_new(p->model, "error_list", list);
        json_object_set_new(p->model, "has_errors", json_boolean(json_array_size(list) > 0));
        json_object_set_new(p->model, "errors", p->errors);
    }
    p->errors = NULL;
}

/*
 * The page cache's key for a public page: language, format and path with the
 * validated parameters in a fixed order (a counted page by its kind and id),
 * so that unknown parameters, their order, repeats and spellings of the same
 * value (page=03) never make a new entry or miss the cache.
 */
static char *cache_key(struct req *r, const struct web_input *in, int kind, int64_t id)
{
    if (kind >= 0 && id <= 0)
        return NULL;
    if (kind >= 0) {
        /* "lang|json|api|#kind:id", written by hand: every visit makes one, and printf was
         * 3 % of a cached page.  The flags and the kind are single digits. */
        char tmp[48], *p = tmp + sizeof tmp;
        *--p = 0;
        uint64_t v = (uint64_t)id;
        do
            *--p = (char)('0' + v % 10);
        while (v /= 10);
        const char head[] = {(char)('0' + r->lang), '|', (char)('0' + !!r->json), '|',
                             (char)('0' + !!r->api), '|', '#', (char)('0' + kind), ':'};
        p -= sizeof head;
        memcpy(p, head, sizeof head);
        return arena_strndup(&r->arena, p, (size_t)(tmp + sizeof tmp - 1 - p));
    }
    /* The search box is echoed as typed, so q is keyed as typed (validated for length). */
    const char *q = query_get(&r->query, "q");
    const char *tag = in->tag ? in->tag : "";
    q = q ? q : "";
    /* Free text (path, tag, q) carries its length, so no two requests make one key. */
    return arena_printf(&r->arena, "%d|%d|%d|%zu:%s|%s|%s|%s|%d|%d|%zu:%s|%zu:%s", (int)r->lang,
                        r->json, r->api, strlen(r->path), r->path, in->region ? in->region : "",
                        in->tier ? in->tier : "", in->track ? in->track : "", in->sort_views,
                        in->page, strlen(tag), tag, strlen(q), q);
}

/*
 * A public page's place in the page cache, worked out once per request
 * (web_state.slot): its validated input, the view it counts (counted first:
 * the counter knows every id) and its cache key and generation.
 */
struct page_slot {
    struct web_input in;
    int kind;       /* STORE_COUNT_*, or -1 for a page that counts no view */
    int64_t id;     /* the counted item */
    int64_t views;  /* its count with this visit; -1 for an id not known yet */
    char *key;      /* NULL: not cached (a signed-in user's pages name the user) */
    uint64_t gen;
};

static enum web_err page_slot(struct req *r, const struct web_handler *h, struct page_slot **out)
{
    struct web_state *ws = r->app;
    if (!ws->slot) {
        struct page_slot *s = arena_alloc(&r->arena, sizeof *s);
        if (!s)
            return WEB_INTERNAL;
        memset(s, 0, sizeof *s);
        enum web_err e = read_input(r, &s->in);
        if (e != WEB_OK)
            return e;
        s->kind = r->method == HTTP_HEAD || web.static_export ? -1 : counted_kind(h);
        s->id = s->kind == STORE_COUNT_ARTICLE ? store_news_public_id(web.store, r->params[0])
                : s->kind >= 0                 ? web_path_id(r->params[0])
                                               : 0;
        s->views = s->kind < 0 ? 0 : s->id > 0 ? store_view(web.store, s->kind, s->id) : -1;
        s->key = !(h->flags & WEB_NOCACHE) && !web_user(r) ? cache_key(r, &s->in, s->kind, s->id)
                                                            : NULL;
        s->gen = store_page_generation(web.store, s->kind == STORE_COUNT_CASE ? s->id : 0);
        ws->slot = s;
    }
    *out = ws->slot;
    return WEB_OK;
}

static void page_headers(struct resp *w, const struct web_handler *h)
{
    resp_header(w, "Vary", "Accept, Accept-Language, Cookie");
    resp_header(w, "Cache-Control", h->flags & WEB_NOCACHE ? "no-store" : "no-cache");
}

/*
 * The early answer (server.h): a public page the page cache holds, answered
 * on the server's thread before the request would queue in the read lane
 * behind pages being rendered.  Anything else is left to web_dispatch, which
 * then finds the slot worked out here (the view already counted).  A news
 * article is left too: finding its id is a read of the database.
 */
int web_answer_cached(struct req *r, struct resp *w)
{
    struct web_state *ws = r->app;
    const struct web_handler *h = ws->handler;
    struct page_slot *s;
    const char *ctype = NULL;
    if (ws->early != WEB_OK || !h->model || (h->flags & WEB_NOCACHE) || web_user(r) ||
        counted_kind(h) == STORE_COUNT_ARTICLE || page_slot(r, h, &s) != WEB_OK || !s->key ||
        s->views < 0 || !pagecache_try(s->key, s->gen, s->views, &w->body, &ctype))
        return 0;
    route_headers(r, w);
    page_headers(w, h);
    w->status = 200;
    w->content_type = ctype;
    return 1;
}

/* What the layout adds around a kept page, about (the masthead, the footer: 4 KB). */
#define LAYOUT_ROOM 8192

static void run_model(struct req *r, struct resp *w, const struct web_handler *h)
{
    web_model_fn fn = h->model;
    struct page_slot *s;
    enum web_err e = page_slot(r, h, &s);
    if (e != WEB_OK) {
        web_error(r, w, e);
        return;
    }
    page_headers(w, h);
    struct web_input in = s->in;
    int kind = s->kind;
    int64_t id = s->id, views = s->views;
    char *key = s->key;
    uint64_t gen = s->gen;
    const char *ctype = NULL;
    if (key && views >= 0 && pagecache_get(key, gen, views, &w->body, &ctype)) {
        w->status = 200;
        w->content_type = ctype;
        return;
    }
    struct page p = {0};
    store_read_begin(web.store); /* the page's reads: one snapshot */
    e = fn(r, &in, &p);
    store_read_end(web.store);
    if (e != WEB_OK) {
        page_error(r, w, e, &p);
        return;
    }
    if (p.redirect) {
        json_decref(p.model);
        json_decref(p.errors);
        web_redirect(r, w, p.redirect);
        return;
    }
    page_messages(r, &p);
    if (kind >= 0 && views < 0) {
        /* Published since the counters were loaded: start counting it now. */
        json_int_t had = json_integer_value(json_object_get(p.model, "views"));
        views = store_view_start(web.store, kind, id, had);
    }
    if (kind >= 0)
        json_object_set_new(p.model, "views", json_integer(PAGECACHE_HOLE));
    if (p.status && p.status != 200)
        key = NULL; /* only a page as it normally is goes into the cache */
    struct buf page = BUF_INIT;
    buf_init(&page, 0);
    /* A kept page's room at once, the layout's included: no chain of reallocations. */
    if (p.html)
        buf_grow(&page, p.html_len + LAYOUT_ROOM);
    if (render_model(r, w, &p, &page, &ctype) != 0 || page.oom) {
        json_decref(p.model);
        buf_release(&page);
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    json_decref(p.model);
    /*
     * A counted page follows its generation alone, unless it shows what the clock changes;
     * others may show views moving meanwhile.
     */
    if (key)
        pagecache_put(key, gen, page.p, page.len, ctype,
                      kind >= 0 && !p.clock_bound ? 0 : PAGECACHE_TTL_S);
    pagecache_fill(page.p ? page.p : "", page.len, views < 0 ? 0 : views, &w->body);
    buf_release(&page);
    w->status = p.status ? p.status : 200;
    w->content_type = ctype;
}

void web_show(struct req *r, struct resp *w, web_model_fn fn, int status, const char *error,
              json_t *errors)
{
    struct web_input in;
    if (read_input(r, &in) != WEB_OK)
        memset(&in, 0, sizeof in), in.page = 1;
    struct page p = {0};
    enum web_err e = fn(r, &in, &p);
    if (e != WEB_OK || p.redirect) {
        json_decref(errors);
        if (e != WEB_OK) {
            page_error(r, w, e, &p);
            return;
        }
        json_decref(p.model);
        json_decref(p.errors);
        web_redirect(r, w, p.redirect);
        return;
    }
    if (status) {
        p.status = status;
        p.notice = NULL;
        p.error = error;
        json_decref(p.errors);
        p.errors = errors;
    }
    page_messages(r, &p);
    web_render(r, w, p.status ? p.status : 200, p.template, p.title, p.model);
}

int web_begin(struct req *r)
{
    struct web_state *ws = arena_alloc(&r->arena, sizeof *ws);
    if (!ws)
        return 413;
    memset(ws, 0, sizeof *ws);
    r->app = ws;
    ws->early = read_uri(r);
    if (ws->early != WEB_OK) {
        if (!r->path)
            r->path = "/";
        return 0;
    }
    size_t found = 0;
    switch (router_find(routes, NROUTES, r, &found)) {
    case ROUTER_NOT_FOUND:
        ws->early = WEB_NOT_FOUND;
        return 0;
    case ROUTER_BAD_METHOD:
        ws->early = WEB_BAD_METHOD;
        return 0;
    case ROUTER_FOUND:
        break;
    }
    ws->handler = routes[found].target;
    ws->pattern = routes[found].pattern;
    web_session_load(r);
    unsigned need = ws->handler->roles;
    if (need) {
        if (!ws->user)
            ws->early = WEB_UNAUTHORIZED;
        else if (!(need & WEB_SIGNED_IN) && !(need & ws->user->roles))
            ws->early = WEB_FORBIDDEN;
    }
    if (ws->early == WEB_OK && ws->handler->begin)
        return ws->handler->begin(r);
    if (ws->early == WEB_OK && ws->handler->action && ws->handler->action->begin)
        return web_act_begin(r, ws->handler->action);
    return 0;
}

void web_dispatch(struct req *r, struct resp *w)
{
    struct web_state *ws = r->app;
    if (ws->early != WEB_OK) {
        web_error(r, w, ws->early);
        if (ws->early == WEB_BAD_METHOD)
            resp_header(w, "Allow", r->method == HTTP_POST ? "GET, HEAD" : "GET, HEAD, POST");
        return;
    }
    const struct web_handler *h = ws->handler;
    route_headers(r, w);
    /*
     * CSRF: every POST carries its token, except one whose body is JSON or
     * that carries Authorization: Bearer and no cookie at all.  A cross-site
     * HTML form can send neither: its bodies are urlencoded, multipart or
     * text/plain, a script elsewhere cannot send application/json here
     * without a CORS preflight that we never grant, and no form can set
     * Authorization; a request with no cookie has no session to ride on.
     */
    int bearer = r->authorization && strncasecmp(r->authorization, "Bearer ", 7) == 0 &&
                 (!r->cookie || !*r->cookie);
    if (r->method == HTTP_POST && !(h->flags & WEB_NOCSRF) &&
        !jsonform_is_json(r->content_type) && !bearer) {
        const char *token = query_get(web_form(r), "csrf");
        if (!token)
            token = r->csrf_header;
        if (!web_csrf_ok(r, token)) {
            web_error(r, w, WEB_CSRF);
            return;
        }
    }
    if (h->action)
        web_act_run(r, w, h->action);
    else if (h->raw)
        h->raw(r, w);
    else
        run_model(r, w, h);
}

json_t *web_routes(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < NROUTES; i++) {
        const struct web_handler *h = routes[i].target;
        json_t *roles = json_array();
        if (h->roles & WEB_SIGNED_IN)
            json_array_append_new(roles, json_string("signed-in"));
        for (unsigned bit = ROLE_ORGANISER; bit <= ROLE_REVIEWER; bit <<= 1)
            if (h->roles & bit)
                json_array_append_new(roles, json_string(store_role_name(bit)));
        json_t *o = json_pack("{s:s,s:s,s:o,s:b}", "method", routes[i].method, "pattern",
                              routes[i].pattern, "roles", roles, "public", h->roles == 0);
        if (h->action) /* an action appends an audit row with its change, or says it does not */
            json_object_set_new(o, "audit", json_boolean(web_audit_route(routes[i].pattern)));
        json_array_append_new(a, o);
    }
    return a;
}
