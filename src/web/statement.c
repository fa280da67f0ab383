/*
 * statement.c — signed results statements on the site (statement.h).
 *
 * /results/statement shows the public campaign's statements, newest first,
 * with the installation's public key and how to check a statement; each
 * statement downloads as issued from /results/statements/{id}.json and the
 * key from /signing.pub.  The organiser issues a new statement from
 * /admin/results (after a correction, say); issuing is one write that reads
 * the published list, signs it and keeps it, with the audit row the runner
 * appends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/statement.h"
#include "web/certs.h"
#include "web/statement.h"

enum web_err page_statement(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t campaign = store_public_campaign(web.store);
    json_t *list = campaign ? store_statements(web.store, campaign) : json_array();
    if (!list)
        return WEB_UNAVAILABLE;
    char pk[SIGNKEY_PUBLIC_B64];
    store_public_key(web.store, pk);
    json_t *m = json_pack("{s:o,s:s}", "statements", list, "public_key", pk);
    json_t *latest = json_array_get(list, 0);
    if (latest)
        json_object_set(m, "latest", latest);
    p->model = m;
    p->template = "statement";
    p->title = i18n_get(r->lang, "statement_title");
    return WEB_OK;
}

void raw_statement_file(struct req *r, struct resp *w)
{
    const char *name = r->nparams ? r->params[0] : "";
    size_t n = strlen(name);
    int64_t id = 0;
    if (n > 5 && strcmp(name + n - 5, ".json") == 0) {
        char digits[24];
        snprintf(digits, sizeof digits, "%.*s", (int)(n - 5), name);
        id = web_path_id(digits);
    }
    char *body = NULL;
    size_t len = 0;
    int64_t campaign = 0;
    int rc = id > 0 ? store_statement_body(web.store, id, &body, &len, &campaign) : RC_NOTFOUND;
    if (rc != RC_OK) {
        web_error(r, w, rc == RC_NOTFOUND ? WEB_NOT_FOUND : WEB_UNAVAILABLE);
        return;
    }
    buf_append(&w->body, body, len);
    free(body);
    w->status = 200;
    w->content_type = "application/json";
    char disposition[96];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"results-statement-%lld.json\"",
             (long long)id);
    resp_header(w, "Content-Disposition", arena_strdup(&r->arena, disposition));
    resp_header(w, "Cache-Control", "public, max-age=300");
}

void raw_public_key(struct req *r, struct resp *w)
{
    (void)r;
    char pk[SIGNKEY_PUBLIC_B64];
    store_public_key(web.store, pk);
    w->status = 200;
    w->content_type = "text/plain; charset=utf-8";
    buf_puts(&w->body, pk);
    buf_putc(&w->body, '\n');
}

enum web_err page_admin_results(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    int64_t campaign = store_public_campaign(web.store);
    json_t *list = campaign ? store_statements(web.store, campaign) : json_array();
    if (!list)
        return WEB_UNAVAILABLE;
    char pk[SIGNKEY_PUBLIC_B64];
    store_public_key(web.store, pk);
    json_t *m = json_pack("{s:o,s:s,s:b}", "statements", list, "public_key", pk, "published",
                          campaign != 0);
    json_t *camp = campaign ? store_campaign(web.store) : NULL;
    if (camp)
        json_object_set_new(m, "campaign", camp);
    json_object_set_new(m, "certs", certs_batch_model());
    if (query_get(&r->query, "issued"))
        p->notice = "statement_issued";
    else if (query_get(&r->query, "making"))
        p->notice = "certs_started";
    p->model = m;
    p->template = "admin_results";
    p->title = i18n_get(r->lang, "admin_results_title");
    return WEB_OK;
}

struct issue {
    struct statement_issue q;
};

static enum result issue_load(struct web_act *x)
{
    struct issue *s = x->state;
    s->q.campaign_id = store_public_campaign(web.store);
    if (!s->q.campaign_id) {
        x->error = "statement_no_campaign";
        return RC_STATE;
    }
    return RC_OK;
}

static int issue_write(struct store_tx *tx, void *arg)
{
    struct issue *s = arg;
    return tx_statement_issue(tx, &s->q);
}

static const struct web_refusal issue_refusals[] = {
    {RC_STATE, 409, "statement_not_published", NULL},
    {RC_NOTFOUND, 409, "statement_no_campaign", NULL},
    {RC_OK},
};

const struct web_action act_statement_issue = {
    .state_size = sizeof(struct issue),
    .load = issue_load,
    .write = issue_write,
    .next = "/admin/results?issued=1",
    .page = page_admin_results,
    .refusals = issue_refusals,
};
