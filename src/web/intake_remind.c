/*
 * intake_remind.c — deadline reminders to units, from the organiser's
 * dashboard.
 *
 * One message per case whose unit still has something to do, to the case's
 * contact or its unit's clerks (tx_intake_notify): a draft or a returned
 * case while the call is open and not past its closing day, a case sent
 * back for correction until its due date.  The dashboard's button says how
 * many and asks first; nothing to remind is 409 and queues nothing.  The
 * messages wait in the outbox like every other.
 */
#include <stdio.h>
#include <string.h>

#include "core/jstr.h"
#include "domain/submission.h"
#include "mail/sender.h"
#include "store/campaigns.h"
#include "store/intake.h"
#include "store/intake_remind.h"
#include "web/admin.h"
#include "web/intake.h"
#include "web/intake_remind.h"

struct remind_msg {
    int64_t case_id;
    const char *subject, *body;
};

struct remind_job {
    int64_t campaign;
    struct remind_msg *m;
    size_t n;
    char next[80];
};

/*
 * The cases of campaign c (its settings k) that a reminder goes to, in
 * out[] (up to cap; NULL to count only), as of today; their number.
 */
static size_t due_cases(struct req *r, json_t *k, json_t *cases, struct remind_msg *out)
{
    char today[11];
    submission_today(today);
    int open = strcmp(jstr(k, "status"), "open") == 0 &&
               submission_before(today, jstr(k, "closes_at"));
    size_t n = 0, i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *st = jstr(c, "status"), *due = jstr(c, "due");
        int correction = strcmp(st, "correction") == 0;
        if (correction ? !*due || !submission_before(today, due) : !open)
            continue;
        if (out) {
            const char *date = correction ? due : jstr(k, "closes_at");
            const char *title = *jstr(c, "title") ? jstr(c, "title")
                                                  : i18n_get(LANG_ZH, "submit_untitled");
            out[n].case_id = json_integer_value(json_object_get(c, "id"));
            intake_mail_text(r, out[n].case_id, title, st, NULL, correction ? due : NULL,
                             &out[n].subject, &out[n].body);
            out[n].subject = arena_printf(&r->arena, "%s：%s",
                                          i18n_get(LANG_ZH, "intake_remind_subject"), title);
            out[n].body = arena_printf(
                &r->arena, "%s%s%s\n\n%s",
                i18n_get(LANG_ZH, correction ? "intake_remind_correction_before"
                                             : "intake_remind_draft_before"),
                date, i18n_get(LANG_ZH, "intake_remind_after"), out[n].body);
        }
        n++;
    }
    return n;
}

/* The campaign of the form (404 if none), and who is reminded of what; 409 for nobody. */
static enum result remind_check(struct web_act *x)
{
    struct remind_job *j = x->state;
    j->campaign = web_int(x, "campaign");
    json_t *k = store_campaign_settings(web.store, j->campaign);
    if (!k)
        return RC_NOTFOUND;
    json_t *cases = store_intake_unfinished(web.store, j->campaign);
    if (!cases) {
        json_decref(k);
        return RC_ERROR;
    }
    size_t n = due_cases(x->r, k, cases, NULL);
    j->m = n ? arena_alloc(&x->r->arena, n * sizeof *j->m) : NULL;
    j->n = j->m ? due_cases(x->r, k, cases, j->m) : 0;
    json_decref(cases);
    json_decref(k);
    if (n && !j->m)
        return RC_ERROR;
    if (!j->n) {
        x->error = "intake_remind_none";
        return RC_STATE;
    }
    snprintf(j->next, sizeof j->next, "/admin?campaign=%lld&reminded=%zu",
             (long long)j->campaign, j->n);
    x->next = j->next;
    return RC_OK;
}

static int remind_write(struct store_tx *tx, void *arg)
{
    struct remind_job *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        int rc = tx_intake_notify(tx, j->m[i].case_id, j->m[i].subject, j->m[i].body);
        if (rc != RC_OK)
            return rc;
    }
    return RC_OK;
}

static enum result remind_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)x;
    (void)w;
    if (rc == RC_OK)
        mail_wake();
    return rc;
}

static const struct web_field remind_fields[] = {
    {"campaign", WEB_F_INT, WEB_F_REQUIRED, 1, 1e15, NULL, "campaign_roles_bad_campaign"},
    {NULL},
};

const struct web_action act_admin_remind = {
    .fields = remind_fields,
    .state_size = sizeof(struct remind_job),
    .check = remind_check,
    .write = remind_write,
    .then = remind_then,
    .page = page_admin,
};

void intake_remind_model(struct req *r, int64_t campaign, json_t *m)
{
    json_t *k = campaign ? store_campaign_settings(web.store, campaign) : NULL;
    json_t *cases = k ? store_intake_unfinished(web.store, campaign) : NULL;
    size_t n = cases ? due_cases(r, k, cases, NULL) : 0;
    json_decref(cases);
    json_decref(k);
    json_object_set_new(m, "remind_count", json_integer((json_int_t)n));
    const char *sent = r->method == HTTP_POST ? NULL : query_get(&r->query, "reminded");
    if (sent && strlen(sent) < 12)
        json_object_set_new(m, "notice", json_string(arena_printf(
                                             &r->arena, "%s%s%s", i18n_get(r->lang, "intake_reminded_before"),
                                             sent, i18n_get(r->lang, mail_active()
                                                                        ? "intake_reminded_after"
                                                                        : "intake_reminded_queued"))));
}
