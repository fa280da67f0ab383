/*
 * action.c — the one runner of declared POST actions (action.h): parse and
 * validate the form into typed values, load, check, write or work, then
 * redirect, or show the action's page again with the refusal; and the one
 * table from results to HTTP statuses and messages.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/utf8.h"
#include "store/accounts.h"
#include "web/action.h"
#include "web/audit.h"

#define TEXT_MAX_DEFAULT 2000 /* characters, when a text field names no max */

/* What each result answers with: the status and the message when a step named none. */
static const struct {
    int status;
    const char *key;
} results[] = {
    [RC_OK] = {200, NULL},
    [RC_NOTFOUND] = {404, "err_not_found"},
    [RC_STATE] = {409, "rc_state"},
    [RC_STALE] = {409, "rc_stale"},
    [RC_QUOTA] = {409, "rc_quota"},
    [RC_EXISTS] = {409, "rc_exists"},
    [RC_CLOSED] = {409, "rc_closed"},
    [RC_GONE] = {409, "rc_gone"},
    [RC_INVALID] = {422, "form_invalid"},
};
#define NRESULTS (sizeof results / sizeof results[0])

int web_result_status(enum result rc)
{
    if (rc < 0 || (size_t)rc >= NRESULTS)
        return 503; /* a fault: the store could not answer; try again */
    return results[rc].status;
}

static const char *result_key(enum result rc)
{
    return rc < 0 || (size_t)rc >= NRESULTS ? "err_unavailable" : results[rc].key;
}

/* The index of field name, or nfields (a zeroed value) when it is not declared. */
static size_t field_index(const struct web_act *x, const char *name)
{
    size_t i = 0;
    for (; x->a->fields && x->a->fields[i].name; i++)
        if (strcmp(x->a->fields[i].name, name) == 0)
            return i;
    log_error("action: field \"%s\" is not declared", name); /* a bug: tests must not see this */
    return i;
}

const char *web_text(const struct web_act *x, const char *name)
{
    const struct web_value *v = &x->v[field_index(x, name)];
    return v->given ? v->s : NULL;
}

int64_t web_int(const struct web_act *x, const char *name)
{
    return x->v[field_index(x, name)].i;
}

double web_number(const struct web_act *x, const char *name)
{
    return x->v[field_index(x, name)].n;
}

int web_given(const struct web_act *x, const char *name)
{
    return x->v[field_index(x, name)].given;
}

const int64_t *web_ids(const struct web_act *x, const char *name, size_t *n)
{
    const struct web_value *v = &x->v[field_index(x, name)];
    *n = v->nids;
    return v->ids;
}

enum result web_refuse_field(struct web_act *x, const char *name, const char *key)
{
    const char *msg = i18n_get(x->r->lang, key);
    if (!x->errors)
        x->errors = json_object();
    json_object_set_new(x->errors, name, json_string(msg));
    if (!x->error)
        x->error = key;
    return RC_INVALID;
}

void *web_act_state(struct req *r, const struct web_action *a)
{
    const struct web_act *x = web_act_of(r);
    return x && x->a == a ? x->state : NULL;
}

int web_form_keep(struct req *r, const char *name, const char *val, size_t len)
{
    struct web_state *ws = r->app;
    if (!ws->form_parsed) {
        ws->form_parsed = 1;
        ws->form.n = 0;
    }
    if (memchr(val, 0, len))
        return -1;
    const char *k = arena_strdup(&r->arena, name), *v = arena_strndup(&r->arena, val, len);
    return k && v && query_add(&r->arena, &ws->form, k, v, len) == QUERY_OK ? 0 : -1;
}

/* s with CRLF and lone CR as LF (arena), or NULL. */
static const char *lf_lines(struct req *r, const char *s)
{
    size_t n = strlen(s), j = 0;
    char *out = arena_alloc(&r->arena, n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && s[i + 1] == '\n')
            continue;
        out[j++] = s[i] == '\r' ? '\n' : s[i];
    }
    out[j] = 0;
    return out;
}

/* A decimal integer, all of s, into *out. */
static int parse_int(const char *s, int64_t *out)
{
    if (!*s || strlen(s) > 18)
        return 0;
    const char *d = s[0] == '-' ? s + 1 : s;
    if (!*d || strspn(d, "0123456789") != strlen(d))
        return 0;
    *out = strtoll(s, NULL, 10);
    return 1;
}

static int parse_number(const char *s, double *out)
{
    if (!*s || strlen(s) > 32 || strspn(s, "0123456789.-") != strlen(s))
        return 0;
    char *end;
    double d = strtod(s, &end);
    if (*end || !isfinite(d))
        return 0;
    *out = d;
    return 1;
}

static int parse_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    int y = (int)strtol(s, NULL, 10), m = (int)strtol(s + 5, NULL, 10),
        d = (int)strtol(s + 8, NULL, 10); /* digits checked above */
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

/* Text without control characters other than line breaks and tabs. */
static int printable_text(const char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\r' && *s != '\t') || *s == 0x7f)
            return 0;
    return 1;
}

static int valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    return strlen(s) <= 254 && at && at != s && at[1] && !strchr(at + 1, '@') &&
           !strpbrk(s, " \t\r\n<>\"(),;:[]\\");
}

/* Add the ids in one value ("3", or "3, 5 8") to the list; 0 if one is not an id. */
static int add_ids(struct req *r, const char *val, int64_t *ids, size_t *n, size_t max)
{
    char *list = arena_strdup(&r->arena, val), *save = NULL;
    if (!list)
        return 0;
    for (char *t = strtok_r(list, ", \t\r\n", &save); t; t = strtok_r(NULL, ", \t\r\n", &save)) {
        int64_t id = web_path_id(t);
        if (id <= 0 || *n >= max)
            return 0;
        ids[(*n)++] = id;
    }
    return 1;
}

/* Parse field f from the form into v; 0 and a message key when it is refused. */
static int parse_field(struct req *r, const struct web_field *f, struct web_value *v,
                       const char **why)
{
    const struct query *form = web_form(r);
    const char *raw = query_get(form, f->name);
    *why = f->error ? f->error : "form_invalid";
    if (f->type == WEB_F_IDS) {
        size_t max = f->max > 0 ? (size_t)f->max : 1000;
        int64_t *ids = arena_alloc(&r->arena, max * sizeof *ids);
        if (!ids)
            return 0;
        for (size_t i = 0; i < form->n; i++)
            if (strcmp(form->v[i].key, f->name) == 0 && !add_ids(r, form->v[i].val, ids, &v->nids, max))
                return 0;
        v->ids = ids;
        v->given = v->nids > 0;
        if (!v->given && (f->flags & WEB_F_REQUIRED))
            *why = f->error ? f->error : "form_required";
        return v->given || !(f->flags & WEB_F_REQUIRED);
    }
    if (f->type == WEB_F_SECRET) {
        v->s = raw ? raw : "";
        v->given = raw && *raw;
    } else if (f->type == WEB_F_TEXT && (f->flags & WEB_F_MULTILINE)) {
        v->s = raw ? lf_lines(r, raw) : NULL;
        v->given = v->s && *v->s;
    } else if (f->type == WEB_F_BOOL) {
        v->i = raw && (strcmp(raw, "1") == 0 || strcmp(raw, "on") == 0 ||
                       strcmp(raw, "true") == 0 || strcmp(raw, "yes") == 0);
        v->given = raw != NULL;
        return 1;
    } else {
        v->s = web_trimmed(r, raw);
        v->given = v->s && *v->s;
    }
    if (!v->given) {
        if (f->type == WEB_F_NEXT)
            v->s = "/";
        if ((f->flags & WEB_F_REQUIRED) || ((f->flags & WEB_F_NONEMPTY) && raw)) {
            *why = f->error ? f->error : "form_required";
            return 0;
        }
        return 1;
    }
    const char *s = v->s;
    switch (f->type) {
    case WEB_F_TEXT: {
        size_t max = f->max > 0 ? (size_t)f->max : TEXT_MAX_DEFAULT;
        if (!printable_text(s) || utf8_count(s, strlen(s)) > max ||
            ((f->flags & WEB_F_ONELINE) && strpbrk(s, "\r\n\t"))) {
            *why = f->error ? f->error : "form_too_long";
            return 0;
        }
        return utf8_count(s, strlen(s)) >= (size_t)f->min;
    }
    case WEB_F_SECRET:
        return strlen(s) <= (f->max > 0 ? (size_t)f->max : 1024);
    case WEB_F_INT:
        if (!parse_int(s, &v->i) || (double)v->i < f->min || (double)v->i > f->max)
            return 0;
        v->n = (double)v->i;
        return 1;
    case WEB_F_NUMBER:
        return parse_number(s, &v->n) && v->n >= f->min && v->n <= f->max;
    case WEB_F_CHOICE:
        for (size_t i = 0; f->choices && f->choices[i]; i++)
            if (strcmp(f->choices[i], s) == 0)
                return 1;
        return 0;
    case WEB_F_DATE:
        return parse_date(s);
    case WEB_F_EMAIL: {
        if (!valid_email(s))
            return 0;
        char *low = arena_strdup(&r->arena, s);
        if (!low)
            return 0;
        for (char *p = low; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        v->s = low;
        return 1;
    }
    case WEB_F_NEXT:
        v->s = web_safe_next(s);
        return 1;
    case WEB_F_BOOL:
    case WEB_F_IDS:
        break;
    }
    return 1;
}

enum result web_read_field(struct web_act *x, const struct web_field *f, struct web_value *v)
{
    const char *why;
    memset(v, 0, sizeof *v);
    if (!parse_field(x->r, f, v, &why))
        return web_refuse_field(x, f->name, why);
    v->valid = v->given;
    return RC_OK;
}

struct web_act *web_act_of(struct req *r)
{
    const struct web_state *ws = r->app;
    return ws ? ws->act : NULL;
}

/*
 * Show the refusal rc: the action's page again, or the error page with the
 * message (always for a fault, and for "not found" unless a step named the
 * page to show it on).
 */
static void refuse(struct web_act *x, struct resp *w, enum result rc)
{
    int status = x->status ? x->status : web_result_status(rc);
    const char *key = x->error ? x->error : result_key(rc);
    web_model_fn page = x->page ? x->page : x->a->page;
    if (rc < 0 || (status == 404 && !x->page) || !page) {
        json_decref(x->errors);
        web_error_message(x->r, w, status, i18n_get(x->r->lang, key));
        return;
    }
    web_show(x->r, w, page, status, key, x->errors);
}

static void finish(struct web_act *x, struct resp *w, enum result rc)
{
    /* What the result means for this action, where it declares it (its write or work). */
    for (const struct web_refusal *f = x->a->refusals; f && f->rc != RC_OK; f++) {
        if (f->rc != rc)
            continue;
        if (!x->status)
            x->status = f->status;
        if (!x->error)
            x->error = f->error;
        if (!x->page)
            x->page = f->page;
        break;
    }
    if (x->a->then)
        rc = x->a->then(x, w, rc);
    if (rc != RC_OK) {
        refuse(x, w, rc);
        return;
    }
    if (x->a->done) /* x->status: the success's own status (201 created, 202 accepted) */
        web_show(x->r, w, x->a->done, x->status, NULL, NULL);
    else
        web_redirect(x->r, w, x->next ? x->next : x->a->next ? x->a->next : "/");
}

/* On the writer thread: the action's write with its state. */
static int act_write(struct store_tx *tx, void *arg)
{
    struct web_act *x = arg;
    int rc = x->a->write(tx, x->state);
    if (rc == RC_OK && x->audit) /* the audit chain's row, in the change's transaction */
        rc = tx_audit_append(tx, x->audit);
    return rc;
}

static void written(struct req *r, struct resp *w, int rc, void *arg)
{
    (void)r;
    finish(arg, w, (enum result)rc);
}

/* The work's own result, kept beside the deferred one (which says whether it ran). */
struct work_run {
    struct web_act *x;
    enum result rc;
};

static void work_run(void *arg)
{
    struct work_run *k = arg;
    store_audit_scope(k->x->audit); /* the work's store_write_sync calls append it */
    k->rc = k->x->a->work(k->x->state);
    store_audit_scope(NULL);
}

static void worked(struct req *r, struct resp *w, int rc, void *arg)
{
    (void)r;
    struct work_run *k = arg;
    finish(k->x, w, rc == RC_OK ? k->rc : RC_ERROR);
}

/* A new action in progress for r, its values and state zeroed (arena), or NULL. */
static struct web_act *act_new(struct req *r, const struct web_action *a)
{
    size_t nfields = 0;
    while (a->fields && a->fields[nfields].name)
        nfields++;
    struct web_act *x = arena_alloc(&r->arena, sizeof *x);
    struct web_value *v = arena_alloc(&r->arena, (nfields + 1) * sizeof *v);
    void *state = arena_alloc(&r->arena, a->state_size ? a->state_size : 1);
    if (!x || !v || !state)
        return NULL;
    memset(x, 0, sizeof *x);
    memset(v, 0, (nfields + 1) * sizeof *v);
    memset(state, 0, a->state_size ? a->state_size : 1);
    x->r = r;
    x->a = a;
    x->v = v;
    x->state = state;
    ((struct web_state *)r->app)->act = x;
    const struct store_user *u = web_user(r);
    x->user_id = u ? u->id : 0;
    struct web_state *ws = r->app;
    ws->act = x;
    return x;
}

int web_act_begin(struct req *r, const struct web_action *a)
{
    struct web_act *x = act_new(r, a);
    if (!x)
        return 500;
    return a->begin ? a->begin(x) : 0;
}

void web_act_run(struct req *r, struct resp *w, const struct web_action *a)
{
    struct web_state *ws = r->app;
    struct web_act *x = ws->act && ws->act->a == a ? ws->act : act_new(r, a);
    if (!x) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    struct web_value *v = x->v;
    size_t nfields = 0;
    while (a->fields && a->fields[nfields].name)
        nfields++;
    for (size_t i = 0; i < nfields; i++)
        web_read_field(x, &a->fields[i], &v[i]);
    enum result rc = a->load ? a->load(x) : RC_OK;
    if (rc == RC_OK && x->errors)
        rc = RC_INVALID;
    if (rc == RC_OK && a->check)
        rc = a->check(x);
    if (rc != RC_OK) {
        refuse(x, w, rc);
        return;
    }
    x->audit = web_audit_entry(x);
    if (a->write) {
        web_write(r, w, act_write, x, written);
    } else if (a->work) {
        struct work_run *k = arena_alloc(&r->arena, sizeof *k);
        if (!k) {
            web_error(r, w, WEB_INTERNAL);
            return;
        }
        k->x = x;
        k->rc = RC_ERROR;
        web_work(r, w, work_run, k, worked);
    } else {
        finish(x, w, RC_OK);
    }
}
